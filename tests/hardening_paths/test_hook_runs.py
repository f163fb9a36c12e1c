"""The hook through the real CLI: an enclosing run is validated with the nested one, a touched run
whose manifest is gone or dangling is a finding, and --template patterns match one path segment
at a time."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidence.validation.hook import matches_template, run_directories
from runbuilder import build_run

M36 = Path(__file__).parents[2] / "submission_runs" / "m36_v1"


def hook(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", "hook", "--json", *args],
                          capture_output=True, text=True, check=False, cwd=cwd, timeout=60)


def runs_of(result: subprocess.CompletedProcess[str]) -> dict[str, list[dict[str, str]]]:
    assert "Traceback" not in result.stderr, result.stderr
    return {run["path"]: run["findings"] for run in json.loads(result.stdout)["result"]["runs"]}


def test_a_nested_run_validates_the_enclosing_run_too(tmp_path: Path) -> None:
    build_run(tmp_path / "outer")
    build_run(tmp_path / "outer" / "inner")
    result = hook("outer/inner/predictions.jsonl", cwd=tmp_path)
    runs = runs_of(result)
    assert set(runs) == {"outer", "outer/inner"}
    assert runs["outer/inner"] == []
    # The outer run does not list the inner run's files: that is what the commit changes.
    assert {finding["code"] for finding in runs["outer"]} == {"artifact_unlisted"}
    assert result.returncode == 1


def test_every_enclosing_level_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for run in ("a", "a/b", "a/b/c"):
        (tmp_path / run).mkdir(parents=True, exist_ok=True)
        (tmp_path / run / "run_manifest.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    assert run_directories(["a/b/c/d/file.bin"]) == [Path("a"), Path("a/b"), Path("a/b/c")]


def test_deleted_manifest_is_a_finding(tmp_path: Path) -> None:
    run = build_run(tmp_path / "runs" / "a")
    (run / "run_manifest.json").unlink()
    result = hook("runs/a/eval_summary.json", cwd=tmp_path)
    findings = runs_of(result)["runs/a"]
    assert ("run_manifest.json", "file_missing") in {(f["file"], f["code"]) for f in findings}
    assert result.returncode == 1


def test_touched_deleted_manifest_alone_is_a_finding(tmp_path: Path) -> None:
    run = build_run(tmp_path / "runs" / "a")
    for name in ("run_manifest.json", "eval_summary.json", "predictions.jsonl"):
        (run / name).unlink()
    result = hook("runs/a/run_manifest.json", cwd=tmp_path)
    assert "runs/a" in runs_of(result) and result.returncode == 1


def test_dangling_manifest_link_is_a_finding(tmp_path: Path) -> None:
    run = build_run(tmp_path / "runs" / "a")
    (run / "run_manifest.json").unlink()
    (run / "run_manifest.json").symlink_to("gone.json")
    result = hook("runs/a/predictions.jsonl", cwd=tmp_path)
    findings = runs_of(result)["runs/a"]
    assert ("run_manifest.json", "file_unreadable") in {(f["file"], f["code"]) for f in findings}
    assert result.returncode == 1


@pytest.mark.parametrize(("path", "pattern", "matches"), [
    ("templates/m36", "templates/*", True),
    ("templates/team/run", "templates/*", False),
    ("templates/team/run", "templates/*/*", True),
    ("templates/team/run", "templates/**", True),
    ("templates/team/deep/run", "templates/**/run", True),
    ("templates/run", "templates/**/run", True),
    ("other/templates/run", "templates/**", False),
    ("submission_runs/m36_v1", "submission_runs/m36_v1", True),
    ("submission_runs/m36_v1", "submission_runs/m36_v1/", True),
    ("submission_runs/m36_v1", "./submission_runs/m36_?1", True),
    ("submission_runs/m36_v10", "submission_runs/m36_v1", False),
    ("a/b", "*", False),
])
def test_template_patterns_match_segment_by_segment(path: str, pattern: str,
                                                    matches: bool) -> None:
    assert matches_template(path, pattern) is matches


def test_template_star_does_not_reach_a_nested_template_through_the_cli(tmp_path: Path) -> None:
    shutil.copytree(M36, tmp_path / "templates" / "team" / "m36")
    touched = "templates/team/m36/run_manifest.json"
    refused = hook("--template", "templates/*", touched, cwd=tmp_path)
    assert refused.returncode == 1
    assert "template_unfilled" in {f["code"] for f in runs_of(refused)["templates/team/m36"]}
    assert hook("--template", "templates/**", touched, cwd=tmp_path).returncode == 0
