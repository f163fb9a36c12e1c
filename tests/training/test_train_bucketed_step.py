"""The bucketed training step: on the same examples the loss per real token equals today's
padded step's to float tolerance, and the step compiles once per bucket length, no more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np
import optax
import pytest
from tiny_models import tiny_config

from training.backends.flax_transformers.backend import model_apply_fn
from training.backends.flax_transformers.loading import build_tiny_model
from training.batching import encode_examples, plan_batches, planned_batches, train_batches
from training.buckets import BatchPlan
from training.compile_watch import CompileWatch
from training.config import TrainConfig
from training.dataset.registry import load_dataset
from training.metrics import MetricsLog, MetricsRow
from training.optim import learning_rate_schedule
from training.sharding import make_mesh, put_global, train_batch_sharding, tree_shardings
from training.step import init_state, make_train_step
from training.train_loop import train

pytestmark = pytest.mark.slow  # it trains (16 steps, a tiny model)

ITEMS = load_dataset("dev-reasoning-v2").train[:64]
BATCH, ACCUM, STEPS, BUCKETS = 8, 2, 8, 3  # one epoch of the 64 examples


class Stepper:
    """The trainer's step with an optimizer that changes nothing (SGD at rate 0): every batch is
    scored by the same parameters."""

    def __init__(self) -> None:
        self.loaded = build_tiny_model(tiny_config("gpt2", max_positions=512), seed=0)
        cfg = TrainConfig(steps=STEPS, batch_size=BATCH, grad_accum=ACCUM,
                          optimizer="adafactor", learning_rate=1e-2)
        optimizer = optax.sgd(0.0)
        mesh = make_mesh("data_parallel", jax.devices()[:1])
        shardings = tree_shardings(mesh, jax.eval_shape(lambda p: init_state(p, optimizer),
                                                        self.loaded.params))
        self.state = jax.jit(lambda p: init_state(p, optimizer), out_shardings=shardings)(
            jax.tree_util.tree_map(put_global, self.loaded.params, shardings.params))
        self.sharding = train_batch_sharding(mesh)
        self.step = make_train_step(model_apply_fn(self.loaded.module), optimizer,
                                    learning_rate_schedule(cfg), shardings, self.sharding)
        self.examples = encode_examples(self.loaded.tokenizer, ITEMS, 512, "c.yaml")

    def loss_sums(self, batches: Any) -> list[tuple[float, float]]:
        """(loss summed over the response tokens, their count) per batch."""
        sums = []
        for batch in batches:
            placed = {k: put_global(v, self.sharding) for k, v in batch.items()}
            self.state, metrics = self.step(self.state, placed)
            metrics = jax.device_get(metrics)
            sums.append((float(metrics["loss"]) * float(metrics["tokens"]),
                         float(metrics["tokens"])))
        return sums


def _per_token(sums: list[tuple[float, float]]) -> float:
    return sum(s for s, _ in sums) / sum(n for _, n in sums)


def test_the_loss_per_real_token_equals_todays_on_the_same_examples() -> None:
    stepper = Stepper()
    examples = stepper.examples
    plan = plan_batches(examples, batch_size=BATCH, steps=STEPS, seed=0, buckets=BUCKETS)
    assert sorted(np.concatenate(plan.batches).tolist()) == list(range(64))
    assert max(plan.lengths) < 512 and len(plan.lengths) <= BUCKETS
    bucketed = stepper.loss_sums(planned_batches(examples, plan, grad_accum=ACCUM))
    # The same batches padded to max_seq_len, as every step was before bucketing...
    padded_plan = BatchPlan(plan.batches, (512,) * STEPS)
    padded = stepper.loss_sums(planned_batches(examples, padded_plan, grad_accum=ACCUM))
    # ...and today's own stream: one shuffled epoch of the same 64 examples, batched otherwise.
    stream = train_batches(examples, batch_size=BATCH, grad_accum=ACCUM, seed=0)
    today = stepper.loss_sums(next(stream) for _ in range(STEPS))
    for (s_b, n_b), (s_p, n_p) in zip(bucketed, padded, strict=True):
        assert n_b == n_p
        np.testing.assert_allclose(s_b, s_p, rtol=1e-5)
    assert sum(n for _, n in today) == sum(n for _, n in bucketed)
    np.testing.assert_allclose(_per_token(bucketed), _per_token(today), rtol=1e-5)
    np.testing.assert_allclose(_per_token(bucketed), _per_token(padded), rtol=1e-5)


def test_the_loop_compiles_once_per_bucket_length(tmp_path: Path) -> None:
    stepper = Stepper()
    examples = stepper.examples
    steps = 2 * STEPS  # two epochs: every length comes back
    plan = plan_batches(examples, batch_size=BATCH, steps=steps, seed=1, buckets=BUCKETS)
    rows: list[MetricsRow] = []
    with CompileWatch() as watch:
        train(stepper.step, stepper.state, planned_batches(examples, plan, grad_accum=ACCUM),
              steps=steps, batch_sharding=stepper.sharding,
              metrics=MetricsLog(tmp_path / "metrics.jsonl"), log_every=1, on_step=rows.append)
    assert 1 < len(plan.lengths) <= BUCKETS
    assert watch.count("train_step") == len(plan.lengths)
    compiled = [row.step for row in rows if row.includes_compile]
    first = {seq: plan.seq_lens.index(seq) + 1 for seq in plan.lengths}
    assert compiled == sorted(first.values())
    for row, pick, seq in zip(rows, plan.batches, plan.seq_lens, strict=True):
        assert row.positions == BATCH * seq
        assert row.tokens == int(examples.lengths[pick].sum())
