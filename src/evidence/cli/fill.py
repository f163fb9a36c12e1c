"""Fill a template run directory from the run's console log (Kaggle's JSON log, plain text or an
executed notebook), atomically, and validate the result.

Exit 0: filled (or nothing to change) and valid but for fields still missing; 1: refused (a
conflict, or a result that would not be valid) or findings after filling; 2: usage or I/O error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidence.cli.common import JsonOption, QuietOption, fail, finish
from evidence.result import CommandResult, RunResult

if TYPE_CHECKING:
    from rich.console import Console

    from evidence.filling.plan import FillPlan

NAME = "fill"
SHORT = "Fill a template from the run's console log."


def command(
    run_dir: Annotated[Path, typer.Argument(
        metavar="RUN_DIR", show_default=False,
        help="The template run directory to fill (see `evidence init`).")],
    log: Annotated[Path, typer.Option(
        "--from-log", metavar="LOG", show_default=False,
        help="The run's console log; copied into RUN_DIR as its recorded log.")],
    kaggle_url: Annotated[str | None, typer.Option(
        "--kaggle-url", metavar="URL",
        help="The notebook's URL, https://www.kaggle.com/code/<owner>/<slug>.")] = None,
    kaggle_version: Annotated[str | None, typer.Option(
        "--kaggle-version", metavar="N",
        help="The notebook version that ran (a positive integer).")] = None,
    kaggle_run_id: Annotated[str | None, typer.Option(
        "--kaggle-run-id", metavar="ID",
        help="Kaggle's numeric run id (scriptVersionId in the version's URL).")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace real values that the log contradicts.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show what would change, field by field; write nothing.")] = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    from evidence.filling import FillError, OptionError, option_statements, plan_fill, write_fill

    problem = _usage_problem(run_dir, log)
    if problem:
        return fail(problem, as_json=as_json, command=NAME)
    try:
        given = option_statements({"--kaggle-url": kaggle_url, "--kaggle-version": kaggle_version,
                                   "--kaggle-run-id": kaggle_run_id})
    except OptionError as error:
        return fail(str(error), as_json=as_json, command=NAME)
    try:
        plan = plan_fill(run_dir, log, given)
    except FillError as error:
        return _refused(CommandResult(NAME, [RunResult(str(log), error.findings)]),
                        "nothing was written: the log cannot be used", as_json, quiet)
    refusal = plan.refusal(force=force)
    if refusal is not None:
        outcome = CommandResult(NAME, [RunResult(str(run_dir), refusal.findings)],
                                result=_plan_json(plan, written=[]), refused=True)
        return _refused(outcome, f"nothing was written: {refusal.reason}", as_json, quiet, plan)
    if dry_run:
        return _dry_run(plan, as_json, quiet)
    try:
        written = write_fill(plan, force=force)
    except FillError as error:
        return _refused(CommandResult(NAME, [RunResult(str(run_dir), error.findings)],
                                      refused=True), "the fill stopped", as_json, quiet)
    return _filled(plan, written, as_json, quiet)


def _usage_problem(run_dir: Path, log: Path) -> str | None:
    if not log.is_file():
        return f"{log}: no such log file (or not a file)"
    if run_dir.is_file():
        return f"{run_dir}: is a file, not a run directory; give the directory that holds it"
    inside = next((parent for parent in run_dir.parents if parent.is_file()), None)
    if inside is not None:
        return f"{run_dir}: {inside} is a file, not a directory; give the run directory"
    if not run_dir.is_dir():
        return (f"{run_dir}: no such run directory; `evidence init {run_dir}` writes a "
                "template to fill")
    return None


def _plan_json(plan: FillPlan, written: list[str]) -> dict[str, Any]:
    from evidence.filling.options import KAGGLE_FLAGS
    from evidence.filling.render import still_missing

    changes = [{"file": change.file, "pointer": change.pointer, "new": change.new,
                "source": change.source} for change in plan.changes]
    missing = [{"file": file, "pointer": at, "flag": KAGGLE_FLAGS.get(at)}
               for file, at in still_missing(plan)]
    return {"log": str(plan.log), "log_form": str(plan.form), "copies_log": plan.copies_log,
            "changes": changes, "still_missing": missing, "written": written}


def _refused(outcome: CommandResult, why: str, as_json: bool, quiet: bool,
             plan: FillPlan | None = None) -> int:
    def human(out: Console) -> None:
        from evidence.filling.render import change_lines
        from evidence.render.human import print_wrapped, render_runs

        if plan is not None:
            print_wrapped(out, "\n".join(change_lines(plan)))
        err = _stderr()
        render_runs(err, outcome.runs)
        print_wrapped(err, why)

    return finish(outcome, as_json=as_json, quiet=quiet, human=human)


def _dry_run(plan: FillPlan, as_json: bool, quiet: bool) -> int:
    from evidence.filling.render import change_lines, missing_lines

    outcome = CommandResult(NAME, result={**_plan_json(plan, written=[]), "dry_run": True})

    def human(out: Console) -> None:
        from evidence.render.human import print_wrapped

        print_wrapped(out, "\n".join([*change_lines(plan), *missing_lines(plan),
                                      "dry run: nothing written"]))

    return finish(outcome, as_json=as_json, quiet=quiet, human=human)


def _filled(plan: FillPlan, written: list[str], as_json: bool, quiet: bool) -> int:
    from evidence.filling.render import change_lines, missing_lines
    from evidence.validation.run import validate_run

    validated = validate_run(plan.run_dir, allow_template=True)
    outcome = CommandResult(NAME, [validated], result={**_plan_json(plan, written),
                                                        "dry_run": False})

    def human(out: Console) -> None:
        from evidence.render.human import print_wrapped, render_runs

        print_wrapped(out, "\n".join([
            *change_lines(plan), f"wrote {', '.join(written)}" if written else "wrote nothing",
            *(missing_lines(plan) or ["nothing is missing"])]))
        render_runs(out, outcome.runs)

    return finish(outcome, as_json=as_json, quiet=quiet, human=human)


def _stderr() -> Console:
    from evidence.cli.common import console

    return console(stderr=True)
