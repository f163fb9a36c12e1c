"""Huge numbers anywhere are a finding (or a clean "not equal"), never a crash or a slow bignum."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest
from hostile_support import DIGITS, HOSTILE, codes_of, evidence
from pydantic import TypeAdapter, ValidationError

from evidence.findings import Code
from evidence.io.strict_json import StrictJsonError, loads_strict
from evidence.logs import LogError, read_log_lines, scan_evidence
from evidence.models.kaggle import KAGGLE_RUN_ID_MAX, KaggleNotebookVersion, KaggleRunId
from evidence.models.lock import LOCK_FILE
from evidence.models.types import INT64_MAX, Count
from evidence.scoring.grader import answers_match, grade

DOCUMENTS = {
    "integer_of_5000_digits_at_steps.json": (Code.JSON_NUMBER_TOO_LARGE, "/steps"),
    "negative_integer_of_5000_digits.json": (Code.JSON_NUMBER_TOO_LARGE, "/a/1"),
    "float_overflowing_to_infinity.json": (Code.JSON_NON_FINITE, "/timings/train_seconds"),
    "nan_nested_in_a_list.json": (Code.JSON_NON_FINITE, "/scorecard/rates/1"),
}


@pytest.mark.parametrize("fixture", sorted(DOCUMENTS))
def test_strict_json_names_the_number_by_pointer(fixture: str) -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads_strict((HOSTILE / fixture).read_bytes())
    assert (caught.value.code, caught.value.pointer) == DOCUMENTS[fixture]


def test_an_int64_still_parses() -> None:
    assert loads_strict(b'{"a": %d, "b": -%d}' % (INT64_MAX, INT64_MAX)) == {
        "a": INT64_MAX, "b": -INT64_MAX}


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_huge_integer_in_a_document_keeps_the_rest_of_the_report(run_dir: Path) -> None:
    _replace(run_dir / "run_manifest.json", '"steps": 2', f'"steps": {DIGITS}')
    _replace(run_dir / "eval_summary.json", '"mode": "smoke"', f'"mode": {DIGITS}')
    outcome = evidence("validate", "--json", str(run_dir))
    assert outcome.code == 1
    by_file = {f["file"]: (f["code"], f["pointer"]) for f in outcome.findings}
    assert by_file["run_manifest.json"] == ("json_number_too_large", "/steps")
    assert by_file["eval_summary.json"] == ("json_number_too_large", "/mode")


@pytest.mark.parametrize("where", ["first", "middle"])
def test_huge_integer_in_a_prediction_row(run_dir: Path, where: str) -> None:
    path = run_dir / "predictions.jsonl"
    rows = path.read_text().splitlines()
    index = 0 if where == "first" else 3
    rows[index] = rows[index].replace('"correct"', f'"x":{DIGITS},"correct"')
    path.write_text("\n".join(rows) + "\n")
    outcome = evidence("validate", "--json", str(run_dir))
    assert outcome.code == 1
    [finding] = [f for f in outcome.findings if f["file"] == "predictions.jsonl"]
    assert (finding["code"], finding["pointer"], finding["line"]) == \
        ("json_number_too_large", "/x", index + 1)


def test_count_over_int64_is_a_schema_finding(run_dir: Path) -> None:
    _replace(run_dir / "run_manifest.json", '"steps": 2', f'"steps": {2**63}')
    outcome = evidence("validate", "--json", str(run_dir))
    assert [(f["code"], f["pointer"]) for f in outcome.findings] == [("schema_value", "/steps")]


def test_huge_integer_in_an_evidence_line_is_a_log_finding() -> None:
    with pytest.raises(LogError) as caught:
        list(scan_evidence(HOSTILE / "evidence_line_integer_of_5000_digits.txt"))
    assert caught.value.code is Code.LOG_EVIDENCE_UNREADABLE and caught.value.line == 2
    assert "5000 digits" in caught.value.message


def test_huge_integer_in_a_kaggle_entry_is_malformed() -> None:
    with pytest.raises(LogError) as caught:
        list(read_log_lines(HOSTILE / "kaggle_log_integer_of_5000_digits.json"))
    assert caught.value.code is Code.LOG_MALFORMED and caught.value.line == 1


def test_huge_integer_in_the_recorded_log_keeps_the_report(run_dir: Path) -> None:
    log = run_dir / "kaggle_output_log.txt"
    log.write_bytes(log.read_bytes() + (HOSTILE / "evidence_line_integer_of_5000_digits.txt")
                    .read_bytes())
    outcome = evidence("validate", "--json", str(run_dir))
    assert outcome.code == 1
    assert any(f["file"] == "kaggle_output_log.txt" for f in outcome.findings)


def test_huge_integer_in_an_archive_lock(run_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "run.zip"
    assert evidence("package", str(run_dir), "--out", str(archive)).code == 0
    with zipfile.ZipFile(archive) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    [lock] = [name for name in entries if name.endswith(LOCK_FILE)]
    text = entries[lock].decode()
    entries[lock] = text.replace('"size_bytes": ', f'"size_bytes": {DIGITS}', 1).encode()
    with zipfile.ZipFile(archive, "w") as target:
        for name, data in entries.items():
            target.writestr(name, data)
    outcome = evidence("verify", "--json", str(archive))
    assert outcome.code == 1
    assert "json_number_too_large" in {f["code"] for f in outcome.findings}


def test_huge_kaggle_run_id_option_is_a_clean_usage_error(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("nothing\n")
    outcome = evidence("fill", "--from-log", str(log), "--kaggle-run-id", "1" + "0" * 5000,
                       str(tmp_path))
    assert outcome.code == 2 and "--kaggle-run-id" in outcome.stderr
    assert len(outcome.stderr) < 500


@pytest.mark.parametrize(("kind", "largest"), [(KaggleRunId, KAGGLE_RUN_ID_MAX),
                                               (KaggleNotebookVersion, 2**31 - 1),
                                               (Count, INT64_MAX)])
def test_bounds_say_what_is_plausible(kind: object, largest: int) -> None:
    adapter: TypeAdapter[int] = TypeAdapter(kind)
    assert adapter.validate_python(largest) == largest
    with pytest.raises(ValidationError):
        adapter.validate_python(largest + 1)
    assert adapter.json_schema()["maximum"] == largest


def test_the_exported_schemas_state_the_bounds() -> None:
    schemas = Path(__file__).resolve().parents[2] / "schemas"
    manifest = json.loads((schemas / "run_manifest-1.0.schema.json").read_text())
    text = json.dumps(manifest)
    assert f'"maximum": {INT64_MAX}' in text and f'"maximum": {KAGGLE_RUN_ID_MAX}' in text


@pytest.mark.parametrize(("answer", "reference", "same"), [
    (DIGITS, DIGITS, True),
    (DIGITS, DIGITS[:-1] + "8", False),
    (f"1/{DIGITS}", f"1/{DIGITS}", True),
    (f"1/{DIGITS}", "0", False),
    (f"{DIGITS}/{DIGITS}", "1", False),
    ("1" * 4000 + "." + "1" * 4000, "1", False),
])
def test_grader_compares_huge_numbers_quickly_and_cleanly(answer: str, reference: str,
                                                          same: bool) -> None:
    start = time.perf_counter()
    assert answers_match(answer, reference) is same
    graded = grade(f"<reasoning>r</reasoning><answer>{answer}</answer>", reference)
    assert graded.format_ok and graded.correct is same
    assert time.perf_counter() - start < 0.05


def test_huge_answer_in_a_prediction_row_is_graded(run_dir: Path) -> None:
    path = run_dir / "predictions.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[0].update(response=f"<reasoning>r</reasoning><answer>1/{DIGITS}</answer>",
                   extracted_answer=f"1/{DIGITS}", reference_answer=f"1/{DIGITS}")
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    outcome = evidence("validate", "--json", str(run_dir))
    assert outcome.code == 1  # the digests are stale now, nothing else
    assert codes_of(outcome, "predictions.jsonl") == []
