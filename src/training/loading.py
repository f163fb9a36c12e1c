"""Model and tokenizer loading: pretrained (hub id or local directory) or tiny (built here).

Pretrained weights come through `FlaxAutoModelForCausalLM.from_pretrained`, the one path the full
run uses; tests run it on tiny models saved locally. The Hugging Face token is read from HF_TOKEN
and handed to transformers only: it is never logged nor written into evidence.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from transformers import (
    AutoConfig,
    AutoTokenizer,
    FlaxAutoModelForCausalLM,
    FlaxGemmaForCausalLM,
    FlaxGPT2LMHeadModel,
    GemmaConfig,
    GPT2Config,
    PretrainedConfig,
    PreTrainedTokenizerBase,
)
from transformers import logging as transformers_logging
from transformers.modeling_flax_utils import FlaxPreTrainedModel

from training.config import DType, PretrainedModelConfig, TinyModelConfig
from training.errors import TrainingError
from training.tokenizer import byte_level_tokenizer

# transformers warns on every Flax class that Flax goes away in v5; the pin (<5) is deliberate.
transformers_logging.set_verbosity_error()

Params = Any  # a nested dict of arrays, as Flax models hold them

JNP_DTYPES: dict[DType, Any] = {"float32": jnp.float32, "bfloat16": jnp.bfloat16}


@dataclass(frozen=True)
class LoadedModel:
    """The model's code (a transformers Flax model, used for its module), its parameters on the
    host, already in the run's dtype, its tokenizer, and what the evidence says about it."""

    model: FlaxPreTrainedModel
    params: Params
    tokenizer: PreTrainedTokenizerBase
    model_id: str
    revision: str | None
    family: str
    dtype: DType

    @property
    def parameter_count(self) -> int:
        return sum(int(np.prod(leaf.shape)) for leaf in jax.tree_util.tree_leaves(self.params))

    @property
    def max_positions(self) -> int:
        return max_positions(self.model.config)


def max_positions(config: PretrainedConfig) -> int:
    for name in ("max_position_embeddings", "n_positions"):
        value = getattr(config, name, None)
        if isinstance(value, int):
            return value
    raise TrainingError(f"the {config.model_type} config states no maximum position count")


def cast_params(params: Params, dtype: DType) -> Params:
    """Really cast floating parameters: a Flax model's `dtype` argument only sets the compute
    dtype, the parameters would stay float32 (twice the memory) without this."""
    target = JNP_DTYPES[dtype]

    def cast(leaf: Any) -> Any:
        return leaf.astype(target) if jnp.issubdtype(leaf.dtype, jnp.floating) else leaf

    return jax.tree_util.tree_map(cast, params)


def load_model(model_config: PretrainedModelConfig | TinyModelConfig, *, max_seq_len: int,
               config_path: str, seed: int) -> LoadedModel:
    if isinstance(model_config, TinyModelConfig):
        return build_tiny_model(model_config, seed=seed)
    return load_pretrained(model_config, max_seq_len=max_seq_len, config_path=config_path)


def build_tiny_model(cfg: TinyModelConfig, *, seed: int) -> LoadedModel:
    """A small model with random weights from `cfg`, and the byte-level tokenizer: no download."""
    tokenizer = byte_level_tokenizer()
    hf_config = tiny_hf_config(cfg, tokenizer)
    dtype = JNP_DTYPES[cfg.dtype]
    model: FlaxPreTrainedModel = (
        FlaxGPT2LMHeadModel(hf_config, dtype=dtype, _do_init=False)
        if isinstance(hf_config, GPT2Config)
        else FlaxGemmaForCausalLM(hf_config, dtype=dtype, _do_init=False))
    params = model.init_weights(jax.random.PRNGKey(seed), (1, 1))
    return LoadedModel(model=model, params=cast_params(params, cfg.dtype), tokenizer=tokenizer,
                       model_id=f"tiny-{cfg.architecture}", revision=None,
                       family=hf_config.model_type, dtype=cfg.dtype)


def tiny_hf_config(cfg: TinyModelConfig,
                   tokenizer: PreTrainedTokenizerBase) -> GPT2Config | GemmaConfig:
    special = {"pad_token_id": tokenizer.pad_token_id, "eos_token_id": tokenizer.eos_token_id,
               "bos_token_id": tokenizer.eos_token_id}
    if cfg.architecture == "gpt2":
        # No dropout: the step runs the model deterministically (Gemma has none either).
        return GPT2Config(vocab_size=len(tokenizer), n_positions=cfg.max_positions,
                          n_embd=cfg.hidden_size, n_layer=cfg.layers, n_head=cfg.heads,
                          n_inner=cfg.intermediate_size, resid_pdrop=0.0, embd_pdrop=0.0,
                          attn_pdrop=0.0, **special)
    return GemmaConfig(vocab_size=len(tokenizer), hidden_size=cfg.hidden_size,
                       intermediate_size=cfg.intermediate_size or 4 * cfg.hidden_size,
                       num_hidden_layers=cfg.layers, num_attention_heads=cfg.heads,
                       num_key_value_heads=cfg.kv_heads or cfg.heads,
                       head_dim=cfg.gemma_head_dim, max_position_embeddings=cfg.max_positions,
                       hidden_activation="gelu_pytorch_tanh", **special)


def load_pretrained(cfg: PretrainedModelConfig, *, max_seq_len: int,
                    config_path: str) -> LoadedModel:
    """Config first (small), so a sequence too long for the model fails before the weights
    load; then weights and tokenizer."""
    local = Path(cfg.id).is_dir()
    source: dict[str, Any] = {} if local else {"revision": cfg.revision,
                                               "token": os.environ.get("HF_TOKEN") or None}
    hf_config = _from_hub(cfg, local, lambda: AutoConfig.from_pretrained(cfg.id, **source))
    positions = max_positions(hf_config)
    if max_seq_len > positions:
        raise TrainingError(f"{config_path}: data.max_seq_len {max_seq_len} is longer than "
                            f"{cfg.id}'s {positions} positions")
    model, params = _from_hub(cfg, local, lambda: FlaxAutoModelForCausalLM.from_pretrained(
        cfg.id, dtype=JNP_DTYPES[cfg.dtype], _do_init=False, **source))
    tokenizer = _from_hub(cfg, local, lambda: AutoTokenizer.from_pretrained(cfg.id, **source))
    if tokenizer.pad_token_id is None:  # GPT-2's tokenizer has none; padding is masked anyway
        tokenizer.pad_token = tokenizer.eos_token
    return LoadedModel(model=model, params=cast_params(params, cfg.dtype), tokenizer=tokenizer,
                       model_id=str(Path(cfg.id).resolve()) if local else cfg.id,
                       revision=None if local else cfg.revision, family=hf_config.model_type,
                       dtype=cfg.dtype)


def _from_hub(cfg: PretrainedModelConfig, local: bool, load: Any) -> Any:
    try:
        return load()
    except ValueError as error:  # transformers' word for "no Flax class for this model type"
        raise TrainingError(f"model.id {cfg.id} cannot be loaded as a Flax causal LM: "
                            f"{_first_line(error)} (transformers' Flax classes cover GPT-2, "
                            "Gemma 1, Llama and Mistral among others, but not Gemma 2 or 3)") \
            from None
    except OSError as error:
        if local:
            raise TrainingError(f"model.id {cfg.id} is a directory but not a saved Flax model "
                                f"and tokenizer: {_first_line(error)}") from None
        raise TrainingError(_hub_help(cfg, error)) from None


def _hub_help(cfg: PretrainedModelConfig, error: Exception) -> str:
    revision = f" --revision {cfg.revision}" if cfg.revision else ""
    return (f"cannot load {cfg.id}{f' (revision {cfg.revision})' if cfg.revision else ''} from "
            f"the Hugging Face hub: {_first_line(error)}\n"
            "If the hub is unreachable from this machine, download the model where it is "
            f"reachable (huggingface-cli download {cfg.id}{revision} --local-dir DIR), copy DIR "
            "here, and set model.id to DIR in the config. For a gated model such as Gemma, "
            "accept its licence on the hub and set HF_TOKEN in the environment.")


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
