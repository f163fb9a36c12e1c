"""The streaming check of predictions.jsonl: parse, validate, re-grade and tally every row.

This is validate's hot path, so it is built for speed without giving up strictness:
- rows are validated in blocks (one msgspec call per block of lines, not one per row); a block
  with any problem is re-read row by row through the strict reader to name each line's finding;
- a block is accepted only when a byte count proves it holds no duplicate key (msgspec and
  pydantic both keep the last value of a key given twice, silently); any other row takes the
  strict path;
- the file is read once, in order, and hashed as it is read, so the artifact check compares the
  manifest's digest with that of the bytes parsed; a large file's blocks are checked by worker
  processes meanwhile.
Memory stays flat whatever the length: rows are dropped once tallied, and item ids are kept only
as 8-byte digests, checked exactly in a second pass when two digests collide.
"""

from __future__ import annotations

import os
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice, pairwise
from operator import eq
from pathlib import Path

from evidence.findings import Code, Finding
from evidence.io.digest import FileDigest, HashingReader, ProgressStart
from evidence.io.run_files import open_regular
from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.models.prediction import PREDICTIONS_FILE
from evidence.scoring.scorecard import ScoreAccumulator
from evidence.validation.documents import unreadable_file
from evidence.validation.predictions.accept import MAX_FINDINGS, Outcomes, RangeCheck, id_digest
from evidence.validation.predictions.parallel import check_read
from evidence.validation.predictions.reader import OVERLONG, numbered_lines
from evidence.validation.predictions.rows import check_range

__all__ = ["MAX_FINDINGS", "PredictionsCheck", "check_predictions", "check_range"]


@dataclass
class PredictionsCheck:
    rows: int
    scores: ScoreAccumulator
    findings: list[Finding]
    # False when the file could not be read at all: `rows` and `scores` then say nothing.
    readable: bool = True
    # The SHA-256 and size of the bytes that were checked (None when they were not all read).
    digest: FileDigest | None = None


def _renumbered(finding: Finding, offset: int) -> Finding:
    if finding.line is None:
        return finding
    return Finding(finding.file, finding.code, finding.message, finding.pointer,
                   finding.line + offset)


def _report_duplicate_ids(path: Path, file: str, suspects: set[int],
                          shared_hash_key: bool) -> list[Finding]:
    findings: list[Finding] = []
    first_line: dict[str, int] = {}
    for number, line in numbered_lines(path):
        if line is OVERLONG:
            continue
        try:
            item_id = loads_strict(line).get("item_id")
        except StrictJsonError:
            continue
        if not isinstance(item_id, str) or id_digest(item_id, shared_hash_key) not in suspects:
            continue
        if item_id in first_line:
            findings.append(Finding(file, Code.DUPLICATE_ITEM_ID,
                                    f"item_id {item_id!r} already appeared on line "
                                    f"{first_line[item_id]}", "/item_id", number))
        else:
            first_line[item_id] = number
    return findings


def check_predictions(path: Path, file: str = PREDICTIONS_FILE,
                      progress: ProgressStart | None = None) -> PredictionsCheck:
    """Every row checked, and the file hashed in the same read (`progress` follows that read);
    a file that is not a regular file, or cannot be read, is one finding (a FIFO is never opened
    for reading, so it cannot block)."""
    problem = unreadable_file(path, file)
    if problem is not None:
        return PredictionsCheck(0, ScoreAccumulator(), [problem], readable=False)
    try:
        with open_regular(path) as raw:
            size = os.fstat(raw.fileno()).st_size
            handle = HashingReader(raw, progress(file, size) if progress else None)
            result = _merged(check_read(handle, size, file), path, file)
            result.digest = handle.finish()
            return result
    except OSError as error:
        return PredictionsCheck(0, ScoreAccumulator(), [Finding(
            file, Code.FILE_UNREADABLE, f"cannot read {file}: {error.strerror or error}")],
            readable=False)


@dataclass
class _Merge:
    """The parts of the file as they come in, in order: findings renumbered and capped (the
    rest counted), outcomes summed (scored once, at the end: scoring each part's outcomes
    cost more than summing them)."""

    findings: list[Finding] = field(default_factory=list)
    outcomes: Outcomes = field(default_factory=Counter)
    digests: array[int] = field(default_factory=lambda: array("q"))
    shared_hash_key: bool = False
    lines: int = 0
    rows: int = 0
    suppressed: int = 0

    def add(self, part: RangeCheck) -> None:
        room = max(0, MAX_FINDINGS + 1 - len(self.findings))
        self.findings += [_renumbered(finding, self.lines) for finding in part.findings[:room]]
        self.suppressed += part.suppressed + max(0, len(part.findings) - room)
        self.lines += part.lines
        self.rows += part.rows
        self.digests.extend(part.id_digests)
        self.shared_hash_key = part.shared_hash_key
        self.outcomes.update(part.outcomes)

    def scores(self) -> ScoreAccumulator:
        scores = ScoreAccumulator()
        for labels, count in self.outcomes.items():
            scores.add(*labels, count=count)
        return scores


# Past this many ids numpy's sort (about 16 ms a million) is worth its import (0.1 to 0.2 s);
# below it, sorting the digests as Python ints takes less than importing numpy, and validate's
# start-up is a pre-commit hook's.
NUMPY_SORT_ABOVE = 200_000


def _repeated(digests: array[int]) -> set[int]:
    """The digests that appear more than once: neighbours once sorted. A million of them sort
    in numpy in a fiftieth of the time Python's sort takes (0.8 s), which the caller would spend
    alone at the end while every worker waits."""
    if len(digests) > NUMPY_SORT_ABOVE:
        import numpy as np

        ordered = np.sort(np.frombuffer(digests, dtype=np.int64))
        return set(ordered[1:][ordered[1:] == ordered[:-1]].tolist())
    ordered_ints = sorted(digests)
    if not any(map(eq, ordered_ints, islice(ordered_ints, 1, None))):
        return set()
    return {a for a, b in pairwise(ordered_ints) if a == b}


def _merged(parts: Iterable[RangeCheck], path: Path, file: str) -> PredictionsCheck:
    merge = _Merge()
    for part in parts:
        merge.add(part)
    findings, suppressed = merge.findings, merge.suppressed
    suspects = _repeated(merge.digests)
    merge.digests = array("q")  # a million of them, no longer needed
    if suspects:
        findings += _report_duplicate_ids(path, file, suspects, merge.shared_hash_key)
    if merge.rows == 0:
        findings.append(Finding(file, Code.JSON_EMPTY, "no prediction rows; expected one per item"))
    if suppressed or len(findings) > MAX_FINDINGS:
        suppressed += max(0, len(findings) - MAX_FINDINGS)
        findings = findings[:MAX_FINDINGS]
        findings.append(Finding(file, findings[-1].code,
                                f"... and {suppressed} more findings in this file"))
    return PredictionsCheck(rows=merge.rows, scores=merge.scores(), findings=findings)
