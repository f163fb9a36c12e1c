"""Reading predictions.jsonl in blocks of whole lines, without ever holding an overlong line."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

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


def line_ranges(path: Path, parts: int) -> list[tuple[int, int]]:
    """Split the file into about `parts` byte ranges that start and end at line boundaries."""
    size = path.stat().st_size
    cuts = [0]
    with path.open("rb") as handle:
        for part in range(1, parts):
            handle.seek(max(size * part // parts, cuts[-1]))
            handle.readline()
            cuts.append(min(handle.tell(), size))
    cuts.append(size)
    return [(a, b) for a, b in pairwise(cuts) if b > a]
