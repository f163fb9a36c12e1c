"""The evidence line protocol: how the trainer states evidence on stdout, one line per field.

A line is ``@evidence/<version> <json>``, where the JSON object has exactly ``doc`` (the document
stem: ``run_manifest`` or ``eval_summary``), ``pointer`` (RFC 6901, into that document) and
``value``. Everything before the marker on a line (a Kaggle timestamp, say) is ignored, so the
console log alone is enough to rebuild the evidence fields. See docs/evidence.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.registry import STATED_DOCUMENTS

PROTOCOL_VERSION = 1
MARKER = "@evidence/"
# A log line longer than this cannot be one of ours; skipping it keeps memory flat on noise.
MAX_LINE_CHARS = 1024 * 1024


class ProtocolError(ValueError):
    """An evidence line that cannot be trusted: unknown version or malformed payload."""


@dataclass(frozen=True, slots=True)
class EvidenceLine:
    doc: str
    pointer: str
    value: Any


def format_line(doc: str, pointer: str, value: Any) -> str:
    if doc not in STATED_DOCUMENTS:
        raise ValueError(f"unknown evidence document {doc!r}")
    payload = json.dumps({"doc": doc, "pointer": pointer, "value": value},
                         sort_keys=True, separators=(",", ":"), allow_nan=False,
                         ensure_ascii=True)
    return f"{MARKER}{PROTOCOL_VERSION} {payload}"


def parse_line(line: str) -> EvidenceLine | None:
    """The evidence a log line states, None when it states none; ProtocolError when it is ours
    but cannot be read."""
    start = line.find(MARKER)
    if start < 0 or len(line) > MAX_LINE_CHARS:
        return None
    version, _, payload = line[start + len(MARKER):].partition(" ")
    if version != str(PROTOCOL_VERSION):
        raise ProtocolError(f"evidence protocol version {version!r} is not supported "
                            f"(this evidence reads version {PROTOCOL_VERSION}); "
                            "upgrade evidence or re-run with a matching trainer")
    try:
        # surrogatepass: a lone surrogate that reached here is refused as not UTF-8, never a crash
        data = loads_strict(payload.strip().encode("utf-8", "surrogatepass"))
    except StrictJsonError as error:
        raise ProtocolError(f"malformed evidence line: {error.message}") from None
    if set(data) != {"doc", "pointer", "value"} or data["doc"] not in STATED_DOCUMENTS \
            or not isinstance(data["pointer"], str) or not data["pointer"].startswith("/"):
        raise ProtocolError("malformed evidence line: expected doc, pointer and value")
    return EvidenceLine(doc=data["doc"], pointer=data["pointer"], value=data["value"])
