"""The milestone's smoke command, run as a user runs it (a subprocess, offline), once a session:
the launcher's, the fill's and the truth checks' tests all read the same run. It costs about
40 s on CI's two cores; a test that changes the run works on a copy."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Set for the run, so that a test can prove it is never written anywhere.
SECRET = "hf_test_token_that_must_never_be_written"
SMOKE_COMMAND = ["--config", "configs/submission_gemma_flax.yaml",
                 "--smoke_config", "configs/smoke_tiny.yaml", "--dataset", "dev-reasoning-v2",
                 "--device", "auto", "--smoke_steps", "2"]


def launch(args: list[str], tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("KAGGLE_", "XLA_", "JAX_"))}
    # Offline like CI and the dev machines; a private cache so nothing found is stale.
    env.update(HF_HUB_OFFLINE="1", HF_HOME=str(tmp_path / "hf-home"), HF_TOKEN=SECRET,
               **extra_env)
    return subprocess.run([sys.executable, "-m", "training.run_train_jax", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


@dataclass(frozen=True)
class SmokeRun:
    """The run directory (read it, never change it) and the finished process."""

    run_dir: Path
    done: subprocess.CompletedProcess[str]


def smoke_run(tmp: Path) -> SmokeRun:
    done = launch([*SMOKE_COMMAND, "--output", str(tmp / "run")], tmp)
    return SmokeRun(tmp / "run", done)
