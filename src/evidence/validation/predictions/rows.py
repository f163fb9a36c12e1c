"""Checking blocks of rows: validate, prove no duplicate key, then re-grade and tally
(accept.py).

This is validate's hot path. A block of lines is decoded and validated by one call (not one per
row; shape.py) and accepted whole when a byte count proves it holds no duplicate key (proof.py);
a block with any problem is re-read row by row, the rows that can still go fast in one call, the
rest through the strict reader and the model, to name each line's finding.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from evidence.findings import Code, Finding
from evidence.io.pydantic_errors import pydantic_findings
from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.models.prediction import PREDICTIONS_FILE, Prediction
from evidence.validation.predictions import shape
from evidence.validation.predictions.accept import RangeCheck, accept_rows
from evidence.validation.predictions.proof import (
    colons_prove_no_duplicate,
    count_byte,
    whitespace_proves_no_duplicate,
)
from evidence.validation.predictions.reader import MAX_ROW_BYTES, OVERLONG, blocks
from evidence.validation.predictions.shape import Row


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
    accept_rows(check, [shape.of_model(row)], [number], file)


def as_array(block: bytes) -> bytearray:
    """The lines of `block` as one JSON array, for one decoder call: two copies of the block,
    where slicing and concatenating bytes would make four."""
    array = bytearray(b"[")
    array += block
    if block.endswith(b"\n"):
        array[-1] = ord("]")
    else:
        array.append(ord("]"))
    return array.replace(b"\n", b",")


def _validated(array: bytes | bytearray, count: int) -> list[Row] | None:
    """The rows of `array` (a JSON array of the lines), when every one validates and there are
    `count` of them; None otherwise."""
    rows = shape.decode(array)
    # A line holding two objects would make more rows than lines.
    return rows if rows is not None and len(rows) == count else None


def _check_lines(check: RangeCheck, first: int, lines: list[bytes], file: str) -> None:
    """The careful path for a block that did not pass whole: the rows that can go fast still do,
    one block call for all of them, and any problem sends each row through the strict reader."""
    fast: list[bytes] = []
    numbers: list[int] = []
    for number, line in enumerate(lines, start=first):
        if len(line) <= MAX_ROW_BYTES and whitespace_proves_no_duplicate(line, 1):
            fast.append(line)
            numbers.append(number)
        else:
            _check_row_strictly(check, number, line, file)
    rows = _validated(b"[" + b",".join(fast) + b"]", len(fast))
    if rows is None:
        for number, line in zip(numbers, fast, strict=True):
            _check_row_strictly(check, number, line, file)
    else:
        accept_rows(check, rows, numbers, file)
    check.findings.sort(key=lambda finding: finding.line or 0)


def _longest_line(body: bytes) -> int:
    longest = start = 0
    while (end := body.find(b"\n", start)) >= 0:
        longest, start = max(longest, end - start), end + 1
    return max(longest, len(body) - start)


def _check_block(check: RangeCheck, first: int, block: bytes, file: str) -> int:
    """Check the complete lines in `block`; returns how many there were."""
    lines = count_byte(block, b"\n") + (not block.endswith(b"\n"))
    # A block may hold a line over the row limit (the reader bounds what it holds, not each
    # line): only the careful path, which measures every line, may accept such a block.
    if len(block) <= MAX_ROW_BYTES or _longest_line(block.removesuffix(b"\n")) <= MAX_ROW_BYTES:
        rows = _validated(as_array(block), lines)
        if rows is not None and colons_prove_no_duplicate(block, rows):
            accept_rows(check, rows, range(first, first + lines), file)
            return lines
    _check_lines(check, first, block.removesuffix(b"\n").split(b"\n"), file)
    return lines


def _check_overlong(check: RangeCheck, number: int, file: str) -> int:
    check.add(Finding(file, Code.FILE_TOO_LARGE,
                      f"row is over the {MAX_ROW_BYTES}-byte limit", line=number))
    return 1


def check_blocks(pieces: Iterable[bytes], file: str = PREDICTIONS_FILE,
                 shared_hash_key: bool = False) -> RangeCheck:
    """Check consecutive blocks of whole lines (as reader.read_blocks gives them); line numbers
    count from the first block's first line. `shared_hash_key`: see accept.id_digests."""
    check = RangeCheck(shared_hash_key=shared_hash_key)
    for block in pieces:
        if block is OVERLONG:
            check.lines += _check_overlong(check, check.lines + 1, file)
        else:
            check.lines += _check_block(check, check.lines + 1, block, file)
    return check


def check_range(path: Path, start: int, end: int, file: str = PREDICTIONS_FILE) -> RangeCheck:
    """Check path[start:end], which begins and ends at line boundaries (reader.line_ranges)."""
    return check_blocks(blocks(path, start, end), file)
