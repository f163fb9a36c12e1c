"""The committed notebook is clean (no outputs, execution counts, run metadata, machine paths or
secrets), its parameters cell is papermill's and mirrors the milestone's smoke_cmd, and
scripts/check_notebook.py, which the pre-commit hook runs, catches each kind of dirt."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from repo_paths import REPO

sys.path.insert(0, str(REPO / "scripts"))

import check_notebook

NOTEBOOK = REPO / "notebooks" / "kaggle_submission.ipynb"
SMOKE_CMD_NAMES = {"CONFIG_PATH", "SMOKE_CONFIG_PATH", "OUTPUT_DIR", "DATASET", "DEVICE",
                   "SMOKE_STEPS", "MODE"}


def committed() -> dict[str, Any]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))


def code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_the_committed_notebook_has_no_problems() -> None:
    assert check_notebook.problems(NOTEBOOK) == []


def test_no_outputs_and_no_execution_counts() -> None:
    for cell in code_cells(committed()):
        assert cell["outputs"] == [] and cell["execution_count"] is None


def test_the_only_absolute_paths_are_kaggle_s() -> None:
    text = NOTEBOOK.read_text(encoding="utf-8")
    assert "/kaggle/working" in text and "/kaggle/input" in text
    absolute = set(re.findall(r"(?<![\w.~-])/[a-z]+/", text))
    assert absolute <= {"/kaggle/"}, absolute


def test_the_parameters_cell_is_papermill_s_first_code_cell() -> None:
    cells = code_cells(committed())
    tagged = [cell for cell in cells if "parameters" in cell["metadata"].get("tags", [])]
    assert tagged == [cells[0]]


def test_the_parameters_mirror_the_smoke_cmd_and_default_to_the_smoke_run() -> None:
    values: dict[str, Any] = {}
    exec(check_notebook.source_of(code_cells(committed())[0]), values)
    assert set(values) >= SMOKE_CMD_NAMES
    assert (values["MODE"], values["SMOKE_STEPS"], values["DEVICE"]) == ("smoke", 2, "auto")
    assert values["CONFIG_PATH"] == "configs/submission_gemma_flax.yaml"
    assert values["SMOKE_CONFIG_PATH"] == "configs/smoke_tiny.yaml"
    assert (REPO / values["CONFIG_PATH"]).is_file()
    assert (REPO / values["SMOKE_CONFIG_PATH"]).is_file()
    assert values["DATASET"] == "dev-reasoning-v2"


def test_every_code_cell_is_python() -> None:
    for index, cell in enumerate(code_cells(committed())):
        compile(check_notebook.python_of(check_notebook.source_of(cell)), f"cell {index}", "exec")


def _dirty(change: str) -> dict[str, Any]:
    notebook = copy.deepcopy(committed())
    first = code_cells(notebook)[1]
    if change == "outputs":
        first["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    elif change == "execution_count":
        first["execution_count"] = 3
    elif change == "cell metadata":
        first["metadata"]["papermill"] = {"duration": 1.0}
    elif change == "notebook metadata":
        notebook["metadata"]["papermill"] = {"parameters": {}}
    elif change == "syntax":
        first["source"] = ["def broken(:\n"]
    else:
        first["source"] = [f"X = {change!r}\n"]
    return notebook


@pytest.mark.parametrize("change, says", [
    ("outputs", "has outputs"),
    ("execution_count", "has an execution count"),
    ("cell metadata", "metadata 'papermill' records a run"),
    ("notebook metadata", "metadata 'papermill' records a run"),
    ("syntax", "not Python"),
    ("/home/alice/evidence/configs", "an absolute path of a machine"),
    ("/work/main/runs", "an absolute path of a machine"),
    ("/tmp/run", "an absolute path of a machine"),
    ("C:\\Users\\alice", "an absolute path of a machine"),
    ("hf_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q", "a Hugging Face token"),
    ("0123456789abcdef0123456789abcdef", "a Kaggle API key"),
    ("ghp_" + "A" * 36, "a GitHub token"),
])
def test_each_kind_of_dirt_is_a_problem(tmp_path: Path, change: str, says: str) -> None:
    path = tmp_path / "dirty.ipynb"
    path.write_text(json.dumps(_dirty(change)), encoding="utf-8")
    assert any(says in problem for problem in check_notebook.problems(path))


def test_a_secret_assigned_in_a_cell_is_a_problem(tmp_path: Path) -> None:
    notebook = copy.deepcopy(committed())
    code_cells(notebook)[1]["source"] = ['os.environ["HF_TOKEN"] = "abcdefgh12345678"\n',
                                         'hf_token = "abcdefgh12345678"\n']
    path = tmp_path / "secret.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert any("a literal assigned to a secret's name" in problem
               for problem in check_notebook.problems(path))


def test_a_file_that_is_not_a_notebook_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "a.ipynb").write_text("{")
    (tmp_path / "b.ipynb").write_text('{"nbformat": 3, "cells": []}')
    assert check_notebook.problems(tmp_path / "a.ipynb")[0].startswith("not JSON")
    assert check_notebook.problems(tmp_path / "b.ipynb") == ["nbformat: not an nbformat 4 notebook"]


def test_the_script_exits_0_clean_1_dirty_2_missing(tmp_path: Path) -> None:
    dirty = tmp_path / "dirty.ipynb"
    dirty.write_text(json.dumps(_dirty("outputs")), encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(REPO / "scripts" / "check_notebook.py"),
                               *args], capture_output=True, text=True, cwd=REPO, check=False)

    assert run().returncode == 0  # notebooks/*.ipynb, as the hook runs it without arguments
    assert run(str(NOTEBOOK)).returncode == 0
    result = run(str(dirty))
    assert result.returncode == 1 and f"{dirty}: cell 3: has outputs" in result.stdout
    assert run(str(tmp_path / "missing.ipynb")).returncode == 2


def test_pre_commit_runs_the_same_check_on_the_notebooks_and_validates_kernel_metadata() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    clean, metadata = hooks["notebook-clean"], hooks["kernel-metadata"]
    assert clean["entry"].endswith("scripts/check_notebook.py")
    assert re.search(clean["files"], "notebooks/kaggle_submission.ipynb")
    assert metadata["entry"] == ".venv/bin/evidence validate"
    assert re.search(metadata["files"], "notebooks/kernel-metadata.json")


def test_the_dev_extra_installs_what_runs_the_notebook_in_tests() -> None:
    import tomllib

    dev = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["dev"]
    names = {re.split(r"[<>=\[ ]", requirement, maxsplit=1)[0] for requirement in dev}
    assert {"papermill", "ipykernel"} <= names
