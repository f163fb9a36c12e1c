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

from evidence.protocol import MAX_LINE_CHARS

# The output streams a Kaggle log or a notebook keeps apart.
STREAMS = ("stdout", "stderr")

# CSI sequences (colours, cursor moves), OSC sequences (titles, links), and two-byte escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


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


class LineAssembler:
    """Feed it a stream's text in pieces of any size; it gives back complete lines."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._overlong = False
        self._newlines = 0

    def feed(self, text: str) -> Iterator[Piece]:
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
            if text.strip():
                yield Piece(text, self._newlines + 1)
        self._parts, self._size, self._overlong = [], 0, False
