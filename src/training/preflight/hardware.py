"""The hardware a preflight can check a run against, with the memory XLA may use on each.

Figures (docs/TRAINING_MODES.md, "Hardware and model facts", and XLA's own words where it
states them):
- TPU v3-8: 4 chips of 2 cores, each core one JAX device with 16 GiB HBM; XLA's compiler says
  15.48 GiB of it is available to a program.
- TPU v5e: 1 core per chip, 16 GB HBM; XLA says 15.75 GiB available.
- Tesla T4: 16 GB (15,360 MiB as the driver reports it), no native bfloat16; JAX's GPU allocator
  takes at most 75 % of it unless XLA_PYTHON_CLIENT_MEM_FRACTION says otherwise.
Imports no JAX: the launcher and the CLI pick a target before JAX is imported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from evidence import Platform

GIB = 1024**3
MIB = 1024**2
# JAX's default share of a GPU's memory (XLA_PYTHON_CLIENT_MEM_FRACTION overrides it).
JAX_GPU_MEMORY_FRACTION = 0.75
T4_MEMORY_BYTES = 15_360 * MIB


@dataclass(frozen=True)
class Target:
    name: str
    platform: Platform
    device_kind: str  # as JAX names the device
    devices: int
    usable_bytes: int  # per device: what a program may use
    topology: str | None = None  # libtpu's topology name, for cross-compiling a TPU target
    native_bfloat16: bool = True
    about: str = ""


def size_text(size: int) -> str:
    """GiB, or MiB below one GiB (a tiny model's figures would all read 0.00 GiB)."""
    if abs(size) < GIB:
        return f"{size / MIB:.1f} MiB"
    return f"{size / GIB:.2f} GiB"


def gpu_memory_fraction() -> float:
    """The share of GPU memory JAX's allocator may take: XLA_PYTHON_CLIENT_MEM_FRACTION, or 75 %.
    (XLA_PYTHON_CLIENT_PREALLOCATE=false, which the launcher sets, changes when memory is taken,
    not how much may be.)"""
    raw = os.environ.get("XLA_PYTHON_CLIENT_MEM_FRACTION", "")
    try:
        fraction = float(raw)
    except ValueError:
        return JAX_GPU_MEMORY_FRACTION
    return fraction if 0.0 < fraction <= 1.0 else JAX_GPU_MEMORY_FRACTION


def named_targets() -> dict[str, Target]:
    return {
        "t4": Target("t4", "gpu", "Tesla T4", 1, int(T4_MEMORY_BYTES * gpu_memory_fraction()),
                     native_bfloat16=False,
                     about=f"Tesla T4, 15,360 MiB, {gpu_memory_fraction():.0%} usable by JAX"),
        "v3-8": Target("v3-8", "tpu", "TPU v3", 8, int(15.48 * GIB), "v3:2x2",
                       about="TPU v3-8: 4 chips x 2 cores, 16 GiB per core"),
        "v5e-1": Target("v5e-1", "tpu", "TPU v5 lite", 1, int(15.75 * GIB), "v5e:1x1",
                        about="TPU v5e-1: 1 chip, 16 GB"),
        "v5e-8": Target("v5e-8", "tpu", "TPU v5 lite", 8, int(15.75 * GIB), "v5e:2x4",
                        about="TPU v5e-8: 8 chips, 16 GB each"),
    }


TARGET_CHOICES = (*named_targets(), "cpu", "auto")


def is_named(name: str) -> bool:
    return name in named_targets()
