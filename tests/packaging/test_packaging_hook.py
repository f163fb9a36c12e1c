"""The pre-commit hook's own logic, run in-process: files to run directories, templates, exits."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging_support import M36, REPO
from pre_commit.clientlib import load_config, load_manifest

from evidence.validation.hook import is_template, run_directories
from runbuilder import build_run


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository root holding two runs and a copy of the milestone template; the hook runs
    from the root, as pre-commit runs it."""
    build_run(tmp_path / "runs" / "a")
    build_run(tmp_path / "runs" / "b")
    shutil.copytree(M36, tmp_path / "templates" / "m36")
    (tmp_path / "README.md").write_text("not evidence\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def hook(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", "hook", *args],
                          capture_output=True, text=True, check=False)


def test_files_map_to_their_run_once(repo: Path) -> None:
    files = ["runs/a/run_manifest.json", "runs/a/checkpoint/flax_model.msgpack",
             "runs/b/predictions.jsonl", "README.md", "runs/notes.txt",
             "templates/m36/eval_summary.json"]
    assert run_directories(files) == [Path("runs/a"), Path("runs/b"), Path("templates/m36")]


def test_a_file_belongs_to_the_nearest_run_above_it(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for run in ("outer", "outer/inner"):
        (tmp_path / run).mkdir(parents=True)
        (tmp_path / run / "run_manifest.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert run_directories(["outer/inner/deep/x.txt", "outer/y.txt"]) == \
        [Path("outer"), Path("outer/inner")]


def test_deleted_or_unknown_files_still_find_their_run(repo: Path) -> None:
    assert run_directories(["runs/a/removed.bin", "nowhere/file.txt"]) == [Path("runs/a")]


def test_template_patterns_match_the_run_path() -> None:
    assert is_template(Path("templates/m36"), ["templates/*"])
    assert is_template(Path("submission_runs/m36_v1"), ["submission_runs/m36_v1"])
    assert not is_template(Path("submission_runs/m36_v2"), ["submission_runs/m36_v1"])
    assert not is_template(Path("runs/a"), [])


def test_valid_runs_pass(repo: Path) -> None:
    result = hook("runs/a/run_manifest.json", "runs/b/eval_summary.json")
    assert result.returncode == 0, result.stdout


def test_broken_run_fails_with_its_findings(repo: Path) -> None:
    (repo / "runs/b/checkpoint/flax_model.msgpack").write_bytes(b"changed")
    result = hook("runs/a/run_manifest.json", "runs/b/eval_summary.json")
    assert result.returncode == 1
    assert "artifact_size_mismatch" in result.stdout
    assert "runs/a: valid" in result.stdout and "runs/b: 1 finding" in result.stdout


def test_template_needs_the_template_argument(repo: Path) -> None:
    touched = "templates/m36/run_manifest.json"
    assert hook(touched).returncode == 1
    assert hook("--template", "templates/*", touched).returncode == 0


def test_template_argument_still_checks_everything_else(repo: Path) -> None:
    manifest = repo / "templates/m36/run_manifest.json"
    manifest.write_text(manifest.read_text().replace('"bfloat16"', '"bf16"'))
    result = hook("--template", "templates/*", str(manifest.relative_to(repo)))
    assert result.returncode == 1 and "/model/dtype" in result.stdout


def test_no_run_touched_passes_silently(repo: Path) -> None:
    result = hook("README.md")
    assert result.returncode == 0 and result.stdout == ""


def test_hook_never_imports_the_ml_stack(repo: Path) -> None:
    code = ("import sys; from evidence.cli import main; main(['hook', 'runs/a/run_manifest.json']);"
            " print(sorted({'jax', 'flax', 'optax', 'transformers', 'torch'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.stdout.strip().endswith("[]"), result.stdout + result.stderr


def test_hook_manifest_and_config_are_what_pre_commit_accepts() -> None:
    [offered] = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert offered["id"] == "evidence-validate" and offered["language"] == "python"
    assert offered["entry"] == "evidence hook" and offered["require_serial"] is True
    config = load_config(str(REPO / ".pre-commit-config.yaml"))
    [own] = [hook for repo in config["repos"] for hook in repo["hooks"]
             if hook["id"] == "evidence-validate"]
    assert own["id"] == "evidence-validate" and own["files"] == "^submission_runs/"
    assert own["args"] == ["--template", "submission_runs/m36_v1"]
