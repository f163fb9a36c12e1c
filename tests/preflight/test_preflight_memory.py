"""The memory verdict: XLA's own figure on a CPU, a budget too small, the analytic floor for a
T4, the nearest configs that fit, the largest batch, and the figures cache."""

from __future__ import annotations

from pathlib import Path

import jax
from preflight_configs import with_changes

from evidence import Code
from training.backends.flax_transformers.backend import model_apply_fn
from training.backends.flax_transformers.loading import build_tiny_model
from training.config import LoadedConfig
from training.optim import learning_rate_schedule, make_optimizer
from training.preflight.abstract import abstract_batch
from training.preflight.result import run_preflight
from training.sharding import make_mesh, train_batch_sharding, tree_shardings
from training.step import init_state, make_train_step

MIB = 1024**2


def xla_peak_of_the_real_step(loaded: LoadedConfig) -> int:
    """The trainer's step on a really built model (weights and all), compiled and measured
    here without any preflight code."""
    cfg = loaded.config
    model = build_tiny_model(cfg.model, seed=0)  # type: ignore[arg-type]
    optimizer = make_optimizer(cfg.train)
    mesh = make_mesh(cfg.sharding.strategy, jax.devices("cpu"))
    state = jax.eval_shape(lambda p: init_state(p, optimizer), model.params)
    step = make_train_step(model_apply_fn(model.module), optimizer,
                           learning_rate_schedule(cfg.train), tree_shardings(mesh, state),
                           train_batch_sharding(mesh))
    stats = step.lower(state, abstract_batch(cfg)).compile().memory_analysis()
    return (stats.argument_size_in_bytes + stats.output_size_in_bytes
            - stats.alias_size_in_bytes + stats.temp_size_in_bytes
            + stats.generated_code_size_in_bytes)


def test_cpu_verdict_is_xlas_figure_for_the_trainers_step(tiny: LoadedConfig) -> None:
    result = run_preflight(tiny, "cpu", budget_bytes=512 * MIB, suggestions=0)  # no cache
    record = result.record()
    assert record is not None and record.method == "xla_memory_analysis"
    assert record.predicted_peak_bytes_per_device == xla_peak_of_the_real_step(tiny)
    assert record.verdict == "fits" and result.exit_code == 0 and result.findings == []
    assert record.config_sha256 == tiny.sha256 and record.devices == 1
    assert result.evaluation.estimate is not None
    assert result.evaluation.estimate.parts["aliased (donated)"] < 0  # donation took effect


def test_too_large_for_a_small_budget_does_not_fit_and_says_what_would(
        tiny: LoadedConfig, figures: Path) -> None:
    whole = with_changes(tiny, "train", grad_accum=1)  # 8 rows at once; 2 x 4 rows fit
    result = run_preflight(whole, "cpu", budget_bytes=3 * MIB, suggestions=1,
                           cache_dir=figures)
    record = result.record()
    assert record is not None and record.verdict == "does_not_fit"
    assert record.predicted_peak_bytes_per_device > 3 * MIB
    assert result.exit_code == 1
    assert [f.code for f in result.findings] == [Code.PREFLIGHT_DOES_NOT_FIT]
    [nearest] = result.alternatives
    assert nearest.change == "train.grad_accum 1 -> 2"  # the same batch, a smaller micro-batch
    assert nearest.evaluation.estimate is not None and nearest.evaluation.estimate.fits


def test_largest_batch_is_the_boundary_between_fit_and_not(tiny: LoadedConfig,
                                                           figures: Path) -> None:
    one_row, two_rows = (with_changes(tiny, "train", batch_size=rows * 2) for rows in (1, 2))
    peaks = []
    for config in (one_row, two_rows):
        record = run_preflight(config, "cpu", suggestions=0, cache_dir=figures).record()
        assert record is not None
        peaks.append(record.predicted_peak_bytes_per_device)
    budget = sum(peaks) // 2  # one row per micro-batch fits, two do not
    result = run_preflight(one_row, "cpu", budget_bytes=budget, suggestions=0,
                           find_max_batch=True, cache_dir=figures)
    search = result.batch_search
    assert search is not None and search.largest is not None
    assert search.largest.run.train.batch_size == 2
    assert search.tried == [(2, True), (4, False)]
    assert result.compiles == 0  # both shapes' figures came from the cache


def test_gemma_2b_full_fine_tuning_does_not_fit_a_t4(gemma_2b: LoadedConfig) -> None:
    """The milestone's lesson, from the published config alone, in seconds."""
    result = run_preflight(gemma_2b, "t4", suggestions=2)
    record = result.record()
    assert record is not None and record.method == "analytic_floor"
    assert record.verdict == "does_not_fit" and record.platform == "gpu"
    assert result.parameter_count == 2_506_172_416 and result.family == "gemma"
    estimate = result.evaluation.estimate
    assert estimate is not None
    assert estimate.parts["parameters"] == 2 * 2_506_172_416  # really bfloat16
    assert estimate.parts["gradients (float32)"] == 4 * 2_506_172_416
    assert result.alternatives == []  # no batch, sequence or optimizer change can help
    notes = " ".join(result.notes)
    assert "analytic floor" in notes and "no native bfloat16" in notes


def test_tpu_target_without_libtpu_falls_back_to_the_labelled_floor(
        tiny: LoadedConfig, monkeypatch: object) -> None:
    import training.preflight.resolve as resolve

    monkeypatch.setattr(resolve, "libtpu_available", lambda: False)  # type: ignore[attr-defined]
    result = run_preflight(with_changes(tiny, "train", batch_size=16), "v5e-8", suggestions=0)
    record = result.record()
    assert record is not None and record.method == "analytic_floor"
    assert record.devices == 8 and record.device_kind == "TPU v5 lite"
    assert any("libtpu is not installed" in note for note in result.notes)
