"""The checkpoint, in the transformers Flax format: `from_pretrained(dir)` reloads it, tokenizer
included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax

from training.backends.base import LoadedModel
from training.backends.flax_transformers.tokenizer import HFTokenizer


def save_checkpoint(loaded: LoadedModel, params: Any, directory: Path) -> Path:
    """Gather the (possibly sharded) parameters to the host and save model and tokenizer."""
    host_params = jax.device_get(params)
    loaded.module.save_pretrained(directory, params=host_params)
    if isinstance(loaded.tokenizer, HFTokenizer):
        loaded.tokenizer.hf.save_pretrained(directory)
    return directory
