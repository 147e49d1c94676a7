"""Tests for sinstats.stats.trends.

The acceptance tests compare fit_trend with fits computed here by independent routes: a closed-form
IRLS for the Poisson log-linear model (numpy only) and a profile-likelihood maximisation of the
NB2 log-likelihood written out below (scipy.optimize), never with statsmodels.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special, stats

from sinstats.stats.intervals import Interval
from sinstats.stats.trends import (
    FAMILIES,
    TrendResult,
    cameron_trivedi_test,
    describe_trend,
    fit_trend,
    nb2_theta_score,
    pearson_dispersion_test,
    trend_table,
)

Array = npt.NDArray[np.float64]

# Published England totals of serious incident notifications by April-March year (DfE, Serious
# incident notifications). 2017-18 has no published figure: it is absent, not filled.
ENGLAND_PERIODS = [
    "2014-15",
    "2015-16",
    "2016-17",
    "2018-19",
    "2019-20",
    "2020-21",
    "2021-22",
    "2022-23",
    "2023-24",
    "2024-25",
    "2025-26",
]
ENGLAND_COUNTS = [385, 379, 433, 498, 449, 536, 442, 456, 405, 338, 357]
# Midpoint of April (start year) to March: start year + 3/12 + 6/12.
ENGLAND_TIMES = np.array([2014, 2015, 2016, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025]) + 0.75

# A synthetic rate series with an exposure, a zero and a gap (no period 4).
SYN_TIMES = np.array([1.0, 2.0, 3.0, 5.0, 6.0, 7.0, 8.0, 9.0])
SYN_COUNTS = np.array([3.0, 0.0, 5.0, 2.0, 7.0, 4.0, 9.0, 6.0])
SYN_EXPOSURE = np.array([51_000.0, 52_500.0, 53_100.0, 55_000.0, 56_200.0, 57_000, 58_900, 60_000])

# A synthetic overdispersed series (clearly more scatter than Poisson) for the NB fit.
OD_TIMES = np.arange(2010.0, 2022.0)
OD_COUNTS = np.array([120.0, 95, 160, 88, 140, 75, 130, 70, 101, 60, 95, 50])


# ---------------------------------------------------------------------------------------------
# Independent routes
# ---------------------------------------------------------------------------------------------


def design(t: Array) -> Array:
    return np.column_stack([np.ones_like(t), t - t.mean()])


def irls(y: Array, x: Array, offset: Array, theta: float = math.inf) -> tuple[Array, Array, Array]:
    """IRLS for the log-linear Poisson (theta = inf) or NB2 model with a fixed theta.

    Returns the coefficients, their covariance (inverse expected information) and the means.
    """
    beta = np.zeros(x.shape[1])
    beta[0] = math.log(y.sum() / np.exp(offset).sum())
    for _ in range(200):
        eta = x @ beta + offset
        mu = np.exp(eta)
        w = mu / (1.0 + mu / theta)  # Poisson when theta = inf
        z = eta - offset + (y - mu) / mu
        xtwx = x.T @ (w[:, None] * x)
        new = np.asarray(np.linalg.solve(xtwx, x.T @ (w * z)), dtype=np.float64)
        done = np.max(np.abs(new - beta)) < 1e-15 * (1.0 + np.max(np.abs(beta)))
        beta = new
        if done:
            break
    mu = np.exp(x @ beta + offset)
    w = mu / (1.0 + mu / theta)
    cov = np.asarray(np.linalg.inv(x.T @ (w[:, None] * x)), dtype=np.float64)
    return beta, cov, mu


def poisson_deviance(y: Array, mu: Array) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2.0 * np.sum(term - (y - mu)))


def nb2_loglik(y: Array, mu: Array, theta: float) -> float:
    return float(
        np.sum(
            special.gammaln(y + theta)
            - special.gammaln(theta)
            - special.gammaln(y + 1.0)
            + theta * np.log(theta / (theta + mu))
            + y * np.log(mu / (theta + mu))
        )
    )


def rel(a: float | Array, b: float) -> float:
    return abs(float(a) - b) / max(abs(b), 1e-300)


# ---------------------------------------------------------------------------------------------
# Acceptance: Poisson and quasi-Poisson against closed-form IRLS
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("periods", "times", "counts", "exposure"),
    [
        (ENGLAND_PERIODS, ENGLAND_TIMES, np.array(ENGLAND_COUNTS, float), None),
        (list(SYN_TIMES), SYN_TIMES, SYN_COUNTS, SYN_EXPOSURE),
    ],
    ids=["england", "synthetic-with-exposure"],
)
def test_poisson_matches_independent_irls(
    periods: list[object], times: Array, counts: Array, exposure: Array | None
) -> None:
    offset = np.zeros_like(counts) if exposure is None else np.log(exposure)
    beta, cov, mu = irls(counts, design(times), offset)
    se = math.sqrt(cov[1, 1])
    deviance = poisson_deviance(counts, mu)
    dispersion = float(np.sum((counts - mu) ** 2 / mu)) / (len(counts) - 2)

    r = fit_trend(periods, counts, exposure=exposure, family="poisson")
    assert r.n == len(counts)
    assert r.df_resid == len(counts) - 2
    assert r.centre == pytest.approx(times.mean(), rel=1e-15)
    assert rel(r.coef, beta[1]) < 1e-8
    assert rel(r.intercept, beta[0]) < 1e-8
    assert rel(r.se, se) < 1e-8
    assert rel(r.deviance, deviance) < 1e-8
    assert rel(r.dispersion, dispersion) < 1e-8
    z = stats.norm.ppf(0.975)
    assert rel(r.rate_ratio.estimate, math.exp(beta[1])) < 1e-8
    assert rel(r.rate_ratio.lower, math.exp(beta[1] - z * se)) < 1e-8
    assert rel(r.rate_ratio.upper, math.exp(beta[1] + z * se)) < 1e-8
    assert rel(r.p_value, 2 * stats.norm.sf(abs(beta[1] / se))) < 1e-6
    loglik = float(np.sum(stats.poisson.logpmf(counts, mu)))
    assert rel(r.loglik, loglik) < 1e-8
    assert rel(r.aic, -2 * loglik + 4) < 1e-8


def test_england_series_reference_values() -> None:
    # Values from the independent IRLS above, printed to 10 significant figures; kept here so a
    # change in the series or the time axis is noticed.
    r = fit_trend(ENGLAND_PERIODS, ENGLAND_COUNTS)
    assert r.coef == pytest.approx(-0.006897191423, rel=1e-8)
    assert r.se == pytest.approx(0.004147962497, rel=1e-8)
    assert r.deviance == pytest.approx(80.91705487, rel=1e-8)
    assert r.dispersion == pytest.approx(9.097958334, rel=1e-8)


@pytest.mark.parametrize("conf_level", [0.95, 0.998])
def test_quasipoisson_scales_se_and_uses_t(conf_level: float) -> None:
    counts = np.array(ENGLAND_COUNTS, float)
    beta, cov, mu = irls(counts, design(ENGLAND_TIMES), np.zeros_like(counts))
    phi = float(np.sum((counts - mu) ** 2 / mu)) / 9
    se_q = math.sqrt(cov[1, 1] * phi)

    pois = fit_trend(ENGLAND_PERIODS, counts, family="poisson", conf_level=conf_level)
    quasi = fit_trend(ENGLAND_PERIODS, counts, family="quasipoisson", conf_level=conf_level)
    assert rel(quasi.se, pois.se * math.sqrt(pois.dispersion)) < 1e-12
    assert rel(quasi.se, se_q) < 1e-8
    assert quasi.coef == pois.coef
    assert quasi.deviance == pois.deviance
    assert quasi.dispersion == pois.dispersion
    t = stats.t.ppf(0.5 + conf_level / 2, 9)
    assert rel(quasi.rate_ratio.lower, math.exp(beta[1] - t * se_q)) < 1e-8
    assert rel(quasi.rate_ratio.upper, math.exp(beta[1] + t * se_q)) < 1e-8
    assert rel(quasi.p_value, 2 * stats.t.sf(abs(beta[1]) / se_q, 9)) < 1e-6
    assert quasi.reference == "t(9)"
    assert math.isnan(quasi.aic)
    assert math.isnan(quasi.loglik)
    assert "aic is nan" in quasi.note


# ---------------------------------------------------------------------------------------------
# Acceptance: negative binomial against an independent profile-likelihood maximisation
# ---------------------------------------------------------------------------------------------


def profile_nb(y: Array, x: Array, offset: Array) -> tuple[float, float, Array, Array]:
    def neg_profile(log_theta: float) -> float:
        theta = math.exp(log_theta)
        _, _, mu = irls(y, x, offset, theta)
        return -nb2_loglik(y, mu, theta)

    opt = optimize.minimize_scalar(
        neg_profile, bounds=(math.log(1e-3), math.log(1e6)), method="bounded",
        options={"xatol": 1e-12, "maxiter": 500},
    )  # fmt: skip
    theta = math.exp(opt.x)
    beta, cov, mu = irls(y, x, offset, theta)
    return theta, nb2_loglik(y, mu, theta), beta, cov


@pytest.mark.parametrize(
    ("times", "counts"),
    [(ENGLAND_TIMES, np.array(ENGLAND_COUNTS, float)), (OD_TIMES, OD_COUNTS)],
    ids=["england", "synthetic-overdispersed"],
)
def test_negbin_matches_profile_likelihood(times: Array, counts: Array) -> None:
    x = design(times)
    theta, loglik, beta, cov = profile_nb(counts, x, np.zeros_like(counts))
    r = fit_trend(list(times), counts, family="negbin")
    assert r.theta is not None
    assert rel(r.theta, theta) < 1e-6
    assert rel(r.loglik, loglik) < 1e-6
    assert rel(r.coef, beta[1]) < 1e-6
    assert rel(r.se, math.sqrt(cov[1, 1])) < 1e-6
    assert rel(r.aic, -2 * loglik + 6) < 1e-6
    # At the estimate the profile score in theta is zero (to rounding).
    mu = np.exp(x @ np.array([r.intercept, r.coef]))
    assert abs(nb2_theta_score(r.theta, counts, mu)) < 1e-8
    mu_nb = np.exp(x @ beta)
    dispersion = float(np.sum((counts - mu_nb) ** 2 / (mu_nb + mu_nb**2 / theta))) / (len(x) - 2)
    assert rel(r.dispersion, dispersion) < 1e-6


def test_negbin_score_is_stable_for_large_theta() -> None:
    y = np.array([385.0, 379, 433])
    mu = np.array([380.0, 400, 410])
    # Against the digamma form in high precision (mpmath), where float digamma would cancel.
    import mpmath

    mpmath.mp.dps = 40
    for theta in [10.0, 1e4, 1e7]:
        exact = sum(
            mpmath.digamma(yi + theta)
            - mpmath.digamma(theta)
            + mpmath.log(theta)
            + 1
            - mpmath.log(theta + mi)
            - (yi + theta) / (mi + theta)
            for yi, mi in zip(y, mu, strict=True)
        )
        assert nb2_theta_score(theta, y, mu) == pytest.approx(float(exact), rel=1e-9)


def test_negbin_without_overdispersion_reduces_to_poisson() -> None:
    counts = [100, 101, 99, 100, 100, 102]
    nb = fit_trend([1, 2, 3, 4, 5, 6], counts, family="negbin")
    pois = fit_trend([1, 2, 3, 4, 5, 6], counts, family="poisson")
    assert nb.theta == math.inf
    assert nb.coef == pois.coef
    assert nb.se == pois.se
    assert nb.aic == pytest.approx(pois.aic + 2)
    assert "Poisson boundary" in nb.note


# ---------------------------------------------------------------------------------------------
# Overdispersion tests
# ---------------------------------------------------------------------------------------------


def test_overdispersion_tests_against_independent_formulae() -> None:
    counts = np.array(ENGLAND_COUNTS, float)
    _, _, mu = irls(counts, design(ENGLAND_TIMES), np.zeros_like(counts))
    r = fit_trend(ENGLAND_PERIODS, counts, family="negbin")  # tests use the Poisson fit anyway

    x2 = float(np.sum((counts - mu) ** 2 / mu))
    assert r.overdispersion_test.method == "pearson_chi2"
    assert rel(r.overdispersion_test.statistic, x2) < 1e-8
    assert rel(r.overdispersion_test.p_value, stats.chi2.sf(x2, 9)) < 1e-6
    assert r.overdispersion_test.df == 9

    # Cameron-Trivedi: OLS through the origin of ((y - mu)^2 - y) / mu on mu.
    aux = ((counts - mu) ** 2 - counts) / mu
    coef, ss, *_ = np.linalg.lstsq(mu[:, None], aux, rcond=None)
    se = math.sqrt(ss[0] / (len(counts) - 1) / float(mu @ mu))
    assert r.cameron_trivedi.method == "cameron_trivedi"
    assert rel(r.cameron_trivedi.estimate, coef[0]) < 1e-8
    assert rel(r.cameron_trivedi.statistic, coef[0] / se) < 1e-8
    assert rel(r.cameron_trivedi.p_value, stats.norm.sf(coef[0] / se)) < 1e-6
    assert r.overdispersion_test.p_value < 0.001
    assert "overdispersed" in r.note


def test_overdispersion_functions_directly() -> None:
    y = np.array([10.0, 12, 8, 11])
    mu = np.array([10.0, 10, 10, 10])
    pt = pearson_dispersion_test(y, mu, 3)
    assert pt.statistic == pytest.approx((0 + 4 + 4 + 1) / 10)
    assert pt.estimate == pytest.approx(0.9 / 3)
    ct = cameron_trivedi_test(y, mu)
    assert ct.estimate == pytest.approx(np.mean(((y - mu) ** 2 - y) / mu) / 10)
    assert math.isnan(ct.df)


# ---------------------------------------------------------------------------------------------
# Time axis, gaps, centring, exposure
# ---------------------------------------------------------------------------------------------


def test_period_ids_use_midpoints_and_gap_is_absent() -> None:
    by_id = fit_trend(ENGLAND_PERIODS, ENGLAND_COUNTS)
    by_number = fit_trend(list(ENGLAND_TIMES), ENGLAND_COUNTS)
    assert by_id.n == 11
    assert by_id.coef == pytest.approx(by_number.coef, rel=1e-12)
    assert by_id.centre == pytest.approx(float(np.mean(ENGLAND_TIMES)), rel=1e-15)
    # Reporting years ("2026") are the same periods as "2025-26".
    reporting = [str(int(t + 1.25)) for t in ENGLAND_TIMES]
    assert fit_trend(reporting, ENGLAND_COUNTS).coef == pytest.approx(by_id.coef, rel=1e-12)


def test_centring_leaves_slope_unchanged() -> None:
    a = fit_trend(list(SYN_TIMES), SYN_COUNTS, exposure=SYN_EXPOSURE)
    b = fit_trend(list(SYN_TIMES + 2000.0), SYN_COUNTS, exposure=SYN_EXPOSURE)
    assert b.coef == pytest.approx(a.coef, rel=1e-10)
    assert b.se == pytest.approx(a.se, rel=1e-10)
    assert b.deviance == pytest.approx(a.deviance, rel=1e-10)
    assert b.intercept == pytest.approx(a.intercept, rel=1e-10)
    assert b.centre == pytest.approx(a.centre + 2000.0)


def test_exposure_scale_changes_only_intercept() -> None:
    a = fit_trend(list(SYN_TIMES), SYN_COUNTS, exposure=SYN_EXPOSURE)
    b = fit_trend(list(SYN_TIMES), SYN_COUNTS, exposure=SYN_EXPOSURE / 100_000)
    assert b.coef == pytest.approx(a.coef, rel=1e-10)
    assert b.se == pytest.approx(a.se, rel=1e-10)
    assert b.intercept == pytest.approx(a.intercept + math.log(100_000), rel=1e-10)
    assert "offset" in a.note


def test_result_types_and_percent_change() -> None:
    r = fit_trend(ENGLAND_PERIODS, ENGLAND_COUNTS, family="quasipoisson")
    assert isinstance(r, TrendResult)
    assert isinstance(r.rate_ratio, Interval)
    assert r.rate_ratio.lower < r.rate_ratio.estimate < r.rate_ratio.upper
    pc = r.percent_change
    assert pc.estimate == pytest.approx(100 * (r.rate_ratio.estimate - 1))
    assert pc.lower == pytest.approx(100 * (r.rate_ratio.lower - 1))
    with pytest.raises(AttributeError):
        r.coef = 0.0  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# Words and tables
# ---------------------------------------------------------------------------------------------


def test_describe_trend_fall_rise_and_none() -> None:
    falling = fit_trend(OD_TIMES, OD_COUNTS, family="poisson")
    text = describe_trend(falling)
    assert text.startswith("notifications fell by ")
    assert "a year on average (95% CI -" in text
    assert "too narrow" in text

    rising = fit_trend([1, 2, 3, 4, 5], [100, 120, 140, 170, 200])
    text = describe_trend(rising, what="deaths")
    assert text.startswith("deaths rose by ")
    assert "consistent with Poisson chance" in text

    flat = fit_trend(ENGLAND_PERIODS, ENGLAND_COUNTS, family="quasipoisson")
    text = describe_trend(flat)
    assert text.startswith("no clear trend: notifications changed by an estimated -0.7% a year")
    assert "(95% CI -3.5% to +2.2%" in text
    assert "quasi-Poisson interval allows for this" in text

    nb = fit_trend(ENGLAND_PERIODS, ENGLAND_COUNTS, family="negbin")
    assert "theta = 67.3" in describe_trend(nb)


def test_trend_table_columns_and_rows() -> None:
    fits = {f: fit_trend(ENGLAND_PERIODS, ENGLAND_COUNTS, family=f) for f in FAMILIES}
    table = trend_table(fits)
    assert isinstance(table, pd.DataFrame)
    assert list(table["label"]) == ["poisson", "quasipoisson", "negbin"]
    for col in ("family", "method", "conf_level", "note", "rate_ratio", "lower", "upper"):
        assert col in table.columns
    assert table.loc[1, "se"] == pytest.approx(fits["quasipoisson"].se)
    assert np.isnan(table["theta"].to_numpy()[0])
    assert table.loc[2, "theta"] == pytest.approx(fits["negbin"].theta)
    assert table.loc[0, "method"] == "Poisson GLM, log link; Wald (normal)"
    assert table.loc[1, "method"].endswith("Wald (t(9))")
    single = trend_table(fits["poisson"])
    assert len(single) == 1
    assert "label" not in single.columns
    assert len(trend_table(list(fits.values()))) == 3
    with pytest.raises(ValueError, match=r"results\[0\]"):
        trend_table([1.0])  # type: ignore[list-item]


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"family": "gaussian"}, r"unknown family 'gaussian'.*'poisson', 'quasipoisson', 'negbin'"),
        ({"family": "pois"}, r"unknown family 'pois'"),
        ({"counts": [1, 2, 3]}, r"counts has 3 values but periods has 4"),
        ({"periods": [1, 2], "counts": [1, 2]}, r"counts has 2 values; .* at least 3"),
        ({"counts": [1, -2, 3, 4]}, r"counts\[1\] = -2 is negative"),
        ({"counts": [1, 2.5, 3, 4]}, r"counts\[1\] = 2.5 is not a whole number"),
        ({"counts": [1, float("nan"), 3, 4]}, r"counts\[1\] = nan is missing"),
        ({"counts": [1, None, 3, 4]}, r"counts\[1\] = None is not a number"),
        ({"counts": [0, 0, 0, 0]}, r"counts are all zero"),
        ({"counts": [0, 0, 0, 4]}, r"counts are positive only in the last period"),
        ({"counts": [5, 0, 0, 0]}, r"counts are positive only in the first period"),
        ({"exposure": [1, 2, 0, 4]}, r"exposure\[2\] = 0 must be a positive"),
        ({"exposure": [1, 2, -1, 4]}, r"exposure\[2\] = -1 must be a positive"),
        ({"exposure": [1, 2, 3]}, r"exposure has 3 values but counts has 4"),
        ({"periods": ["2014-15", "2015-16", "banana", "2017-18"]}, r"periods\[2\] = 'banana'"),
        ({"periods": ["2014-15", "2015-16", "2015-16", "2017-18"]}, r"periods must not repeat"),
        ({"periods": ["2014-15", 2016, 2017, 2018]}, r"periods mixes period ids"),
        ({"periods": [2014, 2015, float("nan"), 2017]}, r"periods\[2\] = nan"),
        ({"periods": "2014-15"}, r"periods must be a sequence"),
        ({"conf_level": 95}, r"conf_level must be a proportion in \(0, 1\).*not 95"),
        ({"conf_level": 0.0}, r"conf_level"),
        ({"conf_level": float("nan")}, r"conf_level"),
        ({"conf_level": True}, r"conf_level"),
    ],
)
def test_bad_inputs_raise_value_error_naming_argument(
    kwargs: dict[str, object], match: str
) -> None:
    args: dict[str, object] = {"periods": [2014, 2015, 2016, 2017], "counts": [10, 12, 9, 14]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        fit_trend(**args)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    counts=st.lists(st.integers(min_value=1, max_value=2000), min_size=3, max_size=12),
    conf_level=st.sampled_from([0.8, 0.95, 0.998]),
)
def test_properties_poisson_and_quasipoisson(counts: list[int], conf_level: float) -> None:
    periods = list(range(2000, 2000 + len(counts)))
    pois = fit_trend(periods, counts, family="poisson", conf_level=conf_level)
    quasi = fit_trend(periods, counts, family="quasipoisson", conf_level=conf_level)
    for r in (pois, quasi):
        assert 0 < r.rate_ratio.lower <= r.rate_ratio.estimate <= r.rate_ratio.upper
        assert 0 <= r.p_value <= 1
        assert 0 <= r.overdispersion_test.p_value <= 1
    assert quasi.coef == pois.coef
    assert quasi.se == pytest.approx(pois.se * math.sqrt(pois.dispersion), rel=1e-12)
    wider = fit_trend(periods, counts, family="poisson", conf_level=0.999)
    assert wider.rate_ratio.lower <= pois.rate_ratio.lower
    assert wider.rate_ratio.upper >= pois.rate_ratio.upper


@settings(max_examples=25, deadline=None, derandomize=True)
@given(counts=st.lists(st.integers(min_value=1, max_value=500), min_size=4, max_size=10))
def test_properties_negbin(counts: list[int]) -> None:
    periods = list(range(len(counts)))
    nb = fit_trend(periods, counts, family="negbin")
    pois = fit_trend(periods, counts, family="poisson")
    assert nb.theta is not None
    assert nb.theta > 0
    assert nb.rate_ratio.lower <= nb.rate_ratio.estimate <= nb.rate_ratio.upper
    # The NB likelihood is never below the Poisson one (Poisson is its limit).
    assert nb.loglik >= pois.loglik - 1e-7
