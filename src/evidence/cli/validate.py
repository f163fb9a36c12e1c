"""`evidence validate RUN_DIR...`: exit 0 valid, 1 findings, 2 usage or I/O error."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate", help="check run directories; exit 0 valid, 1 findings, 2 usage error")
    parser.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR")
    parser.add_argument("--json", action="store_true", help="print a machine-readable report")
    parser.add_argument("--allow-template", action="store_true",
                        help="accept unfilled template placeholders; check everything else")
    parser.add_argument("--profile", metavar="NAME_OR_PATH",
                        help="also check that the model of a run that may be submitted (not a "
                             "smoke run) is one this competition profile allows (a shipped name "
                             "such as tunix-hackathon-2025, or a YAML file); without it, "
                             "eligibility is not checked")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from evidence.result import RunResult
    from evidence.validation.eligibility import ProfileError, load_profile
    from evidence.validation.run import RunDirectoryError, validate_run

    try:
        profile = load_profile(args.profile) if args.profile else None
    except ProfileError as error:
        print(f"evidence: {error.message}", file=sys.stderr)
        return 2
    reports: list[RunResult] = []
    progress = None if args.json else _progress_bars()
    for run_dir in args.run_dirs:
        try:
            reports.append(validate_run(run_dir, allow_template=args.allow_template,
                                        progress=progress, profile=profile))
        except RunDirectoryError as error:
            print(f"evidence: {error}", file=sys.stderr)
            return 2
    if args.json:
        from evidence.render.human import render_json

        print(render_json(reports))
    else:
        from rich.console import Console

        from evidence.render.human import render_human

        render_human(reports, Console())
    return 0 if all(report.valid for report in reports) else 1


def _progress_bars() -> Any:
    from evidence.cli.progress import hashing_progress

    return hashing_progress
