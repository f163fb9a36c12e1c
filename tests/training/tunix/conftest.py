"""Fixtures of the Tunix backend's tests, shared so each expensive thing runs once a session: the
smoke run through the launcher (a subprocess, as CI runs it), and one in-process LoRA training
of the tiny Gemma 3 whose states before and after the tests compare."""

from __future__ import annotations

from typing import Any

import pytest
from tunix_models import SMOKE, smoke_config
from tunix_runs import LauncherRun, Training, launch, snapshot


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> LauncherRun:
    """The smoke command exactly as the docs give it, with the Tunix configs."""
    return launch(tmp_path_factory.mktemp("tunix-smoke") / "run", "--smoke_config", SMOKE,
                  "--smoke_steps", "2")


@pytest.fixture(scope="session")
def training(tmp_path_factory: pytest.TempPathFactory) -> Training:
    from flax import nnx

    from training.backends import backend_for
    from training.backends.base import TrainJob
    from training.backends.tunix import lora
    from training.backends.tunix.backend import prepare_model
    from training.backends.tunix.trainer import train_model
    from training.dataset.registry import load_dataset
    from training.metrics import MetricsLog
    from training.pipeline import plan_training
    from training.train_loop import StepLog

    # Two steps of one length: one compilation, and a step that reuses it (the smoke run's two
    # steps of two lengths compile once each).
    config = smoke_config(train={"steps": 2, "batch_size": 8}, data={"buckets": 1})
    cfg = config.config
    backend = backend_for("tunix")
    loaded = backend.load(cfg.model, max_seq_len=cfg.data.max_seq_len, config_path=SMOKE,
                          seed=0)
    planned = plan_training(backend, loaded, cfg, SMOKE, load_dataset("dev-reasoning-v2"))
    model = prepare_model(loaded.module, cfg, planned.mesh)
    adapter_before = snapshot(lora.adapter_state(model))
    base_before = snapshot(lora.base_state(model))
    rows: list[Any] = []
    log = StepLog(steps=cfg.train.steps,
                  metrics=MetricsLog(tmp_path_factory.mktemp("metrics") / "metrics.jsonl"),
                  log_every=1, on_step=rows.append)
    train_model(model, TrainJob(run=cfg, config_path=SMOKE, mesh=planned.mesh,
                                examples=planned.examples, plan=planned.plan,
                                steps=cfg.train.steps, log=log))
    return Training(config, loaded, model, nnx.graphdef(model), adapter_before, base_before,
                    planned, rows)
