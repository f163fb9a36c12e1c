"""Where a pretrained model's files come from: Kaggle Models (kagglehub), the Hugging Face hub
(huggingface_hub), or a local directory. A hub that cannot be reached, or a licence not
accepted, is one TrainingError line that names the config key and what to do, before any
weights are read.

On Kaggle, a model attached to the notebook as an input is served by kagglehub from
/kaggle/input without any network, the way the hackathon's notebooks ran.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import requests

from training.backends.flax_transformers.hub import endpoint, unreachable
from training.backends.tunix.model_config import TunixPretrainedConfig
from training.errors import TrainingError

# Only what the loaders read: weights, their configs, the tokenizer.
HF_PATTERNS = ["*.safetensors", "*.json", "tokenizer.model"]


def model_directory(cfg: TunixPretrainedConfig) -> Path:
    """The directory holding the model's files, downloaded if the source is a hub."""
    if cfg.source == "local":
        directory = Path(cfg.id).expanduser()
        if not directory.is_dir():
            raise TrainingError(f"model.id {cfg.id}: no such directory; with model.source: "
                                "local, set model.id to the directory holding the weights")
        return directory
    if cfg.source == "kaggle":
        return kaggle_download(cfg)
    return hf_download(cfg)


def kaggle_download(cfg: TunixPretrainedConfig) -> Path:
    import kagglehub
    from kagglehub import exceptions as kaggle_errors

    try:
        return Path(kagglehub.model_download(cfg.id))
    except (kaggle_errors.KaggleApiHTTPError, kaggle_errors.UnauthenticatedError,
            kaggle_errors.CredentialError) as error:
        raise TrainingError(kaggle_refused(cfg, error)) from None
    except kaggle_errors.NotFoundError as error:
        raise TrainingError(f"model.id {cfg.id}: Kaggle Models has no such model "
                            f"({first_line(error)}); check the handle on the model's page "
                            "(owner/model/framework/variation)") from None
    except requests.ConnectionError:
        raise TrainingError(kaggle_unreachable(cfg, "no connection to Kaggle's API")) from None
    except (OSError, kaggle_errors.BackendError) as error:
        raise TrainingError(kaggle_unreachable(cfg, first_line(error))) from None


def kaggle_page(cfg: TunixPretrainedConfig) -> str:
    owner, model = cfg.id.split("/")[:2]
    return f"https://www.kaggle.com/models/{owner}/{model}"


def kaggle_refused(cfg: TunixPretrainedConfig, error: Exception) -> str:
    status = getattr(getattr(error, "response", None), "status_code", None)
    said = f"HTTP {status}" if status else first_line(error)
    if status == 404:
        return (f"model.id {cfg.id}: Kaggle Models has no such model ({said}), or this account "
                f"cannot see it: check the handle and accept the licence at {kaggle_page(cfg)}")
    return (f"model.id {cfg.id}: Kaggle refused the download ({said}): accept the model's "
            f"licence at {kaggle_page(cfg)} with the account of KAGGLE_USERNAME / KAGGLE_KEY "
            "(or kaggle.json), or attach the model to the notebook as a Kaggle input")


def kaggle_unreachable(cfg: TunixPretrainedConfig, reason: str) -> str:
    return (f"model.id {cfg.id}: Kaggle Models cannot be reached ({reason}): attach the model "
            "to the notebook as a Kaggle input (Add Input > Models), or download it where "
            "Kaggle is reachable and set model.source: local and model.id to its directory")


def hf_download(cfg: TunixPretrainedConfig) -> Path:
    import huggingface_hub
    from huggingface_hub import errors as hf_errors

    why = unreachable()
    options: dict[str, Any] = {"token": os.environ.get("HF_TOKEN") or None,
                               "allow_patterns": HF_PATTERNS}
    if why is not None:  # only the local cache can serve: no 25 s of retries
        options["local_files_only"] = True
    try:
        return Path(huggingface_hub.snapshot_download(cfg.id, **options))
    except hf_errors.GatedRepoError:
        raise TrainingError(
            f"model.id {cfg.id}: the model is gated: accept its licence at "
            f"{endpoint()}/{cfg.id} and set HF_TOKEN to a token of that account") from None
    except hf_errors.RepositoryNotFoundError:
        raise TrainingError(f"model.id {cfg.id}: the Hugging Face hub has no such repo (or "
                            "HF_TOKEN cannot see it)") from None
    except (OSError, requests.RequestException, ValueError) as error:
        reason = (f"{endpoint()} was not asked ({why}) and the model is not in the local cache"
                  if why is not None else first_line(error))
        raise TrainingError(
            f"model.id {cfg.id}: cannot download it from the Hugging Face hub ({reason}): "
            f"download it where the hub is reachable (huggingface-cli download {cfg.id} "
            "--local-dir DIR) and set model.source: local and model.id to DIR") from None


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
