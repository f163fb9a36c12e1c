"""The static checks, each firing on a config (or a step) made wrong on purpose, and silent on
the trainer's own."""

from __future__ import annotations

from pathlib import Path

import jax
import jax.numpy as jnp
from preflight_configs import with_changes
from transformers import GemmaConfig

from evidence import Code
from training.backends import backend_for
from training.backends.base import AbstractModel
from training.backends.flax_transformers.backend import model_apply_fn
from training.config import LoadedConfig, load_config
from training.optim import learning_rate_schedule, make_optimizer
from training.preflight import static_checks
from training.preflight.abstract import abstract_batch, abstract_state
from training.preflight.result import run_preflight
from training.step import train_step_fn


def codes(findings: list) -> list[Code]:
    return [finding.code for finding in findings]


def test_batch_not_divisible_by_the_devices(tiny: LoadedConfig) -> None:
    uneven = with_changes(tiny, "train", batch_size=12, grad_accum=1)  # 12 rows on 8 devices
    result = run_preflight(uneven, "v5e-8", suggestions=0)
    assert codes(result.findings) == [Code.PREFLIGHT_BATCH_NOT_DIVISIBLE]
    [finding] = result.findings
    assert finding.pointer == "/train/batch_size" and "8 or 16" in finding.message
    assert result.record() is None and result.exit_code == 1


def local_gemma(tmp_path: Path, positions: int, max_seq_len: int) -> LoadedConfig:
    """A config naming a local model directory that holds only a tiny Gemma's config.json."""
    GemmaConfig(vocab_size=300, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                num_attention_heads=2, num_key_value_heads=1, head_dim=16,
                max_position_embeddings=positions).save_pretrained(tmp_path / "model")
    config = tmp_path / "gemma.yaml"
    config.write_text(f"""
model: {{source: pretrained, id: {tmp_path / "model"}, dtype: float32}}
data: {{max_seq_len: {max_seq_len}}}
train: {{steps: 1, batch_size: 2, optimizer: adafactor, learning_rate: 1.0e-3}}
eval: {{batch_size: 2, max_new_tokens: 4}}
""")
    return load_config(str(config))


def test_gemma_positions_below_twice_the_head_dim(tmp_path: Path) -> None:
    """The Flax Gemma model breaks there; the preflight says so instead of a shape error."""
    result = run_preflight(local_gemma(tmp_path, positions=24, max_seq_len=16), "cpu",
                           suggestions=0)
    assert codes(result.findings) == [Code.PREFLIGHT_POSITIONS_TOO_FEW]
    assert "below 2 x head_dim (32)" in result.findings[0].message
    assert result.record() is None and result.exit_code == 1


def test_sequence_longer_than_the_positions(tmp_path: Path) -> None:
    result = run_preflight(local_gemma(tmp_path, positions=64, max_seq_len=80), "cpu",
                           suggestions=0)
    assert codes(result.findings) == [Code.PREFLIGHT_POSITIONS_TOO_FEW]
    assert result.findings[0].pointer == "/data/max_seq_len"


def abstract_model(model: object) -> AbstractModel:
    """The backend's weightless model, as the preflight builds it."""
    backend = backend_for("flax_transformers")
    return backend.abstract_model(model, backend.describe(model))  # type: ignore[arg-type]


def test_parameters_left_in_float32_are_caught(tiny: LoadedConfig) -> None:
    bf16 = with_changes(tiny, "model", dtype="bfloat16")
    cast = abstract_model(bf16.config.model).params
    assert static_checks.check_params_dtype("c.yaml", bf16.config, cast) == []
    uncast = jax.tree_util.tree_map(lambda p: jax.ShapeDtypeStruct(p.shape, jnp.float32), cast)
    found = static_checks.check_params_dtype("c.yaml", bf16.config, uncast)
    assert codes(found) == [Code.PREFLIGHT_PARAMS_DTYPE]
    assert "not model.dtype bfloat16" in found[0].message


def test_a_step_without_donation_is_caught(tiny: LoadedConfig) -> None:
    run = tiny.config
    model = abstract_model(run.model)
    optimizer = make_optimizer(run.train)
    state = abstract_state(model.params, optimizer)
    plain = jax.jit(train_step_fn(model_apply_fn(model.module), optimizer,
                                  learning_rate_schedule(run.train)))
    lowered = plain.lower(state, abstract_batch(run))
    assert codes(static_checks.check_donation("c.yaml", lowered)) == \
        [Code.PREFLIGHT_NO_DONATION]
    donated = jax.jit(train_step_fn(model_apply_fn(model.module), optimizer,
                                    learning_rate_schedule(run.train)), donate_argnums=(0,))
    assert static_checks.check_donation("c.yaml", donated.lower(state, abstract_batch(run))) \
        == []
