"""Memory per device of the Tunix step where no compiler for the target is here (the T4; a TPU
without libtpu): the analytic floor of what the step must hold, and, on one device, an estimate
of what the floor leaves out.

The floor, per device, as the step lays the state out (`tunix_step.state_shardings`):
- the model's state as stored: frozen base weights in their dtype (QLoRA: qwix's 4-bit values
  and their scales, as the abstract model holds them), and the trained parameters;
- the optimizer's state, which exists for the trained parameters only (LoRA: the adapter), with
  optax.MultiSteps' gradient accumulator when grad_accum > 1;
- the micro-batch;
- the larger of two things that cannot both be avoided: the gradients of the trained parameters
  (in their dtype, as nnx.value_and_grad returns them), and the step's outputs that cannot reuse
  a donated buffer (PeftTrainer donates the optimizer only, so the model's whole state is
  written out anew while the old one is still held: under LoRA the frozen base weights too).
Activations and XLA's temporaries are not in the floor.

The estimate (one device): XLA's CPU compiler's memory analysis of the same step, with the same
width, vocabulary, batch, sequence, method and optimizer, at 1 and at 2 decoder layers,
extrapolated linearly to the model's layers (the layers are alike, so each adds the same
memory: checked against a full compile in tests and in docs/preflight.md), less the floor.
Like a T4, XLA's CPU backend has no native bfloat16 and computes bfloat16 in float32, with
float32 temporaries; its fusion is not the GPU's, so this is an estimate, not XLA's GPU figure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
from flax import nnx

from training.preflight import tunix_link
from training.preflight.memory import MemoryEstimate
from training.preflight.tunix_model import stored_bytes, trainable_filter
from training.preflight.tunix_step import AbstractTrainer, TunixStepPlan, state_shardings

ESTIMATE_LAYERS = (1, 2)
ESTIMATED_BY = ("XLA's CPU compile of this step at 1 and 2 layers, extrapolated to {layers}; "
                "CPUs, like T4s, compute bfloat16 in float32")


def bytes_by_path(node: Any, mesh: Any) -> dict[str, int]:
    """Each variable's bytes on one device, by its path in the node's state."""
    state = nnx.state(node)
    leaves = jax.tree_util.tree_flatten_with_path(state)[0]
    layouts = jax.tree_util.tree_leaves(state_shardings(node, mesh))
    return {jax.tree_util.keystr(path): stored_bytes(sharding.shard_shape(leaf.shape),
                                                     leaf.dtype)
            for (path, leaf), sharding in zip(leaves, layouts, strict=True)}


def paths(state: Any) -> set[str]:
    return {jax.tree_util.keystr(path)
            for path, _ in jax.tree_util.tree_flatten_with_path(state)[0]}


def tunix_floor(plan: TunixStepPlan, trainer: AbstractTrainer, devices: int,
                usable_bytes: int) -> MemoryEstimate:
    mesh = tunix_link.abstract_mesh(devices)
    model = bytes_by_path(trainer.model, mesh)
    trainable = paths(nnx.state(trainer.model, trainable_filter(plan.run.method)))
    trained = sum(size for path, size in model.items() if path in trainable)
    frozen = sum(model.values()) - trained
    optimizer = sum(bytes_by_path(trainer.optimizer, mesh).values())
    inputs = tunix_link.step_inputs(plan.micro_batch, plan.seq, None)
    rows = max(plan.micro_batch // devices, 1)
    batch = sum(stored_bytes((rows, *leaf.shape[1:]) if leaf.shape else (), leaf.dtype)
                for leaf in jax.tree_util.tree_leaves(inputs))
    written_again = ((trained + frozen) * ("model" not in tunix_link.DONATES)
                     + optimizer * ("optimizer" not in tunix_link.DONATES))
    label = "base weights (as stored)" if plan.run.method.kind != "full" else None
    parts = {**({label: frozen} if label else {}),
             "trained parameters": trained,
             "optimizer state (trained parameters only)": optimizer,
             "micro-batch": batch}
    if written_again >= trained:
        parts["model state written out again (PeftTrainer donates only the optimizer)"] = \
            written_again
    else:
        parts["gradients (trained parameters)"] = trained
    return MemoryEstimate("analytic_floor", sum(parts.values()), usable_bytes, parts)


Compile = Callable[[TunixStepPlan], MemoryEstimate]


def extrapolate(at_layers: dict[int, int], layers: int) -> int:
    """A figure measured at 1 and 2 layers, at `layers` (each layer adds the same)."""
    one, two = at_layers[1], at_layers[2]
    return one + (layers - 1) * (two - one)


def activations_estimate(plan: TunixStepPlan, floor: MemoryEstimate,
                         compile_on_cpu: Compile) -> MemoryEstimate:
    """The floor with the estimate of what it leaves out (see the module's docstring).
    `compile_on_cpu(plan)` is XLA's memory analysis of `plan`'s step on one CPU device."""
    peaks = {layers: compile_on_cpu(plan.with_layers(layers)).peak_bytes
             for layers in ESTIMATE_LAYERS}
    estimated_peak = extrapolate(peaks, plan.model.num_layers)
    return MemoryEstimate(floor.method, floor.peak_bytes, floor.usable_bytes, floor.parts,
                          activations_bytes=max(estimated_peak - floor.peak_bytes, 0),
                          activations_how=ESTIMATED_BY.format(layers=plan.model.num_layers))
