"""Tunix's Gemma 2 / Gemma 3 with no weights, as the Tunix backend trains it: the model class
built under `nnx.eval_shape` (no array is allocated), its floating parameters in the run's dtype,
and the config's method (LoRA / QLoRA by qwix) applied by the backend's own code, traced.

qwix adds the adapter (and, for QLoRA, quantises the base weights) by running the model once on
its dummy input (`model.get_model_input()`); under `nnx.eval_shape` that run is traced, not
computed, so the adapted model's state is shapes too: the adapters as `nnx.LoRAParam`, and a
QLoRA base weight as qwix stores it (a 4-bit `qvalue` plus its `scale`), measured, not assumed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from training.backends.tunix import models
from training.config import MethodConfig, RunConfig
from training.preflight import tunix_link


@dataclass(frozen=True)
class TunixModelSpec:
    """Which Tunix model: its family (the model class) and Tunix's own ModelConfig object (a
    published one, `ModelConfig.gemma3_1b_it()`, or a tiny one from a smoke config)."""

    family: str  # gemma2 | gemma3
    config: Any  # tunix.models.gemma(3).model.ModelConfig
    model_id: str

    @property
    def num_layers(self) -> int:
        return int(self.config.num_layers)

    def with_layers(self, layers: int) -> TunixModelSpec:
        """The same model with fewer decoder layers (the activation estimate compiles 1 and 2)."""
        changes: dict[str, Any] = {"num_layers": layers}
        if self.family == "gemma2":  # its attention pattern has one entry per layer
            changes["attention_types"] = tuple(self.config.attention_types)[:layers]
        return TunixModelSpec(self.family, dataclasses.replace(self.config, **changes),
                              f"{self.model_id}, {layers} of {self.num_layers} layers")


def abstract_model(spec: TunixModelSpec, run: RunConfig) -> nnx.Module:
    """The model PeftTrainer is given, as shapes: base, cast, adapted."""
    base = models.abstract_model(spec.family, spec.config)
    tunix_link.cast_parameters(base, run.model.dtype)
    return tunix_link.trainable_model(base, run)


def trainable_filter(method: MethodConfig) -> Any:
    """What PeftTrainer trains: the LoRA parameters when the model has any, else every Param."""
    return nnx.Param if method.kind == "full" else nnx.LoRAParam


def bits(dtype: Any) -> int:
    kind = jnp.dtype(dtype)
    if jnp.issubdtype(kind, jnp.floating):
        return int(jnp.finfo(kind).bits)
    if jnp.issubdtype(kind, jnp.integer):
        return int(jnp.iinfo(kind).bits)
    return 8 * kind.itemsize


def stored_bytes(shape: tuple[int, ...], dtype: Any) -> int:
    """Bytes an array takes as stored: sub-byte types (qwix's nf4 is uint4) two to a byte, as
    XLA lays them out (its memory analysis agrees)."""
    return -(-int(np.prod(shape)) * bits(dtype) // 8)


def tree_bytes(tree: Any) -> int:
    return sum(stored_bytes(leaf.shape, leaf.dtype) for leaf in jax.tree_util.tree_leaves(tree))


def tree_count(tree: Any) -> int:
    return sum(int(np.prod(leaf.shape)) for leaf in jax.tree_util.tree_leaves(tree))


@dataclass(frozen=True)
class ModelBytes:
    """The model's state by role: bytes as stored, whole arrays (not per device)."""

    frozen: int  # what does not train (base weights under LoRA / QLoRA; nothing under full)
    trainable: int
    trainable_parameters: int


def model_bytes(model: nnx.Module, method: MethodConfig) -> ModelBytes:
    trainable = nnx.state(model, trainable_filter(method))
    return ModelBytes(frozen=tree_bytes(nnx.state(model)) - tree_bytes(trainable),
                      trainable=tree_bytes(trainable),
                      trainable_parameters=tree_count(trainable))
