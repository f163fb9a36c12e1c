"""Truth anchored outside the documents, through the real CLI: each case under
tests/fixtures/truth is a run its own documents would pass, and the recorded log, Kaggle's copy
of it, the data set or the fields that must fit each other catch (see make_truth.py)."""

from __future__ import annotations

import base64
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from repo_paths import FIXTURES, REPO

CASES = FIXTURES / "truth"
SHIPPED_DATASET = REPO / "src" / "training" / "data" / "dev-reasoning-v2.jsonl"


def evidence(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False)


def materialise(case: dict[str, Any], root: Path) -> dict[str, Path]:
    run = root / "run"
    for name, content in case["run"].items():
        path = run / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if "text" in content:
            path.write_text(content["text"])
        else:
            path.write_bytes(base64.b64decode(content["base64"]))
    paths = {"run": run, "shipped_dataset": SHIPPED_DATASET}
    for key in ("kaggle_log", "dataset"):
        if case[key] is not None:
            paths[key] = root / f"{key}.given"
            paths[key].write_text(case[key])
    return paths


def load(name: str) -> dict[str, Any]:
    return json.loads((CASES / f"{name}.json").read_text())


NAMES = sorted(path.stem for path in CASES.glob("*.json"))


@pytest.mark.parametrize("name", NAMES)
def test_case_gives_its_findings(name: str, tmp_path: Path) -> None:
    case = load(name)
    paths = materialise(case, tmp_path)
    for args in case["args"]:
        done = evidence(*(arg.format(**paths) for arg in args))
        envelope = json.loads(done.stdout)
        found = [(f["file"], f["code"], f["pointer"]) for f in envelope["findings"]]
        assert done.returncode == case["expect"]["exit"], (args, found)
        assert sorted({code for _, code, _ in found}) == case["expect"]["codes"], found
        for file, code, pointer in case["expect"]["includes"]:
            assert (file, code, pointer) in found, (file, code, pointer, found)


def test_a_finding_against_the_log_names_both_values_and_the_logs_line(tmp_path: Path) -> None:
    paths = materialise(load("smoke_run_relabelled_full_as_gemma2"), tmp_path)
    envelope = json.loads(evidence("validate", "--json", paths["run"]).stdout)
    mode = next(f for f in envelope["findings"]
                if f["code"] == "kaggle_log_mismatch" and f["pointer"] == "/mode"
                and f["file"] == "run_manifest.json")
    log_lines = (paths["run"] / "kaggle_output_log.txt").read_text().splitlines()
    assert '"full"' in mode["message"] and '"smoke"' in mode["message"]
    assert '"pointer":"/mode"' in log_lines[mode["line"] - 1]


def test_the_human_report_of_a_rewritten_run_says_kaggle_disagrees(tmp_path: Path) -> None:
    case = load("run_rewritten_wholesale_caught_by_kaggle_log")
    paths = materialise(case, tmp_path)
    done = evidence("validate", "--kaggle-log", paths["kaggle_log"], paths["run"])
    assert done.returncode == 1
    assert "kaggle_copy_mismatch" in done.stdout and "Kaggle's log" in done.stdout


def test_verify_compares_the_archived_run_with_kaggles_log(tmp_path: Path) -> None:
    case = load("run_rewritten_wholesale_caught_by_kaggle_log")
    paths = materialise(case, tmp_path)
    archive = tmp_path / "run.zip"
    assert evidence("package", paths["run"], "--out", archive).returncode == 0
    assert evidence("verify", archive).returncode == 0  # its own files agree
    done = evidence("verify", "--json", "--kaggle-log", paths["kaggle_log"], archive)
    codes = {f["code"] for f in json.loads(done.stdout)["findings"]}
    assert done.returncode == 1 and codes == {"kaggle_copy_mismatch"}
    honest = materialise(load("honest_run_checked_against_every_anchor"), tmp_path / "honest")
    assert evidence("package", honest["run"], "--out", tmp_path / "honest.zip").returncode == 0
    assert evidence("verify", "--kaggle-log", honest["kaggle_log"],
                    tmp_path / "honest.zip").returncode == 0


@pytest.mark.parametrize("content, says", [
    ("run: plain text\n", "not as Kaggle's JSON log"),
    ('[{"stream_name": "stdout", "time": 1, "data": "x\\n"}\n', "download it again"),
])
def test_a_file_that_is_not_kaggles_log_is_a_usage_error(tmp_path: Path, content: str,
                                                         says: str) -> None:
    paths = materialise(load("honest_run_checked_against_every_anchor"), tmp_path)
    given = tmp_path / "not-kaggle.log"
    given.write_text(content)
    archive = tmp_path / "run.zip"
    assert evidence("package", paths["run"], "--out", archive).returncode == 0
    for args in (("validate", "--kaggle-log", given, paths["run"]),
                 ("verify", "--kaggle-log", given, archive)):
        done = evidence(*args)
        assert done.returncode == 2 and says in done.stderr, done.stderr


def test_usage_errors_of_the_anchor_options(tmp_path: Path) -> None:
    paths = materialise(load("honest_run_checked_against_every_anchor"), tmp_path)
    two = evidence("validate", "--kaggle-log", paths["kaggle_log"], paths["run"], paths["run"])
    assert two.returncode == 2 and "one RUN_DIR" in two.stderr
    missing = evidence("validate", "--kaggle-log", tmp_path / "nope.log", paths["run"])
    assert missing.returncode == 2 and "kaggle kernels output" in missing.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "split": "eval"}\n')
    for dataset, says in ((tmp_path / "nope.jsonl", "no such file"),
                          (bad, f"{bad}:1: prompt: required key is missing")):
        done = evidence("validate", "--dataset", dataset, paths["run"])
        assert done.returncode == 2 and says in done.stderr, done.stderr


def test_kaggles_log_without_evidence_is_a_finding(tmp_path: Path) -> None:
    paths = materialise(load("honest_run_checked_against_every_anchor"), tmp_path)
    empty = tmp_path / "other.log"
    empty.write_text('[{"stream_name": "stdout", "time": 1.0, "data": "hello\\n"}]\n')
    done = evidence("validate", "--json", "--kaggle-log", empty, paths["run"])
    assert done.returncode == 1
    assert {f["code"] for f in json.loads(done.stdout)["findings"]} == {"kaggle_copy_mismatch"}


def load_make_truth() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_truth", CASES / "make_truth.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_cases_are_what_make_truth_makes(tmp_path: Path) -> None:
    make_truth = load_make_truth()
    make_truth.generate(tmp_path)
    made = sorted(path.name for path in tmp_path.glob("*.json"))
    assert made == sorted(path.name for path in CASES.glob("*.json"))
    for name in made:
        assert (tmp_path / name).read_text() == (CASES / name).read_text(), name
