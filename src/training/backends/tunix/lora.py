"""The fine-tuning method on a Tunix model: full (the model as it is), LoRA (qwix's
LoraProvider: an adapter `w_lora_a`, `w_lora_b` of nnx.LoRAParam beside each targeted weight,
which stays frozen) or QLoRA (the same over base weights quantised to nf4), as Tunix's own CLI
applies them (`tunix.cli.utils.model.apply_lora_to_model`). PeftTrainer trains only the
nnx.LoRAParam variables when there are any.

The adapter can be taken on its own (`adapter_state`) and merged into the base weights
(`merged_model`): a plain model of Tunix's class whose weights are base + alpha / rank x A B, so
its logits equal the adapter model's.
"""

from __future__ import annotations

import functools
from typing import Any

import flax
import jax
import jax.numpy as jnp
import qwix
from flax import nnx

from training.backends.tunix.models import random_key
from training.backends.tunix.probes import cheap_sharding_probes
from training.config import MethodConfig

LORA_A, LORA_B = "_lora_a", "_lora_b"


class NoTargets(ValueError):
    """The method's targets match no weight of the model."""


@cheap_sharding_probes()
def apply_method(model: nnx.Module, method: MethodConfig, seed: int) -> nnx.Module:
    """The model to train: the model itself for full fine-tuning, else a copy with the adapter
    (qwix clones it; the base weights are left as they were, or quantised for QLoRA)."""
    if method.kind == "full":
        return model
    options: dict[str, Any] = {"module_path": method.module_path, "rank": method.rank,
                               "alpha": float(method.alpha or 0.0)}
    if method.kind == "qlora":
        options |= {"weight_qtype": "nf4", "tile_size": method.qlora_tile_size}
    provider = qwix.LoraProvider(**options)

    # One compiled program: qwix runs the model once to create the adapter (and to quantise
    # the base weights), which op by op takes seconds even for a tiny model. The base model is
    # donated: its weights become the adapter model's in place, not a second copy in memory
    # (Gemma 2 2B's 5.2 GB twice would not fit a T4); the model given is used up.
    @functools.partial(nnx.jit, donate_argnums=(0,))
    def with_adapter(base: nnx.Module) -> nnx.Module:
        adapted: nnx.Module = qwix.apply_lora_to_model(
            base, provider, rngs=nnx.Rngs(random_key(seed)), **base.get_model_input())
        return adapted

    adapted: nnx.Module = with_adapter(model)
    if not adapter_state(adapted):
        raise NoTargets(f"{method.targets} match no weight of the model (module paths look "
                        "like layers.0.attn.q_einsum, layers.0.mlp.gate_proj)")
    return adapted


def adapter_state(model: nnx.Module) -> nnx.State:
    return nnx.state(model, nnx.LoRAParam)


def base_state(model: nnx.Module) -> nnx.State:
    """Everything but the adapter: the weights LoRA must leave bit-identical."""
    return nnx.state(model, nnx.Not(nnx.LoRAParam))


def plain_class(model: nnx.Module) -> type[nnx.Module]:
    """Tunix's own class of a model qwix wrapped."""
    cls: type[nnx.Module] = getattr(type(model), "_unquantized_type", type(model))
    return cls


def weight_delta(module: nnx.Module, weight: str, scale: float) -> jax.Array:
    """alpha / rank x A B in the weight's own layout. An Einsum's adapter is
    `lhs,A,B->out` (qwix records it as `<weight>_lora_einsum_str`); a Linear's is (in, r),
    (r, out)."""
    a = getattr(module, weight + LORA_A)[...]
    b = getattr(module, weight + LORA_B)[...]
    einsum_str = getattr(module, weight + "_lora_einsum_str", None)
    if einsum_str is None:
        shape = weight_value(getattr(module, weight)).shape
        return (jnp.matmul(a, b) * scale).reshape(shape)
    _, a_str, b_str = einsum_str.split("->")[0].split(",")
    rhs = module.einsum_str.split("->")[0].split(",")[1]
    return jnp.einsum(f"{a_str},{b_str}->{rhs}", a, b) * scale


def weight_value(variable: Any) -> jax.Array:
    """A weight's value: dequantised if QLoRA keeps it in nf4."""
    if isinstance(variable, nnx.Variable):
        return variable[...]
    array = variable.array  # qwix's WithAux over a QArray of boxed values
    unboxed = jax.tree_util.tree_map(lambda v: v[...] if isinstance(v, nnx.Variable) else v,
                                     array, is_leaf=lambda v: isinstance(v, nnx.Variable))
    return qwix.dequantize(unboxed)


@cheap_sharding_probes()
def merged_model(model: nnx.Module, method: MethodConfig) -> nnx.Module:
    """A model of Tunix's plain class (no adapter) whose weights are the base weights plus the
    adapter's delta (QLoRA: the dequantised base), in the adapter's dtype."""
    scale = float(method.alpha or 0.0) / float(method.rank or 1)
    merged: dict[tuple[Any, ...], jax.Array] = {}
    for path, module in nnx.iter_modules(model):
        for name in list(vars(module)):
            if name.endswith(LORA_A):
                weight = name[:-len(LORA_A)]
                base = weight_value(getattr(module, weight))
                delta = weight_delta(module, weight, scale)
                merged[(*path, weight)] = (base.astype(jnp.float32)
                                           + delta.astype(jnp.float32)).astype(delta.dtype)
    cls = plain_class(model)
    config = model.config  # type: ignore[attr-defined]
    plain = nnx.eval_shape(lambda: cls(config, rngs=nnx.Rngs(params=0)))
    values = flax.traverse_util.flatten_dict(nnx.to_pure_dict(nnx.state(plain, nnx.Param)))
    source = flax.traverse_util.flatten_dict(nnx.to_pure_dict(base_state(model)))
    for key in values:
        values[key] = merged[key] if key in merged else source[key]
    state = nnx.state(plain, nnx.Param)
    nnx.replace_by_pure_dict(state, flax.traverse_util.unflatten_dict(values))
    nnx.update(plain, state)
    return plain
