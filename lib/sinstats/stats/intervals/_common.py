"""Result records and small numerical helpers shared by the interval modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
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
