"""One config on one target: the static checks, then the memory estimate (compiled where a
compiler for the target is here, the analytic floor otherwise)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from jax.errors import JaxRuntimeError

from evidence.findings import Finding
from training.config import RunConfig
from training.errors import TrainingError
from training.optim import make_optimizer
from training.preflight import static_checks
from training.preflight.abstract import (
    AbstractModel,
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


@dataclass(frozen=True)
class Evaluation:
    run: RunConfig
    findings: list[Finding]  # the static checks'
    estimate: MemoryEstimate | None  # None: a static check stopped it before any estimate


class Evaluator:
    """Evaluates configs that differ in batch, sequence, optimizer or sharding (never in the
    model, whose shapes are built once) against one target."""

    def __init__(self, file: str, model: AbstractModel, resolved: Resolved,
                 cache: FiguresCache) -> None:
        self.file, self.model, self.resolved, self.cache = file, model, resolved, cache
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
        findings += static_checks.check_positions(self.file, run, self.model.config)
        if findings:  # the step cannot even be laid out, or the model breaks
            return Evaluation(run, findings, None)
        findings += static_checks.check_params_dtype(self.file, run, self.model.params)
        if self.resolved.devices is None:
            return Evaluation(run, findings, self.floor(run))
        lowered = lower_train_step(self.model, run, device_mesh(run, self.resolved.devices))
        findings += static_checks.check_donation(self.file, lowered)
        return Evaluation(run, findings, self._compiled(lowered))

    def _compiled(self, lowered: Any) -> MemoryEstimate:
        usable = self.resolved.target.usable_bytes
        cached, entry = self.cache.get(lowered)
        if cached is not None:
            if cached.method == "xla_memory_analysis":  # the budget may differ from last time
                return dataclasses.replace(cached, usable_bytes=usable)
            return cached
        self.compiles += 1
        try:
            estimate = from_compiled(lowered.compile(), usable)
        except JaxRuntimeError as error:
            out_of_memory = from_out_of_memory(str(error), usable)
            if out_of_memory is None:
                first = str(error).strip().splitlines()[0]
                raise TrainingError(f"XLA could not compile the train step for "
                                    f"{self.resolved.target.name}: {first}") from None
            estimate = out_of_memory
        self.cache.put(entry, estimate)
        return estimate
