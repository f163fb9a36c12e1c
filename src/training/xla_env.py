"""The XLA environment, set before JAX is imported (JAX reads it once, at import): the one home
of every variable the trainer and the preflight set.

Imports nothing heavy itself: the launcher calls `set_run_environment` (a run) or the preflight
`set_preflight_environment` (a check) first, then imports JAX.
"""

from __future__ import annotations

import os
from typing import Literal

Device = Literal["auto", "cpu", "gpu", "tpu"]
# What --device asks JAX for; auto lets JAX pick (TPU, then GPU, then CPU).
JAX_PLATFORMS: dict[Device, str | None] = {"auto": None, "cpu": "cpu", "gpu": "cuda",
                                           "tpu": "tpu"}


def set_run_environment(device: Device, smoke: bool) -> dict[str, str]:
    """Set the XLA memory variables and the platform, keeping any the user already set.
    Returns what is now in force, for the log.

    - XLA_PYTHON_CLIENT_PREALLOCATE=false: JAX would otherwise take 75 % of a GPU's memory at
      start, which hides what the run really needs and starves anything beside it.
    - XLA_PYTHON_CLIENT_ALLOCATOR=platform (smoke only): allocate and free exactly, so a smoke
      run's memory is its real footprint; slower, which a smoke run can afford.
    """
    wanted = {"XLA_PYTHON_CLIENT_PREALLOCATE": "false"}
    if smoke:
        wanted["XLA_PYTHON_CLIENT_ALLOCATOR"] = "platform"
    platform = JAX_PLATFORMS[device]
    if platform is not None:
        wanted["JAX_PLATFORMS"] = platform
    for name, value in wanted.items():
        if name == "JAX_PLATFORMS":
            os.environ[name] = value  # --device is an explicit request: it wins
        else:
            os.environ.setdefault(name, value)
    return {name: os.environ[name] for name in wanted}


# Without these, libtpu asks the cloud's metadata server which TPU this machine is and prints a
# page of warnings when there is none. Cross-compiling does not depend on them: the figures for
# v3 and v5e topologies are the same with and without (checked by hand, see docs/preflight.md).
LIBTPU_OFFLINE = {"TPU_SKIP_MDS_QUERY": "1", "TPU_ACCELERATOR_TYPE": "v5litepod-8",
                  "TPU_WORKER_HOSTNAMES": "localhost", "TPU_WORKER_ID": "0"}


def set_preflight_environment(target: str) -> None:
    """A named target is compiled for from this machine's CPU (never its GPU or TPU, which would
    take memory from whatever runs there); `auto` keeps the launcher's environment."""
    if target == "auto":
        return
    os.environ["JAX_PLATFORMS"] = "cpu"
    for name, value in LIBTPU_OFFLINE.items():
        os.environ.setdefault(name, value)
