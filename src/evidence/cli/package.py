"""`evidence package RUN_DIR [--out FILE]`: a valid run into a reproducible, locked zip."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "package", help="validate a run and write it as a reproducible zip with a lock file")
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    parser.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help="archive to write (default: <run_id>.zip in the current directory)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from evidence.cli.progress import hashing_progress
    from evidence.io.digest import sha256_file
    from evidence.packaging.package import PackageError, package_run
    from evidence.render.human import render_human
    from evidence.result import RunResult
    from evidence.validation.run import RunDirectoryError

    try:
        result = package_run(args.run_dir, args.out, progress=hashing_progress,
                             packing=partial(hashing_progress, verb="packing"))
    except (RunDirectoryError, PackageError) as error:
        print(f"evidence: {error}", file=sys.stderr)
        return 2
    if result.archive is None or result.lock is None:
        console = Console(stderr=True)
        render_human([RunResult(str(args.run_dir), result.findings)], console)
        console.print("not packaged: fix the findings above, then package again")
        return 1
    digest, size = sha256_file(result.archive)
    print(f"{result.archive}: run {result.lock.run_id}, {len(result.lock.files)} files, "
          f"{size} bytes, sha256 {digest}")
    return 0
