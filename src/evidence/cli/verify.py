"""Check a packaged archive against its lock, trusting nothing in it, and validate its run.

Exit 0 when the archive and its run are valid, 1 on findings, 2 when there is no such archive.
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
from evidence.result import CommandResult, RunResult

NAME = "verify"
SHORT = "Verify an archive against its lock, and its run."


def command(
    archive: Annotated[Path, typer.Argument(
        metavar="ARCHIVE", show_default=False,
        help="A zip written by `evidence package`.")],
    max_bytes: Annotated[int | None, typer.Option(
        "--max-bytes", metavar="N", min=1,
        help="Refuse an archive whose entries would decompress to more than N bytes in all "
             "(default: 64 GiB).")] = None,
    kaggle_log: KaggleLogOption = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    from evidence.cli.progress import hashing_progress
    from evidence.packaging.verify import DEFAULT_MAX_BYTES, verify_archive

    if archive.is_dir():
        return fail(f"{archive}: is a directory; verify takes an archive from `evidence "
                    "package` (check a run directory with `evidence validate`)",
                    as_json=as_json, command=NAME)
    if not archive.is_file():
        return fail(f"{archive}: no such archive", as_json=as_json, command=NAME)
    copy, problem = read_kaggle_log(kaggle_log)
    if problem is not None:
        return fail(problem, as_json=as_json, command=NAME)
    verified = verify_archive(archive, max_bytes=max_bytes or DEFAULT_MAX_BYTES,
                              progress=None if as_json or quiet else hashing_progress,
                              kaggle_log=copy)
    run = RunResult(str(archive), verified.findings)
    result = {"archive": str(archive), "runs": [run.to_json()],
              "run_id": verified.lock.run_id if verified.lock else None,
              "files": len(verified.lock.files) if verified.lock else None}
    return finish(CommandResult(NAME, [run], result=result), as_json=as_json, quiet=quiet)
