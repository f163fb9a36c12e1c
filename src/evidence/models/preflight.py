"""The preflight record in run_manifest.json: on which target the run was predicted to fit, with
how much memory per device, by which method, and with which tools.

Structure only. Whether the verdict agrees with its own figures, with the config that ran and with
the devices it ran on is checked by `evidence validate` (`evidence.validation.checks`), so
that the model and its JSON Schema say the same thing.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from evidence.models.types import Count, Name, PositiveInt, Sha256, StrictModel

Platform = Literal["cpu", "gpu", "tpu"]
# xla_memory_analysis: XLA compiled the step for the target and stated its memory;
# xla_out_of_memory: XLA refused to compile it for lack of memory (the figures are its own);
# analytic_floor: parameters + gradients + optimizer state only, a lower bound (no compiler for
# the target here: a GPU target without a GPU, a TPU target without libtpu).
PreflightMethod = Literal["xla_memory_analysis", "xla_out_of_memory", "analytic_floor"]
Verdict = Literal["fits", "does_not_fit"]


class PreflightRecord(StrictModel):
    """The memory preflight: on which target the config was predicted to fit, and how."""

    target: Name = Field(description="The target checked: t4, v3-8, v5e-1, v5e-8, cpu, or "
                                     "attached (the devices the run itself had).")
    platform: Platform = Field(description="Platform of the target: cpu, gpu or tpu.")
    device_kind: Name = Field(description="Device kind, as JAX names it (e.g. 'TPU v5 lite').")
    devices: PositiveInt = Field(description="Devices the step was laid out on.")
    config_sha256: Sha256 = Field(description="SHA-256 of the config file that was checked.")
    method: PreflightMethod = Field(
        description="How the peak was predicted: xla_memory_analysis (XLA compiled the step for "
                    "the target and stated its memory), xla_out_of_memory (XLA refused to "
                    "compile it for lack of memory), or analytic_floor (parameters, gradients "
                    "and optimizer state only: a lower bound, where no compiler for the target "
                    "was at hand).")
    predicted_peak_bytes_per_device: Count = Field(
        description="Predicted peak memory of one training step, in bytes per device.")
    usable_bytes_per_device: PositiveInt = Field(
        description="Memory a step may use on the target, in bytes per device.")
    verdict: Verdict = Field(description="fits when the predicted peak is at most the usable "
                                         "memory, per device.")
    tools: dict[Name, Name] = Field(description="Package name -> version of the tools that made "
                                                "the prediction (jax, jaxlib, libtpu, ...).")
