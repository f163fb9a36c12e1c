"""Kaggle's completed-session log: a JSON array of output entries, one entry a line.

``[{"stream_name":"stdout","time":1.2,"data":"..."}`` on the first line, then
``,{"stream_name":"stderr",...}`` on each next one, and ``]`` at the end. An entry's ``data`` is
whatever the stream flushed, which may be part of a line, so lines are rebuilt per stream.
One entry is held at a time: memory stays flat whatever the log's length.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from evidence.findings import Code
from evidence.io.strict_json import MAX_DOCUMENT_BYTES, StrictJsonError, loads_strict
from evidence.logs.errors import LogError
from evidence.logs.lines import STREAMS, LineAssembler, LogLine
from evidence.logs.plain import READ_CHUNK_BYTES

# An entry is read whole; Kaggle's entries are a flush of output, far below this.
MAX_ENTRY_BYTES = MAX_DOCUMENT_BYTES
ENTRY_KEYS = frozenset({"stream_name", "time", "data"})
ENTRY_SHAPE = '{"stream_name": "stdout" or "stderr", "time": <seconds>, "data": <text>}'
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class KaggleEntry:
    stream: str
    data: str
    line: int


def _malformed(number: int, message: str) -> LogError:
    return LogError(Code.LOG_MALFORMED, f"line {number}: {message}", number)


def _byte_lines(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(1-based number, bytes) of each line; a line over the entry limit is an error."""
    pending, number = b"", 0
    while chunk := handle.read(READ_CHUNK_BYTES):
        pieces = (pending + chunk).split(b"\n")
        pending = pieces.pop()
        for piece in pieces:
            number += 1
            yield number, piece
        if len(pending) > MAX_ENTRY_BYTES:
            raise _malformed(number + 1, f"over {MAX_ENTRY_BYTES} bytes without a line break; "
                                         "Kaggle's log holds one entry a line")
    if pending:
        yield number + 1, pending


def _shape_problem(raw: dict[str, Any]) -> str | None:
    unknown = sorted(set(raw) - ENTRY_KEYS)
    if unknown:
        return f"unexpected key {unknown[0]!r}"
    if raw.get("stream_name") not in STREAMS:
        return f"stream_name is {raw.get('stream_name')!r}, expected 'stdout' or 'stderr'"
    if not isinstance(raw.get("data"), str):
        return "data is missing or not a string"
    time = raw.get("time", 0)
    if isinstance(time, bool) or not isinstance(time, int | float):
        return "time is not a number"
    return None


def _entry(text: bytes, number: int) -> KaggleEntry:
    try:
        raw = loads_strict(text, max_bytes=MAX_ENTRY_BYTES)
    except StrictJsonError as error:
        raise _malformed(number, f"not a log entry ({error.message}); if the log was cut "
                                 "short, download it again") from None
    problem = _shape_problem(raw)
    if problem is not None:
        raise _malformed(number, f"{problem}; each entry must be {ENTRY_SHAPE}")
    return KaggleEntry(raw["stream_name"], raw["data"], number)


def _framed(number: int, text: bytes, opened: bool) -> bytes:
    """The entry on a line, less the array's punctuation: '[' before the first, ',' before
    each next one."""
    if not opened:
        if not text.startswith(b"["):
            raise _malformed(number, "expected '[' to open Kaggle's JSON array")
        return text[1:].lstrip()
    if text.startswith(b","):
        return text[1:].lstrip()
    if text == b"]":
        return text
    raise _malformed(number, "expected ',' before the entry; Kaggle's log holds one entry a "
                             "line, each after a comma")


def kaggle_entries(handle: BinaryIO) -> Iterator[KaggleEntry]:
    opened = closed = False
    last = 0
    for number, raw in _byte_lines(handle):
        last = number
        text = (raw.removeprefix(BOM) if number == 1 else raw).strip()
        if not text:
            continue
        if closed:
            raise _malformed(number, "text after the end of the JSON array")
        text, opened = _framed(number, text, opened), True
        if text.endswith(b"]"):
            text, closed = text[:-1].rstrip(), True
        if text:
            yield _entry(text, number)
    if not closed:
        raise LogError(Code.LOG_MALFORMED,
                       f"the JSON array is not closed (the log ends at line {last}): the log is "
                       "truncated; download it again", last or None)


def read_kaggle(handle: BinaryIO, wanted: str | None = None) -> Iterator[LogLine]:
    streams = {name: LineAssembler(wanted) for name in STREAMS}
    for entry in kaggle_entries(handle):
        for piece in streams[entry.stream].feed(entry.data):
            yield LogLine(piece.text, f"line {entry.line} ({entry.stream})", entry.line,
                          entry.stream)
    for name, assembler in streams.items():
        for piece in assembler.close():
            yield LogLine(piece.text, f"the end of {name}", None, name)
