"""Write an in-toto Statement v1 about a run directory or an archive: its subjects are the
locked files, its predicate the run id, schema versions and validation result.

Exit 0: attested and valid; 1: attested as invalid, or refused (nothing written); 2: usage.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidence.cli.common import JsonOption, QuietOption, fail, finish
from evidence.result import CommandResult, RunResult

if TYPE_CHECKING:
    from rich.console import Console

NAME = "attest"
SHORT = "Write an in-toto statement about a run or archive."


def _not_attestable(target: Path) -> str | None:
    from evidence.models.manifest import MANIFEST_FILE

    if target.is_dir() and not (target / MANIFEST_FILE).exists():
        return (f"{target}: is a directory without {MANIFEST_FILE}; attest takes a run "
                "directory or an archive (a .zip from `evidence package`)")
    if not target.exists():
        return f"{target}: no such run directory or archive"
    return None


def command(
    target: Annotated[Path, typer.Argument(
        metavar="RUN_DIR|ARCHIVE", show_default=False,
        help="A run directory, or an archive from `evidence package`.")],
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE",
        help="Write the statement here (default: standard output; with -q, nowhere: the "
             "exit code alone answers).")] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    from evidence.cli.progress import hashing_progress
    from evidence.io.atomic import dump_model, write_bytes_atomic
    from evidence.packaging.attest import attest_archive, attest_run_directory

    problem = _not_attestable(target)
    if problem is not None:
        return fail(problem, as_json=as_json, command=NAME)
    attest = attest_run_directory if target.is_dir() else attest_archive
    made = attest(target, progress=None if as_json or quiet else hashing_progress)
    if made.statement is None:
        refused = CommandResult(NAME, [RunResult(str(target), made.refusal + made.run_findings)],
                                refused=True)
        return finish(refused, as_json=as_json, quiet=quiet,
                      human=_lines(refused, "no statement written: fix the findings above, "
                                            "then attest again"))
    text = dump_model(made.statement)
    if out is not None:
        write_bytes_atomic(out, text)
    elif not (as_json or quiet):  # -q: the exit code alone says whether it attests as valid
        sys.stdout.buffer.write(text)
        sys.stdout.flush()
    outcome = CommandResult(NAME, [RunResult(str(target), made.run_findings)], result={
        "out": str(out) if out is not None else None,
        "statement": made.statement.model_dump(mode="json", by_alias=True)})
    note = "attested as invalid: the statement records these findings"
    return finish(outcome, as_json=as_json, quiet=quiet,
                  human=_lines(outcome, note) if made.run_findings else _nothing)


def _nothing(_: Console) -> None:
    """The statement itself is the output; a valid run needs no more words."""


def _lines(outcome: CommandResult, note: str) -> Callable[[Console], None]:
    """Findings and a note on standard error, where they never mix with the statement."""
    def human(_: Console) -> None:
        from evidence.cli.common import console
        from evidence.render.human import print_wrapped, render_runs

        err = console(stderr=True)
        render_runs(err, outcome.runs)
        print_wrapped(err, note)

    return human
