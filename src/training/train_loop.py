"""The training loop: feeds fixed-shape sharded batches to the compiled step, times each step,
logs metrics.jsonl and a progress bar, and proves the step compiled only once per batch shape
(one per bucket length, `training.buckets`)."""

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


def train(step_fn: Any, state: TrainState, batches: Iterator[dict[str, np.ndarray]], *,
          steps: int, batch_sharding: NamedSharding, metrics: MetricsLog, log_every: int,
          on_step: Callable[[MetricsRow], None]) -> TrainState:
    compiled_shapes: set[tuple[int, ...]] = set()
    with CompileWatch() as compiles:
        for number in range(1, steps + 1):
            batch = next(batches)
            tokens = int(batch["attention_mask"].sum())
            shape = tuple(batch["input_ids"].shape)
            on_device = {name: put_global(array, batch_sharding) for name, array in batch.items()}
            before = compiles.count("train_step")
            started = time.perf_counter()
            state, values = step_fn(state, on_device)
            values = jax.device_get(values)  # waits for the step: the time is the step's
            seconds = time.perf_counter() - started
            compiled = compiles.count("train_step") > before
            if compiled and shape in compiled_shapes:
                raise TrainingError(f"the train step recompiled at step {number} for a batch "
                                    f"shape {list(shape)} it had compiled: a batch or the state "
                                    "changed dtype or sharding", exit_code=1)
            if compiled:
                compiled_shapes.add(shape)
            if not np.isfinite(values["loss"]) or not np.isfinite(values["grad_norm"]):
                raise TrainingError(f"the loss or gradient is not finite at step {number}; "
                                    "lower train.learning_rate or set train.max_grad_norm",
                                    exit_code=1)
            row = MetricsRow(step=number, loss=float(values["loss"]),
                             grad_norm=float(values["grad_norm"]),
                             learning_rate=float(values["learning_rate"]), tokens=tokens,
                             positions=int(np.prod(shape)),
                             loss_tokens=int(values["tokens"]),
                             tokens_per_second=tokens / seconds, step_seconds=seconds,
                             includes_compile=compiled)
            if number % log_every == 0 or number == steps:
                metrics.add(row)
            on_step(row)
    return state
