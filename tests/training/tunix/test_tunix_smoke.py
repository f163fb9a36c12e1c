"""The CPU smoke of the tiny Gemma 3 with LoRA, end to end through the launcher with the
milestone's flags: its run validates, its metrics rows are the trainer's, its checkpoint restores
into Tunix's model with a trained adapter over untouched base weights; and the same trains on
8 simulated devices with fsdp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest
import yaml
from flax import nnx
from tunix.sft.checkpoint_manager import CheckpointManager
from tunix_models import SMOKE, smoke_config
from tunix_runs import REPO, LauncherRun, launch, snapshot

from evidence import MANIFEST_FILE, RunManifest
from training.backends import backend_for
from training.backends.tunix import lora
from training.backends.tunix.backend import prepare_model
from training.backends.tunix.models import make_mesh
from training.metrics import METRICS_FILE, MetricsRow

pytestmark = pytest.mark.slow  # the trainer end to end, twice (about a minute each on 2 cores)


def assert_valid(run: LauncherRun) -> RunManifest:
    assert run.done.returncode == 0, run.done.stderr[-3000:]
    check = subprocess.run([sys.executable, "-m", "evidence", "validate", str(run.output),
                            "--allow-template"], cwd=REPO, capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    return RunManifest.model_validate_json((run.output / MANIFEST_FILE).read_bytes())


def test_the_smoke_run_validates_and_says_it_trained_with_tunix(smoke_run: LauncherRun) -> None:
    manifest = assert_valid(smoke_run)
    print(f"tunix smoke through the launcher: {smoke_run.seconds:.1f} s")
    assert manifest.mode == "smoke" and manifest.steps == 2
    assert not isinstance(manifest.model, str)
    assert (manifest.model.id, manifest.model.family) == ("tiny-gemma3", "gemma3")
    training = json.loads((smoke_run.output / MANIFEST_FILE).read_text())["training"]
    assert (training["library"], training["method"]["kind"]) == ("tunix", "lora")
    assert json.loads((smoke_run.output / MANIFEST_FILE).read_text())["checkpoint"] == {
        "format": "orbax", "path": "checkpoint", "contents": "lora_adapter"}
    rows = [MetricsRow.model_validate_json(line) for line in
            (smoke_run.output / METRICS_FILE).read_text().splitlines()]
    assert [row.step for row in rows] == [1, 2] and rows[0].includes_compile
    assert "step 2/2 loss " in smoke_run.done.stdout


def test_its_checkpoint_restores_into_tunix_model(smoke_run: LauncherRun) -> None:
    """A new run's model (same config, same seed) restores the adapter with Tunix's loader: the
    adapter is not the untrained one, the base weights are those the run started from."""
    assert smoke_run.done.returncode == 0, smoke_run.done.stderr[-3000:]
    cfg = smoke_config().config
    backend = backend_for("tunix")
    loaded = backend.load(cfg.model, max_seq_len=cfg.data.max_seq_len, config_path=SMOKE,
                          seed=cfg.train.seed)
    model = prepare_model(loaded.module, cfg, make_mesh())
    untrained, base = snapshot(lora.adapter_state(model)), snapshot(lora.base_state(model))
    step, _ = CheckpointManager(str(smoke_run.output / "checkpoint")).maybe_restore(
        model, restore_only_lora_params=True)
    assert step == 2
    restored = jax.tree_util.tree_leaves(lora.adapter_state(model))
    assert all(not np.array_equal(np.asarray(after), before) for after, before in
               zip(restored, jax.tree_util.tree_leaves(untrained), strict=True))
    assert all(np.array_equal(np.asarray(after), before) for after, before in
               zip(jax.tree_util.tree_leaves(lora.base_state(model)),
                   jax.tree_util.tree_leaves(base), strict=True))
    assert nnx.state(model, nnx.LoRAParam)


def test_the_smoke_trains_on_8_simulated_devices_with_fsdp(tmp_path: Path) -> None:
    """The smoke config shrunk (one step, one batch shape, four new tokens in one decode stage)
    and sharded with fsdp: parameters split over the 8 devices by Tunix's annotations, the
    batch over all of them."""
    data = smoke_config(sharding={"strategy": "fsdp"}, train={"steps": 1}, data={"buckets": 1},
                        eval={"max_new_tokens": 4, "buckets": 1, "decode_stages": 1}
                        ).config.model_dump()
    config = tmp_path / "smoke_fsdp.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    run = launch(tmp_path / "run", "--smoke_config", str(config),
                 env={"XLA_FLAGS": "--xla_force_host_platform_device_count=8"})
    manifest = assert_valid(run)
    print(f"tunix smoke on 8 simulated devices: {run.seconds:.1f} s")
    assert manifest.device.count == 8 and manifest.steps == 1  # type: ignore[union-attr]


SHARDING_PROBE = """
from training.backends import backend_for
from training.backends.tunix.backend import prepare_model
from training.backends.tunix.models import make_mesh
from training.config import load_config
from flax import nnx
import jax
cfg = load_config("configs/smoke_gemma3_tiny.yaml").config
loaded = backend_for("tunix").load(cfg.model, max_seq_len=512, config_path="c", seed=0)
for strategy in ("fsdp", "data_parallel"):  # fsdp first: data_parallel rewrites the annotations
    sharding = cfg.sharding.model_copy(update={"strategy": strategy})
    model = prepare_model(loaded.module, cfg.model_copy(update={"sharding": sharding}),
                          make_mesh())
    leaves = jax.tree_util.tree_leaves(nnx.state(model))
    split = sum(not leaf.sharding.is_fully_replicated for leaf in leaves)
    print(strategy, len(jax.devices()), split, len(leaves))
"""


def test_fsdp_splits_the_parameters_and_data_parallel_replicates_them() -> None:
    done = subprocess.run([sys.executable, "-c", SHARDING_PROBE], cwd=REPO, capture_output=True,
                          text=True, timeout=300, check=False,
                          env={**os.environ,
                               "XLA_FLAGS": "--xla_force_host_platform_device_count=8"})
    assert done.returncode == 0, done.stderr[-3000:]
    counts = {line.split()[0]: [int(n) for n in line.split()[1:]]
              for line in done.stdout.splitlines()}
    devices, split, total = counts["fsdp"]
    assert devices == 8 and 0 < split < total  # the weights split; the norms stay whole
    assert counts["data_parallel"][1] == 0
