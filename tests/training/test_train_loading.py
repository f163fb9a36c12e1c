"""The real from_pretrained path, on tiny GPT-2 and Gemma models saved locally."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from tiny_models import tiny_config

from training.backends.flax_transformers.loading import build_tiny_model, load_pretrained
from training.backends.flax_transformers.model_config import PretrainedModelConfig
from training.backends.flax_transformers.tokenizer import byte_level_tokenizer
from training.errors import TrainingError
from training.params import cast_params


def _pretrained(model_id: str, dtype: str = "bfloat16") -> PretrainedModelConfig:
    return PretrainedModelConfig.model_validate(
        {"source": "pretrained", "id": model_id, "dtype": dtype})


def test_from_pretrained_loads_a_local_model_in_real_bfloat16(
        saved_tiny_model: tuple[str, Path]) -> None:
    architecture, directory = saved_tiny_model
    loaded = load_pretrained(_pretrained(str(directory)), max_seq_len=64, config_path="c.yaml")
    assert loaded.family == architecture
    assert loaded.revision is None and loaded.model_id == str(directory.resolve())
    # The parameters themselves are bfloat16, not just the compute dtype.
    dtypes = {leaf.dtype for leaf in jax.tree_util.tree_leaves(loaded.params)}
    assert dtypes == {jnp.dtype(jnp.bfloat16)}
    ids = jnp.asarray(loaded.tokenizer.encode("What is 2 + 2?", specials=True))[None]
    logits = loaded.module(ids, params=loaded.params).logits
    assert logits.shape == (1, ids.shape[1], len(loaded.tokenizer.hf))
    assert logits.dtype == jnp.bfloat16


def test_float32_round_trip_keeps_the_weights(saved_tiny_model: tuple[str, Path]) -> None:
    architecture, directory = saved_tiny_model
    original = build_tiny_model(tiny_config(architecture), seed=0)
    loaded = load_pretrained(_pretrained(str(directory), "float32"), max_seq_len=64,
                             config_path="c.yaml")
    for a, b in zip(jax.tree_util.tree_leaves(original.params),
                    jax.tree_util.tree_leaves(loaded.params), strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_a_sequence_longer_than_the_model_fails_before_weights_load(
        saved_tiny_model: tuple[str, Path]) -> None:
    _, directory = saved_tiny_model
    with pytest.raises(TrainingError, match=r"c\.yaml: data\.max_seq_len 512 is longer than "
                                            r".*'s 128 positions"):
        load_pretrained(_pretrained(str(directory)), max_seq_len=512, config_path="c.yaml")


def test_a_directory_without_a_model_is_named(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match=r"model\.id .* (is a directory but not a saved Flax "
                                            r"model|cannot be loaded as a Flax causal LM)"):
        load_pretrained(_pretrained(str(tmp_path)), max_seq_len=64, config_path="c.yaml")


def test_cast_params_casts_floats_only() -> None:
    cast = cast_params({"w": jnp.ones((2, 2)), "step": jnp.zeros((), jnp.int32)}, "bfloat16")
    assert cast["w"].dtype == jnp.bfloat16 and cast["step"].dtype == jnp.int32


def test_byte_level_tokenizer_round_trips_any_text() -> None:
    tokenizer = byte_level_tokenizer()
    text = "<reasoning>2 + 2 = 4 — ünïcode ✓</reasoning><answer>4</answer>\n"
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert len(ids) == len(text.encode("utf-8"))
    assert tokenizer.decode(ids) == text
    assert (tokenizer.pad_token_id, tokenizer.eos_token_id, len(tokenizer)) == (256, 257, 258)


def test_a_model_without_a_flax_class_says_so(tmp_path: Path) -> None:
    """Gemma 2 (what the Kaggle hackathon allows) has no Flax class below transformers v5."""
    from transformers import Gemma2Config

    Gemma2Config(vocab_size=258, hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                 num_attention_heads=4, num_key_value_heads=1, head_dim=16,
                 max_position_embeddings=128).save_pretrained(tmp_path)
    with pytest.raises(TrainingError, match=r"cannot be loaded as a Flax causal LM: .*not Gemma 2"):
        load_pretrained(_pretrained(str(tmp_path)), max_seq_len=64, config_path="c.yaml")
