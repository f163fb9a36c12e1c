"""The checkpoint, in the transformers Flax format: `from_pretrained(dir)` reloads it, tokenizer
included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax

from training.loading import LoadedModel

CHECKPOINT_DIR = "checkpoint"


def save_checkpoint(loaded: LoadedModel, params: Any, run_dir: Path) -> Path:
    """Gather the (possibly sharded) parameters to the host and save model and tokenizer."""
    directory = run_dir / CHECKPOINT_DIR
    host_params = jax.device_get(params)
    loaded.model.save_pretrained(directory, params=host_params)
    loaded.tokenizer.save_pretrained(directory)
    return directory
