"""Reference values, cross-checks, tables, registries and bad input for sinstats.stats.intervals.

The main oracle is ``tests/reference/*.csv``, written by ``make_interval_references.py`` with
mpmath from the definitions of each method (never with sinstats or scipy). Each row carries the
formula or R call that produced it in its ``source`` column.
"""

from __future__ import annotations

import csv
import inspect
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sinstats.errors import ParameterError
from sinstats.stats.intervals import (
    POISSON_METHODS,
    PROPORTION_METHODS,
    RATE_RATIO_METHODS,
    RATE_RATIO_TESTS,
    Interval,
    RateRatio,
    poisson_ci,
    poisson_ci_table,
    proportion_ci,
    proportion_ci_table,
    rate_ci,
    rate_ci_table,
    rate_ratio_ci,
    rate_ratio_ci_table,
    rate_ratio_test,
)

REFERENCE = Path(__file__).resolve().parents[3] / "reference"

# The issue asks for 1e-9, and allows 1e-6 for values the library finds by root-finding (mid-p).
# Brent's method to machine precision gives about 1e-13 here, so mid-p is held to 1e-9 too.
REL_TOL = 1e-9
ROOT_FOUND_REL_TOL = 1e-9


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def _tol(method: str) -> float:
    return ROOT_FOUND_REL_TOL if method == "midp" else REL_TOL


def _close(actual: float, expected: str, rel: float) -> bool:
    want = float(expected)
    if math.isinf(want):
        return actual == want
    if want == 0:
        return actual == 0
    return math.isclose(actual, want, rel_tol=rel, abs_tol=0)


def _id(row: dict[str, str], *keys: str) -> str:
    return "-".join(row[k] for k in keys)


# --- reference values ------------------------------------------------------------------------

POISSON_ROWS = _rows("poisson_ci.csv")
RATE_ROWS = _rows("rate_ci.csv")
PROPORTION_ROWS = _rows("proportion_ci.csv")
RATIO_ROWS = _rows("rate_ratio.csv")
RATIO_TEST_ROWS = _rows("rate_ratio_test.csv")


def test_reference_files_cover_the_issue() -> None:
    required = {0, 1, 2, 3, 5, 9, 10, 30, 146, 379, 482}
    for rows, family in [(POISSON_ROWS, POISSON_METHODS), (PROPORTION_ROWS, PROPORTION_METHODS)]:
        assert {r["method"] for r in rows} == set(family)
        for method in family:
            for conf in ("0.95", "0.998"):
                counts = {
                    int(r["count"])
                    for r in rows
                    if r["method"] == method and r["conf_level"] == conf
                }
                assert required <= counts, (method, conf)
    assert {r["method"] for r in RATIO_ROWS} == set(RATE_RATIO_METHODS)
    assert all(r["source"] for r in POISSON_ROWS + PROPORTION_ROWS + RATIO_ROWS + RATE_ROWS)


@pytest.mark.parametrize(
    "row", POISSON_ROWS, ids=[_id(r, "method", "count", "conf_level") for r in POISSON_ROWS]
)
def test_poisson_ci_matches_reference(row: dict[str, str]) -> None:
    got = poisson_ci(int(row["count"]), float(row["conf_level"]), row["method"])
    tol = _tol(row["method"])
    assert _close(got.estimate, row["estimate"], tol)
    assert _close(got.lower, row["lower"], tol), (got.lower, row["lower"])
    assert _close(got.upper, row["upper"], tol), (got.upper, row["upper"])


@pytest.mark.parametrize(
    "row",
    RATE_ROWS,
    ids=[_id(r, "method", "count", "population", "conf_level") for r in RATE_ROWS],
)
def test_rate_ci_matches_reference(row: dict[str, str]) -> None:
    got = rate_ci(
        int(row["count"]),
        float(row["population"]),
        float(row["per"]),
        float(row["conf_level"]),
        row["method"],
    )
    tol = _tol(row["method"])
    assert _close(got.estimate, row["estimate"], tol)
    assert _close(got.lower, row["lower"], tol), (got.lower, row["lower"])
    assert _close(got.upper, row["upper"], tol), (got.upper, row["upper"])


@pytest.mark.parametrize("name", ["poisson_ci.csv", "rate_ci.csv"])
def test_phe_method_used_matches_reference(name: str) -> None:
    rows = [r for r in _rows(name) if r["method"] == "phe"]
    counts = [int(r["count"]) for r in rows]
    if name == "poisson_ci.csv":
        table = poisson_ci_table(counts, method="phe")
    else:
        pops = [float(r["population"]) for r in rows]
        pers = [float(r["per"]) for r in rows]
        table = rate_ci_table(counts, pops, pers, method="phe")
    assert table["method"].tolist() == [r["method_used"] for r in rows]
    assert set(table["method"]) == {"exact", "byar"}


@pytest.mark.parametrize(
    "row",
    PROPORTION_ROWS,
    ids=[_id(r, "method", "count", "n", "conf_level") for r in PROPORTION_ROWS],
)
def test_proportion_ci_matches_reference(row: dict[str, str]) -> None:
    got = proportion_ci(int(row["count"]), int(row["n"]), float(row["conf_level"]), row["method"])
    assert _close(got.estimate, row["estimate"], REL_TOL)
    assert _close(got.lower, row["lower"], REL_TOL), (got.lower, row["lower"])
    assert _close(got.upper, row["upper"], REL_TOL), (got.upper, row["upper"])


@pytest.mark.parametrize(
    "row",
    RATIO_ROWS,
    ids=[
        _id(r, "method", "count1", "count2", "exposure1", "exposure2", "conf_level")
        for r in RATIO_ROWS
    ],
)
def test_rate_ratio_ci_matches_reference(row: dict[str, str]) -> None:
    got = rate_ratio_ci(
        int(row["count1"]),
        int(row["count2"]),
        float(row["exposure1"]),
        float(row["exposure2"]),
        float(row["conf_level"]),
        row["method"],
    )
    tol = _tol(row["method"])
    assert _close(got.estimate, row["estimate"], REL_TOL)
    assert _close(got.lower, row["lower"], tol), (got.lower, row["lower"])
    assert _close(got.upper, row["upper"], tol), (got.upper, row["upper"])
    assert _close(got.p_value, row["p_value"], REL_TOL), (got.p_value, row["p_value"])


@pytest.mark.parametrize(
    "row",
    RATIO_TEST_ROWS,
    ids=[_id(r, "method", "count1", "count2", "ratio", "alternative") for r in RATIO_TEST_ROWS],
)
def test_rate_ratio_test_matches_reference(row: dict[str, str]) -> None:
    got = rate_ratio_test(
        int(row["count1"]),
        int(row["count2"]),
        float(row["exposure1"]),
        float(row["exposure2"]),
        ratio=float(row["ratio"]),
        method=row["method"],
        alternative=row["alternative"],
    )
    assert isinstance(got, float)
    assert _close(got, row["p_value"], REL_TOL), (got, row["p_value"])


# --- published R output and statsmodels (independent implementations) -----------------------


def test_r_documentation_examples() -> None:
    # Printed output of the examples in R's ?poisson.test and ?binom.test (7 significant digits).
    rate = rate_ci(137, 24.19893, per=1)
    assert rate.estimate == pytest.approx(5.661407, rel=1e-6)
    assert (rate.lower, rate.upper) == pytest.approx((4.753125, 6.692709), rel=1e-6)

    ratio = rate_ratio_ci(11, 6 + 8 + 7, 800, 1083 + 1050 + 878)
    assert ratio.estimate == pytest.approx(1.971488, rel=1e-6)
    assert (ratio.lower, ratio.upper) == pytest.approx((0.8584264, 4.2772659), rel=1e-6)
    assert ratio.p_value == pytest.approx(0.07967, rel=1e-4)

    share = proportion_ci(682, 925, method="clopper_pearson")
    assert (share.lower, share.upper) == pytest.approx((0.7076683, 0.7654066), rel=1e-6)


@pytest.mark.parametrize("count", [1, 2, 5, 9, 30, 146, 379])
def test_poisson_matches_statsmodels(count: int) -> None:
    rates = pytest.importorskip("statsmodels.stats.rates")
    exact = rates.confint_poisson(count, 1, method="exact-c", alpha=0.05)
    assert poisson_ci(count)[1:] == pytest.approx(exact, rel=1e-12)
    # statsmodels finds mid-p limits with its own root-finder and a looser tolerance.
    midp = rates.confint_poisson(count, 1, method="midp-c", alpha=0.05)
    assert poisson_ci(count, method="midp")[1:] == pytest.approx(midp, rel=1e-7)


@pytest.mark.parametrize(("count", "n"), [(1, 10), (17, 100), (146, 482), (379, 482)])
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("wilson", "wilson"),
        ("clopper_pearson", "beta"),
        ("jeffreys", "jeffreys"),
        ("agresti_coull", "agresti_coull"),
    ],
)
def test_proportions_match_statsmodels(count: int, n: int, ours: str, theirs: str) -> None:
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    expected = proportion.proportion_confint(count, n, alpha=0.05, method=theirs)
    assert proportion_ci(count, n, method=ours)[1:] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("x1", "x2", "t1", "t2"), [(379, 482, 1, 1), (3, 9, 0.5, 1.5), (11, 21, 800, 3011)]
)
def test_rate_ratio_matches_statsmodels(x1: int, x2: int, t1: float, t2: float) -> None:
    rates = pytest.importorskip("statsmodels.stats.rates")
    for ours, theirs in [("exact", "exact-cond"), ("score", "score")]:
        expected = rates.test_poisson_2indep(x1, t1, x2, t2, method=theirs).pvalue
        assert rate_ratio_test(x1, x2, t1, t2, method=ours) == pytest.approx(expected, rel=1e-12)
    # statsmodels' two-sided cond-midp is a "minlike" definition; its one-sided values are ours.
    for ours, theirs in [("greater", "larger"), ("less", "smaller")]:
        expected = rates.test_poisson_2indep(
            x1, t1, x2, t2, value=1.3, method="cond-midp", alternative=theirs
        ).pvalue
        got = rate_ratio_test(x1, x2, t1, t2, ratio=1.3, method="midp", alternative=ours)
        assert got == pytest.approx(expected, rel=1e-10)
    score_ci = rates.confint_poisson_2indep(x1, t1, x2, t2, method="score", alpha=0.05)
    got_ci = rate_ratio_ci(x1, x2, t1, t2, method="score")
    assert (got_ci.lower, got_ci.upper) == pytest.approx(score_ci, rel=1e-7)


# --- shapes, types and tables ----------------------------------------------------------------


def test_scalar_input_gives_floats() -> None:
    for interval in [
        poisson_ci(3),
        rate_ci(3, 1000),
        proportion_ci(3, 10),
        rate_ratio_ci(3, 4),
    ]:
        assert all(type(v) is float for v in interval)
    assert type(rate_ratio_test(3, 4)) is float
    assert isinstance(poisson_ci(3), Interval)
    assert isinstance(rate_ratio_ci(3, 4), RateRatio)


def test_array_input_gives_arrays_and_broadcasts() -> None:
    got = rate_ci([3, 4, 5], 1000)
    assert all(isinstance(v, np.ndarray) and v.shape == (3,) for v in got)
    got2 = proportion_ci(np.array([[1, 2], [3, 4]]), 10)
    assert all(v.shape == (2, 2) for v in got2)
    ratio = rate_ratio_ci(pd.Series([379, 357]), [482, 338], exposure1=[1.0, 2.0])
    assert all(v.shape == (2,) for v in ratio)
    # Broadcast results equal element-wise scalar results.
    for method in POISSON_METHODS:
        arr = poisson_ci([0, 9, 10, 379], method=method)
        for i, x in enumerate([0, 9, 10, 379]):
            one = poisson_ci(x, method=method)
            assert (arr.lower[i], arr.upper[i]) == (one.lower, one.upper)


def test_whole_float_counts_accepted() -> None:
    assert poisson_ci(3.0) == poisson_ci(3)
    assert proportion_ci(np.int64(3), 10.0) == proportion_ci(3, 10)


def test_poisson_table_reports_method_per_row() -> None:
    table = poisson_ci_table([0, 3, 9, 10, 379], conf_level=0.998, method="phe")
    assert list(table.columns) == [
        "count",
        "estimate",
        "lower",
        "upper",
        "method",
        "method_requested",
        "conf_level",
        "note",
    ]
    assert table["method"].tolist() == ["exact", "exact", "exact", "byar", "byar"]
    assert set(table["method_requested"]) == {"phe"}
    assert set(table["conf_level"]) == {0.998}
    exact = poisson_ci([0, 3, 9], 0.998)
    byar = poisson_ci([10, 379], 0.998, method="byar")
    np.testing.assert_array_equal(table["upper"], np.concatenate([exact.upper, byar.upper]))
    assert table["note"].str.contains("PHE rule").all()


def test_table_notes_say_what_was_done() -> None:
    normal = poisson_ci_table([0, 2, 100], method="normal")
    assert normal["note"].tolist()[:2] == [
        "count 0: normal interval collapses to (0, 0)",
        "lower bound truncated at 0",
    ]
    assert normal["note"].iloc[2] == ""
    byar = poisson_ci_table([1, 9, 10], method="byar")
    assert (
        byar["note"].tolist()[:2]
        == ["Byar's approximation below 10 events; PHE uses exact here"] * 2
    )
    assert byar["note"].iloc[2] == ""
    assert poisson_ci(1, 0.998, method="byar").lower == 0.0  # the cubed term is negative
    cc = proportion_ci_table([5, 4], 10, method="wilson_cc")
    assert "no continuity correction" in cc["note"].iloc[0]
    assert cc["note"].iloc[1] == ""
    ac = proportion_ci_table([0, 5], 10, method="agresti_coull")
    assert ac["note"].tolist() == ["truncated to [0, 1]", ""]
    ratio = rate_ratio_ci_table([0, 5, 3, 0], [5, 0, 9, 0])
    assert ratio["note"].iloc[0].startswith("count1 is 0")
    assert ratio["note"].iloc[1].startswith("count2 is 0")
    assert ratio["note"].iloc[2] == ""
    assert ratio["note"].iloc[3].startswith("no events")


def test_all_tables_have_method_conf_level_note() -> None:
    tables = [
        poisson_ci_table(5),
        rate_ci_table(5, 1000),
        proportion_ci_table(5, 10),
        rate_ratio_ci_table(5, 7),
    ]
    for table in tables:
        assert {"method", "method_requested", "conf_level", "note"} <= set(table.columns)
        assert len(table) == 1
    rate_table = rate_ci_table([5, 6], [1000, 2000], per=1000)
    assert rate_table["estimate"].tolist() == pytest.approx([5.0, 3.0])
    assert rate_table["population"].tolist() == [1000.0, 2000.0]


@pytest.mark.parametrize(
    ("table", "interval", "columns"),
    [
        (poisson_ci_table, poisson_ci, ["count"]),
        (rate_ci_table, rate_ci, ["count", "population", "per"]),
        (proportion_ci_table, proportion_ci, ["count", "n"]),
        (rate_ratio_ci_table, rate_ratio_ci, ["count1", "count2", "exposure1", "exposure2"]),
    ],
)
def test_a_table_takes_its_interval_functions_arguments(
    table: Callable[..., pd.DataFrame], interval: Callable[..., object], columns: list[str]
) -> None:
    shown = inspect.signature(table)
    assert list(shown.parameters.values()) == list(inspect.signature(interval).parameters.values())
    assert table.__name__ == interval.__name__ + "_table" and "%(" not in (table.__doc__ or "")
    assert table.__module__ == interval.__module__
    # Inputs first, then the result's fields, then what was done; keywords work as positions do.
    got = table(*([3] * (len(columns) - 1)), 9, conf_level=0.9)
    fields = ["estimate", "lower", "upper"] + (["p_value"] if len(columns) == 4 else [])
    assert got.columns.tolist() == [
        *columns,
        *fields,
        "method",
        "method_requested",
        "conf_level",
        "note",
    ]
    assert got["conf_level"].tolist() == [0.9]
    with pytest.raises(ParameterError, match="conf_level"):
        table(*([3] * len(columns)), conf_level=95)


def test_zero_events_in_both_groups() -> None:
    got = rate_ratio_ci(0, 0)
    assert math.isnan(got.estimate)
    assert (got.lower, got.upper, got.p_value) == (0.0, math.inf, 1.0)


def test_zero_counts_give_zero_or_infinite_ratio() -> None:
    for method in RATE_RATIO_METHODS:
        low = rate_ratio_ci(0, 5, method=method)
        assert low.estimate == 0 and low.lower == 0 and 0 < low.upper < math.inf
        high = rate_ratio_ci(5, 0, method=method)
        assert high.estimate == math.inf and high.upper == math.inf and 0 < high.lower < math.inf


def test_wilson_cc_without_correction_at_half_as_r() -> None:
    assert proportion_ci(241, 482, method="wilson_cc") == proportion_ci(241, 482)
    assert proportion_ci(240, 482, method="wilson_cc") != proportion_ci(240, 482)


# --- registries ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "args", "registry"),
    [
        (poisson_ci, (5,), POISSON_METHODS),
        (rate_ci, (5, 1000), POISSON_METHODS),
        (proportion_ci, (5, 10), PROPORTION_METHODS),
        (rate_ratio_ci, (5, 7), RATE_RATIO_METHODS),
        (rate_ratio_test, (5, 7), RATE_RATIO_TESTS),
    ],
)
@pytest.mark.parametrize("bad", ["exa", "Exact", "wils", "garwood", "", None, 1])
def test_unknown_method_lists_valid_names(
    func: Any, args: tuple[Any, ...], registry: Any, bad: Any
) -> None:
    with pytest.raises(ValueError, match="method") as info:
        func(*args, method=bad)
    for name in registry:
        assert repr(name) in str(info.value)


@pytest.mark.parametrize(
    "func",
    [
        *POISSON_METHODS.values(),
        *PROPORTION_METHODS.values(),
        *RATE_RATIO_METHODS.values(),
        *RATE_RATIO_TESTS.values(),
    ],
    ids=lambda f: f.__name__,
)
def test_each_method_is_documented_with_notes_and_references(func: Any) -> None:
    doc = func.__doc__ or ""
    for section in ("Parameters", "Returns", "Notes", "References"):
        assert f"{section}\n    ---" in doc, (func.__name__, section)


def test_conf_level_accepts_numpy_scalars() -> None:
    assert poisson_ci(5, np.float64(0.95)) == poisson_ci(5, 0.95)
    assert poisson_ci(5, np.array(0.95)) == poisson_ci(5, 0.95)


def test_registries_are_read_only() -> None:
    with pytest.raises(TypeError):
        POISSON_METHODS["new"] = POISSON_METHODS["exact"]  # type: ignore[index]


def test_bad_alternative() -> None:
    with pytest.raises(ValueError, match="alternative"):
        rate_ratio_test(3, 4, alternative="two.sided")


# --- bad input -------------------------------------------------------------------------------

BAD_INPUTS = [
    # (callable, kwargs, argument named in the message, value shown in the message)
    (poisson_ci, {"count": -1}, "count", "-1"),
    (poisson_ci, {"count": 3.5}, "count", "3.5"),
    (poisson_ci, {"count": [1, 2, -3]}, "count", "-3 at position 2"),
    (poisson_ci, {"count": float("nan")}, "count", "nan"),
    (poisson_ci, {"count": [1, float("inf")]}, "count", "inf"),
    (poisson_ci, {"count": True}, "count", "True"),
    (poisson_ci, {"count": [1, True]}, "count", "True"),
    (poisson_ci, {"count": np.array([True])}, "count", "True"),
    (poisson_ci, {"count": "12"}, "count", "'12'"),
    (poisson_ci, {"count": None}, "count", "None"),
    (poisson_ci, {"count": []}, "count", "empty"),
    (poisson_ci, {"count": pd.Series([1, None])}, "count", "nan"),
    (poisson_ci, {"count": 5, "conf_level": 95}, "conf_level", "not 95"),
    (poisson_ci, {"count": 5, "conf_level": 99.8}, "conf_level", "e.g. 0.998, not 99.8"),
    (poisson_ci, {"count": 5, "conf_level": 0}, "conf_level", "got 0"),
    (poisson_ci, {"count": 5, "conf_level": 1}, "conf_level", "got 1"),
    (poisson_ci, {"count": 5, "conf_level": -0.5}, "conf_level", "-0.5"),
    (poisson_ci, {"count": 5, "conf_level": float("nan")}, "conf_level", "nan"),
    (poisson_ci, {"count": 5, "conf_level": True}, "conf_level", "True"),
    (poisson_ci, {"count": 5, "conf_level": [0.95, 0.99]}, "conf_level", "[0.95, 0.99]"),
    (rate_ci, {"count": 5, "population": 0}, "population", "0"),
    (rate_ci, {"count": 5, "population": -100}, "population", "-100"),
    (rate_ci, {"count": 5, "population": float("nan")}, "population", "nan"),
    (rate_ci, {"count": 5, "population": 1000, "per": 0}, "per", "0"),
    (rate_ci, {"count": 5.5, "population": 1000}, "count", "5.5"),
    (rate_ci, {"count": [1, 2, 3], "population": [10, 20]}, "count", "(3,)"),
    (rate_ci, {"count": [1, 2, 3], "population": [10, 20]}, "population", "(2,)"),
    (proportion_ci, {"count": 11, "n": 10}, "count", "count=11 with n=10"),
    (proportion_ci, {"count": [1, 11], "n": 10}, "count", "at position 1"),
    (proportion_ci, {"count": 0, "n": 0}, "n", "0"),
    (proportion_ci, {"count": 1, "n": 10.5}, "n", "whole number of cases; got 10.5"),
    (proportion_ci, {"count": -1, "n": 10}, "count", "-1"),
    (proportion_ci, {"count": 1, "n": -10}, "n", "-10"),
    (proportion_ci, {"count": [1, 2], "n": [10, 20, 30]}, "n", "(3,)"),
    (proportion_ci, {"count": 1, "n": 10, "conf_level": 95}, "conf_level", "not 95"),
    (rate_ratio_ci, {"count1": -1, "count2": 5}, "count1", "-1"),
    (rate_ratio_ci, {"count1": 1, "count2": 2.5}, "count2", "2.5"),
    (rate_ratio_ci, {"count1": 1, "count2": 2, "exposure1": 0}, "exposure1", "0"),
    (rate_ratio_ci, {"count1": 1, "count2": 2, "exposure2": -1.0}, "exposure2", "-1"),
    (rate_ratio_ci, {"count1": [1, 2], "count2": [1, 2, 3]}, "count2", "(3,)"),
    (rate_ratio_ci, {"count1": 1, "count2": 2, "conf_level": 95}, "conf_level", "not 95"),
    (rate_ratio_test, {"count1": 1, "count2": 2, "ratio": 0}, "ratio", "0"),
    (rate_ratio_test, {"count1": 1, "count2": 2, "ratio": [1, 2]}, "ratio", "[1, 2]"),
    (rate_ratio_test, {"count1": 1, "count2": 2, "ratio": float("inf")}, "ratio", "inf"),
]


@pytest.mark.parametrize(
    ("func", "kwargs", "argument", "shown"),
    BAD_INPUTS,
    ids=[f"{f.__name__}-{a}-{s}" for f, _, a, s in BAD_INPUTS],
)
def test_bad_input_raises_value_error_naming_argument(
    func: Any, kwargs: dict[str, Any], argument: str, shown: str
) -> None:
    with pytest.raises(ValueError) as info:
        func(**kwargs)
    message = str(info.value)
    assert message.startswith(argument) or f" {argument} " in message, message
    assert shown in message, message


def test_conf_level_percent_message_is_helpful() -> None:
    with pytest.raises(ValueError) as info:
        proportion_ci(1, 10, conf_level=95)
    assert "conf_level must be a proportion in (0, 1), e.g. 0.95, not 95" in str(info.value)


# --- regression: the exact two-sided p-value for large counts ---------------------------------


def _r_binom_test_two_sided(x: int, n: int, p: float) -> float:
    """R's binom.test two-sided p-value, transcribed line by line (vector over all outcomes)."""
    from scipy import stats

    rel_err = 1 + 1e-7
    d = stats.binom.pmf(x, n, p)
    m = n * p
    if x == m:
        return 1.0
    if x < m:
        i = np.arange(math.ceil(m), n + 1)
        y = int(np.sum(stats.binom.pmf(i, n, p) <= d * rel_err))
        return float(min(1.0, stats.binom.cdf(x, n, p) + stats.binom.sf(n - y, n, p)))
    i = np.arange(0, math.floor(m) + 1)
    y = int(np.sum(stats.binom.pmf(i, n, p) <= d * rel_err))
    return float(min(1.0, stats.binom.cdf(y - 1, n, p) + stats.binom.sf(x - 1, n, p)))


def test_exact_p_value_matches_r_transcription_on_random_cases() -> None:
    # The library finds R's "no more likely" outcomes by bisection (the pmf is monotone beyond
    # the mean); it must agree exactly with R's full scan, ties at p0 = 1/2 included.
    rng = np.random.default_rng(20260601)
    for _ in range(1500):
        n = int(rng.integers(1, 2500))
        x1 = int(rng.integers(0, n + 1))
        t1, t2 = (1.0, 1.0) if rng.random() < 0.3 else (float(rng.uniform(0.1, 3)), 1.0)
        p0 = t1 / (t1 + t2)
        got = rate_ratio_test(x1, n - x1, t1, t2)
        if p0 <= 0.5:
            want = _r_binom_test_two_sided(x1, n, p0)
        else:  # the library tests the second group's share; R's p-value is symmetric in this
            want = _r_binom_test_two_sided(n - x1, n, t2 / (t1 + t2))
        assert got == pytest.approx(want, rel=1e-12, abs=1e-300), (x1, n - x1, t1, t2)


def test_exact_p_value_for_counts_in_the_billions() -> None:
    # Before the fix: R's O(n) scan allocated vectors of length n (8 GB here), and the observed
    # outcome's probability came from a log-gamma formula off by 1.6e-6 relative at this n, so
    # the equally likely mirror outcome n - x fell outside R's 1e-7 tolerance: the p-value was
    # 0.26355845 instead of 0.26356800.
    # Reference: x1 = 1e9, x2 = 1e9 + 50,000, equal exposures, so p0 = 1/2 and the pmf is
    # symmetric: R's minlike p-value is exactly 2 P(X <= x1), X ~ Bin(2,000,050,000, 1/2).
    # mpmath (40 digits): P(X = x1) = exp(lgamma(n+1) - lgamma(x+1) - lgamma(n-x+1) - n log 2),
    # then P(X = k - 1) = P(X = k) k / (n - k + 1), summed from x1 down 12 standard deviations:
    # 2 P(X <= x1) = 0.26356799567030464043.
    got = rate_ratio_test(10**9, 10**9 + 50_000)
    assert got == pytest.approx(0.26356799567030464043, rel=1e-9)
    result = rate_ratio_ci(10**9, 10**9 + 50_000)
    assert result.p_value == got
    assert result.lower < result.estimate < 1 < result.upper  # p = 0.26: the CI holds 1


# --- regression: exact, Jeffreys and mid-p limits for large numbers of cases -------------------


def test_beta_limits_for_a_small_share_of_a_billion() -> None:
    # Before the fix scipy's betaincinv returned 1.9e-6 for the Clopper-Pearson lower limit of
    # 1,000 out of 10**9: above the estimate 1e-6 (betainc at that point is 1, not 0.025).
    # References (mpmath, 40 digits, bisection to full precision):
    # Clopper-Pearson: P(X >= 1000; n = 1e9, L) = 0.025 and P(X <= 1000; n, U) = 0.025, the
    # binomial tails summed term by term (1,000 terms);
    # Jeffreys: I_t(1000.5, 1e9 - 999.5) = 0.025 and 0.975 (mpmath.betainc, regularized).
    cp = proportion_ci(1000, 10**9, method="clopper_pearson")
    assert cp.lower == pytest.approx(9.3897304658956094192e-7, rel=1e-9)
    assert cp.upper == pytest.approx(1.0639521019952884303e-6, rel=1e-9)
    jeffreys = proportion_ci(1000, 10**9, method="jeffreys")
    assert jeffreys.lower == pytest.approx(9.3945755234785435789e-7, rel=1e-9)
    assert jeffreys.upper == pytest.approx(1.0634366115602348141e-6, rel=1e-9)
    # The same for the mirror share (upper limits come from the other tail).
    mirror = proportion_ci(10**9 - 1000, 10**9, method="clopper_pearson")
    assert 1 - mirror.upper == pytest.approx(9.3897304658956094192e-7, rel=1e-6)
    # The exact rate ratio is Clopper-Pearson on the split: 1,000 events against 10**9 - 1,000.
    ratio = rate_ratio_ci(1000, 10**9 - 1000)
    assert ratio.lower < ratio.estimate < ratio.upper


def test_midp_rate_ratio_with_more_than_2_31_events() -> None:
    # Before the fix the mid-p tails used scipy.special.bdtr/bdtrc, which take n as a C int and
    # return NaN past 2**31 - 1: Brent's method then stopped with "function value is NaN".
    # Reference (mpmath, 40 digits): x1 = 5, n = 5 + 3e9; the limits for p solve
    # 1 - P(X <= 5) + P(X = 5)/2 = 0.025 and P(X <= 4) + P(X = 5)/2 = 0.025 (binomial tails
    # summed term by term), and the ratio is p / (1 - p) with equal exposures.
    result = rate_ratio_ci(5, 3 * 10**9, method="midp")
    assert result.lower == pytest.approx(6.1066493577922138214e-10, rel=1e-9)
    assert result.upper == pytest.approx(3.6941385585508026977e-9, rel=1e-9)


@pytest.mark.parametrize(
    ("func", "args", "argument"),
    [
        (proportion_ci, (3, 10**16), "n must be at most 10**15"),
        (proportion_ci, (10**20, 10**300), "n must be at most 10**15"),
        (rate_ratio_ci, (10**15, 1), "count1 + count2 must be at most 10**15"),
        (rate_ratio_test, ([1, 10**15], [2, 5]), "count1 + count2 must be at most 10**15"),
    ],
)
def test_more_than_10_15_cases_is_refused(func: Any, args: tuple[Any, ...], argument: str) -> None:
    # Before: silently wrong answers, e.g. proportion_ci(1e20, 1e300) gave the Wilson interval
    # (0, 1) and a Clopper-Pearson interval of NaN; past 10**15 the beta and binomial functions
    # behind the exact methods lose accuracy, and past 2**53 a count is not exactly a float.
    with pytest.raises(ValueError, match=argument.replace("*", r"\*").replace("+", r"\+")):
        func(*args)
