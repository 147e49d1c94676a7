"""The argument checks shared by the statistics layer (sinstats.stats._validation).

Every check raises ParameterError (a ValueError) naming the argument; the functions that use
them are tested with their own messages in the tests of each module.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats.errors import ParameterError
from sinstats.stats import _validation as v
from sinstats.stats.intervals import check_conf_level

# --- the one confidence-level rule -------------------------------------------------------------


@pytest.mark.parametrize(
    "value", [0.95, 0.5, 1e-9, np.float64(0.8), np.float32(0.5), np.array(0.9), Fraction(1, 2)]
)
def test_conf_level_accepts_proportions(value: object) -> None:
    assert check_conf_level(value) == pytest.approx(float(np.asarray(value, dtype=float)))


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (95, r"conf_level must be a proportion in \(0, 1\), e\.g\. 0\.95, not 95; got 95"),
        (99.8, r"e\.g\. 0\.998, not 99\.8"),
        (0, r"e\.g\. 0\.95; got 0"),
        (1, r"got 1$"),
        (-0.5, r"got -0\.5"),
        (100, r"got 100"),
        (float("nan"), r"got nan"),
        (float("inf"), r"got inf"),
        (10**400, r"got inf"),
        (True, r"single number"),
        (None, r"single number"),
        ("0.95", r"single number .* got '0\.95'"),
        ([0.95], r"single number"),
    ],
)
def test_conf_level_refuses_anything_else(value: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        check_conf_level(value)


def test_conf_level_names_the_argument() -> None:
    with pytest.raises(ParameterError, match=r"^level must be"):
        check_conf_level(95, "level")


@pytest.mark.parametrize(("text", "level"), [("0.95", 0.95), (" 0.998 ", 0.998), ("5e-1", 0.5)])
def test_conf_level_as_text(text: str, level: float) -> None:
    assert check_conf_level(text, text=True) == level


@pytest.mark.parametrize(
    ("text", "match"),
    [("95", r"0\.95, not 95"), ("high", r"got 'high'"), ("nan", r"got nan"), ("", r"got ''")],
)
def test_conf_level_as_text_refused(text: str, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        check_conf_level(text, text=True)


@settings(max_examples=200)
@given(value=st.one_of(st.floats(), st.integers(), st.text(max_size=8), st.booleans(), st.none()))
def test_conf_level_returns_a_proportion_or_raises_parameter_error(value: object) -> None:
    for text in (False, True):
        try:
            level = check_conf_level(value, text=text)
        except ParameterError as err:
            assert str(err).startswith("conf_level ")
        else:
            assert 0 < level < 1


def test_conf_levels_sorted_and_checked() -> None:
    assert v.check_conf_levels([0.998, 0.95]) == (0.95, 0.998)
    assert v.check_conf_levels(0.9) == (0.9,)
    assert v.check_conf_levels(np.array(0.9)) == (0.9,)
    assert v.check_conf_levels(x for x in (0.8, 0.95)) == (0.8, 0.95)
    with pytest.raises(ParameterError, match=r"levels\[1\] must be .*not 95"):
        v.check_conf_levels([0.8, 95], "levels")
    with pytest.raises(ParameterError, match="is empty"):
        v.check_conf_levels([])
    with pytest.raises(ParameterError, match="repeats a level"):
        v.check_conf_levels([0.95, 0.95])
    with pytest.raises(ParameterError, match="must be a list of levels"):
        v.check_conf_levels("0.95")


# --- names from a registry ---------------------------------------------------------------------


def test_check_name_exact_names_only() -> None:
    registry = {"exact": 1, "midp": 2}
    assert v.check_name("exact", registry, "method") == "exact"
    assert v.check_name(np.str_("midp"), registry, "method") == "midp"
    assert v.check_name(None, (None, "additive"), "overdispersion") is None
    for bad in ("exa", "Exact", "", None, 1, ["exact"]):
        with pytest.raises(ParameterError) as info:
            v.check_name(bad, registry, "method", " for poisson_ci")
        message = str(info.value)
        assert message.startswith(f"unknown method {bad!r} for poisson_ci; choose one of ")
        assert "'exact', 'midp'" in message


# --- broadcasting checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (None, "must be a number or an array of numbers"),
        ("3", "must be a number or an array of numbers"),
        (True, "not a boolean"),
        ([1, True], "not a boolean"),
        (np.array([True]), "not a boolean"),
        (np.array([1, True], dtype=object), "not a boolean"),
        (np.array(["a"]), "must be a number or an array of numbers"),
        ([1, "a"], "must be a number or an array of numbers"),
        ([[1, 2], [3]], "must be a number or an array of numbers"),
        ([], "is empty"),
        ([1.0, float("nan")], r"finite .* got nan at position 1"),
        (np.array([[1.0, 2.0], [3.0, np.inf]]), r"got inf at position \(1, 1\)"),
    ],
)
def test_as_finite_array_refuses(value: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        v.as_finite_array(value, "x")  # type: ignore[arg-type]


def test_counts_and_positive_quantities() -> None:
    assert v.as_counts([0, 3.0], "count").tolist() == [0.0, 3.0]
    with pytest.raises(ParameterError, match=r"count must be a count >= 0; got -1$"):
        v.as_counts(-1, "count")
    with pytest.raises(ParameterError, match=r"whole number of cases; got 2\.5 at position 1"):
        v.as_counts([1, 2.5], "n", "cases")
    with pytest.raises(ParameterError, match=r"population must be > 0; got 0 at position 0"):
        v.as_positive([0, 1], "population")


def test_broadcast_names_mismatched_arguments() -> None:
    shape, (a, b) = v.broadcast(a=np.array([1.0, 2.0]), b=np.array(3.0))
    assert shape == (2,) and b.tolist() == [3.0, 3.0] and a.dtype == np.float64
    with pytest.raises(ParameterError, match=r"a has shape \(2,\), b has shape \(3,\)"):
        v.broadcast(a=np.ones(2), b=np.ones(3))


def test_first_flagged_and_number_format() -> None:
    assert v.first_flagged(np.array(True)) == ((), "")
    assert v.first_flagged(np.array([False, True])) == ((1,), " at position 1")
    assert v.fmt_number(3.0) == "3" and v.fmt_number(2.5) == "2.5"
    assert v.fmt_number(float("nan")) == "nan" and v.fmt_number(float("-inf")) == "-inf"


# --- element checks ----------------------------------------------------------------------------


def test_real_numbers_element_by_element() -> None:
    assert v.real_numbers(pd.Series([1, 2.5]), "x").tolist() == [1.0, 2.5]
    assert v.real_numbers(4, "x").shape == ()
    with pytest.raises(ParameterError, match=r"^x\[1\] = None is not a number$"):
        v.real_numbers([1, None], "x")
    with pytest.raises(ParameterError, match=r"^x = True is not a number$"):
        v.real_numbers(True, "x")
    with pytest.raises(ParameterError, match="must be a number or an array"):
        v.real_numbers(b"12", "x")
    with pytest.raises(ParameterError, match=r"x\[0\] = 1000.* is too large for a float"):
        v.real_numbers([10**400], "x")


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ([1, float("nan")], r"counts\[1\] = nan is missing or infinite; leave it out"),
        ([1, -2], r"counts\[1\] = -2 is negative"),
        (2.5, r"^counts = 2\.5 is not a whole number"),
    ],
)
def test_whole_counts(value: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        v.whole_counts(value, "counts", missing="leave it out")


def test_positive_numbers_and_one_dim() -> None:
    with pytest.raises(ParameterError, match=r"e\[1\] = -2 must be a positive finite number, ok"):
        v.positive_numbers([1.0, -2.0], "e", ", ok")
    with pytest.raises(ParameterError, match=r"^e = inf must be a positive finite number$"):
        v.positive_numbers(float("inf"), "e")
    assert v.one_dim(np.array(2.0), "e").shape == (1,)
    with pytest.raises(ParameterError, match=r"e must be one-dimensional; got shape \(1, 2\)"):
        v.one_dim(np.ones((1, 2)), "e")


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ((1,), "must be a pair"),
        ("ab", "must be a pair"),
        ((1, 2.5), "two non-negative whole numbers"),
        ((True, 2), "two non-negative whole numbers"),
        ((-1, 2), "two non-negative whole numbers"),
        ((5, 1), "low must not exceed high"),
    ],
)
def test_whole_pair(value: object, match: str) -> None:
    assert v.whole_pair([np.int64(1), 5], "r") == (1, 5)
    with pytest.raises(ParameterError, match=match):
        v.whole_pair(value, "suppressed_range")
