"""The environment a preflight needs, set before JAX is imported."""

from __future__ import annotations

import os

# Without these, libtpu asks the cloud's metadata server which TPU this machine is and prints a
# page of warnings when there is none. Cross-compiling does not depend on them: the figures for
# v3 and v5e topologies are the same with and without (checked by hand, see docs/preflight.md).
LIBTPU_OFFLINE = {"TPU_SKIP_MDS_QUERY": "1", "TPU_ACCELERATOR_TYPE": "v5litepod-8",
                  "TPU_WORKER_HOSTNAMES": "localhost", "TPU_WORKER_ID": "0"}


def prepare_environment(target: str) -> None:
    """A named target is compiled for from this machine's CPU (never its GPU or TPU, which would
    take memory from whatever runs there); `auto` keeps the launcher's environment."""
    if target == "auto":
        return
    os.environ["JAX_PLATFORMS"] = "cpu"
    for name, value in LIBTPU_OFFLINE.items():
        os.environ.setdefault(name, value)
