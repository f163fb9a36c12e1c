"""Streaming check of predictions.jsonl: parse, validate, re-grade and tally every row.

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

import os
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from multiprocessing import get_context
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from evidence.documents import validation_findings
from evidence.findings import Code, Finding
from evidence.grading import answers_match, extract_answer, grade
from evidence.jsonio import StrictJsonError, loads_strict
from evidence.models.prediction import PREDICTIONS_FILE, Prediction
from evidence.scoring import ScoreAccumulator

MAX_ROW_BYTES = 4 * 1024 * 1024
BLOCK_BYTES = 2 * 1024 * 1024
# Below this size one process is faster than starting workers.
PARALLEL_ABOVE_BYTES = 32 * 1024 * 1024
# Past this many findings a file is clearly broken; listing a million more helps nobody.
MAX_FINDINGS = 200

_ROW_KEYS = len(Prediction.model_fields)
_ROWS = TypeAdapter(list[Prediction])

# (section, category, difficulty, correct, format_ok) -> number of rows
Outcomes = Counter[tuple[str, str, str, bool, bool]]


@dataclass
class RangeCheck:
    """What one byte range of the file gave; line numbers count from the range's first line."""

    lines: int = 0
    outcomes: Outcomes = field(default_factory=Counter)
    id_digests: array[int] = field(default_factory=lambda: array("Q"))
    findings: list[Finding] = field(default_factory=list)
    suppressed: int = 0

    def report(self, finding: Finding) -> None:
        if len(self.findings) < MAX_FINDINGS:
            self.findings.append(finding)
        else:
            self.suppressed += 1


@dataclass
class PredictionsCheck:
    rows: int
    scores: ScoreAccumulator
    findings: list[Finding]


def _id_digest(item_id: str) -> int:
    data = item_id.encode("utf-8")
    return (zlib.crc32(data) << 32) | zlib.adler32(data)


_JSON_WHITESPACE = b" \t\r\n"


def _cannot_hide_duplicate_keys(data: bytes, rows: int) -> bool:
    """True when `data` (one row, or a block of rows), with JSON whitespace deleted, has exactly
    as many `":` as its rows have keys. Every key is then a closing quote and a colon, so each
    key is counted (text inside strings can only add to the count, as `\\":`), and once
    pydantic has found all keys of every row present, none can appear twice: that would push
    the count over. False sends the rows down the strict path, which names the duplicate."""
    return data.translate(None, _JSON_WHITESPACE).count(b'":') == _ROW_KEYS * rows


def _report_grade(check: RangeCheck, row: Prediction, number: int, file: str) -> None:
    regraded = grade(row.response, row.reference_answer)
    for name in ("format_ok", "extracted_answer", "correct"):
        claimed, actual = getattr(row, name), getattr(regraded, name)
        if claimed != actual:
            check.report(Finding(file, Code.PREDICTION_GRADE_MISMATCH,
                                 f"row says {name} = {claimed!r}, re-grading the response "
                                 f"gives {actual!r}", f"/{name}", number))


def _accept(check: RangeCheck, rows: list[Prediction], first_numbers: list[int],
            file: str) -> None:
    """Re-grade, tally and remember the id of rows that passed validation (the hot loop)."""
    outcomes, digests = check.outcomes, check.id_digests
    for number, row in zip(first_numbers, rows, strict=True):
        extracted = extract_answer(row.response)
        if extracted != row.extracted_answer or row.format_ok is (extracted is None) or \
                row.correct is not (extracted is not None and
                                    answers_match(extracted, row.reference_answer)):
            _report_grade(check, row, number, file)
        outcomes[row.section, row.category, row.difficulty, row.correct, row.format_ok] += 1
        digests.append(_id_digest(row.item_id))


def _check_row_strictly(check: RangeCheck, number: int, line: bytes, file: str) -> None:
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
    _accept(check, [row], [number], file)


def _check_lines(check: RangeCheck, first: int, lines: list[bytes], file: str) -> None:
    """The careful path for a block that did not pass whole: the rows that can go fast still do,
    one block call for all of them, and any problem sends each row through the strict reader."""
    fast: list[bytes] = []
    numbers: list[int] = []
    for number, line in enumerate(lines, start=first):
        if _cannot_hide_duplicate_keys(line, 1):
            fast.append(line)
            numbers.append(number)
        else:
            _check_row_strictly(check, number, line, file)
    try:
        rows = _ROWS.validate_json(b"[" + b",".join(fast) + b"]")
    except ValidationError:
        for number, line in zip(numbers, fast, strict=True):
            _check_row_strictly(check, number, line, file)
    else:
        _accept(check, rows, numbers, file)
    check.findings.sort(key=lambda finding: finding.line or 0)


def _check_block(check: RangeCheck, first: int, block: bytes, file: str) -> int:
    """Check the complete lines in `block`; returns how many there were."""
    lines = block.count(b"\n") + (not block.endswith(b"\n"))
    body = block.removesuffix(b"\n")
    if _cannot_hide_duplicate_keys(body, lines):
        try:
            rows = _ROWS.validate_json(b"[" + body.replace(b"\n", b",") + b"]")
        except ValidationError:
            pass
        else:
            _accept(check, rows, list(range(first, first + lines)), file)
            return lines
    _check_lines(check, first, body.split(b"\n"), file)
    return lines


# Stands in for a line too long to hold in memory; it is reported, never parsed.
OVERLONG = b"\xffoverlong"


def _blocks(path: Path, start: int, end: int) -> Iterator[bytes]:
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


def _check_overlong(check: RangeCheck, number: int, file: str) -> int:
    check.report(Finding(file, Code.FILE_TOO_LARGE,
                         f"row is over the {MAX_ROW_BYTES}-byte limit", line=number))
    return 1


def check_range(path: Path, start: int, end: int, file: str = PREDICTIONS_FILE) -> RangeCheck:
    check = RangeCheck()
    for block in _blocks(path, start, end):
        if block is OVERLONG:
            check.lines += _check_overlong(check, check.lines + 1, file)
        else:
            check.lines += _check_block(check, check.lines + 1, block, file)
    return check


def _ranges(path: Path, parts: int) -> list[tuple[int, int]]:
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


def _fork_is_safe() -> bool:
    """fork shares the loaded models with the workers for free, but is unsafe once a runtime
    with threads of its own is loaded (the trainer validates its own output with JAX loaded)."""
    threaded = {"jax", "torch", "tensorflow"} & sys.modules.keys()
    return sys.platform.startswith("linux") and not threaded


def _check_ranges(path: Path, file: str) -> list[RangeCheck]:
    size = path.stat().st_size
    workers = min(os.cpu_count() or 1, 8)
    if size < PARALLEL_ABOVE_BYTES or workers < 2:
        return [check_range(path, 0, size, file)]
    ranges = _ranges(path, workers)
    context = get_context("fork" if _fork_is_safe() else "spawn")
    with ProcessPoolExecutor(len(ranges), mp_context=context) as pool:
        futures = [pool.submit(check_range, path, start, end, file) for start, end in ranges]
        return [future.result() for future in futures]


def _renumbered(finding: Finding, offset: int) -> Finding:
    if finding.line is None:
        return finding
    return Finding(finding.file, finding.code, finding.message, finding.pointer,
                   finding.line + offset)


def _report_duplicate_ids(path: Path, file: str, suspects: set[int]) -> list[Finding]:
    findings: list[Finding] = []
    first_line: dict[str, int] = {}
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                item_id = loads_strict(line).get("item_id")
            except StrictJsonError:
                continue
            if not isinstance(item_id, str) or _id_digest(item_id) not in suspects:
                continue
            if item_id in first_line:
                findings.append(Finding(file, Code.DUPLICATE_ITEM_ID,
                                        f"item_id {item_id!r} already appeared on line "
                                        f"{first_line[item_id]}", "/item_id", number))
            else:
                first_line[item_id] = number
    return findings


def check_predictions(path: Path, file: str = PREDICTIONS_FILE) -> PredictionsCheck:
    parts = _check_ranges(path, file)
    findings: list[Finding] = []
    scores = ScoreAccumulator()
    digests: array[int] = array("Q")
    offset = suppressed = 0
    for part in parts:
        findings += [_renumbered(finding, offset) for finding in part.findings]
        offset += part.lines
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
    if offset == 0:
        findings.append(Finding(file, Code.JSON_EMPTY, "no prediction rows; expected one per item"))
    if suppressed or len(findings) > MAX_FINDINGS:
        suppressed += max(0, len(findings) - MAX_FINDINGS)
        findings = findings[:MAX_FINDINGS]
        findings.append(Finding(file, findings[-1].code,
                                f"... and {suppressed} more findings in this file"))
    return PredictionsCheck(rows=offset, scores=scores, findings=findings)
