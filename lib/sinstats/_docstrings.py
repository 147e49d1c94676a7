"""Docstring sections shared by functions of every layer, filled in at import.

Functions that take the same arguments share their descriptions (every Poisson method takes
validated counts and a confidence level; every query takes ``data_dir``); writing those once keeps
them the same everywhere. A docstring names a shared section as ``%(name)s`` on a line of its own,
and :func:`fill_doc` replaces it with the section from :data:`SECTIONS`, indented like the
placeholder (as ``scipy._lib.doccer`` does for SciPy's distributions, and as PHEindicatormethods
shares parameter documentation with roxygen's ``@inheritParams``). The text after the placeholder
is the function's own. This module is part of the base layer: it imports nothing of sinstats.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final, TypeVar

__all__ = ["SECTIONS", "fill_doc"]

_F = TypeVar("_F", bound=Callable[..., object])


def _section(parameters: str, returns: str = "lower, upper : ndarray") -> str:
    """Return a Parameters section and the head of a Returns section."""
    return f"Parameters\n----------\n{parameters}\n\nReturns\n-------\n{returns}"


_CONF_LEVEL: Final = "conf_level : float\n    Confidence level in (0, 1)."

#: The shared sections, by name: numpydoc text without indentation.
SECTIONS: Final[Mapping[str, str]] = {
    "poisson_method": _section(
        f"count : ndarray\n    Validated, non-negative whole counts.\n{_CONF_LEVEL}"
    ),
    "proportion_method": _section(
        "count, n : ndarray\n    Validated successes and trials, :math:`0 \\le x \\le n`, "
        f":math:`n \\ge 1`.\n{_CONF_LEVEL}"
    ),
    "ratio_method": _section(
        "count, n : ndarray\n    Events in group 1 and in both groups, "
        f":math:`n = x_1 + x_2 \\ge 1`.\n{_CONF_LEVEL}"
    ),
    "ratio_test": _section(
        "x, n : int\n    Events in group 1 and in both groups.\n"
        "p : float\n    Null probability :math:`p_0 = r t_1/(r t_1 + t_2)`.\n"
        'alternative : {"two-sided", "less", "greater"}\n    Alternative hypothesis for the ratio.',
        "float",
    ),
    "limit_method": _section(
        "expected : ndarray\n    Expected counts, > 0.\n"
        "p : float\n    Probability in each tail, (1 - conf_level) / 2."
    ),
    "trend_family": _section(
        "y : ndarray\n    Counts.\n"
        "x : ndarray\n    Design matrix: a column of ones and the centred time in years.\n"
        "offset : ndarray\n    log exposure (zeros without an exposure).",
        "_Fit",
    ),
    "table_conf_level": "conf_level : float, default 0.95\n    Confidence level in (0, 1).",
    "rate_args": (
        "count : int or array-like of int\n    Observed number of events.\n"
        "population : float or array-like\n    Population (or person-time) at risk; must be > 0.\n"
        "per : float or array-like, default 100_000\n"
        "    Rate multiplier: the rate is ``count / population * per``."
    ),
    "proportion_args": (
        "count : int or array-like of int\n"
        "    Number of cases with the attribute, 0 <= count <= n.\n"
        "n : int or array-like of int\n    Number of cases in all (>= 1)."
    ),
    "ratio_args": (
        "count1, count2 : int or array-like of int\n"
        "    Events in each group (e.g. this year's and last year's notifications).\n"
        "exposure1, exposure2 : float or array-like, default 1.0\n"
        "    Population or person-time in each group (> 0). With the defaults the ratio is of\n"
        "    the counts themselves."
    ),
    "dispersion_test_args": (
        "y : array_like\n    Observed counts.\nmu : array_like\n    Fitted Poisson means."
    ),
    # Parameters of the presentation and analysis layers (notebook parameters and the tables
    # one analysis function passes to the next).
    "year": (
        "period : str, int or Period\n"
        '    The April-March year, in any accepted form (``"2025-26"``, ``2026``...).'
    ),
    "data_folder": (
        "data_dir : path-like, optional\n    Data folder (default: the project's ``data/``)."
    ),
    "count_method": (
        'method : str, default "exact"\n'
        "    Poisson interval method for counts and rates (a name in\n"
        "    :data:`sinstats.stats.intervals.POISSON_METHODS`)."
    ),
    "sensitivity_table": "long : pandas.DataFrame\n    The output of :func:`method_sensitivity`.",
    "trend_fits": "fits : dict of str to TrendResult\n    The output of :func:`trend_fits`.",
    "fits_and_series": (
        "fits : dict of str to TrendResult\n    The output of :func:`trend_fits`.\n"
        "series : pandas.DataFrame\n    The output of :func:`series_intervals`."
    ),
    "areas_table": "areas : Areas\n    The output of :func:`area_table`.",
    "reconciliation_table": "table : pandas.DataFrame\n    The output of :func:`reconciliation`.",
    "uncertainty_model": "model : Model\n    The model of :func:`load_model`.",
    "model_and_result": (
        "model : Model\n    The model of :func:`load_model`.\n"
        "result : UncertaintyResult\n    Its simulation: the output of :func:`simulate`."
    ),
    "simulation_draws": (
        "n_draws : int, default 200000\n    Monte Carlo draws.\n"
        "seed : int, default 2026\n    Seed of every random stream (same seed, same numbers)."
    ),
}


def _fill(doc: str) -> str:
    for name, section in SECTIONS.items():
        token = f"%({name})s"
        while token in doc:
            start = doc.index(token)
            line_start = doc.rfind("\n", 0, start) + 1
            indent = doc[line_start:start]
            body = section.strip("\n").replace("\n", "\n" + indent)
            doc = doc[:start] + body.replace(f"\n{indent}\n", "\n\n") + doc[start + len(token) :]
    return doc


def fill_doc(func: _F) -> _F:
    """Replace the ``%(name)s`` placeholders of ``func``'s docstring with :data:`SECTIONS`.

    Parameters
    ----------
    func : callable
        A function whose docstring holds placeholders.

    Returns
    -------
    callable
        ``func`` itself, its ``__doc__`` filled in.
    """
    if func.__doc__:
        func.__doc__ = _fill(func.__doc__)
    return func
