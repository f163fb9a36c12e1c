"""The Tunix backend behind `training.backends.base.Backend`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jax
from flax import nnx
from jax.sharding import Mesh

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
from training.backends.flax_transformers.tokenizer import byte_level_tokenizer
from training.backends.tunix import lora, models
from training.backends.tunix.checkpoint import save_checkpoint
from training.backends.tunix.generate import make_generate_fn
from training.backends.tunix.loading import load_model
from training.backends.tunix.model_config import TunixPretrainedConfig, TunixTinyConfig
from training.backends.tunix.trainer import model_logits, train_model
from training.config import MethodConfig, RunConfig
from training.decoding import stop_ids
from training.errors import TrainingError
from training.params import jax_dtype

ModelConfig = TunixPretrainedConfig | TunixTinyConfig


def model_apply_fn(module: nnx.Module) -> ApplyFn:
    """The logits of a Tunix model from its state: (state, ids, mask, positions) -> logits."""
    graphdef = nnx.graphdef(module)

    def apply(params: Params, input_ids: jax.Array, attention_mask: jax.Array,
              position_ids: jax.Array) -> jax.Array:
        return model_logits(nnx.merge(graphdef, params), input_ids, attention_mask,
                            position_ids)

    return apply


def prepare_model(model: nnx.Module, run: RunConfig, mesh: Mesh) -> nnx.Module:
    """The model to train, on the mesh: parameters replicated for data_parallel, the method's
    adapter applied (the base model itself for full fine-tuning)."""
    if run.sharding.strategy == "data_parallel":
        models.replicate_parameters(model)
    try:
        trainable = lora.apply_method(model, run.method, run.train.seed)
    except lora.NoTargets as error:
        raise TrainingError(f"method.targets: {error}") from None
    except ValueError as error:  # qwix's word for a shape its quantisation cannot tile
        key = "method.tile_size" if run.method.kind == "qlora" else "method"
        raise TrainingError(f"{key}: qwix cannot apply the {run.method.kind} adapter: "
                            f"{error}") from None
    models.place_on_mesh(trainable, mesh)
    return trainable


def fine_tune_method(method: MethodConfig) -> FineTuneMethod:
    if method.kind == "full":
        return FineTuneMethod(kind="full")
    return FineTuneMethod(kind=method.kind, rank=method.rank, alpha=method.alpha,
                          targets=list(method.targets or ()),
                          base_quantization="nf4" if method.kind == "qlora" else None)


class TunixBackend:
    name = "tunix"

    def load(self, model: ModelConfig, *, max_seq_len: int, config_path: str,
             seed: int) -> LoadedModel:
        return load_model(model, max_seq_len=max_seq_len, config_path=config_path, seed=seed)

    def make_mesh(self, strategy: str) -> Mesh:
        return models.make_mesh()

    def train(self, loaded: LoadedModel, job: TrainJob) -> LoadedModel:
        """Tunix's PeftTrainer (`trainer.train_model`)."""
        trainable = prepare_model(loaded.module, job.run, job.mesh)
        train_model(trainable, job)
        return dataclasses.replace(loaded, module=trainable, params=nnx.state(trainable),
                                   trained_steps=job.steps)

    def apply_fn(self, module: Any) -> ApplyFn:
        return model_apply_fn(module)

    def generate_fn(self, loaded: LoadedModel, *, max_new_tokens: int, stop_text: str,
                    stages: Sequence[int] = ()) -> GenerateFn:
        return make_generate_fn(loaded.module, max_new_tokens=max_new_tokens, stages=stages,
                                **stop_ids(loaded.tokenizer, stop_text))

    def save(self, loaded: LoadedModel, params: Params, directory: Path, *,
             run: RunConfig) -> Path:
        nnx.update(loaded.module, params)
        return save_checkpoint(loaded.module, run.method, directory,
                               step=max(loaded.trained_steps, 1))

    def describe(self, model: ModelConfig) -> ModelSpec:
        vocab = len(byte_level_tokenizer()) if isinstance(model, TunixTinyConfig) else 0
        return ModelSpec(model_id=model.label, family=model.family,
                         max_positions=model.declared_positions or 0,
                         config=models.config_of(model, vocab))

    def check(self, file: str, run: RunConfig, spec: ModelSpec) -> list[Finding]:
        if run.data.max_seq_len > spec.max_positions:
            return [Finding(file, Code.PREFLIGHT_POSITIONS_TOO_FEW,
                            f"data.max_seq_len {run.data.max_seq_len} is longer than the "
                            f"model's {spec.max_positions} positions", "/data/max_seq_len")]
        return []

    def abstract_model(self, model: ModelConfig, spec: ModelSpec) -> AbstractModel:
        """Tunix's model class with its parameters as shapes in the run's dtype."""
        module = models.abstract_model(spec.family, spec.config)
        target = jax_dtype(model.dtype)
        params = jax.tree_util.tree_map(
            lambda leaf: jax.ShapeDtypeStruct(leaf.shape, target)
            if jax.numpy.issubdtype(leaf.dtype, jax.numpy.floating) else leaf,
            nnx.state(module, nnx.Param))
        return AbstractModel(spec, module, params)

    def training_ref(self, run: RunConfig) -> TrainingRef:
        """Tunix's PeftTrainer, and the method as the config names it."""
        return TrainingRef(library="tunix", library_version=version("google-tunix"),
                           method=fine_tune_method(run.method))

    def checkpoint_ref(self, run: RunConfig, path: str) -> CheckpointRef:
        return CheckpointRef(format="orbax", path=path, contents=run.method.contents)


BACKEND = TunixBackend()

__all__ = ["BACKEND", "TunixBackend", "model_apply_fn"]
