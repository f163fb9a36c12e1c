"""`evidence show`: a run's headline facts and its scorecard tables, in the terminal, for the
person who does not want a browser. Wraps to the terminal's width; NO_COLOR writes plain text.

The facts come from the manifest as written and the scorecard from eval_summary.json, spelled
as the report page spells them (`evidence.report.numbers`); the verdict and any findings are
validate's, drawn by the human reporter."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from evidence.models.eval_summary import Score
from evidence.models.types import is_placeholder
from evidence.render.human import print_wrapped, render_run
from evidence.report.numbers import TIMES, count, percent
from evidence.report.sections.common import MISSING, dig
from evidence.report.sections.scorecard import BREAKDOWNS, ordered

if TYPE_CHECKING:
    from rich.console import Console

    from evidence.report.load import RunData


def _text(value: Any) -> str:
    if value is MISSING:
        return "missing"
    if value is None:
        return "none"
    if is_placeholder(value):
        return "not filled yet"
    return count(value) if type(value) is int else str(value)


def facts(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of the run's headline facts."""
    def get(*keys: str) -> str:
        return _text(dig(manifest, *keys))

    kaggle = get("kaggle", "kaggle_notebook_url")
    notebook = "not filled yet (`evidence fill` adds it from the log)" \
        if is_placeholder(dig(manifest, "kaggle", "kaggle_notebook_url")) else \
        (f"{kaggle}, version {get('kaggle', 'kaggle_notebook_version')}, run "
         f"{get('kaggle', 'kaggle_run_id')}")
    lines = [
        ("mode", "mode", get("mode")),
        ("model", "model", f"{get('model', 'id')} ({get('model', 'family')}, "
                           f"{get('model', 'dtype')}, {get('model', 'parameter_count')} "
                           "parameters)"),
        ("data set", "dataset", f"{get('dataset', 'name')} {get('dataset', 'version')} "
                                f"({get('dataset', 'eval_items')} eval items)"),
        ("device", "device", f"{get('device', 'count')} {TIMES} {get('device', 'kind')} "
                             f"({get('device', 'platform')})"),
        ("git", "git", get("git", "commit")),
        ("kaggle", "kaggle", notebook)]
    # a template's whole object unfilled reads as one "not filled yet", not one per field
    return [(label, get(key) if is_placeholder(dig(manifest, key)) else text)
            for label, key, text in lines]


def _score_line(label: str, rate: float, numerator: int, items: int) -> tuple[str, str]:
    return label, f"{percent(rate)} ({count(numerator)} of {count(items)})"


def _breakdown_table(title: str, name: str, breakdown: dict[str, Score]) -> Any:
    from rich.table import Table

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("name", overflow="fold")
    for column in ("items", "correct", "accuracy", "format ok", "format rate"):
        table.add_column(column, justify="right", no_wrap=True)
    for key in ordered(breakdown, name):
        score = breakdown[key]
        table.add_row(key, count(score.n_items), count(score.n_correct), percent(score.accuracy),
                      count(score.n_format_ok), percent(score.format_rate))
    return table


def _scorecard(console: Console, data: RunData) -> None:
    card = data.summary.scorecard if data.summary is not None else None
    if card is None or isinstance(card.overall, str):
        print_wrapped(console, "  scorecard: " + ("not filled yet (a template)" if card
                                                  else "eval_summary.json cannot be read"))
        return
    for label, text in (_score_line("accuracy", card.overall.accuracy, card.overall.n_correct,
                                    card.overall.n_items),
                        _score_line("format", card.overall.format_rate,
                                    card.overall.n_format_ok, card.overall.n_items)):
        print_wrapped(console, f"  {label:<9} {text}")
    for name, title in BREAKDOWNS:
        breakdown = getattr(card, name)
        if isinstance(breakdown, dict) and breakdown:
            console.print()
            print_wrapped(console, title)
            console.print(_breakdown_table(title, name, breakdown))


def render_show(console: Console, data: RunData) -> None:
    """The headline, the facts, the scorecard tables; then the findings, if any."""
    from rich.markup import escape

    verdict = "[green]✓ valid[/green]" if data.result.valid else \
        f"[red]✗ {len(data.result.findings)} findings[/red] (listed below)"
    console.print(f"[bold]{escape(data.run_id)}[/bold]  {verdict}", soft_wrap=True)
    if data.manifest_raw is not None:
        for label, text in facts(data.manifest_raw):
            print_wrapped(console, f"  {label:<9} {text}")
    if data.readable:
        _scorecard(console, data)
    if not data.result.valid:
        console.print()
        render_run(console, data.result)
