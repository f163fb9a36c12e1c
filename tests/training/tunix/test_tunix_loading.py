"""The pretrained path on tiny checkpoints written here in both published layouts (Hugging Face
safetensors, Kaggle's Flax orbax), for Gemma 3 and Gemma 2, read by the loaders the real models
go through; and every way a hub can fail is one line naming model.id and what to do."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from tunix_models import (
    FULL,
    params_of,
    tiny_section,
    write_hf_layout,
    write_kaggle_layout,
    write_sentencepiece,
)
from tunix_runs import launch

from training.backends.tunix import hub, loading, models
from training.backends.tunix.model_config import TunixPretrainedConfig
from training.backends.tunix.tokenizer import SentencePieceTokenizer
from training.errors import TrainingError

NAME = {"gemma3": "gemma3_1b_it", "gemma2": "gemma2_2b_it"}
HANDLE = {"gemma3": "google/gemma-3/flax/gemma3-1b-it",
          "gemma2": "google/gemma-2/flax/gemma2-2b-it"}


@pytest.fixture(scope="module")
def tokenizer_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sentencepiece(tmp_path_factory.mktemp("spm") / "tokenizer.model")


@pytest.fixture(scope="module", params=["gemma3", "gemma2"])
def saved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
          tokenizer_file: Path) -> dict[str, Any]:
    """A tiny model of the family, its config, and its weights in both layouts."""
    family: str = request.param
    config = models.tiny_config(tiny_section(family), len(SentencePieceTokenizer(tokenizer_file)))
    model = models.build_random(family, config, seed=0)
    root = tmp_path_factory.mktemp(family)
    return {"family": family, "config": config, "params": params_of(model),
            "huggingface": write_hf_layout(model, family, root / "hf", tokenizer_file),
            "kaggle": write_kaggle_layout(model, family, root / "kaggle", tokenizer_file,
                                          variation=HANDLE[family].rsplit("/", 1)[1])}


def pretrained(family: str, source: str, model_id: str) -> TunixPretrainedConfig:
    return TunixPretrainedConfig(source=source, name=NAME[family], id=model_id,  # type: ignore[arg-type]
                                 dtype="float32")


def assert_same_params(model: Any, expected: dict[tuple[Any, ...], np.ndarray]) -> None:
    got = params_of(model)
    assert got.keys() == expected.keys()
    assert all(np.array_equal(got[key], expected[key]) for key in expected)


@pytest.mark.parametrize("layout", ["huggingface", "kaggle"])
def test_a_local_directory_loads_in_either_layout(saved: dict[str, Any], layout: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # The real path builds Tunix's published config for the name; here the tiny one.
    monkeypatch.setattr(models, "named_config", lambda name, dtype: saved["config"])
    cfg = pretrained(saved["family"], "local", str(saved[layout]))
    loaded = loading.load_pretrained(cfg, max_seq_len=512, config_path="c.yaml")
    assert_same_params(loaded.module, saved["params"])
    assert loaded.family == saved["family"] and loaded.model_id == str(saved[layout].resolve())
    assert loaded.tokenizer.encode("4 + 5", specials=True)[0] == 2  # Gemma's BOS first
    assert loaded.tokenizer.eos_id == 1 and loaded.tokenizer.pad_id == 0


def test_kaggle_models_go_through_kagglehub(saved: dict[str, Any],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import kagglehub

    asked: list[str] = []
    monkeypatch.setattr(models, "named_config", lambda name, dtype: saved["config"])
    monkeypatch.setattr(kagglehub, "model_download",
                        lambda handle: asked.append(handle) or str(saved["kaggle"]))
    cfg = pretrained(saved["family"], "kaggle", HANDLE[saved["family"]])
    loaded = loading.load_pretrained(cfg, max_seq_len=512, config_path="c.yaml")
    assert asked == [HANDLE[saved["family"]]] and loaded.model_id == cfg.id
    assert_same_params(loaded.module, saved["params"])


def test_weights_of_another_model_are_one_clear_error(saved: dict[str, Any]) -> None:
    other = "gemma2" if saved["family"] == "gemma3" else "gemma3"
    cfg = pretrained(other, "local", str(saved["huggingface"]))
    with pytest.raises(TrainingError, match=rf"model.id .*do not load as model.name {NAME[other]}"):
        loading.load_pretrained(cfg, max_seq_len=512, config_path="c.yaml")


def test_a_directory_without_weights_or_tokenizer_says_so(tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match=r"neither \*\.safetensors"):
        loading.weights_layout(tmp_path)
    with pytest.raises(TrainingError, match="no such directory"):
        hub.model_directory(pretrained("gemma3", "local", str(tmp_path / "absent")))
    with pytest.raises(TrainingError, match=r"no tokenizer\.model"):
        loading.tokenizer_file(pretrained("gemma3", "local", str(tmp_path)), tmp_path)


def kaggle_fails(monkeypatch: pytest.MonkeyPatch, error: Exception) -> str:
    import kagglehub

    def refuse(handle: str) -> str:
        raise error

    monkeypatch.setattr(kagglehub, "model_download", refuse)
    with pytest.raises(TrainingError) as caught:
        hub.model_directory(pretrained("gemma3", "kaggle", HANDLE["gemma3"]))
    message = caught.value.message
    assert "\n" not in message and message.startswith(f"model.id {HANDLE['gemma3']}: ")
    return message


def http_error(status: int) -> Exception:
    from kagglehub.exceptions import KaggleApiHTTPError

    response = requests.Response()
    response.status_code = status
    return KaggleApiHTTPError(f"{status} Client Error.", response=response)


def test_kaggle_unreachable_says_to_attach_the_model_or_use_a_local_copy(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # What kagglehub raises with no network (measured: a NameResolutionError inside).
    message = kaggle_fails(monkeypatch, requests.ConnectionError("Max retries exceeded"))
    assert "cannot be reached" in message and "Kaggle input" in message
    assert "model.source: local" in message


def test_a_licence_not_accepted_on_kaggle_says_where_to_accept_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    message = kaggle_fails(monkeypatch, http_error(403))
    assert "HTTP 403" in message
    assert "accept the model's licence at https://www.kaggle.com/models/google/gemma-3" in message


def test_hugging_face_gated_and_offline_say_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub
    from huggingface_hub import errors as hf_errors

    def gated(repo: str, **options: Any) -> str:
        raise hf_errors.GatedRepoError("Access to model google/gemma-3-1b-it is restricted")

    cfg = pretrained("gemma3", "huggingface", "google/gemma-3-1b-it")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", gated)
    monkeypatch.setattr(hub, "unreachable", lambda: None)
    with pytest.raises(TrainingError, match=r"gated: accept its licence at "
                                            r"https://huggingface.co/google/gemma-3-1b-it "
                                            r"and set HF_TOKEN"):
        hub.model_directory(cfg)

    def not_cached(repo: str, **options: Any) -> str:
        assert options["local_files_only"] is True  # an unreachable hub is not asked
        raise hf_errors.LocalEntryNotFoundError("not in the cache")

    monkeypatch.setattr(huggingface_hub, "snapshot_download", not_cached)
    monkeypatch.setattr(hub, "unreachable", lambda: "HF_HUB_OFFLINE is set")
    with pytest.raises(TrainingError, match=r"HF_HUB_OFFLINE is set\) and the model is not in "
                                            r"the local cache\).*model.source: local"):
        hub.model_directory(cfg)


@pytest.mark.slow
def test_the_full_run_offline_fails_fast_with_one_line(tmp_path: Path) -> None:
    """The submission config on this machine: kagglehub finds no network (a proxy that does not
    answer makes sure), and the launcher ends in seconds with exit 2 and one error line."""
    dead = "http://127.0.0.1:9"
    run = launch(tmp_path / "run", config=FULL,
                 env={"HTTPS_PROXY": dead, "HTTP_PROXY": dead, "NO_PROXY": "",
                      "KAGGLEHUB_CACHE": str(tmp_path / "cache"),
                      "XLA_FLAGS": os.environ.get("XLA_FLAGS", "")})
    errors = [line for line in run.done.stderr.splitlines() if line.startswith("error:")]
    assert run.done.returncode == 2, run.done.stderr[-2000:]
    assert errors == [f"error: model.id {HANDLE['gemma3']}: Kaggle Models cannot be reached "
                      "(no connection to Kaggle's API): attach the model to the notebook as a "
                      "Kaggle input (Add Input > Models), or download it where Kaggle is "
                      "reachable and set model.source: local and model.id to its directory"]
    assert "Traceback" not in run.done.stderr and not (tmp_path / "run").exists()
    assert run.seconds < 60
