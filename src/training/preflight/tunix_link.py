"""Everything the preflight takes from the Tunix backend (`training.backends.tunix`), in one
place: if that backend changes how it builds, adapts, lays out or trains the model, this module
is what follows it, and the preflight lowers the new step.

What trains there (`backends/tunix/trainer.py`, `models.py`, `lora.py`):
- the model: Tunix's class, floating parameters cast to the run's dtype, the annotations of
  data_parallel stripped of 'fsdp', LoRA / QLoRA by `lora.apply_method` (qwix);
- the mesh: ('data', 'fsdp', 'tp') = (1, devices, 1), micro-batch rows over ('data', 'fsdp');
- the trainer: `TunixTrainer`, a PeftTrainer whose `_train_step` is PeftTrainer's own, compiled
  by PeftTrainer's `jit_train_and_eval_step` as `nnx.jit(train_step,
  donate_argnames=("optimizer",))`; `trainer.loss_fn` with aux; optax.chain(record_grad_norm(),
  the project's optimizer), wrapped by PeftTrainer in optax.MultiSteps when grad_accum > 1;
- one step call: one micro-batch of the plan, {input_ids, attention_mask, loss_mask} int32
  [micro_batch, seq] and a float32 `loss_scale`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax
from flax import nnx
from jax.sharding import AbstractMesh, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from training.backends.tunix import lora, models, trainer
from training.backends.tunix.probes import cheap_sharding_probes
from training.config import RunConfig, TrainConfig
from training.optim import make_optimizer

MESH_AXES: tuple[str, ...] = models.MESH_AXES
BATCH_AXES: tuple[str, ...] = trainer.BATCH_AXIS
TRAINER_CLASS: Any = trainer.TunixTrainer
# PeftTrainer.jit_train_and_eval_step donates the optimizer only (the model is not donated, so
# the step writes the model's whole state out anew while the old one is still held).
DONATES: tuple[str, ...] = ("optimizer",)
LOSS_FN: Callable[..., Any] = trainer.loss_fn
LOSS_HAS_AUX = True


def make_mesh(devices: list[Any]) -> Mesh:
    return models.make_mesh(devices)


def abstract_mesh(devices: int) -> AbstractMesh:
    """The same mesh by sizes only, for a target whose devices are not here."""
    return AbstractMesh((1, devices, 1), MESH_AXES)


def optimizer_transform(train: TrainConfig) -> optax.GradientTransformation:
    """The optimizer PeftTrainer is given, wrapped as PeftTrainer wraps it."""
    tx = optax.chain(trainer.record_grad_norm(), make_optimizer(train))
    return optax.MultiSteps(tx, train.grad_accum) if train.grad_accum > 1 else tx


@cheap_sharding_probes()
def trainable_model(base: nnx.Module, run: RunConfig) -> nnx.Module:
    """`backend.prepare_model` on an abstract model, less its placement (the preflight places
    shapes, `placement` below): data_parallel's annotations, then the method's adapter, traced
    under `nnx.eval_shape` (qwix runs the model once on its dummy input to create the adapter
    and, for QLoRA, to quantise the base weights)."""
    if run.sharding.strategy == "data_parallel":
        models.replicate_parameters(base)
    adapted: nnx.Module = nnx.eval_shape(
        lambda model: lora.apply_method(model, run.method, run.train.seed), base)
    return adapted


def cast_parameters(model: nnx.Module, dtype: str) -> None:
    """The loader's cast (`models.cast_model`), on shapes."""
    target = jnp.dtype(dtype)

    def cast(leaf: Any) -> Any:
        floating = jnp.issubdtype(leaf.dtype, jnp.floating)
        return jax.ShapeDtypeStruct(leaf.shape, target) if floating else leaf

    nnx.update(model, jax.tree_util.tree_map(cast, nnx.state(model, nnx.Param)))


def fit_optimizer_annotations(optimizer: nnx.Optimizer) -> None:
    """`models.fit_sharding_annotations` (an annotation naming more axes than its variable has,
    as Adafactor's factored moments inherit their matrix's, replicated), on shapes: that one
    reads each variable's value, which a shape does not have."""
    for _, variable in nnx.iter_graph(optimizer):
        if isinstance(variable, nnx.Variable) and \
                variable.has_metadata(models.SHARDING_METADATA):
            names = variable.get_metadata(models.SHARDING_METADATA)
            ndim = len(getattr(variable.get_raw_value(), "shape", ()))
            if names and len(names) > ndim:
                variable.set_metadata(models.SHARDING_METADATA, (None,) * ndim)


def placement(leaf: Any, sharding: NamedSharding) -> NamedSharding:
    """`models.place_on_mesh`'s rule: the annotation's sharding, or replicated when the mesh
    does not divide one of the dimensions it splits."""
    mesh = sharding.mesh
    spec = tuple(sharding.spec) + (None,) * (len(leaf.shape) - len(sharding.spec))
    divides = all(axis is None or leaf.shape[dim] % mesh.shape[axis] == 0
                  for dim, axis in enumerate(spec) if not isinstance(axis, tuple))
    return sharding if divides else NamedSharding(mesh, P())


def step_inputs(micro_batch: int, seq: int, mesh: Mesh | AbstractMesh | None) -> dict[str, Any]:
    """One step call's micro-batch (`trainer.micro_batches`), laid out as PeftTrainer's
    `shard_input` lays it (rows over the batch axes; the scalar replicated)."""
    rows = NamedSharding(mesh, P(BATCH_AXES)) if mesh is not None else None
    scalar = NamedSharding(mesh, P()) if mesh is not None else None
    shape = (micro_batch, seq)
    return {**{name: jax.ShapeDtypeStruct(shape, jnp.int32, sharding=rows)
               for name in ("input_ids", "attention_mask", "loss_mask")},
            "loss_scale": jax.ShapeDtypeStruct((), jnp.float32, sharding=scalar)}
