"""What the Tunix tests share besides models: the launcher run as a subprocess, and the record
of one in-process training (built by the `training` fixture in conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tunix_models import FULL

from training.config import LoadedConfig

REPO = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class LauncherRun:
    output: Path
    done: subprocess.CompletedProcess[str]
    seconds: float


def launch(output: Path, *flags: str, config: str = FULL,
           env: dict[str, str] | None = None) -> LauncherRun:
    """The milestone's command line, on this CPU, offline."""
    command = [sys.executable, "-m", "training.run_train_jax", "--config", config,
               "--output", str(output), "--dataset", "dev-reasoning-v2", "--device", "auto",
               *flags]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})}, check=False)
    return LauncherRun(output, done, time.perf_counter() - started)


@dataclass
class Training:
    """One in-process LoRA training of the tiny Gemma 3 through the backend's trainer: the model
    before (numpy copies of its adapter and base state) and after, and the metrics rows."""

    config: LoadedConfig
    loaded: Any  # the backend's LoadedModel as loaded
    model: Any  # the adapter model, trained in place
    graphdef: Any
    adapter_before: Any
    base_before: Any
    planned: Any
    rows: list[Any]


def snapshot(state: Any) -> Any:
    import jax

    return jax.tree_util.tree_map(np.array, state)
