"""Parameter trees, whatever backend made them: their size, and a real cast to the run's dtype."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

Params = Any  # a nested tree of arrays (or of jax.ShapeDtypeStruct)


def parameter_count(params: Params) -> int:
    return sum(int(np.prod(leaf.shape)) for leaf in jax.tree_util.tree_leaves(params))


def jax_dtype(name: str) -> Any:
    """jnp.float32 or jnp.bfloat16 for a config's dtype name (the scalar type, which Flax and
    transformers' config serialisation expect, not a numpy dtype)."""
    return getattr(jnp, name)


def cast_params(params: Params, dtype: str) -> Params:
    """Really cast floating parameters: a Flax model's `dtype` argument only sets the compute
    dtype, the parameters would stay float32 (twice the memory) without this."""
    target = jax_dtype(dtype)

    def cast(leaf: Any) -> Any:
        return leaf.astype(target) if jnp.issubdtype(leaf.dtype, jnp.floating) else leaf

    return jax.tree_util.tree_map(cast, params)
