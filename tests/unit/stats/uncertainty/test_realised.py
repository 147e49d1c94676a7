"""The realised count (this year's number), the bases and what each component applies to.

The reference values of ``tests/reference/realised_count.csv`` come from
``tests/reference/make_realised_reference.R`` (an exact convolution in base R); the test also
recomputes them here, from the same closed-form pmfs with scipy, independently of the library.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from sinstats.errors import ParameterError
from sinstats.stats import uncertainty as u

REFERENCE = Path(__file__).parents[3] / "reference" / "realised_count.csv"
SEED = 20260601
N = 400_000


def _reference_rows() -> list[dict[str, str]]:
    with REFERENCE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _exact_quantiles(x: int, a: float, b: float, alpha: float, beta: float) -> list[int]:
    """2.5%, 50%, 97.5% quantiles of R = K + U by brute-force enumeration (closed-form pmfs).

    K ~ beta-binomial(x, a, b): choose(x, k) B(k + a, x - k + b) / B(a, b);
    U | K = k ~ beta-negative-binomial(k, alpha, beta):
    Gamma(k + u) / (u! Gamma(k)) B(alpha + k, beta + u) / B(alpha, beta).
    """
    k = np.arange(x + 1)
    log_pk = (
        special.gammaln(x + 1)
        - special.gammaln(k + 1)
        - special.gammaln(x - k + 1)
        + special.betaln(k + a, x - k + b)
        - special.betaln(a, b)
    )
    pk = np.exp(log_pk)
    r_max = 4000
    pr = np.zeros(r_max + 1)
    pr[0] += pk[0]
    for kk in range(1, x + 1):
        uu = np.arange(r_max - kk + 1)
        log_pu = (
            special.gammaln(kk + uu)
            - special.gammaln(uu + 1)
            - special.gammaln(kk)
            + special.betaln(alpha + kk, beta + uu)
            - special.betaln(alpha, beta)
        )
        pr[kk:] += pk[kk] * np.exp(log_pu)
    cdf = np.cumsum(pr)
    return [int(np.argmax(cdf >= q - 1e-12)) for q in (0.025, 0.5, 0.975)]


@pytest.mark.parametrize("row", _reference_rows(), ids=lambda r: r["case"])
def test_realised_interval_matches_exact_convolution(row: dict[str, str]) -> None:
    x = int(row["X"])
    a, b, alpha, beta = (float(row[k]) for k in ("a", "b", "alpha", "beta"))
    exact = _exact_quantiles(x, a, b, alpha, beta)
    # The brute force here and the R script agree exactly.
    assert exact == [int(float(row[k])) for k in ("lower", "median", "upper")]
    comps = [
        u.Definition(name="share", base="dfe", alpha=a, beta=b, rationale="r"),
        u.Ascertainment(name="asc", alpha=alpha, beta=beta, rationale="r"),
    ]
    result = u.simulate(
        u.Observed(x), comps, n_draws=N, seed=SEED, conf_levels=(0.95,), quantity="realised"
    )
    lower, upper = result.interval(0.95)
    # Draws are whole numbers: the Monte Carlo quantiles sit within one of the exact ones.
    assert abs(lower - exact[0]) <= 1
    assert abs(upper - exact[2]) <= 1
    assert abs(result.median - exact[1]) <= 1
    # At least as wide as the binomial split alone (K ~ Binomial(X, E s) / E p), whose exact
    # quantiles the R script also gives.
    split = result.interval(0.95, "split")
    assert abs(split[0] - float(row["split_lower"])) <= 1 / (alpha / (alpha + beta))
    assert abs(split[1] - float(row["split_upper"])) <= 1 / (alpha / (alpha + beta))
    assert upper - lower >= split[1] - split[0]


@pytest.mark.parametrize(
    "observed",
    [
        u.Observed(160, label="2025-26"),
        u.Observed(150, qualifier="over", base="panel", dated_by="incident", label="2021"),
    ],
    ids=["RY2026", "CAL2021"],
)
def test_realised_count_of_the_project_model(deaths: u.Target, observed: u.Observed) -> None:
    result = u.simulate(observed, deaths, n_draws=100_000, seed=SEED, quantity="realised")
    lo, hi = result.interval(0.95)
    split = result.interval(0.95, "split")
    assert hi - lo >= split[1] - split[0]
    assert np.array_equal(result.draws, np.round(result.draws))  # whole numbers of deaths
    assert "chance" in {name for name, _ in result.skipped}
    assert result.quantity == "realised"
    assert "realised" in result.intervals.query("scope == 'total'")["note"].iloc[0]


def test_timing_is_not_applied_to_the_panels_incident_dated_counts(deaths: u.Target) -> None:
    panel = u.Observed(482, base="panel", dated_by="incident")
    dfe = u.Observed(482)
    for quantity in ("rate", "realised"):
        on = u.simulate(panel, deaths, n_draws=20_000, seed=SEED, quantity=quantity)
        off = u.simulate(
            panel, u.switch(deaths, off=["timing"]), n_draws=20_000, seed=SEED, quantity=quantity
        )
        assert "timing" not in {c.kind for c in on.components}
        assert dict(on.skipped)["timing"].startswith("timing applies only to counts dated by")
        np.testing.assert_array_equal(on.draws, off.draws)  # timing changes nothing
        used = u.simulate(dfe, deaths, n_draws=20_000, seed=SEED, quantity=quantity)
        assert "timing" in {c.kind for c in used.components}
        assert not np.array_equal(used.draws, on.draws)
    timing = next(c for c in deaths.components if c.kind == "timing")
    assert timing.not_applicable(panel) and not timing.not_applicable(dfe)
    assert "receipt" in timing.applicability()


def test_a_share_on_another_base_needs_a_conversion() -> None:
    comps = [u.Definition(name="share", base="panel", share=0.25, rationale="r")]
    with pytest.raises(ParameterError, match="panel base and the figure is on the dfe base"):
        u.simulate(u.Observed(160), comps, n_draws=1_000)
    same_base = u.Observed(160, base="panel", dated_by="incident")
    assert u.simulate(same_base, comps, n_draws=1_000).point == pytest.approx(40.0)


def test_base_conversion_expresses_extras_without_maltreatment_deaths(deaths: u.Target) -> None:
    base = next(c for c in deaths.components if c.kind == "base")
    assert isinstance(base, u.Base)
    assert base.ratio() == pytest.approx(146 / 201)
    assert base.at(0.0).central() == pytest.approx(146 / 201)
    assert base.at(1.0).central() == pytest.approx(1.0)
    table = u.tornado(u.Observed(160), deaths, n_draws=20_000, seed=SEED).set_index("kind")
    row = table.loc["base"]
    assert row["central_at_low"] < row["base_central"] < row["central_at_high"]


@settings(max_examples=50, deadline=None)
@given(
    count=st.integers(min_value=0, max_value=500),
    share=st.floats(min_value=0.0, max_value=1.0),
    p=st.floats(min_value=0.05, max_value=1.0),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_realised_counts_properties(count: int, share: float, p: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    streams = np.random.default_rng(seed + 1)
    n = 500
    draws = u.realised_counts(np.full(n, float(count)), 1.0, share, p, rng, streams)
    assert np.all(draws >= 0) and np.array_equal(draws, np.round(draws))
    notified = u.realised_counts(
        np.full(n, float(count)),
        1.0,
        share,
        1.0,
        np.random.default_rng(seed),
        np.random.default_rng(seed + 1),
    )
    assert np.all(notified <= count)  # every target death notified: at most the count
    if share == 1.0:
        assert np.all(notified == count)
    assert math.isfinite(float(draws.mean()))
