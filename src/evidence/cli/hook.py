"""`evidence hook FILE...`: what the pre-commit hook runs; validates the runs the files are in."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "hook", help="validate the run directories that the given files belong to (pre-commit)")
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="changed files; each belongs to the nearest directory above it that "
                             "holds run_manifest.json")
    parser.add_argument("--template", action="append", default=[], metavar="PATTERN",
                        help="run directories matching this shell pattern (relative to the "
                             "repository root) are templates: placeholders are accepted there, "
                             "everything else is checked; repeatable")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from evidence.render.human import render_human
    from evidence.validation.hook import is_template, run_directories
    from evidence.validation.run import validate_run

    reports = [validate_run(run_dir, allow_template=is_template(run_dir, args.template))
               for run_dir in run_directories(args.files)]
    if reports:
        render_human(reports, Console())
    return 0 if all(report.valid for report in reports) else 1
