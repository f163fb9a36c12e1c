"""What compare needs of a run's predictions: each item's labels, reference and two outcomes.

The run has been validated (or its archive verified) before this reads it, so every row is
known to be a strict, well-typed Prediction; this reads it again at the speed of orjson and
keeps a few bytes per item. Responses are not kept: the few items that changed grade are read
again by line number (`responses`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from evidence.models.prediction import PREDICTIONS_FILE
from evidence.validation.predictions.reader import OVERLONG, numbered_lines


def _reference_digest(reference: str) -> bytes:
    return hashlib.blake2b(reference.encode("utf-8", "surrogatepass"), digest_size=8).digest()


@dataclass
class RunItems:
    """One run's items, in file order: parallel columns, and item id -> index. `name` is how
    findings name the file (an archive's run is read from a temporary copy)."""

    path: Path
    name: str
    index: dict[str, int] = field(default_factory=dict)
    ids: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    labels: list[tuple[str, str, str]] = field(default_factory=list)
    references: list[bytes] = field(default_factory=list)
    correct: bytearray = field(default_factory=bytearray)
    format_ok: bytearray = field(default_factory=bytearray)

    def add(self, line: int, row: dict[str, Any]) -> None:
        self.index[row["item_id"]] = len(self.ids)
        self.ids.append(row["item_id"])
        self.lines.append(line)
        self.labels.append((row["section"], row["category"], row["difficulty"]))
        self.references.append(_reference_digest(row["reference_answer"]))
        self.correct.append(row["correct"])
        self.format_ok.append(row["format_ok"])


def read_items(run_dir: Path, name: str) -> RunItems:
    """The items of a validated run's predictions.jsonl; `name` names the file in findings."""
    path = run_dir / PREDICTIONS_FILE
    items = RunItems(path, name)
    labels: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    for number, line in numbered_lines(path):
        if line is OVERLONG or not line.strip():
            continue
        row = orjson.loads(line)
        items.add(number, row)
        # One tuple per distinct label set, not one per row: 1,000,000 rows share a few dozen.
        key = items.labels[-1]
        items.labels[-1] = labels.setdefault(key, key)
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
