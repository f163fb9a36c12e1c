"""Validate the run directories that the given files belong to: what the pre-commit hook runs.

Each file belongs to every directory above it that holds run_manifest.json: its nearest run,
and each run that encloses that one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidence.cli.common import JsonOption, QuietOption, finish
from evidence.result import CommandResult

NAME = "hook"
SHORT = "Validate the runs that changed files belong to."


def command(
    files: Annotated[list[str] | None, typer.Argument(
        metavar="FILE", show_default=False,
        help="Changed files (pre-commit passes them); each belongs to every directory above "
             "it that holds run_manifest.json (its run, and any run enclosing that one).")] = None,
    template: Annotated[list[str] | None, typer.Option(
        "--template", metavar="PATTERN",
        help="Run directories matching this shell pattern (relative to the repository root, "
             "matched one path segment at a time: 'templates/*' is not "
             "'templates/team/run'; '**' matches any number of segments) are templates: "
             "placeholders are accepted there, everything else is checked. Repeatable.")] = None,
    baseline: Annotated[Path | None, typer.Option(
        "--baseline", metavar="ARCHIVE",
        help="Also gate each touched run of the baseline's mode (smoke or full) on it: "
             "`evidence compare ARCHIVE RUN --fail-on-regression`, so a run that is "
             "significantly worse, or not paired with the baseline, fails the commit. Runs of "
             "the other mode, and templates, are only validated.")] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    from evidence.validation.hook import is_template, run_directories
    from evidence.validation.run import validate_run

    directories = run_directories(files or [])
    templates = {run_dir for run_dir in directories if is_template(run_dir, template or [])}
    runs = [validate_run(run_dir, allow_template=run_dir in templates)
            for run_dir in directories]
    if baseline is not None and runs:
        from evidence.compare.gate import gate_runs

        runs += gate_runs(baseline, [run for run, run_dir in zip(runs, directories, strict=True)
                                     if run_dir not in templates])
    outcome = CommandResult(NAME, runs, result={"runs": [run.to_json() for run in runs]})
    return finish(outcome, as_json=as_json, quiet=quiet or not runs)
