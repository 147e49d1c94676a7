"""Adjusting p-values for multiple tests run together: Holm and Benjamini-Hochberg.

A report that runs several tests at 5% each will, by chance alone, find "more than chance"
somewhere far more often than 1 time in 20. :func:`adjust_p_values` adjusts a family of p-values
so that a verdict can rest on the adjusted value: ``"holm"`` controls the chance of any false
"more than chance" in the family (the family-wise error rate) under any dependence between the
tests; ``"bh"`` controls the expected share of false ones among those called (the false discovery
rate) for independent or positively dependent tests; ``"none"`` leaves them as they are. The
methods are chosen by name from :data:`ADJUST_METHODS` and agree with R's ``p.adjust``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt

from sinstats._typing import FloatArray
from sinstats.errors import ParameterError
from sinstats.stats._validation import check_name, one_dim, real_numbers

__all__ = ["ADJUST_METHODS", "ADJUST_WORDS", "Adjusted", "adjust_p_values"]


def _holm(p: FloatArray) -> FloatArray:
    r"""Holm's step-down: :math:`\tilde p_{(i)} = \max_{j \le i} \min\{1, (m-j+1) p_{(j)}\}`.

    Parameters
    ----------
    p : ndarray
        Finite p-values in [0, 1].

    Returns
    -------
    ndarray
        The adjusted p-values, in the order given.

    References
    ----------
    .. [1] Holm S. A simple sequentially rejective multiple test procedure. Scandinavian Journal
       of Statistics 1979;6:65-70.
    """
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def _bh(p: FloatArray) -> FloatArray:
    r"""Benjamini-Hochberg: :math:`\tilde p_{(i)} = \min_{j \ge i} \min\{1, m p_{(j)} / j\}`.

    Parameters
    ----------
    p : ndarray
        Finite p-values in [0, 1].

    Returns
    -------
    ndarray
        The adjusted p-values (sometimes called q-values), in the order given.

    References
    ----------
    .. [1] Benjamini Y, Hochberg Y. Controlling the false discovery rate: a practical and
       powerful approach to multiple testing. Journal of the Royal Statistical Society B
       1995;57:289-300.
    """
    m = len(p)
    order = np.argsort(p, kind="stable")[::-1]  # largest first
    ranks = m - np.arange(m)
    stepped = np.minimum.accumulate(m / ranks * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def _none(p: FloatArray) -> FloatArray:
    """No adjustment: the p-values as they are."""
    return p.copy()


#: Registry of adjustments: name -> function(finite p-values) -> adjusted p-values.
ADJUST_METHODS: Final[Mapping[str, Callable[[FloatArray], FloatArray]]] = MappingProxyType(
    {"holm": _holm, "bh": _bh, "none": _none}
)

#: Each adjustment in words, for tables and notes.
ADJUST_WORDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "holm": "Holm (family-wise error rate)",
        "bh": "Benjamini-Hochberg (false discovery rate)",
        "none": "no adjustment",
    }
)


class Adjusted(NamedTuple):
    """The result of :func:`adjust_p_values`.

    Attributes
    ----------
    p_values : ndarray
        The adjusted p-values, in the order given (NaN where the raw value was NaN).
    method : str
        The adjustment used (a key of :data:`ADJUST_METHODS`).
    n : int
        How many p-values were adjusted together (the finite ones).
    """

    p_values: FloatArray
    method: str
    n: int

    @property
    def note(self) -> str:
        """Say in words what was adjusted: ``"Holm (family-wise error rate) over 5 tests"``."""
        if self.method == "none":
            return f"no adjustment for multiple tests ({self.n} tests)"
        return f"{ADJUST_WORDS[self.method]} adjustment over {self.n} tests run together"


def adjust_p_values(p_values: npt.ArrayLike, method: str = "holm") -> Adjusted:
    """Adjust a family of p-values for multiple testing.

    Parameters
    ----------
    p_values : array_like
        The raw p-values of the tests run together, each in [0, 1]; NaN marks a test not run
        (left NaN and not counted in the family, as R's ``p.adjust`` does with ``NA``).
    method : str, default "holm"
        A name in :data:`ADJUST_METHODS`: ``"holm"``, ``"bh"`` or ``"none"``.

    Returns
    -------
    Adjusted
        The adjusted p-values in the order given, the method and the family's size.

    Raises
    ------
    ParameterError
        For an unknown method, or a value that is not a p-value (outside [0, 1] or infinite).

    Notes
    -----
    Holm's step-down procedure is uniformly more powerful than Bonferroni and valid under any
    dependence, which suits a report's tests (the total and its natures share counts). BH is
    less strict: it controls the expected share of false discoveries, assuming independent or
    positively dependent tests. Both give adjusted p-values at least as large as the raw ones
    and in the same order, so "more than chance" after adjustment implies it before. Ties keep
    their input order.

    References
    ----------
    .. [1] Holm S. A simple sequentially rejective multiple test procedure. Scandinavian Journal
       of Statistics 1979;6:65-70.
    .. [2] Benjamini Y, Hochberg Y. Controlling the false discovery rate: a practical and
       powerful approach to multiple testing. Journal of the Royal Statistical Society B
       1995;57:289-300.

    Examples
    --------
    >>> adjust_p_values([0.01, 0.04, 0.03], "holm").p_values.round(4).tolist()
    [0.03, 0.06, 0.06]
    """
    name = check_name(method, ADJUST_METHODS, "adjust")
    p = one_dim(real_numbers(p_values, "p_values"), "p_values")
    finite = ~np.isnan(p)
    bad = finite & ((p < 0) | (p > 1))
    if np.any(bad) or np.any(np.isinf(p)):
        i = int(np.flatnonzero(bad | np.isinf(p))[0])
        raise ParameterError(
            f"p_values[{i}] = {float(p[i])!r} is not a p-value (it must be in 0 to 1)"
        )
    out = np.full(len(p), np.nan)
    if np.any(finite):
        out[finite] = ADJUST_METHODS[name](p[finite])
    return Adjusted(out, name, int(finite.sum()))
