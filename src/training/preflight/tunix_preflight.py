"""The Tunix backend's step for the preflight engine (`step_model.StepModel`): Tunix's model with
the config's method, its PeftTrainer step lowered for the target's devices, the floor counted for
the trainable subset only, and on one device without a compiler for it (a T4) the activations
estimated from CPU compiles (`tunix_memory`)."""

from __future__ import annotations

from typing import Any

import jax
from flax import nnx

from evidence import Code, Finding
from training.backends.base import ModelSpec
from training.config import RunConfig
from training.errors import TrainingError
from training.preflight import static_checks, tunix_link
from training.preflight.engine import method_text
from training.preflight.hardware import Target, size_text
from training.preflight.memory import MemoryEstimate
from training.preflight.step_model import CompileOnCpu
from training.preflight.tunix_memory import activations_estimate, bytes_by_path, tunix_floor
from training.preflight.tunix_model import TunixModelSpec
from training.preflight.tunix_step import (
    AbstractTrainer,
    TrainerCache,
    TunixStepPlan,
    donated,
    lower_tunix_step,
)

FLOOR_CAVEAT = ("the analytic floor counts the model's state as stored (frozen base weights in "
                "their dtype, nf4 under QLoRA), the optimizer state of the trained parameters "
                "only, the micro-batch, and the larger of the trained parameters' gradients and "
                "the model state the step writes out again; activations and XLA's temporaries "
                "are not in it, so a floor that fits is needed but not enough")


class TunixStep:
    def __init__(self, spec: ModelSpec, parameter_count: int) -> None:
        self.model = TunixModelSpec(spec.family, spec.config, spec.model_id)
        self.parameter_count = parameter_count
        self.floor_caveat = FLOOR_CAVEAT
        self.cache = TrainerCache()

    def plan(self, run: RunConfig) -> TunixStepPlan:
        return TunixStepPlan(self.model, run)

    def trainer(self, plan: TunixStepPlan) -> AbstractTrainer:
        try:
            return self.cache.trainer(plan)
        except ValueError as error:  # qwix's own words: a target or tile it cannot apply
            first = str(error).strip().splitlines()[0]
            raise TrainingError(f"method: {method_text(plan.run)} cannot be applied to "
                                f"{self.model.model_id}: {first}") from None

    def describe(self, run: RunConfig) -> str:
        return method_text(run)

    def floor(self, run: RunConfig, target: Target) -> MemoryEstimate:
        plan = self.plan(run)
        return tunix_floor(plan, self.trainer(plan), target.devices, target.usable_bytes)

    def estimates_beyond_floor(self, target: Target) -> bool:
        """On one device: the CPU compiles stand in for it. With several devices the CPU
        cannot stand in for their layout: the floor alone."""
        return target.devices == 1

    def beyond_floor(self, run: RunConfig, target: Target, floor: MemoryEstimate,
                     compile_on_cpu: CompileOnCpu) -> MemoryEstimate:
        """The activations estimated by CPU compiles at 1 and 2 layers (`tunix_memory`)."""
        if not self.estimates_beyond_floor(target):
            return floor
        cpu = jax.devices("cpu")[:1]

        def compiled(plan: TunixStepPlan) -> MemoryEstimate:
            lowered = lower_tunix_step(plan, self.trainer(plan), cpu)
            return compile_on_cpu(lowered, f"this CPU, {plan.model.model_id}, for the "
                                           "activations estimate")

        return activations_estimate(self.plan(run), floor, compiled)

    def static_findings(self, file: str, run: RunConfig) -> list[Finding]:
        model = self.trainer(self.plan(run)).model
        return static_checks.check_params_dtype(file, run, nnx.state(model))

    def lower(self, run: RunConfig, devices: list[Any]) -> Any:
        plan = self.plan(run)
        return lower_tunix_step(plan, self.trainer(plan), devices)

    def donation_findings(self, file: str, lowered: Any) -> list[Finding]:
        _, optimizer_donated = donated(lowered)
        if optimizer_donated:
            return []
        return [Finding(file, Code.PREFLIGHT_NO_DONATION,
                        "the Tunix train step does not donate the optimizer state: it would be "
                        "held twice; compile it as PeftTrainer does (nnx.jit(train_step, "
                        "donate_argnames=('optimizer',)))")]

    def notes(self, run: RunConfig, target: Target) -> list[str]:
        if "model" in tunix_link.DONATES:
            return []
        trainer = self.trainer(self.plan(run))
        mesh = tunix_link.abstract_mesh(target.devices)
        size = sum(bytes_by_path(trainer.model, mesh).values())
        return [f"PeftTrainer donates only the optimizer to its step: the step writes the "
                f"model's whole state ({size_text(size)} per device, frozen base weights "
                "included) out anew while the old one is still held, and the figures count it; "
                "a trainer that donated the model too (donate_argnames=('model', 'optimizer')) "
                "would not need it"]
