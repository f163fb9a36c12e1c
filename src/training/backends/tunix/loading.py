"""Tunix Gemma models and tokenizers: tiny (built from the config, random weights, byte-level
tokenizer) or pretrained, read by Tunix's own loaders from either published layout:

- Kaggle Models' Flax weights (an orbax checkpoint of the upstream `gemma` library's parameters,
  beside `tokenizer.model`): Gemma 3 through `tunix.models.gemma3.params
  .create_model_from_checkpoint`, Gemma 2 through `tunix.models.gemma.params
  .load_and_format_params` and the module mapping `Gemma.from_params` uses;
- the Hugging Face hub's safetensors: `params_safetensors.create_model_from_safe_tensors` of
  each family.

`source: local` takes a directory in either layout. Tests run these same functions on tiny
checkpoints written locally in both layouts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flax import nnx

from training.backends.base import LoadedModel, Tokenizer
from training.backends.flax_transformers.tokenizer import HFTokenizer, byte_level_tokenizer
from training.backends.tunix import models
from training.backends.tunix.hub import first_line, model_directory
from training.backends.tunix.model_config import TunixPretrainedConfig, TunixTinyConfig
from training.backends.tunix.tokenizer import TOKENIZER_FILE, SentencePieceTokenizer
from training.errors import TrainingError
from training.params import jax_dtype

# Files orbax writes into a checkpoint directory (any of them marks one).
ORBAX_MARKERS = ("_METADATA", "_CHECKPOINT_METADATA", "manifest.ocdbt", "checkpoint")


def load_model(cfg: TunixPretrainedConfig | TunixTinyConfig, *, max_seq_len: int,
               config_path: str, seed: int) -> LoadedModel:
    if isinstance(cfg, TunixTinyConfig):
        return build_tiny_model(cfg, seed=seed)
    return load_pretrained(cfg, max_seq_len=max_seq_len, config_path=config_path)


def build_tiny_model(cfg: TunixTinyConfig, *, seed: int) -> LoadedModel:
    """A small Gemma with random weights from `cfg`, and the byte-level tokenizer."""
    tokenizer = HFTokenizer(byte_level_tokenizer())
    config = models.tiny_config(cfg, len(tokenizer))
    model = models.build_random(cfg.architecture, config, seed)
    return loaded_model(model, tokenizer, cfg, model_id=cfg.label)


def load_pretrained(cfg: TunixPretrainedConfig, *, max_seq_len: int,
                    config_path: str) -> LoadedModel:
    positions = cfg.declared_positions or 0
    if max_seq_len > positions:
        raise TrainingError(f"{config_path}: data.max_seq_len {max_seq_len} is longer than "
                            f"{cfg.name}'s {positions} positions")
    directory = model_directory(cfg)
    model = load_weights(cfg, directory)
    tokenizer = SentencePieceTokenizer(tokenizer_file(cfg, directory))
    model_id = str(directory.resolve()) if cfg.source == "local" else cfg.id
    return loaded_model(model, tokenizer, cfg, model_id=model_id)


def loaded_model(model: nnx.Module, tokenizer: Tokenizer,
                 cfg: TunixPretrainedConfig | TunixTinyConfig, *, model_id: str) -> LoadedModel:
    models.cast_model(model, cfg.dtype)
    return LoadedModel(module=model, params=nnx.state(model, nnx.Param), tokenizer=tokenizer,
                       model_id=model_id, revision=None, family=cfg.family, dtype=cfg.dtype,
                       max_positions=cfg.declared_positions or 0)


def weights_layout(directory: Path) -> tuple[str, Path]:
    """("safetensors", dir) or ("orbax", checkpoint dir): the directory itself, or its one
    subdirectory that is an orbax checkpoint (Kaggle's Flax layout: gemma3-1b-it/ beside
    tokenizer.model)."""
    if any(directory.glob("*.safetensors")):
        return "safetensors", directory
    if is_orbax(directory):
        return "orbax", directory
    inner = [child for child in sorted(directory.iterdir()) if child.is_dir() and is_orbax(child)]
    if len(inner) == 1:
        return "orbax", inner[0]
    raise TrainingError(f"{directory} holds neither *.safetensors (the Hugging Face layout) nor "
                        "one orbax checkpoint (Kaggle's Flax layout); point model.id at the "
                        "model's own directory")


def is_orbax(directory: Path) -> bool:
    return any((directory / marker).exists() for marker in ORBAX_MARKERS)


def load_weights(cfg: TunixPretrainedConfig, directory: Path) -> nnx.Module:
    layout, path = weights_layout(directory)
    config = models.named_config(cfg.name, cfg.dtype)
    try:
        return read_weights(cfg.family, config, layout, path, cfg.dtype)
    except (ValueError, KeyError, TypeError, OSError) as error:
        raise TrainingError(f"model.id {cfg.id}: its {layout} weights do not load as "
                            f"model.name {cfg.name} ({first_line(error)}); check that name and "
                            "weights are the same model") from None


def read_weights(family: str, config: Any, layout: str, path: Path, dtype: str) -> nnx.Module:
    """The model from its weights, through Tunix's loader for the family and layout."""
    if layout == "safetensors":
        if family == "gemma3":
            from tunix.models.gemma3 import params_safetensors as gemma3_safetensors

            model: nnx.Module = gemma3_safetensors.create_model_from_safe_tensors(
                str(path), config, dtype=jax_dtype(dtype))
            return model
        from tunix.models.gemma import params_safetensors as gemma2_safetensors

        model = gemma2_safetensors.create_model_from_safe_tensors(str(path), config,
                                                                  dtype=jax_dtype(dtype))
        return model
    if family == "gemma3":
        from tunix.models.gemma3 import params as gemma3_params

        model = gemma3_params.create_model_from_checkpoint(str(path), config,
                                                           dtype=jax_dtype(dtype))
        return model
    return gemma2_from_checkpoint(config, path)


def gemma2_from_checkpoint(config: Any, path: Path) -> nnx.Module:
    """What `tunix.models.gemma.model.Gemma.from_params` does, with the config given rather
    than looked up from a version string (so a tiny Gemma 2 loads the same way)."""
    from tunix.models.gemma import model as gemma2_lib
    from tunix.models.gemma import params as gemma2_params

    params = gemma2_params.load_and_format_params(str(path))
    model: nnx.Module = gemma2_lib.module_from_linen_variables(
        module_factory=lambda: gemma2_lib.Gemma(config, rngs=nnx.Rngs(params=0)),
        variables=params["transformer"],
        map_key_fn=gemma2_lib._map_linen_var_names,
        assign_val_fn=gemma2_lib._assign_linen_params_to_nnx_state)
    return model


def tokenizer_file(cfg: TunixPretrainedConfig, directory: Path) -> Path:
    for candidate in (directory / TOKENIZER_FILE, directory.parent / TOKENIZER_FILE):
        if candidate.is_file():
            return candidate
    raise TrainingError(f"model.id {cfg.id}: no {TOKENIZER_FILE} in {directory}; Gemma's "
                        "SentencePiece tokenizer ships beside the weights on Kaggle and on the "
                        "hub: copy it there")
