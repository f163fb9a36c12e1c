"""The run config: a strict Pydantic model of configs/*.yaml, checked before anything heavy runs.

An unknown key, a wrong type or an impossible value is a `TrainingError` that names the file, the
line and the key (``configs/smoke_tiny.yaml:14: train.batch_size: ...``), never a traceback.
Checks that need the model's own config (a pretrained model's positions) live in `loading`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evidence.hashing import sha256_bytes
from evidence.yamlio import KeyLines, StrictYamlError, loads_yaml_strict
from training.errors import TrainingError

PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
DType = Literal["float32", "bfloat16"]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class PretrainedModelConfig(_Strict):
    """Weights from the Hugging Face hub (an id) or from a local directory (a path)."""

    source: Literal["pretrained"]
    id: Annotated[str, Field(min_length=1)]
    revision: Annotated[str, Field(min_length=1)] | None = None
    dtype: DType = Field(description="Parameters are cast to it, and it is the compute dtype.")


class TinyModelConfig(_Strict):
    """A small model built from this config, with random weights and a byte-level tokenizer."""

    source: Literal["tiny"]
    architecture: Literal["gpt2", "gemma"]
    dtype: DType
    layers: PositiveInt
    hidden_size: PositiveInt
    heads: PositiveInt
    kv_heads: PositiveInt | None = Field(default=None, description="gemma only; default heads")
    head_dim: PositiveInt | None = Field(default=None, description="gemma only")
    intermediate_size: PositiveInt | None = None
    max_positions: PositiveInt

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
    def gemma_head_dim(self) -> int:
        return self.head_dim or self.hidden_size // self.heads


class DataConfig(_Strict):
    max_seq_len: PositiveInt = Field(description="Prompt + response + EOS, in tokens.")


class TrainConfig(_Strict):
    steps: PositiveInt
    batch_size: PositiveInt = Field(description="Examples per optimizer step, over all devices.")
    grad_accum: PositiveInt = Field(default=1, description="Micro-batches per optimizer step.")
    optimizer: Literal["adafactor", "adamw"]
    learning_rate: PositiveFloat
    warmup_steps: NonNegativeInt = 0
    weight_decay: NonNegativeFloat = 0.0
    max_grad_norm: PositiveFloat | None = Field(default=1.0, description="null: no clipping")
    seed: NonNegativeInt = 0
    log_every: PositiveInt = 1

    @model_validator(mode="after")
    def _accumulation_divides_batch(self) -> TrainConfig:
        if self.batch_size % self.grad_accum:
            raise ValueError(f"batch_size {self.batch_size} is not a multiple of grad_accum "
                             f"{self.grad_accum}")
        return self

    @property
    def micro_batch_size(self) -> int:
        return self.batch_size // self.grad_accum


class ShardingConfig(_Strict):
    strategy: Literal["data_parallel", "fsdp"] = Field(
        default="data_parallel",
        description="data_parallel: parameters replicated, batch split over all devices; "
                    "fsdp: parameters and optimizer state split over all devices too.")


class EvalConfig(_Strict):
    batch_size: PositiveInt
    max_new_tokens: PositiveInt


class RunConfig(_Strict):
    model: Annotated[PretrainedModelConfig | TinyModelConfig, Field(discriminator="source")]
    data: DataConfig
    train: TrainConfig
    sharding: ShardingConfig = ShardingConfig()
    eval: EvalConfig
    save_checkpoint: bool = True

    @model_validator(mode="after")
    def _lengths_fit(self) -> RunConfig:
        if isinstance(self.model, TinyModelConfig) and \
                self.data.max_seq_len > self.model.max_positions:
            raise ValueError(f"data.max_seq_len {self.data.max_seq_len} is longer than the "
                             f"model's model.max_positions {self.model.max_positions}")
        if self.eval.max_new_tokens >= self.data.max_seq_len:
            raise ValueError(f"eval.max_new_tokens {self.eval.max_new_tokens} leaves no room for "
                             f"the prompt in data.max_seq_len {self.data.max_seq_len}")
        return self


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with the identity of the file it came from."""

    path: str
    sha256: str
    config: RunConfig


def load_config(path: str) -> LoadedConfig:
    """Read, parse and validate a config file, or raise a `TrainingError` naming file and key."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise TrainingError(f"{path}: cannot read the config: {error.strerror}") from None
    raw, lines = _parse_yaml(path, data)
    try:
        config = RunConfig.model_validate(raw)
    except ValidationError as error:
        raise TrainingError(_describe(path, error, lines)) from None
    return LoadedConfig(path=path, sha256=sha256_bytes(data), config=config)


def _parse_yaml(path: str, data: bytes) -> tuple[Any, KeyLines]:
    """The YAML document and the line of every key (duplicate keys are an error)."""
    try:
        raw, lines = loads_yaml_strict(path, data)
    except StrictYamlError as error:
        raise TrainingError(error.message) from None
    if not isinstance(raw, dict):
        raise TrainingError(f"{path}: the top level must be a mapping of sections (model, data, "
                            "train, eval, ...)")
    return raw, lines


_UNION_TAGS = {"pretrained", "tiny"}


def _describe(path: str, error: ValidationError, lines: KeyLines) -> str:
    problems = []
    for item in error.errors():
        loc = [str(part) for part in item["loc"]]
        # A discriminated union puts its tag into the location (model.tiny.layers); the file
        # has no such key.
        if len(loc) > 1 and loc[0] == "model" and loc[1] in _UNION_TAGS:
            del loc[1]
        key = ".".join(loc) or "(top level)"
        line = _nearest_line(tuple(loc), lines)
        where = f"{path}:{line}" if line else path
        problems.append(f"{where}: {key}: {_message(item)}")
    return "invalid config:\n  " + "\n  ".join(problems)


def _nearest_line(loc: tuple[str, ...], lines: KeyLines) -> int | None:
    """The line of the key, or of its closest parent that is in the file (a missing key)."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _message(item: Any) -> str:
    kind, given = item["type"], item.get("input")
    if kind == "extra_forbidden":
        return "unknown key (check the spelling; see docs/TRAINING_MODES.md for the keys)"
    if kind == "missing":
        return "required key is missing"
    message = f"{item['msg']} (got {given!r})"
    if kind == "float_type" and isinstance(given, str) and _looks_numeric(given):
        message += "; YAML reads 1e-4 as text, write 1.0e-4"
    return message


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
