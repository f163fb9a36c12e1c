"""Pieces several sections share: a section with its heading, a note, a table of findings, a
data table, and a value read from a document's JSON as it stands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from evidence.findings import Finding
from evidence.models.types import is_placeholder
from evidence.report.html import Html, el, join
from evidence.report.numbers import count

MISSING = object()


def section(section_id: str, heading: str, *body: str, class_: str | None = None) -> Html:
    return el("section", el("h2", heading), *body, id=section_id,
              class_=" ".join(filter(None, ("card", class_))))


def note(text: str, class_: str = "note") -> Html:
    return el("p", text, class_=class_)


def dig(document: dict[str, Any] | None, *keys: str) -> Any:
    """document[k1][k2]..., or MISSING where the path does not exist; a placeholder on the
    way (a template's whole `dataset`) is the value of everything under it."""
    value: Any = document if document is not None else MISSING
    for key in keys:
        if is_placeholder(value):
            return value
        value = value.get(key, MISSING) if isinstance(value, dict) else MISSING
    return value


def shown(value: Any) -> Html:
    """A value of a document, for a person: placeholders and absences said in words, run text
    isolated (`<bdi>`) so that a right-to-left mark in it cannot reorder the page around it."""
    if value is MISSING:
        return el("span", "missing", class_="absent")
    if is_placeholder(value):
        return el("span", "not filled yet", class_="absent", title=value)
    if value is None:
        return el("span", "none", class_="absent")
    if isinstance(value, bool):
        return Html("yes" if value else "no")
    if isinstance(value, int):
        return Html(count(value))
    if isinstance(value, float):
        return Html(f"{value:,}")
    if isinstance(value, str):
        return el("bdi", value)
    return el("code", orjson.dumps(value).decode())


def data_table(table_id: str, caption: str, head: Sequence[str],
               rows: Sequence[tuple[str | None, Sequence[str]]]) -> Html:
    """A table of (row key, cells); the key lands in `data-key`, for scripts and tests."""
    body = [el("tr", *(el("td", cell) for cell in cells), data_key=key) for key, cells in rows]
    return el("table", el("caption", caption), el("thead", el("tr", *(el("th", h, scope="col")
                                                                      for h in head))),
              el("tbody", *body), id=table_id, class_="data")


def findings_table(table_id: str, caption: str, findings: Sequence[Finding]) -> Html:
    def where(finding: Finding) -> Html:
        parts = ([f"line {finding.line}"] if finding.line is not None else []) + \
            ([finding.pointer] if finding.pointer else [])
        return el("code", " ".join(parts)) if parts else Html("")

    rows = [(str(finding.code), [el("bdi", finding.file), where(finding),
                                 el("code", str(finding.code)), el("bdi", finding.message)])
            for finding in findings]
    return data_table(table_id, caption, ("file", "where", "code", "message"), rows)


def details(summary: str, *body: str) -> Html:
    return el("details", el("summary", summary), *body)


def definitions(pairs: Sequence[tuple[str, str]]) -> Html:
    return el("dl", join(el("div", el("dt", name), el("dd", value)) for name, value in pairs))
