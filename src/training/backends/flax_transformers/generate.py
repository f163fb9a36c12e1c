"""Batched greedy generation with a transformers Flax model, jit-compiled once per prompt shape:
a KV-cached decode loop (`training.staged_decode`, shared with the Tunix backend) that stops
each row at EOS or at the stop text's tokens, and the whole batch when every row stopped.

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
from training.staged_decode import stage_sizes, staged_greedy


def make_generate_fn(model: Any, *, max_new_tokens: int, eos_id: int, pad_id: int,
                     stop_ids: Sequence[int], stages: Sequence[int] = ()) -> GenerateFn:
    """(params, input_ids [b, p], attention_mask [b, p], live [b]) -> `Generated`: new tokens
    [b, max_new_tokens] (pad after a row stopped), each row's decode steps, and the row-steps
    computed. `stages` (first: b) are the batch sizes decoding steps down through."""
    stop = jnp.asarray(stop_ids, jnp.int32)

    def generate(params: Any, input_ids: jax.Array, attention_mask: jax.Array,
                 live: jax.Array) -> Generated:
        batch, prompt_len = input_ids.shape
        sizes = stage_sizes(stages, batch)
        kwargs = model.prepare_inputs_for_generation(input_ids, prompt_len + max_new_tokens,
                                                     attention_mask)
        prefill = model(input_ids, params=params, **kwargs)
        kwargs = model.update_inputs_for_generation(prefill, kwargs)

        def advance(kwargs: Any, token: jax.Array, index: jax.Array) -> tuple[jax.Array, Any]:
            step = model(token[:, None], params=params, **kwargs)
            return step.logits, model.update_inputs_for_generation(step, kwargs)

        return staged_greedy(prefill.logits, live, kwargs, advance, sizes=sizes,
                             max_new_tokens=max_new_tokens, eos_id=eos_id, pad_id=pad_id,
                             stop=stop)

    return jax.jit(generate)
