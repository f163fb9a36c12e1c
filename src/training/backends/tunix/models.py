"""Tunix's Gemma classes and their configs: the published models by their Tunix config id, and
tiny ones built from a config section, all through `tunix.models.gemma` (Gemma 2) and
`tunix.models.gemma3` (Gemma 3), with the sharding annotations those classes carry.

Sharding (`sharding.strategy`): the Mesh is ("data", "fsdp", "tp") of shape (1, devices, 1),
the axis names Tunix's ShardingConfig uses. The batch always splits over "fsdp" (Tunix's
activations are annotated so); fsdp also splits the parameters along it (Tunix's default
sharding), data_parallel replicates them (every "fsdp" dropped from the parameters'
annotations). The "data" axis, of size 1, lets the trainer's own helpers (`training.sharding`)
place evaluation batches on this mesh as on theirs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx
from jax.sharding import Mesh
from tunix.models.gemma import model as gemma2_lib
from tunix.models.gemma3 import model as gemma3_lib

from training.backends.tunix.model_config import TunixPretrainedConfig, TunixTinyConfig
from training.backends.tunix.probes import cheap_sharding_probes
from training.params import jax_dtype

MESH_AXES = ("data", "fsdp", "tp")
# What Tunix's sharding annotations call the parameter-sharding axis.
FSDP = "fsdp"
SHARDING_METADATA = "out_sharding"


def model_class(family: str) -> type[nnx.Module]:
    cls: type[nnx.Module] = gemma3_lib.Gemma3 if family == "gemma3" else gemma2_lib.Gemma
    return cls


def named_config(name: str, dtype: str) -> Any:
    """Tunix's own config of a published model (`ModelConfig.gemma3_1b_it()`, ...)."""
    if name.startswith("gemma3"):
        config = getattr(gemma3_lib.ModelConfig, name)()
        return dataclasses.replace(config, param_dtype=jax_dtype(dtype))
    return getattr(gemma2_lib.ModelConfig, name)()


def tiny_config(cfg: TunixTinyConfig, vocab_size: int) -> Any:
    """A Tunix ModelConfig of the tiny section's shape (Gemma 3's or Gemma 2's defaults for the
    rest: its attention pattern, soft caps and norms)."""
    shape = {"num_layers": cfg.layers, "num_embed": vocab_size, "embed_dim": cfg.embed_dim,
             "hidden_dim": cfg.hidden_dim, "num_heads": cfg.heads, "head_dim": cfg.head_dim,
             "num_kv_heads": cfg.kv_heads, "sliding_window_size": cfg.sliding_window}
    if cfg.architecture == "gemma3":
        return gemma3_lib.ModelConfig(**shape, param_dtype=jax_dtype(cfg.dtype))
    pattern = (gemma2_lib.AttentionType.LOCAL_SLIDING, gemma2_lib.AttentionType.GLOBAL)
    return gemma2_lib.ModelConfig(
        **shape, final_logit_softcap=30.0, use_post_attn_norm=True, use_post_ffw_norm=True,
        attention_types=(pattern * cfg.layers)[:cfg.layers], attn_logits_soft_cap=50.0)


def config_of(cfg: TunixPretrainedConfig | TunixTinyConfig, vocab_size: int) -> Any:
    if isinstance(cfg, TunixTinyConfig):
        return tiny_config(cfg, vocab_size)
    return named_config(cfg.name, cfg.dtype)


def random_key(seed: int) -> jax.Array:
    """A key of XLA's own generator: its initialisers compile in a fraction of threefry's time
    (6.7 s against 1.9 s for the smoke model on this project's 2-core machine)."""
    return jax.random.key(seed, impl="rbg")


@cheap_sharding_probes()
def build_random(family: str, config: Any, seed: int) -> nnx.Module:
    """The model with random weights, initialised in one compiled program (op by op it takes
    seconds even for a tiny model). Tunix initialises the MLP's kernels to zeros (a checkpoint
    replaces them); here they are random too (variance 1 / fan-in), or the MLP and its adapter
    would pass no gradient at all."""
    cls = model_class(family)

    @nnx.jit
    def build() -> nnx.Module:
        model = cls(config, rngs=nnx.Rngs(params=random_key(seed)))
        key = random_key(seed + 1)
        for _, module in nnx.iter_modules(model):
            if isinstance(module, nnx.Linear):
                key, draw = jax.random.split(key)
                kernel = module.kernel[...]
                scale = 1.0 / np.sqrt(kernel.shape[0])
                module.kernel[...] = (jax.random.normal(draw, kernel.shape) * scale
                                      ).astype(kernel.dtype)
        return model

    built: nnx.Module = build()
    return built


@cheap_sharding_probes()
def abstract_model(family: str, config: Any) -> nnx.Module:
    """The model with its parameters as shapes (nothing allocated)."""
    cls = model_class(family)
    abstract: nnx.Module = nnx.eval_shape(lambda: cls(config, rngs=nnx.Rngs(params=0)))
    return abstract


def cast_model(model: nnx.Module, dtype: str) -> None:
    """Cast the floating parameters in place: Tunix's Gemma 2 initialises float32 and a
    checkpoint brings its own dtype; the run's dtype is the one the config names."""
    target = jax_dtype(dtype)

    def cast(leaf: Any) -> Any:
        return leaf.astype(target) if jnp.issubdtype(leaf.dtype, jnp.floating) else leaf

    nnx.update(model, jax.tree_util.tree_map(cast, nnx.state(model, nnx.Param)))


def make_mesh(devices: list[Any] | None = None) -> Mesh:
    devices = devices if devices is not None else jax.devices()
    return Mesh(np.array(devices).reshape(1, len(devices), 1), MESH_AXES)


def replicate_parameters(model: nnx.Module) -> None:
    """data_parallel: drop the fsdp axis from every variable's sharding annotation, so the
    parameters (and the optimizer state, which Tunix shards as they are) are replicated."""
    for _, variable in nnx.iter_graph(model):
        if isinstance(variable, nnx.Variable) and variable.has_metadata(SHARDING_METADATA):
            names = variable.get_metadata(SHARDING_METADATA)
            if names:
                variable.set_metadata(SHARDING_METADATA,
                                      tuple(None if name == FSDP else name for name in names))


def place_on_mesh(model: nnx.Module, mesh: Mesh) -> None:
    """Every variable on the mesh as its annotation says (its dims the mesh does not divide
    replicated)."""
    state = nnx.state(model)
    shardings = nnx.get_named_sharding(state, mesh)

    def fit(leaf: Any, sharding: jax.sharding.NamedSharding) -> jax.sharding.NamedSharding:
        spec = tuple(sharding.spec) + (None,) * (leaf.ndim - len(sharding.spec))
        divides = all(axis is None or leaf.shape[dim] % mesh.shape[axis] == 0
                      for dim, axis in enumerate(spec) if not isinstance(axis, tuple))
        return sharding if divides else jax.sharding.NamedSharding(mesh,
                                                                   jax.sharding.PartitionSpec())

    placed = jax.tree_util.tree_map(lambda leaf, s: jax.device_put(leaf, fit(leaf, s)),
                                    state, shardings)
    nnx.update(model, placed)


def fit_sharding_annotations(tree: nnx.Module | nnx.Optimizer) -> None:
    """Replicate every variable whose annotation names more axes than it has: an optimizer's
    state inherits its parameter's annotation, and Adafactor's factored moments (a row and a
    column vector of a matrix) have fewer dimensions than the parameter (PeftTrainer would
    refuse to shard them)."""
    for _, variable in nnx.iter_graph(tree):
        if isinstance(variable, nnx.Variable) and variable.has_metadata(SHARDING_METADATA):
            names = variable.get_metadata(SHARDING_METADATA)
            ndim = getattr(variable[...], "ndim", 0)
            if names and len(names) > ndim:
                variable.set_metadata(SHARDING_METADATA, (None,) * ndim)
