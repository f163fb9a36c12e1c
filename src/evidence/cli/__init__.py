"""The command line: parse arguments, call the library, render the result. Nothing else.

Each command lives in its own module with `register(subparsers)`; heavy imports happen inside
the command, so `evidence validate` starts fast enough for a pre-commit hook.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from evidence import __version__
from evidence.cli import attest, fill, hook, init, package, schema, validate, verify

COMMANDS = (validate, schema, package, verify, attest, hook, init, fill)
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidence",
        description="Make training-run evidence complete, consistent and true before submission.")
    parser.add_argument("--version", action="version", version=f"evidence {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as error:
        print(f"evidence: {error.filename or ''}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as error:  # a bug of ours: say so in one line, never a traceback
        if os.environ.get("EVIDENCE_DEBUG"):
            raise
        print(f"evidence: internal error ({type(error).__name__}: {error}); please report it, "
              "and set EVIDENCE_DEBUG=1 to see where", file=sys.stderr)
        return EXIT_USAGE
    return code
