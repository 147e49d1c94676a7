"""Confidence intervals for Poisson counts and rates.

Methods are chosen by name from :data:`POISSON_METHODS`; each is one documented function that
takes validated counts and a confidence level and returns the lower and upper limits. The public
functions validate their arguments (:mod:`sinstats.stats._validation`) and return an
:class:`~sinstats.stats.intervals.Interval`, or a table that says which method was used on each
row and why (``method``, ``method_requested``, ``conf_level`` and ``note``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from sinstats._docstrings import fill_doc
from sinstats._typing import FloatArray
from sinstats.stats import _method_names as method_names
from sinstats.stats._validation import (
    as_counts,
    as_positive,
    broadcast,
    check_conf_level,
    check_name,
)
from sinstats.stats.intervals._common import (
    Arguments,
    Interval,
    Rows,
    root,
    shaped,
    table_of,
    z_two_sided,
)

#: PHE/Fingertips rule: exact limits below this many events, Byar's approximation from it.
PHE_BYAR_FROM: Final = 10

PoissonMethod: TypeAlias = Callable[[FloatArray, float], tuple[FloatArray, FloatArray]]
"""A Poisson method: (validated counts, conf_level) -> (lower, upper)."""


@fill_doc
def _poisson_exact(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    r"""Exact (Garwood) limits for a Poisson mean.

    %(poisson_method)s
        :math:`L = \chi^2_{\alpha/2}(2x)/2` (0 when :math:`x = 0`) and
        :math:`U = \chi^2_{1-\alpha/2}(2x+2)/2`, with :math:`\alpha = 1 -` ``conf_level``.
        Equivalently :math:`P(X \ge x; L) = \alpha/2` and :math:`P(X \le x; U) = \alpha/2`.

    Notes
    -----
    The central interval obtained by inverting two one-sided exact tests. It is identical to
    R's ``poisson.test(x)$conf.int``. Its coverage is never below nominal, and because counts
    are discrete it is conservative: for means 1-10 the actual coverage of the 95% interval
    averages 97.4% (``benchmarks/coverage_study.md``). It never breaks down numerically; it is
    "too wide" rather than wrong.

    References
    ----------
    .. [1] Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-442.
    .. [2] Ulm K. A simple method to calculate the confidence interval of a standardized
       mortality ratio. Am J Epidemiol 1990;131:373-375.
    """
    alpha = 1 - conf_level
    safe = np.where(count > 0, count, 1.0)
    lower = np.where(count > 0, stats.chi2.ppf(alpha / 2, 2 * safe) / 2, 0.0)
    upper = stats.chi2.isf(alpha / 2, 2 * count + 2) / 2
    return lower.astype(np.float64), np.asarray(upper, dtype=np.float64)


def _poisson_pmf(x: float, mu: float) -> float:
    return math.exp(special.xlogy(x, mu) - mu - math.lgamma(x + 1))


def _poisson_midp_one(x: float, conf_level: float) -> tuple[float, float]:
    """Mid-p limits for one count, bracketed by the exact limits."""
    half_alpha = (1 - conf_level) / 2
    exact_lo, exact_hi = _poisson_exact(np.array([x]), conf_level)
    lo_bracket, hi_bracket = float(exact_lo[0]), float(exact_hi[0])

    def upper_tail(mu: float) -> float:  # P(X > x) + P(X = x)/2, increasing in mu
        return float(special.pdtrc(x, mu)) + 0.5 * _poisson_pmf(x, mu) - half_alpha

    def lower_tail(mu: float) -> float:  # P(X < x) + P(X = x)/2, decreasing in mu
        below = float(special.pdtr(x - 1, mu)) if x > 0 else 0.0
        return below + 0.5 * _poisson_pmf(x, mu) - half_alpha

    lower = root(upper_tail, lo_bracket, hi_bracket) if x > 0 else 0.0
    upper = root(lower_tail, lo_bracket, hi_bracket)
    # At confidence levels near 0 the two roots meet; root-finding error could put them a few
    # ulps out of order, so keep the interval ordered.
    return min(lower, upper), upper


@fill_doc
def _poisson_midp(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    r"""Central mid-p exact limits for a Poisson mean.

    %(poisson_method)s
        The lower limit solves :math:`P(X > x) + \tfrac12 P(X = x) = \alpha/2` (0 when
        :math:`x = 0`); the upper limit solves :math:`P(X < x) + \tfrac12 P(X = x) = \alpha/2`.
        Both are found with Brent's method between the exact limits, which bracket them.

    Notes
    -----
    Counting only half the probability of the observed value removes most of the exact
    method's conservatism: coverage is close to nominal on average but can dip slightly below
    it for some means (``benchmarks/coverage_study.md``). Equal to
    ``exactci::poisson.exact(x, midp=TRUE, tsmethod="central")``. At very low confidence
    levels (below about 50%) the interval can exclude the observed count, because it shrinks
    towards the median-unbiased estimate rather than towards x.

    References
    ----------
    .. [1] Lancaster HO. Significance tests in discrete distributions. J Am Stat Assoc
       1961;56:223-234.
    .. [2] Fay MP. Two-sided exact tests and matching confidence intervals for discrete data.
       R Journal 2010;2(1):53-58.
    .. [3] Rothman KJ, Greenland S, Lash TL. Modern Epidemiology, 3rd ed. 2008, ch. 14.
    """
    lower = np.empty_like(count)
    upper = np.empty_like(count)
    cache: dict[float, tuple[float, float]] = {}
    for i, x in enumerate(count.flat):
        if x not in cache:
            cache[x] = _poisson_midp_one(float(x), conf_level)
        lower.flat[i], upper.flat[i] = cache[x]
    return lower, upper


@fill_doc
def _poisson_byar(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    r"""Byar's approximation to the exact Poisson limits (the PHE/Fingertips formula).

    %(poisson_method)s
        :math:`L = x\,(1 - \frac{1}{9x} - \frac{z}{3\sqrt{x}})^3` (0 when :math:`x = 0`) and
        :math:`U = (x+1)\,(1 - \frac{1}{9(x+1)} + \frac{z}{3\sqrt{x+1}})^3`, with :math:`z`
        the two-sided standard normal quantile.

    Notes
    -----
    The Wilson-Hilferty cube-root approximation to the chi-square quantiles of the exact
    method. From 10 events it agrees with the exact limits to within about 0.2%; below
    that it is poorer, which is why PHE switches to the exact method under 10 events
    (method ``"phe"``). At :math:`x = 1` and high confidence levels the cubed term is negative
    and the lower limit is meaningless; it is set to 0 in that case and whenever :math:`x = 0`.

    References
    ----------
    .. [1] Breslow NE, Day NE. Statistical Methods in Cancer Research, Vol. II: The Design and
       Analysis of Cohort Studies. IARC Scientific Publication 82, Lyon 1987, p. 69.
    .. [2] Public Health England. Technical Guide: Confidence Intervals. PHE/Fingertips, 2018.
    .. [3] Fox L, et al. PHEindicatormethods: Common Public Health Statistics and their
       Confidence Intervals. R package; ``byars_lower``/``byars_upper`` in ``R/utils.R``.
    """
    z = z_two_sided(conf_level)
    safe = np.where(count > 0, count, 1.0)
    cube = 1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))
    lower = np.where((count > 0) & (cube > 0), safe * cube**3, 0.0)
    x1 = count + 1
    upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return lower.astype(np.float64), upper.astype(np.float64)


@fill_doc
def _poisson_normal(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    r"""Normal-approximation (Wald) limits for a Poisson mean, truncated at 0.

    %(poisson_method)s
        :math:`\max(0, x - z\sqrt{x})` and :math:`x + z\sqrt{x}`.

    Notes
    -----
    Included for comparison with published figures that use it. It breaks down for small
    counts: the lower limit goes negative below :math:`x = z^2` (about 4 at 95%) and is
    truncated to 0 here (the table functions say so in ``note``), and at :math:`x = 0` the
    interval collapses to (0, 0). Coverage falls well below nominal for small means: the 95%
    interval covers on average 89% of the time for means 1-10, and 63% at a mean of 1.

    References
    ----------
    .. [1] Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat
       Sci 2001;16:101-133 (the same failure of the Wald interval).
    .. [2] Barker L. A comparison of nine confidence intervals for a Poisson parameter when
       the expected number of events is <= 5. Am Stat 2002;56:85-89.
    """
    z = z_two_sided(conf_level)
    half = z * np.sqrt(count)
    return np.maximum(count - half, 0.0), (count + half).astype(np.float64)


@fill_doc
def _poisson_phe(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    """PHE's rule: exact limits below 10 events, Byar's approximation from 10 events.

    %(poisson_method)s
        :func:`_poisson_exact` where ``count < 10``, :func:`_poisson_byar` elsewhere. The table
        functions report the method used on each row.

    Notes
    -----
    Reproduces the figures in Fingertips and PHEindicatormethods. The switch makes the limits
    jump slightly between 9 and 10 events; from 10 events Byar's limits are within about 1% of
    the exact ones at 95%.

    References
    ----------
    .. [1] Public Health England. Technical Guide: Confidence Intervals. PHE/Fingertips, 2018.
    .. [2] Breslow NE, Day NE. Statistical Methods in Cancer Research, Vol. II. IARC 1987.
    """
    exact_lo, exact_hi = _poisson_exact(count, conf_level)
    byar_lo, byar_hi = _poisson_byar(count, conf_level)
    use_exact = count < PHE_BYAR_FROM
    return np.where(use_exact, exact_lo, byar_lo), np.where(use_exact, exact_hi, byar_hi)


#: Poisson interval methods for :func:`poisson_ci` and :func:`rate_ci`.
POISSON_METHODS: Final[Mapping[str, PoissonMethod]] = method_names.registry(
    method_names.POISSON,
    {
        "exact": _poisson_exact,
        "midp": _poisson_midp,
        "byar": _poisson_byar,
        "normal": _poisson_normal,
        "phe": _poisson_phe,
    },
)


def _methods_used(count: FloatArray, method: str) -> npt.NDArray[np.object_]:
    """Return the method used on each row: under ``"phe"``, ``"exact"`` or ``"byar"``."""
    if method == "phe":
        return np.where(count < PHE_BYAR_FROM, "exact", "byar").astype(object)
    return np.full(count.shape, method, dtype=object)


def _notes(count: FloatArray, method: str, conf_level: float) -> list[str]:
    """One note per row: the PHE switch, truncation at 0, Byar's approximation below 10."""
    notes = []
    z = z_two_sided(conf_level)
    for x in count.flat:
        if method == "phe":
            note = (
                f"exact below {PHE_BYAR_FROM} events (PHE rule)"
                if x < PHE_BYAR_FROM
                else f"Byar from {PHE_BYAR_FROM} events (PHE rule)"
            )
        elif method == "normal" and x == 0:
            note = "count 0: normal interval collapses to (0, 0)"
        elif method == "normal" and x - z * math.sqrt(x) < 0:
            note = "lower bound truncated at 0"
        elif method == "byar" and x < PHE_BYAR_FROM:
            note = f"Byar's approximation below {PHE_BYAR_FROM} events; PHE uses exact here"
        else:
            note = ""
        notes.append(note)
    return notes


def _rate_inputs(
    count: npt.ArrayLike, population: npt.ArrayLike, per: npt.ArrayLike
) -> tuple[tuple[int, ...], list[FloatArray]]:
    """Validate and broadcast the arguments of :func:`rate_ci`."""
    return broadcast(
        count=as_counts(count, "count"),
        population=as_positive(population, "population"),
        per=as_positive(per, "per"),
    )


@fill_doc
def poisson_ci(count: npt.ArrayLike, conf_level: float = 0.95, method: str = "exact") -> Interval:
    """Confidence interval for a Poisson count.

    %(poisson_ci)s
        ``(estimate, lower, upper)``; the estimate is the count itself.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument, for invalid counts, confidence levels or
        method names.

    Examples
    --------
    >>> poisson_ci(379)  # doctest: +ELLIPSIS
    Interval(estimate=379.0, lower=341.79..., upper=419.14...)
    """
    level = check_conf_level(conf_level)
    name = check_name(method, POISSON_METHODS, "method", " for poisson_ci")
    x = as_counts(count, "count")
    shape = x.shape
    lower, upper = POISSON_METHODS[name](x.reshape(-1), level)
    return Interval(shaped(x.copy(), shape), shaped(lower, shape), shaped(upper, shape))


def _rows(count: FloatArray, inputs: dict[str, npt.NDArray[Any]], given: Arguments) -> Rows:
    """Return the rows of a Poisson table: its inputs, the method used and a note per row."""
    method, level = given["method"], float(given["conf_level"])
    return Rows(inputs, _methods_used(count, method), _notes(count, method, level))


@fill_doc
@table_of(poisson_ci)
def poisson_ci_table(given: Arguments) -> Rows:
    """Confidence intervals for counts as a table that says what was done on each row.

    %(poisson_table)s
        Columns ``count``, ``estimate``, ``lower``, ``upper``, ``method`` (the method used on
        the row: ``"exact"`` or ``"byar"`` under ``"phe"``), ``method_requested``,
        ``conf_level`` and ``note``.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument: as for :func:`poisson_ci`.
    """
    x = as_counts(given["count"], "count").reshape(-1)
    return _rows(x, {"count": x.astype(np.int64)}, given)


@fill_doc
def rate_ci(
    count: npt.ArrayLike,
    population: npt.ArrayLike,
    per: npt.ArrayLike = 100_000,
    conf_level: float = 0.95,
    method: str = "exact",
) -> Interval:
    """Confidence interval for a rate: a Poisson interval for the count, scaled.

    %(rate_ci)s
        ``(rate, lower, upper)`` per ``per`` population.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument: invalid counts, populations, multiplier,
        confidence level or method.

    Notes
    -----
    The population is treated as known without error, as in PHE's crude-rate method.
    """
    level = check_conf_level(conf_level)
    name = check_name(method, POISSON_METHODS, "method", " for rate_ci")
    shape, (x, pop, multiplier) = _rate_inputs(count, population, per)
    lower, upper = POISSON_METHODS[name](x.reshape(-1), level)
    scale = (multiplier / pop).reshape(-1)
    return Interval(
        shaped(x.reshape(-1) * scale, shape),
        shaped(lower * scale, shape),
        shaped(upper * scale, shape),
    )


@fill_doc
@table_of(rate_ci)
def rate_ci_table(given: Arguments) -> Rows:
    """Confidence intervals for rates as a table that says what was done on each row.

    %(rate_table)s
        Columns ``count``, ``population``, ``per``, ``estimate``, ``lower``, ``upper``,
        ``method``, ``method_requested``, ``conf_level`` and ``note``.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument: as for :func:`rate_ci`.
    """
    _, (count, pop, per) = _rate_inputs(given["count"], given["population"], given["per"])
    x = count.reshape(-1)
    inputs = {"count": x.astype(np.int64), "population": pop.reshape(-1), "per": per.reshape(-1)}
    return _rows(x, inputs, given)
