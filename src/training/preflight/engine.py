"""One config on one target: the static checks, then the memory estimate (compiled where a
compiler for the target is here, the analytic floor otherwise)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jax.errors import JaxRuntimeError

from evidence import Finding
from training.backends.base import AbstractModel, Backend
from training.config import RunConfig
from training.errors import TrainingError
from training.optim import make_optimizer
from training.preflight import static_checks
from training.preflight.abstract import (
    abstract_mesh,
    abstract_state,
    device_mesh,
    lower_train_step,
)
from training.preflight.figures_cache import FiguresCache
from training.preflight.memory import (
    MemoryEstimate,
    analytic_floor,
    from_compiled,
    from_out_of_memory,
)
from training.preflight.resolve import Resolved


def shape(run: RunConfig) -> str:
    """What decides the step's memory, in the config's words."""
    train = run.train
    return (f"batch {train.batch_size} ({train.grad_accum} x {train.micro_batch_size} rows), "
            f"sequence {run.data.max_seq_len}, {train.optimizer}, {run.sharding.strategy}")


@dataclass(frozen=True)
class Evaluation:
    run: RunConfig
    findings: list[Finding]  # the static checks'
    estimate: MemoryEstimate | None  # None: a static check stopped it before any estimate


class Evaluator:
    """Evaluates configs that differ in batch, sequence, optimizer or sharding (never in the
    model, whose shapes are built once) against one target."""

    def __init__(self, file: str, backend: Backend, model: AbstractModel, resolved: Resolved,
                 cache: FiguresCache, progress: Callable[[str], None] | None = None) -> None:
        self.file, self.backend, self.model = file, backend, model
        self.resolved, self.cache = resolved, cache
        self.progress = progress  # told what is compiled, and how long it took
        self.compiles = 0  # how many compiles the cache did not spare

    @property
    def compiles_here(self) -> bool:
        return self.resolved.devices is not None

    def floor(self, run: RunConfig) -> MemoryEstimate:
        target = self.resolved.target
        return analytic_floor(abstract_state(self.model.params, make_optimizer(run.train)),
                              abstract_mesh(run, target.devices), target.usable_bytes)

    def evaluate(self, run: RunConfig) -> Evaluation:
        findings = static_checks.check_batch_divisible(self.file, run,
                                                       self.resolved.target.devices)
        findings += self.backend.check(self.file, run, self.model.spec)
        if findings:  # the step cannot even be laid out, or the model breaks
            return Evaluation(run, findings, None)
        findings += static_checks.check_params_dtype(self.file, run, self.model.params)
        if self.resolved.devices is None:
            return Evaluation(run, findings, self.floor(run))
        lowered = lower_train_step(self.backend, self.model, run,
                                   device_mesh(run, self.resolved.devices))
        findings += static_checks.check_donation(self.file, lowered)
        return Evaluation(run, findings, self._compiled(lowered, run))

    def _say(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)

    def _compiled(self, lowered: Any, run: RunConfig) -> MemoryEstimate:
        usable = self.resolved.target.usable_bytes
        cached, entry = self.cache.get(lowered)
        if cached is not None:
            if cached.method == "xla_memory_analysis":  # the budget may differ from last time
                return dataclasses.replace(cached, usable_bytes=usable)
            return cached
        self.compiles += 1
        self._say(f"compiling the train step for {self.resolved.target.name}: {shape(run)} ...")
        started = time.perf_counter()
        try:
            estimate = from_compiled(lowered.compile(), usable)
        except JaxRuntimeError as error:
            out_of_memory = from_out_of_memory(str(error), usable)
            if out_of_memory is None:
                first = str(error).strip().splitlines()[0]
                raise TrainingError(f"XLA could not compile the train step for "
                                    f"{self.resolved.target.name}: {first}") from None
            estimate = out_of_memory
        self._say(f"  compiled in {time.perf_counter() - started:.1f} s")
        self.cache.put(entry, estimate)
        return estimate
