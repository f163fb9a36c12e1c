"""Training through Tunix's PeftTrainer: its loss and gradient norm are the project's on the same
batch, each bucket length compiles once, only the adapter changes, and the adapter merges into
weights whose logits are the adapter model's."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from tunix_models import smoke_config
from tunix_runs import Training, snapshot

from training.backends import backend_for
from training.backends.base import TrainJob
from training.backends.tunix import lora
from training.backends.tunix.backend import model_apply_fn, prepare_model
from training.backends.tunix.trainer import model_logits, train_model
from training.batching import planned_batches
from training.dataset.registry import load_dataset
from training.errors import TrainingError
from training.metrics import MetricsLog, MetricsRow
from training.pipeline import plan_training
from training.step import _micro_loss_sum
from training.train_loop import StepLog

pytestmark = pytest.mark.slow  # it trains a tiny Gemma 3 (two steps)


def first_batch(training: Training) -> dict[str, np.ndarray]:
    cfg = training.config.config
    return next(planned_batches(training.planned.examples, training.planned.plan,
                                grad_accum=cfg.train.grad_accum))


def project_loss_and_grad_norm(training: Training) -> tuple[float, float]:
    """The project's loss per response token (`training.step._micro_loss_sum` over the step's
    micro-batches / its tokens) on the untrained model, and the norm of its gradient over the
    adapter: what the trainer's step 1 must report."""
    batch = first_batch(training)
    tokens = float(batch["loss_mask"][:, :, 1:].sum())
    apply = model_apply_fn(nnx.merge(training.graphdef, training.adapter_before,
                                     training.base_before))

    def loss(adapter: Any) -> jax.Array:
        params = nnx.merge_state(adapter, training.base_before)
        return sum(_micro_loss_sum(apply, params, {k: v[i] for k, v in batch.items()})
                   for i in range(batch["input_ids"].shape[0])) / tokens

    value, grads = jax.jit(jax.value_and_grad(loss))(training.adapter_before)
    return float(value), float(optax.global_norm(grads))


def test_the_loss_and_gradient_norm_are_the_projects_on_the_same_batch(
        training: Training) -> None:
    loss, grad_norm = project_loss_and_grad_norm(training)
    step_1 = training.rows[0]
    assert step_1.loss == pytest.approx(loss, rel=1e-5)
    assert step_1.grad_norm == pytest.approx(grad_norm, rel=1e-4)
    batch = first_batch(training)
    assert step_1.tokens == int(batch["attention_mask"].sum())
    assert step_1.loss_tokens == int(batch["loss_mask"][:, :, 1:].sum())
    assert step_1.positions == int(np.prod(batch["input_ids"].shape))


def test_a_batch_shape_compiles_the_step_once(training: Training) -> None:
    lengths = training.planned.plan.seq_lens
    assert len(set(lengths)) == 1 and len(training.rows) == 2
    assert [row.includes_compile for row in training.rows] == [True, False]


def test_a_step_that_compiles_again_for_a_compiled_shape_fails_the_run(tmp_path: Any) -> None:
    log = StepLog(steps=2, metrics=MetricsLog(tmp_path / "m.jsonl"), log_every=1,
                  on_step=lambda row: None)
    values = {"loss": 1.0, "grad_norm": 1.0, "learning_rate": 0.1, "tokens": 4,
              "loss_tokens": 2, "seconds": 0.5}
    assert isinstance(log.record(1, (2, 2, 8), compiled=True, **values), MetricsRow)
    with pytest.raises(TrainingError, match="recompiled at step 2"):
        log.record(2, (2, 2, 8), compiled=True, **values)


def test_only_the_adapter_trains(training: Training) -> None:
    base_after = jax.tree_util.tree_leaves(lora.base_state(training.model))
    base_before = jax.tree_util.tree_leaves(training.base_before)
    assert len(base_after) == len(base_before) > 0
    assert all(np.array_equal(np.asarray(a), b) for a, b in zip(base_after, base_before,
                                                                strict=True))
    adapter_after = jax.tree_util.tree_flatten_with_path(lora.adapter_state(training.model))[0]
    unchanged = [jax.tree_util.keystr(path) for (path, after), before in
                 zip(adapter_after, jax.tree_util.tree_leaves(training.adapter_before),
                     strict=True) if np.array_equal(np.asarray(after), before)]
    assert adapter_after and unchanged == []  # every A and B moved (each B starts at zero)


def test_the_merged_model_has_the_adapter_models_logits(training: Training) -> None:
    merged = lora.merged_model(training.model, training.config.config.method)
    assert not jax.tree_util.tree_leaves(nnx.state(merged, nnx.LoRAParam))
    assert type(merged) is lora.plain_class(training.model)
    batch = first_batch(training)
    ids, mask = jnp.asarray(batch["input_ids"][0]), jnp.asarray(batch["attention_mask"][0])
    positions = jnp.broadcast_to(jnp.arange(ids.shape[1]), ids.shape)
    adapter_logits = model_logits(training.model, ids, mask, positions)
    merged_logits = model_logits(merged, ids, mask, positions)
    np.testing.assert_allclose(merged_logits, adapter_logits, rtol=1e-4, atol=1e-5)


def test_qlora_trains_the_adapter_over_frozen_nf4_weights(tmp_path: Any) -> None:
    """QLoRA through the backend's trainer: the targeted weights are nf4 (uint4 values and their
    scales), bit-identical after a step; the adapter moved; the merge (dequantised base + delta)
    has the adapter model's logits."""
    cfg = smoke_config(method={"kind": "qlora", "tile_size": 16}, data={"buckets": 1},
                       train={"steps": 1, "batch_size": 4}).config
    backend = backend_for("tunix")
    loaded = backend.load(cfg.model, max_seq_len=cfg.data.max_seq_len, config_path="c.yaml",
                          seed=0)
    planned = plan_training(backend, loaded, cfg, "c.yaml", load_dataset("dev-reasoning-v2"))
    rows: list[MetricsRow] = []
    log = StepLog(steps=1, metrics=MetricsLog(tmp_path / "m.jsonl"), log_every=1,
                  on_step=rows.append)
    model = prepare_model(loaded.module, cfg, planned.mesh)  # what backend.train starts from
    base_before, adapter_before = (snapshot(lora.base_state(model)),
                                   snapshot(lora.adapter_state(model)))
    train_model(model, TrainJob(run=cfg, config_path="c.yaml", mesh=planned.mesh,
                                examples=planned.examples, plan=planned.plan, steps=1, log=log))
    assert len(rows) == 1 and np.isfinite(rows[0].loss)
    base = jax.tree_util.tree_flatten_with_path(lora.base_state(model))[0]
    assert any(np.asarray(leaf).dtype.name == "uint4" for _, leaf in base)
    assert all(np.array_equal(np.asarray(leaf), old) for (_, leaf), old in
               zip(base, jax.tree_util.tree_leaves(base_before), strict=True))
    assert not all(np.array_equal(np.asarray(new), old) for new, old in
                   zip(jax.tree_util.tree_leaves(lora.adapter_state(model)),
                       jax.tree_util.tree_leaves(adapter_before), strict=True))
    assert backend.training_ref(cfg).method.base_quantization == "nf4"
    ids = jnp.asarray(planned.examples.input_ids[:2, :64])
    mask, positions = jnp.ones_like(ids), jnp.broadcast_to(jnp.arange(64), ids.shape)
    merged = lora.merged_model(model, cfg.method)
    np.testing.assert_allclose(model_logits(merged, ids, mask, positions),
                               model_logits(model, ids, mask, positions),
                               rtol=1e-4, atol=1e-5)


def test_gradients_accumulate_in_float32_over_a_bfloat16_adapter() -> None:
    """PeftTrainer's optax.MultiSteps keeps its running mean of the micro-steps' gradients in
    float32 (optax 0.2.8's default), as this project's own step does, whatever the adapter's
    dtype; the optimizer's own moments stay in the adapter's."""
    from training.backends.tunix.trainer import make_trainer
    from training.compile_watch import CompileWatch

    config = smoke_config(model={"dtype": "bfloat16"}, train={"steps": 1, "batch_size": 8},
                          data={"buckets": 1})
    cfg = config.config
    assert cfg.train.grad_accum > 1
    backend = backend_for("tunix")
    loaded = backend.load(cfg.model, max_seq_len=cfg.data.max_seq_len, config_path=config.path,
                          seed=0)
    planned = plan_training(backend, loaded, cfg, config.path, load_dataset("dev-reasoning-v2"))
    model = prepare_model(loaded.module, cfg, planned.mesh)
    assert {leaf.dtype for leaf in jax.tree_util.tree_leaves(lora.adapter_state(model))} == {
        jnp.dtype(jnp.bfloat16)}
    job = TrainJob(run=cfg, config_path=config.path, mesh=planned.mesh,
                   examples=planned.examples, plan=planned.plan, steps=1, log=None)
    with CompileWatch() as compiles:
        trainer = make_trainer(model, job, compiles)
    state = trainer.optimizer.opt_state
    accumulated = jax.tree_util.tree_leaves(nnx.state(state.acc_grads))
    moments = [leaf for leaf in jax.tree_util.tree_leaves(nnx.state(state.inner_opt_state))
               if leaf.ndim > 0]
    assert len(accumulated) == len(jax.tree_util.tree_leaves(lora.adapter_state(model)))
    assert {leaf.dtype for leaf in accumulated} == {jnp.dtype(jnp.float32)}
    assert {leaf.dtype for leaf in moments} == {jnp.dtype(jnp.bfloat16)}
