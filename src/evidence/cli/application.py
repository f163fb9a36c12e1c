"""The `evidence` Typer app and `main`, which turns every way a command can end into an exit
code: 0 ok, 1 findings, 2 usage or I/O error; never a Python traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
import typer.core

from evidence import __version__
from evidence.cli import (
    attest,
    compare,
    fill,
    hook,
    init,
    migrate,
    package,
    report,
    schema,
    show,
    validate,
    verify,
)
from evidence.cli.common import exits, guarded_stdout
from evidence.result import EXIT_USAGE

# In the order of the workflow: a template, filled from the log, checked, packaged, verified.
WORKFLOW = ("init", "fill", "validate", "compare", "report", "show", "package", "verify",
            "attest", "migrate", "schema", "hook")


class WorkflowGroup(typer.core.TyperGroup):
    """Lists the commands in the order of the workflow, not alphabetically."""

    def list_commands(self, ctx: Any) -> list[str]:
        known = super().list_commands(ctx)
        return sorted(known, key=lambda name: WORKFLOW.index(name) if name in WORKFLOW
                      else len(WORKFLOW))


app = typer.Typer(
    name="evidence", cls=WorkflowGroup, add_completion=True, no_args_is_help=True,
    suggest_commands=True,
    rich_markup_mode=None, pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Make training-run evidence complete, consistent and true before submission.\n\n"
         "Exit codes, the same for every command: 0 ok, 1 findings, 2 usage or I/O error.")

for module in (init, fill, validate, compare, report, show, package, verify, attest, migrate):
    app.command(module.NAME, help=module.__doc__, short_help=module.SHORT,
                no_args_is_help=True)(exits(module.command))
app.command(hook.NAME, help=hook.__doc__, short_help=hook.SHORT)(exits(hook.command))
app.add_typer(schema.app, name="schema")


def _version(value: bool) -> None:
    if value:
        print(f"evidence {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Make training-run evidence complete, consistent and true before submission."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code. Usage errors are click's (the subcommand's
    usage, then the error, exit 2); a reader that goes away (`| head -1`) ends it quietly."""
    command = typer.main.get_command(app)
    try:
        with guarded_stdout():
            command.main(args=list(argv) if argv is not None else sys.argv[1:],
                         prog_name="evidence", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 2)
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
    return 0
