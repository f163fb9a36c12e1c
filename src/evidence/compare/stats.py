"""The significance figures of `evidence compare`: pure functions of a scope's outcome counts.

A scope (every item, or one section, category or difficulty) is summed up by four counts:
both_correct, both_wrong, fixed (wrong in the baseline, right in the candidate) and broken (the
reverse); delta = (fixed - broken) / n_items. From those counts alone this module gives

- `mcnemar_exact`: the exact McNemar p of the discordant pairs (a two-sided sign test);
- `holm`: Holm's step-down adjustment of a family of such p values;
- `paired_bootstrap_ci`: the paired bootstrap 95 % percentile interval of delta.

McNemar and Holm are pure Python. The bootstrap needs numpy, imported inside the function, so
that importing this module (and `evidence validate`, which never compares) does not pay for it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

# Up to this many discordant pairs the tail is summed in exact integers; above it, in floats from
# Loader's saddle-point pmf. Exact takes ~0.3 ms at 1,000 pairs and grows with the square of n.
_EXACT_MAX_PAIRS: Final = 1000
_LN_2PI: Final = 1.8378770664093454836  # log(2 * pi)
# The float tail stops once what it leaves out is below this share of what it has summed.
_TAIL_EPS: Final = 2.0**-60
# The ratio recurrence loses about one ulp a step; every so many steps it restarts from the pmf.
_REANCHOR_EVERY: Final = 256

# stirlerr(k) = log(k!) - (k + 1/2) log(k) + k - log(2 pi) / 2 for k = 0..15, to 25 digits (the
# values R's nmath/stirlerr.c tabulates; the tests re-derive them with 60-digit decimals).
_STIRLERR_SMALL: Final = (
    0.0,  # k = 0: log(0!) - ... is not defined; dbinom never asks for it.
    0.0810614667953272582196702,
    0.0413406959554092940938221,
    0.02767792568499833914878929,
    0.02079067210376509311152277,
    0.01664469118982119216319487,
    0.01387612882307074799874573,
    0.01189670994589177009505572,
    0.010411265261972096497478567,
    0.009255462182712732917728637,
    0.008330563433362871256469318,
    0.007573675487951840794972024,
    0.006942840107209529865664152,
    0.006408994188004207068439631,
    0.005951370112758847735624416,
    0.005554733551962801371038690,
)

_CI_TAIL_DIVISOR: Final = 40  # each tail of a 95 % interval holds 2.5 % = 1/40 of the draws
# Resamples drawn per numpy call: three int64 counts each, so a chunk is about 1.5 MiB.
_CHUNK: Final = 1 << 16


def _count(name: str, value: int) -> int:
    """`value` as a non-negative Python int (numpy integers welcome; floats and bools refused)."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not a bool")
    number = operator.index(value)
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {number}")
    return number


# --- McNemar -----------------------------------------------------------------------------------


def mcnemar_exact(fixed: int, broken: int) -> float:
    """Exact McNemar p: two-sided binomial test of `fixed` successes in fixed+broken trials at
    p=1/2, i.e. min(1, 2 * P(X <= min(fixed, broken))) for X ~ Binomial(fixed + broken, 1/2); 1.0
    with no discordant pairs.

    Up to 1,000 pairs the tail is an exact integer sum over 2**n, rounded once. Above, P(X = m)
    comes from Loader's saddle-point formula (as R's dbinom computes it) and the tail is summed
    downward with the ratio recurrence; the result is within ~1e-14 of the exact value.
    """
    fixed, broken = _count("fixed", fixed), _count("broken", broken)
    n, m = fixed + broken, min(fixed, broken)
    if 2 * m + 1 >= n:
        # |fixed - broken| <= 1: the lower tail holds at least half the mass (exactly half when n
        # is odd), so the doubled tail is >= 1. Also covers n = 0.
        return 1.0
    tail = _lower_tail_exact(m, n) if n <= _EXACT_MAX_PAIRS else _lower_tail_float(m, n)
    return min(1.0, 2.0 * tail)


def _lower_tail_exact(m: int, n: int) -> float:
    """P(X <= m) for X ~ Binomial(n, 1/2): sum C(n, k) for k <= m in integers, then one division
    (int / int is correctly rounded in Python)."""
    term = total = 1
    for k in range(m):
        term = term * (n - k) // (k + 1)  # C(n, k + 1), exactly
        total += term
    tail: float = total / 2**n
    return tail


def _lower_tail_float(m: int, n: int) -> float:
    """P(X <= m) for X ~ Binomial(n, 1/2), m < n / 2: P(X = m) from the saddle point, then down.

    The terms fall with the ratio r_k = k / (n - k + 1) < 1, which itself falls as k does, so once
    the current term t has t * r / (1 - r) below _TAIL_EPS of the sum, everything left is too:
    a few thousand terms near the mean at n = 10**6, a handful far out in the tail.
    """
    terms: list[float] = []
    running = 0.0
    k, term = m, _binom_half_pmf(m, n)
    while term > 0.0:
        terms.append(term)
        running += term
        if k == 0:
            break
        ratio = k / (n - k + 1)
        if term * ratio <= running * _TAIL_EPS * (1.0 - ratio):
            break
        k -= 1
        # Restarting from the pmf now and then keeps the recurrence's rounding from piling up.
        term = _binom_half_pmf(k, n) if (m - k) % _REANCHOR_EVERY == 0 else term * ratio
    return math.fsum(terms)


def _binom_half_pmf(x: int, n: int) -> float:
    """P(X = x) for X ~ Binomial(n, 1/2), 0 <= x < n, by Loader (2000), "Fast and Accurate
    Computation of Binomial Probabilities": the log pmf as Stirling-series remainders (stirlerr)
    and deviance terms (bd0), each small and accurate, instead of differences of huge log-gammas."""
    if x == 0:
        return math.ldexp(1.0, -n)  # 2**-n, exactly (0.0 once it underflows)
    half = n / 2.0  # n * p and n * q; exact in binary
    log_core = (
        _stirlerr(n) - _stirlerr(x) - _stirlerr(n - x) - _bd0(x, half) - _bd0(n - x, half)
    )
    log_scale = _LN_2PI + math.log(x) + math.log1p(-x / n)
    return math.exp(log_core - 0.5 * log_scale)


def _stirlerr(k: int) -> float:
    """log(k!) - log(sqrt(2 pi k) (k / e)**k): a table up to 15, Stirling's series beyond, with
    as many terms as it takes for an error below 1e-16 (R's choice, plus two terms up to k = 35,
    where R's five leave 1e-16)."""
    if k <= 15:
        return _STIRLERR_SMALL[k]
    s0, s1, s2, s3, s4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
    s5, s6 = 691 / 360360, 1 / 156
    kk = float(k) * k
    if k > 500:
        return (s0 - s1 / kk) / k
    if k > 80:
        return (s0 - (s1 - s2 / kk) / kk) / k
    if k > 35:
        return (s0 - (s1 - (s2 - s3 / kk) / kk) / kk) / k
    return (s0 - (s1 - (s2 - (s3 - (s4 - (s5 - s6 / kk) / kk) / kk) / kk) / kk) / kk) / k


def _bd0(x: int, mean: float) -> float:
    """Loader's deviance term x log(x / mean) + mean - x, by its series when x is near the mean
    (where the closed form would cancel to nothing). Far from it, log1p of the relative distance
    keeps the log's rounding off the large x: 1e-15 relative in the pmf instead of 1e-13."""
    diff = x - mean
    if abs(diff) >= 0.1 * (x + mean):
        return x * math.log1p(diff / mean) - diff
    v = diff / (x + mean)
    total = diff * v
    power = 2.0 * x * v
    v *= v
    for j in range(1, 1000):  # |v| < 0.1: converges to double precision in ~16 terms
        power *= v
        nxt = total + power / (2 * j + 1)
        if nxt == total:
            break
        total = nxt
    return total


# --- Holm --------------------------------------------------------------------------------------


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p values, in the order given (same as statsmodels
    multipletests(method='holm')[1]): the i-th smallest (0-based) of m is multiplied by m - i, the
    products made non-decreasing in that order by a running maximum, and capped at 1.

    The arithmetic is the same float products statsmodels forms, so the values agree exactly.
    A p value that is NaN or outside [0, 1] is a ValueError.
    """
    values = [float(p) for p in p_values]
    for p in values:
        if not 0.0 <= p <= 1.0:  # also refuses NaN
            raise ValueError(f"p values must lie in [0, 1], got {p}")
    size = len(values)
    adjusted = [0.0] * size
    running = 0.0
    # Ties: tied p values end up equal whatever their order, since the running max meets the
    # largest of their products at the first of them.
    for rank, index in enumerate(sorted(range(size), key=values.__getitem__)):
        running = max(running, values[index] * (size - rank))
        adjusted[index] = min(1.0, running)
    return adjusted


# --- Paired bootstrap --------------------------------------------------------------------------


def paired_bootstrap_ci(
    fixed: int, broken: int, n_items: int, *, resamples: int, seed: int, stream: str
) -> tuple[float, float]:
    """Paired bootstrap 95 % percentile interval of delta = (fixed - broken) / n_items, resampling
    the n_items items with replacement.

    Resampling n items puts Multinomial(n; fixed/n, broken/n, rest/n) items in the three outcome
    classes, and delta* depends only on those counts, so each resample is one multinomial draw
    (vectorised, in chunks), never a loop over items; the bootstrap distribution is the same.

    - The generator is PCG64 seeded by SeedSequence(seed, spawn_key=sha256(stream)), so each scope
      ("overall", "per_section/algebra", ...) has its own reproducible stream.
    - The interval is made of order statistics of the integer numerators k* = fixed* - broken*,
      the ones at 0-based ranks floor(R / 40) and R - 1 - floor(R / 40), divided by n at the end.
    - Mirror symmetry is exact: swapping fixed and broken negates and swaps the bounds. The draws
      are always made with the smaller count as "fixed" and negated when the inputs were the other
      way round. On a tie (fixed == broken) the draws' distribution is symmetric about 0, so the
      2R values k* and -k* are an equally valid sample of it; their order statistics (ranks from
      2R) give an interval symmetric about 0, which is its own mirror image.
    - fixed = broken = 0 gives (0.0, 0.0). n_items < 1, negative counts, fixed + broken > n_items,
      resamples < 1 or seed < 0 are ValueErrors.
    """
    fixed, broken, n_items = (
        _count("fixed", fixed), _count("broken", broken), _count("n_items", n_items))
    resamples, seed = _count("resamples", resamples), _count("seed", seed)
    if n_items == 0:
        raise ValueError("n_items must be >= 1")
    if fixed + broken > n_items:
        raise ValueError(f"fixed + broken = {fixed + broken} exceeds n_items = {n_items}")
    if resamples == 0:
        raise ValueError("resamples must be >= 1")
    if fixed == broken == 0:
        return (0.0, 0.0)
    import numpy as np  # here, not at the top: see the module docstring

    small, large = sorted((fixed, broken))
    numerators = _draw_numerators(small, large, n_items, resamples, _generator(seed, stream))
    if small == large:
        numerators = np.concatenate((numerators, -numerators))
    low, high = _order_statistics(numerators)
    if fixed < broken:  # the draws were made for -delta
        low, high = -high, -low
    # + 0.0 turns -0.0 into 0.0, which both serialise alike.
    return (low / n_items + 0.0, high / n_items + 0.0)


def _generator(seed: int, stream: str) -> np.random.Generator:
    """A PCG64 generator for (seed, stream); the stream's SHA-256, as eight 32-bit words, is its
    spawn key, so streams are independent of each other and of the order they are asked for."""
    import hashlib  # lazily too: its OpenSSL module costs milliseconds at start-up

    import numpy as np

    digest = hashlib.sha256(stream.encode("utf-8")).digest()
    spawn_key = tuple(int.from_bytes(digest[i : i + 4], "big") for i in range(0, len(digest), 4))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=spawn_key)))


def _draw_numerators(
    small: int, large: int, n_items: int, resamples: int, rng: np.random.Generator
) -> NDArray[np.int64]:
    """`resamples` draws of large* - small* with (rest*, small*, large*) ~ Multinomial(n_items).

    The classes go in that order because numpy draws each but the last as a binomial of what is
    left: a class of probability 0 then gets exactly 0, and with no rest the small class is a
    Binomial(n, small / n) and the large one exactly its complement, with no rounding in between.
    Drawn in chunks, which continue one stream, so the chunk size never changes the result.
    """
    import numpy as np

    rest = n_items - small - large
    pvals = [rest / n_items, small / n_items, large / n_items]
    out = np.empty(resamples, dtype=np.int64)
    for start in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - start)
        counts = rng.multinomial(n_items, pvals, size=size)
        out[start : start + size] = counts[:, 2] - counts[:, 1]
    return out


def _order_statistics(values: NDArray[np.int64]) -> tuple[int, int]:
    """The order statistics at 0-based ranks floor(R / 40) and R - 1 - floor(R / 40) of R values:
    mirror images of each other's rank, so negating the values negates and swaps the pair."""
    import numpy as np

    size = len(values)
    low_rank = size // _CI_TAIL_DIVISOR
    high_rank = size - 1 - low_rank
    ranked = np.partition(values, (low_rank, high_rank))
    return int(ranked[low_rank]), int(ranked[high_rank])
