"""The run config: a strict Pydantic model of configs/*.yaml, checked before anything heavy runs.

An unknown key, a wrong type or an impossible value is a `TrainingError` that names the file, the
line and the key (``configs/smoke_tiny.yaml:14: train.batch_size: ...``), never a traceback.
The `model:` section belongs to the backend (`backend:`, default flax_transformers): each backend
has its own model sections (both have a `source: tiny`), so the section is read as the backend's.
Checks that need the model's own config (a pretrained model's positions) live in the backend.
`method:` says which parameters train (full, lora, qlora); LoRA needs the Tunix backend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from evidence import (
    KeyLines,
    Name,
    PositiveInt,
    StrictModel,
    StrictYamlError,
    keyed_problems,
    loads_yaml_strict,
    sha256_bytes,
)
from training.backends.flax_transformers.model_config import UNION_TAGS as FLAX_TAGS
from training.backends.flax_transformers.model_config import (
    FlaxModelConfig,
    PretrainedModelConfig,
    TinyModelConfig,
)
from training.backends.tunix.model_config import UNION_TAGS as TUNIX_TAGS
from training.backends.tunix.model_config import (
    TunixModelConfig,
    TunixPretrainedConfig,
    TunixTinyConfig,
)
from training.errors import TrainingError
from training.prompt_format import PromptTemplate

NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
# Every backend's model section, and each backend's own (read by `RunConfig._model_of_backend`).
ModelConfig = PretrainedModelConfig | TinyModelConfig | TunixPretrainedConfig | TunixTinyConfig
BackendName = Literal["flax_transformers", "tunix"]
MODEL_SECTIONS: dict[str, TypeAdapter[Any]] = {
    "flax_transformers": TypeAdapter(FlaxModelConfig),
    "tunix": TypeAdapter(TunixModelConfig),
}
UNION_TAGS = FLAX_TAGS | TUNIX_TAGS
KEYS_DOC = "docs/TRAINING_MODES.md"


class DataConfig(StrictModel):
    """How the data set's items become token sequences."""

    max_seq_len: PositiveInt = Field(description="Prompt + response + EOS, in tokens: the "
                                                 "longest batch; no example is cut.")
    buckets: NonNegativeInt = Field(
        default=4, description="Sequence lengths the training batches are padded to (one "
                               "compilation of the step each): examples of similar length are "
                               "batched together, and the lengths are chosen for the run's "
                               "batches. 0: every batch a free shuffle padded to max_seq_len.")
    prompt_template: PromptTemplate = Field(
        default="plain", description="How a prompt is put to the model, in training and "
                                     "evaluation: plain (as it is: base checkpoints) or "
                                     "gemma_chat (Gemma's user and model turns: the _it "
                                     "checkpoints).")


class TrainConfig(StrictModel):
    """The optimization."""

    steps: PositiveInt = Field(description="Optimizer steps (a smoke run's --smoke-steps "
                                           "overrides it).")
    batch_size: PositiveInt = Field(description="Examples per optimizer step, over all devices.")
    grad_accum: PositiveInt = Field(default=1, description="Micro-batches per optimizer step.")
    optimizer: Literal["adafactor", "adamw"] = Field(
        description="adafactor: factored second moments (a fraction of AdamW's memory); adamw.")
    learning_rate: PositiveFloat = Field(description="Peak learning rate (write 1.0e-4, not "
                                                     "1e-4, which YAML reads as text).")
    warmup_steps: NonNegativeInt = Field(default=0, description="Linear warmup to the peak; "
                                                                "then cosine decay to a tenth.")
    weight_decay: NonNegativeFloat = Field(default=0.0, description="Decoupled weight decay.")
    max_grad_norm: PositiveFloat | None = Field(default=1.0, description="Clip the global "
                                                                         "gradient norm; null: "
                                                                         "no clipping.")
    seed: NonNegativeInt = Field(default=0, description="Seeds the tiny model's weights and the "
                                                        "batch shuffle.")
    log_every: PositiveInt = Field(default=1, description="Steps between metrics.jsonl rows "
                                                          "(the last step is always logged).")

    @model_validator(mode="after")
    def _accumulation_divides_batch(self) -> TrainConfig:
        if self.batch_size % self.grad_accum:
            raise ValueError(f"batch_size {self.batch_size} is not a multiple of grad_accum "
                             f"{self.grad_accum}")
        return self

    @property
    def micro_batch_size(self) -> int:
        return self.batch_size // self.grad_accum


class ShardingConfig(StrictModel):
    """How arrays lie on the devices (see training/sharding.py)."""

    strategy: Literal["data_parallel", "fsdp"] = Field(
        default="data_parallel",
        description="data_parallel: parameters replicated, batch split over all devices; "
                    "fsdp: parameters and optimizer state split over all devices too.")


class EvalConfig(StrictModel):
    """Greedy generation on the data set's eval split."""

    batch_size: PositiveInt = Field(description="Prompts per generation batch (rounded up to a "
                                                "multiple of the devices).")
    max_new_tokens: PositiveInt = Field(description="Longest response generated, in tokens.")
    buckets: NonNegativeInt = Field(
        default=2, description="Prompt lengths the generation batches are left-padded to (one "
                               "compilation of generation each): prompts are batched by length. "
                               "0: data set order, every batch padded to the longest prompt.")
    decode_stages: PositiveInt = Field(
        default=3, description="Batch sizes decoding steps down through: once at most half the "
                               "rows still run, they go on in a batch half as big, so stopped "
                               "rows are not decoded further. 1: every row to the batch's end.")


class MethodConfig(StrictModel):
    """Which parameters train: all of them, or a low-rank adapter beside frozen base weights
    (qwix's LoraProvider; QLoRA keeps the base weights in nf4)."""

    kind: Literal["full", "lora", "qlora"] = Field(
        default="full", description="full: every parameter trains; lora: only the adapter "
                                    "trains, the base weights stay bit-identical; qlora: lora "
                                    "over base weights quantised to nf4 (Tunix backend).")
    rank: PositiveInt | None = Field(default=None, description="lora, qlora: the adapter's "
                                                               "rank.")
    alpha: PositiveFloat | None = Field(default=None, description="lora, qlora: the adapter's "
                                                                  "scale is alpha / rank.")
    targets: list[Name] | None = Field(
        default=None, description="lora, qlora: regular expressions over module paths (qwix's "
                                  "module_path, joined with |), e.g. .*q_einsum, .*gate_proj.")
    tile_size: PositiveInt | None = Field(default=None, description="qlora: the nf4 "
                                                                    "quantisation's block "
                                                                    "size (default 128).")
    checkpoint: Literal["lora_adapter", "merged"] | None = Field(
        default=None, description="lora, qlora: what checkpoint/ holds, the adapter alone "
                                  "(default) or the adapter merged into the base weights, "
                                  "which Tunix's plain Gemma class restores.")

    @model_validator(mode="after")
    def _adapter_keys_match_kind(self) -> MethodConfig:
        adapter = {"rank": self.rank, "alpha": self.alpha, "targets": self.targets,
                   "checkpoint": self.checkpoint}
        if self.kind == "full":
            given = [key for key, value in adapter.items() if value is not None]
            if given or self.tile_size is not None:
                raise ValueError(f"{', '.join(given or ['tile_size'])}: only for lora or qlora")
            return self
        missing = [key for key in ("rank", "alpha", "targets") if adapter[key] is None]
        if missing:
            raise ValueError(f"a {self.kind} method needs {', '.join(missing)}")
        if self.tile_size is not None and self.kind != "qlora":
            raise ValueError("tile_size: only for qlora")
        for target in self.targets or ():
            try:
                re.compile(target)
            except re.error as error:
                raise ValueError(f"targets: {target!r} is not a regular expression: "
                                 f"{error}") from None
        return self

    @property
    def module_path(self) -> str:
        """qwix's `module_path`: one regular expression for all targets."""
        return "|".join(self.targets or ())

    @property
    def contents(self) -> Literal["full", "lora_adapter", "merged"]:
        """What the run's checkpoint holds."""
        return "full" if self.kind == "full" else (self.checkpoint or "lora_adapter")

    @property
    def qlora_tile_size(self) -> int:
        return self.tile_size or 128


class RunConfig(StrictModel):
    """A whole run: which model, how it is trained, evaluated and laid out."""

    backend: BackendName = Field(default="flax_transformers",
                                 description="The model library behind the run; the model "
                                             "section is that backend's.")
    model: ModelConfig = Field(description="The model to train (the backend's section).")
    method: MethodConfig = Field(default=MethodConfig(), description="Which parameters train.")
    data: DataConfig = Field(description="Tokenised sequences.")
    train: TrainConfig = Field(description="The optimization.")
    sharding: ShardingConfig = Field(default=ShardingConfig(),
                                     description="How arrays lie on the devices.")
    eval: EvalConfig = Field(description="The evaluation after training.")
    save_checkpoint: bool = Field(default=True, description="Write checkpoint/ into the run "
                                                            "directory (listed in the manifest).")

    @field_validator("model", mode="wrap")
    @classmethod
    def _model_of_backend(cls, value: Any, handler: ValidatorFunctionWrapHandler,
                          info: ValidationInfo) -> Any:
        """The model section as the backend's own (both backends have a `source: tiny`)."""
        backend = info.data.get("backend")
        if backend is None:
            raise ValueError("is read once backend names a known backend")
        if isinstance(value, StrictModel):  # already validated (model_copy, tests)
            value = value.model_dump()
        return MODEL_SECTIONS[backend].validate_python(value)

    @model_validator(mode="after")
    def _method_fits_backend(self) -> RunConfig:
        if self.backend == "flax_transformers" and self.method.kind != "full":
            raise ValueError(f"method.kind {self.method.kind} needs backend: tunix "
                             "(transformers' Flax path trains every parameter)")
        return self

    @model_validator(mode="after")
    def _lengths_fit(self) -> RunConfig:
        positions = self.model.declared_positions
        if positions is not None and self.data.max_seq_len > positions:
            raise ValueError(f"data.max_seq_len {self.data.max_seq_len} is longer than the "
                             f"model's model.max_positions {positions}")
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


def _describe(path: str, error: ValidationError, lines: KeyLines) -> str:
    problems = [f"{problem} (the keys: {KEYS_DOC})" if ": unknown key" in problem else problem
                for problem in keyed_problems(path, error, lines, UNION_TAGS)]
    return "invalid config:\n  " + "\n  ".join(problems)
