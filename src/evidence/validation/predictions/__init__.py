"""The streaming check of predictions.jsonl: parse, validate, re-grade and tally every row.

This is validate's hot path, so it is built for speed without giving up strictness:
- rows are validated in blocks (one pydantic call per block of lines, not one per row); a block
  with any problem is re-read row by row through the strict reader to name each line's finding;
- a row goes into a block only when a byte count proves it holds no duplicate key (pydantic's
  parser would silently keep the last one); any other row takes the strict path;
- large files are split at line boundaries across processes.
Memory stays flat whatever the length: rows are dropped once tallied, and item ids are kept only
as 8-byte digests, checked exactly in a second pass when two digests collide.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from evidence.findings import Code, Finding
from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.models.prediction import PREDICTIONS_FILE
from evidence.scoring.scorecard import ScoreAccumulator
from evidence.validation.documents import unreadable_file
from evidence.validation.predictions.parallel import check_ranges
from evidence.validation.predictions.reader import OVERLONG, numbered_lines
from evidence.validation.predictions.rows import MAX_FINDINGS, check_range, id_digest

__all__ = ["MAX_FINDINGS", "PredictionsCheck", "check_predictions", "check_range"]


@dataclass
class PredictionsCheck:
    rows: int
    scores: ScoreAccumulator
    findings: list[Finding]
    # False when the file could not be read at all: `rows` and `scores` then say nothing.
    readable: bool = True


def _renumbered(finding: Finding, offset: int) -> Finding:
    if finding.line is None:
        return finding
    return Finding(finding.file, finding.code, finding.message, finding.pointer,
                   finding.line + offset)


def _report_duplicate_ids(path: Path, file: str, suspects: set[int]) -> list[Finding]:
    findings: list[Finding] = []
    first_line: dict[str, int] = {}
    for number, line in numbered_lines(path):
        if line is OVERLONG:
            continue
        try:
            item_id = loads_strict(line).get("item_id")
        except StrictJsonError:
            continue
        if not isinstance(item_id, str) or id_digest(item_id) not in suspects:
            continue
        if item_id in first_line:
            findings.append(Finding(file, Code.DUPLICATE_ITEM_ID,
                                    f"item_id {item_id!r} already appeared on line "
                                    f"{first_line[item_id]}", "/item_id", number))
        else:
            first_line[item_id] = number
    return findings


def check_predictions(path: Path, file: str = PREDICTIONS_FILE) -> PredictionsCheck:
    """Every row checked; a file that is not a regular file, or cannot be read, is one
    finding (a FIFO is never opened for reading, so it cannot block)."""
    problem = unreadable_file(path, file)
    if problem is not None:
        return PredictionsCheck(0, ScoreAccumulator(), [problem], readable=False)
    try:
        return _check_readable(path, file)
    except OSError as error:
        return PredictionsCheck(0, ScoreAccumulator(), [Finding(
            file, Code.FILE_UNREADABLE, f"cannot read {file}: {error.strerror or error}")],
            readable=False)


def _check_readable(path: Path, file: str) -> PredictionsCheck:
    parts = check_ranges(path, file)
    findings: list[Finding] = []
    scores = ScoreAccumulator()
    digests: array[int] = array("Q")
    offset = suppressed = rows = 0
    for part in parts:
        findings += [_renumbered(finding, offset) for finding in part.findings]
        offset += part.lines
        rows += part.rows
        suppressed += part.suppressed
        digests.extend(part.id_digests)
        for labels, count in part.outcomes.items():
            scores.add(*labels, count=count)
    ordered = sorted(digests)
    del digests
    suspects = {a for a, b in pairwise(ordered) if a == b}
    del ordered
    if suspects:
        findings += _report_duplicate_ids(path, file, suspects)
    if rows == 0:
        findings.append(Finding(file, Code.JSON_EMPTY, "no prediction rows; expected one per item"))
    if suppressed or len(findings) > MAX_FINDINGS:
        suppressed += max(0, len(findings) - MAX_FINDINGS)
        findings = findings[:MAX_FINDINGS]
        findings.append(Finding(file, findings[-1].code,
                                f"... and {suppressed} more findings in this file"))
    return PredictionsCheck(rows=rows, scores=scores, findings=findings)
