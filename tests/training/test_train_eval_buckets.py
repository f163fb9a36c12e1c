"""Evaluation by prompt length and decoding in stages: the same greedy answers as before, in the
data set's order; the decode steps counted exactly; stopped rows dropped from the batch; one
compilation per prompt length; and the same tokens on 8 devices."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_train_generate import ScriptedModel
from tiny_models import tiny_config

from training.backends import backend_for
from training.backends.flax_transformers.generate import make_generate_fn
from training.backends.flax_transformers.loading import build_tiny_model
from training.compile_watch import CompileWatch
from training.config import load_config
from training.dataset.registry import load_dataset
from training.decoding import decode_stages, left_pad
from training.evaluate import evaluate
from training.sharding import make_mesh

EOS, PAD = 257, 256


def test_stages_drop_stopped_rows_and_count_every_step() -> None:
    """Rows stop after 1, 2, 5 and 8 tokens; stages (4, 2, 1): 4 rows run 2 steps, 2 rows 3
    steps, 1 row 3 steps: 17 row-steps for 16 tokens (one batch to the end: 32)."""
    stops = [1, 2, 5, 8]
    scripts = [[65 + i] * (n - 1) + [EOS] + [70] * (9 - n) for i, n in enumerate(stops)]
    ids, mask = jnp.zeros((4, 2), jnp.int32), jnp.ones((4, 2), jnp.int32)
    results = {}
    for stages in ((), (4, 2, 1)):
        generate = make_generate_fn(ScriptedModel(scripts), max_new_tokens=8, eos_id=EOS,
                                    pad_id=PAD, stop_ids=[-2], stages=stages)
        results[stages] = jax.device_get(generate(None, ids, mask, jnp.ones(4, bool)))
    one, staged = results[()], results[(4, 2, 1)]
    np.testing.assert_array_equal(one.tokens, staged.tokens)
    for row, n in enumerate(stops):
        assert staged.tokens[row].tolist() == scripts[row][:n] + [PAD] * (8 - n)
    assert staged.live_steps.tolist() == one.live_steps.tolist() == stops
    assert (int(one.computed_steps), int(staged.computed_steps)) == (32, 17)


def test_a_row_that_is_not_live_stops_before_it_starts() -> None:
    generate = make_generate_fn(ScriptedModel([[65] * 9] * 3), max_new_tokens=4, eos_id=EOS,
                                pad_id=PAD, stop_ids=[-2], stages=(3, 2, 1))
    out = jax.device_get(generate(None, jnp.zeros((3, 2), jnp.int32),
                                  jnp.ones((3, 2), jnp.int32), jnp.asarray([True, True, False])))
    assert out.tokens[2].tolist() == [PAD] * 4 and out.live_steps.tolist() == [4, 4, 0]
    assert int(out.computed_steps) == 8  # the filler is dropped at once: 2 rows x 4 steps
    with pytest.raises(ValueError, match="the first stage 4"):
        make_generate_fn(ScriptedModel([[65] * 9] * 3), max_new_tokens=4, eos_id=EOS,
                         pad_id=PAD, stop_ids=[-2], stages=(4, 2))(
            None, jnp.zeros((3, 2), jnp.int32), jnp.ones((3, 2), jnp.int32), jnp.ones(3, bool))


def _stopping_rows(loaded: Any, rows: int, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Left-padded prompts and an EOS id that stops most rows early and the others late or
    never (a random model mostly repeats a token, so the rows that stop early share a prompt
    ending; the rest are random prompts)."""
    rng = np.random.default_rng(seed)
    shared = rng.integers(0, 256, size=6).tolist()
    early = rows // 2 + 1
    prompts = [[int(t) for t in rng.integers(0, 256, size=i % 4)] + shared
               for i in range(early)]
    prompts += [rng.integers(0, 256, size=int(rng.integers(2, 12))).tolist()
                for _ in range(rows - early)]
    ids, mask = left_pad(prompts, 12, PAD)
    free = make_generate_fn(loaded.module, max_new_tokens=12, eos_id=-1, pad_id=PAD,
                            stop_ids=[-2])
    tokens = np.asarray(free(loaded.params, jnp.asarray(ids), jnp.asarray(mask),
                             jnp.ones(rows, bool)).tokens)
    late = {int(t) for t in tokens[early:, :4].ravel()}
    counts: dict[int, int] = {}
    for row in tokens[:early]:
        for token in set(row[:4].tolist()) - late:
            counts[token] = counts.get(token, 0) + 1
    eos = max(counts, key=lambda token: counts[token])
    return ids, mask, eos


@pytest.mark.parametrize("architecture", ["gpt2", "gemma"])
def test_a_real_model_gives_the_same_tokens_in_stages(architecture: str) -> None:
    """The running rows' cache, mask and positions go with them into the smaller batch: the
    tokens and the steps are those of one batch decoded to the end."""
    loaded = build_tiny_model(tiny_config(architecture), seed=1)
    ids, mask, eos = _stopping_rows(loaded, 8, seed=0)
    out = {}
    for stages in ((), (8, 4, 2)):
        generate = make_generate_fn(loaded.module, max_new_tokens=12, eos_id=eos, pad_id=PAD,
                                    stop_ids=[-2], stages=stages)
        out[stages] = jax.device_get(generate(loaded.params, jnp.asarray(ids),
                                              jnp.asarray(mask), jnp.ones(8, bool)))
    one, staged = out[()], out[(8, 4, 2)]
    assert sum(one.live_steps < 5) >= 5 and one.live_steps.max() > 5
    np.testing.assert_array_equal(one.tokens, staged.tokens)
    np.testing.assert_array_equal(one.live_steps, staged.live_steps)
    assert int(staged.computed_steps) < int(one.computed_steps)


def test_short_batches_fillers_and_stats() -> None:
    """7 prompts in batches of 4: the filler of the short batch is computed, never counted as a
    new token; nothing stops (a random model), so every real row decodes 4 tokens."""
    cfg = load_config("configs/smoke_tiny.yaml").config
    backend = backend_for(cfg.backend)
    loaded = build_tiny_model(tiny_config("gpt2", max_positions=512), seed=0)
    items = load_dataset("dev-reasoning-v2").eval[:7]
    mesh = make_mesh("data_parallel", jax.devices()[:1])
    result = evaluate(backend, loaded, loaded.params, items, batch_size=4, max_new_tokens=4,
                      mesh=mesh, config_path="c.yaml", buckets=2, decode_stages=3)
    assert [p.item_id for p in result.predictions] == [item.id for item in items]
    stats = result.stats
    assert (stats.prompts, stats.batches, stats.new_tokens) == (7, 2, 28)
    assert len(stats.prompt_lengths) <= 2
    # stages (4, 2, 1): 4 live rows, then 3 live and a filler: 4 rows x 4 steps each batch
    assert stats.computed_row_steps == 32
    assert stats.wasted_decode_fraction == pytest.approx(4 / 32)


@pytest.mark.slow
def test_the_smoke_eval_answers_as_before_bucketing_in_data_set_order() -> None:
    """The smoke config's model and eval (120 prompts, 40 a batch, 48 new tokens): today's
    batches (data set order, all padded to the longest prompt, one stage) and the bucketed,
    staged ones give the same responses, row for row; generation compiles once per length."""
    cfg = load_config("configs/smoke_tiny.yaml").config
    backend = backend_for(cfg.backend)
    loaded = backend.load(cfg.model, max_seq_len=cfg.data.max_seq_len, config_path="c.yaml",
                          seed=0)
    items = load_dataset("dev-reasoning-v2").eval
    mesh = make_mesh("data_parallel")
    runs = {}
    for buckets, stages in ((0, 1), (cfg.eval.buckets, cfg.eval.decode_stages)):
        with CompileWatch() as watch:
            runs[buckets] = evaluate(backend, loaded, loaded.params, items,
                                     batch_size=cfg.eval.batch_size,
                                     max_new_tokens=cfg.eval.max_new_tokens, mesh=mesh,
                                     config_path="c.yaml", buckets=buckets,
                                     decode_stages=stages)
        assert watch.count("generate") == len(runs[buckets].stats.prompt_lengths)
    before, after = runs[0], runs[cfg.eval.buckets]
    assert [p.item_id for p in after.predictions] == [item.id for item in items]
    assert after.predictions == before.predictions
    assert before.stats.prompt_lengths == (256,)
    assert len(after.stats.prompt_lengths) == 2 and after.stats.prompt_lengths[-1] == 256
    assert after.stats.prompt_positions < before.stats.prompt_positions
    assert after.stats.new_tokens == before.stats.new_tokens == 120 * 48


DEVICES = 8


def _probe() -> dict[str, Any]:
    """In the subprocess: 24 rows split over 8 devices, stages (24, 16, 8), against the same
    prompts on one device in one stage."""
    from training.sharding import eval_batch_sharding, put_global

    loaded = build_tiny_model(tiny_config("gpt2"), seed=2)
    ids, mask, eos = _stopping_rows(loaded, 24, seed=1)
    mesh = make_mesh("data_parallel")
    sharding = eval_batch_sharding(mesh)
    stages = decode_stages(24, 3, mesh.size)
    staged = make_generate_fn(loaded.module, max_new_tokens=12, eos_id=eos, pad_id=PAD,
                              stop_ids=[-2], stages=stages)
    sharded = jax.device_get(staged(loaded.params, put_global(ids, sharding),
                                    put_global(mask, sharding),
                                    put_global(np.ones(24, bool), sharding)))
    single = make_generate_fn(loaded.module, max_new_tokens=12, eos_id=eos, pad_id=PAD,
                              stop_ids=[-2])
    one = jax.device_get(single(loaded.params, jnp.asarray(ids), jnp.asarray(mask),
                                jnp.ones(24, bool)))
    return {"devices": jax.device_count(), "stages": list(stages),
            "same_tokens": bool(np.array_equal(one.tokens, sharded.tokens)),
            "same_steps": bool(np.array_equal(one.live_steps, sharded.live_steps)),
            "distinct_stops": len(set(one.live_steps.tolist())),
            "computed": [int(one.computed_steps), int(sharded.computed_steps)]}


@pytest.mark.slow
def test_stages_on_eight_devices_give_the_single_device_tokens() -> None:
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={DEVICES}",
           "JAX_PLATFORMS": "cpu"}
    done = subprocess.run([sys.executable, __file__], env=env, capture_output=True, text=True,
                          timeout=300, check=False, cwd=os.path.dirname(__file__))
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["devices"] == DEVICES and result["stages"] == [24, 16, 8]
    assert result["distinct_stops"] > 1
    assert result["same_tokens"] and result["same_steps"]
    assert result["computed"][1] < result["computed"][0]


if __name__ == "__main__":
    print(json.dumps(_probe()))
