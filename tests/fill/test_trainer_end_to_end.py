"""The whole flow on the real smoke trainer: its stdout, as each log form a user can hold, fills
a fresh template to identical evidence that validates. The trainer runs once a session
(tests/flax_smoke.py)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from fillkit import downloaded_template, snapshot
from logforms import STDERR_NOISE, kaggle_log, notebook, plain_log, split_randomly

from evidence import EVAL_SUMMARY_FILE, LOG_FILE, MANIFEST_FILE, validate_run
from flax_smoke import SmokeRun

pytest_plugins = ("fill_fixtures",)

pytest.importorskip("jax")
pytestmark = pytest.mark.slow

KAGGLE_OPTIONS = ["--kaggle-url", "https://www.kaggle.com/code/alice/gemma-reasoning",
                  "--kaggle-version", "3", "--kaggle-run-id", "212345678"]


@pytest.fixture
def trained(flax_smoke: SmokeRun) -> tuple[Path, str, str]:
    """(output directory, stdout, stderr) of the session's smoke run, offline like CI."""
    assert flax_smoke.done.returncode == 0, flax_smoke.done.stderr[-3000:]
    return flax_smoke.run_dir, flax_smoke.done.stdout, flax_smoke.done.stderr


def kaggle_form(stdout: str, stderr: str, rng: random.Random) -> bytes:
    """The run's own stdout and stderr, each cut at random places, interleaved at random."""
    streams = {"stdout": split_randomly(stdout, rng),
               "stderr": split_randomly(stderr + "".join(STDERR_NOISE), rng)}
    entries: list[dict[str, object]] = []
    while any(streams.values()):
        name = rng.choice([name for name, pieces in streams.items() if pieces])
        entries.append({"stream_name": name, "time": 5.0 + len(entries) / 10,
                        "data": streams[name].pop(0)})
    return kaggle_log(entries)


def comparable(manifest: bytes) -> dict[str, object]:
    """The manifest less what a fill adds: the Kaggle fields and the recorded log's entry."""
    raw = json.loads(manifest)
    raw["artifacts"] = [item for item in raw["artifacts"] if item["path"] != LOG_FILE]
    del raw["kaggle"]
    return raw


def test_every_log_form_of_a_real_run_fills_the_same_valid_evidence(
        trained: tuple[Path, str, str], tmp_path: Path) -> None:
    outputs, stdout, stderr = trained
    rng = random.Random(7)
    logs = {"kaggle": kaggle_form(stdout, stderr, rng), "plain": plain_log(stdout),
            "notebook": notebook(stdout, rng)}
    filled = {}
    for name, data in logs.items():
        log = tmp_path / f"{name}.log"
        log.write_bytes(data)
        run_dir = downloaded_template(outputs, tmp_path / name)
        done = subprocess.run([sys.executable, "-m", "evidence", "fill", "--from-log", str(log),
                               str(run_dir), *KAGGLE_OPTIONS], capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert validate_run(run_dir).findings == []
        filled[name] = snapshot(run_dir)
    trainer_summary = (outputs / EVAL_SUMMARY_FILE).read_bytes()
    trainer_manifest = comparable((outputs / MANIFEST_FILE).read_bytes())
    for files in filled.values():
        assert files[EVAL_SUMMARY_FILE] == trainer_summary
        assert comparable(files[MANIFEST_FILE]) == trainer_manifest
    assert len({files[MANIFEST_FILE] for files in filled.values()}) == 3  # the log digests
