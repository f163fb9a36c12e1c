"""What compare needs of a run's predictions: each item's labels, reference and two outcomes.

The run has been validated (or its archive verified) before this reads it, so every row is
known to be a strict, well-typed Prediction; this reads it again at the speed of orjson and
keeps a few bytes per item. Responses are not kept: the few items that changed grade are read
again by line number (`responses`).
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from evidence.models.prediction import PREDICTIONS_FILE
from evidence.validation.predictions.reader import OVERLONG, numbered_lines


@dataclass
class RunItems:
    """One run's items, in file order: parallel columns, and item id -> index. `name` is how
    findings name the file (an archive's run is read from a temporary copy)."""

    path: Path
    name: str
    index: dict[str, int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    lines: array[int] = field(default_factory=lambda: array("Q"))
    labels: list[tuple[str, str, str]] = field(default_factory=list)
    # The references themselves, not digests: compared exactly, and most are a few characters.
    references: list[str] = field(default_factory=list)
    correct: bytearray = field(default_factory=bytearray)
    format_ok: bytearray = field(default_factory=bytearray)


def read_items(run_dir: Path, name: str) -> RunItems:
    """The items of a validated run's predictions.jsonl; `name` names the file in findings.
    One loop with its methods bound to locals: it runs once per row of two runs."""
    path = run_dir / PREDICTIONS_FILE
    items = RunItems(path, name)
    interned: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    intern, loads = interned.setdefault, orjson.loads
    ids, lines, labels = items.ids.append, items.lines.append, items.labels.append
    references, correct, format_ok = (items.references.append, items.correct.append,
                                      items.format_ok.append)
    for number, line in numbered_lines(path):
        if line is OVERLONG or not line.strip():
            continue
        row = loads(line)
        ids(row["item_id"])
        lines(number)
        # One tuple per distinct label set, not one per row: 1,000,000 rows share a few dozen.
        key = (row["section"], row["category"], row["difficulty"])
        labels(intern(key, key))
        references(row["reference_answer"])
        correct(row["correct"])
        format_ok(row["format_ok"])
    items.index = dict(zip(items.ids, range(len(items.ids)), strict=True))
    return items


def rows_at(path: Path, wanted: set[int]) -> dict[int, dict[str, Any]]:
    """The rows on the given line numbers, read in one pass."""
    found: dict[int, dict[str, Any]] = {}
    if not wanted:
        return found
    last = max(wanted)
    for number, line in numbered_lines(path):
        if number in wanted and line is not OVERLONG:
            found[number] = orjson.loads(line)
        if number >= last:
            break
    return found
