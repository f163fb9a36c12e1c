"""The run's training step with no weights: parameters as shapes in the run's dtype, the
trainer's own optimizer, state, shardings and step function (`training.step.make_train_step`,
donation included), lowered for a mesh of the target's devices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import optax
from jax.sharding import AbstractMesh, Mesh
from transformers import FlaxAutoModelForCausalLM, PretrainedConfig
from transformers.modeling_flax_utils import FlaxPreTrainedModel

from training.config import PretrainedModelConfig, RunConfig, TinyModelConfig
from training.loading import JNP_DTYPES, cast_params
from training.optim import learning_rate_schedule, make_optimizer
from training.preflight.model_spec import model_config
from training.sharding import BATCH_AXES, make_mesh, train_batch_sharding, tree_shardings
from training.step import init_state, make_train_step, model_apply_fn

BATCH_KEYS = ("input_ids", "attention_mask", "loss_mask")


@dataclass(frozen=True)
class AbstractModel:
    config: PretrainedConfig
    model: FlaxPreTrainedModel
    params: Any  # a tree of jax.ShapeDtypeStruct, cast as the loader casts real weights

    @property
    def parameter_count(self) -> int:
        return sum(leaf.size for leaf in jax.tree_util.tree_leaves(self.params))


def abstract_model(cfg: PretrainedModelConfig | TinyModelConfig,
                   hf_config: PretrainedConfig | None = None) -> AbstractModel:
    """The model's code and its parameters' shapes, through the loader's own cast: a Flax
    `dtype` argument alone would leave them float32."""
    hf_config = hf_config if hf_config is not None else model_config(cfg)
    model = FlaxAutoModelForCausalLM.from_config(hf_config, dtype=JNP_DTYPES[cfg.dtype],
                                                 _do_init=False)
    initial = jax.eval_shape(lambda: model.init_weights(jax.random.PRNGKey(0), (1, 1)))
    params = jax.eval_shape(lambda tree: cast_params(tree, cfg.dtype), initial)
    return AbstractModel(hf_config, model, params)


def abstract_state(params: Any, optimizer: optax.GradientTransformation) -> Any:
    """The TrainState's shapes: step, parameters and the optimizer's state."""
    return jax.eval_shape(lambda tree: init_state(tree, optimizer), params)


def abstract_mesh(run: RunConfig, devices: int) -> AbstractMesh:
    """The mesh `training.sharding.make_mesh` builds, by sizes only: for a target whose devices
    are not here."""
    sizes = (devices, 1) if run.sharding.strategy == "data_parallel" else (1, devices)
    return AbstractMesh(sizes, BATCH_AXES)


def device_mesh(run: RunConfig, devices: list[Any]) -> Mesh:
    return make_mesh(run.sharding.strategy, devices)


def abstract_batch(run: RunConfig) -> dict[str, jax.ShapeDtypeStruct]:
    """[grad_accum, micro_batch, max_seq_len] int32, as `training.batching` makes them."""
    shape = (run.train.grad_accum, run.train.micro_batch_size, run.data.max_seq_len)
    return {key: jax.ShapeDtypeStruct(shape, jnp.int32) for key in BATCH_KEYS}


def lower_train_step(model: AbstractModel, run: RunConfig, mesh: Mesh) -> Any:
    """`make_train_step` exactly as the pipeline builds it, lowered on abstract inputs."""
    optimizer, schedule = make_optimizer(run.train), learning_rate_schedule(run.train)
    state = abstract_state(model.params, optimizer)
    batch_sharding = train_batch_sharding(mesh)
    step = make_train_step(model_apply_fn(model.model), optimizer, schedule,
                           tree_shardings(mesh, state), batch_sharding)
    return step.lower(state, abstract_batch(run))
