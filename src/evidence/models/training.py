"""What run_manifest.json 2.0 adds to 1.0: how the model was trained (library, method), where
its checkpoint is and in which format, the Kaggle session the run ran in, and where its data
set came from.

Rules that tie fields of one object together (a LoRA method has a rank; a shipped data set has a
name) are validators here, and each is stated again in the object's JSON Schema (`if`/`then`), so
a tool that reads only the schema judges these objects as the models do.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, model_validator

from evidence.models.types import Name, PositiveInt, RelPath, Seconds, Sha256, StrictModel

TrainingLibrary = Literal["tunix", "transformers"]
MethodKind = Literal["full", "lora", "qlora"]
# orbax: Tunix's (and Flax NNX's) multi-file checkpoint; flax_msgpack: transformers'
# save_pretrained of a Flax model; safetensors: a single-tensor-file export.
CheckpointFormat = Literal["orbax", "flax_msgpack", "safetensors"]
# What the checkpoint holds: the whole model, or only a LoRA adapter (the base comes from the
# model's id), or the adapter merged into the base weights.
CheckpointContents = Literal["full", "lora_adapter", "merged"]
# The contents only a LoRA (or QLoRA) fine-tune can save.
ADAPTER_CONTENTS: frozenset[str] = frozenset({"lora_adapter", "merged"})
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]

_ADAPTER_FIELDS = ("rank", "alpha", "targets")


def _when(key: str, value: str, then: dict[str, Any], otherwise: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema `if key == value then ... else ...` (a missing key is refused elsewhere)."""
    return {"if": {"properties": {key: {"const": value}}, "required": [key]},
            "then": then, "else": otherwise}


def _null(*names: str) -> dict[str, Any]:
    return {"properties": {name: {"type": "null"} for name in names}}


def _present(*names: str, null: tuple[str, ...] = ()) -> dict[str, Any]:
    """`names` are there and not null; `null` are null or absent."""
    return {"properties": {**{name: {"not": {"type": "null"}} for name in names},
                           **_null(*null)["properties"]},
            "required": list(names)}


class FineTuneMethod(StrictModel):
    """How the parameters were trained: all of them, or a LoRA adapter (QLoRA: over base weights
    quantised to nf4)."""

    model_config = ConfigDict(json_schema_extra={"allOf": [
        _when("kind", "full", _null(*_ADAPTER_FIELDS), _present(*_ADAPTER_FIELDS)),
        _when("kind", "qlora", {"properties": {"base_quantization": {"const": "nf4"}},
                                "required": ["base_quantization"]},
              _null("base_quantization")),
    ]})

    kind: MethodKind = Field(description="full: every parameter trains; lora: only a low-rank "
                                         "adapter trains; qlora: lora over nf4 base weights.")
    rank: PositiveInt | None = Field(default=None, description="The adapter's rank (lora, "
                                                               "qlora); null for full.")
    alpha: PositiveFloat | None = Field(default=None, description="The adapter's scale alpha "
                                                                  "(lora, qlora); null for full.")
    targets: Annotated[list[Name], Field(min_length=1)] | None = Field(
        default=None, description="The modules the adapter wraps, as the config names them "
                                  "(at least one); null for full.")
    base_quantization: Literal["nf4"] | None = Field(
        default=None, description="How the frozen base weights were stored: nf4 for qlora, "
                                  "null otherwise.")

    @model_validator(mode="after")
    def _adapter_fields_match_kind(self) -> FineTuneMethod:
        adapter = (self.rank, self.alpha, self.targets)
        if self.kind == "full" and any(value is not None for value in adapter):
            raise ValueError("a full fine-tune has no rank, alpha or targets: set them to null")
        if self.kind != "full" and any(value is None for value in adapter):
            raise ValueError(f"a {self.kind} fine-tune needs rank, alpha and targets")
        if (self.kind == "qlora") != (self.base_quantization is not None):
            raise ValueError("base_quantization is nf4 exactly when kind is qlora")
        return self


class TrainingRef(StrictModel):
    """The library that trained the model, its version, and the fine-tuning method."""

    library: TrainingLibrary = Field(description="The training library: tunix (Tunix's "
                                                 "PeftTrainer) or transformers (its Flax "
                                                 "classes, with this project's step).")
    library_version: Name = Field(description="The library's installed version.")
    method: FineTuneMethod = Field(description="Which parameters trained, and how.")


class CheckpointRef(StrictModel):
    """The checkpoint the run saved: a folder of the run, its format, and what it holds."""

    format: CheckpointFormat = Field(description="orbax (Tunix), flax_msgpack (transformers' "
                                                 "save_pretrained) or safetensors.")
    path: RelPath = Field(description="The checkpoint's folder (or its one file), relative to "
                                      "the run directory; its files are listed among the "
                                      "artifacts.")
    contents: CheckpointContents = Field(description="full: the whole model; lora_adapter: the "
                                                     "adapter alone; merged: adapter merged into "
                                                     "the base weights.")


class KaggleSession(StrictModel):
    """The Kaggle session the run ran in (null fields outside Kaggle)."""

    run_type: Name | None = Field(description="KAGGLE_KERNEL_RUN_TYPE (Interactive or Batch); "
                                              "null when the run was not on Kaggle.")
    seconds: Seconds = Field(description="Seconds from the start of the process that ran the "
                                         "trainer (the notebook's kernel) to the end of the run: "
                                         "a lower bound of the session's length.")


class DatasetSource(StrictModel):
    """Where the data set came from: a data set shipped with the trainer, by name, or a user's
    file, by the path it was given and the digest of its bytes."""

    model_config = ConfigDict(json_schema_extra={"allOf": [
        _when("kind", "shipped", _present("name", null=("path",)),
              _present("path", null=("name",))),
    ]})

    kind: Literal["shipped", "file"] = Field(description="shipped: a data set of the trainer, by "
                                                         "name; file: a user's JSONL file.")
    name: Name | None = Field(default=None, description="The shipped data set's name; null for "
                                                        "a file.")
    path: Name | None = Field(default=None, description="The file as given to --dataset; null "
                                                        "for a shipped data set.")
    sha256: Sha256 = Field(description="SHA-256 of the data set file's bytes.")

    @model_validator(mode="after")
    def _names_its_source(self) -> DatasetSource:
        if self.kind == "shipped" and (self.name is None or self.path is not None):
            raise ValueError("a shipped data set has a name and no path")
        if self.kind == "file" and (self.path is None or self.name is not None):
            raise ValueError("a data set file has a path and no name")
        return self
