"""Property tests for sinstats.stats.intervals, over every method of every function.

Hypothesis runs derandomised (a fixed seed derived from each test) with no deadline, so the
tests depend neither on timing nor on chance. Coverage is computed exactly, by summing the
Poisson or binomial probability of every outcome whose interval covers the true value: no
simulation.

Confidence levels are drawn from [0.8, 0.9999]. Below about 50% the mid-p and Jeffreys
intervals need not contain the observed value (they shrink towards a median-unbiased estimate
or a posterior median); that is documented in their Notes and is not a defect.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from sinstats.stats.intervals import (
    POISSON_METHODS,
    PROPORTION_METHODS,
    RATE_RATIO_METHODS,
    poisson_ci,
    proportion_ci,
    rate_ci,
    rate_ratio_ci,
    rate_ratio_test,
)

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None)

counts = st.integers(min_value=0, max_value=3000)
conf_levels = st.floats(min_value=0.8, max_value=0.9999)
exposures = st.floats(min_value=1e-3, max_value=1e8)


@st.composite
def proportion_cases(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=3000))
    return draw(st.integers(min_value=0, max_value=n)), n


# --- order, domain and nesting ---------------------------------------------------------------


@pytest.mark.parametrize("method", list(POISSON_METHODS))
@SETTINGS
@given(count=counts, conf=conf_levels)
def test_poisson_order_and_domain(method: str, count: int, conf: float) -> None:
    est, lower, upper = poisson_ci(count, conf, method)
    assert est == count
    assert 0 <= lower <= est <= upper < math.inf
    if count > 0 and method != "normal":
        assert lower < upper


@pytest.mark.parametrize("method", list(POISSON_METHODS))
@SETTINGS
@given(count=counts, population=exposures, per=st.sampled_from([1, 1000, 100_000]))
def test_rate_is_scaled_count_interval(
    method: str, count: int, population: float, per: int
) -> None:
    rate = rate_ci(count, population, per, 0.95, method)
    raw = poisson_ci(count, 0.95, method)
    for got, base in zip(rate, raw, strict=True):
        assert got == pytest.approx(base * per / population, rel=1e-14, abs=0)
    assert 0 <= rate.lower <= rate.estimate <= rate.upper


@pytest.mark.parametrize("method", list(POISSON_METHODS))
@SETTINGS
@given(count=counts, conf=st.floats(min_value=0.5, max_value=0.99))
def test_poisson_wider_at_higher_confidence(method: str, count: int, conf: float) -> None:
    _, lo95, hi95 = poisson_ci(count, conf, method)
    _, lo998, hi998 = poisson_ci(count, 0.998, method)
    assert lo998 <= lo95 and hi95 <= hi998


@pytest.mark.parametrize("method", list(PROPORTION_METHODS))
@SETTINGS
@given(case=proportion_cases(), conf=conf_levels)
def test_proportion_order_and_domain(method: str, case: tuple[int, int], conf: float) -> None:
    count, n = case
    est, lower, upper = proportion_ci(count, n, conf, method)
    assert est == count / n
    assert 0 <= lower <= est <= upper <= 1
    assert lower < upper


@pytest.mark.parametrize("method", list(PROPORTION_METHODS))
@SETTINGS
@given(case=proportion_cases(), conf=st.floats(min_value=0.5, max_value=0.99))
def test_proportion_wider_at_higher_confidence(
    method: str, case: tuple[int, int], conf: float
) -> None:
    count, n = case
    _, lo, hi = proportion_ci(count, n, conf, method)
    _, lo998, hi998 = proportion_ci(count, n, 0.998, method)
    assert lo998 <= lo and hi <= hi998


@pytest.mark.parametrize("method", list(PROPORTION_METHODS))
@SETTINGS
@given(case=proportion_cases(), conf=conf_levels)
def test_proportion_symmetric_in_success_and_failure(
    method: str, case: tuple[int, int], conf: float
) -> None:
    count, n = case
    _, lower, upper = proportion_ci(count, n, conf, method)
    _, lower_f, upper_f = proportion_ci(n - count, n, conf, method)
    assert lower == pytest.approx(1 - upper_f, abs=1e-12)
    assert upper == pytest.approx(1 - lower_f, abs=1e-12)


@st.composite
def ratio_cases(draw: st.DrawFn) -> tuple[int, int, float, float]:
    x1 = draw(st.integers(min_value=0, max_value=2000))
    x2 = draw(st.integers(min_value=0 if x1 > 0 else 1, max_value=2000))
    return x1, x2, draw(exposures), draw(exposures)


@pytest.mark.parametrize("method", list(RATE_RATIO_METHODS))
@SETTINGS
@given(case=ratio_cases(), conf=conf_levels)
def test_rate_ratio_order_and_domain(
    method: str, case: tuple[int, int, float, float], conf: float
) -> None:
    x1, x2, t1, t2 = case
    est, lower, upper, p_value = rate_ratio_ci(x1, x2, t1, t2, conf, method)
    assert 0 <= lower <= est <= upper <= math.inf
    assert lower < upper
    assert 0 <= p_value <= 1
    assert (lower == 0) == (x1 == 0)
    assert (upper == math.inf) == (x2 == 0)


@pytest.mark.parametrize("method", list(RATE_RATIO_METHODS))
@SETTINGS
@given(case=ratio_cases(), conf=st.floats(min_value=0.5, max_value=0.99))
def test_rate_ratio_wider_at_higher_confidence(
    method: str, case: tuple[int, int, float, float], conf: float
) -> None:
    x1, x2, t1, t2 = case
    low = rate_ratio_ci(x1, x2, t1, t2, conf, method)
    high = rate_ratio_ci(x1, x2, t1, t2, 0.998, method)
    assert high.lower <= low.lower and low.upper <= high.upper


@pytest.mark.parametrize("method", list(RATE_RATIO_METHODS))
@SETTINGS
@given(case=ratio_cases(), conf=conf_levels)
def test_rate_ratio_swapping_groups_inverts(
    method: str, case: tuple[int, int, float, float], conf: float
) -> None:
    x1, x2, t1, t2 = case
    assume(x1 > 0 and x2 > 0)
    forward = rate_ratio_ci(x1, x2, t1, t2, conf, method)
    backward = rate_ratio_ci(x2, x1, t2, t1, conf, method)
    assert forward.estimate == pytest.approx(1 / backward.estimate, rel=1e-12)
    assert forward.lower == pytest.approx(1 / backward.upper, rel=1e-9)
    assert forward.upper == pytest.approx(1 / backward.lower, rel=1e-9)
    assert forward.p_value == pytest.approx(backward.p_value, rel=1e-9, abs=1e-300)


# --- exact coverage --------------------------------------------------------------------------

MEANS = np.concatenate([np.linspace(0.02, 30, 1500), np.linspace(30, 800, 1540)])


def _poisson_coverage(method: str, conf: float, means: np.ndarray) -> np.ndarray:
    """Exact coverage: sum of P(X = x; mu) over the x whose interval contains mu."""
    x = np.arange(0, 1400)
    _, lower, upper = poisson_ci(x, conf, method)
    pmf = stats.poisson.pmf(x[:, None], means[None, :])
    covered = (lower[:, None] <= means[None, :]) & (means[None, :] <= upper[:, None])
    return (pmf * covered).sum(axis=0)


@pytest.mark.parametrize("conf", [0.8, 0.95, 0.998])
def test_exact_poisson_coverage_at_least_nominal_on_a_grid(conf: float) -> None:
    coverage = _poisson_coverage("exact", conf, MEANS)
    assert coverage.min() >= conf - 1e-12
    # Exact, not absurdly conservative: coverage comes close to nominal somewhere.
    assert coverage.min() < conf + 0.01


@SETTINGS
@given(mu=st.floats(min_value=0.01, max_value=800), conf=st.sampled_from([0.9, 0.95, 0.998]))
def test_exact_poisson_coverage_at_least_nominal_anywhere(mu: float, conf: float) -> None:
    assert _poisson_coverage("exact", conf, np.array([mu]))[0] >= conf - 1e-12


@pytest.mark.parametrize("n", [1, 5, 10, 50, 482])
def test_clopper_pearson_coverage_at_least_nominal(n: int) -> None:
    p = np.linspace(0.0005, 0.9995, 2000)
    x = np.arange(n + 1)
    _, lower, upper = proportion_ci(x, n, 0.95, "clopper_pearson")
    pmf = stats.binom.pmf(x[:, None], n, p[None, :])
    covered = (lower[:, None] <= p[None, :]) & (p[None, :] <= upper[:, None])
    assert (pmf * covered).sum(axis=0).min() >= 0.95 - 1e-12


def test_normal_poisson_coverage_falls_short_for_small_means() -> None:
    # The reason the normal method is not a default (docs/methods.md).
    coverage = _poisson_coverage("normal", 0.95, np.linspace(0.5, 5, 200))
    assert coverage.min() < 0.9


# --- CI / test inversion ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["exact", "midp"])
@SETTINGS
@given(count=st.integers(min_value=0, max_value=3000), conf=conf_levels)
def test_poisson_limits_invert_one_sided_tests(method: str, count: int, conf: float) -> None:
    """At each limit the one-sided tail probability equals (1 - conf)/2 (scipy's tails).

    Exact: P(X >= x; lower) and P(X <= x; upper). Mid-p: the same minus half of P(X = x).
    """
    _, lower, upper = poisson_ci(count, conf, method)
    half = (1 - conf) / 2
    w = 0.5 if method == "midp" else 0.0
    at_upper = stats.poisson.cdf(count, upper) - w * stats.poisson.pmf(count, upper)
    assert at_upper == pytest.approx(half, rel=1e-6)
    if count > 0:
        at_lower = stats.poisson.sf(count - 1, lower) - w * stats.poisson.pmf(count, lower)
        assert at_lower == pytest.approx(half, rel=1e-6)


@pytest.mark.parametrize("method", list(RATE_RATIO_METHODS))
@SETTINGS
@given(case=ratio_cases(), conf=conf_levels)
def test_rate_ratio_limits_invert_the_test(
    method: str, case: tuple[int, int, float, float], conf: float
) -> None:
    """The interval and rate_ratio_test agree at the limits.

    Definition checked: with alternative "greater" (H1: ratio > r) the p-value at r = lower
    equals (1 - conf)/2, and with "less" at r = upper it equals (1 - conf)/2. For "exact" these
    one-sided p-values are the binomial tails P(X1 >= x1) and P(X1 <= x1); the two-sided exact
    p-value is R's "minlike" sum, which is not the inverse of the central (Clopper-Pearson)
    interval, so only the one-sided form holds there. For "midp" (central two-sided mid-p) and
    "score" the two-sided p-value at each limit also equals 1 - conf.
    """
    x1, x2, t1, t2 = case
    _, lower, upper, _ = rate_ratio_ci(x1, x2, t1, t2, conf, method)
    half = (1 - conf) / 2
    if x1 > 0:
        p = rate_ratio_test(x1, x2, t1, t2, ratio=lower, method=method, alternative="greater")
        assert p == pytest.approx(half, rel=1e-6)
        if method != "exact":
            p2 = rate_ratio_test(x1, x2, t1, t2, ratio=lower, method=method)
            assert p2 == pytest.approx(1 - conf, rel=1e-6)
    if x2 > 0:
        p = rate_ratio_test(x1, x2, t1, t2, ratio=upper, method=method, alternative="less")
        assert p == pytest.approx(half, rel=1e-6)
        if method != "exact":
            p2 = rate_ratio_test(x1, x2, t1, t2, ratio=upper, method=method)
            assert p2 == pytest.approx(1 - conf, rel=1e-6)


@SETTINGS
@given(case=ratio_cases(), conf=conf_levels)
def test_exact_rate_ratio_limits_against_scipy_binomial_tails(
    case: tuple[int, int, float, float], conf: float
) -> None:
    """Independent of rate_ratio_test: scipy's binomial tails at p0 = r t1 / (r t1 + t2)."""
    x1, x2, t1, t2 = case
    n = x1 + x2
    _, lower, upper, _ = rate_ratio_ci(x1, x2, t1, t2, conf, "exact")
    half = (1 - conf) / 2
    if x1 > 0:
        p_lo = lower * t1 / (lower * t1 + t2)
        assert stats.binom.sf(x1 - 1, n, p_lo) == pytest.approx(half, rel=1e-6)
    if x2 > 0:
        p_hi = upper * t1 / (upper * t1 + t2)
        assert stats.binom.cdf(x1, n, p_hi) == pytest.approx(half, rel=1e-6)


@pytest.mark.parametrize("method", list(RATE_RATIO_METHODS))
@SETTINGS
@given(case=ratio_cases())
def test_rate_ratio_p_value_is_rate_ratio_test_at_one(
    method: str, case: tuple[int, int, float, float]
) -> None:
    x1, x2, t1, t2 = case
    got = rate_ratio_ci(x1, x2, t1, t2, 0.95, method).p_value
    assert got == rate_ratio_test(x1, x2, t1, t2, ratio=1.0, method=method)
