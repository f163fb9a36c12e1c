"""The step's arithmetic: loss on response tokens only, accumulation equal to one big batch,
bfloat16 parameters stay bfloat16, and the state is donated."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from tiny_models import tiny_config

from training.backends.flax_transformers.backend import model_apply_fn
from training.backends.flax_transformers.loading import build_tiny_model
from training.backends.flax_transformers.tokenizer import HFTokenizer, byte_level_tokenizer
from training.batching import encode_examples, train_batches
from training.config import TrainConfig
from training.dataset.registry import load_dataset
from training.errors import TrainingError
from training.optim import learning_rate_schedule, make_optimizer
from training.sharding import make_mesh, put_global, train_batch_sharding, tree_shardings
from training.step import init_state, make_train_step

ITEMS = load_dataset("dev-reasoning-v2").train[:8]


def test_loss_mask_covers_exactly_the_response_and_eos() -> None:
    tokenizer = HFTokenizer(byte_level_tokenizer())
    examples = encode_examples(tokenizer, ITEMS, 512, "c.yaml")
    for row, item in enumerate(ITEMS):
        learned = examples.input_ids[row][examples.loss_mask[row] == 1].tolist()
        assert learned[-1] == tokenizer.eos_id
        assert tokenizer.decode(learned[:-1]) == item.target
        real = examples.input_ids[row][examples.attention_mask[row] == 1].tolist()
        assert tokenizer.decode(real[:-1]) == item.prompt + item.target


def test_examples_longer_than_max_seq_len_are_refused_not_cut() -> None:
    tokenizer = HFTokenizer(byte_level_tokenizer())
    with pytest.raises(TrainingError, match=r"c\.yaml: data\.max_seq_len 100 is too short"):
        encode_examples(tokenizer, ITEMS, 100, "c.yaml")


def _one_step(dtype: str, grad_accum: int,
              optimizer: optax.GradientTransformation | None = None,
              ) -> tuple[Any, dict[str, Any], Any]:
    loaded = build_tiny_model(tiny_config("gpt2", dtype, max_positions=512), seed=0)
    cfg = TrainConfig(steps=1, batch_size=8, grad_accum=grad_accum, optimizer="adafactor",
                      learning_rate=1e-2)
    optimizer = optimizer or make_optimizer(cfg)
    mesh = make_mesh("data_parallel", jax.devices()[:1])
    shardings = tree_shardings(mesh, jax.eval_shape(lambda p: init_state(p, optimizer),
                                                    loaded.params))
    state = jax.jit(lambda p: init_state(p, optimizer), out_shardings=shardings)(
        jax.tree_util.tree_map(put_global, loaded.params, shardings.params))
    batch_sharding = train_batch_sharding(mesh)
    examples = encode_examples(loaded.tokenizer, ITEMS, 512, "c.yaml")
    # Same 8 examples in the same order whatever the accumulation: no shuffle effect.
    batch = next(train_batches(examples, batch_size=8, grad_accum=grad_accum, seed=0))
    step = make_train_step(model_apply_fn(loaded.module), optimizer,
                           learning_rate_schedule(cfg), shardings, batch_sharding)
    old_params = state.params
    state, metrics = step(state, {k: put_global(v, batch_sharding) for k, v in batch.items()})
    return state, jax.device_get(metrics), old_params


def test_accumulation_equals_one_big_batch() -> None:
    """With plain SGD at learning rate 1 the update is the gradient itself: accumulating over 4
    micro-batches must give the token-weighted gradient of the whole batch."""
    sgd = optax.sgd(1.0)
    state_1, metrics_1, _ = _one_step("float32", 1, sgd)
    state_4, metrics_4, _ = _one_step("float32", 4, sgd)
    assert metrics_1["tokens"] == metrics_4["tokens"]
    np.testing.assert_allclose(metrics_1["loss"], metrics_4["loss"], rtol=1e-5)
    np.testing.assert_allclose(metrics_1["grad_norm"], metrics_4["grad_norm"], rtol=1e-4)
    for a, b in zip(jax.tree_util.tree_leaves(state_1.params),
                    jax.tree_util.tree_leaves(state_4.params), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6)


def test_bfloat16_parameters_train_and_stay_bfloat16_and_are_donated() -> None:
    state, metrics, old_params = _one_step("bfloat16", grad_accum=2)
    assert {leaf.dtype for leaf in jax.tree_util.tree_leaves(state.params)} == {
        jnp.dtype(jnp.bfloat16)}
    assert np.isfinite(metrics["loss"]) and metrics["loss"] > 0
    assert int(state.step) == 1
    # Donation: the old parameter buffers were handed to the step and are gone.
    assert all(leaf.is_deleted() for leaf in jax.tree_util.tree_leaves(old_params))
