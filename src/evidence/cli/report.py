"""Write a run's report: one self-contained HTML page (verdict, identity, scorecard, training
curves, every item; with --baseline, the comparison) that opens offline in any browser and
inline in a notebook. The same run gives the same bytes.

Exit 0 written for a valid run, 1 written but the run (or the baseline) has findings, which
the page shows, 2 usage or I/O error (nothing written).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidence.cli.common import JsonOption, QuietOption, fail, finish

if TYPE_CHECKING:
    from rich.console import Console

    from evidence.report import Report

NAME = "report"
SHORT = "Write a run's report: one offline HTML page."

_RUN_HELP = "A run directory, or an archive written by `evidence package` (verified first)."


def default_out(run: Path) -> Path:
    """Beside the run, never inside it (a file there would be one the manifest does not
    list): runs/smoke -> runs/smoke.report.html, submission.zip -> submission.report.html."""
    name = run.stem if run.suffix.lower() == ".zip" else run.name
    return run.parent / f"{name or 'run'}.report.html"


def _inside(out: Path, run: Path) -> bool:
    return run.is_dir() and out.resolve().is_relative_to(run.resolve())


def _written(out: Path, report: Report) -> Callable[[Console], None]:
    def draw(console: Console) -> None:
        from evidence.render.human import print_wrapped, render_run

        subject, *others = report.runs  # the baseline and the pairing: only when not valid
        for run in [subject, *(other for other in others if not other.valid)]:
            render_run(console, run)
        print_wrapped(console, f"report: {out}")

    return draw


def command(
    run: Annotated[Path, typer.Argument(metavar="RUN", show_default=False,
                                        help=f"The run to report on. {_RUN_HELP}")],
    baseline: Annotated[Path | None, typer.Option(
        "--baseline", metavar="RUN_OR_ARCHIVE",
        help=f"Also compare the run with this one (as `evidence compare BASELINE RUN`). "
             f"{_RUN_HELP}")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE",
        help="Where to write the page, atomically. Default: beside the run, named after it "
             "(runs/smoke -> runs/smoke.report.html); never inside the run directory.")] = None,
    allow_template: Annotated[bool, typer.Option(
        "--allow-template", help="Accept unfilled template placeholders (a local run before "
                                 "`evidence fill`); check everything else.")] = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    from evidence.report import ReportError, build_report
    from evidence.result import CommandResult

    target = out if out is not None else default_out(run)
    if _inside(target, run):
        return fail(f"{target}: inside the run directory, where it would be a file the "
                    "manifest does not list; write it beside the run", as_json=as_json,
                    command=NAME)
    try:
        report = build_report(run, baseline=baseline, allow_template=allow_template)
        target.parent.mkdir(parents=True, exist_ok=True)  # --out build/run.html in a new clone
        size = report.write(target)
    except ReportError as error:
        return fail(error.message, as_json=as_json, command=NAME)
    except OSError as error:
        return fail(f"{target}: cannot write the report: {error.strerror or error}",
                    as_json=as_json, command=NAME)
    outcome = CommandResult(NAME, report.runs, result={"report": str(target),
                                                       "valid": report.valid, "bytes": size})
    return finish(outcome, as_json=as_json, quiet=quiet, human=_written(target, report))
