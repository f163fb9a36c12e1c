"""Trainer benchmark: tokens/s of the trainer's own step against a minimal plain-JAX step for the
same model, batch and optimizer in the same process, and the end-to-end smoke command's time.

    .venv/bin/python bench/train_bench.py [--config configs/smoke_tiny.yaml] [--steps 10]
                                          [--trials 5] [--skip-smoke]

The reference step is what one would write by hand: `jax.jit(value_and_grad(loss))` plus the
optax update, no mesh, no shardings, no accumulation scan, no metrics. The trainer's step runs as
the trainer runs it (a Mesh over all devices, fixed shardings, donated state) with grad_accum=1
so both do the same arithmetic. Trials alternate between the two so machine noise hits both;
the median trial counts. Results go to stdout and bench/out/train_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SMOKE_COMMAND = [sys.executable, "-m", "training.run_train_jax",
                 "--config", "configs/submission_gemma_flax.yaml",
                 "--smoke_config", "configs/smoke_tiny.yaml", "--dataset", "dev-reasoning-v2",
                 "--device", "auto", "--smoke_steps", "2", "--overwrite"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="configs/smoke_tiny.yaml")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per trial")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--skip-smoke", action="store_true")
    return parser.parse_args()


def reference_step(apply_module: Any, optimizer: Any) -> Any:
    """The minimal plain-JAX step: masked next-token loss, gradient, optax update."""
    import jax
    import jax.numpy as jnp
    import optax

    def loss_fn(params: Any, input_ids: Any, attention_mask: Any, loss_mask: Any) -> Any:
        positions = jnp.broadcast_to(jnp.arange(input_ids.shape[1]), input_ids.shape)
        logits = apply_module({"params": params}, input_ids, attention_mask, positions,
                              deterministic=True).logits[:, :-1].astype(jnp.float32)
        losses = optax.softmax_cross_entropy_with_integer_labels(logits, input_ids[:, 1:])
        mask = loss_mask[:, 1:]
        return jnp.sum(losses * mask) / jnp.sum(mask)

    def step(params: Any, opt_state: Any, input_ids: Any, attention_mask: Any,
             loss_mask: Any) -> Any:
        loss, grads = jax.value_and_grad(loss_fn)(params, input_ids, attention_mask, loss_mask)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    return jax.jit(step, donate_argnums=(0, 1))


def bench_steps(config_path: str, steps: int, trials: int) -> dict[str, Any]:
    import jax
    import numpy as np

    from training.backends import backend_for
    from training.batching import encode_examples, train_batches
    from training.config import load_config
    from training.dataset.registry import load_dataset
    from training.optim import learning_rate_schedule, make_optimizer
    from training.sharding import make_mesh, put_global, train_batch_sharding, tree_shardings
    from training.step import init_state, make_train_step

    cfg = load_config(config_path).config
    train_cfg = cfg.train.model_copy(update={"grad_accum": 1})
    backend = backend_for(cfg.backend)
    loaded = backend.load(cfg.model, max_seq_len=cfg.data.max_seq_len, config_path=config_path,
                          seed=0)
    examples = encode_examples(loaded.tokenizer, load_dataset("dev-reasoning-v2").train,
                               cfg.data.max_seq_len, config_path)
    batch = next(train_batches(examples, batch_size=train_cfg.batch_size, grad_accum=1, seed=0))
    tokens_per_step = int(batch["attention_mask"].sum())
    optimizer = make_optimizer(train_cfg)

    # The trainer's step, set up the way the pipeline sets it up.
    mesh = make_mesh(cfg.sharding.strategy)
    shardings = tree_shardings(mesh, jax.eval_shape(lambda p: init_state(p, optimizer),
                                                    loaded.params))
    state = jax.jit(lambda p: init_state(p, optimizer), out_shardings=shardings)(
        jax.tree_util.tree_map(put_global, loaded.params, shardings.params))
    batch_sharding = train_batch_sharding(mesh)
    trainer_batch = {k: put_global(v, batch_sharding) for k, v in batch.items()}
    trainer_step = make_train_step(backend.apply_fn(loaded.module), optimizer,
                                   learning_rate_schedule(train_cfg), shardings, batch_sharding)

    # The reference step on plain default-device arrays.
    ref_step = reference_step(loaded.module.module.apply, optimizer)
    ref_params = jax.tree_util.tree_map(jax.numpy.asarray, loaded.params)
    ref_opt = optimizer.init(ref_params)
    flat = {k: jax.numpy.asarray(v[0]) for k, v in batch.items()}

    def run_trainer(n: int) -> float:
        nonlocal state
        start = time.perf_counter()
        for _ in range(n):
            state, metrics = trainer_step(state, trainer_batch)
        jax.block_until_ready(metrics)
        return time.perf_counter() - start

    def run_reference(n: int) -> float:
        nonlocal ref_params, ref_opt
        start = time.perf_counter()
        for _ in range(n):
            ref_params, ref_opt, loss = ref_step(ref_params, ref_opt, flat["input_ids"],
                                                 flat["attention_mask"], flat["loss_mask"])
        jax.block_until_ready(loss)
        return time.perf_counter() - start

    run_trainer(2), run_reference(2)  # compile both, warm caches
    trainer_times, reference_times = [], []
    for _ in range(trials):
        trainer_times.append(run_trainer(steps))
        reference_times.append(run_reference(steps))
    trainer_tps = tokens_per_step * steps / statistics.median(trainer_times)
    reference_tps = tokens_per_step * steps / statistics.median(reference_times)
    return {
        "config": config_path, "model": loaded.model_id,
        "parameters": loaded.parameter_count, "dtype": loaded.dtype,
        "batch": [train_cfg.batch_size, cfg.data.max_seq_len], "optimizer": train_cfg.optimizer,
        "tokens_per_step": tokens_per_step, "steps_per_trial": steps, "trials": trials,
        "devices": f"{jax.device_count()} x {jax.devices()[0].device_kind}",
        "trainer_tokens_per_s": round(trainer_tps, 1),
        "reference_tokens_per_s": round(reference_tps, 1),
        "ratio": round(trainer_tps / reference_tps, 3),
        "trainer_trial_s": [round(t, 3) for t in trainer_times],
        "reference_trial_s": [round(t, 3) for t in reference_times],
        "spread": round(float(np.std(trainer_times) / np.mean(trainer_times)), 3),
    }


def bench_smoke(output: Path) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    done = subprocess.run([*SMOKE_COMMAND, "--output", str(output)], cwd=REPO, env=env,
                          capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"smoke command failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return {"smoke_command_s": round(seconds, 1)}


def main() -> int:
    args = parse_args()
    os.chdir(REPO)
    out_dir = REPO / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                                         f"Python {platform.python_version()}"}
    if not args.skip_smoke:  # first, in a fresh process, before this one loads JAX
        result.update(bench_smoke(out_dir / "smoke-run"))
    result.update(bench_steps(args.config, args.steps, args.trials))
    (out_dir / "train_bench.json").write_text(json.dumps(result, indent=2) + "\n")
    for key, value in result.items():
        print(f"{key:>24}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
