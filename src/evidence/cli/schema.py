"""Export the JSON Schemas from the models, or check the committed ones for drift."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidence.cli.common import JsonOption, QuietOption, exits, fail, finish
from evidence.result import CommandResult

if TYPE_CHECKING:
    from rich.console import Console

SHORT = "Export the JSON Schemas, or check them for drift."
app = typer.Typer(help=__doc__, short_help=SHORT, no_args_is_help=True,
                  context_settings={"help_option_names": ["-h", "--help"]})

DirOption = Annotated[Path, typer.Option(
    "--dir", metavar="DIR", help="The schema directory (the repository's schemas/).")]


@app.command("export", help="Write every JSON Schema into DIR, atomically.")
@exits
def export(directory: DirOption = Path("schemas"), as_json: JsonOption = False,
           quiet: QuietOption = False) -> int:
    from evidence.schemas import export_schemas

    if directory.exists() and not directory.is_dir():
        return fail(f"{directory}: is a file, not a directory", as_json=as_json,
                    command="schema export")
    written = [str(path) for path in export_schemas(directory)]

    def human(out: Console) -> None:
        from evidence.render.human import print_wrapped

        print_wrapped(out, "\n".join(f"wrote {path}" for path in written))

    return finish(CommandResult("schema export", result={"written": written}), as_json=as_json,
                  quiet=quiet, human=human)


@app.command("check", help="Check that the schemas in DIR are exactly what the models export; "
                           "exit 1 on drift, 2 when DIR holds no schemas.")
@exits
def check(directory: DirOption = Path("schemas"), as_json: JsonOption = False,
          quiet: QuietOption = False) -> int:
    from evidence.schemas import drifted_schemas

    if not directory.is_dir() or not any(directory.glob("*.schema.json")):
        return fail(f"{directory}: no JSON Schemas there; run from the repository root, or "
                    "give --dir with the schemas directory", as_json=as_json,
                    command="schema check")
    drifted = drifted_schemas(directory)
    outcome = CommandResult("schema check", result={"dir": str(directory), "drifted": drifted},
                            refused=bool(drifted))

    def human(out: Console) -> None:
        import sys

        for name in drifted:
            state = "missing" if not (directory / name).exists() else "differs from the models"
            print(f"{directory / name}: {state}; run `evidence schema export`", file=sys.stderr)
        if not drifted:
            from evidence.render.human import print_wrapped

            print_wrapped(out, f"{directory}: schemas match the models")

    return finish(outcome, as_json=as_json, quiet=quiet, human=human)
