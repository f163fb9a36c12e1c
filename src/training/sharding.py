"""How arrays lie on the devices: one Mesh over all devices with axes ("data", "fsdp").

data_parallel: mesh (n, 1), parameters replicated. fsdp: mesh (1, n), each large parameter (and
its optimizer state) split along one dimension. Either way the batch is split over all n devices,
so the same code runs on one CPU, a GPU, a TPU v3-8 or a pod.
"""

from __future__ import annotations

from typing import Any, Literal

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from training.errors import TrainingError

BATCH_AXES = ("data", "fsdp")
# Smaller arrays (norm scales, biases) stay replicated: splitting them saves nothing worth the
# extra collectives.
MIN_SHARDED_ELEMENTS = 4096


def make_mesh(strategy: Literal["data_parallel", "fsdp"],
              devices: list[Any] | None = None) -> Mesh:
    devices = devices if devices is not None else jax.devices()
    shape = (len(devices), 1) if strategy == "data_parallel" else (1, len(devices))
    return Mesh(np.array(devices).reshape(shape), BATCH_AXES)


def param_spec(shape: tuple[int, ...], fsdp_size: int) -> P:
    """Split the largest dimension that the fsdp axis divides; replicate what cannot split."""
    if fsdp_size == 1 or int(np.prod(shape)) < MIN_SHARDED_ELEMENTS:
        return P()
    for dim in sorted(range(len(shape)), key=lambda d: -shape[d]):
        if shape[dim] % fsdp_size == 0:
            spec: list[str | None] = [None] * len(shape)
            spec[dim] = "fsdp"
            return P(*spec)
    return P()


def tree_shardings(mesh: Mesh, tree: Any) -> Any:
    """A NamedSharding for every array (or ShapeDtypeStruct) of a tree, by `param_spec`."""
    fsdp_size = mesh.shape["fsdp"]
    return jax.tree_util.tree_map(
        lambda leaf: NamedSharding(mesh, param_spec(tuple(leaf.shape), fsdp_size)), tree)


def train_batch_sharding(mesh: Mesh) -> NamedSharding:
    """[grad_accum, micro_batch, seq]: micro-batch rows split over every device."""
    return NamedSharding(mesh, P(None, BATCH_AXES, None))


def eval_batch_sharding(mesh: Mesh) -> NamedSharding:
    """[batch, seq]: rows split over every device."""
    return NamedSharding(mesh, P(BATCH_AXES, None))


def replicated(mesh: Mesh) -> NamedSharding:
    return NamedSharding(mesh, P())


def check_divisible(rows: int, mesh: Mesh, what: str) -> None:
    if rows % mesh.size:
        raise TrainingError(f"{what} is {rows} rows, not a multiple of the {mesh.size} devices "
                            "the batch is split over; change it in the config")


def put_global(array: np.ndarray, sharding: NamedSharding) -> jax.Array:
    """A host array (the same on every process) placed on the mesh as one global array."""
    return jax.make_array_from_callback(array.shape, sharding, lambda index: array[index])
