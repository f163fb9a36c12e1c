"""--dataset PATH: a user's JSONL file (or a directory holding one) in the documented row format.
The trainer's loader and `evidence validate --dataset` read it through one reader and one row
model, so they accept and refuse the same files, with the same words, every bad row named as
FILE:LINE: field: problem."""

from __future__ import annotations

import hashlib
import json
import os
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidence.models.dataset_file import (
    DEFAULT_CATEGORY,
    DEFAULT_DIFFICULTY,
    DEFAULT_SECTION,
    DatasetRow,
    file_dataset_name,
    file_dataset_version,
    response_text,
)
from evidence.validation.checks.dataset import read_dataset_file
from evidence.validation.dataset_file import MAX_BAD_ROWS, DatasetFileError
from repo_paths import FIXTURES
from training.dataset.registry import DATA_DIR, DEV_REASONING_V2, load_dataset
from training.errors import TrainingError

DATASETS = FIXTURES / "datasets"
GOOD = ["good_minimal", "good_every_field", "good_crlf_and_blank_lines", "example_own_data"]
# Each bad file -> its bad rows: (line, field or None for the whole row, words of the problem).
# Line None: a problem of the whole file.
BAD: dict[str, list[tuple[int | None, str | None, str]]] = {
    "bad_missing_answer": [(2, "answer", "required key is missing")],
    "bad_wrong_split": [(3, "split", "'train' or 'eval'")],
    "bad_duplicate_id": [(3, "id", "'t1' is the id of line 1 too")],
    "bad_not_json": [(2, None, "invalid JSON")],
    "bad_row_not_an_object": [(3, None, "the top level is a JSON list")],
    "bad_duplicate_key": [(2, "answer", "key appears twice")],
    "bad_not_utf8": [(2, None, "not UTF-8")],
    "bad_train_row_without_target_or_reasoning": [(1, "target", "a train row needs target")],
    "bad_empty_eval_split": [(None, None, "no eval rows")],
    "bad_empty_train_split": [(None, None, "no train rows")],
    "bad_empty_file": [(None, None, "holds no rows")],
    "bad_unknown_key": [(2, "anwser", "unknown key")],
    "bad_difficulty": [(2, "difficulty", "'easy', 'medium' or 'hard'")],
    "bad_target_graded_wrong": [(1, "target", "answers '5', which the grader does not accept")],
    "bad_target_not_in_graded_format": [(1, "target", "not in the graded format")],
    "bad_target_and_reasoning": [(1, "target, reasoning", "give one, not both")],
    "bad_blank_reasoning": [(1, "reasoning", "must not be empty")],
    "bad_id_and_section_not_names": [(1, "id", "letters, digits"),
                                     (2, "section", "without space at either end")],
    "bad_answer_holds_a_tag": [(2, "answer", "no response can be graded correct")],
    "bad_numbers_not_strings": [(2, "id", "valid string"), (2, "answer", "valid string")],
}


def trainer_refusal(path: Path) -> str:
    with pytest.raises(TrainingError) as refused:
        load_dataset(str(path))
    return refused.value.message


def validate_refusal(path: Path) -> str:
    with pytest.raises(DatasetFileError) as refused:
        read_dataset_file(path)
    return refused.value.message


def test_every_case_file_is_named_by_a_test() -> None:
    names = {path.stem for path in DATASETS.glob("*.jsonl")}
    assert names == set(GOOD) | set(BAD)


@pytest.mark.parametrize("name", GOOD)
def test_a_good_file_loads_with_its_source_and_digest(name: str) -> None:
    path = DATASETS / f"{name}.jsonl"
    dataset = load_dataset(str(path))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert dataset.sha256 == dataset.spec.sha256 == digest
    assert (dataset.source.kind, dataset.source.name, dataset.source.path,
            dataset.source.sha256) == ("file", None, str(path), digest)
    assert dataset.spec.name == file_dataset_name(path) == name
    assert dataset.spec.version == f"file-{digest[:12]}" == file_dataset_version(digest)
    assert dataset.train and dataset.eval
    assert all(item.target for item in dataset.train)
    known = read_dataset_file(path)  # validate reads the same file the same way
    assert (known.sha256, known.train_items, len(known.eval_digests)) == \
        (digest, len(dataset.train), len(dataset.eval))


def test_absent_optional_fields_take_the_documented_defaults() -> None:
    dataset = load_dataset(str(DATASETS / "good_minimal.jsonl"))
    for item in dataset.items:
        assert (item.section, item.category, item.difficulty) == \
            (DEFAULT_SECTION, DEFAULT_CATEGORY, DEFAULT_DIFFICULTY) == \
            ("unspecified", "unspecified", "medium")
    [train] = dataset.train
    assert train.target == response_text("2 + 2 = 4.", "4") == \
        "<reasoning>2 + 2 = 4.</reasoning><answer>4</answer>"
    [evaluated] = dataset.eval
    assert evaluated.target is None


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_is_refused_alike_naming_every_bad_row(name: str) -> None:
    path = DATASETS / f"{name}.jsonl"
    message = trainer_refusal(path)
    assert message == validate_refusal(path)  # one rule, one message
    header, *lines = message.splitlines()
    assert header == (f"--dataset {path}: not a data set file; the row format is in "
                      "docs/TRAINING_MODES.md#your-own-data")
    expected = BAD[name]
    assert len(lines) == len(expected), lines
    for line, (number, field, words) in zip(lines, expected, strict=True):
        where = f"{path}:{number}: " if number is not None else f"{path}: "
        prefix = where + (f"{field}: " if field else "")
        assert line.startswith(prefix) and words in line, (line, prefix, words)


def test_a_kaggle_input_directory_with_one_jsonl_file_is_that_file() -> None:
    directory = DATASETS / "dir_one_file"
    dataset = load_dataset(str(directory))
    assert dataset.source.path == str(directory / "my-data.jsonl")
    assert dataset.spec.name == "my-data"
    assert read_dataset_file(directory).sha256 == dataset.sha256


@pytest.mark.parametrize("name, says", [
    ("dir_two_files", "holds 2 .jsonl files (a.jsonl, b.jsonl)"),
    ("dir_no_jsonl", "holds no .jsonl file"),
])
def test_a_directory_without_exactly_one_jsonl_file_is_refused(name: str, says: str) -> None:
    directory = DATASETS / name
    message = trainer_refusal(directory)
    assert message == validate_refusal(directory)
    assert message.startswith(f"--dataset {directory}: ") and says in message
    assert "give the file itself" in message


def test_past_the_bound_bad_rows_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    rows = [{"id": f"e{n}", "prompt": "p", "answer": "4", "split": "eval"} for n in range(3)]
    rows += [{"id": f"t{n}", "prompt": "p", "answer": "4", "split": "train"}
             for n in range(MAX_BAD_ROWS + 7)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    lines = trainer_refusal(path).splitlines()[1:]
    assert len(lines) == MAX_BAD_ROWS + 1
    assert lines[0].startswith(f"{path}:4: target: a train row needs")
    assert lines[MAX_BAD_ROWS - 1].startswith(f"{path}:{3 + MAX_BAD_ROWS}: ")
    assert lines[-1] == "... and 7 more bad rows"


def test_an_overlong_row_is_named_not_held(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    good = DATASETS.joinpath("good_minimal.jsonl").read_bytes()
    path.write_bytes(good + b'{"id": "x", "prompt": "' + b"a" * (5 * 2**20) + b'"}\n')
    [line] = trainer_refusal(path).splitlines()[1:]
    assert line.startswith(f"{path}:3: a row of more than 4 MiB")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "data.jsonl"
    os.mkfifo(fifo)
    assert "not a regular file" in trainer_refusal(fifo)
    assert "not a regular file" in validate_refusal(fifo)


def test_a_path_the_manifest_cannot_record_is_refused_before_reading(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120) / ("f" * 90 + ".jsonl")
    deep.parent.mkdir()
    deep.write_bytes(DATASETS.joinpath("good_minimal.jsonl").read_bytes())
    assert "at most 200 characters" in trainer_refusal(deep)


def test_the_shipped_file_is_a_valid_file_of_the_format() -> None:
    shipped = load_dataset("dev-reasoning-v2")
    as_file = load_dataset(str(DATA_DIR / DEV_REASONING_V2.filename))
    assert as_file.items == shipped.items
    assert as_file.sha256 == shipped.sha256 == DEV_REASONING_V2.sha256
    assert (shipped.source.kind, shipped.source.name, shipped.source.path) == \
        ("shipped", "dev-reasoning-v2", None)
    assert as_file.source.kind == "file"


def test_neither_a_name_nor_a_path_says_both(tmp_path: Path) -> None:
    message = trainer_refusal(tmp_path / "nope.jsonl")
    assert "is not a known data set (known: dev-reasoning-v2), nor a file or directory" in message


# --- any valid file loads, and loads as written -----------------------------------------------

# Words of any script, without tags (<, >), control, format or separator characters: a Name.
WORD = st.text(st.characters(codec="utf-8", exclude_characters="<>",
                             exclude_categories=("Cc", "Cf", "Cs", "Zl", "Zp", "Zs")),
               min_size=1, max_size=12)
TEXT = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
IDS = st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=20).filter(
    lambda text: text[0].isalnum())
ANSWERS = st.one_of(st.integers(-999, 999).map(str), st.sampled_from(["yes", "no", "3/4"]))


@st.composite
def rows(draw: st.DrawFn, split: str) -> dict[str, Any]:
    row: dict[str, Any] = {"id": "", "prompt": draw(TEXT), "answer": draw(ANSWERS),
                           "split": split}
    for key, value in (("section", TEXT), ("category", TEXT),
                       ("difficulty", st.sampled_from(["easy", "medium", "hard"]))):
        if draw(st.booleans()):
            row[key] = draw(value)
    learn = draw(st.sampled_from(["target", "reasoning"] + (["none"] if split == "eval" else [])))
    if learn == "target":
        row["target"] = response_text(draw(TEXT), row["answer"])
    elif learn == "reasoning":
        row["reasoning"] = draw(TEXT)
    return row


@st.composite
def files(draw: st.DrawFn) -> list[dict[str, Any]]:
    made = [draw(rows("train")) for _ in range(draw(st.integers(1, 4)))]
    made += [draw(rows("eval")) for _ in range(draw(st.integers(1, 4)))]
    made = draw(st.permutations(made))
    ids = draw(st.lists(IDS, min_size=len(made), max_size=len(made), unique=True))
    return [{**row, "id": item_id} for row, item_id in zip(made, ids, strict=True)]


def write_rows(path: Path, made: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in made),
                    encoding="utf-8")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=files())
def test_any_valid_file_loads_as_written(tmp_path: Path, made: list[dict[str, Any]]) -> None:
    path = tmp_path / "drawn.jsonl"
    write_rows(path, made)
    dataset = load_dataset(str(path))
    assert [item.id for item in dataset.items] == [row["id"] for row in made]
    for item, row in zip(dataset.items, made, strict=True):
        parsed = DatasetRow.model_validate(row)
        assert DatasetRow.model_validate_json(parsed.model_dump_json()) == parsed
        assert (item.section, item.category, item.difficulty, item.answer, item.split) == \
            (row.get("section", DEFAULT_SECTION), row.get("category", DEFAULT_CATEGORY),
             row.get("difficulty", DEFAULT_DIFFICULTY), row["answer"], row["split"])
        assert item.target == parsed.training_target
    known = read_dataset_file(path)
    assert (known.sha256, known.train_items, len(known.eval_digests)) == \
        (dataset.sha256, len(dataset.train), len(dataset.eval))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made=files(), data=st.data())
def test_a_row_missing_a_required_field_is_named_by_both(tmp_path: Path,
                                                        made: list[dict[str, Any]],
                                                        data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(made) - 1))
    key = data.draw(st.sampled_from(["id", "prompt", "answer", "split"]))
    made[index] = {name: value for name, value in made[index].items() if name != key}
    path = tmp_path / "drawn.jsonl"
    write_rows(path, made)
    message = trainer_refusal(path)
    assert message == validate_refusal(path)
    assert f"{path}:{index + 1}: {key}: required key is missing" in message.splitlines()
