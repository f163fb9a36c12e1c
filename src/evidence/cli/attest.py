"""`evidence attest RUN_DIR|ARCHIVE [--out FILE]`: an in-toto Statement v1 about the evidence."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "attest", help="write an in-toto statement (subjects: the locked files; predicate: run "
                       "id, schema versions, validation result)")
    parser.add_argument("target", type=Path, metavar="RUN_DIR|ARCHIVE")
    parser.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help="write the statement here (default: standard output)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from evidence.cli.progress import hashing_progress
    from evidence.io.atomic import dump_model, write_bytes_atomic
    from evidence.packaging.attest import attest_archive, attest_run_directory
    from evidence.render.human import render_human
    from evidence.result import RunResult
    from evidence.validation.run import RunDirectoryError

    try:
        attest = attest_run_directory if args.target.is_dir() else attest_archive
        made = attest(args.target, progress=hashing_progress)
    except RunDirectoryError as error:
        print(f"evidence: {error}", file=sys.stderr)
        return 2
    console = Console(stderr=True)
    if made.statement is None:
        render_human([RunResult(str(args.target), made.refusal + made.run_findings)], console)
        console.print("no statement written: fix the findings above, then attest again")
        return 1
    text = dump_model(made.statement)
    if args.out is None:
        sys.stdout.buffer.write(text)
    else:
        write_bytes_atomic(args.out, text)
    if made.run_findings:
        render_human([RunResult(str(args.target), made.run_findings)], console)
        console.print("attested as invalid: the statement records these findings")
        return 1
    return 0
