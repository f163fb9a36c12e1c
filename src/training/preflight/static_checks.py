"""Checks that need no compiler: each returns findings against the config file, with the key
to change, so the preflight says what is wrong before anything is compiled or loaded."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from transformers import PretrainedConfig

from evidence.findings import Code, Finding
from training.config import RunConfig
from training.loading import JNP_DTYPES, max_positions
from training.preflight.model_spec import head_dim


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


def check_positions(file: str, run: RunConfig, config: PretrainedConfig) -> list[Finding]:
    """Enough positions for the sequence, and, for Gemma, at least twice the head dimension
    (the Flax Gemma model builds its rotary table from them and breaks below that)."""
    findings = []
    positions = max_positions(config)
    if run.data.max_seq_len > positions:
        findings.append(Finding(file, Code.PREFLIGHT_POSITIONS_TOO_FEW,
                                f"data.max_seq_len {run.data.max_seq_len} is longer than the "
                                f"model's {positions} positions", "/data/max_seq_len"))
    if config.model_type == "gemma" and positions < 2 * head_dim(config):
        findings.append(Finding(file, Code.PREFLIGHT_POSITIONS_TOO_FEW,
                                f"the model has max_position_embeddings {positions}, below 2 x "
                                f"head_dim ({2 * head_dim(config)}): the Flax Gemma model breaks "
                                "there; raise it in the model's config", "/model"))
    return findings


def check_params_dtype(file: str, run: RunConfig, params: Any) -> list[Finding]:
    """Every floating parameter really in the config's dtype: a Flax `dtype` argument sets the
    compute dtype only, and float32 parameters take twice the memory of bfloat16 ones."""
    wanted = JNP_DTYPES[run.model.dtype]
    leaves = [leaf for leaf in jax.tree_util.tree_leaves(params)
              if jnp.issubdtype(leaf.dtype, jnp.floating)]
    stray = [leaf for leaf in leaves if leaf.dtype != wanted]
    if not stray:
        return []
    found = sorted({str(leaf.dtype) for leaf in stray})
    return [Finding(file, Code.PREFLIGHT_PARAMS_DTYPE,
                    f"{len(stray)} of {len(leaves)} parameter arrays are {', '.join(found)}, not "
                    f"model.dtype {run.model.dtype}: they were not cast (a Flax dtype argument "
                    "alone does not cast parameters; the loader's cast_params does)",
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
