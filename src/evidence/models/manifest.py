"""run_manifest.json: what was run, on what, where, and which files it produced.

Two versions: 1.0 (`RunManifestV1`, the milestone's) and 2.0 (`RunManifest`, the current one),
which holds every 1.0 field unchanged and adds how the model was trained, its checkpoint, the
Kaggle session and the data set's source. Both share `RunManifestBase`, so code typed on the base
reads a run in either version; a document is always read as the version it names.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from evidence.models.artifact import ArtifactRef
from evidence.models.dataset import DatasetRef
from evidence.models.kaggle import KaggleFields
from evidence.models.lock import LOCK_FILE
from evidence.models.preflight import Platform, PreflightRecord
from evidence.models.training import (
    ADAPTER_CONTENTS,
    CheckpointRef,
    DatasetSource,
    KaggleSession,
    TrainingRef,
)
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
# The version new runs are written in; MANIFEST_VERSIONS: every version this evidence reads,
# oldest first.
MANIFEST_SCHEMA_VERSION: Final = "2.0"
MANIFEST_V1_SCHEMA_VERSION: Final = "1.0"
MANIFEST_VERSIONS: Final = (MANIFEST_V1_SCHEMA_VERSION, MANIFEST_SCHEMA_VERSION)

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


class RunManifestBase(StrictModel):
    """The fields every version of run_manifest.json holds (those of 1.0). Never read on its
    own: a document is read as the version it names, RunManifestV1 or RunManifest."""

    schema_version: Literal["1.0", "2.0"] = Field(description="Version of this document's "
                                                              "schema.")
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


class RunManifestV1(RunManifestBase):
    """run_manifest.json: what was run, on what, where, and which files it produced."""

    # Its JSON Schema (schemas/run_manifest-1.0.schema.json) is the one 1.0 always had.
    model_config = ConfigDict(title="RunManifest")

    schema_version: Literal["1.0"] = Field(description="Version of this document's schema.")


class RunManifest(RunManifestBase):
    """run_manifest.json 2.0: every 1.0 field, and how the model was trained, its checkpoint,
    the Kaggle session and where the data set came from."""

    schema_version: Literal["2.0"] = Field(description="Version of this document's schema.")
    training: Fillable[TrainingRef] = Field(
        description="How the model was trained: the library and its version, and the "
                    "fine-tuning method.")
    checkpoint: Fillable[CheckpointRef] | None = Field(
        description="The checkpoint the run saved (its format, folder and contents); null when "
                    "the run saved none.")
    kaggle_session: Fillable[KaggleSession] = Field(
        description="The session the run ran in: Kaggle's run type and the seconds it lasted.")
    dataset_source: Fillable[DatasetSource] = Field(
        description="Where the data set came from: shipped with the trainer (by name) or a "
                    "user's file (by path), with the digest of its bytes.")

    @field_validator("checkpoint")
    @classmethod
    def _checkpoint_listed(cls, checkpoint: CheckpointRef | str | None,
                           info: ValidationInfo) -> CheckpointRef | str | None:
        """The checkpoint's files are among the artifacts, and only a LoRA fine-tune saves an
        adapter. The manifest alone decides both, so every reader gets them; whether the files
        are on disk with their digests is the artifact check's."""
        if not isinstance(checkpoint, CheckpointRef):
            return checkpoint
        artifacts = info.data.get("artifacts")
        if isinstance(artifacts, list) and not _lists_files_of(artifacts, checkpoint.path):
            raise ValueError(f"checkpoint.path {checkpoint.path!a} names no file among the "
                             "artifacts: list the checkpoint's files in /artifacts, or correct "
                             "the path")
        training = info.data.get("training")
        if isinstance(training, TrainingRef) and checkpoint.contents in ADAPTER_CONTENTS \
                and training.method.kind == "full":
            raise ValueError(f"checkpoint.contents is {checkpoint.contents}, but the method is "
                             "a full fine-tune, which has no adapter")
        return checkpoint

    @field_validator("dataset_source")
    @classmethod
    def _source_is_the_dataset(cls, source: DatasetSource | str,
                               info: ValidationInfo) -> DatasetSource | str:
        """The source names the file the dataset field identifies: the same digest, and for a
        shipped data set the same name."""
        dataset = info.data.get("dataset")
        if not isinstance(source, DatasetSource) or not isinstance(dataset, DatasetRef):
            return source
        if source.sha256 != dataset.sha256:
            raise ValueError(f"dataset_source.sha256 is {source.sha256[:12]}..., but "
                             f"dataset.sha256 is {dataset.sha256[:12]}...: both are the digest "
                             "of the data set file, so they must agree")
        if source.kind == "shipped" and source.name != dataset.name:
            raise ValueError(f"dataset_source names the shipped data set {source.name!a}, but "
                             f"dataset.name is {dataset.name!a}")
        return source


def _lists_files_of(artifacts: list[ArtifactRef], path: str) -> bool:
    """Whether an artifact is the file `path` or lies in the folder `path`."""
    key = artifact_key(path)
    return any(listed == key or listed.startswith(key + "/")
               for listed in (artifact_key(artifact.path) for artifact in artifacts))
