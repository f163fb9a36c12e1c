"""One run from configs to validated evidence: load, train, checkpoint and evaluate
(`train_and_evaluate`), then write, state and check the evidence (`record_evidence`).

The launcher (`training.launch`) has set the XLA environment before this module imports JAX.
"""

from __future__ import annotations

import secrets
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jax.sharding import Mesh

from evidence import MANIFEST_FILE, KaggleFields, Mode, Prediction, PreflightRecord, RunManifest
from training import evidence_out, provenance
from training.backends import backend_for
from training.backends.base import Backend, LoadedModel, TrainJob
from training.batching import Examples, encode_examples, plan_batches
from training.buckets import BatchPlan
from training.config import LoadedConfig, RunConfig
from training.console import RunConsole
from training.dataset.registry import Dataset, load_dataset
from training.errors import TrainingError
from training.evaluate import DecodeStats, evaluate
from training.metrics import METRICS_FILE, MetricsLog, MetricsRow
from training.sharding import check_divisible
from training.train_loop import StepLog

CHECKPOINT_DIR = "checkpoint"


@dataclass(frozen=True)
class RunRequest:
    """What the command line asked for. `run` is the config that trains: the smoke config in
    smoke mode, the full config otherwise; both are recorded."""

    mode: Mode
    run: LoadedConfig
    full: LoadedConfig
    smoke: LoadedConfig | None
    output: Path
    dataset: str
    steps: int
    overwrite: bool = False
    preflight: PreflightRecord | None = None  # the memory preflight's verdict, full runs


def check_output(output: Path, overwrite: bool) -> None:
    """Refuse a busy run directory before anything is loaded (and before anything is created:
    a run that fails early leaves no empty directory behind)."""
    if output.exists() and not output.is_dir():
        raise TrainingError(f"--output {output} is a file; give a directory for the run")
    if output.exists() and any(output.iterdir()):
        if not overwrite:
            raise TrainingError(f"--output {output} is not empty; choose a new directory, or "
                                "add --overwrite to replace an earlier run there")
        if not (output / MANIFEST_FILE).exists() and not (output / METRICS_FILE).exists():
            raise TrainingError(f"--output {output} is not empty and holds no earlier run; "
                                "--overwrite only replaces a run directory")


def prepare_output(output: Path, overwrite: bool) -> None:
    """An empty run directory: evidence lists every file in it, so stale files cannot stay."""
    check_output(output, overwrite)
    if output.exists() and any(output.iterdir()):
        shutil.rmtree(output)
    output.mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class Planned:
    """The run's mesh and every step's batch, planned before the backend trains on them."""

    mesh: Mesh
    examples: Examples
    plan: BatchPlan

    @property
    def real_fraction(self) -> float:
        return self.plan.real_fraction(self.examples.lengths)


def plan_training(backend: Backend, loaded: LoadedModel, cfg: RunConfig, config_path: str,
                  dataset: Dataset, steps: int | None = None) -> Planned:
    """The backend's mesh, and the examples and batch shapes of `steps` steps (default: the
    config's), whatever the backend: the batches split over the mesh's devices."""
    mesh = backend.make_mesh(cfg.sharding.strategy)
    check_divisible(cfg.train.micro_batch_size, mesh,
                    f"{config_path}: train.batch_size / train.grad_accum")
    examples = encode_examples(loaded.tokenizer, dataset.train, cfg.data.max_seq_len,
                               config_path, cfg.data.prompt_template)
    plan = plan_batches(examples, batch_size=cfg.train.batch_size,
                        steps=cfg.train.steps if steps is None else steps, seed=cfg.train.seed,
                        buckets=cfg.data.buckets)
    return Planned(mesh, examples, plan)


def plan_line(planned: Planned) -> str:
    lengths = ", ".join(str(length) for length in planned.plan.lengths)
    return (f"batches padded to {len(planned.plan.lengths)} sequence length(s) ({lengths}; "
            f"one compilation each): {planned.real_fraction:.1%} of the positions are real "
            "tokens")


def eval_line(stats: DecodeStats) -> str:
    lengths = ", ".join(str(length) for length in stats.prompt_lengths)
    return (f"eval: {stats.prompts} prompts in {stats.batches} batches padded to prompt "
            f"length(s) {lengths}; {stats.new_tokens:,} new tokens; "
            f"{stats.wasted_decode_fraction:.1%} of decode steps ran for rows already stopped")


def step_line(row: MetricsRow, steps: int) -> str:
    return (f"step {row.step}/{steps} loss {row.loss:.4f} lr {row.learning_rate:.2e} "
            f"tokens/s {row.tokens_per_second:,.0f} step {row.step_seconds:.2f}s"
            + (" (includes compilation)" if row.includes_compile else ""))


@dataclass(frozen=True)
class Trained:
    """What training and evaluation produced, before any evidence is written."""

    predictions: list[Prediction]
    train_seconds: float
    eval_seconds: float


def train_and_evaluate(backend: Backend, loaded: LoadedModel, request: RunRequest,
                       dataset: Dataset, out: RunConsole) -> Trained:
    """Train through the backend's trainer (metrics.jsonl as it goes), save the checkpoint,
    evaluate greedily: the same planning, evaluation and evidence whatever the backend."""
    cfg, config_path = request.run.config, request.run.path
    planned = plan_training(backend, loaded, cfg, config_path, dataset, request.steps)
    out.say(plan_line(planned))
    with out.progress() as bar:
        train_task = bar.add_task("train", total=request.steps)

        def on_step(row: MetricsRow) -> None:
            bar.advance(train_task)
            out.say(step_line(row, request.steps))

        out.say("compiling the train step (step 1 includes it; minutes for a large model)")
        log = StepLog(steps=request.steps, metrics=MetricsLog(request.output / METRICS_FILE),
                      log_every=cfg.train.log_every, on_step=on_step)
        started = time.perf_counter()
        trained = backend.train(loaded, TrainJob(run=cfg, config_path=config_path,
                                                 mesh=planned.mesh, examples=planned.examples,
                                                 plan=planned.plan, steps=request.steps,
                                                 log=log))
        train_seconds = time.perf_counter() - started
        if cfg.save_checkpoint:
            backend.save(trained, trained.params, request.output / CHECKPOINT_DIR, run=cfg)

        eval_task = bar.add_task("eval", total=len(dataset.eval))
        out.say(f"evaluating {len(dataset.eval)} items greedily (the first batch compiles "
                "generation)")
        started = time.perf_counter()
        evaluation = evaluate(backend, trained, trained.params, dataset.eval,
                              batch_size=cfg.eval.batch_size,
                              max_new_tokens=cfg.eval.max_new_tokens, mesh=planned.mesh,
                              config_path=config_path, buckets=cfg.eval.buckets,
                              decode_stages=cfg.eval.decode_stages,
                              prompt_template=cfg.data.prompt_template,
                              on_batch=lambda n: bar.advance(eval_task, n))
        eval_seconds = time.perf_counter() - started
        out.say(eval_line(evaluation.stats))
    return Trained(evaluation.predictions, train_seconds, eval_seconds)


def record_evidence(backend: Backend, loaded: LoadedModel, request: RunRequest, *,
                    run_id: str, started_at: datetime, dataset: Dataset, kaggle: KaggleFields,
                    trained: Trained, out: RunConsole) -> RunManifest:
    """predictions.jsonl, eval_summary.json, then run_manifest.json (last: it lists the other
    files' digests); every field stated as an evidence line; the run validated as `evidence
    validate` would; and the readable end."""
    cfg = request.run.config
    dataset_ref = evidence_out.dataset_ref(dataset)
    summary = evidence_out.write_predictions_and_summary(
        request.output, run_id=run_id, mode=request.mode, dataset=dataset_ref,
        predictions=trained.predictions)
    overall = summary.scorecard.overall
    if not isinstance(overall, str):
        out.say(f"eval: {overall.n_correct}/{overall.n_items} correct, "
                f"{overall.n_format_ok} well formed")
    manifest = evidence_out.write_manifest(
        request.output, run_id=run_id, mode=request.mode, model=loaded.model_ref(),
        config=evidence_out.config_ref(request.full),
        smoke_config=evidence_out.config_ref(request.smoke) if request.smoke else None,
        dataset=dataset_ref, git=provenance.git_state(), packages=provenance.package_versions(),
        device=provenance.device_info(), started_at=started_at,
        finished_at=datetime.now(UTC), train_seconds=trained.train_seconds,
        eval_seconds=trained.eval_seconds, kaggle=kaggle, steps=request.steps,
        training=backend.training_ref(cfg),
        checkpoint=(backend.checkpoint_ref(cfg, CHECKPOINT_DIR) if cfg.save_checkpoint
                    else None),
        kaggle_session=provenance.kaggle_session(), source=evidence_out.dataset_source(dataset),
        preflight=request.preflight)
    for line in evidence_out.evidence_lines(manifest, summary):
        out.evidence(line)
    evidence_out.self_check(request.output, kaggle, say=out.say)
    out.summary(summary, request.output, smoke=request.mode == "smoke")
    return manifest


def run(request: RunRequest, out: RunConsole) -> RunManifest:
    """The whole run. Everything that can be refused (data set, Kaggle variables, a busy output,
    the model) is refused before the run directory is created."""
    started_at = datetime.now(UTC)
    cfg = request.run.config
    run_id = f"{request.mode}-{started_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    dataset = load_dataset(request.dataset)
    kaggle = provenance.kaggle_fields()  # a malformed KAGGLE_* variable fails before training
    check_output(request.output, request.overwrite)
    out.say(f"run {run_id}: {request.mode} run of {request.run.path}, {request.steps} steps, "
            f"data set {dataset.spec.name} {dataset.spec.version}")
    backend = backend_for(cfg.backend)
    loaded = backend.load(cfg.model, max_seq_len=cfg.data.max_seq_len,
                          config_path=request.run.path, seed=cfg.train.seed)
    out.say(f"model {loaded.model_id} ({loaded.family}, {loaded.parameter_count:,} parameters, "
            f"{loaded.dtype})")
    prepare_output(request.output, request.overwrite)
    trained = train_and_evaluate(backend, loaded, request, dataset, out)
    return record_evidence(backend, loaded, request, run_id=run_id, started_at=started_at,
                           dataset=dataset, kaggle=kaggle, trained=trained, out=out)
