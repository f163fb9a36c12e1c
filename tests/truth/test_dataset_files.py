"""`evidence validate --dataset PATH` with a user's data set file: the same files the trainer
takes (one reader, one row model), refused with the same words, and a run trained on such a
file checked against it: ids, references, sections, categories, difficulties, digest, counts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from evidence import EVAL_SUMMARY_FILE, MANIFEST_FILE, Prediction, describe_artifact, grade
from evidence.cli import main
from repo_paths import FIXTURES
from runbuilder import build_run
from training.dataset.registry import Dataset, load_dataset
from training.errors import TrainingError
from training.evidence_out import dataset_ref

DATASETS = FIXTURES / "datasets"
EXAMPLE = DATASETS / "example_own_data.jsonl"


def read(path: Path) -> Any:
    return json.loads(path.read_text())


def write(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def predictions_of(dataset: Dataset) -> list[Prediction]:
    """What an evaluation of the file's eval split gives: every other answer right."""
    rows = []
    for index, item in enumerate(dataset.eval):
        answer = item.answer if index % 2 == 0 else "wrong"
        response = f"<reasoning>worked it out</reasoning><answer>{answer}</answer>"
        graded = grade(response, item.answer)
        rows.append(Prediction(item_id=item.id, section=item.section, category=item.category,
                               difficulty=item.difficulty, response=response,
                               extracted_answer=graded.extracted_answer,
                               reference_answer=item.answer, correct=graded.correct,
                               format_ok=graded.format_ok))
    return rows


def trained_on(path: Path, run: Path, rows: list[Prediction] | None = None) -> Path:
    """A run as the trainer writes it from the data set file at `path`: its predictions, and
    the data set named in both documents as the trainer names it (dataset_ref, and the
    manifest's dataset_source where the manifest has one), digests relisted."""
    dataset = load_dataset(str(path))
    build_run(run, predictions_of(dataset) if rows is None else rows)
    ref = dataset_ref(dataset).model_dump(mode="json")
    for name in (MANIFEST_FILE, EVAL_SUMMARY_FILE):
        document = read(run / name)
        document["dataset"] = ref
        if "dataset_source" in document:
            document["dataset_source"] = dataclasses.asdict(dataset.source)
        write(run / name, document)
    manifest = read(run / MANIFEST_FILE)
    manifest["artifacts"] = [describe_artifact(run, item["path"]).model_dump(mode="json")
                             for item in manifest["artifacts"]]
    write(run / MANIFEST_FILE, manifest)
    return run


def validate(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, Any, str]:
    code = main(["validate", "--json", *map(str, args)])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def codes(envelope: Any) -> list[tuple[str, str, str | None]]:
    return sorted((f["file"], f["code"], f["pointer"]) for f in envelope["findings"])


@pytest.mark.parametrize("given", [EXAMPLE, DATASETS / "good_minimal.jsonl",
                                   DATASETS / "dir_one_file"])
def test_a_run_trained_on_a_user_file_validates_against_it(
        given: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = trained_on(given, tmp_path / "run")
    code, envelope, _ = validate(capsys, "--dataset", given, run)
    assert (code, codes(envelope)) == (0, [])


def test_the_defaults_are_what_the_predictions_must_repeat(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """good_minimal has no section, category or difficulty: a row that claims one differs."""
    dataset = load_dataset(str(DATASETS / "good_minimal.jsonl"))
    [row] = predictions_of(dataset)
    assert (row.section, row.category, row.difficulty) == ("unspecified", "unspecified", "medium")
    relabelled = row.model_copy(update={"section": "algebra", "difficulty": "hard"})
    run = trained_on(DATASETS / "good_minimal.jsonl", tmp_path / "run", [relabelled])
    code, envelope, _ = validate(capsys, "--dataset", DATASETS / "good_minimal.jsonl", run)
    assert code == 1
    assert codes(envelope) == [("predictions.jsonl", "dataset_item_mismatch", "/difficulty"),
                               ("predictions.jsonl", "dataset_item_mismatch", "/section")]


def test_another_file_is_caught_by_its_digest_and_its_answers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = trained_on(EXAMPLE, tmp_path / "run")
    rows = [json.loads(line) for line in EXAMPLE.read_text().splitlines()]
    first_eval = next(row for row in rows if row["split"] == "eval")
    first_eval["answer"] = "12345"
    other = tmp_path / "other.jsonl"
    other.write_text("".join(json.dumps(row) + "\n" for row in rows))
    code, envelope, _ = validate(capsys, "--dataset", other, run)
    assert code == 1
    found = codes(envelope)
    assert ("run_manifest.json", "dataset_identity_mismatch", "/dataset/sha256") in found
    assert ("predictions.jsonl", "dataset_item_mismatch", "/reference_answer") in found


@pytest.mark.parametrize("name", ["bad_duplicate_id.jsonl", "bad_not_utf8.jsonl",
                                  "bad_train_row_without_target_or_reasoning.jsonl",
                                  "bad_empty_eval_split.jsonl", "dir_two_files"])
def test_a_file_the_trainer_refuses_is_a_usage_error_in_the_same_words(
        name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    given = DATASETS / name
    with pytest.raises(TrainingError) as refused:
        load_dataset(str(given))
    run = build_run(tmp_path / "run")
    code, envelope, err = validate(capsys, "--dataset", given, run)
    assert code == 2
    assert err == f"evidence: {refused.value.message}\n"
    assert envelope["ok"] is False and envelope["error"] == refused.value.message


def test_the_doc_names_the_example_file_and_both_commands() -> None:
    doc = (FIXTURES.parent.parent / "docs" / "TRAINING_MODES.md").read_text()
    section = doc.split("## Your own data", 1)[1].split("\n## ", 1)[0]
    path = "tests/fixtures/datasets/example_own_data.jsonl"
    assert f"--dataset {path}" in section
    assert f"evidence validate --dataset {path}" in section
    assert "python -m training.run_train_jax" in section
