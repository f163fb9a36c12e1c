"""The Tunix configs: the shipped ones load with their model and method sections; a bad model
or method section fails with file, line and key, as every other config error does."""

from __future__ import annotations

from pathlib import Path

import pytest
from tunix_models import SMOKE

from training.backends.tunix.model_config import TunixPretrainedConfig, TunixTinyConfig
from training.config import load_config
from training.errors import TrainingError

SUBMISSIONS = {"configs/submission_gemma3_1b_tunix.yaml": ("gemma3_1b_it",
                                                           "google/gemma-3/flax/gemma3-1b-it"),
               "configs/submission_gemma2_2b_tunix.yaml": ("gemma2_2b_it",
                                                           "google/gemma-2/flax/gemma2-2b-it")}


def test_the_smoke_config_is_a_tiny_gemma3_with_lora() -> None:
    cfg = load_config(SMOKE).config
    assert cfg.backend == "tunix" and isinstance(cfg.model, TunixTinyConfig)
    assert (cfg.model.architecture, cfg.model.dtype) == ("gemma3", "float32")
    assert (cfg.method.kind, cfg.method.contents) == ("lora", "lora_adapter")
    assert "|.*q_einsum" not in cfg.method.module_path and ".*q_einsum|" in cfg.method.module_path


@pytest.mark.parametrize("path", sorted(SUBMISSIONS))
def test_the_submission_configs_name_eligible_models_on_kaggle(path: str) -> None:
    cfg = load_config(path).config
    assert isinstance(cfg.model, TunixPretrainedConfig)
    assert (cfg.model.name, cfg.model.id) == SUBMISSIONS[path]
    assert (cfg.model.source, cfg.model.dtype) == ("kaggle", "bfloat16")
    assert cfg.method.kind == "lora" and 16 <= (cfg.method.rank or 0) <= 64
    assert cfg.method.contents == "merged"


def _variant(tmp_path: Path, old: str, new: str) -> str:
    text = Path(SMOKE).read_text()
    assert old in text, old
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new, 1))
    return str(path)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("  rank: 8\n", "", r"bad.yaml:\d+: method: .*a lora method needs rank"),
    ("  rank: 8", "  ranks: 8", r"bad.yaml:\d+: method.ranks: unknown key"),
    ("  kind: lora ", "  kind: dora ", r"bad.yaml:\d+: method.kind: Input should be"),
    ('".*q_einsum"', '"*q_einsum"', r"method: .*not a regular expression"),
    ("  rank: 8", "  rank: 8\n  tile_size: 64", r"method: .*tile_size: only for qlora"),
    ("  embed_dim: 64", "  hidden_size: 64", r"bad.yaml:\d+: model.hidden_size: unknown key"),
    ("  kv_heads: 1 ", "  kv_heads: 3 ", r"model: .*heads 4 is not a multiple of kv_heads 3"),
    ("max_seq_len: 512", "max_seq_len: 1024",
     r"longer than the model's model.max_positions 512"),
    ("backend: tunix", "backend: flax_transformers", r"bad.yaml:\d+: model.architecture: "),
    ("backend: tunix", "backend: jaxformers", r"bad.yaml:\d+: backend: Input should be"),
])
def test_bad_tunix_sections_name_file_line_and_key(tmp_path: Path, old: str, new: str,
                                                   expected: str) -> None:
    with pytest.raises(TrainingError, match=expected):
        load_config(_variant(tmp_path, old, new))


@pytest.mark.parametrize(("model", "expected"), [
    ("  source: kaggle\n  name: gemma3_1b_it\n  id: google/gemma-3-1b-it\n  dtype: float32\n",
     r"model: .*not a Kaggle Models handle"),
    ("  source: huggingface\n  name: gemma3_1b_it\n  id: gemma-3\n  dtype: float32\n",
     r"model: .*not a Hugging Face repo id"),
    ("  source: local\n  name: gemma_2b\n  id: /weights\n  dtype: float32\n",
     r"bad.yaml:\d+: model.name: Input should be 'gemma2_2b', 'gemma2_2b_it', 'gemma3_1b_pt' "
     r"or 'gemma3_1b_it'"),
])
def test_bad_pretrained_sections_are_refused(tmp_path: Path, model: str, expected: str) -> None:
    text = Path(SMOKE).read_text()
    start, end = text.index("model:\n") + len("model:\n"), text.index("\nmethod:")
    path = tmp_path / "bad.yaml"
    path.write_text(text[:start] + model + text[end:])
    with pytest.raises(TrainingError, match=expected):
        load_config(str(path))


def test_lora_needs_the_tunix_backend(tmp_path: Path) -> None:
    text = Path("configs/smoke_tiny.yaml").read_text()
    path = tmp_path / "bad.yaml"
    path.write_text(text + "\nmethod:\n  kind: lora\n  rank: 8\n  alpha: 16.0\n"
                           "  targets: ['.*c_attn']\n")
    with pytest.raises(TrainingError, match=r"method.kind lora needs backend: tunix"):
        load_config(str(path))


def test_a_backend_whose_library_is_missing_names_the_extra(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import training.backends as backends

    monkeypatch.setitem(backends.NEEDS, "tunix", (("tunix", "tunix_not_installed"),
                                                  "pip install '.[train,tunix]'"))
    with pytest.raises(TrainingError, match=r"backend: tunix needs tunix_not_installed, not "
                                            r"installed here; install it with pip install "
                                            r"'\.\[train,tunix\]'"):
        backends.backend_for("tunix")
