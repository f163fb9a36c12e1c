"""The hook's regression gate: `evidence hook --baseline ARCHIVE` compares each touched run of
the baseline's mode with it, and fails the commit on a regression or an unpaired run."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from pairs import run_of

from evidence.cli import main
from evidence.io.atomic import write_model_atomic
from evidence.io.digest import describe_artifact
from evidence.models.eval_summary import EVAL_SUMMARY_FILE, EvalSummary
from evidence.models.manifest import MANIFEST_FILE, RunManifest
from evidence.packaging.package import package_run


def _outcomes(right: float, seed: int = 0, n: int = 80) -> list[tuple[bool, bool]]:
    rng = random.Random(seed)
    return [(ok, True) for ok in (rng.random() < right for _ in range(n))]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with a baseline archive of a run that gets 70 % of 80 items right."""
    monkeypatch.chdir(tmp_path)
    base = _outcomes(0.7)
    run_of(tmp_path / "work" / "baseline", base)
    Path("submission_runs").mkdir()
    assert package_run(tmp_path / "work" / "baseline", Path("submission_runs/baseline.zip"))
    return tmp_path


def _hook(*files: str) -> tuple[int, dict]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["hook", "--json", "--baseline", "submission_runs/baseline.zip", *files])
    return code, json.loads(out.getvalue())


def test_a_run_that_regresses_fails_the_commit_and_one_that_improves_passes(repo: Path) -> None:
    base = _outcomes(0.7)
    worse = [(False, True) if ok and index % 2 else (ok, f)
             for index, (ok, f) in enumerate(base)]
    better = [(True, True) for _ in base]
    run_of(Path("runs/worse"), worse)
    run_of(Path("runs/better"), better)
    code, envelope = _hook("runs/better/predictions.jsonl")
    assert code == 0 and envelope["ok"], envelope["findings"]
    code, envelope = _hook("runs/worse/predictions.jsonl", "runs/better/eval_summary.json")
    assert code == 1
    assert [(f["run"], f["code"]) for f in envelope["findings"]] == [
        ("runs/worse against submission_runs/baseline.zip", "comparison_regression")]


def test_a_run_not_paired_with_the_baseline_fails_the_commit(repo: Path) -> None:
    run_of(Path("runs/short"), _outcomes(0.7)[:60])
    code, envelope = _hook("runs/short/run_manifest.json")
    assert code == 1
    assert {f["code"] for f in envelope["findings"]} == {"comparison_items_differ"}


def _make_full(run: Path) -> None:
    summary = EvalSummary.model_validate_json((run / EVAL_SUMMARY_FILE).read_bytes())
    write_model_atomic(run / EVAL_SUMMARY_FILE, summary.model_copy(update={"mode": "full"}))
    manifest = RunManifest.model_validate_json((run / MANIFEST_FILE).read_bytes())
    artifacts = [describe_artifact(run, a.path) for a in manifest.artifacts]  # type: ignore[union-attr]
    write_model_atomic(run / MANIFEST_FILE, manifest.model_copy(update={
        "mode": "full", "smoke_config": None, "artifacts": artifacts}))


def test_a_run_of_the_other_mode_is_only_validated(repo: Path) -> None:
    run_of(Path("runs/full"), [(False, True)] * 80)
    _make_full(Path("runs/full"))
    assert main(["validate", "-q", "runs/full"]) == 0
    code, envelope = _hook("runs/full/predictions.jsonl")
    assert (code, envelope["findings"]) == (0, [])
    assert [run["path"] for run in envelope["result"]["runs"]] == ["runs/full"]


def test_a_baseline_that_does_not_verify_fails_the_commit(repo: Path) -> None:
    run_of(Path("runs/any"), _outcomes(0.7))
    Path("submission_runs/baseline.zip").write_bytes(b"not a zip")
    code, envelope = _hook("runs/any/predictions.jsonl")
    assert code == 1
    assert [f["code"] for f in envelope["findings"]] == ["archive_unreadable"]
