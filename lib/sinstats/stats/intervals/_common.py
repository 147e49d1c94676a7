"""Result records, the making of ``*_table`` functions and small helpers of the interval modules."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, ParamSpec, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, stats

from sinstats._typing import FloatArray, FloatOrArray


class Interval(NamedTuple):
    """A point estimate with its confidence interval.

    Fields are floats for scalar input and numpy arrays for array input.
    """

    estimate: FloatOrArray
    lower: FloatOrArray
    upper: FloatOrArray


class RateRatio(NamedTuple):
    """A rate ratio (group 1 over group 2), its confidence interval and the p-value for ratio 1."""

    estimate: FloatOrArray
    lower: FloatOrArray
    upper: FloatOrArray
    p_value: FloatOrArray


def shaped(arr: FloatArray, shape: tuple[int, ...]) -> FloatOrArray:
    """Return a float for scalar input, otherwise an array of the broadcast shape."""
    if shape == ():
        return float(arr.reshape(()))
    return arr.reshape(shape)


def flat(value: FloatOrArray | npt.ArrayLike) -> FloatArray:
    """Return a result field as a 1-d array (one element per table row)."""
    return np.atleast_1d(np.asarray(value, dtype=np.float64)).reshape(-1)


def z_two_sided(conf_level: float) -> float:
    """Two-sided standard normal quantile for ``conf_level``."""
    return float(stats.norm.isf((1 - conf_level) / 2))


def root(f: Callable[[float], float], lower: float, upper: float) -> float:
    """Root of ``f`` between the bracketing ``lower`` and ``upper`` (Brent, to full precision)."""
    return float(optimize.brentq(f, lower, upper, xtol=1e-200, rtol=1e-15))


def what_was_done(
    method: object, requested: str, conf_level: float, notes: Sequence[str]
) -> dict[str, object]:
    """Return the last four columns of every ``*_table``: what was done on each row.

    Parameters
    ----------
    method : str or array of str
        The method used (per row where it can differ, as under PHE's rule).
    requested : str
        The method asked for.
    conf_level : float
        The confidence level.
    notes : sequence of str
        One note per row ("" when there is nothing to say).

    Returns
    -------
    dict
        Columns ``method``, ``method_requested``, ``conf_level`` and ``note``.
    """
    return {
        "method": method,
        "method_requested": requested,
        "conf_level": float(conf_level),
        "note": list(notes),
    }


class Rows(NamedTuple):
    """What a ``*_table`` shows besides the interval itself (see :func:`table_of`).

    Attributes
    ----------
    inputs : dict of str to ndarray
        The validated inputs, one column each, one element per row, in column order.
    methods : str or ndarray of str
        The method used: one name, or one per row where it can differ (PHE's rule).
    notes : sequence of str
        One note per row ("" when there is nothing to say).
    """

    inputs: dict[str, npt.NDArray[Any]]
    methods: object
    notes: Sequence[str]


_P = ParamSpec("_P")
_Result = TypeVar("_Result", Interval, RateRatio)
Arguments: TypeAlias = Mapping[str, Any]
"""An interval function's arguments by name, with its defaults filled in."""


def table_of(
    interval: Callable[_P, _Result],
) -> Callable[[Callable[[Arguments], Rows]], Callable[_P, pd.DataFrame]]:
    """Make the ``*_table`` function of ``interval`` from the description of its rows.

    The table function takes exactly ``interval``'s arguments and calls ``interval`` with them
    (which validates them, and raises as it does). The decorated function is given the same
    arguments by name (:data:`Arguments`) and returns the :class:`Rows` of the table. The table
    is a :class:`pandas.DataFrame` of the input columns, the fields of the result (``estimate``,
    ``lower``, ``upper``, and ``p_value`` for a rate ratio) and the columns of
    :func:`what_was_done`. It has the decorated function's name and docstring and shows
    ``interval``'s signature.

    Parameters
    ----------
    interval : callable
        An interval function returning an :class:`Interval` or a :class:`RateRatio`.

    Returns
    -------
    callable
        A decorator: ``rows_of`` (arguments -> :class:`Rows`) to the table function.
    """
    signature = inspect.signature(interval)

    def decorate(rows_of: Callable[[Arguments], Rows]) -> Callable[_P, pd.DataFrame]:
        def table(*args: _P.args, **kwargs: _P.kwargs) -> pd.DataFrame:
            result = interval(*args, **kwargs)
            given = signature.bind(*args, **kwargs)
            given.apply_defaults()
            rows = rows_of(given.arguments)
            fields = {name: flat(value) for name, value in result._asdict().items()}
            done = what_was_done(
                rows.methods, given.arguments["method"], given.arguments["conf_level"], rows.notes
            )
            return pd.DataFrame({**rows.inputs, **fields, **done})

        for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(table, attribute, getattr(rows_of, attribute))
        table.__signature__ = signature.replace(  # type: ignore[attr-defined]
            return_annotation="pandas.DataFrame"
        )
        return table

    return decorate
