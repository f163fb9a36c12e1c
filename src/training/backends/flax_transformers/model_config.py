"""The `model:` section of a config for this backend: a pretrained model (hub id or local
directory) or a tiny one built from the config. Plain pydantic: read before JAX is imported."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from evidence import PositiveInt, StrictModel

# The dtypes this backend trains in (what the manifest may record is a wider set).
TrainDType = Literal["float32", "bfloat16"]
DTYPE_HELP = ("Parameters are really cast to it (not only the compute dtype), and it is the "
              "compute dtype. float32 on CPUs and T4s, which have no fast bfloat16.")


class PretrainedModelConfig(StrictModel):
    """Weights from the Hugging Face hub (an id) or from a local directory (a path)."""

    source: Literal["pretrained"] = Field(description="pretrained: load weights with "
                                                      "from_pretrained.")
    id: Annotated[str, Field(min_length=1)] = Field(
        description="Hub id (google/gemma-2b) or a local directory saved with save_pretrained.")
    revision: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="Hub revision, e.g. flax; ignored for a local directory.")
    dtype: TrainDType = Field(description=DTYPE_HELP)

    @property
    def declared_positions(self) -> int | None:
        """Positions the config itself states (None: the model's own config.json says)."""
        return None

    @property
    def label(self) -> str:
        return self.id


class TinyModelConfig(StrictModel):
    """A small model built from this config, with random weights and a byte-level tokenizer."""

    source: Literal["tiny"] = Field(description="tiny: build a small model here, no download.")
    architecture: Literal["gpt2", "gemma"] = Field(description="The transformers Flax class.")
    dtype: TrainDType = Field(description=DTYPE_HELP)
    layers: PositiveInt = Field(description="Transformer blocks.")
    hidden_size: PositiveInt = Field(description="Width of the residual stream.")
    heads: PositiveInt = Field(description="Attention heads.")
    kv_heads: PositiveInt | None = Field(default=None,
                                         description="gemma only: key/value heads; default heads")
    head_dim: PositiveInt | None = Field(default=None,
                                         description="gemma only: default hidden_size / heads")
    intermediate_size: PositiveInt | None = Field(
        default=None, description="Width of the MLP; default 4 x hidden_size.")
    max_positions: PositiveInt = Field(description="Longest sequence the model can take.")

    @model_validator(mode="after")
    def _shape_is_buildable(self) -> TinyModelConfig:
        if self.architecture == "gpt2":
            if self.hidden_size % self.heads:
                raise ValueError(f"hidden_size {self.hidden_size} is not a multiple of heads "
                                 f"{self.heads}")
            if self.kv_heads is not None or self.head_dim is not None:
                raise ValueError("kv_heads and head_dim are for gemma only")
        else:
            kv_heads = self.kv_heads or self.heads
            if self.heads % kv_heads:
                raise ValueError(f"heads {self.heads} is not a multiple of kv_heads {kv_heads}")
            # The Flax Gemma model builds its rotary table from positions; it breaks below this.
            if self.max_positions < 2 * self.gemma_head_dim:
                raise ValueError(f"max_positions {self.max_positions} is below 2 x head_dim "
                                 f"({2 * self.gemma_head_dim}); the Flax Gemma model breaks there")
        return self

    @property
    def declared_positions(self) -> int | None:
        return self.max_positions

    @property
    def label(self) -> str:
        return f"tiny-{self.architecture}"

    @property
    def gemma_head_dim(self) -> int:
        return self.head_dim or self.hidden_size // self.heads


FlaxModelConfig = Annotated[PretrainedModelConfig | TinyModelConfig,
                            Field(discriminator="source")]
UNION_TAGS = frozenset({"pretrained", "tiny"})
