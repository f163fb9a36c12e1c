"""The training step a preflight weighs, one kind per backend: what it lowers, how its analytic
floor is counted, what its static checks are. The engine (`engine.Evaluator`) is the same for
all; `step_model_for` picks by the config's backend.

- `FlaxStep`: this project's own jit step (`training.step.make_train_step`) over the
  backend's abstract parameters (flax_transformers);
- `tunix_preflight.TunixStep`: Tunix's PeftTrainer step over Tunix's model, with the config's
  method (full, LoRA, QLoRA) and the trainable subset it implies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from evidence import Finding
from training.backends.base import AbstractModel, Backend, ModelSpec
from training.config import RunConfig
from training.optim import make_optimizer
from training.preflight import static_checks
from training.preflight.abstract import (
    abstract_mesh,
    abstract_state,
    device_mesh,
    lower_train_step,
)
from training.preflight.hardware import Target
from training.preflight.memory import MemoryEstimate, analytic_floor

FLOOR_CAVEAT = ("the analytic floor counts parameters, float32 gradients and optimizer state "
                "only; activations and XLA's temporaries come on top, so a floor that fits is "
                "needed but not enough")
# (a step lowered for one CPU device, what the compile is for) -> XLA's figures of it
CompileOnCpu = Callable[[Any, str], MemoryEstimate]


class StepModel(Protocol):
    parameter_count: int  # the model's, as the eligibility profile counts it (no adapter)
    floor_caveat: str  # what the floor leaves out, for the report

    def describe(self, run: RunConfig) -> str:
        """What trains, in the config's words, e.g. 'lora (rank 16, alpha 32)'; '' if only
        the one way."""
        ...

    def floor(self, run: RunConfig, target: Target) -> MemoryEstimate: ...

    def estimates_beyond_floor(self, target: Target) -> bool:
        """Whether `beyond_floor` adds an estimate on this target (so the figure grows with the
        batch, and a largest batch can be searched without a compiler for the target)."""
        ...

    def beyond_floor(self, run: RunConfig, target: Target, floor: MemoryEstimate,
                     compile_on_cpu: CompileOnCpu) -> MemoryEstimate:
        """The floor with an estimate of what it leaves out, where the step model has one."""
        ...

    def static_findings(self, file: str, run: RunConfig) -> list[Finding]: ...

    def lower(self, run: RunConfig, devices: list[Any]) -> Any: ...

    def donation_findings(self, file: str, lowered: Any) -> list[Finding]: ...

    def notes(self, run: RunConfig, target: Target) -> list[str]: ...


@dataclass
class FlaxStep:
    """This project's jit step over the backend's abstract parameters."""

    backend: Backend
    model: AbstractModel
    floor_caveat: str = FLOOR_CAVEAT

    @property
    def parameter_count(self) -> int:
        return self.model.parameter_count

    def describe(self, run: RunConfig) -> str:
        return ""

    def floor(self, run: RunConfig, target: Target) -> MemoryEstimate:
        return analytic_floor(abstract_state(self.model.params, make_optimizer(run.train)),
                              abstract_mesh(run, target.devices), target.usable_bytes)

    def estimates_beyond_floor(self, target: Target) -> bool:
        return False

    def beyond_floor(self, run: RunConfig, target: Target, floor: MemoryEstimate,
                     compile_on_cpu: CompileOnCpu) -> MemoryEstimate:
        return floor

    def static_findings(self, file: str, run: RunConfig) -> list[Finding]:
        return static_checks.check_params_dtype(file, run, self.model.params)

    def lower(self, run: RunConfig, devices: list[Any]) -> Any:
        return lower_train_step(self.backend, self.model, run, device_mesh(run, devices))

    def donation_findings(self, file: str, lowered: Any) -> list[Finding]:
        return static_checks.check_donation(file, lowered)

    def notes(self, run: RunConfig, target: Target) -> list[str]:
        return []


def step_model_for(backend: Backend, run: RunConfig, spec: ModelSpec) -> StepModel:
    model = backend.abstract_model(run.model, spec)
    if run.backend == "tunix":
        from training.preflight.tunix_preflight import TunixStep

        return TunixStep(spec, model.parameter_count)
    return FlaxStep(backend, model)
