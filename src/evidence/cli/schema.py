"""`evidence schema export|check [--dir schemas]`: write the JSON Schemas, or check for drift."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "schema", help="export the JSON Schemas, or check the committed ones for drift")
    parser.add_argument("action", choices=("export", "check"))
    parser.add_argument("--dir", type=Path, default=Path("schemas"),
                        help="schema directory (default: schemas)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from evidence.schemas import drifted_schemas, export_schemas

    if args.action == "export":
        for path in export_schemas(args.dir):
            print(f"wrote {path}")
        return 0
    drifted = drifted_schemas(args.dir)
    for name in drifted:
        print(f"{args.dir / name}: differs from the models; run `evidence schema export`",
              file=sys.stderr)
    if not drifted:
        print(f"{args.dir}: schemas match the models")
    return 1 if drifted else 0
