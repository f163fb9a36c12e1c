"""kernel-metadata.json, the file `kaggle kernels push` reads: `evidence validate FILE` reads a
path of that name as Kaggle's metadata and reports its findings like a run's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from evidence.cli import main
from repo_paths import REPO
from runbuilder import build_run

COMMITTED = REPO / "notebooks" / "kernel-metadata.json"
GOOD: dict[str, Any] = {
    "id": "alice/gemma-reasoning", "title": "Gemma reasoning", "code_file": "nb.ipynb",
    "language": "python", "kernel_type": "notebook", "is_private": True, "enable_gpu": False,
    "enable_tpu": True, "enable_internet": True, "dataset_sources": ["alice/evidence"],
    "competition_sources": ["google-tunix-hackathon"], "kernel_sources": [],
    "model_sources": ["google/gemma-2/flax/gemma2-2b-it/1"]}


def write(folder: Path, document: Any, code_file: str | None = "nb.ipynb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if code_file:
        (folder / code_file).write_text("{}")
    path = folder / "kernel-metadata.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def findings(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, Any]]]:
    code = main(["validate", "--json", str(path)])
    report = json.loads(capsys.readouterr().out)
    return code, report["findings"]


def codes_at(found: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(finding["code"], finding["pointer"]) for finding in found}


def test_the_committed_metadata_is_valid_and_names_the_notebook_beside_it(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert findings(COMMITTED, capsys) == (0, [])
    metadata = json.loads(COMMITTED.read_text())
    assert metadata["code_file"] == "kaggle_submission.ipynb"
    assert metadata["kernel_type"] == "notebook" and metadata["language"] == "python"
    assert metadata["enable_tpu"] is True and metadata["enable_gpu"] is False


def test_a_complete_file_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert findings(write(tmp_path, GOOD), capsys) == (0, [])


def test_the_least_kaggle_needs_is_valid(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    least = {key: GOOD[key] for key in ("id", "title", "code_file", "language", "kernel_type")}
    assert findings(write(tmp_path, least), capsys) == (0, [])


def test_a_missing_code_file_is_a_finding_at_code_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found = findings(write(tmp_path, {**GOOD, "code_file": "other.ipynb"}), capsys)
    assert code == 1
    [finding] = found
    assert (finding["file"], finding["code"], finding["pointer"]) == (
        "kernel-metadata.json", "kernel_code_file_missing", "/code_file")
    assert "other.ipynb" in finding["message"] and "missing" in finding["message"]


def test_a_code_file_that_is_a_folder_is_not_there(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, {**GOOD, "code_file": "folder"}, code_file=None)
    (tmp_path / "folder").mkdir()
    code, found = findings(path, capsys)
    assert code == 1 and codes_at(found) == {("kernel_code_file_missing", "/code_file")}
    assert "a directory" in found[0]["message"]


def test_the_code_file_is_found_from_the_metadata_s_folder_not_the_working_directory(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "kernel", GOOD)
    monkeypatch.chdir(tmp_path)
    assert findings(Path("kernel") / "kernel-metadata.json", capsys) == (0, [])
    assert path.exists()


def test_gpu_and_tpu_together_is_a_finding(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, found = findings(write(tmp_path, {**GOOD, "enable_gpu": True}), capsys)
    assert code == 1 and codes_at(found) == {("schema_value", "/enable_tpu")}
    assert "one accelerator" in found[0]["message"]


@pytest.mark.parametrize("key, value", [
    ("id", "gemma-reasoning"),           # no owner
    ("id", "alice/gemm"),                # a slug of four characters: the CLI refuses it
    ("id", "alice/gemma reasoning"),     # a space
    ("id", "alice/gemma/reasoning"),     # three parts
    ("id", "-alice/gemma-reasoning"),    # a segment must start with a letter or digit
    ("title", "Gem"),                    # under five characters
    ("title", " Gemma reasoning"),       # white space at an end
    ("dataset_sources", ["alice"]),
    ("dataset_sources", ["alice/evidence/v2"]),  # a version is a number
    ("competition_sources", ["google/tunix"]),   # a competition is its slug alone
    ("kernel_sources", ["alice/nb"]),
    ("model_sources", ["google/gemma-2/flax"]),
    ("model_sources", ["google/gemma-2/flax/gemma2-2b-it/latest"]),
    ("machine_shape", "Nvidia Tesla T4"),
    ("id_no", 0),
])
def test_a_value_of_the_wrong_form_is_a_schema_value_at_its_pointer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: Any) -> None:
    code, found = findings(write(tmp_path, {**GOOD, key: value}), capsys)
    pointer = f"/{key}" if not isinstance(value, list) else f"/{key}/0"
    assert code == 1 and codes_at(found) == {("schema_value", pointer)}


@pytest.mark.parametrize("key, value", [
    ("language", "Python"), ("kernel_type", "kernel"), ("docker_image_pinning_type", "newest")])
def test_a_value_outside_kaggle_s_choices_is_a_schema_type_finding(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, value: str) -> None:
    code, found = findings(write(tmp_path, {**GOOD, key: value}), capsys)
    assert code == 1 and codes_at(found) == {("schema_type", f"/{key}")}


@pytest.mark.parametrize("key, value", [
    ("dataset_sources", ["alice/evidence/3"]),
    ("model_sources", ["google/gemma-2/flax/gemma2-2b-it"]),
    ("machine_shape", "NvidiaTeslaT4"),
    ("kernel_sources", ["alice/other-notebook"]),
    ("docker_image_pinning_type", "original"),
    ("id_no", 12345),
])
def test_the_forms_kaggle_accepts_are_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               key: str, value: Any) -> None:
    assert findings(write(tmp_path, {**GOOD, key: value}), capsys) == (0, [])


def test_the_message_says_the_form_not_a_pattern(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, [finding] = findings(write(tmp_path, {**GOOD, "id": "gemma"}), capsys)
    assert "owner/slug" in finding["message"] and "[A-Za-z" not in finding["message"]


@pytest.mark.parametrize("document, code, pointer", [
    ({**GOOD, "enable_internet": "true"}, "schema_type", "/enable_internet"),
    ({**GOOD, "accelerator": "tpu"}, "schema_unknown_key", "/accelerator"),
    ({key: value for key, value in GOOD.items() if key != "code_file"}, "schema_missing_key",
     "/code_file"),
    ('{"id": "alice/gemma-reasoning", "id": "alice/other-slug"}', "json_duplicate_key", "/id"),
    ('{"id": ', "json_syntax", None),
    ("[]", "json_not_object", None),
    ('{"is_private": NaN}', "json_non_finite", "/is_private"),
])
def test_it_is_read_as_strictly_as_every_document(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], document: Any, code: str,
        pointer: str | None) -> None:
    exit_code, found = findings(write(tmp_path, document), capsys)
    assert exit_code == 1 and (code, pointer) in codes_at(found)


def test_a_missing_file_is_a_usage_error(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "kernel-metadata.json")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_a_folder_of_that_name_is_a_finding_not_a_crash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "kernel-metadata.json").mkdir()
    code, found = findings(tmp_path / "kernel-metadata.json", capsys)
    assert code == 1 and codes_at(found) == {("file_unreadable", None)}


def test_runs_and_metadata_are_validated_in_one_call(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = build_run(tmp_path / "run")
    metadata = write(tmp_path / "kernel", {**GOOD, "enable_gpu": True})
    assert main(["validate", "--json", str(run), str(metadata)]) == 1
    runs = json.loads(capsys.readouterr().out)["result"]["runs"]
    assert [(entry["path"], entry["valid"]) for entry in runs] == [
        (str(run), True), (str(metadata), False)]


def test_the_human_report_names_the_file_the_pointer_and_the_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(COMMITTED, tmp_path / "kernel-metadata.json")
    assert main(["validate", str(tmp_path / "kernel-metadata.json")]) == 1
    out = capsys.readouterr().out
    assert "/code_file" in out and "kernel_code_file_missing" in out


def test_validate_s_help_says_it_reads_kernel_metadata(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--help"]) == 0
    assert "kernel-metadata.json" in capsys.readouterr().out
