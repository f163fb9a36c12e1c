"""The notebook really runs: executed end to end on this CPU with its default parameters (only
OUTPUT_DIR moved under the test's folder), and again as a simulated Kaggle session
(KAGGLE_KERNEL_RUN_TYPE=Batch, /kaggle/working and /kaggle/input mapped to temporary folders).
Each execution trains the smoke run, as the notebook does; the runs they leave are then taken
through what the last cell says: fill from Kaggle's JSON log with the Kaggle flags, package,
verify against that log.

The Tunix pair of configs is not executed here (80 s more of CI): its install extras and its
backend check are tested in test_notebook_backends.py, its stop in test_notebook_stops.py, and
its smoke run through the launcher in tests/training/tunix.

Two trainings of about a minute each: marked slow, and still in CI (scripts/test.sh runs every
test).
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from notebook_exec import (
    FAKE_TOKEN,
    Executed,
    cell_output,
    execute,
    kaggle_json_log,
    kaggle_simulation,
    kernel_spec,
    tree,
    writable,
)

from repo_paths import REPO

pytestmark = pytest.mark.slow

KAGGLE_URL = "https://www.kaggle.com/code/alice/gemma-reasoning"
KAGGLE_FLAGS = ["--kaggle-url", KAGGLE_URL, "--kaggle-version", "3",
                "--kaggle-run-id", "212345678"]
OPEN_FIELDS = ["/kaggle/kaggle_notebook_url", "/kaggle/kaggle_notebook_version",
               "/kaggle/kaggle_run_id"]
TRAINER_FILES = {"run_manifest.json", "eval_summary.json", "predictions.jsonl", "metrics.jsonl",
                 "checkpoint"}


def evidence(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kernel_spec(tmp_path_factory.mktemp("jupyter"))


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory, jupyter: Path) -> tuple[Executed, Path]:
    """The notebook as a user runs it here: in the checkout's notebooks/ folder, defaults."""
    root = tmp_path_factory.mktemp("plain")
    env = {"JUPYTER_PATH": str(jupyter), "XDG_CACHE_HOME": str(root / "cache")}
    executed = execute(root / "executed.ipynb", {"OUTPUT_DIR": str(root / "out")},
                       cwd=REPO / "notebooks", env=env)
    assert executed.error is None, f"{executed.error}"
    return executed, root


@pytest.fixture(scope="module")
def kaggle(tmp_path_factory: pytest.TempPathFactory, jupyter: Path,
           plain: tuple[Executed, Path]) -> Iterator[tuple[Executed, Path, dict[str, Any]]]:
    """A simulated Kaggle session (Batch: Save & Run All) with HF_TOKEN among its secrets."""
    root = tmp_path_factory.mktemp("kaggle")
    env, parameters = kaggle_simulation(root, {"HF_TOKEN": FAKE_TOKEN})
    env["JUPYTER_PATH"] = str(jupyter)
    # The preflight's compile cache from the first execution, in this session's own home:
    # the same figures, a compile saved.
    shutil.copytree(plain[1] / "cache", root / "home" / ".cache")
    before = {"input": tree(root / "input"), "repo": _repo_outputs()}
    executed = execute(root / "executed" / "executed.ipynb", parameters, cwd=root / "cwd",
                       env=env)
    assert executed.error is None, f"{executed.error}"
    yield executed, root, before
    writable(root / "input")


def _repo_outputs() -> dict[str, Any]:
    """Where the notebook would write in this checkout if it took it for its code: its default
    output folder off Kaggle, and the notebook's own folder."""
    return {folder: tree(REPO / folder) for folder in ("runs/notebook", "notebooks")}


# The plain execution


def test_the_run_validates_with_only_the_kaggle_fields_open(plain: tuple[Executed, Path]) -> None:
    run = plain[1] / "out" / "smoke"
    assert evidence("validate", "--allow-template", run).returncode == 0
    strict = evidence("validate", "--json", run)
    findings = json.loads(strict.stdout)["findings"]
    assert strict.returncode == 1
    assert sorted((f["code"], f["pointer"]) for f in findings) == [
        ("template_unfilled", pointer) for pointer in OPEN_FIELDS]


def test_the_run_is_the_trainer_s_and_its_log_lies_beside_it(plain: tuple[Executed, Path]) -> None:
    out = plain[1] / "out"
    assert {path.name for path in (out / "smoke").iterdir()} == TRAINER_FILES
    assert sorted(path.name for path in out.iterdir()) == [
        "smoke", "smoke.kaggle_output_log.txt", "smoke.report.html"]


def test_the_log_is_what_the_notebook_showed_of_the_training(
        plain: tuple[Executed, Path]) -> None:
    executed, root = plain
    shown = cell_output(executed.notebook, "nb.train_command(")
    log = (root / "out" / "smoke.kaggle_output_log.txt").read_text(encoding="utf-8")
    # The cell shows its command first; the rest is the trainer's, line for line.
    command, _, streamed = shown.partition("\n")
    assert command.startswith("$ python -m training.run_train_jax --config ")
    assert Counter(streamed.splitlines()) == Counter(log.splitlines())
    assert sum(line.startswith("@evidence/1 ") for line in log.splitlines()) >= 20
    assert "\x1b[" not in log and "\r" not in log  # lines, not a terminal's bars


def test_the_notebook_shows_the_advice_the_preflight_s_verdict_and_the_report(
        plain: tuple[Executed, Path]) -> None:
    notebook = plain[0].notebook
    devices = cell_output(notebook, "nb.detect_devices(")
    assert "recommended: the smoke run" in devices and "verdict: fits" in devices
    shown = cell_output(notebook, '("validate", "--allow-template", RUN_DIR)')
    assert "$ evidence validate --allow-template" in shown and "valid" in shown
    assert "$ evidence show --allow-template" in shown
    pages = ["".join(output["data"]["text/html"]) for cell in notebook["cells"]
             for output in cell.get("outputs", []) if output["output_type"] == "display_data"]
    assert len(pages) == 1 and pages[0].startswith("<iframe srcdoc=")
    assert "open, to fill after the session: kaggle_notebook_url" in cell_output(
        notebook, "nb.outputs_text(")


def test_filled_from_kaggle_s_json_log_it_packages_and_the_archive_verifies(
        plain: tuple[Executed, Path], tmp_path: Path) -> None:
    executed, root = plain
    run = tmp_path / "smoke"
    shutil.copytree(root / "out" / "smoke", run)
    log = tmp_path / "gemma-reasoning.log"
    log.write_bytes(kaggle_json_log(executed.notebook))
    filled = evidence("fill", "--from-log", log, run, *KAGGLE_FLAGS)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert (run / "kaggle_output_log.txt").read_bytes() == log.read_bytes()
    assert evidence("validate", run).returncode == 0
    archive = tmp_path / "run.zip"
    assert evidence("package", run, "--out", archive).returncode == 0
    verified = evidence("verify", archive, "--kaggle-log", log)
    assert verified.returncode == 0, verified.stdout + verified.stderr


# The simulated Kaggle session


def test_on_kaggle_the_notebook_writes_only_under_its_kaggle_paths(
        kaggle: tuple[Executed, Path, dict[str, Any]]) -> None:
    _, root, before = kaggle
    working = root / "working"
    assert sorted(path.name for path in working.iterdir()) == [
        "evidence", "smoke", "smoke.kaggle_output_log.txt", "smoke.report.html"]
    assert (working / "evidence" / "pyproject.toml").is_file()  # the code, from the input
    assert list((root / "cwd").iterdir()) == []
    assert tree(root / "input") == before["input"]
    assert _repo_outputs() == before["repo"]


def test_on_kaggle_the_secret_is_never_shown_nor_written(
        kaggle: tuple[Executed, Path, dict[str, Any]]) -> None:
    executed, root, _ = kaggle
    assert FAKE_TOKEN not in json.dumps(executed.notebook)
    assert "HF_TOKEN: from Kaggle Secrets (not shown)" in cell_output(
        executed.notebook, "nb.load_secrets(")
    for path in (root / "working").rglob("*"):
        if path.is_file():
            assert FAKE_TOKEN.encode() not in path.read_bytes(), path


def test_the_steps_after_the_session_run_as_the_last_cell_prints_them(
        kaggle: tuple[Executed, Path, dict[str, Any]], tmp_path: Path) -> None:
    executed, root, _ = kaggle
    text = cell_output(executed.notebook, "nb.next_steps(")
    commands = [shlex.split(line) for line in text.splitlines()
                if line.startswith(("kaggle ", "evidence "))]
    download, *steps = commands
    assert download == ["kaggle", "kernels", "output", "OWNER/evidence-kaggle-submission", "-p",
                        "kaggle-output/evidence-kaggle-submission"]
    assert [step[1] for step in steps] == ["fill", "validate", "package", "verify"]
    assert "when this version has finished" in text  # a Batch session: already a version
    # What `kaggle kernels output` gives: /kaggle/working's files, and Kaggle's JSON log.
    folder = tmp_path / download[-1]
    shutil.copytree(root / "working", folder)
    (folder / "evidence-kaggle-submission.log").write_bytes(kaggle_json_log(executed.notebook))
    for step in steps:
        args = [{"N": "3", "ID": "212345678"}.get(word, word) for word in step[1:]]
        done = evidence(*args, cwd=tmp_path)
        assert done.returncode == 0, f"{shlex.join(step)}\n{done.stdout}{done.stderr}"
    assert len(list(folder.glob("smoke-*.zip"))) == 1
