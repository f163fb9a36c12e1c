"""Training a Tunix model with Tunix's PeftTrainer (`tunix.sft.peft_trainer`), so the run is
trained with Tunix, on the pipeline's planned batches, with this project's loss, optimizer and
metrics:

- batches: the plan's [grad_accum, micro batch, sequence] batches fed micro-batch by micro-batch
  (PeftTrainer's gradient accumulation is optax.MultiSteps over its micro-steps); each length
  is one compilation of Tunix's `_train_step`, and the StepLog fails a run that compiles again
  for a shape it had compiled;
- loss: `training.step.response_loss_sum` scaled by grad_accum / (the step's response tokens),
  so MultiSteps' mean over the micro-steps is the project's loss per real token of the step,
  and its mean gradient the project's gradient;
- optimizer: `training.optim.make_optimizer` (clipping, Adafactor or AdamW, warmup-cosine), with
  a first link that records the norm of the gradient it is given: the accumulated one, the
  project's `grad_norm` (PeftTrainer's own is per micro-step);
- metrics: one row per optimizer step, timed from the hook `on_train_step_start` of its first
  micro-step until its loss is on the host (its last micro-step blocks on it).

PeftTrainer trains nnx.LoRAParam only when the model has an adapter (`lora.apply_method`), every
nnx.Param otherwise.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Iterator
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx
from jax.sharding import Mesh
from tunix.sft import hooks, peft_trainer

from training.backends.base import TrainJob
from training.backends.tunix import models
from training.batching import planned_batches
from training.compile_watch import CompileWatch
from training.optim import learning_rate_schedule, make_optimizer
from training.step import response_loss_sum, train_positions
from training.train_loop import STEP_NAME

BATCH_AXIS = ("data", "fsdp")  # the batch rows split over every device of the mesh


class GradNorm(NamedTuple):
    grad_norm: jax.Array


def record_grad_norm() -> optax.GradientTransformation:
    """A link that changes nothing and keeps the global norm of the gradient it was given."""

    def init(params: Any) -> GradNorm:
        return GradNorm(jnp.zeros((), jnp.float32))

    def update(updates: Any, state: GradNorm, params: Any = None) -> tuple[Any, GradNorm]:
        return updates, GradNorm(optax.global_norm(updates).astype(jnp.float32))

    return optax.GradientTransformation(init, update)


def causal_mask(attention_mask: jax.Array) -> jax.Array:
    """[b, s] key mask -> Tunix's [b, s, s] attention mask: causal, padding never attended."""
    seq = attention_mask.shape[1]
    causal = jnp.tril(jnp.ones((seq, seq), jnp.bool_))
    return attention_mask.astype(jnp.bool_)[:, None, :] & causal[None]


def model_logits(model: nnx.Module, input_ids: jax.Array, attention_mask: jax.Array,
                 positions: jax.Array) -> jax.Array:
    logits, _ = model(input_ids, positions, None, causal_mask(attention_mask))
    return logits  # type: ignore[no-any-return]


def loss_fn(model: nnx.Module, input_ids: jax.Array, attention_mask: jax.Array,
            loss_mask: jax.Array, loss_scale: jax.Array) -> tuple[jax.Array, dict[str, Any]]:
    """The micro-batch's summed response loss x grad_accum / the step's response tokens; the
    aux carries what the step's metrics row needs."""
    logits = model_logits(model, input_ids, attention_mask, train_positions(input_ids))
    loss = response_loss_sum(logits, input_ids, loss_mask) * loss_scale
    aux = {"loss": jax.lax.stop_gradient(loss), "tokens": jnp.sum(attention_mask),
           "loss_tokens": jnp.sum(loss_mask[:, 1:])}
    return loss, aux


def micro_batches(job: TrainJob, on_step: Any) -> Iterator[dict[str, np.ndarray]]:
    """The plan's steps as micro-batches, each with its step's loss scale; `on_step(shape)`
    says which step's batch the next micro-batches are (PeftTrainer draws them as it runs)."""
    accum = job.run.train.grad_accum
    for batch in planned_batches(job.examples, job.plan, grad_accum=accum):
        tokens = max(int(batch["loss_mask"][:, :, 1:].sum()), 1)
        scale = np.asarray(accum / tokens, np.float32)
        on_step(tuple(batch["input_ids"].shape))
        for micro in range(accum):
            yield {**{name: array[micro] for name, array in batch.items()},
                   "loss_scale": scale}


class StepMetrics(hooks.TrainingHooks):
    """Measures each optimizer step over its micro-steps and hands the row to the StepLog."""

    def __init__(self, job: TrainJob, compiles: CompileWatch) -> None:
        self.job, self.compiles = job, compiles
        self.accum = job.run.train.grad_accum
        self.schedule = learning_rate_schedule(job.run.train)
        self.shapes: list[tuple[int, ...]] = []
        self.started = 0.0
        self.compiled_before = 0
        self.micro: list[dict[str, Any]] = []

    def on_train_start(self, train_ctx: Any) -> None:
        pass

    def on_train_end(self, train_ctx: Any) -> None:
        pass

    def on_train_step_start(self, train_ctx: Any) -> None:
        if train_ctx.iter_steps % self.accum == 0:  # the step's first micro-step
            self.started = time.perf_counter()
            self.compiled_before = self.compiles.count(STEP_NAME)
            self.micro = []

    def on_train_step_end(self, train_ctx: Any, train_step: int, train_loss: float) -> None:
        pass  # PeftTrainer calls it a step late (it overlaps logging): rows come from aux

    def on_eval_step_start(self, train_ctx: Any) -> None:
        pass

    def on_eval_step_end(self, train_ctx: Any, eval_loss: float) -> None:
        pass

    def micro_step_done(self, trainer: TunixTrainer, aux: dict[str, Any]) -> None:
        self.micro.append(aux)
        if len(self.micro) < self.accum:
            return
        # One transfer, which waits for the step: the time is the step's.
        values, grad_norm = jax.device_get((self.micro, trainer.accumulated_grad_norm()))
        seconds = time.perf_counter() - self.started
        number = trainer.train_steps + 1  # PeftTrainer counts the update after this call
        self.job.log.record(
            number, self.shapes[number - 1],
            compiled=self.compiles.count(STEP_NAME) > self.compiled_before,
            loss=float(np.mean([v["loss"] for v in values])), grad_norm=float(grad_norm),
            learning_rate=float(self.schedule(number - 1)),
            tokens=int(sum(v["tokens"] for v in values)),
            loss_tokens=int(sum(v["loss_tokens"] for v in values)), seconds=seconds)


class MetricsLogger(peft_trainer.MetricsLogger):
    """Tunix's logger, whose close() would clear every jax.monitoring listener of the process
    (the compile counter's among them): this one closes only its own backends (it has none)."""

    def close(self) -> None:
        for backend in self._backends:
            backend.close()


class TunixTrainer(peft_trainer.PeftTrainer):
    """PeftTrainer, with each micro-step's aux handed to the metrics hook as it completes (its
    documented override point), and the accumulated gradient's norm read from the optimizer."""

    metrics_hook: StepMetrics
    _grad_norm: nnx.Variable[jax.Array] | None = None

    def _post_process_train_step(self, aux: Any) -> None:
        self.metrics_hook.micro_step_done(self, aux)

    def accumulated_grad_norm(self) -> jax.Array:
        """What `record_grad_norm` kept. Its variable is looked up once (the jitted step updates
        the optimizer's variables in place): walking the optimizer's state for it cost 3.7 to
        4.6 ms of host time a step on a 2-core machine, reading it 0.03 ms."""
        if self._grad_norm is None:
            self._grad_norm = self._grad_norm_variable()
        return self._grad_norm[...]

    def _grad_norm_variable(self) -> nnx.Variable[jax.Array]:
        """nnx holds the optimizer state as nested dicts of variables."""
        state = nnx.state(self.optimizer, nnx.optimizer.OptState)
        leaves = jax.tree_util.tree_flatten_with_path(
            state, is_leaf=lambda leaf: isinstance(leaf, nnx.Variable))[0]
        for path, leaf in leaves:
            if "grad_norm" in [getattr(key, "key", None) for key in path]:
                return leaf  # type: ignore[no-any-return]
        raise RuntimeError("the optimizer state holds no gradient norm")


def make_trainer(model: nnx.Module, job: TrainJob, compiles: CompileWatch) -> TunixTrainer:
    """PeftTrainer set up for `job`: the project's loss, optimizer and metrics hook (its
    compilations counted by `compiles`), no eval set, no checkpoints of its own."""
    accum = job.run.train.grad_accum
    optimizer = optax.chain(record_grad_norm(), make_optimizer(job.run.train))
    config = peft_trainer.TrainingConfig(
        eval_every_n_steps=job.steps + 1,  # no eval set: the pipeline evaluates afterwards
        max_steps=None,  # the batches end with the plan (max_steps would draw tqdm's bar)
        gradient_accumulation_steps=accum if accum > 1 else None,
        checkpoint_root_directory=None,  # the backend saves the final checkpoint itself
        data_sharding_axis=(BATCH_AXIS,), pbar_description=None)
    trainer = TunixTrainer(model, optimizer, config, metrics_logger=MetricsLogger())
    models.fit_sharding_annotations(trainer.optimizer)
    trainer.with_loss_fn(loss_fn, has_aux=True)
    hook = StepMetrics(job, compiles)
    trainer.metrics_hook = hook
    trainer.with_training_hooks(hook)
    return trainer


def train_model(model: nnx.Module, job: TrainJob) -> nnx.Module:
    """Train `model` (already on `job.mesh`) in place with PeftTrainer; returns it."""
    with CompileWatch() as compiles:
        trainer = make_trainer(model, job, compiles)
        with mesh_context(job.mesh):
            trainer.train(micro_batches(job, trainer.metrics_hook.shapes.append))
    return model


@contextlib.contextmanager
def mesh_context(mesh: Mesh) -> Iterator[None]:
    """The mesh where PeftTrainer 0.1.7 looks it up: jax's thread resources, which only the
    `with mesh:` form sets (`jax.set_mesh` does not); JAX calls that form deprecated."""
    with contextlib.ExitStack() as stack:
        with warnings.catch_warnings():  # only entering the mesh, not the training
            warnings.simplefilter("ignore", DeprecationWarning)
            stack.enter_context(mesh)
        yield
