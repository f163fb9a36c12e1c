"""Batched greedy generation with a transformers Flax model, jit-compiled once per prompt shape:
a KV-cached decode loop (`lax.while_loop`) that stops each row at EOS or at the stop text's
tokens, and the whole batch when every row stopped.

Stages (`training.decoding.decode_stages`): once at most `stages[1]` rows still run, the loop
gathers the running rows (their cache, mask and positions with them) into a batch of
`stages[1]` rows and goes on there, and so on; the stopped rows are not decoded further. Every
stage's size is static, so the function still compiles once. A row's tokens do not depend on
the rows beside it, so the stages change the work, not the result.

The model's own `prepare_inputs_for_generation` sets up the cache and the positions of the
left-padded prompts, the way transformers' Flax `generate` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp

from training.backends.base import Generated, GenerateFn


def gather_rows(tree: Any, keep: jax.Array, rows: int) -> Any:
    """Every array of `tree` whose leading axis is the batch (`rows` long), cut to the rows
    `keep`; scalars (the cache's index) stay as they are."""
    return jax.tree_util.tree_map(
        lambda leaf: leaf[keep] if getattr(leaf, "ndim", 0) and leaf.shape[0] == rows else leaf,
        tree)


def make_generate_fn(model: Any, *, max_new_tokens: int, eos_id: int, pad_id: int,
                     stop_ids: Sequence[int], stages: Sequence[int] = ()) -> GenerateFn:
    """(params, input_ids [b, p], attention_mask [b, p], live [b]) -> `Generated`: new tokens
    [b, max_new_tokens] (pad after a row stopped), each row's decode steps, and the row-steps
    computed. `stages` (first: b) are the batch sizes decoding steps down through."""
    stop = jnp.asarray(stop_ids, jnp.int32)

    def generate(params: Any, input_ids: jax.Array, attention_mask: jax.Array,
                 live: jax.Array) -> Generated:
        batch, prompt_len = input_ids.shape
        sizes = tuple(stages) or (batch,)
        if sizes[0] != batch:
            raise ValueError(f"the batch has {batch} rows, the first stage {sizes[0]}")
        kwargs = model.prepare_inputs_for_generation(input_ids, prompt_len + max_new_tokens,
                                                     attention_mask)
        prefill = model(input_ids, params=params, **kwargs)
        kwargs = model.update_inputs_for_generation(prefill, kwargs)
        # Per row of the current stage: its row in the batch, next token, stopped, the last
        # tokens (to spot the stop text), and the model's cache, mask and positions.
        rows = jnp.arange(batch, dtype=jnp.int32)
        token = jnp.argmax(prefill.logits[:, -1], axis=-1).astype(jnp.int32)
        done = ~live.astype(bool)
        window = jnp.full((batch, stop.shape[0]), -1, jnp.int32)
        # Per row of the batch, whatever the stage.
        out = jnp.full((batch, max_new_tokens), pad_id, jnp.int32)
        live_steps = jnp.zeros((batch,), jnp.int32)
        index = jnp.zeros((), jnp.int32)
        computed = jnp.zeros((), jnp.int32)
        current = batch
        for stage, size in enumerate(sizes):
            if size < current:  # the running rows first (argsort is stable: False < True)
                keep = jnp.argsort(done, stable=True)[:size]
                rows, token, done, window = (x[keep] for x in (rows, token, done, window))
                kwargs = gather_rows(kwargs, keep, current)
                current = size
            # Go on while more rows run than the next stage holds (the last: while any runs).
            handover = sizes[stage + 1] if stage + 1 < len(sizes) else 0

            def running(carry: tuple[Any, ...], handover: int = handover) -> jax.Array:
                index, _, done, *_ = carry
                going: jax.Array = (index < max_new_tokens) & (jnp.sum(~done) > handover)
                return going

            def decode_one(carry: tuple[Any, ...], size: int = size) -> tuple[Any, ...]:
                index, token, done, window, kwargs, rows, out, live_steps, computed = carry
                out = out.at[rows, index].set(jnp.where(done, pad_id, token))
                live_steps = live_steps.at[rows].add((~done).astype(jnp.int32))
                window = jnp.concatenate([window[:, 1:], token[:, None]], axis=1)
                done = done | (token == eos_id) | jnp.all(window == stop, axis=1)
                step = model(token[:, None], params=params, **kwargs)
                kwargs = model.update_inputs_for_generation(step, kwargs)
                token = jnp.argmax(step.logits[:, -1], axis=-1).astype(jnp.int32)
                return (index + 1, token, done, window, kwargs, rows, out, live_steps,
                        computed + size)

            (index, token, done, window, kwargs, rows, out, live_steps,
             computed) = jax.lax.while_loop(
                running, decode_one,
                (index, token, done, window, kwargs, rows, out, live_steps, computed))
        return Generated(out, live_steps, computed)

    return jax.jit(generate)
