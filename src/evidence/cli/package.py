"""Validate a run and write it as a reproducible zip with a lock of every file's digest.

The archive goes beside the run directory as <run_id>.zip unless --out says otherwise; an
invalid run is refused (exit 1) and nothing is written.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidence.cli.common import JsonOption, QuietOption, fail, finish
from evidence.result import CommandResult, RunResult

if TYPE_CHECKING:
    from rich.console import Console

NAME = "package"
SHORT = "Package a valid run as a reproducible, locked zip."


def command(
    run_dir: Annotated[Path, typer.Argument(metavar="RUN_DIR", show_default=False,
                                            help="The run directory to package.")],
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE",
        help="Archive to write (default: <run_id>.zip beside RUN_DIR).")] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    from evidence.cli.progress import hashing_progress
    from evidence.io.digest import sha256_file
    from evidence.packaging.package import PackageError, package_run
    from evidence.validation.run import RunDirectoryError

    bars = not (as_json or quiet)
    try:
        made = package_run(run_dir, out, progress=hashing_progress if bars else None,
                           packing=partial(hashing_progress, verb="packing") if bars else None)
    except (RunDirectoryError, PackageError) as error:
        return fail(str(error), as_json=as_json, command=NAME)
    if made.archive is None or made.lock is None:
        refused = CommandResult(NAME, [RunResult(str(run_dir), made.findings)], refused=True)

        def why(_: Console) -> None:
            from evidence.cli.common import console
            from evidence.render.human import print_wrapped, render_runs

            err = console(stderr=True)
            render_runs(err, refused.runs)
            print_wrapped(err, "not packaged: fix the findings above, then package again")

        return finish(refused, as_json=as_json, quiet=quiet, human=why)
    digest, size = sha256_file(made.archive)
    result = {"archive": str(made.archive), "run_id": made.lock.run_id,
              "files": len(made.lock.files), "size_bytes": size, "sha256": digest}
    outcome = CommandResult(NAME, [RunResult(str(run_dir))], result=result)

    def human(out: Console) -> None:
        from evidence.render.human import print_wrapped

        print_wrapped(out, f"{made.archive}: run {made.lock.run_id if made.lock else ''}, "
                           f"{result['files']} files, {size} bytes, sha256 {digest}")

    return finish(outcome, as_json=as_json, quiet=quiet, human=human)
