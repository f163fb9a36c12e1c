"""Plain-text logs: as `kaggle kernels logs` prints them, or copied from the notebook viewer.

Read in chunks and decoded leniently (binary garbage is text with replacement characters, not an
error), so memory stays flat whatever the size.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import BinaryIO

from evidence.logs.lines import LineAssembler, LogLine, Piece

READ_CHUNK_BYTES = 1024 * 1024


def _located(piece: Piece) -> LogLine:
    return LogLine(piece.text, f"line {piece.line}", piece.line)


def read_plain(handle: BinaryIO, wanted: str | None = None) -> Iterator[LogLine]:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    assembler = LineAssembler(wanted)
    while chunk := handle.read(READ_CHUNK_BYTES):
        for piece in assembler.feed(decoder.decode(chunk)):
            yield _located(piece)
    for piece in (*assembler.feed(decoder.decode(b"", final=True)), *assembler.close()):
        yield _located(piece)
