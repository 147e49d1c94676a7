"""Tests for sinstats.stats.funnel.

Reference limits are in tests/reference/funnel_limits.csv, computed with mpmath by
tests/reference/make_funnel_limits.py (formula in the `source` column of each row).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import mpmath
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.axes import Axes
from scipy import stats

from sinstats.present.plots import funnel_plot
from sinstats.stats.funnel import (
    LIMIT_METHODS,
    additive_limits,
    funnel_limits,
    funnel_overdispersion,
    funnel_table,
    level_label,
    sqrt_z_scores,
)

REFERENCE = Path(__file__).parents[2] / "reference" / "funnel_limits.csv"


def reference_rows() -> list[dict[str, str]]:
    with REFERENCE.open(newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------------------------------------
# Limits against independent references
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    reference_rows(),
    ids=lambda r: f"{r['method']}-E{r['expected']}-{r['conf_level']}-{r['tail']}",
)
def test_limits_match_mpmath_reference(row: dict[str, str]) -> None:
    assert row["source"]
    lower, upper = funnel_limits(
        float(row["expected"]), conf_level=float(row["conf_level"]), method=row["method"]
    )
    value = float(lower if row["tail"] == "lower" else upper)
    expected = float(row["value"])
    if row["method"] == "exact":
        assert value == expected
    else:
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_reference_covers_required_levels_and_methods() -> None:
    rows = reference_rows()
    assert {r["method"] for r in rows} == set(LIMIT_METHODS)
    assert {r["conf_level"] for r in rows} == {"0.95", "0.998"}
    assert {"1", "2", "3", "5", "9", "10", "30", "146", "379", "482"} <= {
        r["expected"] for r in rows
    }


@pytest.mark.parametrize("conf_level", [0.95, 0.998, 0.8])
def test_exact_limits_match_scipy_quantiles(conf_level: float) -> None:
    e = np.array([0.2, 0.7, 1.0, 3.3, 7.5, 12.0, 55.5, 250.0, 999.0, 12_345.6])
    p = (1 - conf_level) / 2
    lower, upper = funnel_limits(e, conf_level=conf_level, method="exact")
    np.testing.assert_array_equal(lower, stats.poisson.ppf(p, e))
    np.testing.assert_array_equal(upper, stats.poisson.ppf(1 - p, e))


@pytest.mark.parametrize("e", [0.8, 4.4, 17.0, 63.2, 401.7])
@pytest.mark.parametrize("conf_level", [0.95, 0.998])
def test_interpolated_limits_against_appendix_formula(e: float, conf_level: float) -> None:
    # Spiegelhalter (2005) appendix A.1.1, written out with mpmath's incomplete gamma:
    # r = smallest k with F(k) >= q; limit = r - (F(r) - q) / (F(r) - F(r - 1)).
    mpmath.mp.dps = 40
    mean = mpmath.mpf(e)

    def cdf(k: int) -> mpmath.mpf:
        return mpmath.gammainc(k + 1, mean, mpmath.inf, regularized=True) if k >= 0 else 0

    results = []
    p = (1 - mpmath.mpf(conf_level)) / 2
    for q in (p, 1 - p):
        r = 0
        while cdf(r) < q:
            r += 1
        results.append(max(float(r - (cdf(r) - q) / (cdf(r) - cdf(r - 1))), 0.0))
    lower, upper = funnel_limits(e, conf_level=conf_level, method="interpolated")
    assert float(lower) == pytest.approx(results[0], rel=1e-9, abs=1e-12)
    assert float(upper) == pytest.approx(results[1], rel=1e-9, abs=1e-12)


def test_interpolated_limits_are_continuous_across_a_quantile_jump() -> None:
    # The exact 97.5% quantile jumps from 17 to 18 somewhere between E = 10 and 11; the
    # interpolated limit passes through it without a jump.
    grid = np.linspace(10.0, 11.0, 20_001)
    _, exact = funnel_limits(grid, 0.95, "exact")
    _, smooth = funnel_limits(grid, 0.95, "interpolated")
    assert np.ptp(exact) == 1.0
    assert np.max(np.abs(np.diff(smooth))) < 1e-3
    assert np.all(np.diff(smooth) >= 0)


def test_exact_limits_are_conservative() -> None:
    # Flags use strict inequalities, so each tail has probability at most p.
    e = np.geomspace(0.5, 5_000, 300)
    for level in (0.95, 0.998):
        p = (1 - level) / 2
        lower, upper = funnel_limits(e, level, "exact")
        assert np.all(stats.poisson.sf(upper, e) <= p * (1 + 1e-12))
        assert np.all(stats.poisson.cdf(lower - 1, e) <= p * (1 + 1e-12))


def test_tiny_expected_counts_break_down_as_documented() -> None:
    # e^-E >= 0.975 for E = 0.01: the 95% upper limit is 0, below E (see the Notes).
    for method in LIMIT_METHODS:
        lower, upper = funnel_limits(0.01, 0.95, method)
        assert float(lower) == 0.0
        assert float(upper) == 0.0


def test_scalar_and_array_shapes() -> None:
    lo, hi = funnel_limits(10.0)
    assert lo.shape == () and hi.shape == ()
    lo, hi = funnel_limits([[1.0, 2.0], [3.0, 4.0]])
    assert lo.shape == (2, 2)
    lo, hi = funnel_limits(pd.Series([5.0, 6.0]))
    assert lo.shape == (2,)


# ---------------------------------------------------------------------------------------------
# Flags on a constructed example
# ---------------------------------------------------------------------------------------------


def test_flags_on_constructed_example() -> None:
    # Expected 100 for every unit. Poisson(100) limits (reference CSV, exact): 95% [81, 120],
    # 99.8% [71, 132]. Counts exactly on a limit are within it.
    observed = [100, 120, 121, 132, 133, 81, 80, 71, 70, 145, 60]
    want = [
        "within",
        "within",
        "above 95%",
        "above 95%",
        "above 99.8%",
        "within",
        "below 95%",
        "below 95%",
        "below 99.8%",
        "above 99.8%",
        "below 99.8%",
    ]
    table = funnel_table(observed, [100.0] * len(observed), denominator="expected")
    assert list(table["flag"]) == want
    assert set(table["flag"]) <= {"above 99.8%", "above 95%", "within", "below 95%", "below 99.8%"}
    assert (table["count_lower_95"] == 81).all() and (table["count_upper_95"] == 120).all()
    assert (table["count_lower_99.8"] == 71).all() and (table["count_upper_99.8"] == 132).all()
    np.testing.assert_allclose(table["ratio"], np.array(observed) / 100)
    np.testing.assert_allclose(table["upper_95"], 1.2)
    assert (table["target"] == 1.0).all()
    assert (table["method"] == "exact").all()
    assert (table["conf_level"] == "0.95, 0.998").all()
    assert "target ratio 1" in table["note"].iloc[0]


def test_flags_with_interpolated_limits_differ_only_at_the_upper_boundary() -> None:
    # Interpolated 95% upper limit for E = 100 is 119.58: a count of 120 is now flagged.
    table = funnel_table([120, 81], [100.0, 100.0], denominator="expected", method="interpolated")
    assert list(table["flag"]) == ["above 95%", "within"]
    assert table["count_upper_95"].iloc[0] == pytest.approx(119.5808948521173, rel=1e-9)


def test_population_table_rates_and_default_target() -> None:
    observed = pd.Series(
        [40, 18, 70, 25, 38, 45, 30, 24, 33],
        index=["NE", "NW", "YH", "EM", "WM", "EE", "LON", "SE", "SW"],
    )
    population = np.array([1.2e6, 0.6e6, 1.9e6, 1.0e6, 0.9e6, 1.5e6, 1.3e6, 0.5e6, 1.1e6])
    table = funnel_table(observed, population)
    target = observed.sum() / population.sum() * 100_000
    assert list(table["name"]) == list(observed.index)
    np.testing.assert_allclose(table["target"], target)
    np.testing.assert_allclose(table["expected"], target * population / 100_000)
    np.testing.assert_allclose(table["rate"], observed.to_numpy() / population * 100_000)
    lo, hi = funnel_limits(target * population / 100_000, 0.998)
    np.testing.assert_allclose(table["count_lower_99.8"], lo)
    np.testing.assert_allclose(table["upper_99.8"], hi / population * 100_000)
    np.testing.assert_allclose(
        table["z_score"], 2 * (np.sqrt(observed.to_numpy()) - np.sqrt(table["expected"]))
    )
    for col in ("name", "observed", "population", "rate", "expected", "z_score", "flag"):
        assert col in table.columns
    for col in ("method", "conf_level", "note"):
        assert col in table.columns
    assert "pooled rate" in table["note"].iloc[0]
    assert table.attrs["funnel"]["target"] == pytest.approx(target)

    given_target = funnel_table(observed, population, target=2.0, names=list("ABCDEFGHI"))
    np.testing.assert_allclose(given_target["expected"], 2.0 * population / 100_000)
    assert list(given_target["name"]) == list("ABCDEFGHI")
    per_1000 = funnel_table(observed, population, rate_per=1000)
    np.testing.assert_allclose(per_1000["rate"], table["rate"] / 100)


def test_custom_levels_label_columns_and_flags() -> None:
    table = funnel_table([150, 100], [100.0, 100.0], denominator="expected", conf_levels=[0.9])
    assert "upper_90" in table.columns
    assert list(table["flag"]) == ["above 90%", "within"]
    assert level_label(0.998) == "99.8"
    assert level_label(0.95) == "95"


# ---------------------------------------------------------------------------------------------
# Overdispersion
# ---------------------------------------------------------------------------------------------

# Hand calculation. Expected 25 for every unit, observed 16, 25, 36, 49, 9:
#   z = 2(sqrt(O) - 5) = -2, 0, 2, 4, -4; sorted -4, -2, 0, 2, 4.
#   10th percentile (type 7): h = 0.1 * 4 = 0.4 -> -4 + 0.4 * 2 = -3.2; 90th: 2 + 0.6 * 2 = 3.2.
#   winsorised: -2, 0, 2, 3.2, -3.2 (2 winsorised); phi = (4 + 0 + 4 + 10.24 + 10.24) / 5 = 5.696.
#   n * phi = 28.48 > n - 1 = 4; w = 4E = 100 each: sum w = 500, sum w^2 / sum w = 100.
#   tau2 = (28.48 - 4) / (500 - 100) = 0.0612.
HAND_O = [16, 25, 36, 49, 9]
HAND_E = [25.0] * 5


def test_tau2_against_hand_calculation() -> None:
    check = funnel_overdispersion(HAND_O, HAND_E)
    assert check.phi == pytest.approx(5.696, rel=1e-12)
    assert check.statistic == pytest.approx(28.48, rel=1e-12)
    assert check.df == 4
    assert check.n == 5
    assert check.n_winsorised == 2
    assert check.tau2 == pytest.approx(0.0612, rel=1e-12)
    assert check.p_value == pytest.approx(stats.chi2.sf(28.48, 4), rel=1e-12)
    np.testing.assert_allclose(sqrt_z_scores(HAND_O, HAND_E), [-2, 0, 2, 4, -4])


def test_tau2_with_unequal_weights() -> None:
    # No winsorising (winsor=0) so the DerSimonian-Laird formula can be checked term by term.
    o = np.array([5.0, 30, 12, 60, 2, 41])
    e = np.array([8.0, 20, 15, 45, 6, 30])
    check = funnel_overdispersion(o, e, winsor=0.0)
    z = 2 * (np.sqrt(o) - np.sqrt(e))
    w = 4 * e
    n = len(o)
    tau2 = (np.sum(z**2) - (n - 1)) / (w.sum() - (w**2).sum() / w.sum())
    assert check.n_winsorised == 0
    assert check.phi == pytest.approx(np.mean(z**2), rel=1e-12)
    assert check.tau2 == pytest.approx(max(tau2, 0.0), rel=1e-12)


def test_additive_adjustment_widens_limits_and_is_reported() -> None:
    table = funnel_table(HAND_O, HAND_E, denominator="expected", overdispersion="additive")
    tau2 = 0.0612
    for level in (0.95, 0.998):
        z = stats.norm.ppf(0.5 + level / 2)
        half = z * math.sqrt(1 / 100 + tau2)
        lab = level_label(level)
        np.testing.assert_allclose(table[f"count_upper_{lab}"], 25 * (1 + half) ** 2, rtol=1e-12)
        np.testing.assert_allclose(
            table[f"count_lower_{lab}"], 25 * max(1 - half, 0) ** 2, rtol=1e-12
        )
    np.testing.assert_allclose(
        table["z_adjusted"], np.array([-2, 0, 2, 4, -4]) / math.sqrt(1 + 100 * tau2), rtol=1e-12
    )
    assert (table["method"] == "additive").all()
    note = table["note"].iloc[0]
    assert "tau2 = 0.0612" in note
    assert "phi = 5.696" in note
    assert "(2 winsorised)" in note
    # Without the adjustment, Poisson(25) limits are [16, 35] (95%) and [11, 42] (99.8%).
    plain = funnel_table(HAND_O, HAND_E, denominator="expected")
    assert list(plain["flag"]) == ["within", "within", "above 95%", "above 99.8%", "below 99.8%"]
    assert list(table["flag"]) == ["within"] * 5


def test_no_overdispersion_keeps_limits_and_says_so() -> None:
    observed = [100, 98, 103, 101, 99, 97]
    table = funnel_table(observed, [100.0] * 6, denominator="expected", overdispersion="additive")
    plain = funnel_table(observed, [100.0] * 6, denominator="expected")
    assert (table["method"] == "exact").all()
    np.testing.assert_array_equal(table["count_upper_95"], plain["count_upper_95"])
    assert "tau2 = 0" in table["note"].iloc[0]
    assert "not adjusted" in table["note"].iloc[0]


def test_additive_limits_with_zero_tau2_is_sqrt_normal() -> None:
    lo, hi = additive_limits([25.0, 400.0], 0.0, 0.95)
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(hi, [25 * (1 + z / 10) ** 2, 400 * (1 + z / 40) ** 2])
    np.testing.assert_allclose(lo, [25 * (1 - z / 10) ** 2, 400 * (1 - z / 40) ** 2])


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

expected_values = st.floats(min_value=0.1, max_value=1e5, allow_nan=False, allow_infinity=False)
methods = st.sampled_from(sorted(LIMIT_METHODS))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(e=expected_values, method=methods)
def test_property_limits_bracket_expected_and_nest(e: float, method: str) -> None:
    lo95, hi95 = funnel_limits(e, 0.95, method)
    lo998, hi998 = funnel_limits(e, 0.998, method)
    assert 0 <= lo998 <= lo95 <= e <= hi95 <= hi998


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    e=st.floats(min_value=0.5, max_value=2.5e4, allow_nan=False),
    factor=st.floats(min_value=4.0, max_value=100.0),
    level=st.sampled_from([0.95, 0.998]),
    method=methods,
)
def test_property_limits_widen_relative_to_expected_as_expected_shrinks(
    e: float, factor: float, level: float, method: str
) -> None:
    # Relative width (limit - E) / E is larger for the smaller unit. Exact limits are steps, so
    # the comparison is between expected counts at least 4 times apart.
    big = e * factor
    lo_s, hi_s = funnel_limits(e, level, method)
    lo_b, hi_b = funnel_limits(big, level, method)
    assert (hi_s - e) / e >= (hi_b - big) / big
    assert (e - lo_s) / e >= (big - lo_b) / big


@settings(max_examples=100, deadline=None, derandomize=True)
@given(e=expected_values, tau2=st.floats(min_value=0.0, max_value=1.0), level=st.floats(0.5, 0.999))
def test_property_additive_limits_nest_and_widen_with_tau2(
    e: float, tau2: float, level: float
) -> None:
    lo, hi = additive_limits(e, tau2, level)
    lo0, hi0 = additive_limits(e, 0.0, level)
    assert 0 <= lo <= lo0 <= e <= hi0 <= hi


# ---------------------------------------------------------------------------------------------
# Plot
# ---------------------------------------------------------------------------------------------


def test_funnel_plot_draws_labelled_axes_and_both_limit_styles() -> None:
    observed = [40, 18, 70, 25, 38, 45, 12, 60, 33]
    population = [1.2e6, 0.6e6, 1.9e6, 1.0e6, 0.9e6, 1.5e6, 1.3e6, 0.5e6, 1.1e6]
    table = funnel_table(observed, population, names=list("ABCDEFGHI"))
    ax = funnel_plot(table, source="synthetic figures")
    try:
        assert isinstance(ax, Axes)
        assert "per 100,000" in ax.get_ylabel()
        assert ax.get_xlabel() == "Population"
        assert "95%" in ax.get_title(loc="left") and "99.8%" in ax.get_title(loc="left")
        legend = ax.get_legend()
        assert legend is not None
        labels = [t.get_text() for t in legend.get_texts()]
        assert "95% limits" in labels and "99.8% limits" in labels
        assert "Above a limit" in labels and "Below a limit" in labels
        styles = {line.get_linestyle() for line in ax.get_lines() if np.size(line.get_xdata()) > 2}
        assert {"--", ":"} <= styles
        assert any("Source: synthetic figures" in t.get_text() for t in ax.texts)
    finally:
        plt.close("all")


def test_funnel_plot_on_given_axes_and_without_attrs() -> None:
    table = funnel_table([100, 126, 60], [100.0, 90.0, 110.0], denominator="expected")
    fig, ax = plt.subplots()
    try:
        out = funnel_plot(table, ax=ax, title="Custom")
        assert out is ax
        assert ax.get_title(loc="left") == "Custom"
        assert ax.get_ylabel() == "Ratio of observed to expected"
        bare = table.copy()
        bare.attrs = {}
        ax2 = funnel_plot(bare)
        assert len(ax2.get_lines()) >= 5
        plt.close("all")
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="table must be a DataFrame returned by funnel_table"):
        funnel_plot(pd.DataFrame({"x": [1]}))


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"expected": 0.0}, r"expected = 0 must be a positive"),
        ({"expected": [1.0, -2.0]}, r"expected\[1\] = -2 must be a positive"),
        ({"expected": [1.0, float("nan")]}, r"expected\[1\] = nan"),
        ({"expected": "ten"}, r"expected must be a number"),
        ({"expected": [1.0, None]}, r"expected\[1\] = None is not a number"),
        ({"conf_level": 95}, r"conf_level must be a proportion in \(0, 1\).*not 95"),
        ({"conf_level": 1.0}, r"conf_level"),
        ({"method": "wald"}, r"unknown method 'wald'; choose one of 'exact', 'interpolated'"),
        ({"method": "exa"}, r"unknown method 'exa'"),
    ],
)
def test_funnel_limits_bad_inputs(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"expected": [5.0, 10.0]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        funnel_limits(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"observed": [1, -2, 3]}, r"observed\[1\] = -2 is negative"),
        ({"observed": [1, 2.5, 3]}, r"observed\[1\] = 2.5 is not a whole number"),
        ({"observed": [1, float("nan"), 3]}, r"observed\[1\] = nan is missing"),
        ({"observed": [1, 2]}, r"expected_or_population has 3 values but observed has 2"),
        ({"expected_or_population": [1e5, 0, 2e5]}, r"expected_or_population\[1\] = 0 must"),
        ({"names": ["a", "b"]}, r"names has 2 values but observed has 3"),
        ({"names": "abc"}, r"names must be a list"),
        ({"denominator": "people"}, r"unknown denominator 'people'.*'population', 'expected'"),
        ({"method": "byar"}, r"unknown method 'byar'"),
        ({"overdispersion": "random"}, r"unknown overdispersion 'random'"),
        ({"target": -1.0}, r"target = -1 must be a positive"),
        ({"rate_per": 0}, r"rate_per = 0 must be a positive"),
        ({"conf_levels": [0.95, 99.8]}, r"conf_levels\[1\] must be .* got 99.8"),
        ({"conf_levels": []}, r"conf_levels is empty"),
        ({"conf_levels": [0.95, 0.95]}, r"conf_levels repeats"),
        ({"observed": [0, 0, 0]}, r"observed are all zero"),
        ({"observed": [1, 2], "expected_or_population": [1e5, 2e5], "overdispersion": "additive"},
         r"observed has 2 units; the overdispersion check needs at least 3"),
    ],
)  # fmt: skip
def test_funnel_table_bad_inputs(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"observed": [3, 5, 8], "expected_or_population": [1e5, 2e5, 3e5]}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        funnel_table(**args)  # type: ignore[arg-type]


def test_overdispersion_and_additive_bad_inputs() -> None:
    with pytest.raises(ValueError, match=r"winsor must be a share"):
        funnel_overdispersion([1, 2, 3], [1.0, 2.0, 3.0], winsor=0.6)
    with pytest.raises(ValueError, match=r"observed has 3 values but expected has 2"):
        funnel_overdispersion([1, 2, 3], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"tau2 must be a finite number >= 0"):
        additive_limits(5.0, -0.1)
