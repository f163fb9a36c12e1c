"""The step the Tunix backend really trains with, built with no weights: Tunix's model (abstract,
the method applied, `tunix_model`), `nnx.Optimizer` over the trainable subset only (LoRA's
`nnx.LoRAParam`, or every `nnx.Param` under full fine-tuning) with the optimizer the backend
gives PeftTrainer, and PeftTrainer's own `_train_step` (value_and_grad over that subset,
`optimizer.update`) compiled as PeftTrainer compiles it (`nnx.jit`, the optimizer donated),
under a mesh of the target's devices with the shardings Tunix's models annotate.
What is taken from the backend is in `tunix_link`.
"""

from __future__ import annotations

import contextlib
import types
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import jax
from flax import nnx
from jax.sharding import AbstractMesh, Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from training.backends.tunix.probes import cheap_sharding_probes
from training.config import RunConfig
from training.preflight import tunix_link
from training.preflight.tunix_model import TunixModelSpec, abstract_model, trainable_filter


@dataclass(frozen=True)
class TunixStepPlan:
    """One Tunix training step: the model, and the run config that shapes the step (method,
    optimizer, micro-batch, sequence, sharding). PeftTrainer is called once per micro-batch."""

    model: TunixModelSpec
    run: RunConfig

    @property
    def micro_batch(self) -> int:
        return self.run.train.micro_batch_size

    @property
    def seq(self) -> int:
        return self.run.data.max_seq_len

    def with_layers(self, layers: int) -> TunixStepPlan:
        return replace(self, model=self.model.with_layers(layers))


@dataclass(frozen=True)
class AbstractTrainer:
    """The model and its optimizer as PeftTrainer holds them, all shapes."""

    model: nnx.Module
    optimizer: nnx.Optimizer


class TrainerCache:
    """The adapted abstract model takes qwix a traced forward pass to build (seconds for Gemma
    3 1B), and stays the same across the configs one preflight tries (batch, sequence,
    optimizer): built once per model, dtype, method and sharding."""

    def __init__(self) -> None:
        self._models: dict[Any, nnx.Module] = {}

    @cheap_sharding_probes()
    def trainer(self, plan: TunixStepPlan) -> AbstractTrainer:
        run = plan.run
        key = (plan.model.model_id, plan.model.num_layers, run.model.dtype,
               run.method.model_dump_json(), run.sharding.strategy, run.train.seed)
        if key not in self._models:
            self._models[key] = abstract_model(plan.model, run)
        model = self._models[key]
        tx = tunix_link.optimizer_transform(run.train)
        wrt = trainable_filter(run.method)
        optimizer = nnx.eval_shape(lambda m: nnx.Optimizer(m, tx, wrt=wrt), model)
        tunix_link.fit_optimizer_annotations(optimizer)
        return AbstractTrainer(model, optimizer)


def peft_train_step(plan: TunixStepPlan, model: nnx.Module) -> Callable[..., Any]:
    """The trainer class's own `_train_step` (PeftTrainer's), on a stand-in for the trainer that
    carries what the step reads of it, so no checkpoint manager, logger or data is built."""
    from tunix.sft import utils as sft_utils

    trainer = types.SimpleNamespace(gen_model_input_fn=lambda inputs: inputs,
                                    loss_fn=tunix_link.LOSS_FN,
                                    _has_aux=tunix_link.LOSS_HAS_AUX,
                                    _lora_enabled=sft_utils.is_lora_enabled(model))
    step_of_trainer = tunix_link.TRAINER_CLASS._train_step

    def train_step(model: nnx.Module, optimizer: nnx.Optimizer, inputs: Any) -> Any:
        return step_of_trainer(trainer, model, optimizer, inputs)

    return train_step


def state_shardings(node: Any, mesh: Mesh | AbstractMesh) -> Any:
    """A NamedSharding for every variable of `node`, from its annotation, by the backend's
    placement rule."""
    state = nnx.state(node)
    return jax.tree_util.tree_map(tunix_link.placement, state,
                                  nnx.get_named_sharding(state, mesh))


def placed(node: Any, mesh: Mesh) -> Any:
    """A copy of the abstract node whose every variable carries its sharding on `mesh`, as
    the loaded model's arrays (and the optimizer's state) lie on it."""
    graphdef, state = nnx.split(node)
    shapes = jax.tree_util.tree_map(
        lambda leaf, sharding: jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=sharding),
        state, state_shardings(node, mesh))
    return nnx.merge(graphdef, shapes)


@contextlib.contextmanager
def activation_constraints() -> Iterator[None]:
    """Tunix's models constrain activations to the mesh only when JAX's first device is not a
    CPU; cross-compiling for a TPU, JAX's devices are this CPU, so without this the step would
    be compiled without the constraints a real TPU run applies."""
    from jax.interpreters import pxla
    from tunix.models.gemma import model as gemma2
    from tunix.utils import sharding_utils

    def shard(x: Any, spec: Any, eager: bool = False) -> Any:
        mesh = pxla.thread_resources.env.physical_mesh
        if mesh.empty:
            return x
        return jax.lax.with_sharding_constraint(x, NamedSharding(mesh, P(*spec)))

    saved = sharding_utils.shard, gemma2.shard
    sharding_utils.shard = gemma2.shard = shard
    try:
        yield
    finally:
        sharding_utils.shard, gemma2.shard = saved


@contextlib.contextmanager
def under(mesh: Mesh) -> Iterator[None]:
    """The mesh as PeftTrainer's step looks it up (`pxla.thread_resources`: `with mesh`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # `with mesh:` is what Tunix reads
        with mesh:
            yield


@cheap_sharding_probes()
def lower_tunix_step(plan: TunixStepPlan, trainer: AbstractTrainer, devices: list[Any]) -> Any:
    """PeftTrainer's step, compiled as PeftTrainer does, lowered on abstract inputs laid out on
    a mesh of `devices`. Returns JAX's Lowered (what `.compile()` and the figures cache take)."""
    mesh = tunix_link.make_mesh(devices)
    model, optimizer = placed(trainer.model, mesh), placed(trainer.optimizer, mesh)
    inputs = tunix_link.step_inputs(plan.micro_batch, plan.seq, mesh)
    step = nnx.jit(peft_train_step(plan, model), donate_argnames=tunix_link.DONATES)
    with under(mesh), activation_constraints():
        return step.lower(model, optimizer, inputs).lowered


def donated(lowered: Any) -> tuple[bool, bool]:
    """(the model's state donated, the optimizer's state donated), as the step was lowered."""
    model_args, optimizer_args = lowered.args_info[0][0], lowered.args_info[0][1]

    def all_donated(tree: Any) -> bool:
        leaves = jax.tree_util.tree_leaves(tree)
        return bool(leaves) and all(arg.donated for arg in leaves)

    return all_donated(model_args), all_donated(optimizer_args)
