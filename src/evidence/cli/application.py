"""The `evidence` Typer app and `main`, which turns every way a command can end into an exit
code: 0 ok, 1 findings, 2 usage or I/O error; never a Python traceback."""

from __future__ import annotations

import gc
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


# Every command but `schema`, a group of its own; each module has NAME, SHORT and `command`.
COMMANDS = (init, fill, validate, compare, report, show, package, verify, attest, migrate, hook)
SCHEMA = "schema"


def _version(value: bool) -> None:
    if value:
        print(f"evidence {__version__}")
        raise typer.Exit()


def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Make training-run evidence complete, consistent and true before submission."""


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with only the command named `only`."""
    built = typer.Typer(
        name="evidence", cls=WorkflowGroup, add_completion=True, no_args_is_help=True,
        suggest_commands=True,
        rich_markup_mode=None, pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        help="Make training-run evidence complete, consistent and true before submission.\n\n"
             "Exit codes, the same for every command: 0 ok, 1 findings, 2 usage or I/O error.")
    for module in COMMANDS:
        if only in (None, module.NAME):
            built.command(module.NAME, help=module.__doc__, short_help=module.SHORT,
                          no_args_is_help=module is not hook)(exits(module.command))
    if only in (None, SCHEMA):
        built.add_typer(schema.app, name=SCHEMA)
    built.callback()(_root)
    return built


app = build_app()
NAMES = frozenset((*(module.NAME for module in COMMANDS), SCHEMA))


def _app_for(args: Sequence[str]) -> typer.Typer:
    """The app that parses `args`. Typer turns every command's signature into click options
    each time it starts (about 30 ms for all of them), so when the first argument names a
    command, only that command is built: it parses exactly as the whole app would. Shell
    completion lists every command, so it gets the whole app."""
    if args and args[0] in NAMES and not os.environ.get("_EVIDENCE_COMPLETE"):
        return build_app(only=args[0])
    return app


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code. Usage errors are click's (the subcommand's
    usage, then the error, exit 2); a reader that goes away (`| head -1`) ends it quietly."""
    args = list(argv) if argv is not None else sys.argv[1:]
    # Pydantic looks for plugins in every installed package's metadata before it builds the
    # first validator: tens of milliseconds on a large environment such as Kaggle's, for
    # plugins that have nothing to observe in this command line. An explicit setting stands.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    command = typer.main.get_command(_app_for(args))
    try:
        with guarded_stdout():
            command.main(args=args,
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


def command_line(argv: Sequence[str] | None = None) -> int:
    """The `evidence` program (and `python -m evidence`): `main`, then everything it made is
    frozen out of the garbage collector's view, since the process is about to end. The
    interpreter's exit collects again and again as it unloads each module, and scanning these
    objects each time cost 50 to 60 ms of a 0.35 s `evidence validate`, against 7 to 12 ms
    frozen. Objects are still freed as their last reference goes, and atexit handlers run."""
    code = main(argv)
    gc.freeze()
    return code
