"""Show a run in the terminal: its headline facts (run id, mode, model, data set, device,
commit, Kaggle notebook) and its scorecard, overall and per section, category and difficulty;
then any findings. For a page to share, see `evidence report`.

Exit 0 for a valid run, 1 when it has findings (still shown), 2 usage or I/O error.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from evidence.cli.common import JsonOption, QuietOption, fail, finish

if TYPE_CHECKING:
    from evidence.report.load import RunData

NAME = "show"
SHORT = "Show a run's facts and scorecard in the terminal."


def _result(data: RunData) -> dict[str, Any]:
    raw = data.manifest_raw or {}
    return {"path": data.result.path, "valid": data.result.valid, "run_id": raw.get("run_id"),
            "mode": raw.get("mode"), "model": raw.get("model"), "dataset": raw.get("dataset"),
            "scorecard": data.summary.scorecard.model_dump(mode="json")
            if data.summary is not None else None}


def command(
    run: Annotated[Path, typer.Argument(
        metavar="RUN", show_default=False,
        help="A run directory, or an archive written by `evidence package` (verified "
             "first).")],
    allow_template: Annotated[bool, typer.Option(
        "--allow-template", help="Accept unfilled template placeholders (a local run before "
                                 "`evidence fill`); check everything else.")] = False,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> int:
    from evidence.report import ReportError
    from evidence.report.build import read_run
    from evidence.result import CommandResult

    try:
        data = read_run(run, allow_template=allow_template, items=False)
    except ReportError as error:
        return fail(error.message, as_json=as_json, command=NAME)
    outcome = CommandResult(NAME, [data.result], result=_result(data))

    def draw(console: Any) -> None:
        from evidence.render.show import render_show

        render_show(console, data)

    return finish(outcome, as_json=as_json, quiet=quiet, human=draw)
