"""Check run directories: every document, every prediction re-graded, every artifact re-hashed.

Exit 0 when every run is valid, 1 when any has findings, 2 when a path is not a run directory
(the other paths are still checked).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from evidence.cli.common import (
    JsonOption,
    KaggleLogOption,
    QuietOption,
    fail,
    finish,
    read_kaggle_log,
)
from evidence.cli.progress import hashing_progress

NAME = "validate"
SHORT = "Check run directories: exit 0 valid, 1 findings."


def command(
    run_dirs: Annotated[list[Path], typer.Argument(
        metavar="RUN_DIR", show_default=False,
        help="Run directories: each holds run_manifest.json, eval_summary.json, "
             "predictions.jsonl and the files the manifest lists. A file named "
             "kernel-metadata.json is checked as a Kaggle notebook's metadata instead.")],
    allow_template: Annotated[bool, typer.Option(
        "--allow-template", help="Accept unfilled template placeholders (a local run before "
                                 "`evidence fill`); check everything else.")] = False,
    profile: Annotated[str | None, typer.Option(
        "--profile", metavar="NAME_OR_PATH",
        help="Also check that a run that may be submitted (not a smoke run) uses a model this "
             "competition profile allows: a shipped name such as tunix-hackathon-2025, or a "
             "YAML file. Without it, eligibility is not checked.")] = None,
    kaggle_log: KaggleLogOption = None,
    dataset: Annotated[Path | None, typer.Option(
        "--dataset", metavar="PATH",
        help="The data set file the run trained and evaluated on (JSONL rows as the trainer's "
             "--dataset takes them, docs/TRAINING_MODES.md#your-own-data), or a directory "
             "holding exactly one: every row is checked, the predictions must cover exactly "
             "its eval split with its answers, sections, categories and difficulties, and the "
             "manifest must name its digest and counts. Without it, a shipped data set the "
             "manifest names (dev-reasoning-v2) is checked.")] = None,
    comparison: Annotated[Path | None, typer.Option(
        "--comparison", metavar="FILE",
        help="A comparison.json that `evidence compare --out` wrote. Give the two runs it "
             "compared as RUN_DIR (BASELINE then CANDIDATE; directories or archives): they are "
             "compared again with the file's options, and every value of the file must be what "
             "that gives.")] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    if comparison is not None:
        return _validate_comparison(comparison, run_dirs, allow_template, as_json, quiet)
    from evidence.validation.run import validate_paths

    loaded = None
    if profile:  # the profile reader (PyYAML, importlib.resources) loads only when asked for
        from evidence.validation.eligibility import ProfileError, load_profile

        try:
            loaded = load_profile(profile)
        except ProfileError as error:
            return fail(error.message, as_json=as_json, command=NAME)
    if kaggle_log is not None and len(run_dirs) > 1:
        return fail("--kaggle-log is the log of one run: give one RUN_DIR with it",
                    as_json=as_json, command=NAME)
    copy, problem = read_kaggle_log(kaggle_log)
    if problem is not None:
        return fail(problem, as_json=as_json, command=NAME)
    known = None
    if dataset is not None:
        from evidence.validation.checks.dataset import read_dataset_file
        from evidence.validation.dataset_file import DatasetFileError

        try:
            known = read_dataset_file(dataset)
        except DatasetFileError as error:
            return fail(error.message, as_json=as_json, command=NAME)
    progress = None if as_json or quiet else hashing_progress
    outcome = validate_paths(run_dirs, allow_template=allow_template, profile=loaded,
                             progress=progress, kaggle_log=copy, dataset=known)
    return finish(outcome, as_json=as_json, quiet=quiet)


def _validate_comparison(comparison: Path, runs: list[Path], allow_template: bool,
                         as_json: bool, quiet: bool) -> int:
    if len(runs) != 2:
        return fail(f"--comparison takes the two runs it compared, BASELINE then CANDIDATE; "
                    f"{len(runs)} given", as_json=as_json, command=NAME)
    from evidence.compare.check import check_comparison

    outcome = check_comparison(comparison, runs[0], runs[1], allow_template=allow_template,
                               progress=None if as_json or quiet else hashing_progress)
    return finish(outcome, as_json=as_json, quiet=quiet)
