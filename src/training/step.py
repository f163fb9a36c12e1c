"""The training step: importable on its own, so tools (a memory preflight, the benchmark) can
lower exactly the function the trainer runs, e.g.

    step = make_train_step(backend.apply_fn(model.module), optimizer, schedule,
                           state_shardings, batch_sharding)
    step.lower(abstract_state, abstract_batch).compile().memory_analysis()

One optimizer update per call; gradient accumulation runs inside it as a `lax.scan` over the
leading batch axis; the state's buffers are donated so parameters are updated in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import struct
from jax.sharding import NamedSharding

from training.backends.base import ApplyFn, Params

Batch = dict[str, jax.Array]


class TrainState(struct.PyTreeNode):
    step: jax.Array
    params: Params
    opt_state: optax.OptState


def init_state(params: Params, optimizer: optax.GradientTransformation) -> TrainState:
    return TrainState(step=jnp.zeros((), jnp.int32), params=params,
                      opt_state=optimizer.init(params))


def response_loss_sum(logits: jax.Array, input_ids: jax.Array,
                      loss_mask: jax.Array) -> jax.Array:
    """Summed cross-entropy of the response tokens (float32 logits): each position predicts the
    next token, and only the tokens the loss mask marks count. Every backend's loss is this."""
    logits = logits[:, :-1].astype(jnp.float32)
    targets = input_ids[:, 1:]
    token_loss = optax.softmax_cross_entropy_with_integer_labels(logits, targets)
    return jnp.sum(token_loss * loss_mask[:, 1:])


def train_positions(input_ids: jax.Array) -> jax.Array:
    """Positions of right-padded rows: 0, 1, 2, ... (padding is masked out)."""
    return jnp.broadcast_to(jnp.arange(input_ids.shape[1]), input_ids.shape)


def _micro_loss_sum(apply_fn: ApplyFn, params: Params, micro: Batch) -> jax.Array:
    """Summed cross-entropy of the response tokens of one micro-batch (float32 logits)."""
    input_ids = micro["input_ids"]
    logits = apply_fn(params, input_ids, micro["attention_mask"], train_positions(input_ids))
    return response_loss_sum(logits, input_ids, micro["loss_mask"])


def train_step_fn(apply_fn: ApplyFn, optimizer: optax.GradientTransformation,
                  schedule: optax.Schedule) -> Callable[[TrainState, Batch],
                                                        tuple[TrainState, dict[str, jax.Array]]]:
    """The pure step: batch arrays are [grad_accum, micro_batch, seq]."""

    def step(state: TrainState, batch: Batch) -> tuple[TrainState, dict[str, jax.Array]]:
        tokens = jnp.maximum(jnp.sum(batch["loss_mask"][:, :, 1:]), 1).astype(jnp.float32)
        grad_fn = jax.value_and_grad(lambda p, m: _micro_loss_sum(apply_fn, p, m) / tokens)
        # Accumulate in float32 whatever the parameter dtype: bfloat16 sums lose the small terms.
        zeros = jax.tree_util.tree_map(lambda p: jnp.zeros(p.shape, jnp.float32), state.params)

        def accumulate(carry: tuple[jax.Array, Params], micro: Batch) -> tuple[Any, None]:
            loss_sum, grad_sum = carry
            loss, grads = grad_fn(state.params, micro)
            grad_sum = jax.tree_util.tree_map(lambda a, g: a + g.astype(jnp.float32),
                                              grad_sum, grads)
            return (loss_sum + loss, grad_sum), None

        (loss, grads), _ = jax.lax.scan(accumulate, (jnp.zeros((), jnp.float32), zeros), batch)
        updates, opt_state = optimizer.update(grads, state.opt_state, state.params)
        params = optax.apply_updates(state.params, updates)
        metrics = {"loss": loss, "grad_norm": optax.tree.norm(grads),
                   "learning_rate": jnp.asarray(schedule(state.step), jnp.float32),
                   "tokens": tokens}
        return TrainState(step=state.step + 1, params=params, opt_state=opt_state), metrics

    return step


def make_train_step(apply_fn: ApplyFn, optimizer: optax.GradientTransformation,
                    schedule: optax.Schedule, state_shardings: Any,
                    batch_sharding: NamedSharding) -> Any:
    """The jit-compiled step with fixed in/out shardings (so it compiles once) and the state
    donated (so the old parameters' memory is reused)."""
    replicated = NamedSharding(batch_sharding.mesh, jax.sharding.PartitionSpec())
    metric_shardings = {name: replicated for name in ("loss", "grad_norm", "learning_rate",
                                                      "tokens")}
    step = train_step_fn(apply_fn, optimizer, schedule)
    step.__name__ = "train_step"
    return jax.jit(step, in_shardings=(state_shardings, batch_sharding),
                   out_shardings=(state_shardings, metric_shardings), donate_argnums=(0,))
