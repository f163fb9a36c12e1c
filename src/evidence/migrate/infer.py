"""What a 1.0 manifest itself proves about the fields 2.0 added. Conservative on purpose: a value
is inferred only where the 1.0 document leaves no doubt, and everything else stays a placeholder
for the user to fill; each function says what it reads and why that is proof.

- `dataset_source`: a data set that evidence ships knowledge of (`KNOWN_DATASETS`), named with
  its name, version and the digest of its file, is that shipped data set (the digest is of its
  bytes, so a user's copy of the same bytes is the same data set).
- `checkpoint`: one listed `flax_model.msgpack` is what transformers' `save_pretrained` writes
  for a Flax model: the whole model's parameters, in its folder (the 1.0 trainer had no adapter
  methods). Two or more, or none, prove nothing about which is the final checkpoint, or whether
  the run saved one outside the run directory.
- `training` and `kaggle_session` are never inferred: a 1.0 manifest names neither the library
  that trained nor how the parameters trained (full or LoRA), nor the session's run type or
  length (its timings measure the run, not the session).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence.models.types import Placeholder
from evidence.validation.checks.known_datasets import KNOWN_DATASETS

# transformers' name for a Flax model's weights (`save_pretrained`).
FLAX_WEIGHTS = "flax_model.msgpack"


@dataclass(frozen=True, slots=True)
class Addition:
    """A field a migration adds, the value it gets (a placeholder where the older document
    cannot say), and why: what proves it, or why nothing does."""

    field: str
    value: Any
    reason: str

    @property
    def inferred(self) -> bool:
        return not isinstance(self.value, Placeholder)


def unknown(field: str, why: str) -> Addition:
    return Addition(field, Placeholder.for_field(field), why)


def dataset_source(document: dict[str, Any]) -> Addition:
    dataset = document.get("dataset")
    if isinstance(dataset, dict):
        name, version, digest = (dataset.get(key) for key in ("name", "version", "sha256"))
        known = KNOWN_DATASETS.get((name, version)) if isinstance(name, str) and \
            isinstance(version, str) else None
        if known is not None and known[0] == digest:
            return Addition("dataset_source", {"kind": "shipped", "name": name, "path": None,
                                               "sha256": digest},
                            f"dataset names the shipped {name} {version} with its digest")
    return unknown("dataset_source", "the 1.0 dataset is not a shipped data set evidence knows "
                                     "by name and digest: a shipped name or a file's path")


def checkpoint(document: dict[str, Any]) -> Addition:
    artifacts = document.get("artifacts")
    paths = [item["path"] for item in artifacts if isinstance(item, dict)
             and isinstance(item.get("path"), str)] if isinstance(artifacts, list) else []
    weights = [path for path in paths if path.rsplit("/", 1)[-1] == FLAX_WEIGHTS]
    if len(weights) != 1:
        return unknown("checkpoint", "the 1.0 artifacts do not show one final checkpoint "
                                     f"(one {FLAX_WEIGHTS}), nor that the run saved none")
    folder = weights[0].rpartition("/")[0] or weights[0]
    return Addition("checkpoint", {"format": "flax_msgpack", "path": folder,
                                   "contents": "full"},
                    f"the artifacts hold one {weights[0]}, transformers' save_pretrained of "
                    "the whole Flax model")


def training(document: dict[str, Any]) -> Addition:
    return unknown("training", "a 1.0 manifest does not record the training library, nor the "
                               "fine-tuning method")


def kaggle_session(document: dict[str, Any]) -> Addition:
    return unknown("kaggle_session", "a 1.0 manifest does not record the session's run type "
                                     "or length (its timings are the run's)")
