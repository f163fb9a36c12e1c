"""The comparison's statistics against reference implementations and exact arithmetic.

McNemar is checked against scipy and statsmodels and against exact rational sums; Holm against
statsmodels; the paired bootstrap against an item-level bootstrap written here, against the
exact bootstrap distribution, by its coverage on simulated data, and for its exact symmetry and
reproducibility.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from decimal import Decimal, localcontext
from fractions import Fraction
from unittest import mock

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import gammaln
from scipy.stats import binom, binomtest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

from evidence.compare import stats
from evidence.compare.stats import holm, mcnemar_exact, paired_bootstrap_ci

# --- McNemar -----------------------------------------------------------------------------------

P_TOLERANCE = 1e-12


def exact_mcnemar(fixed: int, broken: int) -> Fraction:
    """The definition, in rationals: min(1, 2 * sum_{k <= min} C(n, k) / 2**n)."""
    n, low = fixed + broken, min(fixed, broken)
    term = tail = 1
    for k in range(low):
        term = term * (n - k) // (k + 1)  # C(n, k + 1)
        tail += term
    return min(Fraction(1), Fraction(2 * tail, 2**n))


@st.composite
def near_balanced(draw: st.DrawFn) -> tuple[int, int]:
    """Large discordant totals with min(fixed, broken) up to 9 standard deviations below n / 2:
    the pairs whose p value is neither 0 nor 1, where accuracy is hard."""
    n = draw(st.integers(1001, 2 * 10**6))
    z = draw(st.floats(0.0, 9.0))
    low = max(0, math.floor(n / 2 - z * math.sqrt(n) / 2))
    pair = (low, n - low)
    return pair[::-1] if draw(st.booleans()) else pair


discordant_pairs = st.one_of(
    st.tuples(st.integers(0, 1200), st.integers(0, 1200)),  # both sides of the exact threshold
    st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),
    near_balanced(),
)


@settings(max_examples=300, deadline=None)
@given(discordant_pairs)
@example((0, 0))
@example((500_000, 500_001))
@example((499_000, 501_000))
@example((1000, 1))
def test_mcnemar_matches_scipy_and_statsmodels(pair: tuple[int, int]) -> None:
    fixed, broken = pair
    ours = mcnemar_exact(fixed, broken)
    assert 0.0 <= ours <= 1.0
    if fixed + broken:  # scipy refuses n = 0
        assert abs(ours - binomtest(fixed, fixed + broken, 0.5).pvalue) <= P_TOLERANCE
    table = [[17, fixed], [broken, 5]]  # the diagonal (both right, both wrong) plays no part
    assert abs(ours - mcnemar(table, exact=True).pvalue) <= P_TOLERANCE


@pytest.mark.parametrize(
    ("fixed", "broken", "expected"),
    [
        (0, 0, 1.0),  # no discordant pairs
        (1, 0, 1.0),  # n = 1, either way
        (0, 1, 1.0),
        (0, 5, 0.0625),  # all discordant one way: 2 * 2**-n
        (12, 0, 2.0**-11),
        (0, 1000, 2.0**-999),
        (1001, 0, 2.0**-1000),  # the float path from the same far corner
        (0, 1074, 2.0**-1073),  # still a (subnormal) float
        (0, 10**6, 0.0),
        (3, 12, 0.03515625),  # 2 * (1 + 15 + 105 + 455) / 2**15
        (7, 7, 1.0),  # ties
        (5000, 5000, 1.0),
        (500_000, 500_000, 1.0),
        (500_000, 500_001, 1.0),  # n odd, |fixed - broken| = 1: the tail is exactly 1/2
    ],
)
def test_mcnemar_edge_cases(fixed: int, broken: int, expected: float) -> None:
    assert mcnemar_exact(fixed, broken) == expected
    assert mcnemar_exact(broken, fixed) == expected


@pytest.mark.parametrize("n", [1001, 1002, 2500, 7777, 20_000])
@pytest.mark.parametrize("z", [0.1, 1.0, 2.5, 6.0])
def test_mcnemar_float_path_matches_exact_rationals(n: int, z: float) -> None:
    """Above 1,000 pairs the module sums floats; exact rationals say it is good to ~1e-15."""
    low = math.floor(n / 2 - z * math.sqrt(n) / 2)
    assert abs(mcnemar_exact(low, n - low) - float(exact_mcnemar(low, n - low))) <= 1e-14


def _decimal_stirlerr(k: int) -> Decimal:
    """log(k!) - (k + 1/2) log(k) + k - log(2 pi) / 2 with 60 significant digits."""
    pi = Decimal("3.14159265358979323846264338327950288419716939937510582097494459")
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(math.factorial(k)).ln() - (k + Decimal("0.5")) * Decimal(k).ln() + k
                - (2 * pi).ln() / 2)


def test_stirlerr_table_and_series_match_60_digit_decimals() -> None:
    for k in range(1, 16):  # the table: each entry is the double nearest the true value
        assert stats._STIRLERR_SMALL[k] == float(_decimal_stirlerr(k))
    for k in (16, 35, 36, 80, 81, 500, 501, 2000):  # each branch of the series
        # Absolute error is what counts: it is the error of the log pmf.
        assert abs(stats._stirlerr(k) - float(_decimal_stirlerr(k))) <= 3e-17


@pytest.mark.parametrize(
    ("x", "n"), [(0, 40), (1, 20), (2, 1001), (7, 40), (15, 100), (16, 17), (100, 1001),
                 (300, 1000), (900, 1001), (4000, 10001), (49_000, 100_000), (50_000, 100_000)])
def test_loader_pmf_relative_error(x: int, n: int) -> None:
    """Near the mean (bd0's series) and far from it (its closed form), the pmf is good to a few
    units in the 14th digit: what exp of a log pmf near -700 can give."""
    exact = Fraction(math.comb(n, x), 2**n)
    assert abs(Fraction(stats._binom_half_pmf(x, n)) / exact - 1) <= 1e-13


def test_mcnemar_is_fast_at_a_million_pairs() -> None:
    # 499,990 vs 500,010: p ~ 0.98, the most terms to sum (~5,000). Best of 5 on a shared machine.
    timings = []
    for _ in range(5):
        start = time.perf_counter()
        mcnemar_exact(499_990, 500_010)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05


@pytest.mark.parametrize(("fixed", "broken"), [(-1, 3), (3, -1)])
def test_mcnemar_refuses_negative_counts(fixed: int, broken: int) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        mcnemar_exact(fixed, broken)


def test_mcnemar_refuses_non_integers() -> None:
    with pytest.raises(TypeError):
        mcnemar_exact(2.0, 3)  # type: ignore[arg-type]


# --- Holm --------------------------------------------------------------------------------------

p_value = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 0.01, 0.05, 0.5]))


@settings(max_examples=300, deadline=None)
@given(st.lists(p_value, min_size=1, max_size=40))
@example([0.0])
@example([1.0])
@example([0.04])
@example([0.01, 0.01, 0.01])
@example([0.3, 0.0, 1.0, 0.3, 0.02])
def test_holm_equals_statsmodels(p_values: list[float]) -> None:
    # multipletests' holm calls gc.collect() every time (~45 ms with scipy loaded), which changes
    # nothing but the time; skipping it lets hypothesis try many more lists.
    with mock.patch("gc.collect", return_value=0):
        reference = multipletests(p_values, method="holm")[1]
    adjusted = holm(p_values)
    assert adjusted == [float(v) for v in reference]  # the same float products: exactly equal
    assert all(p <= a <= 1.0 for p, a in zip(p_values, adjusted, strict=True))


def test_holm_of_nothing_is_nothing() -> None:
    assert holm([]) == []


@pytest.mark.parametrize("bad", [math.nan, -0.1, 1.5, math.inf])
def test_holm_refuses_values_that_are_not_probabilities(bad: float) -> None:
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        holm([0.01, bad])


# --- Paired bootstrap --------------------------------------------------------------------------

CI_RESAMPLES = 20_000


def order_statistics(values: np.ndarray) -> tuple[int, int]:
    """The ranks the module documents: floor(R / 40) and R - 1 - floor(R / 40), 0-based."""
    ranked = np.sort(values)
    low_rank = len(values) // 40
    return int(ranked[low_rank]), int(ranked[len(values) - 1 - low_rank])


def item_bootstrap(fixed: int, broken: int, n: int, resamples: int) -> tuple[float, float]:
    """The bootstrap by its definition: resample the items' own deltas (+1, -1, 0) by index."""
    deltas = np.repeat(np.array([1, -1, 0], dtype=np.int64), [fixed, broken, n - fixed - broken])
    rng = np.random.default_rng(20_240_601)
    sums = np.empty(resamples, dtype=np.int64)
    chunk = max(1, 2_000_000 // n)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        sums[start:stop] = deltas[rng.integers(0, n, size=(stop - start, n))].sum(axis=1)
    low, high = order_statistics(sums)
    return low / n, high / n


def quantile_tolerance(fixed: int, broken: int, n: int, resamples: int) -> float:
    """How far two independent estimates of the 2.5 % (or 97.5 %) point of delta* may differ.

    delta* is close to Normal(d, s**2) with d = (fixed - broken) / n and s**2 = ((fixed + broken)
    / n - d**2) / n. A sample q-quantile of R draws has standard error sqrt(q (1 - q) / R) / f,
    f = phi(z_q) / s the density there (z_q = 1.96); two independent ones differ by sqrt(2) times
    that. Allow 5 of those standard errors, plus one lattice step 1/n, as both lie on k / n.
    """
    d = (fixed - broken) / n
    s = math.sqrt(((fixed + broken) / n - d * d) / n)
    q, z = 0.025, 1.959963984540054
    phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    standard_error = math.sqrt(2) * math.sqrt(q * (1 - q) / resamples) / phi * s
    return 5 * standard_error + 1 / n


@pytest.mark.parametrize(("fixed", "broken", "n"), [(40, 25, 300), (12, 30, 150), (300, 200, 2000)])
def test_bootstrap_agrees_with_an_item_level_bootstrap(fixed: int, broken: int, n: int) -> None:
    ours = paired_bootstrap_ci(fixed, broken, n, resamples=CI_RESAMPLES, seed=7, stream="overall")
    theirs = item_bootstrap(fixed, broken, n, CI_RESAMPLES)
    tolerance = quantile_tolerance(fixed, broken, n, CI_RESAMPLES)
    assert abs(ours[0] - theirs[0]) <= tolerance
    assert abs(ours[1] - theirs[1]) <= tolerance


def exact_numerator_cdf(fixed: int, broken: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact bootstrap distribution of k* = fixed* - broken*, (fixed*, broken*, rest*) ~
    Multinomial(n; fixed/n, broken/n, rest/n): its support -n..n and its cdf there."""
    f_star, b_star = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    inside = f_star + b_star <= n
    f_star, b_star = f_star[inside], b_star[inside]
    r_star = n - f_star - b_star
    log_p = gammaln(n + 1) - gammaln(f_star + 1) - gammaln(b_star + 1) - gammaln(r_star + 1)
    for count, star in ((fixed, f_star), (broken, b_star), (n - fixed - broken, r_star)):
        log_p = log_p + star * math.log(count / n)
    pmf = np.bincount(f_star - b_star + n, weights=np.exp(log_p), minlength=2 * n + 1)
    return np.arange(-n, n + 1), np.cumsum(pmf)


@pytest.mark.parametrize(("fixed", "broken", "n"), [(40, 25, 300), (9, 2, 120), (30, 29, 200)])
def test_bootstrap_bounds_are_likely_order_statistics_of_the_exact_distribution(
    fixed: int, broken: int, n: int
) -> None:
    """Each bound is the rank-j order statistic of R draws, so P(bound <= x) is exactly
    P(Binomial(R, F(x)) >= j + 1) with F the exact cdf of k*. Neither bound may sit where that
    probability, or its complement, is below 1e-6."""
    resamples = 10_000
    low, high = paired_bootstrap_ci(fixed, broken, n, resamples=resamples, seed=3, stream="exact")
    support, cdf = exact_numerator_cdf(fixed, broken, n)
    draws = resamples
    for bound, rank in ((low, draws // 40), (high, draws - 1 - draws // 40)):
        k = round(bound * n)
        assert bound == k / n
        at_most = binom.sf(rank, draws, cdf[support == k][0])  # P(k_(rank) <= k)
        below = binom.sf(rank, draws, cdf[support == k - 1][0])  # P(k_(rank) <= k - 1)
        assert at_most >= 1e-6
        assert 1 - below >= 1e-6  # P(k_(rank) >= k)


def test_bootstrap_covers_a_known_delta_about_95_percent() -> None:
    """1,500 simulated paired evaluations of 300 items whose outcomes are both right, both wrong,
    fixed, broken with probabilities 0.55, 0.25, 0.12, 0.08: the true delta is 0.04. Coverage of
    the intervals is a Binomial(1500, ~0.95) share, standard error 0.0056, so [0.92, 0.98] is
    over 5 standard errors each way from 0.95."""
    simulations, items, true_delta = 1500, 300, 0.12 - 0.08
    rng = np.random.default_rng(2024)
    outcomes = rng.choice(4, size=(simulations, items), p=[0.55, 0.25, 0.12, 0.08])
    fixed_counts, broken_counts = (outcomes == 2).sum(axis=1), (outcomes == 3).sum(axis=1)
    covered = 0
    for index, (fixed, broken) in enumerate(zip(fixed_counts, broken_counts, strict=True)):
        low, high = paired_bootstrap_ci(
            int(fixed), int(broken), items, resamples=1000, seed=index, stream="coverage")
        covered += low <= true_delta <= high
    assert 0.92 <= covered / simulations <= 0.98


@st.composite
def scopes(draw: st.DrawFn) -> tuple[int, int, int]:
    n = draw(st.one_of(st.integers(1, 50), st.integers(1, 10**6)))
    fixed = draw(st.integers(0, n))
    broken = draw(st.one_of(st.just(min(fixed, n - fixed)), st.integers(0, n - fixed)))  # ties
    return fixed, broken, n


@settings(max_examples=200, deadline=None)
@given(scopes(), st.integers(1, 400), st.integers(0, 2**63), st.text(max_size=20))
@example((5, 5, 10), 1, 0, "overall")
@example((3, 3, 300), 2, 1, "tie")
@example((0, 4, 4), 10, 2, "one way")
def test_bootstrap_mirror_is_exact(
    scope: tuple[int, int, int], resamples: int, seed: int, stream: str
) -> None:
    fixed, broken, n = scope
    low, high = paired_bootstrap_ci(fixed, broken, n, resamples=resamples, seed=seed, stream=stream)
    mirrored = paired_bootstrap_ci(broken, fixed, n, resamples=resamples, seed=seed, stream=stream)
    assert mirrored == (-high, -low)
    assert -1.0 <= low <= high <= 1.0
    if fixed == broken:
        assert low == -high


def test_bootstrap_is_reproducible_per_stream() -> None:
    def ci(stream: str, seed: int = 11) -> tuple[float, float]:
        return paired_bootstrap_ci(40, 25, 300, resamples=200, seed=seed, stream=stream)

    first = ci("per_section/algebra")
    others = {ci(f"per_section/s{i}") for i in range(10)}  # other scopes drawn in between
    assert ci("per_section/algebra") == first
    assert len(others | {first}) > 1
    assert len({ci("overall", seed) for seed in range(10)}) > 1


def test_bootstrap_follows_its_documented_recipe() -> None:
    """The stream's SHA-256 as eight big-endian 32-bit words is the spawn key, and the draws are
    Multinomial(n; rest/n, small/n, large/n): a saved comparison's interval can be recomputed."""
    import hashlib

    fixed, broken, n, resamples, seed, stream = 25, 40, 300, 5000, 9, "format/overall"
    digest = hashlib.sha256(stream.encode()).digest()
    key = [int.from_bytes(digest[i : i + 4], "big") for i in range(0, 32, 4)]
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))
    counts = rng.multinomial(n, [(n - 65) / n, 25 / n, 40 / n], size=resamples)
    low, high = order_statistics(counts[:, 2] - counts[:, 1])  # large - small = broken - fixed
    expected = (-high / n, -low / n)  # fixed < broken: negated and swapped
    assert paired_bootstrap_ci(fixed, broken, n, resamples=resamples, seed=seed,
                               stream=stream) == expected


def test_bootstrap_does_not_depend_on_the_chunk_size(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = paired_bootstrap_ci(40, 25, 300, resamples=1000, seed=5, stream="overall")
    monkeypatch.setattr(stats, "_CHUNK", 7)
    assert paired_bootstrap_ci(40, 25, 300, resamples=1000, seed=5, stream="overall") == whole


@pytest.mark.parametrize("n", [1, 2, 300, 10**6])
def test_bootstrap_without_discordant_pairs_is_zero(n: int) -> None:
    assert paired_bootstrap_ci(0, 0, n, resamples=100, seed=0, stream="overall") == (0.0, 0.0)


def test_bootstrap_with_every_item_discordant_one_way() -> None:
    assert paired_bootstrap_ci(50, 0, 50, resamples=100, seed=0, stream="s") == (1.0, 1.0)
    assert paired_bootstrap_ci(0, 50, 50, resamples=100, seed=0, stream="s") == (-1.0, -1.0)


def test_bootstrap_handles_many_resamples_and_many_items() -> None:
    low, high = paired_bootstrap_ci(120_000, 80_000, 10**6, resamples=100_000, seed=1,
                                    stream="overall")
    # delta = 0.04 with standard error sqrt((0.2 - 0.0016) / 1e6) = 0.000445: +-1.96 of those.
    assert low == pytest.approx(0.04 - 1.96 * 0.000445, abs=5e-5)
    assert high == pytest.approx(0.04 + 1.96 * 0.000445, abs=5e-5)


@pytest.mark.parametrize(
    ("fixed", "broken", "n_items", "resamples", "seed", "message"),
    [
        (0, 0, 0, 100, 0, "n_items"),
        (-1, 0, 10, 100, 0, "fixed"),
        (0, -1, 10, 100, 0, "broken"),
        (6, 5, 10, 100, 0, "exceeds"),
        (1, 1, 10, 0, 0, "resamples"),
        (1, 1, 10, 100, -1, "seed"),
    ],
)
def test_bootstrap_refuses_bad_input(
    fixed: int, broken: int, n_items: int, resamples: int, seed: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        paired_bootstrap_ci(fixed, broken, n_items, resamples=resamples, seed=seed, stream="s")


def test_importing_the_module_does_not_import_numpy() -> None:
    code = ("import sys, evidence.compare.stats; "
            "print(sorted({'numpy', 'scipy', 'statsmodels'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
