"""`evidence verify ARCHIVE`: check an archive against its lock and validate the run inside."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _byte_count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive number of bytes")
    return value


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "verify", help="check a packaged archive against its lock and validate its run; "
                       "exit 0 valid, 1 findings, 2 usage error")
    parser.add_argument("archive", type=Path, metavar="ARCHIVE")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.add_argument("--max-bytes", type=_byte_count, default=None, metavar="N",
                        help="refuse an archive whose entries would decompress to more than N "
                             "bytes in all (default: 64 GiB)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from evidence.cli.progress import hashing_progress
    from evidence.packaging.verify import DEFAULT_MAX_BYTES, verify_archive
    from evidence.result import RunResult

    verified = verify_archive(args.archive, max_bytes=args.max_bytes or DEFAULT_MAX_BYTES,
                              progress=None if args.json else hashing_progress)
    report = RunResult(str(args.archive), verified.findings)
    if args.json:
        from evidence.render.human import render_json

        print(render_json([report]))
    else:
        from rich.console import Console

        from evidence.render.human import render_human

        render_human([report], Console())
    return 0 if report.valid else 1
