"""Write a fresh template run directory: every fillable field a placeholder, to fill from a log."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from evidence.cli.common import JsonOption, QuietOption, fail, finish
from evidence.result import CommandResult

if TYPE_CHECKING:
    from rich.console import Console

NAME = "init"
SHORT = "Write a template run directory to fill."


def command(
    run_dir: Annotated[Path, typer.Argument(
        metavar="RUN_DIR", show_default=False,
        help="Directory to create the template in; it must not hold evidence already.")],
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    from evidence.filling.templates import write_template

    if run_dir.exists() and not run_dir.is_dir():
        return fail(f"{run_dir}: is a file, not a directory; give a directory for the template",
                    as_json=as_json, command=NAME)
    try:
        paths = write_template(run_dir)
    except FileExistsError as error:
        return fail(str(error), as_json=as_json, command=NAME)
    outcome = CommandResult(NAME, result={"written": [str(path) for path in paths]})

    def human(out: Console) -> None:
        from evidence.render.human import print_wrapped

        print_wrapped(out, "\n".join([*(f"wrote {path}" for path in paths),
                                      f"next: copy the run's output files into {run_dir}, then "
                                      f"`evidence fill --from-log LOG {run_dir}`"]))

    return finish(outcome, as_json=as_json, quiet=quiet, human=human)
