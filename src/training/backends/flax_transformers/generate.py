"""Batched greedy generation with a transformers Flax model, jit-compiled once: a KV-cached
decode loop (`lax.while_loop`) that stops each row at EOS or at the stop text's tokens, and the
whole batch when every row stopped.

The model's own `prepare_inputs_for_generation` sets up the cache and the positions of the
left-padded prompts, the way transformers' Flax `generate` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from training.backends.base import GenerateFn


def make_generate_fn(model: Any, *, max_new_tokens: int, eos_id: int, pad_id: int,
                     stop_ids: Sequence[int]) -> GenerateFn:
    """(params, input_ids [b, p], attention_mask [b, p]) -> new tokens [b, max_new_tokens],
    pad after a row stopped."""
    stop = jnp.asarray(stop_ids, jnp.int32)

    def generate(params: Any, input_ids: jax.Array, attention_mask: jax.Array) -> jax.Array:
        batch, prompt_len = input_ids.shape
        kwargs = model.prepare_inputs_for_generation(input_ids, prompt_len + max_new_tokens,
                                                     attention_mask)
        prefill = model(input_ids, params=params, **kwargs)
        kwargs = model.update_inputs_for_generation(prefill, kwargs)
        start = (
            jnp.zeros((), jnp.int32),
            jnp.argmax(prefill.logits[:, -1], axis=-1).astype(jnp.int32),
            jnp.zeros((batch,), bool),
            jnp.full((batch, max_new_tokens), pad_id, jnp.int32),
            jnp.full((batch, stop.shape[0]), -1, jnp.int32),
            kwargs,
        )

        def running(carry: tuple[Any, ...]) -> jax.Array:
            index, _, done, *_ = carry
            return (index < max_new_tokens) & ~jnp.all(done)

        def decode_one(carry: tuple[Any, ...]) -> tuple[Any, ...]:
            index, token, done, out, window, kwargs = carry
            out = out.at[:, index].set(jnp.where(done, pad_id, token))
            window = jnp.concatenate([window[:, 1:], token[:, None]], axis=1)
            done = done | (token == eos_id) | jnp.all(window == stop, axis=1)
            step = model(token[:, None], params=params, **kwargs)
            kwargs = model.update_inputs_for_generation(step, kwargs)
            token = jnp.argmax(step.logits[:, -1], axis=-1).astype(jnp.int32)
            return index + 1, token, done, out, window, kwargs

        return jax.lax.while_loop(running, decode_one, start)[3]

    return jax.jit(generate)
