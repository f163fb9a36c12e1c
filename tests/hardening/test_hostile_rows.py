"""Row limits hold on every path (the block fast path too), and a blank line is a json_empty
finding but not a prediction row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_support import evidence

from evidence.findings import Code
from evidence.validation.predictions import check_predictions
from evidence.validation.predictions.reader import MAX_ROW_BYTES
from runbuilder import sample_predictions


def rows_with(tmp_path: Path, index: int, pad: int) -> Path:
    """The sample rows, valid, with row `index`'s response padded to `pad` bytes."""
    rows = [row.model_dump(mode="json") for row in sample_predictions()]
    rows[index]["response"] = "x" * pad  # not well formed, and the row says so
    rows[index].update(extracted_answer=None, format_ok=False, correct=False)
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(b"".join(json.dumps(row, separators=(",", ":")).encode() + b"\n"
                              for row in rows))
    return path


@pytest.mark.parametrize("pad", [MAX_ROW_BYTES + 1, MAX_ROW_BYTES + 1024**2,
                                 2 * MAX_ROW_BYTES, 3 * MAX_ROW_BYTES])
@pytest.mark.parametrize("index", [0, 3])
def test_a_valid_row_over_the_limit_is_refused(tmp_path: Path, pad: int, index: int) -> None:
    result = check_predictions(rows_with(tmp_path, index, pad))
    assert [(f.code, f.line) for f in result.findings] == [(Code.FILE_TOO_LARGE, index + 1)]


def test_a_row_just_under_the_limit_is_accepted(tmp_path: Path) -> None:
    result = check_predictions(rows_with(tmp_path, 2, MAX_ROW_BYTES - 400))
    assert result.findings == [] and result.rows == 6


@pytest.mark.parametrize("blank", [b"\n", b"   \n", b"\r\n"])
@pytest.mark.parametrize("where", [0, 3, 6])
def test_a_blank_line_is_a_finding_but_not_a_row(tmp_path: Path, blank: bytes,
                                                 where: int) -> None:
    lines = [row.model_dump_json().encode() + b"\n" for row in sample_predictions()]
    lines.insert(where, blank)
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(b"".join(lines))
    result = check_predictions(path)
    assert [(f.code, f.line) for f in result.findings] == [(Code.JSON_EMPTY, where + 1)]
    assert result.rows == 6 and result.scores.scorecard().overall.n_items == 6


def test_a_blank_line_gives_no_scorecard_mismatch(run_dir: Path) -> None:
    path = run_dir / "predictions.jsonl"
    path.write_bytes(path.read_bytes() + b"\n")
    outcome = evidence("validate", "--json", str(run_dir))
    codes = {(f["file"], f["code"]) for f in outcome.findings}
    assert ("predictions.jsonl", "json_empty") in codes
    assert ("predictions.jsonl", "scorecard_mismatch") not in codes
