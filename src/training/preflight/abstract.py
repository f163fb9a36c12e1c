"""The run's training step with no weights: parameters as shapes in the run's dtype (the
backend's abstract model), the trainer's own optimizer, state, shardings and step function
(`training.step.make_train_step`, donation included), lowered for a mesh of the target's
devices."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import optax
from jax.sharding import AbstractMesh, Mesh

from training.backends.base import AbstractModel, Backend
from training.config import RunConfig
from training.optim import learning_rate_schedule, make_optimizer
from training.sharding import BATCH_AXES, make_mesh, train_batch_sharding, tree_shardings
from training.step import init_state, make_train_step

BATCH_KEYS = ("input_ids", "attention_mask", "loss_mask")


def abstract_state(params: Any, optimizer: optax.GradientTransformation) -> Any:
    """The TrainState's shapes: step, parameters and the optimizer's state."""
    return jax.eval_shape(lambda tree: init_state(tree, optimizer), params)


def abstract_mesh(run: RunConfig, devices: int) -> AbstractMesh:
    """The mesh `training.sharding.make_mesh` builds, by sizes only: for a target whose devices
    are not here."""
    sizes = (devices, 1) if run.sharding.strategy == "data_parallel" else (1, devices)
    return AbstractMesh(sizes, BATCH_AXES)


def device_mesh(run: RunConfig, devices: list[Any]) -> Mesh:
    return make_mesh(run.sharding.strategy, devices)


def abstract_batch(run: RunConfig) -> dict[str, jax.ShapeDtypeStruct]:
    """[grad_accum, micro_batch, max_seq_len] int32: the longest batch `training.batching`
    makes (bucketed batches are shorter, never wider), so the peak memory of any step."""
    shape = (run.train.grad_accum, run.train.micro_batch_size, run.data.max_seq_len)
    return {key: jax.ShapeDtypeStruct(shape, jnp.int32) for key in BATCH_KEYS}


def lower_train_step(backend: Backend, model: AbstractModel, run: RunConfig, mesh: Mesh) -> Any:
    """`make_train_step` exactly as the pipeline builds it, lowered on abstract inputs."""
    optimizer, schedule = make_optimizer(run.train), learning_rate_schedule(run.train)
    state = abstract_state(model.params, optimizer)
    batch_sharding = train_batch_sharding(mesh)
    step = make_train_step(backend.apply_fn(model.module), optimizer, schedule,
                           tree_shardings(mesh, state), batch_sharding)
    return step.lower(state, abstract_batch(run))
