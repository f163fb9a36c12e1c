"""Batched greedy generation with a Tunix Gemma (top-k 1, no temperature: the argmax), one
compiled function per prompt shape, behind `training.backends.base.GenerateFn`.

Why not Tunix's `Sampler`: it takes strings and tokenises and pads them itself (to a power of
two), stops only at EOS ids, and decodes every row to the batch's end. The evaluation hands
over token ids left-padded to its own bucket lengths and wants rows to stop at the stop text
and the batch to step down to fewer rows as they stop (`training.decoding.decode_stages`), as
the transformers backend does. So this is the same loop as Tunix's sampler (prefill into the
model's own KV cache, then one token per step with `lax.while_loop`), on the model's own cache
layout ({"layer_i": {"k", "v", "end_index"}}, left aligned, one write index for the batch), with
those stages: once at most `stages[1]` rows still run, the running rows (their cache, masks and
positions) go on in a batch of `stages[1]` rows, and so on. Stages change the work, not the
result: a row's tokens depend neither on its padding nor on the rows beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from flax import nnx

from training.backends.base import Generated, GenerateFn
from training.staged_decode import stage_sizes, staged_greedy


def empty_cache(config: Any, batch: int, length: int, dtype: Any) -> dict[str, Any]:
    shape = (batch, length, config.num_kv_heads, config.head_dim)
    return {f"layer_{i}": {"k": jnp.zeros(shape, dtype), "v": jnp.zeros(shape, dtype),
                           "end_index": jnp.zeros((batch,), jnp.int32)}
            for i in range(config.num_layers)}


def prompt_positions(mask: jax.Array) -> jax.Array:
    """Left-padded rows: their real tokens at positions 0, 1, ...; padding at 0 (masked)."""
    return jnp.maximum(jnp.cumsum(mask, axis=-1) - 1, 0).astype(jnp.int32)


def make_generate_fn(model: nnx.Module, *, max_new_tokens: int, eos_id: int, pad_id: int,
                     stop_ids: Sequence[int], stages: Sequence[int] = ()) -> GenerateFn:
    """(model state, input_ids [b, p], attention_mask [b, p], live [b]) -> `Generated`."""
    graphdef = nnx.graphdef(model)
    config = model.config  # type: ignore[attr-defined]
    stop = jnp.asarray(stop_ids, jnp.int32)

    def generate(state: Any, input_ids: jax.Array, attention_mask: jax.Array,
                 live: jax.Array) -> Generated:
        net = nnx.merge(graphdef, state)
        batch, prompt_len = input_ids.shape
        sizes = stage_sizes(stages, batch)
        length = prompt_len + max_new_tokens
        mask = attention_mask.astype(jnp.bool_)
        dtype = net.embedder.input_embedding[...].dtype  # type: ignore[attr-defined]
        causal = jnp.tril(jnp.ones((prompt_len, prompt_len), jnp.bool_))
        prefill_mask = jnp.pad(mask[:, None, :] & causal[None],
                               ((0, 0), (0, 0), (0, max_new_tokens)))
        positions = prompt_positions(mask)
        logits, cache = net(input_ids, positions, empty_cache(config, batch, length, dtype),
                            prefill_mask)
        # Per row: its cache, its keys' mask (the prompt's, then every new slot) and its next
        # position.
        keys = jnp.concatenate([mask, jnp.ones((batch, max_new_tokens), jnp.bool_)], axis=1)

        def advance(model_rows: Any, token: jax.Array,
                    index: jax.Array) -> tuple[jax.Array, Any]:
            cache, keys, position = model_rows
            # The token goes into slot prompt_len + index; it sees the slots up to it.
            seen = keys & (jnp.arange(length) <= prompt_len + index)[None]
            # A model of this trace level: qwix's LoRA records its einsum on the module at
            # every call, which nnx refuses from inside the loop for an outer module.
            step_net = nnx.merge(graphdef, state)
            logits, cache = step_net(token[:, None], position[:, None], cache, seen[:, None])
            return logits, (cache, keys, position + 1)

        return staged_greedy(logits, live, (cache, keys, positions[:, -1] + 1), advance,
                             sizes=sizes, max_new_tokens=max_new_tokens, eos_id=eos_id,
                             pad_id=pad_id, stop=stop)

    return jax.jit(generate)
