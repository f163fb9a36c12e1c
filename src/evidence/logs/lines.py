"""Rebuilding the visible lines of one output stream from the pieces it was written in.

Every log form ends here: a plain-text file arrives in read chunks, a Kaggle log in entries that
may hold part of a line, a notebook in stream outputs. Whatever the pieces, the same stream gives
the same lines, so the same run gives the same evidence in any form.

A line ends at ``\\n`` or ``\\r`` (a progress bar redraws itself after ``\\r``; each redraw is a
line of its own), ANSI colour codes are dropped, and blank lines are skipped. A line longer than
the protocol's limit cannot hold evidence and is dropped as it grows, so memory stays flat.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from evidence.logs.protocol import MAX_LINE_CHARS

# The output streams a Kaggle log or a notebook keeps apart.
STREAMS = ("stdout", "stderr")

# CSI sequences (colours, cursor moves), OSC sequences (titles, links), and two-byte escapes.
# None reaches across a line break, so the visible text of a chunk is that of its lines.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n\r]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def visible(text: str) -> str:
    """The text a terminal shows, less its colours."""
    return _ANSI.sub("", text) if "\x1b" in text else text


@dataclass(frozen=True, slots=True)
class LogLine:
    """One visible line of a log, and where it came from (for messages that name it)."""

    text: str
    where: str
    line: int | None = None
    stream: str | None = None


@dataclass(frozen=True, slots=True)
class Piece:
    """A rebuilt line, and the 1-based count of ``\\n`` line it ended on within its stream."""

    text: str
    line: int


def _break_span(text: str) -> tuple[int, int]:
    """Where the first and the last line break of text are; (-1, -1) when it has none."""
    newline, carriage = text.find("\n"), text.find("\r")
    first = min(newline, carriage) if newline >= 0 and carriage >= 0 else max(newline, carriage)
    return first, max(text.rfind("\n"), text.rfind("\r"))


def _may_hold(text: str, wanted: str) -> bool:
    """Whether text holds `wanted` once its colours are dropped (cheap tests first: dropping
    colours only removes characters)."""
    if wanted in text:
        return True
    if "\x1b" not in text or wanted[0] not in text:
        return False
    return wanted in visible(text)


class LineAssembler:
    """Feed it a stream's text in pieces of any size; it gives back complete lines.

    With `wanted`, it gives back only the lines that contain it, and skips text without it
    at the speed of a substring search: a gigabyte of noise costs seconds, not minutes.
    """

    def __init__(self, wanted: str | None = None) -> None:
        self._wanted = wanted
        self._parts: list[str] = []
        self._size = 0
        self._overlong = False
        self._newlines = 0

    def feed(self, text: str) -> Iterator[Piece]:
        if self._wanted is not None and not _may_hold(text, self._wanted):
            yield from self._skim(text)
        else:
            yield from self._split(text)

    def _skim(self, text: str) -> Iterator[Piece]:
        """Text without the wanted string: only the line it finishes (which began earlier and
        may hold the rest of it) and the line it starts (which may go on to) can matter."""
        first, last = _break_span(text)
        if first < 0:
            self._append(text)
            return
        yield from self._split(text[:first + 1])
        self._newlines += text.count("\n", first + 1, last + 1)
        self._append(text[last + 1:])

    def _split(self, text: str) -> Iterator[Piece]:
        *ended, rest = text.split("\n")
        for line in ended:
            yield from self._take(line)
            yield from self._end()
            self._newlines += 1
        yield from self._take(rest)

    def close(self) -> Iterator[Piece]:
        """The last line, when the stream did not end with a newline."""
        yield from self._end()

    def _take(self, text: str) -> Iterator[Piece]:
        if "\r" in text:
            *redrawn, text = text.split("\r")
            for part in redrawn:
                self._append(part)
                yield from self._end()
        self._append(text)

    def _append(self, text: str) -> None:
        if self._overlong or not text:
            return
        self._parts.append(text)
        self._size += len(text)
        if self._size > MAX_LINE_CHARS:
            self._parts, self._size, self._overlong = [], 0, True

    def _end(self) -> Iterator[Piece]:
        if self._parts:
            text = visible("".join(self._parts))
            if text.strip() and (self._wanted is None or self._wanted in text):
                yield Piece(text, self._newlines + 1)
        self._parts, self._size, self._overlong = [], 0, False
