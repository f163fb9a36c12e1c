"""Checks that need no compiler: each returns findings against the config file, with the key
to change, so the preflight says what is wrong before anything is compiled or loaded. The model's
own limits (its positions, ...) are the backend's `check`."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from evidence import Code, Finding
from training.config import RunConfig


def check_batch_divisible(file: str, run: RunConfig, devices: int) -> list[Finding]:
    """The trainer splits each micro-batch's rows over every device of the mesh."""
    micro = run.train.micro_batch_size
    if micro % devices == 0:
        return []
    return [Finding(file, Code.PREFLIGHT_BATCH_NOT_DIVISIBLE,
                    f"train.batch_size / train.grad_accum is {micro} rows, not a multiple of the "
                    f"{devices} devices the batch is split over; make it "
                    f"{max(devices, micro - micro % devices)} or "
                    f"{micro + devices - micro % devices}", "/train/batch_size")]


def check_params_dtype(file: str, run: RunConfig, params: Any) -> list[Finding]:
    """Every floating parameter really in the config's dtype: a Flax `dtype` argument sets the
    compute dtype only, and float32 parameters take twice the memory of bfloat16 ones."""
    wanted = jnp.dtype(run.model.dtype)
    leaves = [leaf for leaf in jax.tree_util.tree_leaves(params)
              if jnp.issubdtype(leaf.dtype, jnp.floating)]
    stray = [leaf for leaf in leaves if leaf.dtype != wanted]
    if not stray:
        return []
    found = sorted({str(leaf.dtype) for leaf in stray})
    return [Finding(file, Code.PREFLIGHT_PARAMS_DTYPE,
                    f"{len(stray)} of {len(leaves)} parameter arrays are {', '.join(found)}, not "
                    f"model.dtype {run.model.dtype}: they were not cast (a Flax dtype argument "
                    "alone does not cast parameters; training.params.cast_params does)",
                    "/model/dtype")]


def check_donation(file: str, lowered: Any) -> list[Finding]:
    """The train state's buffers donated to the step, so new parameters and optimizer state
    reuse the old ones' memory instead of doubling it."""
    state_args = jax.tree_util.tree_leaves(lowered.args_info[0][0])
    if state_args and all(arg.donated for arg in state_args):
        return []
    return [Finding(file, Code.PREFLIGHT_NO_DONATION,
                    "the train step does not donate the train state: parameters and optimizer "
                    "state would be held twice; build the step with training.step.make_train_step "
                    "(donate_argnums=(0,))")]
