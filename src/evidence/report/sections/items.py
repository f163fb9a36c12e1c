"""Fifth, every prediction: a table the page's script fills from data embedded in the page,
a page of rows at a time, with filters (correct, wrong, format failure; section, category,
difficulty) and a search by id or text. Each response shows its reasoning and answer
highlighted, beside the reference answer.

The rows travel as compact arrays (labels as indexes into lists), so 100,000 of them stay a
file a browser opens at once; see `embed` for how text stays text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evidence.models.prediction import Prediction
from evidence.report.embed import NEVER, data_element, is_packed
from evidence.report.html import Html, el, join, void
from evidence.report.load import Predictions
from evidence.report.numbers import count, many
from evidence.report.parts import answer_parts
from evidence.report.sections.common import note, section

DIFFICULTIES = ("easy", "medium", "hard")
PAGE_ROWS = 50
# Each row, as the script reads it: [item_id, section index, category index, difficulty index,
# flags (1 correct, 2 format ok), reference, extracted answer, response, parts or null].
ROW_FIELDS = ("item_id", "section", "category", "difficulty", "flags", "reference_answer",
              "extracted_answer", "response", "parts")


def item_data(rows: Sequence[Prediction]) -> dict[str, Any]:
    sections = sorted({row.section for row in rows})
    categories = sorted({row.category for row in rows})
    where_section = {name: index for index, name in enumerate(sections)}
    where_category = {name: index for index, name in enumerate(categories)}
    where_difficulty = {name: index for index, name in enumerate(DIFFICULTIES)}
    packed = [[row.item_id, where_section[row.section], where_category[row.category],
               where_difficulty[row.difficulty], int(row.correct) | int(row.format_ok) << 1,
               row.reference_answer, row.extracted_answer, row.response,
               answer_parts(row.response)] for row in rows]
    return {"fields": ROW_FIELDS, "sections": sections, "categories": categories,
            "difficulties": DIFFICULTIES, "page": PAGE_ROWS, "rows": packed}


def _outcome_buttons(rows: Sequence[Prediction]) -> Html:
    correct = sum(row.correct for row in rows)
    malformed = sum(not row.format_ok for row in rows)
    choices = (("all", "all", len(rows)), ("correct", "correct", correct),
               ("wrong", "wrong", len(rows) - correct), ("format", "format failure", malformed))
    return el("div", *(el("button", f"{label} ", el("span", f"({count(n)})", class_="n"),
                          type="button", data_outcome=key, disabled=True,
                          aria_pressed="true" if key == "all" else "false")
                       for key, label, n in choices),
              role="group", aria_label="Outcome", class_="outcomes")


def _select(name: str, label: str, options: Sequence[str]) -> Html:
    choices = [el("option", "all", value="")]
    choices += [el("option", option, value=str(index)) for index, option in enumerate(options)]
    return el("label", f"{label} ", el("select", *choices, id=f"filter-{name}", disabled=True))


def _controls(rows: Sequence[Prediction], data: dict[str, Any]) -> Html:
    """Outcome buttons, the three selects and the search: disabled until the script has the
    rows to work them on."""
    return el("div", _outcome_buttons(rows), _select("section", "Section", data["sections"]),
              _select("category", "Category", data["categories"]),
              _select("difficulty", "Difficulty", DIFFICULTIES),
              el("label", "Search ", void("input", type="search", id="filter-search",
                                          placeholder="id or text", autocomplete="off",
                                          disabled=True)),
              class_="controls")


def pager(prefix: str) -> Html:
    buttons = (("first", "« first"), ("prev", "previous"), ("next", "next"),
               ("last", "last »"))
    # disabled until the script has the rows (it works them; without it they cannot work)
    return el("nav", *(el("button", text, type="button", data_go=go, disabled=True)
                       for go, text in buttons[:2]),
              el("span", "", class_="page-label"),
              *(el("button", text, type="button", data_go=go, disabled=True)
                for go, text in buttons[2:]),
              class_="pager", id=f"{prefix}-pager", aria_label="Pages")


def _table() -> Html:
    head = el("thead", el("tr", join(el("th", name, scope="col")
                                     for name in ("item", "response", "reference and answer"))))
    return el("table", head, el("tbody"), id="items", class_="items")


def _data(data: dict[str, Any], compress_over: int) -> Html:
    """The rows for the script; when they travel compressed, the first page also travels
    plain (`items-first`), so the table shows at once while the rest is unpacked."""
    full = data_element("items-data", data, compress_over)
    if not is_packed(full):
        return full
    first = {**data, "total": len(data["rows"]), "rows": data["rows"][:PAGE_ROWS]}
    return Html(data_element("items-first", first, compress_over=NEVER) + full)


def items_section(predictions: Predictions | None, compress_over: int) -> tuple[Html, Html]:
    """The section, and the data elements the page's script reads (placed after the main)."""
    if predictions is None:
        return section("items-section", "Items", note(
            "No predictions.jsonl: a template before its run has no items.")), Html("")
    if predictions.problem is not None:
        return section("items-section", "Items", note(
            f"predictions.jsonl could not be read: {predictions.problem}")), Html("")
    body = []
    if predictions.unreadable:
        body.append(note(f"{many(predictions.unreadable, 'line')} of predictions.jsonl left "
                         "out: not prediction rows (see the findings).", "note warn"))
    data = item_data(predictions.rows)
    body += [_controls(predictions.rows, data), el("p", "", id="items-count", aria_live="polite"),
             _table(), pager("items"),
             el("noscript", note("The item table needs JavaScript; everything above it "
                                 "does not."))]
    return section("items-section", "Items", *body), _data(data, compress_over)
