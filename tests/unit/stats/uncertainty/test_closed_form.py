"""Tests for sinstats.stats.uncertainty.closed_form: exact and log-normal closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sinstats.stats import uncertainty as u
from sinstats.stats.intervals import poisson_ci
from sinstats.stats.uncertainty.closed_form import _garwood_moments

SEED = 20260601
N = 200_000
Z4 = 4.0  # standard errors allowed for a Monte Carlo quantity


def test_garwood_draws_moments_match_closed_form() -> None:
    for x in (1.0, 12.0, 160.0):
        draws = u.garwood_draws(np.full(N, x), np.random.default_rng(SEED))
        mean, var = _garwood_moments(x)
        assert abs(draws.mean() - mean) <= Z4 * math.sqrt(var / N)
        # Relative SE of a sample variance is about sqrt(2/n) for near-normal draws: 0.3%.
        assert draws.var() == pytest.approx(var, rel=Z4 * math.sqrt(2 / N) * 1.5)


def test_lognormal_approximation_for_factor_only_product() -> None:
    comps = [
        u.Definition(name="d", base="dfe", percentages=(17, 8), denominator=206, rationale="r"),
        u.Ascertainment(name="a", alpha=27, beta=3, rationale="r"),
        u.Timing(name="t", sd_log=0.05, rationale="r"),
    ]
    result = u.simulate(160, comps, n_draws=N, seed=SEED)
    approx = result.approximation.query("scope == 'total' and conf_level == 0.95").iloc[0]
    assert approx["method"] == "lognormal_moments"
    lo, hi = result.interval(0.95)
    assert approx["lower"] == pytest.approx(lo, rel=0.03)
    assert approx["upper"] == pytest.approx(hi, rel=0.03)


def test_closed_form_exact_path_scales_garwood_by_fixed_factors() -> None:
    comps = [
        u.Chance(name="c", rationale="r"),
        u.Definition(name="d", base="dfe", share=0.25, rationale="r"),
        u.Ascertainment(name="a", share=0.5, rationale="r"),
    ]
    table = u.closed_form(160, comps, conf_levels=(0.95,))
    exact = poisson_ci(160, method="exact")
    assert table["method"].tolist() == ["exact_garwood"]
    assert table["lower"].iloc[0] == pytest.approx(float(exact.lower) * 0.5)
    assert table["upper"].iloc[0] == pytest.approx(float(exact.upper) * 0.5)
    assert table["central"].iloc[0] == pytest.approx(80.0)
