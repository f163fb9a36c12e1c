"""What happens to rows that validated: re-graded, tallied, their ids kept as digests.

This is the per-row work of validate, so it is done a block at a time with C iterators (map,
operator.itemgetter, Counter's own counting loop): the one Python call per row left is the
grader's. Only a block whose claims differ from the re-grading is walked row by row, to name
each difference.
"""

from __future__ import annotations

import zlib
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from operator import lshift, xor

from evidence.findings import Code, Finding
from evidence.scoring.grader import Columns, grade_columns
from evidence.validation.predictions import shape
from evidence.validation.predictions.shape import Row

# Past this many findings a file is clearly broken; listing a million more helps nobody.
MAX_FINDINGS = 200

# (section, category, difficulty, correct, format_ok) -> number of rows
Outcomes = Counter[tuple[str, str, str, bool, bool]]
# Each field a row's grade claims, in the order its findings are listed, and its place in the
# grader's columns (extracted_answer, format_ok, correct).
_GRADE_FIELDS = (("format_ok", 1), ("extracted_answer", 0), ("correct", 2))


@dataclass
class RangeCheck:
    """What one byte range of the file gave; line numbers count from the range's first line."""

    lines: int = 0
    # Blank lines: each is a json_empty finding, and none is a prediction row.
    blank: int = 0
    outcomes: Outcomes = field(default_factory=Counter)
    # Whether `id_digests` are Python's own str hash (see id_digests): only where every range
    # merged with this one was checked by this process or by workers forked from it.
    shared_hash_key: bool = False
    id_digests: array[int] = field(default_factory=lambda: array("q"))
    findings: list[Finding] = field(default_factory=list)
    suppressed: int = 0

    @property
    def rows(self) -> int:
        return self.lines - self.blank

    def add(self, finding: Finding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)
        else:
            self.suppressed += 1


def id_digests(item_ids: Iterable[str], shared_hash_key: bool = False) -> Iterator[int]:
    """A 63-bit digest of each id, computed in C iterators (an id given twice is found by its
    digest, then confirmed as text). With `shared_hash_key`, Python's own str hash:
    0.35 against 0.65 µs a row, but the same only in processes that share its key, which are one
    process and the workers forked from it, not spawned ones. Otherwise CRC-32 and Adler-32,
    the same everywhere."""
    if shared_hash_key:
        return map(hash, item_ids)
    encoded = list(map(str.encode, item_ids))
    return map(xor, map(lshift, map(zlib.crc32, encoded), repeat(31)),
               map(zlib.adler32, encoded))


def id_digest(item_id: str, shared_hash_key: bool = False) -> int:
    return next(id_digests([item_id], shared_hash_key))


def _report_grades(check: RangeCheck, rows: list[Row], numbers: Iterable[int], file: str,
                   regraded: Columns) -> None:
    for number, row, *actual in zip(numbers, rows, *regraded, strict=True):
        for name, index in _GRADE_FIELDS:
            if (claimed := getattr(row, name)) != (value := actual[index]):
                check.add(Finding(file, Code.PREDICTION_GRADE_MISMATCH,
                                  f"row says {name} = {claimed!r}, re-grading the response "
                                  f"gives {value!r}", f"/{name}", number))


def claims_hold(rows: list[Row], regraded: Columns) -> bool:
    # Lists compare in C; a claim is a bool or a str (or None), as the grader's values are.
    return all(list(map(claimed, rows)) == column
               for claimed, column in zip(shape.CLAIMED_GRADE, regraded, strict=True))


def accept_rows(check: RangeCheck, rows: list[Row], numbers: Iterable[int], file: str) -> None:
    """Re-grade, tally and remember the id of rows that validated; `numbers` are their lines."""
    regraded = grade_columns(map(shape.response, rows), map(shape.reference, rows))
    if not claims_hold(rows, regraded):
        _report_grades(check, rows, numbers, file, regraded)
    check.outcomes.update(map(shape.labels, rows))
    check.id_digests.extend(id_digests(map(shape.item_id, rows), check.shared_hash_key))
