"""`evidence init RUN_DIR`: write a fresh template, every fillable field a placeholder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "init", help="write a fresh template run directory to fill")
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from evidence.filling.templates import write_template

    try:
        paths = write_template(args.run_dir)
    except FileExistsError as error:
        print(f"evidence: {error}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"wrote {path}")
    print(f"next: copy the run's output files into {args.run_dir}, then "
          f"`evidence fill --from-log LOG {args.run_dir}`")
    return 0
