"""Length bucketing (training.buckets): the lengths chosen are the best a brute force finds, every
example is trained once per epoch, buckets 0 is today's stream, and on the smoke data at least
85 % of the positions a step computes are real tokens."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from training.backends.flax_transformers.tokenizer import HFTokenizer, byte_level_tokenizer
from training.batching import (
    Examples,
    encode_examples,
    plan_batches,
    planned_batches,
    train_batches,
)
from training.buckets import (
    BatchPlan,
    choose_lengths,
    fit,
    grouped_epoch,
    plan_prompts,
    plan_training,
    round_up,
)
from training.config import load_config
from training.dataset.registry import load_dataset
from training.errors import TrainingError


def _waste(needed: list[int], lengths: tuple[int, ...]) -> int:
    return sum(fit(n, lengths) - n for n in needed)


@pytest.mark.parametrize("seed", range(6))
def test_choose_lengths_is_the_brute_force_optimum(seed: int) -> None:
    rng = np.random.default_rng(seed)
    needed = [int(n) for n in rng.integers(1, 120, size=int(rng.integers(1, 30)))]
    cap = 128
    for count in (1, 2, 3, 4):
        chosen = choose_lengths(needed, count, cap=cap)
        assert len(chosen) <= count and list(chosen) == sorted(set(chosen))
        assert all(c % 8 == 0 or c == cap for c in chosen)
        assert max(chosen) == min(round_up(max(needed), 8), cap)
        candidates = sorted({min(round_up(n, 8), cap) for n in needed})
        best = min(_waste(needed, combo)
                   for k in range(1, min(count, len(candidates)) + 1)
                   for combo in itertools.combinations(candidates, k)
                   if combo[-1] == candidates[-1])
        assert _waste(needed, chosen) == best


def test_choose_lengths_edges() -> None:
    assert choose_lengths([], 3, cap=64) == ()
    assert choose_lengths([5, 61, 63], 8, cap=62 + 1) == (8, 63)  # rounding stops at the cap
    with pytest.raises(ValueError, match="at least 1"):
        choose_lengths([5], 0, cap=64)
    with pytest.raises(ValueError, match="longer than the cap"):
        choose_lengths([65], 2, cap=64)
    with pytest.raises(ValueError, match="no bucket holds"):
        fit(65, (32, 64))


def test_a_grouped_epoch_trains_each_kept_example_once_in_similar_lengths() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(10, 400, size=103)
    batches = grouped_epoch(lengths, 10, rng)
    seen = np.concatenate(batches)
    assert len(batches) == 10 and len(seen) == 100 == len(set(seen.tolist()))
    spans = [int(lengths[b].max() - lengths[b].min()) for b in batches]
    assert max(spans) < 100  # sorted, not a random mix (which spans about 350)
    # The examples left out differ from epoch to epoch: not always the longest.
    left_out = [set(range(103)) - set(np.concatenate(grouped_epoch(lengths, 10, rng)).tolist())
                for _ in range(5)]
    assert len({frozenset(s) for s in left_out}) > 1


@pytest.fixture(scope="module")
def examples() -> Examples:
    return encode_examples(HFTokenizer(byte_level_tokenizer()),
                           load_dataset("dev-reasoning-v2").train, 512, "c.yaml")


def test_buckets_zero_plans_todays_batches(examples: Examples) -> None:
    plan = plan_batches(examples, batch_size=16, steps=35, seed=3, buckets=0)
    assert plan.lengths == (512,)
    old = train_batches(examples, batch_size=16, grad_accum=2, seed=3)
    for new, before in zip(planned_batches(examples, plan, grad_accum=2), old, strict=False):
        for name in ("input_ids", "attention_mask", "loss_mask"):
            np.testing.assert_array_equal(new[name], before[name])


def test_smoke_data_is_at_least_85_percent_real_tokens(examples: Examples) -> None:
    cfg = load_config("configs/smoke_tiny.yaml").config
    steps = 30  # an epoch of 480 examples at 16 per step
    plan = plan_batches(examples, batch_size=cfg.train.batch_size, steps=steps,
                        seed=cfg.train.seed, buckets=cfg.data.buckets)
    lengths = examples.lengths
    assert len(plan.lengths) <= cfg.data.buckets == 4
    assert plan.real_fraction(lengths) >= 0.85
    padded = BatchPlan(plan.batches, (512,) * steps)
    assert padded.real_fraction(lengths) < 0.55  # today's
    # Every example of the epoch once, each batch cut to its length without losing a token.
    assert sorted(np.concatenate(plan.batches).tolist()) == list(range(480))
    for pick, batch in zip(plan.batches, planned_batches(examples, plan, grad_accum=2),
                           strict=True):
        seq = batch["input_ids"].shape[2]
        assert batch["input_ids"].shape == (2, 8, seq) and seq >= lengths[pick].max()
        assert batch["attention_mask"].sum() == lengths[pick].sum()


def test_a_batch_larger_than_the_examples_is_refused(examples: Examples) -> None:
    with pytest.raises(TrainingError, match="larger than the 480 training examples"):
        plan_batches(examples, batch_size=481, steps=1, seed=0, buckets=4)


def test_plans_of_steps_beyond_an_epoch_and_prompt_plans() -> None:
    lengths = np.asarray([30, 10, 20, 40, 50])
    plan = plan_training(lengths, batch_size=2, steps=5, seed=0, buckets=2, cap=64)
    assert len(plan.batches) == 5 and len(plan.lengths) <= 2
    prompts = plan_prompts(lengths, rows=2, buckets=2)
    assert [b.tolist() for b in prompts.batches] == [[1, 2], [0, 3], [4]]
    assert prompts.seq_lens == (24, 50, 50)  # at most 2 lengths, none beyond the longest
    today = plan_prompts(lengths, rows=2, buckets=0)
    assert [b.tolist() for b in today.batches] == [[0, 1], [2, 3], [4]]
    assert today.seq_lens == (50, 50, 50)


def test_the_bucketing_keys_default_and_are_checked(tmp_path: Path) -> None:
    cfg = load_config("configs/submission_gemma_flax.yaml").config
    assert (cfg.data.buckets, cfg.eval.buckets, cfg.eval.decode_stages) == (4, 2, 3)
    bad = tmp_path / "bad.yaml"
    bad.write_text(Path("configs/smoke_tiny.yaml").read_text().replace(
        "  max_seq_len: 512", "  max_seq_len: 512\n  buckets: -1"))
    with pytest.raises(TrainingError, match=r"bad.yaml:\d+: data.buckets: .*greater than or"):
        load_config(str(bad))
