"""Reading predictions.jsonl in blocks of whole lines, without ever holding an overlong line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO, Protocol

MAX_ROW_BYTES = 4 * 1024 * 1024
# Small enough that a block stays in the CPU's cache through the passes over it (the count, the
# parse, the copies), which measured faster than 2 MiB; still hundreds of rows a block.
BLOCK_BYTES = 256 * 1024
# Stands in for a line too long to hold in memory; it is reported, never parsed.
OVERLONG = b"\xffoverlong"


class Readable(Protocol):
    """A file open for reading, or io.digest.HashingReader around one."""

    def read(self, size: int = -1, /) -> bytes: ...


def read_blocks(handle: Readable, limit: int | None = None) -> Iterator[bytes]:
    """What `handle` holds from where it is (up to `limit` bytes, else to its end; it starts at
    a line boundary) in blocks of whole lines; a line over MAX_ROW_BYTES is skipped as it
    streams by and yields OVERLONG instead. Every byte is read once, in order, so a hashing
    handle (io.digest.HashingReader) digests exactly what was parsed."""
    remaining = limit
    pending, skipping = b"", False
    while remaining is None or remaining > 0:
        data = handle.read(BLOCK_BYTES if remaining is None else min(BLOCK_BYTES, remaining))
        if not data:
            break
        if remaining is not None:
            remaining -= len(data)
        if skipping:
            newline = data.find(b"\n")
            if newline < 0:
                continue
            data, skipping = data[newline + 1:], False
            yield OVERLONG
        data = pending + data
        cut = data.rfind(b"\n") + 1
        pending = data[cut:]
        if cut:
            yield data[:cut]
        if len(pending) > MAX_ROW_BYTES:
            pending, skipping = b"", True
    if skipping:
        yield OVERLONG
    elif pending:
        yield pending


def blocks(path: Path, start: int, end: int) -> Iterator[bytes]:
    """path[start:end] (which begins and ends at line boundaries) in blocks of whole lines."""
    with path.open("rb") as handle:
        handle.seek(start)
        yield from read_blocks(handle, end - start)


def numbered_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(1-based number, bytes) of every line, an overlong one as OVERLONG: memory stays flat."""
    return lines_of_blocks(blocks(path, 0, path.stat().st_size))


def lines_of_blocks(whole_lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    """(1-based number, bytes) of every line of blocks of whole lines (`read_blocks`)."""
    number = 0
    for block in whole_lines:
        if block is OVERLONG:
            number += 1
            yield number, OVERLONG
            continue
        for line in block.removesuffix(b"\n").split(b"\n"):
            number += 1
            yield number, line


# How far the split reads at a time while it looks for the end of a line.
SCAN_BYTES = 64 * 1024


def _next_line_start(handle: BinaryIO, position: int, size: int) -> int:
    """Where the first line that starts at or after `position` starts (or `size`). Reads in
    small pieces and keeps none: a file without newlines costs one pass, not its size in memory
    (readline() would hold the whole line it cannot find the end of)."""
    if position == 0:
        return 0
    handle.seek(position - 1)
    while position - 1 < size:
        data = handle.read(SCAN_BYTES)
        if not data:
            break
        newline = data.find(b"\n")
        if newline >= 0:
            return position + newline
        position += len(data)
    return size


def line_ranges(path: Path, parts: int) -> list[tuple[int, int]]:
    """Split the file into about `parts` byte ranges that start and end at line boundaries."""
    size = path.stat().st_size
    cuts = [0]
    with path.open("rb") as handle:
        for part in range(1, parts):
            cut = _next_line_start(handle, max(size * part // parts, cuts[-1]), size)
            cuts.append(cut)
            if cut >= size:
                break
    cuts.append(size)
    return [(a, b) for a, b in pairwise(cuts) if b > a]
