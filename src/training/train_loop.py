"""The training loop: feeds fixed-shape sharded batches to the compiled step, times each step,
logs metrics.jsonl and a progress bar, and proves the step compiled only once per batch shape
(one per bucket length, `training.buckets`).

`StepLog` is that proof and that log for any trainer: this loop records its steps through it,
and so does a backend that trains with its library's own trainer (Tunix's PeftTrainer), so every
run's metrics rows and checks are the same code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np
from jax.sharding import NamedSharding

from training.compile_watch import CompileWatch
from training.errors import TrainingError
from training.metrics import MetricsLog, MetricsRow
from training.sharding import put_global
from training.step import TrainState

# The name the project's jit step compiles under (training.step.make_train_step).
STEP_NAME = "train_step"


class StepLog:
    """One optimizer step's measurements to a checked metrics row: a step that compiled again
    for a batch shape it had compiled fails the run, as does a non-finite loss or gradient;
    every `log_every`-th row (and the last) goes to metrics.jsonl; every row to `on_step`."""

    def __init__(self, *, steps: int, metrics: MetricsLog, log_every: int,
                 on_step: Callable[[MetricsRow], None]) -> None:
        self.steps, self.metrics, self.log_every, self.on_step = steps, metrics, log_every, on_step
        self.compiled_shapes: set[tuple[int, ...]] = set()

    def record(self, number: int, shape: tuple[int, ...], *, compiled: bool, loss: float,
               grad_norm: float, learning_rate: float, tokens: int, loss_tokens: int,
               seconds: float) -> MetricsRow:
        """`shape`: the step's batch, [grad_accum, micro batch, sequence]; `tokens`: its real
        tokens; `seconds`: from the step's start until its loss was on the host."""
        if compiled and shape in self.compiled_shapes:
            raise TrainingError(f"the train step recompiled at step {number} for a batch "
                                f"shape {list(shape)} it had compiled: a batch or the state "
                                "changed dtype or sharding", exit_code=1)
        if compiled:
            self.compiled_shapes.add(shape)
        if not np.isfinite(loss) or not np.isfinite(grad_norm):
            raise TrainingError(f"the loss or gradient is not finite at step {number}; "
                                "lower train.learning_rate or set train.max_grad_norm",
                                exit_code=1)
        row = MetricsRow(step=number, loss=loss, grad_norm=grad_norm,
                         learning_rate=learning_rate, tokens=tokens,
                         positions=int(np.prod(shape)), loss_tokens=loss_tokens,
                         tokens_per_second=tokens / seconds, step_seconds=seconds,
                         includes_compile=compiled)
        if number % self.log_every == 0 or number == self.steps:
            self.metrics.add(row)
        self.on_step(row)
        return row


def train(step_fn: Any, state: TrainState, batches: Iterator[dict[str, np.ndarray]], *,
          steps: int, batch_sharding: NamedSharding, metrics: MetricsLog, log_every: int,
          on_step: Callable[[MetricsRow], None]) -> TrainState:
    log = StepLog(steps=steps, metrics=metrics, log_every=log_every, on_step=on_step)
    return train_steps(step_fn, state, batches, steps=steps, batch_sharding=batch_sharding,
                       log=log)


def train_steps(step_fn: Any, state: TrainState, batches: Iterator[dict[str, np.ndarray]], *,
                steps: int, batch_sharding: NamedSharding, log: StepLog) -> TrainState:
    with CompileWatch() as compiles:
        for number in range(1, steps + 1):
            batch = next(batches)
            tokens = int(batch["attention_mask"].sum())
            shape = tuple(batch["input_ids"].shape)
            on_device = {name: put_global(array, batch_sharding) for name, array in batch.items()}
            before = compiles.count(STEP_NAME)
            started = time.perf_counter()
            state, values = step_fn(state, on_device)
            values = jax.device_get(values)  # waits for the step: the time is the step's
            seconds = time.perf_counter() - started
            log.record(number, shape, compiled=compiles.count(STEP_NAME) > before,
                       loss=float(values["loss"]), grad_norm=float(values["grad_norm"]),
                       learning_rate=float(values["learning_rate"]), tokens=tokens,
                       loss_tokens=int(values["tokens"]), seconds=seconds)
    return state
