"""Memory per device, three ways: XLA's analysis of the compiled step, XLA's refusal to compile
it (RESOURCE_EXHAUSTED, with its figures), or the analytic floor where no compiler for the target
is at hand."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from evidence import PreflightMethod
from training.sharding import tree_shardings

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}
_SIZE = r"([0-9]+(?:\.[0-9]+)?)\s*([KMGT]?)i?B?"
# The forms XLA's TPU compiler states an out-of-memory in: "the total memory required for HLO
# temporaries (24.71G) exceeds available HBM (15.75G)", "Used 20.51G of 15.48G hbm".
_OOM_FORMS = (
    re.compile(r"required[^(]*\(" + _SIZE + r"\)[^(]*available[^(]*\(" + _SIZE + r"\)"),
    re.compile(r"Used " + _SIZE + r" of " + _SIZE),
)


@dataclass(frozen=True)
class MemoryEstimate:
    method: PreflightMethod
    peak_bytes: int  # per device, as the method states it (for the floor: a lower bound)
    usable_bytes: int  # per device
    parts: dict[str, int] = field(default_factory=dict)  # what the peak is made of
    # An estimate of what the floor leaves out (activations, XLA's temporaries), where one was
    # made (`tunix_memory.activations_estimate`); None: not estimated.
    activations_bytes: int | None = None
    activations_how: str | None = None  # how it was estimated, for the report

    @property
    def needed_bytes(self) -> int:
        """What the verdict weighs: the peak, plus the activations' estimate where one was made
        (so a floor that fits does not claim a fit the activations would break)."""
        return self.peak_bytes + (self.activations_bytes or 0)

    @property
    def fits(self) -> bool:
        return self.needed_bytes <= self.usable_bytes

    @property
    def headroom(self) -> float:
        """The share of usable memory left over (negative: the share missing)."""
        return 1.0 - self.needed_bytes / self.usable_bytes


def from_compiled(compiled: Any, usable_bytes: int) -> MemoryEstimate:
    """XLA's figures for the compiled step. Peak: arguments and outputs, less the outputs that
    reuse donated arguments' buffers, plus temporaries and the program itself."""
    stats = compiled.memory_analysis()
    parts = {"arguments": stats.argument_size_in_bytes, "outputs": stats.output_size_in_bytes,
             "aliased (donated)": -stats.alias_size_in_bytes,
             "temporaries": stats.temp_size_in_bytes,
             "program": stats.generated_code_size_in_bytes}
    return MemoryEstimate("xla_memory_analysis", sum(parts.values()), usable_bytes, parts)


def _bytes(number: str, unit: str) -> int:
    return round(float(number) * _UNITS[unit])


def from_out_of_memory(message: str, usable_bytes: int) -> MemoryEstimate | None:
    """The figures of XLA's RESOURCE_EXHAUSTED at compile time, or None if it states none."""
    if "RESOURCE_EXHAUSTED" not in message:
        return None
    for form in _OOM_FORMS:
        match = form.search(message)
        if match:
            required, available = _bytes(*match.group(1, 2)), _bytes(*match.group(3, 4))
            return MemoryEstimate("xla_out_of_memory", required, available or usable_bytes,
                                  {"required (XLA)": required})
    return None


def _bytes_per_device(tree: Any, shardings: Any) -> int:
    leaves = jax.tree_util.tree_leaves(tree)
    layouts = jax.tree_util.tree_leaves(shardings)
    return sum(int(np.prod(sharding.shard_shape(leaf.shape))) * leaf.dtype.itemsize
               for leaf, sharding in zip(leaves, layouts, strict=True))


def analytic_floor(state: Any, mesh: Any, usable_bytes: int) -> MemoryEstimate:
    """Parameters + gradients + optimizer state per device, laid out as the trainer lays them:
    a lower bound, activations and XLA's temporaries not counted. Gradients are counted in
    float32, the dtype the step accumulates them in whatever the parameters' dtype."""
    shardings = tree_shardings(mesh, state)
    grads = jax.tree_util.tree_map(lambda p: jax.ShapeDtypeStruct(p.shape, np.float32),
                                   state.params)
    parts = {"parameters": _bytes_per_device(state.params, shardings.params),
             "gradients (float32)": _bytes_per_device(grads, shardings.params),
             "optimizer state": _bytes_per_device(state.opt_state, shardings.opt_state)}
    return MemoryEstimate("analytic_floor", sum(parts.values()), usable_bytes, parts)
