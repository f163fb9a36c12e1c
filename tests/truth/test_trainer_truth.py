"""The anchors on a real smoke run of the trainer: its stdout as Kaggle's log fills the run, which
then validates against Kaggle's copy and the shipped data set file; a prediction changed after
the run contradicts both logs. The trainer runs once a session
(tests/flax_smoke.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flax_smoke import REPO, SmokeRun

pytest.importorskip("jax")
pytestmark = pytest.mark.slow

SHIPPED = REPO / "src" / "training" / "data" / "dev-reasoning-v2.jsonl"
KAGGLE_OPTIONS = ["--kaggle-url", "https://www.kaggle.com/code/alice/gemma-reasoning",
                  "--kaggle-version", "3", "--kaggle-run-id", "212345678"]


def evidence(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evidence", *map(str, args)],
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def filled(flax_smoke: SmokeRun, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(a copy of the session's smoke run filled from the trainer's log, that log in Kaggle's
    JSON form)."""
    tmp = tmp_path_factory.mktemp("trainer")
    run = tmp / "run"
    shutil.copytree(flax_smoke.run_dir, run)
    done = flax_smoke.done
    assert done.returncode == 0, done.stderr[-3000:]
    entries = [{"stream_name": "stdout", "time": 1.0 + index, "data": line}
               for index, line in enumerate(done.stdout.splitlines(keepends=True))]
    log = tmp / "gemma-reasoning.log"
    log.write_text("[" + "\n,".join(json.dumps(entry) for entry in entries) + "]\n")
    fill = evidence("fill", "--from-log", log, run, *KAGGLE_OPTIONS)
    assert fill.returncode == 0, fill.stdout + fill.stderr
    return run, log


def test_a_real_run_validates_against_every_anchor(filled: tuple[Path, Path]) -> None:
    run, log = filled
    done = evidence("validate", "--kaggle-log", log, "--dataset", SHIPPED, run)
    assert done.returncode == 0, done.stdout


def test_a_prediction_changed_after_the_run_contradicts_both_logs(
        filled: tuple[Path, Path], tmp_path: Path) -> None:
    run, log = filled
    copy = tmp_path / "run"
    subprocess.run(["cp", "-r", str(run), str(copy)], check=True)
    rows = (copy / "predictions.jsonl").read_text().splitlines()
    first = json.loads(rows[0])
    first["response"] += " "  # graded the same: only the digests can tell
    rows[0] = json.dumps(first)
    (copy / "predictions.jsonl").write_text("\n".join(rows) + "\n")
    manifest = json.loads((copy / "run_manifest.json").read_text())
    from evidence import describe_artifact

    manifest["artifacts"] = [describe_artifact(copy, item["path"]).model_dump(mode="json")
                             for item in manifest["artifacts"]]
    (copy / "run_manifest.json").write_text(json.dumps(manifest, indent=2))
    done = evidence("validate", "--json", "--kaggle-log", log, copy)
    found = {(f["code"], f["pointer"]) for f in json.loads(done.stdout)["findings"]}
    index = next(i for i, item in enumerate(manifest["artifacts"])
                 if item["path"] == "predictions.jsonl")
    assert done.returncode == 1
    assert ("kaggle_log_mismatch", f"/artifacts/{index}/sha256") in found
    assert ("kaggle_copy_mismatch", f"/artifacts/{index}/sha256") in found
