"""The checkpoint is Tunix's orbax format: Tunix's own loader
(`tunix.sft.checkpoint_manager.CheckpointManager.maybe_restore`) restores it into Tunix's model
class with identical parameters, whether it holds the adapter alone, the adapter merged into
the base weights, or a whole fully fine-tuned model."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import flax
import numpy as np
import pytest
from flax import nnx
from tunix.sft.checkpoint_manager import CheckpointManager
from tunix_models import smoke_config
from tunix_runs import Training

from training.backends import backend_for
from training.backends.tunix import lora, models
from training.backends.tunix.backend import prepare_model

pytestmark = pytest.mark.slow  # it trains a tiny Gemma 3 (the shared `training` fixture)

BACKEND = backend_for("tunix")


def flat(state: nnx.State) -> dict[tuple[object, ...], np.ndarray]:
    return {key: np.asarray(value) for key, value in
            flax.traverse_util.flatten_dict(nnx.to_pure_dict(state)).items()}


def assert_same(restored: nnx.State, expected: nnx.State) -> None:
    got, want = flat(restored), flat(expected)
    assert got.keys() == want.keys() and want
    assert all(np.array_equal(got[key], want[key]) for key in want)


def save(training: Training, directory: Path, **method: object) -> Path:
    cfg = training.config.config
    run = cfg.model_copy(update={"method": cfg.method.model_copy(update=method)})
    trained = dataclasses.replace(training.loaded, module=training.model,
                                  params=nnx.state(training.model), trained_steps=2)
    return BACKEND.save(trained, trained.params, directory, run=run)


def fresh_adapter_model(training: Training) -> nnx.Module:
    """The smoke model as a new run would build it (same seed), with its untrained adapter."""
    cfg = training.config.config
    loaded = BACKEND.load(cfg.model, max_seq_len=cfg.data.max_seq_len, config_path="c.yaml",
                          seed=cfg.train.seed)
    return prepare_model(loaded.module, cfg, training.planned.mesh)


def test_the_adapter_alone_restores_into_tunix_model_with_the_adapter(
        training: Training, tmp_path: Path) -> None:
    directory = save(training, tmp_path / "checkpoint")
    assert (directory / "2" / "model_params").is_dir()
    model = fresh_adapter_model(training)
    step, _ = CheckpointManager(root_directory=str(directory)).maybe_restore(
        model, restore_only_lora_params=True)
    assert step == 2
    assert_same(lora.adapter_state(model), lora.adapter_state(training.model))
    assert_same(lora.base_state(model), lora.base_state(training.model))


def test_the_merged_checkpoint_restores_into_tunix_plain_gemma3(
        training: Training, tmp_path: Path) -> None:
    directory = save(training, tmp_path / "checkpoint", checkpoint="merged")
    merged = lora.merged_model(training.model, training.config.config.method)
    plain = models.build_random("gemma3", training.model.config, seed=7)
    assert type(plain) is lora.plain_class(training.model)
    step, _ = CheckpointManager(root_directory=str(directory)).maybe_restore(plain)
    assert step == 2
    assert_same(nnx.state(plain, nnx.Param), nnx.state(merged, nnx.Param))


def test_a_full_fine_tune_saves_the_whole_model(tmp_path: Path) -> None:
    run = smoke_config(method={"kind": "full", "rank": None, "alpha": None, "targets": None})
    cfg = run.config
    loaded = BACKEND.load(cfg.model, max_seq_len=cfg.data.max_seq_len, config_path="c.yaml",
                          seed=0)
    BACKEND.save(loaded, loaded.params, tmp_path / "checkpoint", run=cfg)
    other = models.build_random("gemma3", loaded.module.config, seed=7)
    step, _ = CheckpointManager(root_directory=str(tmp_path / "checkpoint")).maybe_restore(
        other)
    assert step == 1  # an untrained model: step 1 is the first step a checkpoint can name
    assert_same(nnx.state(other), nnx.state(loaded.module))
    assert BACKEND.checkpoint_ref(cfg, "checkpoint").contents == "full"
