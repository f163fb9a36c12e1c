"""A complete run validates; each way of breaking it is caught with a finding that says where.

The cases that one run directory shows, with exactly its findings as (file, code, pointer), are
folders under tests/fixtures/runs (tests/test_example_runs.py); the tests here are the ones that
say more than a folder does (the line in predictions.jsonl) or sweep many variants of a break."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence.findings import Code, Finding
from evidence.validation.run import RunDirectoryError, validate_run

MANIFEST = "run_manifest.json"
SUMMARY = "eval_summary.json"
PREDICTIONS = "predictions.jsonl"


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


def edit_rows(path: Path, change: Callable[[list[str]], list[str]]) -> None:
    lines = path.read_text().splitlines()
    path.write_text("\n".join(change(lines)) + "\n")


def set_row_field(line: str, key: str, value: object) -> str:
    row = json.loads(line)
    row[key] = value
    return json.dumps(row)


def only(findings: list[Finding], code: Code) -> list[Finding]:
    return [finding for finding in findings if finding.code == code]


def test_complete_run_is_valid(run_dir: Path) -> None:
    report = validate_run(run_dir)
    assert report.findings == []
    assert report.valid


def test_not_a_directory_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(RunDirectoryError):
        validate_run(tmp_path / "absent")


@pytest.mark.parametrize(("document", "at", "value"), [
    (MANIFEST, ["steps"], "2"),
    (MANIFEST, ["device", "count"], True),
    (MANIFEST, ["git", "dirty"], 0),
    (MANIFEST, ["kaggle", "kaggle_run_id"], "212345678"),
    (MANIFEST, ["kaggle", "kaggle_notebook_version"], 7.5),
    (MANIFEST, ["timings", "train_seconds"], "30"),
    (MANIFEST, ["artifacts", 0, "size_bytes"], "10"),
    (MANIFEST, ["model", "parameter_count"], None),
    (SUMMARY, ["scorecard", "overall", "n_items"], "6"),
    (SUMMARY, ["scorecard", "per_section", "logic", "accuracy"], "0.5"),
    (SUMMARY, ["dataset", "eval_items"], [6]),
])
def test_type_swap_is_caught_at_its_pointer(run_dir: Path, document: str, at: list,
                                            value: object) -> None:
    def swap(data: dict) -> None:
        target = data
        for key in at[:-1]:
            target = target[key]
        target[at[-1]] = value

    edit_json(run_dir / document, swap)
    findings = validate_run(run_dir).findings
    expected = "/" + "/".join(str(key) for key in at)
    assert any(f.file == document and f.code == Code.SCHEMA_TYPE and f.pointer == expected
               for f in findings), findings


@pytest.mark.parametrize(("document", "at"), [
    (MANIFEST, []),
    (MANIFEST, ["model"]),
    (MANIFEST, ["kaggle"]),
    (MANIFEST, ["artifacts", 2]),
    (SUMMARY, ["scorecard", "per_difficulty", "easy"]),
    (SUMMARY, ["dataset"]),
])
def test_unknown_key_at_any_depth(run_dir: Path, document: str, at: list) -> None:
    def add(data: dict) -> None:
        target = data
        for key in at:
            target = target[key]
        target["surprise"] = 1

    edit_json(run_dir / document, add)
    findings = validate_run(run_dir).findings
    pointer = "/" + "/".join(str(key) for key in [*at, "surprise"])
    assert any(f.code == Code.SCHEMA_UNKNOWN_KEY and f.pointer == pointer for f in findings)


def test_unknown_key_in_a_prediction_row_names_its_line(run_dir: Path) -> None:
    edit_rows(run_dir / PREDICTIONS, lambda rows: [rows[0], set_row_field(rows[1], "x", 1),
                                                   *rows[2:]])
    finding = only(validate_run(run_dir).findings, Code.SCHEMA_UNKNOWN_KEY)[0]
    assert (finding.file, finding.line, finding.pointer) == (PREDICTIONS, 2, "/x")


def test_duplicated_prediction_row(run_dir: Path) -> None:
    edit_rows(run_dir / PREDICTIONS, lambda rows: [*rows, rows[2]])
    findings = only(validate_run(run_dir).findings, Code.DUPLICATE_ITEM_ID)
    assert [(f.line, f.pointer) for f in findings] == [(7, "/item_id")]


def test_garbled_prediction_row(run_dir: Path) -> None:
    edit_rows(run_dir / PREDICTIONS, lambda rows: [rows[0], rows[1].replace('"', "'"), *rows[2:]])
    finding = only(validate_run(run_dir).findings, Code.JSON_SYNTAX)[0]
    assert (finding.file, finding.line) == (PREDICTIONS, 2)


def test_truncated_prediction_row(run_dir: Path) -> None:
    path = run_dir / PREDICTIONS
    path.write_bytes(path.read_bytes()[:-25])
    finding = only(validate_run(run_dir).findings, Code.JSON_SYNTAX)[0]
    assert (finding.file, finding.line) == (PREDICTIONS, 6)


def test_blank_line_between_rows(run_dir: Path) -> None:
    edit_rows(run_dir / PREDICTIONS, lambda rows: [rows[0], "", *rows[1:]])
    finding = only(validate_run(run_dir).findings, Code.JSON_EMPTY)[0]
    assert (finding.file, finding.line) == (PREDICTIONS, 2)


def test_flipped_correct(run_dir: Path) -> None:
    edit_rows(run_dir / PREDICTIONS,
              lambda rows: [rows[0], set_row_field(rows[1], "correct", True), *rows[2:]])
    finding = only(validate_run(run_dir).findings, Code.PREDICTION_GRADE_MISMATCH)[0]
    assert (finding.file, finding.line, finding.pointer) == (PREDICTIONS, 2, "/correct")


def test_flipped_format_ok(run_dir: Path) -> None:
    edit_rows(run_dir / PREDICTIONS,
              lambda rows: [*rows[:3], set_row_field(rows[3], "format_ok", True), *rows[4:]])
    finding = only(validate_run(run_dir).findings, Code.PREDICTION_GRADE_MISMATCH)[0]
    assert (finding.line, finding.pointer) == (4, "/format_ok")


@pytest.mark.parametrize("part", ["overall", "per_section/logic", "per_category/syllogism",
                                  "per_difficulty/hard"])
def test_scorecard_count_off_by_one(run_dir: Path, part: str) -> None:
    def bump(data: dict) -> None:
        score = data["scorecard"]
        for key in part.split("/"):
            score = score[key]
        score["n_items"] += 1
        score["accuracy"] = score["n_correct"] / score["n_items"]
        score["format_rate"] = score["n_format_ok"] / score["n_items"]

    edit_json(run_dir / SUMMARY, bump)
    findings = validate_run(run_dir).findings
    # Caught twice over: the breakdowns no longer partition the overall count (a model rule),
    # or, when they still do, the recomputed scorecard disagrees.
    assert any(f.file == SUMMARY and (f.pointer == f"/scorecard/{part}/n_items" or
                                      (f.pointer == "/scorecard" and "sums to" in f.message))
               for f in findings), findings


@pytest.mark.parametrize("artifact", ["predictions.jsonl", "eval_summary.json",
                                      "kaggle_output_log.txt", "checkpoint/flax_model.msgpack"])
def test_a_byte_changed_in_any_artifact(run_dir: Path, artifact: str) -> None:
    path = run_dir / artifact
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    findings = validate_run(run_dir).findings
    assert any(f.code == Code.ARTIFACT_DIGEST_MISMATCH and f.file == MANIFEST for f in findings)


@pytest.mark.parametrize("path", ["../outside.txt", "/etc/passwd", "checkpoint/../../x",
                                  "a\\b", "checkpoint/"])
def test_artifact_path_leaving_the_run(run_dir: Path, path: str) -> None:
    edit_json(run_dir / MANIFEST, lambda data: data["artifacts"][3].update(path=path))
    findings = validate_run(run_dir).findings
    assert any(f.code == Code.SCHEMA_VALUE and f.pointer == "/artifacts/3/path"
               for f in findings)


@pytest.mark.parametrize(("field", "value"), [
    ("kaggle_notebook_url", "https://kaggle.com/code/alice/x"),
    ("kaggle_notebook_url", "https://www.kaggle.com/alice/x"),
    ("kaggle_notebook_version", 0),
    ("kaggle_run_id", -5),
])
def test_kaggle_field_forms(run_dir: Path, field: str, value: object) -> None:
    edit_json(run_dir / MANIFEST, lambda data: data["kaggle"].update({field: value}))
    findings = validate_run(run_dir).findings
    assert any(f.code == Code.SCHEMA_VALUE and f.pointer == f"/kaggle/{field}" for f in findings)


def test_times_must_carry_a_zone(run_dir: Path) -> None:
    edit_json(run_dir / MANIFEST,
              lambda data: data["timings"].update(started_at="2026-11-25T09:00:00"))
    assert any(f.pointer == "/timings/started_at" for f in validate_run(run_dir).findings)


def test_finish_before_start(run_dir: Path) -> None:
    edit_json(run_dir / MANIFEST,
              lambda data: data["timings"].update(finished_at="2026-11-25T08:00:00Z"))
    assert any(f.pointer == "/timings" for f in validate_run(run_dir).findings)
