"""Streaming check of predictions.jsonl: parse, validate, re-grade and tally each row in one pass.

Memory stays flat whatever the file's length: rows are dropped once tallied, and item ids are
kept only as 8-byte digests (checked exactly in a second pass when two digests collide).
"""

from __future__ import annotations

import hashlib
import itertools
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from evidence.documents import validation_findings
from evidence.findings import Code, Finding
from evidence.grading import grade
from evidence.jsonio import StrictJsonError, loads_strict
from evidence.models.prediction import PREDICTIONS_FILE, Prediction
from evidence.scoring import ScoreAccumulator

MAX_ROW_BYTES = 4 * 1024 * 1024
# Past this many findings a file is clearly broken; listing a million more helps nobody.
MAX_FINDINGS = 200


@dataclass
class PredictionsCheck:
    rows: int = 0
    valid_rows: int = 0
    scores: ScoreAccumulator = field(default_factory=ScoreAccumulator)
    findings: list[Finding] = field(default_factory=list)
    suppressed: int = 0
    id_digests: array[int] = field(default_factory=lambda: array("Q"))

    def report(self, finding: Finding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)
        else:
            self.suppressed += 1


def _id_digest(item_id: str) -> int:
    digest = hashlib.blake2b(item_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        yield from enumerate(handle, start=1)


def _check_grade(check: PredictionsCheck, row: Prediction, line: int, file: str) -> None:
    regraded = grade(row.response, row.reference_answer)
    for name in ("format_ok", "extracted_answer", "correct"):
        claimed, actual = getattr(row, name), getattr(regraded, name)
        if claimed != actual:
            check.report(Finding(file, Code.PREDICTION_GRADE_MISMATCH,
                                 f"row says {name} = {claimed!r}, re-grading the response gives "
                                 f"{actual!r}", f"/{name}", line))


def check_row(check: PredictionsCheck, number: int, line: bytes, file: str) -> None:
    check.rows += 1
    if len(line) > MAX_ROW_BYTES:
        check.report(Finding(file, Code.FILE_TOO_LARGE,
                             f"row is {len(line)} bytes, over the {MAX_ROW_BYTES}-byte limit",
                             line=number))
        return
    try:
        raw = loads_strict(line)
    except StrictJsonError as error:
        check.report(Finding(file, error.code, error.message, error.pointer, number))
        return
    try:
        row = Prediction.model_validate(raw)
    except ValidationError as error:
        for finding in validation_findings(file, raw, error):
            check.report(Finding(file, finding.code, finding.message, finding.pointer, number))
        return
    check.valid_rows += 1
    _check_grade(check, row, number, file)
    check.scores.add_prediction(row)
    check.id_digests.append(_id_digest(row.item_id))


def _duplicate_digests(digests: array[int]) -> set[int]:
    ordered = sorted(digests)
    return {a for a, b in itertools.pairwise(ordered) if a == b}


def _report_duplicate_ids(check: PredictionsCheck, path: Path, file: str,
                          suspects: set[int]) -> None:
    first_line: dict[str, int] = {}
    for number, line in _lines(path):
        try:
            item_id = loads_strict(line).get("item_id")
        except StrictJsonError:
            continue
        if not isinstance(item_id, str) or _id_digest(item_id) not in suspects:
            continue
        if item_id in first_line:
            check.report(Finding(file, Code.DUPLICATE_ITEM_ID,
                                 f"item_id {item_id!r} already appeared on line "
                                 f"{first_line[item_id]}", "/item_id", number))
        else:
            first_line[item_id] = number


def check_predictions(path: Path, file: str = PREDICTIONS_FILE) -> PredictionsCheck:
    check = PredictionsCheck()
    for number, line in _lines(path):
        check_row(check, number, line, file)
    suspects = _duplicate_digests(check.id_digests)
    if suspects:
        _report_duplicate_ids(check, path, file, suspects)
    if check.rows == 0:
        check.report(Finding(file, Code.JSON_EMPTY, "no prediction rows; expected one per item"))
    if check.suppressed:
        check.findings.append(Finding(file, check.findings[-1].code,
                                      f"... and {check.suppressed} more findings in this file"))
    return check
