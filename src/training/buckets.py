"""Length bucketing, whatever the backend: batches of examples of similar length, each padded only
to the shortest of a few fixed lengths that holds it, so a batch is mostly real tokens and every
length compiles once.

Plain numpy on host-side lengths, no model library: the training batches (`training.batching`)
and the evaluation's prompt batches (`training.evaluate`) are planned here, and a backend only
ever sees fixed-shape arrays. A second backend (Tunix) reuses it as it is.

The lengths are chosen for the batches at hand, not guessed: `choose_lengths` picks, among
multiples of `PAD_MULTIPLE`, the at most `count` lengths that waste the fewest padded positions
over exactly the batches a run will compute (dynamic programming, exact).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Bucket lengths are multiples of this (TPU tiles are 8 rows of 32-bit values; 8 also keeps the
# number of distinct lengths small): a little padding for friendlier shapes.
PAD_MULTIPLE = 8


def round_up(length: int, multiple: int) -> int:
    return -(-length // multiple) * multiple


def choose_lengths(needed: Sequence[int], count: int, *, cap: int,
                   multiple: int = PAD_MULTIPLE) -> tuple[int, ...]:
    """At most `count` lengths (multiples of `multiple`, or `cap`) that hold every length in
    `needed` with the fewest padded positions in all, each needed length being padded to the
    shortest chosen length that holds it. `needed` counts each batch once (batches of equal
    rows), repeats included. The longest needed length's bucket is always chosen."""
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    if not needed:
        return ()
    if max(needed) > cap:
        raise ValueError(f"a needed length {max(needed)} is longer than the cap {cap}")
    rounded = np.minimum(np.asarray([round_up(n, multiple) for n in needed]), cap)
    candidates, weights = np.unique(rounded, return_counts=True)
    size = len(candidates)
    if count >= size:
        return tuple(int(c) for c in candidates)
    # waste[i][j]: padding when every needed length rounded to candidates[i..j] pads to
    # candidates[j] (the rounding itself is the same whatever is chosen, so it is left out).
    weight_sum = np.concatenate([[0], np.cumsum(weights)])
    length_sum = np.concatenate([[0], np.cumsum(weights * candidates)])

    def waste(i: int, j: int) -> int:
        return int(candidates[j] * (weight_sum[j + 1] - weight_sum[i])
                   - (length_sum[j + 1] - length_sum[i]))

    # best[k][j]: least waste covering candidates[0..j] with k + 1 lengths, the last candidates[j]
    best = [[waste(0, j) for j in range(size)]]
    back: list[list[int]] = [[-1] * size]
    for _ in range(1, count):
        row, came = [], []
        for j in range(size):
            options = [(best[-1][i] + waste(i + 1, j), i) for i in range(j)]
            value, i = min(options) if options else (waste(0, j), -1)
            row.append(value)
            came.append(i)
        best.append(row)
        back.append(came)
    chosen, j = [], size - 1
    for k in range(count - 1, -1, -1):
        chosen.append(int(candidates[j]))
        j = back[k][j]
        if j < 0:
            break
    return tuple(sorted(chosen))


def fit(length: int, lengths: Sequence[int]) -> int:
    """The shortest of `lengths` (sorted) that holds `length`."""
    at = bisect.bisect_left(lengths, length)
    if at == len(lengths):
        raise ValueError(f"no bucket holds length {length} (the longest is {lengths[-1]})")
    return lengths[at]


def grouped_epoch(lengths: np.ndarray, batch_size: int,
                  rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch of batches of example indices, examples of similar length together: a random
    `len % batch_size` examples sit the epoch out (as the last partial batch of a shuffled epoch
    would), the rest are sorted by length (equal lengths in random order) and cut into batches,
    and the batches come in random order."""
    order = rng.permutation(len(lengths))
    order = order[:len(order) - len(order) % batch_size]
    order = order[np.argsort(lengths[order], kind="stable")]
    batches = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def shuffled_epoch(count: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch of batches of a fresh shuffle, the last partial batch dropped (no bucketing)."""
    order = rng.permutation(count)
    return [order[start:start + batch_size]
            for start in range(0, count - batch_size + 1, batch_size)]


@dataclass(frozen=True)
class BatchPlan:
    """Which examples each batch holds, and the sequence length it is padded to."""

    batches: tuple[np.ndarray, ...]
    seq_lens: tuple[int, ...]

    @property
    def lengths(self) -> tuple[int, ...]:
        """The distinct sequence lengths, shortest first: one compilation each."""
        return tuple(sorted(set(self.seq_lens)))

    def positions(self) -> int:
        return sum(len(batch) * seq for batch, seq in zip(self.batches, self.seq_lens,
                                                           strict=True))

    def real_fraction(self, lengths: np.ndarray) -> float:
        """Real tokens over the positions the batches compute."""
        real = sum(int(lengths[batch].sum()) for batch in self.batches)
        return real / max(self.positions(), 1)


def plan_training(lengths: np.ndarray, *, batch_size: int, steps: int, seed: int,
                  buckets: int, cap: int) -> BatchPlan:
    """The batches of `steps` training steps over examples of these lengths, and the sequence
    length of each. `buckets` 0: today's fixed shape, every batch a fresh shuffle padded to
    `cap` (the same batches `training.batching.train_batches` yields for the seed); otherwise
    length-grouped epochs padded to at most `buckets` lengths chosen for these very batches."""
    rng = np.random.default_rng(seed)
    batches: list[np.ndarray] = []
    while len(batches) < steps:
        batches += (grouped_epoch(lengths, batch_size, rng) if buckets
                    else shuffled_epoch(len(lengths), batch_size, rng))
    batches = batches[:steps]
    if not buckets:
        return BatchPlan(tuple(batches), (cap,) * steps)
    needed = [int(lengths[batch].max()) for batch in batches]
    chosen = choose_lengths(needed, buckets, cap=cap)
    return BatchPlan(tuple(batches), tuple(fit(n, chosen) for n in needed))


def plan_prompts(lengths: np.ndarray, *, rows: int, buckets: int) -> BatchPlan:
    """The evaluation's batches of `rows` prompts (the last may be short) and the length each is
    left-padded to. `buckets` 0: the data set's order, every batch padded to the longest prompt;
    otherwise prompts sorted by length (ties in data set order), at most `buckets` lengths, none
    longer than the longest prompt."""
    cap = int(lengths.max())
    order = (np.arange(len(lengths)) if not buckets
             else np.argsort(lengths, kind="stable"))
    batches = tuple(order[start:start + rows] for start in range(0, len(order), rows))
    if not buckets:
        return BatchPlan(batches, (cap,) * len(batches))
    needed = [int(lengths[batch].max()) for batch in batches]
    chosen = choose_lengths(needed, buckets, cap=cap)
    return BatchPlan(batches, tuple(fit(n, chosen) for n in needed))
