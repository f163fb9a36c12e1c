"""The transformers Flax backend behind `training.backends.base.Backend`."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jax
from jax.sharding import Mesh
from transformers import FlaxAutoModelForCausalLM

from evidence import CheckpointRef, Code, Finding, FineTuneMethod, TrainingRef
from training.backends.base import (
    AbstractModel,
    ApplyFn,
    GenerateFn,
    LoadedModel,
    ModelSpec,
    Params,
    TrainJob,
)
from training.backends.flax_transformers.checkpoint import save_checkpoint
from training.backends.flax_transformers.generate import make_generate_fn
from training.backends.flax_transformers.loading import load_model, max_positions
from training.backends.flax_transformers.model_config import (
    PretrainedModelConfig,
    TinyModelConfig,
)
from training.backends.flax_transformers.model_spec import head_dim, model_config
from training.backends.flax_transformers.tokenizer import HFTokenizer
from training.backends.flax_transformers.train import train_model
from training.config import RunConfig
from training.decoding import stop_ids
from training.params import cast_params, jax_dtype
from training.sharding import make_mesh

ModelConfig = PretrainedModelConfig | TinyModelConfig


def model_apply_fn(model: Any) -> ApplyFn:
    """The logits of a transformers Flax model's module, run deterministically (no dropout)."""

    def apply(params: Params, input_ids: jax.Array, attention_mask: jax.Array,
              position_ids: jax.Array) -> jax.Array:
        return model.module.apply({"params": params}, input_ids, attention_mask, position_ids,
                                  deterministic=True).logits

    return apply


class FlaxTransformersBackend:
    name = "flax_transformers"

    def load(self, model: ModelConfig, *, max_seq_len: int, config_path: str,
             seed: int) -> LoadedModel:
        return load_model(model, max_seq_len=max_seq_len, config_path=config_path, seed=seed)

    def make_mesh(self, strategy: str) -> Mesh:
        return make_mesh(strategy)  # type: ignore[arg-type]

    def train(self, loaded: LoadedModel, job: TrainJob) -> LoadedModel:
        """This project's jit step and loop (`training.step`, `training.train_loop`)."""
        return train_model(loaded, job, model_apply_fn(loaded.module))

    def apply_fn(self, module: Any) -> ApplyFn:
        return model_apply_fn(module)

    def generate_fn(self, loaded: LoadedModel, *, max_new_tokens: int, stop_text: str,
                    stages: Sequence[int] = ()) -> GenerateFn:
        return make_generate_fn(loaded.module, max_new_tokens=max_new_tokens, stages=stages,
                                **stop_ids(loaded.tokenizer, stop_text))

    def save(self, loaded: LoadedModel, params: Params, directory: Path, *,
             run: RunConfig) -> Path:
        return save_checkpoint(loaded, params, directory)

    def describe(self, model: ModelConfig) -> ModelSpec:
        config = model_config(model)
        return ModelSpec(model_id=model.label, family=config.model_type,
                         max_positions=max_positions(config), config=config)

    def check(self, file: str, run: RunConfig, spec: ModelSpec) -> list[Finding]:
        """Enough positions for the sequence, and, for Gemma, at least twice the head dimension
        (the Flax Gemma model builds its rotary table from them and breaks below that)."""
        findings = []
        positions = spec.max_positions
        if run.data.max_seq_len > positions:
            findings.append(Finding(file, Code.PREFLIGHT_POSITIONS_TOO_FEW,
                                    f"data.max_seq_len {run.data.max_seq_len} is longer than "
                                    f"the model's {positions} positions", "/data/max_seq_len"))
        if spec.family == "gemma" and positions < 2 * head_dim(spec.config):
            findings.append(Finding(file, Code.PREFLIGHT_POSITIONS_TOO_FEW,
                                    f"the model has max_position_embeddings {positions}, below "
                                    f"2 x head_dim ({2 * head_dim(spec.config)}): the Flax Gemma "
                                    "model breaks there; raise it in the model's config",
                                    "/model"))
        return findings

    def abstract_model(self, model: ModelConfig, spec: ModelSpec) -> AbstractModel:
        """The model's code and its parameters' shapes, through the loader's own cast: a Flax
        `dtype` argument alone would leave them float32."""
        module = FlaxAutoModelForCausalLM.from_config(spec.config,
                                                      dtype=jax_dtype(model.dtype),
                                                      _do_init=False)
        initial = jax.eval_shape(lambda: module.init_weights(jax.random.PRNGKey(0), (1, 1)))
        params = jax.eval_shape(lambda tree: cast_params(tree, model.dtype), initial)
        return AbstractModel(spec, module, params)

    def training_ref(self, run: RunConfig) -> TrainingRef:
        """transformers' Flax classes with this project's step: every parameter trains."""
        return TrainingRef(library="transformers", library_version=version("transformers"),
                           method=FineTuneMethod(kind="full"))

    def checkpoint_ref(self, run: RunConfig, path: str) -> CheckpointRef:
        return CheckpointRef(format="flax_msgpack", path=path, contents="full")


BACKEND = FlaxTransformersBackend()

__all__ = ["BACKEND", "FlaxTransformersBackend", "HFTokenizer", "model_apply_fn"]
