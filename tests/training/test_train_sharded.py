"""Three training steps over 8 simulated CPU devices, in a subprocess (XLA_FLAGS must be set
before JAX is imported, and this pytest process may have imported it already).

Checks: the loss goes down on a repeated batch; parameters are split as the strategy says (FSDP:
large ones split over all 8 devices; data parallel: replicated); steps 2 and 3 did not compile
again; both strategies compute the same losses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

DEVICES = 8


def _probe(strategy: str) -> dict[str, Any]:
    """Runs in the subprocess: train 3 steps on one repeated batch, report what happened."""
    import jax
    import numpy as np

    from training.backends.flax_transformers.backend import model_apply_fn
    from training.backends.flax_transformers.loading import build_tiny_model
    from training.backends.flax_transformers.model_config import TinyModelConfig
    from training.batching import encode_examples, train_batches
    from training.compile_watch import CompileWatch
    from training.config import TrainConfig
    from training.dataset.registry import load_dataset
    from training.optim import learning_rate_schedule, make_optimizer
    from training.sharding import make_mesh, put_global, train_batch_sharding, tree_shardings
    from training.step import init_state, make_train_step

    loaded = build_tiny_model(TinyModelConfig(
        source="tiny", architecture="gpt2", dtype="float32", layers=2, hidden_size=64, heads=4,
        max_positions=512), seed=0)
    train_cfg = TrainConfig(steps=3, batch_size=16, grad_accum=2, optimizer="adamw",
                            learning_rate=3e-3)
    optimizer = make_optimizer(train_cfg)
    mesh = make_mesh(strategy)  # type: ignore[arg-type]
    shardings = tree_shardings(mesh, jax.eval_shape(lambda p: init_state(p, optimizer),
                                                    loaded.params))
    params = jax.tree_util.tree_map(put_global, loaded.params, shardings.params)
    state = jax.jit(lambda p: init_state(p, optimizer), out_shardings=shardings)(params)
    examples = encode_examples(loaded.tokenizer, load_dataset("dev-reasoning-v2").train[:16],
                               512, "test")
    batch_sharding = train_batch_sharding(mesh)
    batch = next(train_batches(examples, batch_size=16, grad_accum=2, seed=0))
    on_device = {name: put_global(array, batch_sharding) for name, array in batch.items()}
    step = make_train_step(model_apply_fn(loaded.module), optimizer,
                           learning_rate_schedule(train_cfg), shardings, batch_sharding)
    losses, compiles_after = [], []
    with CompileWatch() as watch:
        for _ in range(3):
            state, metrics = step(state, on_device)
            losses.append(float(jax.device_get(metrics["loss"])))
            compiles_after.append(watch.count("train_step"))
    kernel = state.params["transformer"]["h"]["0"]["mlp"]["c_fc"]["kernel"]
    moment = state.opt_state[1][0].mu["transformer"]["h"]["0"]["mlp"]["c_fc"]["kernel"]
    return {
        "devices": jax.device_count(),
        "losses": losses,
        "compiles_after": compiles_after,
        "kernel_shape": list(kernel.shape),
        "kernel_spec": [str(axis) for axis in kernel.sharding.spec],
        "kernel_shard_shape": list(kernel.addressable_shards[0].data.shape),
        "moment_shard_shape": list(moment.addressable_shards[0].data.shape),
        "norm_spec": [str(a) for a in state.params["transformer"]["ln_f"]["scale"].sharding.spec],
        "batch_shard_shape": list(on_device["input_ids"].addressable_shards[0].data.shape),
        "finite": bool(np.all(np.isfinite(losses))),
    }


def _run_probe() -> dict[str, dict[str, Any]]:
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={DEVICES}",
           "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_three_sharded_steps_on_eight_devices() -> None:
    result = _run_probe()
    fsdp, data_parallel = result["fsdp"], result["data_parallel"]
    for run in (fsdp, data_parallel):
        assert run["devices"] == DEVICES
        assert run["finite"]
        losses = run["losses"]
        assert losses[0] > losses[1] > losses[2], losses
        # Compiled at step 1, and never again.
        assert run["compiles_after"] == [1, 1, 1]
        # The micro-batch of 8 rows is split 1 row per device.
        assert run["batch_shard_shape"] == [2, 1, 512]
    # FSDP: the MLP kernel [256, 64] (GPT-2 stores [out, in]) is split along its 256 axis, 32
    # rows per device, and its AdamW moment with it; the small final norm scale stays whole.
    assert fsdp["kernel_shape"] == [256, 64]
    assert fsdp["kernel_spec"] == ["fsdp", "None"]
    assert fsdp["kernel_shard_shape"] == [256 // DEVICES, 64]
    assert fsdp["moment_shard_shape"] == [256 // DEVICES, 64]
    assert fsdp["norm_spec"] == []
    # Data parallel: every device holds the whole kernel.
    assert data_parallel["kernel_spec"] == []
    assert data_parallel["kernel_shard_shape"] == [256, 64]
    # Same mathematics whichever way the arrays lie.
    for a, b in zip(fsdp["losses"], data_parallel["losses"], strict=True):
        assert abs(a - b) < 1e-4 * abs(a)


if __name__ == "__main__":
    print(json.dumps({strategy: _probe(strategy) for strategy in ("fsdp", "data_parallel")}))
