"""Training a transformers Flax model with this project's own jit step (`training.step`) and
loop (`training.train_loop`): parameters and optimizer state sharded on the mesh, the step
compiled with fixed shardings, the planned batches fed in order."""

from __future__ import annotations

import dataclasses

import jax

from training.backends.base import ApplyFn, LoadedModel, TrainJob
from training.batching import planned_batches
from training.optim import learning_rate_schedule, make_optimizer
from training.sharding import put_global, train_batch_sharding, tree_shardings
from training.step import init_state, make_train_step
from training.train_loop import train_steps


def train_model(loaded: LoadedModel, job: TrainJob, apply_fn: ApplyFn) -> LoadedModel:
    cfg, mesh = job.run, job.mesh
    optimizer = make_optimizer(cfg.train)
    state_shardings = tree_shardings(mesh, jax.eval_shape(lambda p: init_state(p, optimizer),
                                                          loaded.params))
    params = jax.tree_util.tree_map(put_global, loaded.params, state_shardings.params)
    state = jax.jit(lambda p: init_state(p, optimizer), out_shardings=state_shardings)(params)
    batch_sharding = train_batch_sharding(mesh)
    step_fn = make_train_step(apply_fn, optimizer,
                              learning_rate_schedule(cfg.train), state_shardings,
                              batch_sharding)
    batches = planned_batches(job.examples, job.plan, grad_accum=cfg.train.grad_accum)
    state = train_steps(step_fn, state, batches, steps=job.steps,
                        batch_sharding=batch_sharding, log=job.log)
    return dataclasses.replace(loaded, params=state.params, trained_steps=job.steps)
