"""Tests for sinstats.stats.uncertainty.components: each component against a closed form."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sinstats.errors import ParameterError
from sinstats.stats import uncertainty as u
from sinstats.stats.uncertainty.components import _feasible_counts

QuantileSE = Callable[[float, int, float], float]  # the quantile_se fixture (conftest.py)
SEED = 20260601
N = 200_000
Z4 = 4.0  # standard errors allowed for a Monte Carlo quantity


def test_ascertainment_matches_scipy_beta_quantiles(quantile_se: QuantileSE) -> None:
    comp = u.Ascertainment(name="a", alpha=27, beta=3, rationale="r")
    draws = comp.draw(np.random.default_rng(SEED), N)
    for p in (0.025, 0.5, 0.975):
        q = stats.beta.ppf(p, 27, 3)
        se = quantile_se(p, N, stats.beta.pdf(q, 27, 3))
        assert abs(np.quantile(draws, p) - q) <= Z4 * se
    mean, var = comp.log_moments()
    logs = np.log(draws)
    assert abs(logs.mean() - mean) <= Z4 * math.sqrt(var / N)


PANEL_2020 = u.Definition(
    name="panel_2020", base="panel", percentages=(17, 8), denominator=206, rationale="r"
)


def test_definition_implied_counts_allow_for_rounding() -> None:
    comp = PANEL_2020
    # 17% of 206: 34, 35 or 36 (16.5%-17.5%); 8%: 16 or 17; their sum 50..53 with weights
    # 1/6, 2/6, 2/6, 1/6 (convolution of two uniform distributions).
    assert _feasible_counts(17, 206, 0) == [34, 35, 36]
    assert _feasible_counts(8, 206, 0) == [16, 17]
    table = comp.implied_counts()
    assert list(table["count"]) == [50, 51, 52, 53]
    np.testing.assert_allclose(table["probability"], [1 / 6, 2 / 6, 2 / 6, 1 / 6])
    assert comp.central() == pytest.approx(0.25)


def test_definition_draws_follow_the_beta_mixture() -> None:
    comp = PANEL_2020
    draws = np.sort(comp.draw(np.random.default_rng(SEED), N))
    grid = np.linspace(0.15, 0.36, 200)
    theory = sum(
        w * stats.beta.cdf(grid, k + 0.5, 206 - k + 0.5)
        for k, w in zip([50, 51, 52, 53], [1 / 6, 2 / 6, 2 / 6, 1 / 6], strict=True)
    )
    empirical = np.searchsorted(draws, grid, side="right") / N
    assert np.max(np.abs(empirical - theory)) <= math.sqrt(math.log(2 / 1e-6) / (2 * N))


@pytest.mark.parametrize(
    ("observed", "support"),
    [
        (u.Observed(30, rounded_to=10), (25, 34)),
        (u.Observed(0, rounded_to=10), (0, 4)),
        (u.Observed(150, qualifier="over"), (151, 159)),
        (u.Observed(None), (1, 5)),
        (u.Observed(None, suppressed_range=(0, 2)), (0, 2)),
        (u.Observed(160), (160, 160)),
    ],
)
def test_rounding_support_and_uniform_draws(observed: u.Observed, support: tuple[int, int]) -> None:
    rounding = u.Rounding(name="rounding", rationale="r")
    assert rounding.support(observed) == support
    result = u.simulate(observed, [rounding], n_draws=N, seed=SEED, conf_levels=(0.95,))
    values, counts = np.unique(result.draws, return_counts=True)
    lo, hi = support
    assert list(values) == list(range(lo, hi + 1))
    expected = N / (hi - lo + 1)
    # Binomial standard deviation of each cell count.
    assert np.max(np.abs(counts - expected)) <= Z4 * math.sqrt(expected)
    mean, var = (lo + hi) / 2, ((hi - lo + 1) ** 2 - 1) / 12
    assert result.mean == pytest.approx(mean, abs=Z4 * math.sqrt(var / N) + 1e-12)


def test_timing_is_lognormal_with_stated_centre_and_spread() -> None:
    comp = u.Timing(name="t", centre=1.02, sd_log=0.03, rationale="r")
    logs = np.log(comp.draw(np.random.default_rng(SEED), N))
    assert abs(logs.mean() - math.log(1.02)) <= Z4 * 0.03 / math.sqrt(N)
    assert logs.std() == pytest.approx(0.03, rel=Z4 * math.sqrt(1 / (2 * N)))


@settings(max_examples=50)
@given(
    low=st.floats(min_value=-5, max_value=5, allow_nan=False),
    high=st.floats(min_value=-5, max_value=5, allow_nan=False),
)
def test_any_ascertainment_range_outside_unit_interval_is_rejected(low: float, high: float) -> None:
    valid = 0 < low <= 0.9 <= high <= 1
    try:
        comp = u.Ascertainment(name="a", alpha=27, beta=3, rationale="r", range_=(low, high))
    except ParameterError as exc:
        assert not valid
        assert "range" in str(exc)
    else:
        assert valid and comp.range == (low, high)


@settings(max_examples=200)
@given(x=st.integers(min_value=0, max_value=100_000).map(lambda v: 10 * v))
def test_rounded_support_is_exactly_the_values_that_round_to_x(x: int) -> None:
    lo, hi = u.Rounding(name="r", rationale="r").support(u.Observed(x, rounded_to=10))
    rounds_to_x = [v for v in range(max(x - 10, 0), x + 11) if math.floor(v / 10 + 0.5) * 10 == x]
    assert list(range(lo, hi + 1)) == rounds_to_x


@settings(max_examples=300)
@given(data=st.data(), n=st.integers(min_value=1, max_value=2_000))
def test_feasible_counts_contain_the_true_count(data: st.DataObject, n: int) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n))
    decimals = data.draw(st.integers(min_value=0, max_value=2))
    published = round(100 * k / n, decimals)
    assert k in _feasible_counts(published, n, decimals)
