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
from training.backends.base import Backend, ModelSpec
from training.config import RunConfig
from training.errors import TrainingError
from training.preflight import static_checks
from training.preflight.figures_cache import FiguresCache
from training.preflight.memory import MemoryEstimate, from_compiled, from_out_of_memory
from training.preflight.resolve import Resolved
from training.preflight.step_model import StepModel


def method_text(run: RunConfig) -> str:
    """Which parameters train, in the config's words."""
    method = run.method
    if method.kind == "full":
        return "full fine-tuning"
    text = f"{method.kind} rank {method.rank}, alpha {method.alpha:g}"
    if method.kind == "qlora":
        text += f", nf4 base weights (tile {method.qlora_tile_size})"
    return text


def shape(run: RunConfig) -> str:
    """What decides the step's memory, in the config's words (the method too, where the
    backend has more than one)."""
    train = run.train
    method = f"{method_text(run)}, " if run.backend == "tunix" else ""
    return (f"{method}batch {train.batch_size} ({train.grad_accum} x {train.micro_batch_size} "
            f"rows), sequence {run.data.max_seq_len}, {train.optimizer}, "
            f"{run.sharding.strategy}")


@dataclass(frozen=True)
class Evaluation:
    run: RunConfig
    findings: list[Finding]  # the static checks'
    estimate: MemoryEstimate | None  # None: a static check stopped it before any estimate


class Evaluator:
    """Evaluates configs that differ in batch, sequence, optimizer or sharding (never in the
    model, whose shapes are built once) against one target."""

    def __init__(self, file: str, backend: Backend, spec: ModelSpec, step: StepModel,
                 resolved: Resolved, cache: FiguresCache,
                 progress: Callable[[str], None] | None = None) -> None:
        self.file, self.backend, self.spec, self.step = file, backend, spec, step
        self.resolved, self.cache = resolved, cache
        self.progress = progress  # told what is compiled, and how long it took
        self.compiles = 0  # how many compiles the cache did not spare

    @property
    def compiles_here(self) -> bool:
        return self.resolved.devices is not None

    @property
    def grows_with_the_batch(self) -> bool:
        """Whether the estimate here counts activations (a compile for the target, or the step
        model's own estimate beyond the floor), so a larger batch can stop fitting."""
        return self.compiles_here or self.step.estimates_beyond_floor(self.resolved.target)

    def floor(self, run: RunConfig) -> MemoryEstimate:
        return self.step.floor(run, self.resolved.target)

    def evaluate(self, run: RunConfig) -> Evaluation:
        target = self.resolved.target
        findings = static_checks.check_batch_divisible(self.file, run, target.devices)
        findings += self.backend.check(self.file, run, self.spec)
        if findings:  # the step cannot even be laid out, or the model breaks
            return Evaluation(run, findings, None)
        findings += self.step.static_findings(self.file, run)
        if self.resolved.devices is None:
            estimate = self.step.beyond_floor(run, target, self.floor(run), self._compiled)
            return Evaluation(run, findings, estimate)
        lowered = self.step.lower(run, self.resolved.devices)
        findings += self.step.donation_findings(self.file, lowered)
        return Evaluation(run, findings,
                          self._compiled(lowered, f"{self.resolved.target.name}: {shape(run)}"))

    def _say(self, text: str) -> None:
        if self.progress is not None:
            self.progress(text)

    def _compiled(self, lowered: Any, what: str) -> MemoryEstimate:
        usable = self.resolved.target.usable_bytes
        cached, entry = self.cache.get(lowered)
        if cached is not None:
            if cached.method == "xla_memory_analysis":  # the budget may differ from last time
                return dataclasses.replace(cached, usable_bytes=usable)
            return cached
        self.compiles += 1
        self._say(f"compiling the train step for {what} ...")
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
