"""run_manifest.json: what was run, on what, where, and which files it produced."""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

from pydantic import Field, field_validator, model_validator

from evidence.models.artifact import ArtifactRef
from evidence.models.dataset import DatasetRef
from evidence.models.kaggle import KaggleFields
from evidence.models.lock import LOCK_FILE
from evidence.models.preflight import Platform, PreflightRecord
from evidence.models.types import (
    Count,
    Fillable,
    GitCommit,
    Identifier,
    Name,
    PositiveInt,
    Seconds,
    Sha256,
    StrictModel,
    UtcTime,
    canonical_path,
)

MANIFEST_FILE = "run_manifest.json"
MANIFEST_SCHEMA_VERSION: Final = "1.0"

# An archive holds the lock at its top, beside the run's folder `<run_id>/`: a run named like
# the lock would put a folder and a file under one name. "Like" is as a case-insensitive file
# system (macOS, Windows) and Windows' dropping of trailing dots see it, since an archive is
# extracted there too. Nothing else sits at the archive's top, so nothing else is reserved.
RESERVED_RUN_IDS: Final = frozenset({LOCK_FILE})


def reserved_run_id(run_id: str) -> str | None:
    """The archive's name that `run_id` would collide with, or None."""
    folded = run_id.lower().rstrip(".")
    return next((name for name in sorted(RESERVED_RUN_IDS) if folded == name.lower()), None)


def _any_case(name: str) -> str:
    return "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char)
                   for char in name)


# The same refusal as a JSON Schema states it (ECMA patterns have no case-insensitive flag).
_RESERVED_PATTERN = "^(?:" + "|".join(_any_case(name) for name in sorted(RESERVED_RUN_IDS)) + \
    r")\.*$"


def artifact_key(path: str) -> str:
    """What makes two artifact paths name the same file: the same canonical path once Unicode
    canonical equivalents are one (NFC; é composed or decomposed is the same name)."""
    return unicodedata.normalize("NFC", canonical_path(path))


Mode = Literal["smoke", "full"]
DType = Literal["float32", "bfloat16", "float16"]


class ModelRef(StrictModel):
    """The model that was trained: where its weights came from, its family, dtype and size."""

    id: Name = Field(description="Hub id (google/gemma-2b) or the local path of the weights.")
    revision: Name | None = Field(description="Hub revision (e.g. flax); null for a local model.")
    family: Name = Field(description="Model family as its config names it (gemma, gpt2, ...).")
    dtype: DType = Field(description="Dtype the parameters were really trained in.")
    parameter_count: Count = Field(description="Number of parameters the model has, as "
                                               "loaded (Gemma 2B: 2,506,172,416).")


class ConfigRef(StrictModel):
    """A training config file, by the path it was given and the digest of its bytes."""

    path: Name = Field(description="Config file as given on the command line.")
    sha256: Sha256 = Field(description="SHA-256 of the config file's bytes.")


class GitState(StrictModel):
    """The state of the trainer's code in git when the run started."""

    commit: GitCommit | None = Field(description="HEAD of the code that ran; null outside git.")
    dirty: bool = Field(description="True when tracked files had uncommitted changes "
                                    "(untracked files do not count).")


class DeviceInfo(StrictModel):
    """The accelerators the run used, as JAX saw them."""

    platform: Platform = Field(description="JAX platform the run used: cpu, gpu or tpu.")
    kind: Name = Field(description="Device kind as JAX reports it, e.g. 'TPU v3' or 'Tesla T4'.")
    count: PositiveInt = Field(description="Number of JAX devices the run used.")


class Timings(StrictModel):
    """The run's clock: its start and end, and the seconds spent training and evaluating."""

    started_at: UtcTime = Field(description="When the run started: an ISO 8601 time with a "
                                            "zone, written in UTC (2026-11-25T09:00:00Z).")
    finished_at: UtcTime = Field(description="When the run finished writing its evidence: an ISO "
                                             "8601 time with a zone, not before started_at.")
    train_seconds: Seconds = Field(description="Wall-clock seconds of the training loop, "
                                               "compilation included.")
    eval_seconds: Seconds = Field(description="Wall-clock seconds of the evaluation: generating "
                                              "and grading every evaluation item.")

    @model_validator(mode="after")
    def _finishes_after_start(self) -> Timings:
        if self.finished_at < self.started_at:
            raise ValueError("finished_at is earlier than started_at")
        return self


class RunManifest(StrictModel):
    """run_manifest.json: what was run, on what, where, and which files it produced."""

    schema_version: Literal["1.0"] = Field(description="Version of this document's schema.")
    run_id: Fillable[Identifier] = Field(
        description="The run's id, chosen by the trainer: letters, digits, '.', '_', '-'; at "
                    "most 128 characters; never the archive's lock name (evidence.lock.json, "
                    "in any case).",
        json_schema_extra={"not": {"pattern": _RESERVED_PATTERN}})
    mode: Fillable[Mode] = Field(description="smoke: a tiny model to check the pipeline; full: "
                                             "the real model.")
    model: Fillable[ModelRef] = Field(description="The model that was trained.")
    config: Fillable[ConfigRef] = Field(description="The training config given with --config.")
    smoke_config: Fillable[ConfigRef] | None = Field(
        default=None,
        description="The config given with --smoke_config, for a smoke run; null for a full run.")
    dataset: Fillable[DatasetRef] = Field(description="The data set trained and evaluated on.")
    git: Fillable[GitState] = Field(description="The git state of the trainer's code.")
    packages: Fillable[dict[Name, Name]] = Field(
        description="Package name -> installed version, for the packages the run depends on "
                    "(jax, flax, transformers, ...).")
    device: Fillable[DeviceInfo] = Field(description="The devices the run used.")
    timings: Fillable[Timings] = Field(description="When the run started and ended, and how "
                                                   "long training and evaluation took.")
    artifacts: Fillable[list[ArtifactRef]] = Field(
        description="Every file of the run besides this manifest, with digest and size."
    )
    kaggle: KaggleFields = Field(description="Where and as which Kaggle run the notebook ran; "
                                             "filled from the log after the session.")
    steps: Fillable[Count] = Field(description="Optimizer steps the run took.")
    preflight: PreflightRecord | None = Field(
        default=None, description="The memory preflight of the config that trained, "
                                  "where one ran before it (full runs).")

    @field_validator("run_id")
    @classmethod
    def _not_reserved(cls, run_id: str) -> str:
        reserved = reserved_run_id(run_id)
        if reserved is not None:
            raise ValueError(f"run id {run_id!r} is reserved: an archive holds {reserved} beside "
                             "the run's folder, so choose another run id")
        return run_id

    @field_validator("artifacts")
    @classmethod
    def _paths_unique(cls, artifacts: list[ArtifactRef] | str) -> list[ArtifactRef] | str:
        """One entry per file. Uniqueness spans the list, so it is checked here, on the list,
        where the document alone decides it (no disk needed) and every reader of a manifest
        (validate, fill, package, the trainer) gets it."""
        if isinstance(artifacts, str):
            return artifacts
        seen: dict[str, str] = {}
        for artifact in artifacts:
            key = artifact_key(artifact.path)
            if key in seen:
                same = "is listed twice" if seen[key] == artifact.path else \
                    f"names the same file as {seen[key]!a} (equal in Unicode NFC)"
                raise ValueError(f"artifact path {artifact.path!a} {same}")
            if key == MANIFEST_FILE:
                raise ValueError("the manifest cannot list itself as an artifact")
            seen[key] = artifact.path
        return artifacts
