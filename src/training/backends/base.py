"""The one small interface every model backend implements, and the neutral things it hands over.

The pipeline, the evaluation and the preflight know a model only through a `Backend`: they never
import a model library. A backend is a folder beside `flax_transformers/` (docs/architecture.md
says where a new one goes); `training.backends.backend_for` picks it by the config's `backend:`.

What a backend gives:
- `load`: the model's code, its host parameters already in the run's dtype, and its tokenizer;
- `make_mesh`: the Mesh its model's sharding understands (every device; batch rows over all);
- `train`: the trainer (this project's jit step, or the library's own, Tunix's PeftTrainer):
  it trains on the batches the pipeline planned (`TrainJob`) and writes one metrics row per
  optimizer step through `TrainJob.record` (one proof of "compiled once per shape" for all);
- `apply_fn`: the logits function of the model (the project's step and the preflight run it);
- `generate_fn`: batched greedy generation for the evaluation;
- `save`: the checkpoint, in the format the backend's own library reloads;
- `describe`, `check`, `abstract_model`: the model with no weights, for the preflight;
- `training_ref`, `checkpoint_ref`: what the run manifest records about how the model was
  trained (library, version, method) and the checkpoint (format, path, contents); what it
  records about the model itself is `LoadedModel.model_ref`, the same for every backend.

The planning (which examples, which length), the evaluation, the grading and the evidence are
the pipeline's, the same code whatever the backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:  # the interface imports no JAX: the config picks a backend before JAX loads
    import jax
    from jax.sharding import Mesh

    from evidence import CheckpointRef, Finding, ModelRef, TrainingRef
    from training.batching import Examples
    from training.buckets import BatchPlan
    from training.config import ModelConfig, RunConfig
    from training.train_loop import StepLog

Params = Any  # a tree of arrays (or of jax.ShapeDtypeStruct, for an abstract model)
# (params, input_ids, attention_mask, position_ids) -> logits [batch, seq, vocab]
ApplyFn = Callable[[Params, "jax.Array", "jax.Array", "jax.Array"], "jax.Array"]


class Generated(NamedTuple):
    """What one batch of greedy generation gives back (a pytree: a jit function returns it)."""

    tokens: Any  # [b, max_new_tokens] int32, pad after a row stopped
    live_steps: Any  # [b] int32: decode steps the row ran before it stopped (its new tokens)
    computed_steps: Any  # () int32: row-steps the decode loop computed, all stages together


# (params, input_ids [b, p], attention_mask [b, p], live [b] bool) -> Generated; rows that are
# not live (fillers of a short batch) count as stopped from the start.
GenerateFn = Callable[[Params, "jax.Array", "jax.Array", "jax.Array"], Generated]


class Tokenizer(Protocol):
    """Text to token ids and back: all that batching and evaluation need of a tokenizer."""

    @property
    def eos_id(self) -> int | None: ...

    @property
    def pad_id(self) -> int: ...

    def encode(self, text: str, *, specials: bool) -> list[int]:
        """`specials`: with the tokenizer's own special tokens (Gemma's BOS), as a prompt."""
        ...

    def decode(self, ids: Sequence[int]) -> str:
        """The text of `ids`, special tokens left out."""
        ...


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to train: the backend's own model object (opaque outside the backend),
    host parameters in the run's dtype, the tokenizer, and what the evidence says about it.
    `Backend.train` hands back the same with the trained module and parameters (on the mesh)."""

    module: Any
    params: Params
    tokenizer: Tokenizer
    model_id: str
    revision: str | None
    family: str
    dtype: str
    max_positions: int
    trained_steps: int = 0  # optimizer steps `Backend.train` ran (0: as loaded)

    @property
    def parameter_count(self) -> int:
        from training.params import parameter_count

        return parameter_count(self.params)

    def model_ref(self) -> ModelRef:
        """The base model as loaded, for the manifest (an adapter's parameters are the method's,
        not the model's: `Backend.train` hands back the base's identity unchanged)."""
        from evidence import ModelRef

        return ModelRef(id=self.model_id, revision=self.revision, family=self.family,
                        dtype=self.dtype,  # type: ignore[arg-type]
                        parameter_count=self.parameter_count)


@dataclass(frozen=True)
class ModelSpec:
    """A model's architecture without weights: enough to check a config against it."""

    model_id: str
    family: str
    max_positions: int
    config: Any  # the backend's own description (a transformers PretrainedConfig, ...)


@dataclass(frozen=True)
class AbstractModel:
    """The model for the preflight: its code and its parameters as shapes, cast as the loader
    casts real weights."""

    spec: ModelSpec
    module: Any
    params: Params  # a tree of jax.ShapeDtypeStruct

    @property
    def parameter_count(self) -> int:
        from training.params import parameter_count

        return parameter_count(self.params)


@dataclass(frozen=True)
class TrainJob:
    """What a backend's trainer is given: the run's config, the mesh (`Backend.make_mesh`), the
    encoded examples and the plan of every step's batch (`training.batching.plan_batches`: fixed
    shapes, one compilation each), and where each optimizer step's measurements go."""

    run: RunConfig
    config_path: str
    mesh: Mesh
    examples: Examples
    plan: BatchPlan
    steps: int
    log: StepLog  # training.train_loop.StepLog: checks a step, writes its metrics row


class Backend(Protocol):
    """A model library behind the trainer. Every method may raise `TrainingError` with a message
    that names the config key to change."""

    name: str

    def load(self, model: ModelConfig, *, max_seq_len: int, config_path: str,
             seed: int) -> LoadedModel: ...

    def make_mesh(self, strategy: str) -> Mesh:
        """A Mesh over every device for `sharding.strategy` (data_parallel | fsdp), with the
        axis names the model's sharding uses; the batch rows split over all of it."""
        ...

    def train(self, loaded: LoadedModel, job: TrainJob) -> LoadedModel:
        """Train for `job.steps` optimizer steps on `job.plan`'s batches, one `job.log.record`
        per step; the trained model (its `params` on the mesh) for the checkpoint and the
        evaluation."""
        ...

    def apply_fn(self, module: Any) -> ApplyFn: ...

    def generate_fn(self, loaded: LoadedModel, *, max_new_tokens: int, stop_text: str,
                    stages: Sequence[int] = ()) -> GenerateFn:
        """Greedy generation for batches of `stages[0]` rows that continues in `stages[1]`
        rows once at most that many still run, and so on (`training.decoding.decode_stages`);
        `()`: one stage, the batch as given."""
        ...

    def save(self, loaded: LoadedModel, params: Params, directory: Path, *,
             run: RunConfig) -> Path:
        """The checkpoint of the trained model in `directory` (`run.method` says what it holds
        where a backend can save an adapter alone or merged)."""
        ...

    def describe(self, model: ModelConfig) -> ModelSpec: ...

    def check(self, file: str, run: RunConfig, spec: ModelSpec) -> list[Finding]:
        """The model's own limits against the config (positions, ...), as findings."""
        ...

    def abstract_model(self, model: ModelConfig, spec: ModelSpec) -> AbstractModel: ...


    def training_ref(self, run: RunConfig) -> TrainingRef:
        """The training library and its installed version, and the method (run_manifest 2.0)."""
        ...

    def checkpoint_ref(self, run: RunConfig, path: str) -> CheckpointRef:
        """The checkpoint `save` writes: its format, `path` (relative to the run directory) and
        what it holds."""
        ...
