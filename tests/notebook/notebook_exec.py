"""Executing notebooks/kaggle_submission.ipynb with papermill, on this machine as it is, or as a
simulated Kaggle session; and Kaggle's JSON log of an executed notebook, as `kaggle kernels
output` downloads it."""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import papermill
from papermill.exceptions import PapermillExecutionError

from repo_paths import REPO

NOTEBOOK = REPO / "notebooks" / "kaggle_submission.ipynb"
# Not a real token: built here, so no scanner mistakes the test for a leak.
FAKE_TOKEN = "hf_" + "NotebookTestOnly" + "0123456789abcdefXYZ"
# kaggle_secrets as Kaggle's image has it, for a simulated session: its secrets come from
# FAKE_KAGGLE_SECRETS (JSON), and a label it lacks raises, as Kaggle's client does.
FAKE_KAGGLE_SECRETS = textwrap.dedent('''
    import json, os


    class UserSecretsClient:
        def get_secret(self, label):
            secrets = json.loads(os.environ.get("FAKE_KAGGLE_SECRETS", "{}"))
            if label not in secrets:
                raise RuntimeError(f"No user secrets exist for kernel id 1 and label {label}")
            return secrets[label]
''')
# What the simulated Kaggle data set of the repository holds: the code and its configs.
REPOSITORY_PARTS = ("pyproject.toml", "README.md", "LICENSE", "configs", "notebooks", "src")


@dataclass
class Executed:
    notebook: dict[str, Any]
    error: PapermillExecutionError | None


def kernel_spec(root: Path) -> Path:
    """A Jupyter data folder whose python3 kernel is this interpreter (JUPYTER_PATH comes
    first), whatever kernels the machine has installed."""
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    return root


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """os.environ with these values while the kernel starts and runs (it inherits them)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def execute(output: Path, parameters: dict[str, Any], *, cwd: Path,
            env: dict[str, str]) -> Executed:
    """Run the notebook into `output` (never the committed file); an error stops it, as a
    Kaggle session or Run All stops, and is returned rather than raised."""
    output.parent.mkdir(parents=True, exist_ok=True)
    error = None
    with environment(**env):
        try:
            papermill.execute_notebook(str(NOTEBOOK), str(output), parameters=parameters,
                                       kernel_name="python3", cwd=str(cwd),
                                       progress_bar=False, start_timeout=120)
        except PapermillExecutionError as raised:
            error = raised
    return Executed(json.loads(output.read_text(encoding="utf-8")), error)


def kaggle_simulation(root: Path, secrets: dict[str, str]) -> tuple[dict[str, str], dict[str, Any]]:
    """A simulated Kaggle session under `root`: /kaggle/input (the repository as an attached
    data set, read-only as Kaggle's is), /kaggle/working (empty), a home, an empty working
    directory, and Kaggle's kaggle_secrets. Returns the environment and the parameters."""
    dataset = root / "input" / "evidence"
    for part in REPOSITORY_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dataset / part,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            dataset.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dataset / part)
    fakes = root / "fakes"
    fakes.mkdir()
    (fakes / "kaggle_secrets.py").write_text(FAKE_KAGGLE_SECRETS)
    for folder in ("working", "home", "cwd"):
        (root / folder).mkdir()
    read_only(root / "input")
    env = {"KAGGLE_KERNEL_RUN_TYPE": "Batch", "HOME": str(root / "home"),
           "PYTHONPATH": str(fakes), "FAKE_KAGGLE_SECRETS": json.dumps(secrets)}
    parameters = {"KAGGLE_WORKING": str(root / "working"), "KAGGLE_INPUT": str(root / "input"),
                  "INSTALL": "no"}
    return env, parameters


def read_only(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)


def writable(root: Path) -> None:
    """Undo read_only, so that pytest can remove the folder."""
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root: relative path -> (size, modification time)."""
    return {str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(root.rglob("*")) if path.is_file()}


def stream_outputs(notebook: dict[str, Any]) -> list[tuple[str, str]]:
    """(stream name, text) of every stream output, cell by cell, in order."""
    found = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream":
                text = output["text"]
                found.append((output["name"], "".join(text) if isinstance(text, list) else text))
    return found


def kaggle_json_log(notebook: dict[str, Any]) -> bytes:
    """The notebook's console log as Kaggle serves it: a JSON array of {stream_name, time,
    data}, one entry a line after a leading comma (the form src/evidence/logs/kaggle.py reads,
    tests/fill/logforms.py writes)."""
    entries = [{"stream_name": name, "time": round(1.5 + index * 0.25, 3), "data": text}
               for index, (name, text) in enumerate(stream_outputs(notebook))]
    lines = [json.dumps(entry, separators=(",", ":")) for entry in entries]
    return ("[" + "\n,".join(lines) + "]").encode("utf-8")


def cell_output(notebook: dict[str, Any], marker: str) -> str:
    """The stream text of the code cell whose source holds `marker`."""
    [cell] = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"
              and marker in "".join(cell["source"])]
    return "".join(text for _, text in stream_outputs({"cells": [cell]}))


def error_cell(notebook: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The source of the cell that stopped the notebook, and its error output."""
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                return "".join(cell["source"]), output
    raise AssertionError("no cell stopped the notebook")
