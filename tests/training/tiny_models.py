"""Tiny models for the trainer's tests, built and saved locally, never downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.backends.flax_transformers.model_config import TinyModelConfig


def tiny_config(architecture: str, dtype: str = "float32",
                max_positions: int = 128) -> TinyModelConfig:
    return TinyModelConfig.model_validate({
        "source": "tiny", "architecture": architecture, "dtype": dtype, "layers": 2,
        "hidden_size": 64, "heads": 4, "kv_heads": 1 if architecture == "gemma" else None,
        "max_positions": max_positions,
    })


@pytest.fixture(scope="session", params=["gpt2", "gemma"])
def saved_tiny_model(request: pytest.FixtureRequest,
                     tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """(architecture, directory) of a tiny model and its tokenizer saved with save_pretrained,
    the layout a hub download has."""
    from training.backends.flax_transformers.loading import build_tiny_model

    architecture: str = request.param
    loaded = build_tiny_model(tiny_config(architecture), seed=0)
    directory = tmp_path_factory.mktemp(f"tiny-{architecture}")
    loaded.module.save_pretrained(directory, params=loaded.params)
    loaded.tokenizer.hf.save_pretrained(directory)
    return architecture, directory
