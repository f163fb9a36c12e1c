"""run_manifest.json: what was run, on what, where, and which files it produced."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from evidence.models.artifact import ArtifactRef
from evidence.models.dataset import DatasetRef
from evidence.models.kaggle import KaggleFields
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
)

MANIFEST_FILE = "run_manifest.json"
MANIFEST_SCHEMA_VERSION = "1.0"

Mode = Literal["smoke", "full"]
DType = Literal["float32", "bfloat16", "float16"]


class ModelRef(StrictModel):
    id: Name = Field(description="Hub id (google/gemma-2b) or the local path of the weights.")
    revision: Name | None = Field(description="Hub revision (e.g. flax); null for a local model.")
    family: Name = Field(description="Model family as its config names it (gemma, gpt2, ...).")
    dtype: DType = Field(description="Dtype the parameters were really trained in.")
    parameter_count: Count


class ConfigRef(StrictModel):
    path: Name = Field(description="Config file as given on the command line.")
    sha256: Sha256 = Field(description="SHA-256 of the config file's bytes.")


class GitState(StrictModel):
    commit: GitCommit | None = Field(description="HEAD of the code that ran; null outside git.")
    dirty: bool = Field(description="True when the working tree had uncommitted changes.")


class DeviceInfo(StrictModel):
    platform: Platform
    kind: Name = Field(description="Device kind as JAX reports it, e.g. 'TPU v3' or 'Tesla T4'.")
    count: PositiveInt = Field(description="Number of JAX devices the run used.")


class Timings(StrictModel):
    started_at: UtcTime
    finished_at: UtcTime
    train_seconds: Seconds
    eval_seconds: Seconds

    @model_validator(mode="after")
    def _finishes_after_start(self) -> Timings:
        if self.finished_at < self.started_at:
            raise ValueError("finished_at is earlier than started_at")
        return self


class RunManifest(StrictModel):
    schema_version: Literal["1.0"]
    run_id: Fillable[Identifier]
    mode: Fillable[Mode]
    model: Fillable[ModelRef]
    config: Fillable[ConfigRef]
    smoke_config: Fillable[ConfigRef] | None = Field(
        default=None, description="The smoke config, for smoke runs."
    )
    dataset: Fillable[DatasetRef]
    git: Fillable[GitState]
    packages: Fillable[dict[Name, Name]] = Field(description="Package name -> installed version.")
    device: Fillable[DeviceInfo]
    timings: Fillable[Timings]
    artifacts: Fillable[list[ArtifactRef]] = Field(
        description="Every file of the run besides this manifest, with digest and size."
    )
    kaggle: KaggleFields
    steps: Fillable[Count] = Field(description="Optimizer steps the run took.")
    preflight: PreflightRecord | None = Field(
        default=None, description="The memory preflight of the config that trained, "
                                  "where one ran before it (full runs).")

    @field_validator("artifacts")
    @classmethod
    def _paths_unique(cls, artifacts: list[ArtifactRef] | str) -> list[ArtifactRef] | str:
        if isinstance(artifacts, str):
            return artifacts
        seen: set[str] = set()
        for artifact in artifacts:
            if artifact.path in seen:
                raise ValueError(f"artifact path {artifact.path!r} is listed twice")
            if artifact.path == MANIFEST_FILE:
                raise ValueError("the manifest cannot list itself as an artifact")
            seen.add(artifact.path)
        return artifacts
