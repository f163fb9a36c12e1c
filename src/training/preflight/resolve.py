"""What a target means here: the devices to compile the step for (this machine's, or a TPU
topology's cross-compile devices through libtpu), or none, when only the analytic floor can be
had, and the memory a program may use on each device."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from typing import Any

import jax

from training.errors import TrainingError
from training.preflight.hardware import GIB, Target, named_targets
from training.provenance import PLATFORMS

LIBTPU_HINT = "pip install -e '.[preflight-tpu]'"


@dataclass(frozen=True)
class Resolved:
    target: Target
    devices: list[Any] | None  # None: no compiler for this target here; analytic floor only
    floor_reason: str | None = None  # why only the floor, for the report


def resolve(name: str, budget_bytes: int | None = None) -> Resolved:
    """`budget_bytes` replaces the usable memory per device (to ask "would it fit in N GiB")."""
    if name == "cpu":
        resolved = _local("cpu", jax.devices("cpu"))
    elif name == "auto":
        resolved = _local("attached", jax.devices())
    elif name in named_targets():
        resolved = _named(named_targets()[name])
    else:
        raise TrainingError(f"--target {name}: not a target; choose one of "
                            f"{', '.join([*named_targets(), 'cpu', 'auto'])}")
    if budget_bytes is None:
        return resolved
    target = resolved.target
    return Resolved(Target(target.name, target.platform, target.device_kind, target.devices,
                           budget_bytes, target.topology, target.native_bfloat16,
                           f"{target.about}; budget set to {budget_bytes / GIB:.2f} GiB"),
                    resolved.devices, resolved.floor_reason)


def _local(name: str, devices: list[Any]) -> Resolved:
    first = devices[0]
    platform = PLATFORMS.get(first.platform, "cpu")
    usable = _usable_on(first, len(devices))
    target = Target(name, platform, first.device_kind, len(devices), usable,  # type: ignore[arg-type]
                    about=f"{len(devices)} x {first.device_kind} here")
    return Resolved(target, devices)


def _usable_on(device: Any, count: int) -> int:
    """What the runtime says a program may use, or, for a CPU, the memory available now shared
    by its JAX devices."""
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    if stats and stats.get("bytes_limit"):
        return int(stats["bytes_limit"])
    if device.platform == "cpu":
        return _available_host_memory() // count
    raise TrainingError(f"{device.device_kind}: JAX states no memory limit for it; give one "
                        "with --budget-gib")


def _available_host_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def libtpu_available() -> bool:
    return importlib.util.find_spec("libtpu") is not None


def _named(target: Target) -> Resolved:
    if target.topology is None:
        return Resolved(target, None, f"no {target.device_kind} here to compile for, so this is "
                                      "the analytic floor")
    if not libtpu_available():
        return Resolved(target, None, f"libtpu is not installed ({LIBTPU_HINT}), so this is the "
                                      "analytic floor, not XLA's figure")
    from jax.experimental import topologies

    try:
        devices = topologies.get_topology_desc(target.topology, "tpu").devices
    except Exception as error:  # libtpu's errors are plain RuntimeErrors of many kinds
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return Resolved(target, None, f"libtpu cannot describe {target.topology} ({first}), so "
                                      "this is the analytic floor")
    return Resolved(target, list(devices))
