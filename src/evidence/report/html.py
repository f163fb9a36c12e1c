"""Building HTML (and SVG) so that text can only ever be text.

`Html` marks a string that is already markup. `el` escapes every child and attribute value that
is not `Html`, so a response, a finding's message or a model id is escaped wherever it lands,
and nothing is escaped twice. Attribute names are written as Python names: `class_` is
`class`, `aria_label` is `aria-label`, `data_scope` is `data-scope`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

# SVG attributes whose names keep their capitals.
_VERBATIM = {"viewBox": "viewBox", "preserveAspectRatio": "preserveAspectRatio"}


class Html(str):
    """Markup that is safe to put in a page as it is."""

    __slots__ = ()


def esc(text: str) -> Html:
    """Text as markup: `<`, `>`, `&` and both quotes escaped (so it is safe in attributes too)."""
    return text if isinstance(text, Html) else Html(html.escape(text, quote=True))


def join(parts: Iterable[str], separator: str = "") -> Html:
    """Pieces of markup (text among them is escaped) as one."""
    return Html(esc(separator).join(esc(part) for part in parts))


def _attribute(name: str, value: str | int | float | bool | None) -> str:
    if value is None or value is False:
        return ""
    key = _VERBATIM.get(name) or name.rstrip("_").replace("_", "-")
    if value is True:
        return f" {key}"
    return f' {key}="{esc(str(value))}"'


def el(tag: str, *children: str, **attributes: str | int | float | bool | None) -> Html:
    """`<tag attributes>children</tag>`, every text child and attribute value escaped. A value
    of None or False leaves the attribute out; True writes it bare."""
    attrs = "".join(_attribute(name, value) for name, value in attributes.items())
    return Html(f"<{tag}{attrs}>{join(children)}</{tag}>")


def void(tag: str, **attributes: str | int | float | bool | None) -> Html:
    """An element without content (`<meta>`, `<input>`; in SVG, `<line/>`)."""
    attrs = "".join(_attribute(name, value) for name, value in attributes.items())
    return Html(f"<{tag}{attrs}/>") if tag in _SVG_LEAVES else Html(f"<{tag}{attrs}>")


_SVG_LEAVES = frozenset({"line", "rect", "circle", "polyline", "path"})
