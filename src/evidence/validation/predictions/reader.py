"""Reading predictions.jsonl in blocks of whole lines, without ever holding an overlong line."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import BinaryIO

MAX_ROW_BYTES = 4 * 1024 * 1024
BLOCK_BYTES = 2 * 1024 * 1024
# Stands in for a line too long to hold in memory; it is reported, never parsed.
OVERLONG = b"\xffoverlong"


def blocks(path: Path, start: int, end: int) -> Iterator[bytes]:
    """path[start:end] (which begins and ends at line boundaries) in blocks of whole lines; a
    line over MAX_ROW_BYTES is skipped as it streams by and yields OVERLONG instead."""
    with path.open("rb") as handle:
        handle.seek(start)
        remaining, pending, skipping = end - start, b"", False
        while remaining > 0 and (data := handle.read(min(BLOCK_BYTES, remaining))):
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


def numbered_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(1-based number, bytes) of every line, an overlong one as OVERLONG: memory stays flat."""
    number = 0
    for block in blocks(path, 0, path.stat().st_size):
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
