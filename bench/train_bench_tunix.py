"""`train_bench.py --tunix`: the Tunix backend's step that really trains against a plain-JAX
step of the same model, on the same batches.

Model, adapter, optimizer and batches are the launcher's for `--config
configs/submission_gemma3_1b_tunix.yaml --smoke_config configs/smoke_gemma3_tiny.yaml
--smoke_steps STEPS`: the smoke config trains (the tiny Gemma 3 through Tunix's classes,
qwix's LoRA adapter, `training.optim.make_optimizer`), `plan_training` plans its batches from
dev-reasoning-v2 as the pipeline does, `prepare_model` applies the adapter.

- trainer: the backend's `TunixTrainer` (Tunix's PeftTrainer, set up by `trainer.make_trainer`
  exactly as `train_model` sets it up) running `PeftTrainer.train` over the plan's
  micro-batches: its jitted `_train_step` once per micro-batch (grad_accum of them a step,
  optax.MultiSteps), and the loop around it (input sharding, in-flight throttle, metrics buffer,
  the metrics hook that waits for each step and writes metrics.jsonl, the checkpoint manager's
  per-step call). Timed at the config's grad_accum (2) and at grad_accum 1.
- compiled step: the same trainer's jitted `_train_step` called directly on the same
  micro-batches, nothing around it: the loop costs the difference.
- reference: `jax.jit` over `nnx.split` state of `value_and_grad` of the same masked loss with
  respect to the nnx.LoRAParam leaves only, plus the optax update of the same optimizer, on each
  step's whole batch at once (no accumulation, no mesh, no shardings, no metrics).
- accumulating reference: the same by hand, but accumulating as PeftTrainer does: one jitted
  call a micro-batch, `optax.MultiSteps` averaging the gradients (the same algorithm as the
  trainer's, so the ratio against it is Tunix's own cost).

Each is compiled first for every batch length of the plan; then the trials alternate and the
median trial counts. Every run starts from the same weights, and the first step's loss and
gradient norm of each trainer must be the reference's, or the bench fails (a reference that
computed something else could flatter the ratio).
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

SMOKE_CONFIG = "configs/smoke_gemma3_tiny.yaml"
FULL_CONFIG = "configs/submission_gemma3_1b_tunix.yaml"
DATASET = "dev-reasoning-v2"
SAME_STEP_RTOL = 1e-4  # float32, the same sums in another order (micro-batches, devices)


def smoke_command(python: str) -> list[str]:
    return [python, "-m", "training.run_train_jax", "--config", FULL_CONFIG,
            "--smoke_config", SMOKE_CONFIG, "--dataset", DATASET, "--device", "auto",
            "--smoke_steps", "2", "--overwrite"]


class Setup:
    """What the launcher builds for a smoke run of `steps` steps: the run config (grad_accum
    changed if asked), the loaded model, the planned batches, and the model with its adapter on
    the backend's mesh."""

    def __init__(self, steps: int, grad_accum: int | None = None) -> None:
        from training.backends import backend_for
        from training.backends.tunix.backend import prepare_model
        from training.config import load_config
        from training.dataset.registry import load_dataset
        from training.pipeline import plan_training

        load_config(FULL_CONFIG)  # the launcher validates (and records) it; the smoke one trains
        cfg = load_config(SMOKE_CONFIG).config
        if grad_accum is not None:
            cfg = cfg.model_copy(update={"train": cfg.train.model_copy(
                update={"grad_accum": grad_accum})})
        self.cfg, self.steps = cfg, steps
        backend = backend_for(cfg.backend)
        self.loaded = backend.load(cfg.model, max_seq_len=cfg.data.max_seq_len,
                                   config_path=SMOKE_CONFIG, seed=cfg.train.seed)
        self.planned = plan_training(backend, self.loaded, cfg, SMOKE_CONFIG,
                                     load_dataset(DATASET), steps)
        self.model = prepare_model(self.loaded.module, cfg, self.planned.mesh)

    def batches(self) -> list[dict[str, Any]]:
        """The plan's steps, [grad_accum, micro batch, sequence] each."""
        from training.batching import planned_batches

        return list(planned_batches(self.planned.examples, self.planned.plan,
                                    grad_accum=self.cfg.train.grad_accum))


class TrainerRun:
    """The backend's TunixTrainer over the plan, as `train_model` runs it; each `run()` trains
    the plan's steps once more (PeftTrainer keeps its jitted step, model and optimizer)."""

    def __init__(self, setup: Setup, metrics_file: Path, compiles: Any) -> None:
        from training.backends.base import TrainJob
        from training.backends.tunix.trainer import make_trainer
        from training.metrics import MetricsLog
        from training.train_loop import StepLog

        self.rows: list[Any] = []
        self.log = StepLog(steps=0, metrics=MetricsLog(metrics_file),
                           log_every=setup.cfg.train.log_every, on_step=self.rows.append)
        self.job = TrainJob(run=setup.cfg, config_path=SMOKE_CONFIG, mesh=setup.planned.mesh,
                            examples=setup.planned.examples, plan=setup.planned.plan,
                            steps=setup.steps, log=self.log)
        self.trainer = make_trainer(setup.model, self.job, compiles)
        # Trained again over a fresh iterator: an "internally managed" PeftTrainer would skip
        # the examples it has already trained on, and close itself after each pass.
        self.trainer.is_managed_externally = True

    def run(self) -> float:
        from training.backends.tunix.trainer import mesh_context, micro_batches

        self.log.steps += self.job.steps  # the rows number on from the last pass
        start = time.perf_counter()
        with mesh_context(self.job.mesh):
            self.trainer.train(micro_batches(self.job, self.trainer.metrics_hook.shapes.append))
        return time.perf_counter() - start

    def compiled_step(self) -> Callable[[], float]:
        """The trainer's own jitted step on the plan's micro-batches (sharded beforehand as the
        trainer shards them), called back to back with nothing around it."""
        import jax
        from tunix.sft import sharding_utils

        from training.backends.tunix.trainer import mesh_context, micro_batches

        step, _ = self.trainer.jit_train_and_eval_step()
        axis = self.trainer.config.data_sharding_axis
        with mesh_context(self.job.mesh):
            micros = [sharding_utils.shard_input(micro, axis)
                      for micro in micro_batches(self.job, lambda shape: None)]

        def run() -> float:
            start = time.perf_counter()
            with mesh_context(self.job.mesh):
                for micro in micros:
                    loss, _, _ = step(micro)
            jax.block_until_ready(loss)
            return time.perf_counter() - start

        return run


class ReferenceRun:
    """The plain-JAX step from the model's weights before any training (copies of them, on the
    default device), on each step's whole batch."""

    def __init__(self, setup: Setup) -> None:
        import jax
        import numpy as np
        from flax import nnx

        from training.optim import make_optimizer

        graphdef, adapter, rest = nnx.split(setup.model, nnx.LoRAParam, ...)

        def copy(state: Any) -> Any:  # shares no buffer with the trainer's model
            return jax.tree_util.tree_map(lambda leaf: jax.device_put(np.array(leaf)), state)

        self.adapter, self.rest = copy(adapter), copy(rest)
        optimizer = make_optimizer(setup.cfg.train)
        self.opt_state = optimizer.init(self.adapter)
        self.step = reference_step(graphdef, optimizer)
        self.batches = [{name: jax.device_put(array.reshape(-1, array.shape[-1]))
                         for name, array in batch.items()} for batch in setup.batches()]
        self.first: tuple[float, float] | None = None

    def run(self) -> float:
        import jax

        start = time.perf_counter()
        for batch in self.batches:
            self.adapter, self.opt_state, loss, grad_norm = self.step(
                self.adapter, self.opt_state, self.rest, batch["input_ids"],
                batch["attention_mask"], batch["loss_mask"])
            if self.first is None:  # the compiling pass: its time is not a trial's
                self.first = (float(loss), float(grad_norm))
        jax.block_until_ready(loss)
        return time.perf_counter() - start


def reference_loss(graphdef: Any) -> Any:
    """Masked next-token loss summed over the response tokens, divided by `tokens`."""
    import jax.numpy as jnp
    from flax import nnx

    from training.backends.tunix.trainer import model_logits
    from training.step import response_loss_sum, train_positions

    def loss_fn(adapter: Any, rest: Any, input_ids: Any, attention_mask: Any, loss_mask: Any,
                tokens: Any) -> Any:
        model = nnx.merge(graphdef, adapter, rest)
        logits = model_logits(model, input_ids, attention_mask, train_positions(input_ids))
        return response_loss_sum(logits, input_ids, loss_mask) / jnp.maximum(tokens, 1)

    return loss_fn


def reference_step(graphdef: Any, optimizer: Any) -> Any:
    """The loss per response token of the batch, its gradient over the adapter, the optax
    update; and the gradient's norm, for the check that both steps compute the same thing (the
    optimizer's clipping computes it too)."""
    import jax
    import jax.numpy as jnp
    import optax

    loss_fn = reference_loss(graphdef)

    def step(adapter: Any, opt_state: Any, rest: Any, input_ids: Any, attention_mask: Any,
             loss_mask: Any) -> Any:
        tokens = jnp.sum(loss_mask[:, 1:])
        loss, grads = jax.value_and_grad(loss_fn)(adapter, rest, input_ids, attention_mask,
                                                  loss_mask, tokens)
        updates, opt_state = optimizer.update(grads, opt_state, adapter)
        return optax.apply_updates(adapter, updates), opt_state, loss, optax.global_norm(grads)

    return jax.jit(step, donate_argnums=(0, 1))


def accumulating_step(graphdef: Any, optimizer: Any, accum: int) -> Any:
    """One micro-batch's share: its loss scaled so that MultiSteps' mean of the micro-steps'
    gradients is the gradient of the step's loss per response token (as the trainer scales)."""
    import jax
    import optax

    loss_fn = reference_loss(graphdef)

    def step(adapter: Any, opt_state: Any, rest: Any, input_ids: Any, attention_mask: Any,
             loss_mask: Any, step_tokens: Any) -> Any:
        loss, grads = jax.value_and_grad(loss_fn)(adapter, rest, input_ids, attention_mask,
                                                  loss_mask, step_tokens / accum)
        updates, opt_state = optimizer.update(grads, opt_state, adapter)
        return optax.apply_updates(adapter, updates), opt_state, loss

    return jax.jit(step, donate_argnums=(0, 1))


class AccumulatingReferenceRun:
    """The plain-JAX step accumulating as PeftTrainer does, from the same weights before any
    training, on the same micro-batches."""

    def __init__(self, setup: Setup) -> None:
        import jax
        import numpy as np
        import optax
        from flax import nnx

        from training.optim import make_optimizer

        graphdef, adapter, rest = nnx.split(setup.model, nnx.LoRAParam, ...)
        self.adapter, self.rest = (jax.tree_util.tree_map(
            lambda leaf: jax.device_put(np.array(leaf)), state) for state in (adapter, rest))
        accum = setup.cfg.train.grad_accum
        optimizer = optax.MultiSteps(make_optimizer(setup.cfg.train), every_k_schedule=accum)
        self.opt_state = optimizer.init(self.adapter)
        self.step = accumulating_step(graphdef, optimizer, accum)
        self.micros = [
            ({name: jax.device_put(array[index]) for name, array in batch.items()},
             jax.device_put(np.float32(batch["loss_mask"][:, :, 1:].sum())))
            for batch in setup.batches() for index in range(accum)]
        self.accum = accum
        self.first_loss: float | None = None

    def run(self) -> float:
        import jax

        start, losses = time.perf_counter(), []
        for micro, step_tokens in self.micros:
            self.adapter, self.opt_state, loss = self.step(
                self.adapter, self.opt_state, self.rest, micro["input_ids"],
                micro["attention_mask"], micro["loss_mask"], step_tokens)
            losses.append(loss)
        jax.block_until_ready(loss)
        if self.first_loss is None:  # the step's loss per token: the mean of its micro-steps'
            self.first_loss = sum(float(value) for value in losses[:self.accum]) / self.accum
        return time.perf_counter() - start


def check_same_step(name: str, first_row: Any, reference: tuple[float, float] | None) -> None:
    """The first step, same weights and batch: the trainer's row must be the reference's."""
    assert reference is not None
    for figure, ours, theirs in (("loss", first_row.loss, reference[0]),
                                 ("grad_norm", first_row.grad_norm, reference[1])):
        if abs(ours - theirs) > SAME_STEP_RTOL * abs(theirs):
            raise SystemExit(f"the reference does not compute the {name}'s step: first step "
                             f"{figure} {ours} ({name}) against {theirs} (reference)")


def bench_tunix(steps: int, trials: int) -> dict[str, Any]:
    """The trainer at the config's grad_accum and at 1, each also as its compiled step alone,
    and the reference, on the plan's first `steps` batches."""
    import numpy as np

    from training.compile_watch import CompileWatch

    started = time.perf_counter()
    setup, setup_accum_1 = Setup(steps), Setup(steps, grad_accum=1)
    setup_s = time.perf_counter() - started
    real_tokens = [int(batch["attention_mask"].sum()) for batch in setup.batches()]
    with contextlib.ExitStack() as stack:
        compiles = stack.enter_context(CompileWatch())
        out = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        reference = ReferenceRun(setup)  # copies the weights before the trainer changes them
        accumulating = AccumulatingReferenceRun(setup)
        trainers = {"trainer": TrainerRun(setup, out / "metrics.jsonl", compiles),
                    "trainer_accum_1": TrainerRun(setup_accum_1, out / "metrics_1.jsonl",
                                                  compiles)}
        runs: dict[str, Callable[[], float]] = {}
        first_pass_s: dict[str, float] = {}  # each compiles every length
        for name, trainer in trainers.items():
            runs[name] = trainer.run
            first_pass_s[name] = trainer.run()  # jits the step under the mesh, as a run does
            runs[f"{name}_compiled_step"] = trainer.compiled_step()
            first_pass_s[f"{name}_compiled_step"] = runs[f"{name}_compiled_step"]()
        runs["reference"] = reference.run
        first_pass_s["reference"] = reference.run()
        runs["accumulating_reference"] = accumulating.run
        first_pass_s["accumulating_reference"] = accumulating.run()
        for name, trainer in trainers.items():
            check_same_step(name, trainer.rows[0], reference.first)
        assert reference.first is not None and accumulating.first_loss is not None
        check_same_step("accumulating reference",
                        SimpleNamespace(loss=accumulating.first_loss,
                                        grad_norm=reference.first[1]), reference.first)
        compiled_before = sum(compiles.counts.values())
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(trials):
            for name, run in runs.items():
                times[name].append(run())
        compilations = sum(compiles.counts.values()) - compiled_before
    tokens = sum(real_tokens)
    tps = {name: tokens / statistics.median(values) for name, values in times.items()}
    result: dict[str, Any] = {
        "tunix_model": setup.loaded.model_id, "tunix_parameters": setup.loaded.parameter_count,
        "tunix_adapter": f"{setup.cfg.method.kind} rank {setup.cfg.method.rank}",
        "tunix_batch_rows": setup.cfg.train.batch_size,
        "tunix_grad_accum": setup.cfg.train.grad_accum,
        "tunix_timed_steps": steps, "tunix_trials": trials,
        "tunix_step_lengths_tokens": list(setup.planned.plan.seq_lens),
        "tunix_real_tokens_per_step": real_tokens,
        "tunix_first_step_loss": round(trainers["trainer"].rows[0].loss, 6),
        "tunix_first_step_loss_reference": round(reference.first[0], 6)
        if reference.first else None,
    }
    for name in runs:
        result[f"tunix_{name}_tokens_per_s"] = round(tps[name], 1)
    for name in trainers:
        result[f"tunix_{name}_vs_reference_ratio"] = round(tps[name] / tps["reference"], 3)
        result[f"tunix_{name}_vs_reference_trial_ratios"] = [  # trial by trial, side by side
            round(ref / ours, 3) for ours, ref in zip(times[name], times["reference"],
                                                      strict=True)]
        result[f"tunix_{name}_loop_vs_compiled_step_ratio"] = round(
            tps[name] / tps[f"{name}_compiled_step"], 3)
    # The trainer against the same algorithm written by hand: what Tunix itself costs.
    result["tunix_trainer_vs_accumulating_reference_ratio"] = round(
        tps["trainer"] / tps["accumulating_reference"], 3)
    result["tunix_accumulating_reference_vs_reference_ratio"] = round(
        tps["accumulating_reference"] / tps["reference"], 3)
    for name in runs:
        result[f"tunix_{name}_trial_s"] = [round(t, 3) for t in times[name]]
    result |= {
        "tunix_trainer_trial_spread_fraction": round(float(np.std(times["trainer"])
                                                           / np.mean(times["trainer"])), 3),
        "tunix_compilations_in_trials": compilations,
        "tunix_setup_s": round(setup_s, 2),
    }
    for name in runs:
        result[f"tunix_{name}_first_pass_with_compilation_s"] = round(first_pass_s[name], 2)
    return result
