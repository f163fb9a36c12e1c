"""The whole page: one HTML document, everything inside it.

Its Content-Security-Policy allows the one inline script and the one style sheet, each by its
SHA-256 (computed here, so the policy is as deterministic as the rest), and nothing else: no
request to any host, no other script, no plugin, no form. Nothing on the page depends on when
or where it was built, so the same run gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from evidence import __version__
from evidence.report.html import Html, el, join, void
from evidence.report.script import SCRIPT
from evidence.report.style import STYLE

SECTIONS = (("verdict", "Verdict"), ("identity", "Identity"), ("scorecard", "Scorecard"),
            ("training", "Training"), ("items-section", "Items"),
            ("comparison", "Comparison"))


def source_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_policy() -> str:
    return ("default-src 'none'; "
            f"script-src {source_hash(SCRIPT)}; style-src {source_hash(STYLE)}; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def _head(title: str) -> Html:
    return el("head", void("meta", charset="utf-8"),
              void("meta", http_equiv="Content-Security-Policy", content=content_policy()),
              void("meta", name="viewport", content="width=device-width, initial-scale=1"),
              void("meta", name="referrer", content="no-referrer"),
              void("meta", name="generator", content=f"evidence {__version__}"),
              el("title", title), el("style", Html(STYLE)))


def _header(heading: str, subtitle: str, present: set[str]) -> Html:
    links = [el("a", name, href=f"#{key}") for key, name in SECTIONS if key in present]
    return el("header", el("h1", el("bdi", heading)), el("p", el("bdi", subtitle),
                                                          class_="subtitle"),
              el("nav", *links, class_="sections", aria_label="Sections"))


def render_page(title: str, heading: str, subtitle: str, sections: Sequence[tuple[str, Html]],
                data: Sequence[Html]) -> str:
    """The document: head, header, the sections (key, markup) in order, then the page's data
    and its script, so the sections show before the data is read."""
    present = {key for key, _ in sections}
    body = el("body", _header(heading, subtitle, present),
              el("main", join(markup for _, markup in sections)),
              el("footer", f"Made by evidence {__version__}. This file is self-contained: it "
                           "loads nothing from anywhere."),
              join(data), el("script", Html(SCRIPT)))
    return "<!DOCTYPE html>\n" + el("html", _head(title), body, lang="en") + "\n"
