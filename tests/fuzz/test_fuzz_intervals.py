"""Fuzzing the interval functions with hostile input.

Allowed outcomes: a correct result (bounds ordered, in their domain, finite where they must be) or
``ValueError`` with a message naming the argument. Never another exception or a silent NaN.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats.stats import intervals as iv

FUZZ = settings(max_examples=200, deadline=None)

hostile_number = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
    st.lists(st.integers(min_value=-5, max_value=600), max_size=4),
    st.lists(st.floats(allow_nan=True), max_size=3),
)
hostile_level = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.95, 0.998, 95, 99.8, 0, 1, -0.5]),
    st.none(),
    st.text(max_size=4),
)
method_name = st.one_of(
    st.sampled_from(["exact", "midp", "byar", "normal", "phe"]), st.text(max_size=6)
)
proportion_method = st.one_of(st.sampled_from(sorted(iv.PROPORTION_METHODS)), st.text(max_size=6))
ratio_method = st.one_of(st.sampled_from(sorted(iv.RATE_RATIO_METHODS)), st.text(max_size=6))


def _ok_interval(result: iv.Interval, level: object, upper_bound: float = math.inf) -> None:
    est, lo, hi = (np.asarray(x, dtype=float) for x in result)
    assert not np.isnan(lo).any() and not np.isnan(hi).any()
    assert (lo >= 0).all() and (lo <= hi).all() and (hi <= upper_bound).all()
    # Below 50% confidence, central mid-p and Jeffreys intervals may legitimately exclude the
    # point estimate (docs/methods.md); from 50% every method must contain it.
    if float(level) >= 0.5:  # type: ignore[arg-type]
        assert (lo <= est + 1e-12).all() and (est <= hi + 1e-12).all()


def _message_names_argument(err: ValueError, names: tuple[str, ...]) -> None:
    text = str(err)
    assert text and any(name in text for name in names), text


@FUZZ
@given(count=hostile_number, level=hostile_level, method=method_name)
def test_poisson_ci_fuzz(count: object, level: object, method: str) -> None:
    try:
        result = iv.poisson_ci(count, level, method)  # type: ignore[arg-type]
    except ValueError as err:
        _message_names_argument(err, ("count", "conf_level", "method"))
        return
    _ok_interval(result, level)


@FUZZ
@given(count=hostile_number, n=hostile_number, level=hostile_level, method=proportion_method)
def test_proportion_ci_fuzz(count: object, n: object, level: object, method: str) -> None:
    try:
        result = iv.proportion_ci(count, n, level, method)  # type: ignore[arg-type]
    except ValueError as err:
        _message_names_argument(err, ("count", "n", "conf_level", "method"))
        return
    _ok_interval(result, level, upper_bound=1.0)


@FUZZ
@given(count=hostile_number, population=hostile_number, level=hostile_level, method=method_name)
def test_rate_ci_fuzz(count: object, population: object, level: object, method: str) -> None:
    try:
        result = iv.rate_ci(count, population, conf_level=level, method=method)  # type: ignore[arg-type]
    except ValueError as err:
        _message_names_argument(err, ("count", "population", "per", "conf_level", "method"))
        return
    _ok_interval(result, level)


@FUZZ
@given(
    x1=hostile_number,
    x2=hostile_number,
    t1=st.one_of(st.just(1.0), hostile_number),
    level=hostile_level,
    method=ratio_method,
)
def test_rate_ratio_ci_fuzz(x1: object, x2: object, t1: object, level: object, method: str) -> None:
    try:
        rr = iv.rate_ratio_ci(x1, x2, t1, 1.0, level, method)  # type: ignore[arg-type]
    except ValueError as err:
        _message_names_argument(err, ("count1", "count2", "exposure1", "conf_level", "method"))
        return
    est, lo, hi, p = (np.asarray(v, dtype=float) for v in rr)
    both_zero = (np.asarray(x1, dtype=float) == 0) & (np.asarray(x2, dtype=float) == 0)
    assert ((lo >= 0) & (lo <= hi)).all()
    assert (np.isnan(est) == both_zero).all()  # NaN estimate only when both counts are zero
    assert ((p >= 0) & (p <= 1)).all()
