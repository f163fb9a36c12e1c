"""Checking the rows of one byte range: validate, prove no duplicate key, re-grade, tally.

This is validate's hot path. Rows are validated in blocks (one pydantic call per block of lines);
a row goes into a block only when a byte count proves it holds no duplicate key (pydantic's
parser would silently keep the last one); a block with any problem is re-read row by row through
the strict reader, to name each line's finding.
"""

from __future__ import annotations

import zlib
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from evidence.findings import Code, Finding
from evidence.io.pydantic_errors import pydantic_findings
from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.models.prediction import PREDICTIONS_FILE, Prediction
from evidence.scoring.grader import answers_match, extract_answer, grade
from evidence.validation.predictions.reader import MAX_ROW_BYTES, OVERLONG, blocks

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
    # Blank lines: each is a json_empty finding, and none is a prediction row.
    blank: int = 0
    outcomes: Outcomes = field(default_factory=Counter)
    id_digests: array[int] = field(default_factory=lambda: array("Q"))
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


def id_digest(item_id: str) -> int:
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
            check.add(Finding(file, Code.PREDICTION_GRADE_MISMATCH,
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
        digests.append(id_digest(row.item_id))


def _check_row_strictly(check: RangeCheck, number: int, line: bytes, file: str) -> None:
    if not line.strip():
        check.blank += 1
        check.add(Finding(file, Code.JSON_EMPTY,
                          "blank line; predictions.jsonl holds one JSON object a line, so "
                          "remove it", line=number))
        return
    if len(line) > MAX_ROW_BYTES:
        check.add(Finding(file, Code.FILE_TOO_LARGE,
                             f"row is {len(line)} bytes, over the {MAX_ROW_BYTES}-byte limit",
                             line=number))
        return
    try:
        raw = loads_strict(line)
    except StrictJsonError as error:
        check.add(Finding(file, error.code, error.message, error.pointer, number))
        return
    try:
        row = Prediction.model_validate(raw)
    except ValidationError as error:
        for finding in pydantic_findings(file, raw, error):
            check.add(Finding(file, finding.code, finding.message, finding.pointer, number))
        return
    _accept(check, [row], [number], file)


def _check_lines(check: RangeCheck, first: int, lines: list[bytes], file: str) -> None:
    """The careful path for a block that did not pass whole: the rows that can go fast still do,
    one block call for all of them, and any problem sends each row through the strict reader."""
    fast: list[bytes] = []
    numbers: list[int] = []
    for number, line in enumerate(lines, start=first):
        if len(line) <= MAX_ROW_BYTES and _cannot_hide_duplicate_keys(line, 1):
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


def _longest_line(body: bytes) -> int:
    longest = start = 0
    while (end := body.find(b"\n", start)) >= 0:
        longest, start = max(longest, end - start), end + 1
    return max(longest, len(body) - start)


def _check_block(check: RangeCheck, first: int, block: bytes, file: str) -> int:
    """Check the complete lines in `block`; returns how many there were."""
    lines = block.count(b"\n") + (not block.endswith(b"\n"))
    body = block.removesuffix(b"\n")
    # A block may hold a line over the row limit (the reader bounds what it holds, not each
    # line): only the careful path, which measures every line, may accept such a block.
    if (len(body) <= MAX_ROW_BYTES or _longest_line(body) <= MAX_ROW_BYTES) and \
            _cannot_hide_duplicate_keys(body, lines):
        try:
            rows = _ROWS.validate_json(b"[" + body.replace(b"\n", b",") + b"]")
        except ValidationError:
            pass
        else:
            _accept(check, rows, list(range(first, first + lines)), file)
            return lines
    _check_lines(check, first, body.split(b"\n"), file)
    return lines


def _check_overlong(check: RangeCheck, number: int, file: str) -> int:
    check.add(Finding(file, Code.FILE_TOO_LARGE,
                         f"row is over the {MAX_ROW_BYTES}-byte limit", line=number))
    return 1


def check_range(path: Path, start: int, end: int, file: str = PREDICTIONS_FILE) -> RangeCheck:
    check = RangeCheck()
    for block in blocks(path, start, end):
        if block is OVERLONG:
            check.lines += _check_overlong(check, check.lines + 1, file)
        else:
            check.lines += _check_block(check, check.lines + 1, block, file)
    return check
