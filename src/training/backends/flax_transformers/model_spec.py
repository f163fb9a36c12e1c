"""The architecture of the model a config names, without its weights.

A tiny model's comes from the config itself; a pretrained model's from its config.json: read from
a local directory, or, for the hub ids our configs name, from the published figures shipped here
(no download). Any other hub id needs the hub for its config.json (a few kilobytes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import CONFIG_MAPPING, AutoConfig, PretrainedConfig

from training.backends.flax_transformers.hub import endpoint, hub_options
from training.backends.flax_transformers.loading import tiny_hf_config
from training.backends.flax_transformers.model_config import (
    PretrainedModelConfig,
    TinyModelConfig,
)
from training.backends.flax_transformers.tokenizer import byte_level_tokenizer
from training.errors import TrainingError

# config.json of the models our configs name, as published on the hub. google/gemma-2b is Gemma 1
# (model_type gemma): 2,506,172,416 parameters.
PUBLISHED: dict[str, dict[str, Any]] = {
    "google/gemma-2b": {
        "model_type": "gemma", "vocab_size": 256_000, "hidden_size": 2048,
        "intermediate_size": 16_384, "num_hidden_layers": 18, "num_attention_heads": 8,
        "num_key_value_heads": 1, "head_dim": 256, "max_position_embeddings": 8192,
        "hidden_activation": "gelu_pytorch_tanh", "rms_norm_eps": 1e-6, "rope_theta": 10_000.0,
        "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 1,
    },
}


def model_config(cfg: PretrainedModelConfig | TinyModelConfig) -> PretrainedConfig:
    if isinstance(cfg, TinyModelConfig):
        return tiny_hf_config(cfg, byte_level_tokenizer())
    if Path(cfg.id).is_dir():
        return _read(cfg.id, lambda: AutoConfig.from_pretrained(cfg.id))
    if cfg.id in PUBLISHED:
        published = dict(PUBLISHED[cfg.id])
        return CONFIG_MAPPING[published.pop("model_type")](**published)
    options, unreachable = hub_options(cfg.revision)
    return _read(cfg.id, lambda: AutoConfig.from_pretrained(cfg.id, **options), unreachable)


def _read(model_id: str, read: Any, unreachable: str | None = None) -> PretrainedConfig:
    try:
        config: PretrainedConfig = read()
    except (OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if unreachable is not None:
            first = f"{endpoint()} was not asked ({unreachable}) and it is not in the local cache"
        raise TrainingError(
            f"model.id {model_id}: the preflight needs the model's config.json and cannot read "
            f"it: {first}. Shipped without the hub: {', '.join(sorted(PUBLISHED))}; for another "
            "model, set model.id to a directory holding its config.json (the weights are not "
            "needed)") from None
    return config


def head_dim(config: PretrainedConfig) -> int:
    explicit = getattr(config, "head_dim", None)
    if isinstance(explicit, int):
        return explicit
    return int(config.hidden_size // config.num_attention_heads)
