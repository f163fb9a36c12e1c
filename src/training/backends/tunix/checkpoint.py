"""The checkpoint, in Tunix's orbax format, written and read by Tunix's own
`tunix.sft.checkpoint_manager.CheckpointManager` (the one PeftTrainer saves with):
checkpoint/<step>/model_params/... holds

- full: the whole model's state (`nnx.state(model)`);
- lora_adapter: the adapter alone (`nnx.state(model, nnx.LoRAParam)`, PeftTrainer's own
  `save_only_lora_params`), restored into Tunix's model with the same adapter applied
  (`maybe_restore(..., restore_only_lora_params=True)`); the base weights come from model.id;
- merged: the adapter merged into the base weights (`lora.merged_model`): a plain model of
  Tunix's Gemma class, restorable with no adapter and no qwix at all.

No optimizer state: the checkpoint is the trained model, not a resumable run.
"""

from __future__ import annotations

from pathlib import Path

from flax import nnx
from tunix.sft.checkpoint_manager import CheckpointManager

from training.backends.tunix import lora
from training.config import MethodConfig


def save_checkpoint(model: nnx.Module, method: MethodConfig, directory: Path,
                    step: int) -> Path:
    contents = method.contents
    to_save = lora.merged_model(model, method) if contents == "merged" else model
    manager = CheckpointManager(root_directory=str(directory.resolve()))
    manager.save(step, to_save, save_only_lora_params=contents == "lora_adapter", force=True)
    manager.close()
    return directory


def restore_checkpoint(model: nnx.Module, directory: Path, *,
                       adapter_only: bool) -> int:
    """Restore the latest step of `directory` into `model` (in place) with Tunix's loader;
    returns the step restored (0: none)."""
    manager = CheckpointManager(root_directory=str(directory.resolve()))
    step, _ = manager.maybe_restore(model, restore_only_lora_params=adapter_only)
    manager.close()
    return step
