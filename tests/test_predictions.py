"""The streaming predictions check: same answers on every path (block, strict, parallel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.findings import Code
from evidence.io.atomic import dump_jsonl
from evidence.validation import predictions
from evidence.validation.predictions import check_predictions, parallel, reader
from evidence.validation.predictions import rows as row_checks
from runbuilder import sample_predictions


def write(tmp_path: Path, text: bytes) -> Path:
    path = tmp_path / "predictions.jsonl"
    path.write_bytes(text)
    return path


def rows_bytes(count: int) -> list[bytes]:
    base = sample_predictions()
    rows = [base[i % len(base)].model_copy(update={"item_id": f"item-{i}"}) for i in range(count)]
    return dump_jsonl(rows).splitlines(keepends=True)


def test_duplicate_key_in_a_row_is_never_taken_silently(tmp_path: Path) -> None:
    line = rows_bytes(1)[0].replace(b'"correct":', b'"correct":true,"correct":', 1)
    [finding] = check_predictions(write(tmp_path, line)).findings
    assert (finding.code, finding.line, finding.pointer) == (Code.JSON_DUPLICATE_KEY, 1,
                                                             "/correct")


@pytest.mark.parametrize("separators", [(",", ":"), (", ", " : "), (",", "\t:\t")])
def test_duplicate_key_hidden_by_a_missing_one(tmp_path: Path, separators: tuple) -> None:
    """Same number of keys as a good row, one twice and one missing: still caught."""
    row = json.loads(rows_bytes(1)[0])
    colon = separators[1]
    text = json.dumps(row, separators=separators).replace(f'"section"{colon}',
                                                          f'"category"{colon}', 1)
    findings = check_predictions(write(tmp_path, text.encode() + b"\n")).findings
    assert findings[0].code == Code.JSON_DUPLICATE_KEY


@pytest.mark.parametrize("separators", [(", ", ": "), (" , ", " : "), (",\t", ":\t")])
def test_rows_in_any_json_spacing_are_read_alike(tmp_path: Path, separators: tuple) -> None:
    text = b"".join(json.dumps(json.loads(line), separators=separators).encode() + b"\r\n"
                    for line in rows_bytes(6))
    result = check_predictions(write(tmp_path, text))
    assert result.findings == [] and result.rows == 6


def test_quotes_and_colons_inside_a_response(tmp_path: Path) -> None:
    row = json.loads(rows_bytes(1)[0])
    row["response"] = 'He said "x": 1, then \\"y\\": 2 ' + row["response"]
    row["format_ok"], row["extracted_answer"], row["correct"] = False, None, False
    result = check_predictions(write(tmp_path, json.dumps(row).encode() + b"\n"))
    assert result.findings == [] and result.scores.overall.n_items == 1


def test_overlong_row_is_reported_and_reading_goes_on(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_ROW_BYTES", 1000)
    monkeypatch.setattr(row_checks, "MAX_ROW_BYTES", 1000)
    monkeypatch.setattr(reader, "BLOCK_BYTES", 256)
    good = rows_bytes(3)
    text = good[0] + b'{"item_id": "' + b"x" * 5000 + b'"}\n' + good[1] + good[2]
    result = check_predictions(write(tmp_path, text))
    assert [(f.code, f.line) for f in result.findings] == [(Code.FILE_TOO_LARGE, 2)]
    assert result.rows == 4 and result.scores.overall.n_items == 3


def test_last_row_without_newline(tmp_path: Path) -> None:
    text = b"".join(rows_bytes(4)).rstrip(b"\n")
    assert check_predictions(write(tmp_path, text)).rows == 4


def test_empty_file(tmp_path: Path) -> None:
    [finding] = check_predictions(write(tmp_path, b"")).findings
    assert finding.code == Code.JSON_EMPTY


def test_findings_are_capped(tmp_path: Path) -> None:
    findings = check_predictions(write(tmp_path, b"nope\n" * 1000)).findings
    assert len(findings) == predictions.MAX_FINDINGS + 1
    assert "800 more" in findings[-1].message


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(count=st.integers(1, 120), broken=st.sets(st.integers(0, 119), max_size=5),
       block=st.integers(64, 4096))
def test_parallel_blocks_and_strict_paths_agree(tmp_path_factory: pytest.TempPathFactory,
                                                count: int, broken: set[int],
                                                block: int) -> None:
    lines = rows_bytes(count)
    for index in broken & set(range(count)):
        lines[index] = lines[index].replace(b'"difficulty":"', b'"difficulty":"x', 1)
    path = write(tmp_path_factory.mktemp("p"), b"".join(lines))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "BLOCK_BYTES", 1 << 30)
        patch.setattr(parallel, "PARALLEL_ABOVE_BYTES", 1 << 40)
        reference = check_predictions(path)
        patch.setattr(reader, "BLOCK_BYTES", block)
        patch.setattr(parallel, "PARALLEL_ABOVE_BYTES", 0)
        split = check_predictions(path)
    assert split.findings == reference.findings
    assert split.scores.scorecard() == reference.scores.scorecard()
    assert sorted(f.line or 0 for f in reference.findings) == \
        sorted(index + 1 for index in broken if index < count)
