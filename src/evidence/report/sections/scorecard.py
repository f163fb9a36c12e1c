"""Third, the scorecard: the overall accuracy and format rate, then per section, category and
difficulty a chart and a table of the same numbers. All of it is markup, no script: it reads
with JavaScript off, and each number carries its exact value (`<data value>`) for tools."""

from __future__ import annotations

from evidence.models.eval_summary import EvalSummary, Score
from evidence.report.html import Html, el
from evidence.report.numbers import count, percent
from evidence.report.sections.common import data_table, details, note, section
from evidence.report.svg import BLUE, ORANGE, Bar, BarGroup, Series, rate_bars

BREAKDOWNS = (("per_section", "Per section"), ("per_category", "Per category"),
              ("per_difficulty", "Per difficulty"))
DIFFICULTY_ORDER = {"easy": 0, "medium": 1, "hard": 2}
SERIES = (Series("accuracy", BLUE), Series("format rate", ORANGE))


def rate_data(rate: float, metric: str, scope: str) -> Html:
    """A rate as it reads (66.7 %), carrying its exact value."""
    return el("data", percent(rate), value=repr(rate), data_metric=metric, data_scope=scope)


def ordered(breakdown: dict[str, Score], name: str) -> list[str]:
    if name == "per_difficulty":
        return sorted(breakdown, key=lambda key: (DIFFICULTY_ORDER.get(key, 3), key))
    return sorted(breakdown)


def _tile(label: str, rate: float, metric: str, numerator: int, items: int, what: str) -> Html:
    return el("div", el("div", label, class_="tile-label"),
              el("div", rate_data(rate, metric, "overall"), class_="tile-value"),
              el("div", f"{count(numerator)} of {count(items)} items {what}", class_="tile-sub"),
              class_="tile")


def _overall(score: Score) -> Html:
    return el("div", _tile("Accuracy", score.accuracy, "accuracy", score.n_correct,
                           score.n_items, "correct"),
              _tile("Format rate", score.format_rate, "format_rate", score.n_format_ok,
                    score.n_items, "in the answer format"),
              class_="tiles")


def _chart(name: str, title: str, breakdown: dict[str, Score], keys: list[str]) -> Html:
    groups = [BarGroup(key, (
        Bar(score.accuracy, percent(score.accuracy),
            f"{key}: accuracy {percent(score.accuracy)} ({count(score.n_correct)} of "
            f"{count(score.n_items)} items)"),
        Bar(score.format_rate, percent(score.format_rate),
            f"{key}: format rate {percent(score.format_rate)} ({count(score.n_format_ok)} of "
            f"{count(score.n_items)} items)"))) for key, score in
        ((key, breakdown[key]) for key in keys)]
    desc = "; ".join(f"{key}: accuracy {percent(breakdown[key].accuracy)}, format rate "
                     f"{percent(breakdown[key].format_rate)}, {breakdown[key].n_items} items"
                     for key in keys)
    return rate_bars(f"chart-{name}", f"{title}: accuracy and format rate", desc, SERIES, groups)


def _table(name: str, title: str, breakdown: dict[str, Score], keys: list[str]) -> Html:
    rows = [(key, [el("bdi", key), count(s.n_items), count(s.n_correct),
                   rate_data(s.accuracy, "accuracy", f"{name}/{key}"), count(s.n_format_ok),
                   rate_data(s.format_rate, "format_rate", f"{name}/{key}")])
            for key, s in ((key, breakdown[key]) for key in keys)]
    return data_table(f"table-{name}", title, ("name", "items", "correct", "accuracy",
                                                "format ok", "format rate"), rows)


def _breakdown(name: str, title: str, breakdown: dict[str, Score] | str) -> Html:
    if isinstance(breakdown, str):
        return el("div", el("h3", title), note("not filled yet (a template)"))
    if not breakdown:
        return el("div", el("h3", title), note("no entries"))
    keys = ordered(breakdown, name)
    return el("div", el("h3", title), _chart(name, title, breakdown, keys),
              details(f"{title}: the numbers", _table(name, title, breakdown, keys)),
              class_="breakdown")


def scorecard_section(summary: EvalSummary | None) -> Html:
    if summary is None:
        return section("scorecard", "Scorecard",
                       note("eval_summary.json could not be read; see the findings above."))
    card = summary.scorecard
    if isinstance(card.overall, str):
        return section("scorecard", "Scorecard",
                       note("The scorecard is not filled yet: this is a template."))
    body = [_overall(card.overall)]
    body += [_breakdown(name, title, getattr(card, name)) for name, title in BREAKDOWNS]
    return section("scorecard", "Scorecard", *body)
