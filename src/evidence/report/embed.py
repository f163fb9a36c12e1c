"""Data for the page's script, inside the page: JSON in a `<script>` element that is never run.

A response may say `</script>`, `<!--` or anything else. In JSON those characters can only
stand inside strings, where `\\u003c` means the same as `<`; so `<`, `>` and `&` are written as
escapes and the element's text can never end the element or open a comment. U+2028 and U+2029
are escaped too, for older JavaScript engines that read them as line ends. The script reads the
data with `JSON.parse` and puts it on the page with `textContent`, never as markup.

Large data (a run of 100,000 items) is gzip-compressed and base64-encoded instead, which keeps
the file small; base64 has no `<` at all. gzip is written without a time stamp, so the bytes
are the same on every build.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

import orjson

from evidence.report.html import Html, el

# Above this many bytes of JSON the data travels compressed (browsers since 2023 read gzip
# natively, DecompressionStream); below it, as plain JSON any browser reads.
COMPRESS_OVER = 2 * 1024 * 1024
NEVER = 2**63  # as compress_over: plain JSON, whatever its size
JSON_TYPE = "application/json"
GZIP_TYPE = "application/gzip+base64"
_ESCAPES = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"),
            ("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


def script_json(value: Any) -> str:
    """`value` as JSON that is safe as the text of a `<script>` element."""
    data = orjson.dumps(value)
    for raw, escaped in _ESCAPES:
        data = data.replace(raw, escaped)
    return data.decode("utf-8")


def is_packed(element: str) -> bool:
    """Whether `data_element` compressed its data."""
    return element.startswith(f'<script type="{GZIP_TYPE}"')


def data_element(element_id: str, value: Any, compress_over: int = COMPRESS_OVER) -> Html:
    """A `<script>` of a type browsers never run, holding `value` for the page's script."""
    text = script_json(value)
    if len(text) <= compress_over:
        return Html(el("script", Html(text), type=JSON_TYPE, id=element_id))
    packed = gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)
    return Html(el("script", Html(base64.b64encode(packed).decode("ascii")), type=GZIP_TYPE,
                   id=element_id))
