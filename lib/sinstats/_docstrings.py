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
_PUBLIC_CONF_LEVEL: Final = (
    "conf_level : float, default 0.95\n    Confidence level, a proportion in (0, 1): 0.95, not 95."
)
_POISSON_METHOD: Final = (
    'method : {"exact", "midp", "byar", "normal", "phe"}, default "exact"\n'
    '    See :data:`POISSON_METHODS` and ``docs/methods.md``. ``"phe"`` is exact below 10 events\n'
    "    and Byar's approximation from 10; the ``*_table`` functions say which was used on a row."
)
_COUNT_ARGS: Final = (
    "count : int or array-like of int\n"
    "    Observed number of events (whole, non-negative; 3.0 is accepted, 3.5 is not).\n"
    f"{_PUBLIC_CONF_LEVEL}\n{_POISSON_METHOD}"
)
_RATE_ARGS: Final = (
    "count : int or array-like of int\n    Observed number of events.\n"
    "population : float or array-like\n    Population (or person-time) at risk; must be > 0.\n"
    "per : float or array-like, default 100_000\n"
    "    Rate multiplier: the rate is ``count / population * per``.\n"
    f"{_PUBLIC_CONF_LEVEL}\n{_POISSON_METHOD}"
)
_PROPORTION_ARGS: Final = (
    "count : int or array-like of int\n"
    "    Number of cases with the attribute, 0 <= count <= n.\n"
    "n : int or array-like of int\n    Number of cases in all (>= 1).\n"
    f"{_PUBLIC_CONF_LEVEL}\n"
    'method : {"wilson", "wilson_cc", "clopper_pearson", "jeffreys", "agresti_coull"}\n'
    '    See :data:`PROPORTION_METHODS`; default ``"wilson"``.'
)
_RATIO_ARGS: Final = (
    "count1, count2 : int or array-like of int\n"
    "    Events in each group (e.g. this year's and last year's notifications).\n"
    "exposure1, exposure2 : float or array-like, default 1.0\n"
    "    Population or person-time in each group (> 0). With the defaults the ratio is of\n"
    "    the counts themselves."
)
_RATIO_CI_ARGS: Final = (
    f"{_RATIO_ARGS}\n{_PUBLIC_CONF_LEVEL}\n"
    'method : {"exact", "midp", "score"}, default "exact"\n'
    '    See :data:`RATE_RATIO_METHODS`. ``"exact"`` reproduces R\'s\n'
    "    ``poisson.test(c(x1, x2), c(t1, t2))``: estimate, interval and two-sided p-value."
)
_TABLE: Final = "pandas.DataFrame"
_ARG_NAME: Final = "name : str\n    The argument's name, for the message."

#: The shared sections, by name: numpydoc text without indentation.
SECTIONS: Final[Mapping[str, str]] = {
    # The methods of a registry, which take validated arrays.
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
        "x : ndarray\n    Design matrix: a column of ones, the time in years, then any step or "
        "event indicators.\n"
        "offset : ndarray\n    log exposure (zeros without an exposure).",
        "_Fit",
    ),
    # The public interval functions and their tables (which take the same arguments).
    "poisson_ci": _section(_COUNT_ARGS, "Interval"),
    "poisson_table": _section(_COUNT_ARGS, _TABLE),
    "rate_ci": _section(_RATE_ARGS, "Interval"),
    "rate_table": _section(_RATE_ARGS, _TABLE),
    "proportion_ci": _section(_PROPORTION_ARGS, "Interval"),
    "proportion_table": _section(_PROPORTION_ARGS, _TABLE),
    "ratio_args": _RATIO_ARGS,
    "ratio_ci": _section(_RATIO_CI_ARGS, "RateRatio"),
    "ratio_table": _section(_RATIO_CI_ARGS, _TABLE),
    # Periods, argument checks, uncertainty components, dispersion tests.
    "period_result": (
        "Returns\n-------\nPeriod\n\nRaises\n------\nPeriodError\n"
        "    If the value cannot be read as a period; the message lists the accepted forms."
    ),
    "arg_name": _ARG_NAME,
    "check_value": (
        f"Parameters\n----------\nvalue : object\n    The value to check.\n{_ARG_NAME}"
    ),
    "check_result": (
        "Returns\n-------\nndarray of float64\n    With the shape of ``value`` (0-d for a number)."
        "\n\nRaises\n------\nParameterError"
    ),
    "multiplier_parameters": (
        "Parameters\n----------\ncentre : float, default 1.0\n    Median of the factor.\n"
        "sd_log : float\n"
        "    Standard deviation of its log (about its relative standard deviation).\n"
        "range_ : tuple of float, optional\n"
        "    Plausible range of ``centre`` (``range`` in the YAML file)."
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
    "trend_fits": "fits : dict of str to SegmentedResult\n    The output of :func:`trend_fits`.",
    "fits_and_series": (
        "fits : dict of str to SegmentedResult\n    The output of :func:`trend_fits`.\n"
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
