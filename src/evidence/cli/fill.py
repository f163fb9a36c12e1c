"""`evidence fill --from-log LOG RUN_DIR`: fill a template run directory from a console log.

Exit 0: filled (or nothing to change) and the run validates but for fields still missing;
1: conflicts, a log or template that cannot be used, or findings after filling;
2: usage or I/O error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evidence.findings import Finding

EXIT_FINDINGS, EXIT_USAGE = 1, 2
OPTION_HELP = {
    "--kaggle-url": "the notebook's URL, https://www.kaggle.com/code/<owner>/<slug>",
    "--kaggle-version": "the notebook version that ran (a positive integer)",
    "--kaggle-run-id": "Kaggle's numeric run id (scriptVersionId in the version's URL)",
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "fill", help="fill a template run directory from a console log (Kaggle JSON log, "
                     "plain text or executed notebook)")
    parser.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    parser.add_argument("--from-log", dest="log", type=Path, required=True, metavar="LOG",
                        help="the run's console log; copied into RUN_DIR as its recorded log")
    for flag, text in OPTION_HELP.items():
        parser.add_argument(flag, metavar="VALUE", help=text)
    parser.add_argument("--force", action="store_true",
                        help="replace real values that the log contradicts")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would change, field by field; write nothing")
    parser.set_defaults(run=run)


def _print_findings(path: str, findings: list[Finding]) -> None:
    from rich.console import Console

    from evidence.render.human import render_human
    from evidence.result import RunResult

    render_human([RunResult(path, findings)], Console(stderr=True))


def run(args: argparse.Namespace) -> int:
    from evidence.filling import FillError, OptionError, option_statements, plan_fill, write_fill
    from evidence.filling.render import change_lines, missing_lines

    if not args.log.is_file():
        print(f"evidence: {args.log}: no such log file (or not a file)", file=sys.stderr)
        return EXIT_USAGE
    if not args.run_dir.is_dir():
        print(f"evidence: {args.run_dir}: no such run directory; `evidence init "
              f"{args.run_dir}` writes a template to fill", file=sys.stderr)
        return EXIT_USAGE
    try:
        given = option_statements({flag: getattr(args, flag[2:].replace("-", "_"))
                                   for flag in OPTION_HELP})
    except OptionError as error:
        print(f"evidence: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        plan = plan_fill(args.run_dir, args.log, given)
        print("\n".join(change_lines(plan)))
        if plan.invalid:
            _print_findings(str(args.run_dir), plan.invalid)
            print("nothing was written: the filled evidence would not be valid",
                  file=sys.stderr)
            return EXIT_FINDINGS
        if plan.conflicts and not args.force:
            _print_findings(str(args.run_dir), [c.finding() for c in plan.conflicts])
            print("nothing was written: fields that hold real values would change; check "
                  "the log is this run's, or give --force to take the log's values",
                  file=sys.stderr)
            return EXIT_FINDINGS
        if args.dry_run:
            print("\n".join([*missing_lines(plan), "dry run: nothing written"]))
            return 0
        written = write_fill(plan, force=args.force)
    except FillError as error:
        _print_findings(str(args.log), error.findings)
        return EXIT_FINDINGS
    return _report(args.run_dir, written, missing_lines(plan))


def _report(run_dir: Path, written: list[str], missing: list[str]) -> int:
    from rich.console import Console

    from evidence.render.human import render_human
    from evidence.validation.run import validate_run

    print(f"wrote {', '.join(written)}" if written else "wrote nothing")
    if missing:
        print("\n".join(missing))
    report = validate_run(run_dir, allow_template=True)
    render_human([report], Console())
    return 0 if report.valid else EXIT_FINDINGS
