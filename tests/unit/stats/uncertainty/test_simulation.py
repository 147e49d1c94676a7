"""Tests for sinstats.stats.uncertainty.simulation: draws, intervals and the decomposition."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from sinstats.errors import ParameterError
from sinstats.stats import uncertainty as u
from sinstats.stats.intervals import poisson_ci
from sinstats.stats.uncertainty import simulation
from sinstats.stats.uncertainty.simulation import _garwood_bounds

QuantileSE = Callable[[float, int, float], float]  # the quantile_se fixture (conftest.py)
SEED = 20260601
N = 200_000
Z4 = 4.0  # standard errors allowed for a Monte Carlo quantity


# Reporting year 2026 (April 2025 - March 2026): 160 child death notifications (DfE, EES).
RY2026_DEATHS = u.Observed(160, label="2025-26 child death notifications")


# Calendar 2021: the Panel's "over 150 children who tragically died".
CAL2021_DEATHS = u.Observed(
    150,
    qualifier="over",
    label="calendar 2021 child deaths (Panel)",
    base="panel",
    dated_by="incident",
)


@pytest.fixture(scope="module")
def worked(deaths: u.Target) -> dict[str, u.UncertaintyResult]:
    return {
        "RY2026": u.simulate(RY2026_DEATHS, deaths, n_draws=N, seed=SEED),
        "CAL2021": u.simulate(CAL2021_DEATHS, deaths, n_draws=N, seed=SEED),
    }


@pytest.mark.parametrize("count", [0, 3, 25, 150, 160, 357])
def test_chance_only_matches_poisson_ci_exact(
    count: int, deaths: u.Target, quantile_se: QuantileSE
) -> None:
    chance_only = u.switch(deaths, only=["chance"])
    result = u.simulate(count, chance_only, n_draws=N, seed=SEED, conf_levels=(0.95,))
    lower, upper = result.interval(0.95)
    exact = poisson_ci(count, conf_level=0.95, method="exact")
    # Below the median the draws follow Gamma(x); above it Gamma(x+1) (see garwood_draws), so
    # the densities at the bounds are the Gamma(x) and Gamma(x+1) densities there.
    if count == 0:
        assert lower == 0.0  # half the mass sits exactly at 0
    else:
        se_lower = quantile_se(0.025, N, stats.gamma.pdf(exact.lower, count))
        assert abs(lower - exact.lower) <= Z4 * se_lower  # e.g. 160: se 0.069, tolerance 0.28
    se_upper = quantile_se(0.975, N, stats.gamma.pdf(exact.upper, count + 1))
    assert abs(upper - exact.upper) <= Z4 * se_upper
    # The closed-form path is Garwood's interval itself.
    closed = result.approximation
    assert list(closed["method"]) == ["exact_garwood"]
    assert closed["lower"].iloc[0] == pytest.approx(float(exact.lower), rel=1e-12)
    assert closed["upper"].iloc[0] == pytest.approx(float(exact.upper), rel=1e-12)


def test_reported_mc_standard_error_matches_theory(quantile_se: QuantileSE) -> None:
    result = u.simulate(160, [u.Chance(name="chance", rationale="r")], n_draws=N, seed=SEED)
    row = result.intervals.query("scope == 'total' and conf_level == 0.95").iloc[0]
    exact = poisson_ci(160, method="exact")
    theory = quantile_se(0.975, N, stats.gamma.pdf(exact.upper, 161))
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
    lower, upper = _garwood_bounds(float(count), conf_level)
    assert lower == pytest.approx(float(ci.lower), rel=1e-9, abs=1e-12)
    assert upper == pytest.approx(float(ci.upper), rel=1e-9)


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


@pytest.mark.parametrize("case", ["RY2026", "CAL2021"])
def test_worked_example_tables(case: str, worked: dict[str, u.UncertaintyResult]) -> None:
    result = worked[case]
    names = [c.name for c in result.components]
    expected = [
        "rounding",
        "chance",
        "timing",
        "revision",
        "base_panel_to_dfe",
        "definition_maltreatment_or_assault",
        "ascertainment_deaths",
    ]
    if case == "CAL2021":  # the Panel's count is dated by incident: no timing
        expected.remove("timing")
        assert [name for name, _ in result.skipped] == ["timing"]
    assert names == expected
    dec = result.decomposition.set_index("component")
    assert list(dec.index) == [*names, "interaction", "total"]
    assert {"method", "note"} <= set(result.decomposition.columns)
    assert {"method", "conf_level", "note"} <= set(result.intervals.columns)
    # Total variance = sum of components alone + the interaction term (by definition).
    total = dec.loc["total", "variance"]
    assert dec.loc[[*names, "interaction"], "variance"].sum() == pytest.approx(total, rel=1e-12)
    # The independent factors' log variances agree with their closed forms; the share and the
    # base conversion are coupled (the base maps Ofsted's breakdowns into the share's fit).
    for name in names:
        mc, closed = dec.loc[name, "log_variance"], dec.loc[name, "log_variance_closed_form"]
        rel = 0.05 if dec.loc[name, "kind"] not in ("definition", "base") else 0.15
        assert mc == pytest.approx(closed, rel=rel, abs=1e-12), name


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
    # The log-normal approximation is rough for the skewed between-year share (within 20%).
    approx = result.approximation.query("scope == 'total' and conf_level == 0.95").iloc[0]
    assert approx["lower"] == pytest.approx(result.interval(0.95)[0], rel=0.2)
    assert approx["upper"] == pytest.approx(result.interval(0.95)[1], rel=0.2)


def test_worked_example_conclusions(worked: dict[str, u.UncertaintyResult]) -> None:
    ry, cal = worked["RY2026"], worked["CAL2021"]
    # Point: 160 x m x s / p at the central values (m: base factor, s: share, p = 0.8).
    comps = {c.kind: c for c in ry.components}
    point = 160 * comps["base"].central() * comps["definition"].central() / 0.8
    assert ry.point == pytest.approx(point)
    assert ry.median == pytest.approx(ry.point, rel=0.05)
    # "150 children died of abuse": 150 counts deaths where abuse or neglect was known or
    # suspected; deaths caused by maltreatment or assault are far fewer, and 150 lies well
    # outside the 95% interval.
    lo, hi = cal.interval(0.95)
    assert hi < 150
    assert 10 < lo < cal.median < hi
    # The definition share is the largest single source of doubt in both examples.
    for result in (ry, cal):
        dec = result.decomposition.set_index("kind")
        parts = dec.drop(index=["interaction", "total"])["variance"]
        assert parts.idxmax() == "definition"


def test_product_identity_for_independent_components(deaths: u.Target) -> None:
    # For independent factors Var(prod Y) = prod E[Y^2] - prod E[Y]^2. Each alone-draw array is
    # C * Y_k / c_k, so the moments of Y_k / c_k come from it; the prediction must match the
    # simulated total variance (same random numbers, so well within 2%).
    # The share and the base conversion are coupled (the base maps Ofsted's breakdowns into the
    # share's fit), so the identity is checked on the independent components.
    independent = u.switch(deaths, off=["definition", "base"])
    result = u.simulate(RY2026_DEATHS, independent, n_draws=N, seed=SEED)
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

    monkeypatch.setattr(simulation, "_streams", no_draws)
    args: dict[str, Any] = {"observed": 160, "components": deaths} | kwargs
    with pytest.raises(ParameterError, match=match):
        u.simulate(**args)


@settings(max_examples=25)
@given(
    count=st.integers(min_value=1, max_value=600),
    flags=st.lists(st.booleans(), min_size=7, max_size=7),
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
    on_kinds = {c.kind for c in target.components if c.enabled}
    if "definition" in on_kinds and "base" not in on_kinds:
        # The share is on the Panel's base and fitted to DfE-base breakdowns: no conversion.
        with pytest.raises(ParameterError, match="base component"):
            u.simulate(observed, target, n_draws=2_000, seed=seed)
        return
    result = u.simulate(observed, target, n_draws=2_000, seed=seed)
    table = result.intervals
    assert bool((table["lower"] <= table["central"]).all())
    assert bool((table["central"] <= table["upper"]).all())
    dec = result.decomposition.set_index("component")
    parts = dec.drop(index="total")["variance"].sum()
    assert parts == pytest.approx(dec.loc["total", "variance"], rel=1e-9, abs=1e-9)
    assert len(result.draws) == 2_000
    assert bool(np.all(np.isfinite(result.draws)))


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


@pytest.mark.parametrize("bad", [-3.0, -0.5, math.nan, math.inf])
def test_garwood_draws_refuse_a_count_that_is_not_finite_and_non_negative(bad: float) -> None:
    # A negative count gave zeros or upper-half draws, and NaN a NaN draw, without a word.
    rng = np.random.default_rng(1)
    with pytest.raises(ParameterError, match="finite and non-negative"):
        u.garwood_draws([5.0, bad, 7.0], rng)
