"""The `model:` section of a config for the Tunix backend: one of the Gemma models the Kaggle
Tunix hackathon allowed, by Tunix's own config id (`name`), with its weights from Kaggle Models,
the Hugging Face hub or a local directory; or a tiny Gemma built from the config with random
weights. Plain pydantic: read before JAX is imported."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, model_validator

from evidence import PositiveInt, StrictModel

TrainDType = Literal["float32", "bfloat16"]
DTYPE_HELP = ("The parameters are cast to it (Tunix's Gemma computes in its parameters' "
              "dtype). float32 on CPUs and T4s, which have no fast bfloat16.")
# Tunix's ModelConfig ids (tunix.models.gemma.model / tunix.models.gemma3.model), each with its
# family and the positions it was trained for (Gemma 2: 8,192; Gemma 3 1B: 32,768).
GemmaName = Literal["gemma2_2b", "gemma2_2b_it", "gemma3_1b_pt", "gemma3_1b_it"]
NAMES: dict[str, tuple[str, int]] = {
    "gemma2_2b": ("gemma2", 8192), "gemma2_2b_it": ("gemma2", 8192),
    "gemma3_1b_pt": ("gemma3", 32_768), "gemma3_1b_it": ("gemma3", 32_768),
}
# owner/model/framework/variation, optionally /version: Kaggle Models' handle
KAGGLE_HANDLE = re.compile(r"[\w.-]+/[\w.-]+/[\w.-]+/[\w.-]+(/\d+)?")
HF_REPO = re.compile(r"[\w.-]+/[\w.-]+")


class TunixPretrainedConfig(StrictModel):
    """Gemma 2 2B or Gemma 3 1B (base or IT) with its published weights."""

    source: Literal["kaggle", "huggingface", "local"] = Field(
        description="kaggle: Kaggle Models through kagglehub (Flax weights, as a Kaggle input "
                    "attaches them); huggingface: the hub's safetensors; local: a directory "
                    "holding either layout.")
    name: GemmaName = Field(description="Tunix's config id of the model: gemma2_2b, "
                                        "gemma2_2b_it, gemma3_1b_pt or gemma3_1b_it.")
    id: Annotated[str, Field(min_length=1)] = Field(
        description="kaggle: the handle (google/gemma-3/flax/gemma3-1b-it); huggingface: the "
                    "repo id (google/gemma-3-1b-it); local: the directory.")
    dtype: TrainDType = Field(description=DTYPE_HELP)

    @model_validator(mode="after")
    def _id_has_its_source_form(self) -> TunixPretrainedConfig:
        if self.source == "kaggle" and not KAGGLE_HANDLE.fullmatch(self.id):
            raise ValueError(f"id {self.id!r} is not a Kaggle Models handle "
                             "(owner/model/framework/variation, e.g. "
                             "google/gemma-3/flax/gemma3-1b-it)")
        if self.source == "huggingface" and not HF_REPO.fullmatch(self.id):
            raise ValueError(f"id {self.id!r} is not a Hugging Face repo id (owner/name, e.g. "
                             "google/gemma-3-1b-it)")
        return self

    @property
    def family(self) -> str:
        return NAMES[self.name][0]

    @property
    def declared_positions(self) -> int | None:
        return NAMES[self.name][1]

    @property
    def label(self) -> str:
        return self.id


class TunixTinyConfig(StrictModel):
    """A small Gemma built here through Tunix's own classes, with random weights and the
    byte-level tokenizer: no download."""

    source: Literal["tiny"] = Field(description="tiny: build a small model here, no download.")
    architecture: Literal["gemma3", "gemma2"] = Field(
        default="gemma3", description="Tunix's Gemma 3 (tunix.models.gemma3) or Gemma 2 "
                                      "(tunix.models.gemma) classes.")
    dtype: TrainDType = Field(description=DTYPE_HELP)
    layers: PositiveInt = Field(description="Decoder layers (Gemma 3: five local, then one "
                                            "global; Gemma 2: local and global in turn).")
    embed_dim: PositiveInt = Field(description="Width of the residual stream.")
    hidden_dim: PositiveInt = Field(description="Width of the gated MLP.")
    heads: PositiveInt = Field(description="Query heads.")
    head_dim: PositiveInt = Field(description="Width of a head (even: rotary embeddings).")
    kv_heads: PositiveInt = Field(description="Key/value heads; heads must be a multiple.")
    sliding_window: PositiveInt = Field(description="Tokens a local layer attends to.")
    max_positions: PositiveInt = Field(description="Longest sequence the config allows (Gemma's "
                                                   "rotary positions have no table).")

    @model_validator(mode="after")
    def _shape_is_buildable(self) -> TunixTinyConfig:
        if self.heads % self.kv_heads:
            raise ValueError(f"heads {self.heads} is not a multiple of kv_heads {self.kv_heads}")
        if self.head_dim % 2:
            raise ValueError(f"head_dim {self.head_dim} is odd; rotary embeddings need it even")
        return self

    @property
    def family(self) -> str:
        return self.architecture

    @property
    def declared_positions(self) -> int | None:
        return self.max_positions

    @property
    def label(self) -> str:
        return f"tiny-{self.architecture}"


TunixModelConfig = Annotated[TunixPretrainedConfig | TunixTinyConfig,
                             Field(discriminator="source")]
UNION_TAGS = frozenset({"kaggle", "huggingface", "local", "tiny"})
