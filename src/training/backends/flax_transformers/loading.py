"""Model and tokenizer loading: pretrained (hub id or local directory) or tiny (built here).

Pretrained weights come through `FlaxAutoModelForCausalLM.from_pretrained`, the one path the full
run uses; tests run it on tiny models saved locally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
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

from training.backends.base import LoadedModel
from training.backends.flax_transformers.hub import endpoint, hub_options
from training.backends.flax_transformers.model_config import (
    PretrainedModelConfig,
    TinyModelConfig,
)
from training.backends.flax_transformers.tokenizer import HFTokenizer, byte_level_tokenizer
from training.errors import TrainingError
from training.params import cast_params, jax_dtype

# transformers warns on every Flax class that Flax goes away in v5; the pin (<5) is deliberate.
transformers_logging.set_verbosity_error()


def max_positions(config: PretrainedConfig) -> int:
    for name in ("max_position_embeddings", "n_positions"):
        value = getattr(config, name, None)
        if isinstance(value, int):
            return value
    raise TrainingError(f"the {config.model_type} config states no maximum position count")


def load_model(model_config: PretrainedModelConfig | TinyModelConfig, *, max_seq_len: int,
               config_path: str, seed: int) -> LoadedModel:
    if isinstance(model_config, TinyModelConfig):
        return build_tiny_model(model_config, seed=seed)
    return load_pretrained(model_config, max_seq_len=max_seq_len, config_path=config_path)


def _loaded(model: FlaxPreTrainedModel, params: Any, tokenizer: PreTrainedTokenizerBase, *,
            model_id: str, revision: str | None, dtype: str) -> LoadedModel:
    return LoadedModel(module=model, params=cast_params(params, dtype),
                       tokenizer=HFTokenizer(tokenizer), model_id=model_id, revision=revision,
                       family=model.config.model_type, dtype=dtype,
                       max_positions=max_positions(model.config))


def build_tiny_model(cfg: TinyModelConfig, *, seed: int) -> LoadedModel:
    """A small model with random weights from `cfg`, and the byte-level tokenizer: no download."""
    tokenizer = byte_level_tokenizer()
    hf_config = tiny_hf_config(cfg, tokenizer)
    dtype = jax_dtype(cfg.dtype)
    model: FlaxPreTrainedModel = (
        FlaxGPT2LMHeadModel(hf_config, dtype=dtype, _do_init=False)
        if isinstance(hf_config, GPT2Config)
        else FlaxGemmaForCausalLM(hf_config, dtype=dtype, _do_init=False))
    params = model.init_weights(jax.random.PRNGKey(seed), (1, 1))
    return _loaded(model, params, tokenizer, model_id=cfg.label, revision=None, dtype=cfg.dtype)


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
    load; then weights and tokenizer. A hub that does not answer is not asked (the local cache
    still serves)."""
    local = Path(cfg.id).is_dir()
    source, unreachable = ({}, None) if local else hub_options(cfg.revision)
    hub = _Hub(cfg, local, unreachable)
    hf_config = hub.load(lambda: AutoConfig.from_pretrained(cfg.id, **source))
    positions = max_positions(hf_config)
    if max_seq_len > positions:
        raise TrainingError(f"{config_path}: data.max_seq_len {max_seq_len} is longer than "
                            f"{cfg.id}'s {positions} positions")
    model, params = hub.load(lambda: FlaxAutoModelForCausalLM.from_pretrained(
        cfg.id, dtype=jax_dtype(cfg.dtype), _do_init=False, **source))
    tokenizer = hub.load(lambda: AutoTokenizer.from_pretrained(cfg.id, **source))
    if tokenizer.pad_token_id is None:  # GPT-2's tokenizer has none; padding is masked anyway
        tokenizer.pad_token = tokenizer.eos_token
    return _loaded(model, params, tokenizer,
                   model_id=str(Path(cfg.id).resolve()) if local else cfg.id,
                   revision=None if local else cfg.revision, dtype=cfg.dtype)


class _Hub:
    """Runs a from_pretrained call and turns its failures into one clear TrainingError."""

    def __init__(self, cfg: PretrainedModelConfig, local: bool, unreachable: str | None) -> None:
        self.cfg, self.local, self.unreachable = cfg, local, unreachable

    def load(self, load: Any) -> Any:
        cfg = self.cfg
        try:
            return load()
        except ValueError as error:  # transformers' word for "no Flax class for this model type"
            raise TrainingError(f"model.id {cfg.id} cannot be loaded as a Flax causal LM: "
                                f"{first_line(error)} (transformers' Flax classes cover GPT-2, "
                                "Gemma 1, Llama and Mistral among others, but not Gemma 2 or "
                                "3)") from None
        except OSError as error:
            if self.local:
                raise TrainingError(f"model.id {cfg.id} is a directory but not a saved Flax "
                                    f"model and tokenizer: {first_line(error)}") from None
            reason = first_line(error) if self.unreachable is None else (
                f"{endpoint()} was not asked ({self.unreachable}) and the model is not in the "
                "local cache")
            raise TrainingError(hub_help(cfg, reason)) from None


def hub_help(cfg: PretrainedModelConfig, reason: str) -> str:
    revision = f" --revision {cfg.revision}" if cfg.revision else ""
    return (f"cannot load {cfg.id}{f' (revision {cfg.revision})' if cfg.revision else ''} from "
            f"the Hugging Face hub: {reason}\n"
            "If the hub is unreachable from this machine, download the model where it is "
            f"reachable (huggingface-cli download {cfg.id}{revision} --local-dir DIR), copy DIR "
            "here, and set model.id to DIR in the config. For a gated model such as Gemma, "
            "accept its licence on the hub and set HF_TOKEN in the environment.")


def first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
