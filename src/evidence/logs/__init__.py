"""Reading console logs for evidence lines, with memory flat whatever the log's size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from evidence.protocol import MAX_LINE_CHARS, EvidenceLine, parse_line

READ_CHUNK_BYTES = 1024 * 1024


def iter_text_lines(path: Path) -> Iterator[str]:
    """Lines of a text file, decoded leniently; a line longer than the protocol's limit is
    skipped in pieces rather than held in memory."""
    pending = b""
    overlong = False
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK_BYTES):
            pieces = (pending + chunk).split(b"\n")
            pending = pieces.pop()
            for piece in pieces:
                if not overlong:
                    yield piece.decode("utf-8", errors="replace")
                overlong = False
            if len(pending) > MAX_LINE_CHARS:
                pending, overlong = b"", True
    if pending and not overlong:
        yield pending.decode("utf-8", errors="replace")


def evidence_lines(lines: Iterator[str]) -> Iterator[EvidenceLine]:
    """The evidence lines among a log's lines; raises ProtocolError on one it cannot read."""
    for line in lines:
        found = parse_line(line.rstrip("\r"))
        if found is not None:
            yield found
