"""Greedy generation with a Tunix Gemma 3 through its KV cache: each row's tokens are the argmax
of the model run on the whole sequence without a cache (sliding-window and global layers both),
whatever its padding; stepping down to fewer rows changes the work, not the tokens."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from flax import nnx
from tunix_models import tiny_section

from training.backends.tunix import models
from training.backends.tunix.generate import make_generate_fn
from training.backends.tunix.trainer import model_logits
from training.decoding import left_pad

pytestmark = pytest.mark.slow  # it compiles generation for a six-layer tiny Gemma 3

NEW = 6
PROMPTS = [[5, 17, 3, 99, 41, 8, 23, 64, 2, 77, 12, 31, 9, 50],
           [88, 14, 6, 200, 35, 71, 19, 4, 90, 60],
           [7, 130, 45, 11, 28, 93, 52, 66, 3, 18, 240, 37, 84, 21, 15, 72, 5, 44]]


@pytest.fixture(scope="module")
def model() -> nnx.Module:
    """Five sliding-window layers (window 8, shorter than every prompt) and a global one, with
    weights large enough that the argmax is never a near tie."""
    section = tiny_section(layers=6, sliding_window=8)
    built = models.build_random("gemma3", models.tiny_config(section, 258), seed=3)
    rng = np.random.default_rng(0)
    params = nnx.state(built, nnx.Param)
    nnx.update(built, jax.tree_util.tree_map(
        lambda x: jnp.asarray(rng.normal(0.0, 0.3, x.shape), x.dtype), params))
    return built


def reference(model: nnx.Module, prompt: list[int]) -> list[int]:
    """Greedy tokens from full forward passes, no cache: the sequence right-padded to a fixed
    length (causal attention never sees the padding), the next token read at its end."""
    length = len(prompt) + NEW
    forward = jax.jit(lambda ids, mask: model_logits(
        model, ids, mask, jnp.broadcast_to(jnp.arange(length), ids.shape)))
    ids = list(prompt)
    for _ in range(NEW):
        row = np.zeros((1, length), np.int32)
        row[0, :len(ids)] = ids
        mask = (np.arange(length) < len(ids)).astype(np.int32)[None]
        ids.append(int(jnp.argmax(forward(row, mask)[0, len(ids) - 1])))
    return ids[len(prompt):]


def generated(model: nnx.Module, stages: tuple[int, ...], eos: int) -> tuple[np.ndarray, ...]:
    rows = stages[0]
    prompts = PROMPTS + [PROMPTS[0]] * (rows - len(PROMPTS))
    ids, mask = left_pad(prompts, 24, pad_id=0)
    live = np.arange(rows) < len(PROMPTS)
    generate = make_generate_fn(model, max_new_tokens=NEW, eos_id=eos, pad_id=0,
                                stop_ids=[1000], stages=stages)
    out = jax.device_get(generate(nnx.state(model), ids, mask, live))
    return np.asarray(out.tokens), np.asarray(out.live_steps), np.asarray(out.computed_steps)


@pytest.fixture(scope="module")
def free(model: nnx.Module) -> tuple[np.ndarray, ...]:
    """Every row decoded to the end (no EOS), in one stage."""
    return generated(model, (4,), eos=-1)


def test_cached_greedy_tokens_are_the_full_forward_argmax(
        model: nnx.Module, free: tuple[np.ndarray, ...]) -> None:
    tokens, live_steps, _ = free
    for row, prompt in enumerate(PROMPTS):
        assert tokens[row].tolist() == reference(model, prompt)
    assert live_steps.tolist() == [NEW] * 3 + [0]  # the filler row counts as stopped


def test_stepping_down_changes_the_work_not_the_tokens(
        model: nnx.Module, free: tuple[np.ndarray, ...]) -> None:
    eos = int(free[0][0][1])  # the first row stops after its second token; the others later
    single = generated(model, (4,), eos=eos)
    staged = generated(model, (4, 2), eos=eos)
    assert np.array_equal(single[0], staged[0]) and np.array_equal(single[1], staged[1])
    assert staged[2] < single[2]
