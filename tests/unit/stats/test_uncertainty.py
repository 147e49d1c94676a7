"""Tests for sinstats.stats.uncertainty: the model, closed forms, sensitivity and reconciliation.

Monte Carlo tolerances are derived, not guessed: the standard error of a sample p-quantile from n
draws is sqrt(p(1-p)/n) / f(q_p), with f the density at the quantile (known in closed form for
the chance component). Tests allow 4 standard errors (two-sided probability about 6e-5 per
bound); the seeds are fixed, so results are the same on every run.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from sinstats.errors import ConfigError, ParameterError
from sinstats.paths import assumptions_file
from sinstats.present import plots
from sinstats.stats import uncertainty as u
from sinstats.stats.intervals import poisson_ci

SEED = 20260601
N = 200_000
Z4 = 4.0  # standard errors allowed for a Monte Carlo quantity


@pytest.fixture(scope="module")
def assumptions() -> u.Assumptions:
    return u.load_assumptions()


@pytest.fixture(scope="module")
def deaths(assumptions: u.Assumptions) -> u.Target:
    return assumptions.target("deaths_maltreatment_or_assault")


# Reporting year 2026 (April 2025 - March 2026): 160 child death notifications (DfE, EES).
RY2026_DEATHS = u.Observed(160, label="2025-26 child death notifications")
# Calendar 2021: the Panel's "over 150 children who tragically died".
CAL2021_DEATHS = u.Observed(150, qualifier="over", label="calendar 2021 child deaths (Panel)")


@pytest.fixture(scope="module")
def worked(deaths: u.Target) -> dict[str, u.UncertaintyResult]:
    return {
        "RY2026": u.simulate(RY2026_DEATHS, deaths, n_draws=N, seed=SEED),
        "CAL2021": u.simulate(CAL2021_DEATHS, deaths, n_draws=N, seed=SEED),
    }


# ---------------------------------------------------------------------------------------------
# Acceptance 1: chance alone reproduces Garwood's exact interval
# ---------------------------------------------------------------------------------------------


def _quantile_se(p: float, n: int, density: float) -> float:
    """Standard error of the sample p-quantile: sqrt(p(1-p)/n) / f(q_p)."""
    return math.sqrt(p * (1 - p) / n) / density


@pytest.mark.parametrize("count", [0, 3, 25, 150, 160, 357])
def test_chance_only_matches_poisson_ci_exact(count: int, deaths: u.Target) -> None:
    chance_only = u.switch(deaths, only=["chance"])
    result = u.simulate(count, chance_only, n_draws=N, seed=SEED, conf_levels=(0.95,))
    lower, upper = result.interval(0.95)
    exact = poisson_ci(count, conf_level=0.95, method="exact")
    # Below the median the draws follow Gamma(x); above it Gamma(x+1) (see garwood_draws), so
    # the densities at the bounds are the Gamma(x) and Gamma(x+1) densities there.
    if count == 0:
        assert lower == 0.0  # half the mass sits exactly at 0
    else:
        se_lower = _quantile_se(0.025, N, stats.gamma.pdf(exact.lower, count))
        assert abs(lower - exact.lower) <= Z4 * se_lower  # e.g. 160: se 0.069, tolerance 0.28
    se_upper = _quantile_se(0.975, N, stats.gamma.pdf(exact.upper, count + 1))
    assert abs(upper - exact.upper) <= Z4 * se_upper
    # The closed-form path is Garwood's interval itself.
    closed = result.approximation
    assert list(closed["method"]) == ["exact_garwood"]
    assert closed["lower"].iloc[0] == pytest.approx(float(exact.lower), rel=1e-12)
    assert closed["upper"].iloc[0] == pytest.approx(float(exact.upper), rel=1e-12)


def test_reported_mc_standard_error_matches_theory() -> None:
    result = u.simulate(160, [u.Chance(name="chance", rationale="r")], n_draws=N, seed=SEED)
    row = result.intervals.query("scope == 'total' and conf_level == 0.95").iloc[0]
    exact = poisson_ci(160, method="exact")
    theory = _quantile_se(0.975, N, stats.gamma.pdf(exact.upper, 161))
    assert row["upper_mc_se"] == pytest.approx(theory, rel=0.25)


def test_garwood_draws_follow_the_constructed_distribution() -> None:
    # F(t) = min(G_x(t), 1/2) + max(G_{x+1}(t) - 1/2, 0). The Dvoretzky-Kiefer-Wolfowitz bound
    # sup|F_n - F| <= sqrt(log(2/delta) / (2n)) holds with probability 1 - delta; delta = 1e-6.
    x = 40.0
    draws = np.sort(u.garwood_draws(np.full(N, x), np.random.default_rng(SEED)))
    grid = np.linspace(draws[0], draws[-1], 400)
    empirical = np.searchsorted(draws, grid, side="right") / N
    theory = np.minimum(special.gammainc(x, grid), 0.5) + np.maximum(
        special.gammainc(x + 1, grid) - 0.5, 0.0
    )
    dkw = math.sqrt(math.log(2 / 1e-6) / (2 * N))
    assert np.max(np.abs(empirical - theory)) <= dkw
    # No mass between the two medians.
    m_x, m_x1 = special.gammaincinv(x, 0.5), special.gammaincinv(x + 1, 0.5)
    assert not np.any((draws > m_x) & (draws < m_x1))


def test_garwood_draws_moments_match_closed_form() -> None:
    for x in (1.0, 12.0, 160.0):
        draws = u.garwood_draws(np.full(N, x), np.random.default_rng(SEED))
        mean, var = u._garwood_moments(x)
        assert abs(draws.mean() - mean) <= Z4 * math.sqrt(var / N)
        # Relative SE of a sample variance is about sqrt(2/n) for near-normal draws: 0.3%.
        assert draws.var() == pytest.approx(var, rel=Z4 * math.sqrt(2 / N) * 1.5)


@settings(max_examples=200)
@given(
    count=st.integers(min_value=0, max_value=5_000),
    conf_level=st.floats(min_value=0.5, max_value=0.999),
)
def test_construction_quantiles_are_garwood_bounds_exactly(count: int, conf_level: float) -> None:
    # The alpha/2 and 1 - alpha/2 quantiles of Q(U) are G_x^{-1}(alpha/2), G_{x+1}^{-1}(1-alpha/2):
    # check that Garwood's bounds from poisson_ci sit at exactly those probabilities.
    alpha = 1 - conf_level
    ci = poisson_ci(count, conf_level=conf_level, method="exact")
    if count > 0:
        assert special.gammainc(count, float(ci.lower)) == pytest.approx(alpha / 2, rel=1e-8)
    assert special.gammaincc(count + 1, float(ci.upper)) == pytest.approx(alpha / 2, rel=1e-8)
    lower, upper = u._garwood_bounds(float(count), conf_level)
    assert lower == pytest.approx(float(ci.lower), rel=1e-9, abs=1e-12)
    assert upper == pytest.approx(float(ci.upper), rel=1e-9)


# ---------------------------------------------------------------------------------------------
# Acceptance 2: reproducible to the bit; other seeds agree within Monte Carlo error
# ---------------------------------------------------------------------------------------------


def test_same_seed_identical_draws(deaths: u.Target) -> None:
    a = u.simulate(CAL2021_DEATHS, deaths, n_draws=50_000, seed=7)
    b = u.simulate(CAL2021_DEATHS, deaths, n_draws=50_000, seed=7)
    assert np.array_equal(a.draws, b.draws)
    assert a.alone_draws.keys() == b.alone_draws.keys()
    for key in a.alone_draws:
        assert np.array_equal(a.alone_draws[key], b.alone_draws[key])
    pd.testing.assert_frame_equal(a.intervals, b.intervals)
    pd.testing.assert_frame_equal(a.decomposition, b.decomposition)


def test_different_seed_changes_draws_not_conclusions(deaths: u.Target) -> None:
    a = u.simulate(RY2026_DEATHS, deaths, n_draws=N, seed=1)
    b = u.simulate(RY2026_DEATHS, deaths, n_draws=N, seed=2)
    assert not np.array_equal(a.draws, b.draws)
    rows_a = a.intervals.set_index(["scope", "conf_level"])
    rows_b = b.intervals.set_index(["scope", "conf_level"])
    for bound in ("lower", "upper"):
        se = np.hypot(rows_a[f"{bound}_mc_se"], rows_b[f"{bound}_mc_se"])
        diff = (rows_a[bound] - rows_b[bound]).abs()
        assert bool((diff <= Z4 * se + 1e-9).all()), diff[diff > Z4 * se]


def test_switching_a_component_off_leaves_other_streams_unchanged(deaths: u.Target) -> None:
    full = u.simulate(RY2026_DEATHS, deaths, n_draws=20_000, seed=SEED)
    chance_only = u.simulate(
        RY2026_DEATHS, u.switch(deaths, only=["chance"]), n_draws=20_000, seed=SEED
    )
    scale = full.point / 160
    np.testing.assert_allclose(full.alone_draws["chance"] / scale, chance_only.draws, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Acceptance 3: the worked examples and their decomposition
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["RY2026", "CAL2021"])
def test_worked_example_tables(case: str, worked: dict[str, u.UncertaintyResult]) -> None:
    result = worked[case]
    names = [c.name for c in result.components]
    assert names == [
        "rounding",
        "chance",
        "timing",
        "revision",
        "definition_maltreatment_or_assault",
        "ascertainment_deaths",
    ]
    dec = result.decomposition.set_index("component")
    assert list(dec.index) == [*names, "interaction", "total"]
    assert {"method", "note"} <= set(result.decomposition.columns)
    assert {"method", "conf_level", "note"} <= set(result.intervals.columns)
    # Total variance = sum of components alone + the interaction term (by definition) ...
    total = dec.loc["total", "variance"]
    assert dec.loc[[*names, "interaction"], "variance"].sum() == pytest.approx(total, rel=1e-12)
    # ... and the documented bound on the interaction: small and positive for a product of
    # modest independent factors (higher-order terms), within [-1%, +5%] of the total.
    assert -0.01 * total <= dec.loc["interaction", "variance"] <= 0.05 * total
    # On the log scale independent factors add: the interaction is Monte Carlo noise only.
    log_total = dec.loc["total", "log_variance"]
    assert abs(dec.loc["interaction", "log_variance"]) <= 0.01 * log_total
    # Each component's log variance agrees with its closed form.
    for name in names:
        mc, closed = dec.loc[name, "log_variance"], dec.loc[name, "log_variance_closed_form"]
        assert mc == pytest.approx(closed, rel=0.05, abs=1e-12), name


@pytest.mark.parametrize("case", ["RY2026", "CAL2021"])
def test_worked_example_intervals_are_consistent(
    case: str, worked: dict[str, u.UncertaintyResult]
) -> None:
    result = worked[case]
    table = result.intervals
    # Every interval contains its central value.
    assert bool((table["lower"] <= table["central"]).all())
    assert bool((table["central"] <= table["upper"]).all())
    assert result.interval(0.95)[0] <= result.median <= result.interval(0.95)[1]
    # 80% inside 95%.
    for scope in table["scope"].unique():
        lo80, hi80 = result.interval(0.8, scope)
        lo95, hi95 = result.interval(0.95, scope)
        assert lo95 <= lo80 and hi80 <= hi95
    # Each component alone is narrower than all of them together.
    total_width = np.subtract(*result.interval(0.95)[::-1])
    for comp in result.components:
        lo, hi = result.interval(0.95, comp.name)
        assert hi - lo < total_width, comp.name
    # The log-normal approximation is close to the simulation for these counts.
    approx = result.approximation.query("scope == 'total' and conf_level == 0.95").iloc[0]
    assert approx["lower"] == pytest.approx(result.interval(0.95)[0], rel=0.03)
    assert approx["upper"] == pytest.approx(result.interval(0.95)[1], rel=0.03)


def test_worked_example_conclusions(worked: dict[str, u.UncertaintyResult]) -> None:
    ry, cal = worked["RY2026"], worked["CAL2021"]
    # Point: 160 x 0.25 / 0.9; the median is within Monte Carlo error of it.
    assert ry.point == pytest.approx(160 * 0.25 / 0.9)
    assert ry.median == pytest.approx(ry.point, rel=0.01)
    # "150 children died of abuse": 150 counts deaths where abuse or neglect was known or
    # suspected; deaths caused by maltreatment or assault are far fewer, and 150 lies well
    # outside the 95% interval.
    lo, hi = cal.interval(0.95)
    assert hi < 100 < 150
    assert 20 < lo < cal.median < hi
    # The definition share is the largest single source of doubt in both examples.
    for result in (ry, cal):
        dec = result.decomposition.set_index("kind")
        parts = dec.drop(index=["interaction", "total"])["variance"]
        assert parts.idxmax() == "definition"


def test_product_identity_for_independent_components(
    worked: dict[str, u.UncertaintyResult],
) -> None:
    # For independent factors Var(prod Y) = prod E[Y^2] - prod E[Y]^2. Each alone-draw array is
    # C * Y_k / c_k, so the moments of Y_k / c_k come from it; the prediction must match the
    # simulated total variance (same random numbers, so well within 2%).
    result = worked["RY2026"]
    point = result.point
    m1 = m2 = 1.0
    for comp in result.components:
        if comp.kind == "rounding":
            continue  # an exact figure: constant
        ratio = result.alone_draws[comp.name] / point
        m1 *= float(ratio.mean())
        m2 *= float((ratio**2).mean())
    predicted = point**2 * (m2 - m1**2)
    assert predicted == pytest.approx(float(result.draws.var()), rel=0.02)


# ---------------------------------------------------------------------------------------------
# Each component against an independent closed form
# ---------------------------------------------------------------------------------------------


def test_ascertainment_matches_scipy_beta_quantiles() -> None:
    comp = u.Ascertainment(name="a", alpha=27, beta=3, rationale="r")
    draws = comp.draw(np.random.default_rng(SEED), N)
    for p in (0.025, 0.5, 0.975):
        q = stats.beta.ppf(p, 27, 3)
        se = _quantile_se(p, N, stats.beta.pdf(q, 27, 3))
        assert abs(np.quantile(draws, p) - q) <= Z4 * se
    mean, var = comp.log_moments()
    logs = np.log(draws)
    assert abs(logs.mean() - mean) <= Z4 * math.sqrt(var / N)


def test_definition_implied_counts_allow_for_rounding(deaths: u.Target) -> None:
    comp = next(c for c in deaths.components if isinstance(c, u.Definition))
    # 17% of 206: 34, 35 or 36 (16.5%-17.5%); 8%: 16 or 17; their sum 50..53 with weights
    # 1/6, 2/6, 2/6, 1/6 (convolution of two uniform distributions).
    assert u._feasible_counts(17, 206, 0) == [34, 35, 36]
    assert u._feasible_counts(8, 206, 0) == [16, 17]
    table = comp.implied_counts()
    assert list(table["count"]) == [50, 51, 52, 53]
    np.testing.assert_allclose(table["probability"], [1 / 6, 2 / 6, 2 / 6, 1 / 6])
    assert comp.central() == pytest.approx(0.25)


def test_definition_draws_follow_the_beta_mixture(deaths: u.Target) -> None:
    comp = next(c for c in deaths.components if isinstance(c, u.Definition))
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


def test_lognormal_approximation_for_factor_only_product() -> None:
    comps = [
        u.Definition(name="d", percentages=(17, 8), denominator=206, rationale="r"),
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
        u.Definition(name="d", share=0.25, rationale="r"),
        u.Ascertainment(name="a", share=0.5, rationale="r"),
    ]
    table = u.closed_form(160, comps, conf_levels=(0.95,))
    exact = poisson_ci(160, method="exact")
    assert table["method"].tolist() == ["exact_garwood"]
    assert table["lower"].iloc[0] == pytest.approx(float(exact.lower) * 0.5)
    assert table["upper"].iloc[0] == pytest.approx(float(exact.upper) * 0.5)
    assert table["central"].iloc[0] == pytest.approx(80.0)


@pytest.mark.parametrize(
    "observed",
    [u.Observed(None), u.Observed(0, rounded_to=10), u.Observed(None, suppressed_range=(0, 2))],
)
def test_small_and_suppressed_figures_through_the_full_model(
    deaths: u.Target, observed: u.Observed
) -> None:
    result = u.simulate(observed, deaths, n_draws=20_000, seed=SEED)
    lo, hi = result.interval(0.95)
    assert 0 <= lo <= result.median <= hi
    dec = result.decomposition.set_index("component")
    parts = dec.drop(index="total")["variance"].sum()
    assert parts == pytest.approx(dec.loc["total", "variance"], rel=1e-9)
    # Switched off, a suppressed cell has no face value: the middle of its range is used.
    off = u.simulate(observed, u.switch(deaths, only=["chance"]), n_draws=5_000, seed=SEED)
    assert off.components[0].kind == "chance"


def test_zero_count_has_no_log_scale(deaths: u.Target) -> None:
    result = u.simulate(0, u.switch(deaths, only=["chance"]), n_draws=5_000, seed=SEED)
    dec = result.decomposition.set_index("component")
    assert math.isnan(dec.loc["total", "log_variance"])
    assert "undefined" in dec.loc["chance", "note"]
    assert result.interval(0.95)[0] == 0.0


# ---------------------------------------------------------------------------------------------
# Sensitivity
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tornado_2021(deaths: u.Target) -> pd.DataFrame:
    return u.tornado(CAL2021_DEATHS, deaths, n_draws=40_000, seed=SEED)


def test_tornado_sorted_and_directional(tornado_2021: pd.DataFrame) -> None:
    table = tornado_2021
    assert list(table["swing"]) == sorted(table["swing"], reverse=True)
    assert "chance" not in set(table["kind"])
    rows = table.set_index("kind")
    # More of the deaths meet the definition -> more deaths; more are notified -> fewer unseen.
    for kind, sign in (("definition", 1), ("timing", 1), ("revision", 1), ("rounding", 1)):
        row = rows.loc[kind]
        for stat in ("central", "lower", "upper"):
            assert sign * (row[f"{stat}_at_high"] - row[f"{stat}_at_low"]) > 0, (kind, stat)
    asc = rows.loc["ascertainment"]
    assert asc["central_at_high"] < asc["base_central"] < asc["central_at_low"]
    # Everything notified (mean share 1): the central value is the notified share alone.
    assert asc["central_at_high"] == pytest.approx(155 * 0.25, rel=0.02)
    # Rounding: true count pinned at 151 and 159.
    assert (rows.loc["rounding", "low_value"], rows.loc["rounding", "high_value"]) == (151, 159)
    assert rows.loc["definition", "swing"] == table["swing"].max()
    assert {"method", "conf_level", "note"} <= set(table.columns)


def test_tornado_exact_figure_rounding_has_no_swing(deaths: u.Target) -> None:
    table = u.tornado(RY2026_DEATHS, deaths, n_draws=5_000, seed=SEED).set_index("kind")
    assert table.loc["rounding", "swing"] == 0.0
    assert "exact" in table.loc["rounding", "note"]


def test_ascertainment_mean_moves_estimate_monotonically(deaths: u.Target) -> None:
    comp = next(c for c in deaths.components if c.kind == "ascertainment")
    medians = []
    for mean in (0.75, 0.8, 0.85, 0.9, 0.95, 1.0):
        comps = tuple(comp.at(mean) if c is comp else c for c in deaths.components)
        target = dataclasses.replace(deaths, components=comps)
        medians.append(u.simulate(RY2026_DEATHS, target, n_draws=20_000, seed=SEED).median)
    assert all(b < a for a, b in zip(medians, medians[1:], strict=False))


def test_tornado_plot(tornado_2021: pd.DataFrame) -> None:
    ax = plots.tornado_plot(tornado_2021)
    try:
        assert ax.get_title()
        assert "deaths" in ax.get_xlabel()
        assert ax.get_ylabel()
        legend = ax.get_legend()
        assert legend is not None
        assert len(legend.get_texts()) == 4
        bars = [p for p in ax.patches]
        assert len(bars) == 2 * len(tornado_2021)
        assert any(p.get_hatch() for p in bars)  # greyscale-distinguishable
        assert len(ax.get_yticklabels()) == len(tornado_2021)
    finally:
        plt.close(ax.figure)


# ---------------------------------------------------------------------------------------------
# Reconciliation
# ---------------------------------------------------------------------------------------------


def _frame(rows: list[tuple[str, str, str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "period": period,
                "period_kind": kind,
                "geographic_level": "National",
                "breakdown_topic": "Total",
                "category": category,
                "measure": measure,
                "value": value,
                "qualifier": qualifier,
                "source_id": f"SRC_{period}",
            }
            for period, kind, category, measure, value, qualifier in rows
        ]
    )


FY, CY, N_ = "financial_year", "calendar_year", "number_notifications"

DFE = _frame(
    [
        ("2019-20", FY, "Total", N_, 449, ""),
        ("2020-21", FY, "Total", N_, 536, ""),
        ("2020-21", FY, "Child death", N_, 223, ""),
        ("2021-22", FY, "Total", N_, 442, ""),
        ("2021-22", FY, "Child death", N_, 191, ""),
        ("2022-23", FY, "Total", N_, 456, ""),
        ("2022-23", FY, "Child death", N_, 201, ""),
        ("2022-23", FY, "Serious harm", N_, 244, ""),
    ]
)
PANEL = _frame(
    [
        ("2020", CY, "Total", N_, 482, ""),
        ("2020", CY, "Child death", N_, 206, ""),
        ("2021", CY, "Total", N_, 379, ""),
        ("2021", CY, "Child death", N_, 150, "over"),
        ("2022-23", FY, "Total", N_, 393, ""),
        ("2022-23", FY, "Child death", N_, 146, ""),
        ("2022-23", FY, "Serious harm", N_, 227, ""),
        ("2020", CY, "Total", "percentage_of_fatal_incidents", 17, ""),  # not a count: ignored
    ]
)


@pytest.fixture(scope="module")
def reconciled() -> pd.DataFrame:
    return u.reconcile(DFE, PANEL)


def _row(table: pd.DataFrame, panel: str, category: str, dfe: str) -> pd.Series:
    hit = table[
        (table["panel_period"] == panel)
        & (table["category"] == category)
        & (table["dfe_period"] == dfe)
    ]
    assert len(hit) == 1, (panel, category, dfe)
    return hit.iloc[0]


def test_reconcile_side_by_side(reconciled: pd.DataFrame) -> None:
    row = _row(reconciled, "2020", "Total", "2019-20")
    assert (row["panel_value"], row["dfe_value"], row["overlap_months"]) == (482, 449, 3)
    assert row["difference"] == 33
    assert row["dfe_value_basis"] == "published"
    assert "period_basis" in row["reason_codes"]
    assert "calendar year" in row["reasons"] and "April-March" in row["reasons"]
    same = _row(reconciled, "2022-23", "Child death", "2022-23")
    assert (same["panel_value"], same["dfe_value"], same["difference"]) == (146, 201, -55)
    assert "period_basis" not in same["reason_codes"]
    assert "rapid reviews" in same["reasons"]
    assert same["overlap_months"] == 12
    assert _row(reconciled, "2022-23", "Serious harm", "2022-23")["difference"] == -17
    assert {"method", "note"} <= set(reconciled.columns)


def test_reconcile_calendar_equivalent_is_labelled_estimate(reconciled: pd.DataFrame) -> None:
    est = _row(reconciled, "2020", "Total", "2020 (calendar-year equivalent)")
    assert est["dfe_value"] == pytest.approx(0.25 * 449 + 0.75 * 536)
    assert est["method"] == "pro_rata_estimate"
    assert est["dfe_value_basis"].startswith("estimate: pro rata")
    assert "not a published figure" in est["dfe_value_basis"]
    assert "estimate" in est["reason_codes"]
    # Every row called "published" carries a value that is in the DfE input.
    published = reconciled[reconciled["dfe_value_basis"] == "published"]
    assert set(published["dfe_value"]) <= set(DFE["value"])
    estimates = reconciled[reconciled["method"] == "pro_rata_estimate"]
    assert estimates["dfe_value_basis"].str.contains("not a published figure").all()


def test_reconcile_lower_bound_and_partial_cover(reconciled: pd.DataFrame) -> None:
    over = reconciled[
        (reconciled["panel_period"] == "2021") & (reconciled["category"] == "Child death")
    ]
    assert len(over) == 3  # 2020-21, 2021-22 and the estimate 0.25*223 + 0.75*191 = 199
    assert over["reason_codes"].str.contains("lower_bound").all()
    assert over["note"].str.contains("lower bound").all()
    assert _row(reconciled, "2021", "Child death", "2021 (calendar-year equivalent)")[
        "dfe_value"
    ] == pytest.approx(199)
    partial = _row(reconciled, "2020", "Child death", "2020-21")
    assert "cover only 9 of 12 months" in partial["note"]
    assert not (
        (reconciled["panel_period"] == "2020")
        & (reconciled["category"] == "Child death")
        & (reconciled["method"] == "pro_rata_estimate")
    ).any()


def test_reconcile_rejects_frames_without_columns() -> None:
    with pytest.raises(ParameterError, match="lacks column"):
        u.reconcile(DFE.drop(columns=["period_kind"]), PANEL)


def test_reconcile_on_the_project_data() -> None:
    from sinstats import data

    table = u.reconcile(data.load("sin_national"), data.load("panel_notifications"))
    row = _row(table, "2022-23", "Total", "2022-23")
    assert (row["panel_value"], row["dfe_value"]) == (393, 456)
    est = table[table["method"] == "pro_rata_estimate"]
    assert not est.empty
    assert est["dfe_value_basis"].str.contains("not a published figure").all()


def test_observed_from_loader_row() -> None:
    from sinstats import data

    panel = data.load("panel_notifications")
    row = panel[
        (panel["period"] == "2021")
        & (panel["category"] == "Child death")
        & (panel["measure"] == "number_notifications")
    ].iloc[0]
    obs = u.observed_from_row(row)
    assert (obs.value, obs.qualifier, obs.rounded_to) == (150.0, "over", 0)
    assert obs.describe() == "over 150"
    assert u.observed_from_row({"value": float("nan"), "rounded_to": 0}).suppressed


# ---------------------------------------------------------------------------------------------
# The assumptions file
# ---------------------------------------------------------------------------------------------


def test_project_assumptions_are_documented(assumptions: u.Assumptions) -> None:
    assert assumptions.path == assumptions_file()
    assert set(assumptions.targets) >= {
        "deaths_maltreatment_or_assault",
        "notified_deaths",
        "all_notifications",
        "serious_harm_incidents",
    }
    for comp in assumptions.components.values():
        assert comp.source == "assumption" or comp.source.startswith("https://")
        assert comp.rag in ("red", "amber", "green")
        assert comp.rationale and "\n" not in comp.rationale
        if comp.source == "assumption":
            assert comp.rag in ("red", "amber"), comp.name  # no green without evidence
        if comp.kind in ("timing", "revision", "definition", "ascertainment"):
            assert comp.range is not None, comp.name
    for name in ("ascertainment_deaths", "ascertainment_serious_harm"):
        assert assumptions.components[name].source == "assumption"
        assert assumptions.components[name].rag == "red"
    log = assumptions.log()
    assert {"component", "source", "rag", "rationale", "range", "used_by"} <= set(log.columns)
    assert assumptions.simulation.n_draws >= u.MIN_DRAWS


@pytest.mark.parametrize(
    ("target", "observed"),
    [
        ("notified_deaths", 160),
        ("all_notifications", 357),
        ("serious_harm_incidents", 188),
        ("all_notifications", u.Observed(30, rounded_to=10)),
    ],
)
def test_every_target_simulates(
    assumptions: u.Assumptions, target: str, observed: u.Observed | int
) -> None:
    result = u.simulate(observed, assumptions.target(target), n_draws=20_000, seed=SEED)
    lo, hi = result.interval(0.95)
    assert lo < result.median < hi
    assert target in result.summary()


def test_serious_harm_ascertainment_raises_the_estimate(assumptions: u.Assumptions) -> None:
    # 188 notified; with 60% notified on average the incidents are about 188 / 0.6.
    result = u.simulate(188, assumptions.target("serious_harm_incidents"), seed=SEED)
    assert result.point == pytest.approx(188 / 0.6)
    assert result.interval(0.95)[0] > 188


def _base_config() -> dict[str, Any]:
    with assumptions_file().open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def apply(cfg: dict[str, Any]) -> None:
        keys = path.split(".")
        node = cfg
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return apply


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def apply(cfg: dict[str, Any]) -> None:
        keys = path.split(".")
        node = cfg
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return apply


ASC = "components.ascertainment_deaths"
DEF = "components.definition_maltreatment_or_assault"

BAD_CONFIGS = [
    pytest.param(_set(f"{ASC}.range", [0.7, 1.2]), f"{ASC}.range", id="share-range-above-1"),
    pytest.param(_set(f"{DEF}.percentages", [80, 30]), f"{DEF}.percentages", id="shares-sum>1"),
    pytest.param(_set(f"{DEF}.percentages", [-5, 8]), f"{DEF}.percentages", id="negative-share"),
    pytest.param(_set(f"{ASC}.alpha", 0), f"{ASC}.alpha", id="beta-alpha-zero"),
    pytest.param(_set(f"{ASC}.beta", -1.5), f"{ASC}.beta", id="beta-negative"),
    pytest.param(_set("simulation.n_draws", 999), "simulation.n_draws", id="n-draws-999"),
    pytest.param(
        _set("targets.notified_deaths.components", ["chance", "chanse"]),
        "targets.notified_deaths.components",
        id="unknown-component-name",
    ),
    pytest.param(_set("components.timing.kind", "luck"), "components.timing.kind", id="bad-kind"),
    pytest.param(_set("simulations", {"n_draws": 5000}), "simulations", id="unknown-top-key"),
    pytest.param(_set(f"{ASC}.alpah", 27), f"{ASC}.alpah", id="unknown-component-key"),
    pytest.param(
        _set("targets.notified_deaths.colour", "red"),
        "targets.notified_deaths.colour",
        id="unknown-target-key",
    ),
    pytest.param(_delete("components.timing.source"), "components.timing.source", id="no-source"),
    pytest.param(_set("components.timing.source", "DfE"), "components.timing.source", id="bad-src"),
    pytest.param(_delete("components.revision.rag"), "components.revision.rag", id="no-rag"),
    pytest.param(_set("components.revision.rag", "purple"), "components.revision.rag", id="rag"),
    pytest.param(
        _delete("components.chance.rationale"), "components.chance.rationale", id="no-why"
    ),
    pytest.param(_set("simulation.conf_levels", [95]), "simulation.conf_levels", id="level-95"),
    pytest.param(_set("components.timing.sd_log", -0.1), "components.timing.sd_log", id="sd<0"),
    pytest.param(
        _set("components.timing.range", [1.05, 0.95]), "components.timing.range", id="rev"
    ),
    pytest.param(
        _set("components.timing.range", [1.1, 1.2]),
        "components.timing.range",
        id="range-no-default",
    ),
    pytest.param(_set(f"{DEF}.share", 1.5), f"{DEF}.percentages", id="share-and-percentages"),
    pytest.param(
        _set("targets.notified_deaths.components", ["chance", "ascertainment_deaths", "chance"]),
        "targets.notified_deaths.components",
        id="two-of-one-kind",
    ),
    pytest.param(_set("version", 2), "version", id="version"),
    pytest.param(_set("components.timing.notes", [3]), "components.timing.notes", id="notes"),
    pytest.param(
        _set("components.rounding.suppressed_range", [5, 1]),
        "components.rounding.suppressed_range",
        id="suppressed-range",
    ),
]


@pytest.mark.parametrize(("mutate", "key"), BAD_CONFIGS)
def test_bad_config_names_key_and_file(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], key: str
) -> None:
    cfg = copy.deepcopy(_base_config())
    mutate(cfg)
    path = tmp_path / "assumptions.yml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        u.load_assumptions(path)
    assert info.value.key == key
    assert info.value.path == str(path)
    assert key in str(info.value) and str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_definition_share_outside_unit_interval(tmp_path: Path) -> None:
    cfg = _base_config()
    entry = cfg["components"]["definition_maltreatment_or_assault"]
    for key in ("percentages", "denominator", "decimals", "prior", "range"):
        entry.pop(key)
    entry["share"] = 1.5
    path = tmp_path / "a.yml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[0, 1\]") as info:
        u.load_assumptions(path)
    assert info.value.key == "components.definition_maltreatment_or_assault.share"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("components: {}\ncomponents: {}\ntargets: {}\n", "duplicate key"),
        ("components: [unclosed\n", "invalid YAML at line"),
        ("- a list\n", "mapping"),
    ],
)
def test_unreadable_config(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as info:
        u.load_assumptions(path)
    assert info.value.path == str(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read") as info:
        u.load_assumptions(tmp_path / "nope.yml")
    assert info.value.path == str(tmp_path / "nope.yml")


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


# ---------------------------------------------------------------------------------------------
# Bad arguments to simulate: errors before any work
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_draws": 999}, "n_draws"),
        ({"n_draws": 10.5}, "n_draws"),
        ({"seed": -1}, "seed"),
        ({"seed": None}, "seed"),
        ({"conf_levels": (95,)}, "conf_levels"),
        ({"observed": -3}, "non-negative"),
        ({"observed": 2.5}, "whole number"),
        ({"observed": "160"}, "count"),
    ],
)
def test_simulate_rejects_bad_arguments_before_drawing(
    monkeypatch: pytest.MonkeyPatch, deaths: u.Target, kwargs: dict[str, Any], match: str
) -> None:
    def no_draws(seed: int) -> None:
        raise AssertionError("random numbers drawn before validation")

    monkeypatch.setattr(u, "_streams", no_draws)
    args: dict[str, Any] = {"observed": 160, "components": deaths} | kwargs
    with pytest.raises(ParameterError, match=match):
        u.simulate(**args)


def test_components_must_be_one_per_kind() -> None:
    with pytest.raises(ParameterError, match="at most one of each kind"):
        u.simulate(
            160,
            [u.Chance(name="a", rationale="r"), u.Chance(name="b", rationale="r")],
            n_draws=1000,
        )


def test_switch_unknown_component(deaths: u.Target) -> None:
    with pytest.raises(ParameterError, match="unknown component 'chanse'"):
        u.switch(deaths, off=["chanse"])
    switched = u.switch(deaths, off=["ascertainment"])
    assert [c.enabled for c in switched.components if c.kind == "ascertainment"] == [False]
    assert all(c.enabled for c in deaths.components)  # input unchanged


@pytest.mark.parametrize(
    "kwargs",
    [
        {"value": 150, "qualifier": "about"},
        {"value": 150, "qualifier": "over", "rounded_to": 10},
        {"value": 30, "rounded_to": -10},
        {"value": None, "suppressed_range": (5, 1)},
        {"value": 33, "rounded_to": 10},  # a figure rounded to 10 must be a multiple of 10
    ],
)
def test_observed_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ParameterError):
        u.Observed(**kwargs)


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


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
    assert k in u._feasible_counts(published, n, decimals)


@settings(max_examples=25)
@given(
    count=st.integers(min_value=1, max_value=600),
    flags=st.lists(st.booleans(), min_size=6, max_size=6),
    seed=st.integers(min_value=0, max_value=2**32),
    qualifier=st.sampled_from(["", "over", "rounded"]),
)
def test_simulation_invariants(
    deaths: u.Target, count: int, flags: list[bool], seed: int, qualifier: str
) -> None:
    on = [c.name for c, flag in zip(deaths.components, flags, strict=True) if flag]
    target = u.switch(deaths, only=on)
    if qualifier == "rounded":
        observed = u.Observed(10 * count, rounded_to=10)
    else:
        observed = u.Observed(count, qualifier=qualifier)
    result = u.simulate(observed, target, n_draws=2_000, seed=seed)
    table = result.intervals
    assert bool((table["lower"] <= table["central"]).all())
    assert bool((table["central"] <= table["upper"]).all())
    dec = result.decomposition.set_index("component")
    parts = dec.drop(index="total")["variance"].sum()
    assert parts == pytest.approx(dec.loc["total", "variance"], rel=1e-9, abs=1e-9)
    assert len(result.draws) == 2_000
    assert bool(np.all(np.isfinite(result.draws)))


# ---------------------------------------------------------------------------------------------
# Regressions found in review
# ---------------------------------------------------------------------------------------------


def test_chance_alone_median_does_not_jump_with_the_seed(deaths: u.Target) -> None:
    # The Garwood distribution has no mass between m_x and m_{x+1} (the Gamma(x) and Gamma(x+1)
    # medians), so any value in that gap is a median. With a fair coin per draw choosing the
    # half, the sample median fell near m_x or near m_{x+1} according to the seed (159.6 or
    # 160.7 for x = 160: ten times the reported Monte Carlo error apart). With exactly half the
    # draws in each half it is the midpoint of the gap for every seed.
    # Reference (mpmath, 30 digits, bisection on the regularised lower incomplete gamma P(a, t)):
    # m_160 = 159.66679040531127, m_161 = 160.66678963500753; midpoint 160.16679002015940.
    chance_only = u.switch(deaths, only=["chance"])
    medians = [
        u.simulate(160, chance_only, n_draws=20_000, seed=seed, conf_levels=(0.95,)).median
        for seed in range(8)
    ]
    assert medians == pytest.approx([160.16679002015940] * 8, abs=0.02)
    # A count of 0: lower half exactly 0, upper half Gamma(1) above its median log 2.
    zero = u.simulate(0, chance_only, n_draws=20_000, seed=SEED, conf_levels=(0.95,))
    assert zero.median == pytest.approx(math.log(2) / 2, abs=0.01)


def test_garwood_draws_single_draws_still_pick_either_half() -> None:
    # n = 1 (or any odd n): the odd draw goes to either half with probability 1/2, so repeated
    # single draws keep the constructed distribution: half of them above m_5 = 4.67.
    rng = np.random.default_rng(SEED)
    m5 = special.gammaincinv(5.0, 0.5)
    draws = np.array([u.garwood_draws(np.array([5.0]), rng)[0] for _ in range(4_000)])
    share_upper = float(np.mean(draws >= special.gammaincinv(6.0, 0.5)))
    assert abs(share_upper - 0.5) <= Z4 * math.sqrt(0.25 / 4_000)
    assert not np.any((draws > m5) & (draws < special.gammaincinv(6.0, 0.5)))


def _garwood_log_moments(k: int) -> tuple[float, float]:
    """Mean and variance of log(rate) under the Garwood construction at count k (quadrature)."""
    from scipy import integrate

    parts = []
    for a, below in ((float(k), True), (float(k + 1), False)):
        median = special.gammaincinv(a, 0.5)
        lo, hi = (0.0, median) if below else (median, np.inf)

        def density(t: float, a: float = a) -> float:
            return 2.0 * float(stats.gamma.pdf(t, a))

        m1 = integrate.quad(lambda t: math.log(t) * density(t), lo, hi, epsrel=1e-12, limit=200)
        m2 = integrate.quad(lambda t: math.log(t) ** 2 * density(t), lo, hi, epsrel=1e-12)
        parts.append((m1[0], m2[0]))
    mean = 0.5 * (parts[0][0] + parts[1][0])
    return mean, 0.5 * (parts[0][1] + parts[1][1]) - mean**2


def test_log_interaction_with_rounding_and_chance_is_not_noise(deaths: u.Target) -> None:
    # A suppressed cell, true count 1-5, with chance: rounding and chance are not independent
    # factors (chance's spread depends on the count), so the log "interaction" is a real term,
    # which the note used to call "Monte Carlo noise only". Predicted by quadrature:
    #   Var(log lambda(X)) = Var_X E[log lambda | X] + E_X Var(log lambda | X), X uniform 1..5;
    #   rounding alone = Var(log X); chance alone = Var(log lambda | 3) (the central count);
    #   interaction = total - rounding alone - chance alone = 0.4498 (a third of the total).
    ks = range(1, 6)
    moments = [_garwood_log_moments(k) for k in ks]
    means = np.array([m for m, _ in moments])
    variances = np.array([v for _, v in moments])
    total = float(np.var(means) + np.mean(variances))
    predicted = total - float(np.var(np.log(np.arange(1.0, 6.0)))) - _garwood_log_moments(3)[1]
    target = u.switch(deaths, only=["rounding", "chance"])
    result = u.simulate(u.Observed(None), target, n_draws=400_000, seed=SEED)
    row = result.decomposition.set_index("component").loc["interaction"]
    assert row["log_variance"] == pytest.approx(predicted, rel=0.05)
    assert row["share_of_log_variance"] > 0.25
    assert "dependence of chance's spread" in str(row["note"])
    # An exact national figure: independent factors, and the note says noise only.
    exact = u.simulate(160, deaths, n_draws=20_000, seed=SEED).decomposition
    note = str(exact.set_index("component").loc["interaction", "note"])
    assert note.endswith("Monte Carlo noise only (independent factors add)")
