"""Tests for sinstats.stats.changes: the overdispersion-aware comparison of two counts.

References: the phi-scaled Wald test written out in R with qt/pt and R's poisson.test
(tests/reference/multiplicity_and_changes.R; the calls beside each value in
overdispersed_change.csv).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sinstats.errors import ParameterError
from sinstats.stats.changes import overdispersed_rate_ratio, phi_scaled_wald
from sinstats.stats.intervals import rate_ratio_ci

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "overdispersed_change.csv"


def _cases() -> list[dict[str, float]]:
    with REFERENCE.open(encoding="utf-8") as fh:
        return [
            {k: float(v) for k, v in row.items() if not k.endswith("call")}
            for row in csv.DictReader(fh)
        ]


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"case{int(c['case'])}")
def test_matches_r(case: dict[str, float]) -> None:
    args = (case["x1"], case["x2"], case["t1"], case["t2"])
    phi = max(case["phi"], 1.0)
    est, lo, hi, p = phi_scaled_wald(*args, phi, case["df"], 0.95)
    assert (est, lo, hi, p) == pytest.approx(
        (case["wald_estimate"], case["wald_lower"], case["wald_upper"], case["wald_p"]), abs=1e-6
    )
    got = overdispersed_rate_ratio(*args, phi=case["phi"], df=case["df"])
    assert (got.lower, got.upper, got.p_value) == pytest.approx(
        (case["lower"], case["upper"], case["p"]), abs=1e-6
    )
    assert got.phi == phi


def test_child_death_rise_of_2016_17() -> None:
    """211 vs 171: Poisson p about 0.04, about 0.36 once the series' own scatter is allowed for."""
    case = CASES[0]
    assert (case["x1"], case["x2"]) == (211, 171)
    assert case["exact_p"] == pytest.approx(0.0459, abs=1e-4)
    got = overdispersed_rate_ratio(211, 171, phi=case["phi"], df=8)
    assert got.p_value == pytest.approx(0.3606, abs=1e-4)
    assert got.lower < 1 < got.upper
    assert "the exact Poisson result" not in got.note  # the Wald interval was the wider


def test_safeguard_keeps_the_exact_result_when_it_is_more_cautious() -> None:
    got = overdispersed_rate_ratio(3, 1, phi=1.0, df=8)
    exact = rate_ratio_ci(3, 1, conf_level=0.95, method="exact")
    assert got.upper == pytest.approx(float(exact.upper)) and got.p_value == pytest.approx(0.625)
    assert "more cautious" in got.note


def test_phi_below_one_is_raised_to_one() -> None:
    got = overdispersed_rate_ratio(40, 30, 2.5, 1.5, phi=0.6, df=math.inf)
    assert got.phi == 1.0 and "raised from 0.6" in got.note


def test_a_zero_count_gives_no_comparison() -> None:
    got = overdispersed_rate_ratio(0, 12, phi=4.0, df=8)
    assert math.isnan(got.p_value) and "not defined" in got.note


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count1": -1}, "count1 must be a whole number"),
        ({"count2": 2.5}, "count2 must be a whole number"),
        ({"count1": math.nan}, "count1 must be a whole number"),
        ({"exposure1": 0}, "exposure1 must be above 0"),
        ({"phi": -2}, "phi must be above 0"),
        ({"phi": "x"}, "phi must be a number"),
        ({"df": 0}, "df must be above 0"),
        ({"conf_level": 95}, "conf_level"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"count1": 10, "count2": 8, "phi": 2.0, "df": 8, **kwargs}
    with pytest.raises(ParameterError, match=message):
        overdispersed_rate_ratio(**args)  # type: ignore[arg-type]


counts = st.integers(min_value=1, max_value=5000)


@settings(max_examples=300)
@given(
    x1=counts,
    x2=counts,
    phi=st.floats(min_value=1.0, max_value=50.0),
    df=st.one_of(st.integers(min_value=1, max_value=60).map(float), st.just(math.inf)),
    level=st.sampled_from([0.8, 0.9, 0.95, 0.99]),
)
def test_phi_scaled_interval_contains_the_poisson_one(
    x1: int, x2: int, phi: float, df: float, level: float
) -> None:
    """For phi >= 1 the phi-scaled interval contains the Poisson interval, and p is no smaller.

    Against the Poisson Wald interval (phi = 1, normal reference) this is a property of the
    formula; against the exact conditional interval it is the safeguard.
    """
    est, lo, hi, p = phi_scaled_wald(x1, x2, 1.0, 1.0, phi, df, level)
    log_rr, se = math.log(x1 / x2), math.sqrt(1 / x1 + 1 / x2)
    z = stats.norm.ppf(0.5 + level / 2)
    assert lo <= math.exp(log_rr - z * se) * (1 + 1e-12)
    assert hi >= math.exp(log_rr + z * se) * (1 - 1e-12)
    assert p >= 2 * stats.norm.sf(abs(log_rr) / se) - 1e-12
    got = overdispersed_rate_ratio(x1, x2, phi=phi, df=df, conf_level=level)
    exact = rate_ratio_ci(x1, x2, conf_level=level, method="exact")
    assert got.lower <= float(exact.lower) and got.upper >= float(exact.upper)
    assert got.p_value >= float(exact.p_value)
    assert got.lower <= got.estimate <= got.upper


@settings(max_examples=150)
@given(x1=counts, x2=counts, phi=st.floats(min_value=1.0, max_value=20.0))
def test_more_scatter_never_narrows_the_interval(x1: int, x2: int, phi: float) -> None:
    a = overdispersed_rate_ratio(x1, x2, phi=phi, df=8)
    b = overdispersed_rate_ratio(x1, x2, phi=phi * 1.5, df=8)
    assert b.lower <= a.lower * (1 + 1e-12) and b.upper >= a.upper * (1 - 1e-12)
    assert b.p_value >= a.p_value - 1e-12
