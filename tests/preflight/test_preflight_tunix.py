"""The preflight of a Tunix config: Tunix's model with the config's method, PeftTrainer's step
lowered and compiled, the floor counted for the trainable subset, and the activations estimated
where no compiler for the target is here. A tiny Gemma 3 (compiles in seconds); Gemma 3 1B's
real shapes only through eval_shape."""

from __future__ import annotations

from pathlib import Path

import jax
import pytest
from flax import nnx
from preflight_configs import PREFLIGHT_FIXTURES, with_changes

from training.backends import backend_for
from training.config import LoadedConfig, load_config
from training.preflight.alternatives import Alternative, closest
from training.preflight.engine import Evaluation
from training.preflight.hardware import named_targets
from training.preflight.memory import MemoryEstimate
from training.preflight.result import run_preflight
from training.preflight.step_model import step_model_for
from training.preflight.tunix_memory import extrapolate
from training.preflight.tunix_model import model_bytes, trainable_filter, tree_bytes
from training.preflight.tunix_preflight import TunixStep
from training.preflight.tunix_step import donated, lower_tunix_step
from training.preflight.verdict_text import verdict_lines

T4 = named_targets()["t4"]
ADAPTER = ("rank", "alpha", "targets", "tile_size", "checkpoint")


@pytest.fixture(scope="module")
def lora() -> LoadedConfig:
    return load_config(str(PREFLIGHT_FIXTURES / "tunix_tiny_lora.yaml"))


def full_of(loaded: LoadedConfig) -> LoadedConfig:
    return with_changes(loaded, "method", kind="full", **dict.fromkeys(ADAPTER))


def qlora_of(loaded: LoadedConfig) -> LoadedConfig:
    return with_changes(loaded, "method", kind="qlora", tile_size=16)  # the tiny dims tile by 16


def tunix_step(loaded: LoadedConfig) -> TunixStep:
    run = loaded.config
    backend = backend_for(run.backend)
    step = step_model_for(backend, run, backend.describe(run.model))
    assert isinstance(step, TunixStep)
    return step


def trained_state(step: TunixStep, loaded: LoadedConfig) -> nnx.State:
    trainer = step.trainer(step.plan(loaded.config))
    return nnx.state(trainer.model, trainable_filter(loaded.config.method))


def test_lora_floor_counts_optimizer_state_for_the_adapter_only(lora: LoadedConfig) -> None:
    full = full_of(lora)
    lora_floor = tunix_step(lora).floor(lora.config, T4)
    full_floor = tunix_step(full).floor(full.config, T4)
    adapter = tree_bytes(trained_state(tunix_step(lora), lora))
    everything = tree_bytes(trained_state(tunix_step(full), full))
    assert 0 < adapter < everything / 4
    opt = "optimizer state (trained parameters only)"
    # AdamW's two moments and optax.MultiSteps' accumulator (grad_accum 2), per trained
    # parameter, whichever parameters train: the same bytes per trained byte
    per_adapter_byte = lora_floor.parts[opt] / adapter
    assert 3 <= per_adapter_byte < 5
    assert full_floor.parts[opt] / everything == pytest.approx(per_adapter_byte, rel=0.01)
    assert lora_floor.parts["trained parameters"] == adapter
    assert full_floor.parts["trained parameters"] == everything
    assert "base weights (as stored)" not in full_floor.parts  # under full, nothing is frozen
    assert lora_floor.peak_bytes < full_floor.peak_bytes
    assert lora_floor.method == full_floor.method == "analytic_floor"


def test_qlora_stores_the_base_weights_in_four_bits(lora: LoadedConfig) -> None:
    qlora = qlora_of(lora)
    base = "base weights (as stored)"
    lora_base = tunix_step(lora).floor(lora.config, T4).parts[base]
    qlora_base = tunix_step(qlora).floor(qlora.config, T4).parts[base]
    assert qlora_base < lora_base
    trainer = tunix_step(qlora).trainer(tunix_step(qlora).plan(qlora.config))
    kinds = {str(leaf.dtype) for leaf in jax.tree_util.tree_leaves(nnx.state(trainer.model))}
    assert "uint4" in kinds  # qwix's nf4 values, counted at 4 bits each


def test_gemma3_1b_shapes_the_adapter_and_the_frozen_base() -> None:
    """The real model's shapes (eval_shape only): the adapter is about 1 % of the parameters,
    and every base parameter is frozen, in bfloat16."""
    loaded = load_config("configs/submission_gemma3_1b_tunix.yaml")
    step = tunix_step(loaded)
    assert step.parameter_count == 999_885_952
    sizes = model_bytes(step.trainer(step.plan(loaded.config)).model, loaded.config.method)
    assert 0 < sizes.trainable_parameters < 0.02 * step.parameter_count
    assert sizes.frozen == 2 * 999_885_952  # bfloat16, every base parameter frozen


def test_tunix_step_compiles_on_cpu_and_its_figures_add_up(lora: LoadedConfig,
                                                           figures: Path) -> None:
    result = run_preflight(lora, "cpu", suggestions=0, cache_dir=figures)
    estimate = result.evaluation.estimate
    assert estimate is not None and estimate.method == "xla_memory_analysis"
    assert result.findings == [] and result.exit_code == 0
    floor = tunix_step(lora).floor(lora.config, T4)  # one device, as here
    held = sum(size for name, size in floor.parts.items() if "written out again" not in name)
    assert estimate.parts["arguments"] == held  # XLA's arguments are the floor's state, exactly
    # PeftTrainer donates the optimizer: its state is reused in place, the model's is not
    optimizer = floor.parts["optimizer state (trained parameters only)"]
    assert -estimate.parts["aliased (donated)"] == optimizer
    assert estimate.parts["outputs"] >= held - floor.parts["micro-batch"]
    assert estimate.parts["temporaries"] > 0
    assert any("donates only the optimizer" in note for note in result.notes)


def test_the_lowered_step_donates_the_optimizer_not_the_model(lora: LoadedConfig) -> None:
    step = tunix_step(lora)
    lowered = step.lower(lora.config, jax.devices("cpu")[:1])
    assert donated(lowered) == (False, True)


def test_t4_verdict_adds_the_activations_estimate_and_names_the_method(
        lora: LoadedConfig, figures: Path) -> None:
    result = run_preflight(lora, "t4", suggestions=0, cache_dir=figures)
    estimate = result.evaluation.estimate
    assert estimate is not None and estimate.method == "analytic_floor"
    assert estimate.activations_bytes is not None and estimate.activations_bytes > 0
    assert estimate.needed_bytes == estimate.peak_bytes + estimate.activations_bytes
    # the estimate is XLA's CPU figure: compiled on the CPU, the same step needs the same
    cpu = run_preflight(lora, "cpu", suggestions=0, cache_dir=figures).evaluation.estimate
    assert cpu is not None and estimate.needed_bytes == cpu.peak_bytes
    text = "\n".join(verdict_lines(result))
    assert "lora rank 4, alpha 8" in text and "activations and XLA's temporaries" in text
    qlora = "\n".join(verdict_lines(run_preflight(qlora_of(lora), "v5e-8", suggestions=0)))
    assert "qlora rank 4" in qlora and "nf4 base weights" in qlora
    full = "\n".join(verdict_lines(run_preflight(full_of(lora), "v3-8", suggestions=0)))
    assert "full fine-tuning" in full


def test_the_layer_extrapolation_matches_a_full_compile(lora: LoadedConfig,
                                                        figures: Path) -> None:
    """XLA's CPU peak grows by the same amount with each layer: from 1 and 2 layers, the peak
    at 4 is the compiled 4-layer step's, to a few percent."""
    step = tunix_step(lora)
    plan = step.plan(lora.config)
    cpu = jax.devices("cpu")[:1]

    def peak(layers: int) -> int:
        at = plan.with_layers(layers)
        stats = lower_tunix_step(at, step.trainer(at), cpu).compile().memory_analysis()
        return int(stats.argument_size_in_bytes + stats.output_size_in_bytes
                   - stats.alias_size_in_bytes + stats.temp_size_in_bytes)

    predicted = extrapolate({1: peak(1), 2: peak(2)}, 4)
    assert abs(predicted - peak(4)) / peak(4) < 0.05


def test_activations_that_break_the_budget_make_it_not_fit() -> None:
    floor = MemoryEstimate("analytic_floor", 6 * 2**30, 10 * 2**30, {"state": 6 * 2**30})
    assert floor.fits
    estimated = MemoryEstimate(floor.method, floor.peak_bytes, floor.usable_bytes, floor.parts,
                               activations_bytes=5 * 2**30, activations_how="a test")
    assert not estimated.fits and estimated.needed_bytes == 11 * 2**30
    assert estimated.headroom == pytest.approx(-0.1)


def test_when_nothing_fits_the_closest_candidate_is_named(tiny: LoadedConfig) -> None:
    """The report says how near the nearest candidate came (how far the target is from
    enough), the one that needs least."""
    result = run_preflight(tiny, "t4", budget_bytes=1024, suggestions=0)  # nothing can fit
    run = tiny.config

    def miss(change: str, needed: int) -> Alternative:
        return Alternative(change, Evaluation(run, [], MemoryEstimate(
            "analytic_floor", needed, 1024, {"state": needed})))

    result.closest_miss = closest([miss("far", 9 * 2**20), miss("near", 3 * 2**20)])
    assert result.closest_miss is not None and result.closest_miss.change == "near"
    text = "\n".join(verdict_lines(result))
    assert "no nearby config fits" in text and "closest: near: does not fit" in text
    assert result.to_json()["closest_miss"]["change"] == "near"
