"""The greedy decode loop every backend shares: one token per step in a `lax.while_loop`, each
row stopped at EOS or at the stop text's tokens, and the batch stepped down through `sizes`
(`training.decoding.decode_stages`): once at most `sizes[1]` rows still run, the running rows
(and their model state) go on in a batch of `sizes[1]` rows, and so on. Every size is static,
so the loop still compiles once; a row's tokens do not depend on the rows beside it, so the
stages change the work, not the result.

A backend gives the first token's logits (its prefill), its per-row model state (cache, masks,
positions: any pytree whose arrays lead with the batch axis) and `advance`, one decode step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from training.backends.base import Generated

# (per-row model state, token [rows], step index) -> (logits [rows, 1, vocab], new state)
Advance = Callable[[Any, jax.Array, jax.Array], tuple[jax.Array, Any]]


def gather_rows(tree: Any, keep: jax.Array, rows: int) -> Any:
    """Every array of `tree` whose leading axis is the batch (`rows` long), cut to the rows
    `keep`; scalars (a cache's index) stay as they are."""
    return jax.tree_util.tree_map(
        lambda leaf: leaf[keep] if getattr(leaf, "ndim", 0) and leaf.shape[0] == rows else leaf,
        tree)


def stage_sizes(stages: Sequence[int], batch: int) -> tuple[int, ...]:
    sizes = tuple(stages) or (batch,)
    if sizes[0] != batch:
        raise ValueError(f"the batch has {batch} rows, the first stage {sizes[0]}")
    return sizes


def staged_greedy(first_logits: jax.Array, live: jax.Array, model_rows: Any, advance: Advance,
                  *, sizes: Sequence[int], max_new_tokens: int, eos_id: int, pad_id: int,
                  stop: jax.Array) -> Generated:
    """New tokens [b, max_new_tokens] (pad after a row stopped), each row's decode steps, and
    the row-steps computed, all stages together."""
    batch = first_logits.shape[0]
    # Per row of the current stage: its row in the batch, next token, stopped, the last tokens
    # (to spot the stop text), and the backend's model state.
    rows = jnp.arange(batch, dtype=jnp.int32)
    token = jnp.argmax(first_logits[:, -1], axis=-1).astype(jnp.int32)
    done = ~live.astype(jnp.bool_)
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
            model_rows = gather_rows(model_rows, keep, current)
            current = size
        # Go on while more rows run than the next stage holds (the last: while any runs).
        handover = sizes[stage + 1] if stage + 1 < len(sizes) else 0

        def running(carry: tuple[Any, ...], handover: int = handover) -> jax.Array:
            index, _, done, *_ = carry
            going: jax.Array = (index < max_new_tokens) & (jnp.sum(~done) > handover)
            return going

        def decode_one(carry: tuple[Any, ...], size: int = size) -> tuple[Any, ...]:
            index, token, done, window, model_rows, rows, out, live_steps, computed = carry
            out = out.at[rows, index].set(jnp.where(done, pad_id, token))
            live_steps = live_steps.at[rows].add((~done).astype(jnp.int32))
            window = jnp.concatenate([window[:, 1:], token[:, None]], axis=1)
            done = done | (token == eos_id) | jnp.all(window == stop, axis=1)
            logits, model_rows = advance(model_rows, token, index)
            token = jnp.argmax(logits[:, -1], axis=-1).astype(jnp.int32)
            return (index + 1, token, done, window, model_rows, rows, out, live_steps,
                    computed + size)

        (index, token, done, window, model_rows, rows, out, live_steps,
         computed) = jax.lax.while_loop(
            running, decode_one,
            (index, token, done, window, model_rows, rows, out, live_steps, computed))
    return Generated(out, live_steps, computed)
