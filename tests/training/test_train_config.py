"""Config model: the shipped configs load; bad ones fail with file, line and key, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.backends.flax_transformers.model_config import (
    PretrainedModelConfig,
    TinyModelConfig,
)
from training.config import load_config
from training.errors import TrainingError

SMOKE = Path("configs/smoke_tiny.yaml")


def test_shipped_configs_load() -> None:
    smoke = load_config(str(SMOKE))
    full = load_config("configs/submission_gemma_flax.yaml")
    assert isinstance(smoke.config.model, TinyModelConfig)
    assert smoke.config.model.architecture == "gpt2"
    assert isinstance(full.config.model, PretrainedModelConfig)
    assert (full.config.model.id, full.config.model.revision, full.config.model.dtype) == (
        "google/gemma-2b", "flax", "bfloat16")
    assert full.config.train.optimizer == "adafactor"
    assert len(smoke.sha256) == 64 and smoke.sha256 != full.sha256


def _variant(tmp_path: Path, old: str, new: str) -> str:
    text = SMOKE.read_text()
    assert old in text, old
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new, 1))
    return str(path)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  batch_size: 16", "  batch_size: 0",
     r"bad.yaml:\d+: train.batch_size: .*greater than or equal to 1"),
    ("learning_rate: 1.0e-3", "learning_rate: 0.0", r"train.learning_rate: .*greater than 0"),
    ("learning_rate: 1.0e-3", "learning_rate: -1.0e-3", r"train.learning_rate: .*greater than 0"),
    ("learning_rate: 1.0e-3", "learning_rate: 1e-3", r"train.learning_rate: .*write 1.0e-4"),
    ("max_seq_len: 512", "max_seq_len: 1024", r"longer than the model's model.max_positions 512"),
    ("  steps: 2 ", "  stepz: 2 ", r"bad.yaml:\d+: train.stepz: unknown key"),
    ("  layers: 2", "  layers: '2'",
     r"bad.yaml:\d+: model.layers: Input should be a valid integer"),
    ("  grad_accum: 2", "  grad_accum: 3", r"batch_size 16 is not a multiple of grad_accum 3"),
    ("  optimizer: adafactor", "  optimizer: sgd", r"train.optimizer: Input should be"),
    ("  heads: 4", "  heads: 4\n  heads: 8", r"bad.yaml:\d+: model.heads: key appears twice"),
    ("  source: tiny", "  source: magic", r"bad.yaml:\d+: model: .*does not match"),
    ("eval:\n  batch_size: 40\n", "eval:\n", r"bad.yaml:\d+: eval.batch_size: required key"),
    ("  max_seq_len: 512", "  max_seq_len: 512\n  prompt_template: chatml",
     r"bad.yaml:\d+: data.prompt_template: Input should be 'plain' or 'gemma_chat'"),
])
def test_bad_values_name_file_line_and_key(tmp_path: Path, old: str, new: str,
                                           expected: str) -> None:
    with pytest.raises(TrainingError, match=expected):
        load_config(_variant(tmp_path, old, new))


def test_gemma_positions_below_twice_head_dim_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "gemma.yaml"
    path.write_text(SMOKE.read_text()
                    .replace("architecture: gpt2", "architecture: gemma")
                    .replace("max_positions: 512", "max_positions: 48")
                    .replace("max_seq_len: 512", "max_seq_len: 48")
                    .replace("max_new_tokens: 48", "max_new_tokens: 16"))
    with pytest.raises(TrainingError, match=r"max_positions 48 is below 2 x head_dim \(64\)"):
        load_config(str(path))


@pytest.mark.parametrize(("content", "expected"), [
    (b"model: [unclosed", r"bad.yaml:\d+: not valid YAML"),
    (b"- a list\n", r"bad.yaml: the top level must be a mapping"),
    (b"\xff\xfe", r"bad.yaml: not UTF-8"),
])
def test_unreadable_files_are_named(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(TrainingError, match=expected):
        load_config(str(path))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match=r"nope\.yaml: cannot read the config"):
        load_config(str(tmp_path / "nope.yaml"))
