"""Confidence intervals for counts, rates, proportions and rate ratios.

Every public function accepts scalars or array-likes (broadcast against each other), validates
its inputs (a :class:`ValueError` naming the argument and the offending value) and returns
floats for scalar input and numpy arrays for array input. Methods are chosen by name from a
module-level registry (:data:`POISSON_METHODS`, :data:`PROPORTION_METHODS`,
:data:`RATE_RATIO_METHODS`); an unknown name raises :class:`ValueError` listing the valid ones.
Names are matched exactly: no prefixes, no case folding.

The ``*_table`` functions return a :class:`pandas.DataFrame` with one row per input and the
columns ``method`` (the method actually used on that row), ``method_requested``, ``conf_level``
and ``note``, so that a reader can see, for example, where PHE's rule switched from the exact
method to Byar's approximation.

Defaults follow the project's verification rules: exact (Garwood) intervals for counts and rates,
Wilson intervals for shares, and the exact conditional (binomial) method for rate ratios, which
is what R's ``poisson.test`` does. ``docs/methods.md`` gives the formulas and the coverage study
(``benchmarks/coverage_study.md``) behind these choices.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special, stats

from sinstats._typing import FloatArray, FloatOrArray
from sinstats.errors import ParameterError

__all__ = [
    "ALTERNATIVES",
    "MAX_CASES",
    "PHE_BYAR_FROM",
    "POISSON_METHODS",
    "PROPORTION_METHODS",
    "RATE_RATIO_METHODS",
    "RATE_RATIO_TESTS",
    "Interval",
    "RateRatio",
    "check_conf_level",
    "poisson_ci",
    "poisson_ci_table",
    "proportion_ci",
    "proportion_ci_table",
    "rate_ci",
    "rate_ci_table",
    "rate_ratio_ci",
    "rate_ratio_ci_table",
    "rate_ratio_test",
]


#: PHE/Fingertips rule: exact limits below this many events, Byar's approximation from it.
PHE_BYAR_FROM: Final = 10

#: Most cases accepted for a proportion (``n``) or a rate ratio (``count1 + count2``). Beyond
#: about 10**15 the beta and binomial functions behind the exact, mid-p and Jeffreys methods
#: lose accuracy (and past 2**53 a count is no longer exactly a float); far more than any count
#: these methods are meant for.
MAX_CASES: Final = 10**15

#: Alternatives accepted by :func:`rate_ratio_test` (``"greater"``: H1 ratio > the null ratio).
ALTERNATIVES: Final = ("two-sided", "less", "greater")

# Relative tolerance R's binom.test uses to decide which outcomes are "no more likely" than the
# observed one; kept identical so that p-values agree with R to the last digit.
_R_REL_ERR: Final = 1 + 1e-7


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


PoissonMethod: TypeAlias = Callable[[FloatArray, float], tuple[FloatArray, FloatArray]]
ProportionMethod: TypeAlias = Callable[
    [FloatArray, FloatArray, float], tuple[FloatArray, FloatArray]
]
# Rate ratio methods work on the conditional binomial scale: x1 events out of n = x1 + x2.
BinomialCIMethod: TypeAlias = Callable[
    [FloatArray, FloatArray, float], tuple[FloatArray, FloatArray]
]
BinomialTest: TypeAlias = Callable[[int, int, float, str], float]


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    """Format a number for an error message: whole numbers without a decimal point."""
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _where(arr: FloatArray, mask: npt.NDArray[np.bool_]) -> str:
    """Describe the first element of ``arr`` flagged by ``mask``: its value and position."""
    if arr.ndim == 0:
        return _fmt(float(arr))
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    position = index[0] if len(index) == 1 else index
    return f"{_fmt(float(arr[index]))} at position {position}"


def _contains_bool(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return True
    if isinstance(value, list | tuple):
        return any(_contains_bool(v) for v in value)
    return False


def _as_array(value: npt.ArrayLike, name: str) -> FloatArray:
    """Convert ``value`` to a finite float array, or raise a ValueError naming ``name``."""
    if value is None or isinstance(value, str | bytes):
        raise ValueError(f"{name} must be a number or an array of numbers; got {value!r}")
    if _contains_bool(value):
        raise ValueError(f"{name} must be a number, not a boolean; got {value!r}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number or an array of numbers; got {value!r}") from exc
    if raw.dtype.kind == "b" or (
        raw.dtype.kind == "O" and any(isinstance(v, bool | np.bool_) for v in raw.flat)
    ):
        raise ValueError(f"{name} must be a number, not a boolean; got {value!r}")
    if raw.dtype.kind not in "iufO":
        raise ValueError(f"{name} must be a number or an array of numbers; got {value!r}")
    try:
        arr = raw.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number or an array of numbers; got {value!r}") from exc
    if arr.size == 0:
        raise ValueError(f"{name} is empty; give at least one value")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} must be finite (no NaN or infinity); got {_where(arr, bad)}")
    return arr


def _as_counts(value: npt.ArrayLike, name: str, unit: str = "events") -> FloatArray:
    """Validate a count: finite, whole and non-negative (3.0 is accepted, 3.5 is not)."""
    arr = _as_array(value, name)
    negative = arr < 0
    if negative.any():
        raise ValueError(f"{name} must be a count >= 0; got {_where(arr, negative)}")
    fractional = arr != np.floor(arr)
    if fractional.any():
        raise ValueError(f"{name} must be a whole number of {unit}; got {_where(arr, fractional)}")
    return arr


def _as_positive(value: npt.ArrayLike, name: str) -> FloatArray:
    """Validate a strictly positive, finite quantity such as a population or an exposure."""
    arr = _as_array(value, name)
    bad = arr <= 0
    if bad.any():
        raise ValueError(f"{name} must be > 0; got {_where(arr, bad)}")
    return arr


def check_conf_level(conf_level: object, name: str = "conf_level") -> float:
    """Validate a confidence level: one number strictly between 0 and 1.

    Shared by every module that takes a confidence level, so the rule and the message are the
    same everywhere. A value between 1 and 100 (95 meaning 95%) is refused with a hint.

    Parameters
    ----------
    conf_level : object
        The value to check.
    name : str
        The argument's name, used in the message.

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument and the value.
    """
    if isinstance(conf_level, np.ndarray) and conf_level.ndim == 0:
        conf_level = conf_level.item()
    if isinstance(conf_level, bool | np.bool_) or not isinstance(
        conf_level, int | float | np.integer | np.floating
    ):
        raise ParameterError(
            f"{name} must be a single number in (0, 1), e.g. 0.95; got {conf_level!r}"
        )
    level = float(conf_level)
    if not math.isfinite(level):
        raise ParameterError(f"{name} must be a proportion in (0, 1), e.g. 0.95; got {level}")
    if 1 < level < 100:
        raise ParameterError(
            f"{name} must be a proportion in (0, 1), "
            f"e.g. {_fmt(level / 100)}, not {_fmt(level)}; got {_fmt(level)}"
        )
    if not 0 < level < 1:
        raise ParameterError(f"{name} must be a proportion in (0, 1), e.g. 0.95; got {_fmt(level)}")
    return level


def _broadcast(**arrays: FloatArray) -> tuple[tuple[int, ...], list[FloatArray]]:
    """Broadcast named arrays together, or raise a ValueError naming the mismatched ones."""
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        described = ", ".join(f"{k} has shape {a.shape}" for k, a in arrays.items() if a.ndim > 0)
        raise ValueError(
            f"mismatched array lengths: {described}; give arrays of the same length, "
            "or a single number for any of them"
        ) from None
    return shape, [np.broadcast_to(a, shape).astype(np.float64) for a in arrays.values()]


def _lookup(registry: Mapping[str, object], method: object, family: str) -> str:
    """Check ``method`` against a registry; exact names only."""
    if not isinstance(method, str) or method not in registry:
        valid = ", ".join(repr(k) for k in registry)
        raise ValueError(f"method for {family} must be one of {valid}; got {method!r}")
    return method


def _out(arr: FloatArray, shape: tuple[int, ...]) -> FloatOrArray:
    """Return a float for scalar input, otherwise an array of the broadcast shape."""
    if shape == ():
        return float(arr.reshape(()))
    return arr.reshape(shape)


def _z(conf_level: float) -> float:
    """Two-sided standard normal quantile for ``conf_level``."""
    return float(stats.norm.isf((1 - conf_level) / 2))


# ---------------------------------------------------------------------------------------------
# Poisson methods: each takes validated counts (float array) and conf_level, returns bounds
# ---------------------------------------------------------------------------------------------


def _poisson_exact(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    r"""Exact (Garwood) limits for a Poisson mean.

    Parameters
    ----------
    count : ndarray
        Validated, non-negative whole counts.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
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

    lower = 0.0
    if x > 0:
        lower = optimize.brentq(upper_tail, lo_bracket, hi_bracket, xtol=1e-200, rtol=1e-15)
    upper = optimize.brentq(lower_tail, lo_bracket, hi_bracket, xtol=1e-200, rtol=1e-15)
    # At confidence levels near 0 the two roots meet; root-finding error could put them a few
    # ulps out of order, so keep the interval ordered.
    return float(min(lower, upper)), float(upper)


def _poisson_midp(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    r"""Central mid-p exact limits for a Poisson mean.

    Parameters
    ----------
    count : ndarray
        Validated, non-negative whole counts.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
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


def _poisson_byar(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    r"""Byar's approximation to the exact Poisson limits (the PHE/Fingertips formula).

    Parameters
    ----------
    count : ndarray
        Validated, non-negative whole counts.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
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
    z = _z(conf_level)
    safe = np.where(count > 0, count, 1.0)
    cube = 1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))
    lower = np.where((count > 0) & (cube > 0), safe * cube**3, 0.0)
    x1 = count + 1
    upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return lower.astype(np.float64), upper.astype(np.float64)


def _poisson_normal(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    r"""Normal-approximation (Wald) limits for a Poisson mean, truncated at 0.

    Parameters
    ----------
    count : ndarray
        Validated, non-negative whole counts.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
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
    z = _z(conf_level)
    half = z * np.sqrt(count)
    return np.maximum(count - half, 0.0), (count + half).astype(np.float64)


def _poisson_phe(count: FloatArray, conf_level: float) -> tuple[FloatArray, FloatArray]:
    """PHE's rule: exact limits below 10 events, Byar's approximation from 10 events.

    Parameters
    ----------
    count : ndarray
        Validated, non-negative whole counts.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
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
POISSON_METHODS: Final[Mapping[str, PoissonMethod]] = MappingProxyType(
    {
        "exact": _poisson_exact,
        "midp": _poisson_midp,
        "byar": _poisson_byar,
        "normal": _poisson_normal,
        "phe": _poisson_phe,
    }
)


def _poisson_methods_used(count: FloatArray, method: str) -> npt.NDArray[np.object_]:
    if method == "phe":
        return np.where(count < PHE_BYAR_FROM, "exact", "byar").astype(object)
    return np.full(count.shape, method, dtype=object)


def _poisson_notes(count: FloatArray, method: str, conf_level: float) -> list[str]:
    notes = []
    z = _z(conf_level)
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


def poisson_ci(count: npt.ArrayLike, conf_level: float = 0.95, method: str = "exact") -> Interval:
    """Confidence interval for a Poisson count.

    Parameters
    ----------
    count : int or array-like of int
        Observed number of events (whole, non-negative; 3.0 is accepted, 3.5 is not).
    conf_level : float, default 0.95
        Confidence level, a proportion in (0, 1): 0.95, not 95.
    method : {"exact", "midp", "byar", "normal", "phe"}, default "exact"
        See :data:`POISSON_METHODS` and ``docs/methods.md``. ``"phe"`` is exact below 10 events
        and Byar's approximation from 10; use :func:`poisson_ci_table` to see which was used.

    Returns
    -------
    Interval
        ``(estimate, lower, upper)``; the estimate is the count itself.

    Raises
    ------
    ValueError
        For invalid counts, confidence levels or method names.

    Examples
    --------
    >>> poisson_ci(379)  # doctest: +ELLIPSIS
    Interval(estimate=379.0, lower=341.79..., upper=419.14...)
    """
    level = check_conf_level(conf_level)
    name = _lookup(POISSON_METHODS, method, "poisson_ci")
    x = _as_counts(count, "count")
    shape = x.shape
    lower, upper = POISSON_METHODS[name](x.reshape(-1), level)
    return Interval(_out(x.copy(), shape), _out(lower, shape), _out(upper, shape))


def poisson_ci_table(
    count: npt.ArrayLike, conf_level: float = 0.95, method: str = "exact"
) -> pd.DataFrame:
    """Confidence intervals for counts as a table that says what was done on each row.

    Parameters
    ----------
    count : int or array-like of int
        Observed numbers of events.
    conf_level : float, default 0.95
        Confidence level in (0, 1).
    method : str, default "exact"
        A name from :data:`POISSON_METHODS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``count``, ``estimate``, ``lower``, ``upper``, ``method`` (the method used on
        the row: ``"exact"`` or ``"byar"`` under ``"phe"``), ``method_requested``,
        ``conf_level`` and ``note``.
    """
    interval = poisson_ci(count, conf_level, method)
    x = np.atleast_1d(np.asarray(interval.estimate, dtype=np.float64)).reshape(-1)
    return pd.DataFrame(
        {
            "count": x.astype(np.int64),
            "estimate": x,
            "lower": np.atleast_1d(interval.lower).reshape(-1),
            "upper": np.atleast_1d(interval.upper).reshape(-1),
            "method": _poisson_methods_used(x, method),
            "method_requested": method,
            "conf_level": float(conf_level),
            "note": _poisson_notes(x, method, float(conf_level)),
        }
    )


def rate_ci(
    count: npt.ArrayLike,
    population: npt.ArrayLike,
    per: npt.ArrayLike = 100_000,
    conf_level: float = 0.95,
    method: str = "exact",
) -> Interval:
    """Confidence interval for a rate: a Poisson interval for the count, scaled.

    Parameters
    ----------
    count : int or array-like of int
        Observed number of events.
    population : float or array-like
        Population (or person-time) at risk; must be > 0.
    per : float or array-like, default 100_000
        Rate multiplier: the rate is ``count / population * per``.
    conf_level : float, default 0.95
        Confidence level in (0, 1).
    method : str, default "exact"
        A name from :data:`POISSON_METHODS`.

    Returns
    -------
    Interval
        ``(rate, lower, upper)`` per ``per`` population.

    Notes
    -----
    The population is treated as known without error, as in PHE's crude-rate method.
    """
    level = check_conf_level(conf_level)
    name = _lookup(POISSON_METHODS, method, "rate_ci")
    x = _as_counts(count, "count")
    pop = _as_positive(population, "population")
    multiplier = _as_positive(per, "per")
    shape, (x, pop, multiplier) = _broadcast(count=x, population=pop, per=multiplier)
    lower, upper = POISSON_METHODS[name](x.reshape(-1), level)
    scale = (multiplier / pop).reshape(-1)
    return Interval(
        _out(x.reshape(-1) * scale, shape),
        _out(lower * scale, shape),
        _out(upper * scale, shape),
    )


def rate_ci_table(
    count: npt.ArrayLike,
    population: npt.ArrayLike,
    per: npt.ArrayLike = 100_000,
    conf_level: float = 0.95,
    method: str = "exact",
) -> pd.DataFrame:
    """Confidence intervals for rates as a table that says what was done on each row.

    Parameters
    ----------
    count : int or array-like of int
        Observed numbers of events.
    population : float or array-like
        Populations at risk (> 0).
    per : float or array-like, default 100_000
        Rate multiplier.
    conf_level : float, default 0.95
        Confidence level in (0, 1).
    method : str, default "exact"
        A name from :data:`POISSON_METHODS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``count``, ``population``, ``per``, ``estimate``, ``lower``, ``upper``,
        ``method``, ``method_requested``, ``conf_level`` and ``note``.
    """
    interval = rate_ci(count, population, per, conf_level, method)
    _, (x, pop, multiplier) = _broadcast(
        count=_as_counts(count, "count"),
        population=_as_positive(population, "population"),
        per=_as_positive(per, "per"),
    )
    x = x.reshape(-1)
    return pd.DataFrame(
        {
            "count": x.astype(np.int64),
            "population": pop.reshape(-1),
            "per": multiplier.reshape(-1),
            "estimate": np.atleast_1d(interval.estimate).reshape(-1),
            "lower": np.atleast_1d(interval.lower).reshape(-1),
            "upper": np.atleast_1d(interval.upper).reshape(-1),
            "method": _poisson_methods_used(x, method),
            "method_requested": method,
            "conf_level": float(conf_level),
            "note": _poisson_notes(x, method, float(conf_level)),
        }
    )


# ---------------------------------------------------------------------------------------------
# Proportion methods: each takes validated count and n (float arrays) and conf_level
# ---------------------------------------------------------------------------------------------


def _beta_quantile(a: FloatArray, b: FloatArray, q: float, upper: bool) -> FloatArray:
    """Return t with ``P(B <= t) = q`` (``upper=False``) or ``P(B > t) = q`` (``upper=True``).

    ``B ~ Beta(a, b)``. scipy's inverse (``betaincinv``/``betainccinv``) is tried first and
    checked by evaluating the distribution function at its answer. For very unequal parameters
    (a share of 1,000 cases out of 10**9 or more) the inverse can be grossly wrong, e.g. a
    Clopper-Pearson lower limit of 1.9e-6 for 1,000 out of 10**9, above the estimate 1e-6,
    while the distribution function itself stays accurate; such entries are solved again with
    Brent's method on it. Entries where even the distribution function fails (parameters
    beyond about 10**16, which :data:`MAX_CASES` keeps out) are NaN.
    """
    a, b = np.broadcast_arrays(a, b)
    inverse = special.betainccinv if upper else special.betaincinv
    cdf = special.betaincc if upper else special.betainc
    t = np.asarray(inverse(a, b, q), dtype=np.float64)
    with np.errstate(invalid="ignore"):
        check = np.asarray(cdf(a, b, t), dtype=np.float64)
    # Re-solve where the inverse failed, or where the distribution function can check it and
    # disagrees; where it cannot (NaN for parameters near 10**16), the inverse is kept.
    wrong = ~np.isfinite(t) | (np.isfinite(check) & ~(np.abs(check - q) <= 1e-8 * q))
    for i in np.flatnonzero(wrong):
        ai, bi = float(a.flat[i]), float(b.flat[i])

        def tail(s: float, ai: float = ai, bi: float = bi) -> float:
            return float(cdf(ai, bi, s)) - q

        ends = (tail(0.0), tail(1.0))
        if not all(math.isfinite(v) for v in ends) or ends[0] * ends[1] > 0:
            t.flat[i] = math.nan
            continue
        try:
            t.flat[i] = optimize.brentq(tail, 0.0, 1.0, xtol=1e-300, rtol=1e-15, maxiter=500)
        except (ValueError, RuntimeError):  # NaN from the distribution function inside
            t.flat[i] = math.nan
    return t


def _proportion_wilson(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Wilson score interval for a proportion.

    Parameters
    ----------
    count, n : ndarray
        Validated successes and trials, :math:`0 \le x \le n`, :math:`n \ge 1`.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        :math:`\frac{x + z^2/2 \mp z\sqrt{x(n-x)/n + z^2/4}}{n + z^2}`; exactly 0 at
        :math:`x = 0` and 1 at :math:`x = n`.

    Notes
    -----
    Inverts the score test, so it is never degenerate and stays in [0, 1]. Coverage is close to
    nominal on average for all n, but dips below nominal for p very near 0 or 1 with small n
    (Brown, Cai & DasGupta 2001). Equal to ``prop.test(x, n, correct=FALSE)$conf.int`` and to
    PHEindicatormethods' ``wilson_lower``/``wilson_upper``. The project's default for shares.

    References
    ----------
    .. [1] Wilson EB. Probable inference, the law of succession, and statistical inference. J
       Am Stat Assoc 1927;22:209-212.
    .. [2] Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
       seven methods. Stat Med 1998;17:857-872 (method 3).
    .. [3] Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat
       Sci 2001;16:101-133.
    """
    z = _z(conf_level)
    z2 = z * z
    centre = (count + z2 / 2) / (n + z2)
    half = z * np.sqrt(count * (n - count) / n + z2 / 4) / (n + z2)
    lower = np.where(count == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(count == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lower, upper


def _proportion_wilson_cc(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Wilson score interval with continuity correction, as R's ``prop.test(correct=TRUE)``.

    Parameters
    ----------
    count, n : ndarray
        Validated successes and trials.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        With :math:`c = \min(1/2, |x - n/2|)`, :math:`p_\pm = (x \pm c)/n` and
        :math:`k = z^2/(2n)`: the lower limit is 0 if :math:`p_- \le 0`, else
        :math:`(p_- + k - z\sqrt{p_-(1-p_-)/n + k/(2n)})/(1 + 2k)`; the upper limit is 1 if
        :math:`p_+ \ge 1`, else :math:`(p_+ + k + z\sqrt{p_+(1-p_+)/n + k/(2n)})/(1 + 2k)`.

    Notes
    -----
    Follows R's ``prop.test`` line by line, including its special cases: the lower limit is 0 at
    :math:`x = 0` and the upper 1 at :math:`x = n`, and because R shrinks the correction to
    :math:`|x - np_0|` with the default null :math:`p_0 = 1/2`, there is *no* correction when
    :math:`x = n/2` exactly (the interval is then the plain Wilson interval). Otherwise equal to
    Newcombe's (1998) method 4. Conservative: coverage is above nominal almost everywhere.

    References
    ----------
    .. [1] Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
       seven methods. Stat Med 1998;17:857-872 (method 4).
    .. [2] Wilson EB. Probable inference, the law of succession, and statistical inference. J
       Am Stat Assoc 1927;22:209-212.
    .. [3] R Core Team. ``prop.test``, package stats, R.
    """
    z = _z(conf_level)
    correction = np.minimum(0.5, np.abs(count - n * 0.5))
    k = z * z / (2 * n)
    p_hi = (count + correction) / n
    p_lo = (count - correction) / n
    with np.errstate(invalid="ignore"):
        upper_raw = (p_hi + k + z * np.sqrt(p_hi * (1 - p_hi) / n + k / (2 * n))) / (1 + 2 * k)
        lower_raw = (p_lo + k - z * np.sqrt(p_lo * (1 - p_lo) / n + k / (2 * n))) / (1 + 2 * k)
    upper = np.where(p_hi >= 1, 1.0, np.minimum(upper_raw, 1.0))
    lower = np.where(p_lo <= 0, 0.0, np.maximum(lower_raw, 0.0))
    return lower, upper


def _proportion_clopper_pearson(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Clopper-Pearson "exact" interval for a proportion.

    Parameters
    ----------
    count, n : ndarray
        Validated successes and trials.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        Beta quantiles :math:`B_{\alpha/2}(x, n-x+1)` (0 at :math:`x = 0`) and
        :math:`B_{1-\alpha/2}(x+1, n-x)` (1 at :math:`x = n`); equivalently
        :math:`P(X \ge x; L) = \alpha/2` and :math:`P(X \le x; U) = \alpha/2`.

    Notes
    -----
    Equal to ``binom.test(x, n)$conf.int``. Coverage is never below nominal, but it is markedly
    conservative for small n (Brown, Cai & DasGupta 2001; ``benchmarks/coverage_study.md``).

    References
    ----------
    .. [1] Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the
       case of the binomial. Biometrika 1934;26:404-413.
    .. [2] Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat
       Sci 2001;16:101-133.
    """
    half_alpha = (1 - conf_level) / 2
    safe_lo = np.where(count > 0, count, 1.0)
    safe_hi = np.where(count < n, n - count, 1.0)
    lower = np.where(count > 0, _beta_quantile(safe_lo, n - count + 1, half_alpha, False), 0.0)
    upper = np.where(count < n, _beta_quantile(count + 1, safe_hi, half_alpha, True), 1.0)
    return lower.astype(np.float64), upper.astype(np.float64)


def _proportion_jeffreys(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Jeffreys interval: equal-tailed posterior interval under the Beta(1/2, 1/2) prior.

    Parameters
    ----------
    count, n : ndarray
        Validated successes and trials.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        Quantiles :math:`\alpha/2` and :math:`1-\alpha/2` of
        :math:`\mathrm{Beta}(x + 1/2, n - x + 1/2)`, with the lower limit set to 0 at
        :math:`x = 0` and the upper to 1 at :math:`x = n`.

    Notes
    -----
    Close to nominal coverage on average, with small dips below it (Brown, Cai & DasGupta
    2001 recommend it with Wilson for small n). The boundary modification is theirs: without
    it the interval excludes p = 0 after observing x = 0. At very low confidence levels the
    interval can exclude x/n, since it is centred on the posterior median.

    References
    ----------
    .. [1] Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat
       Sci 2001;16:101-133.
    .. [2] Jeffreys H. Theory of Probability, 3rd ed. Oxford: Clarendon Press, 1961.
    """
    half_alpha = (1 - conf_level) / 2
    a = count + 0.5
    b = n - count + 0.5
    lower = np.where(count > 0, _beta_quantile(a, b, half_alpha, False), 0.0)
    upper = np.where(count < n, _beta_quantile(a, b, half_alpha, True), 1.0)
    return lower.astype(np.float64), upper.astype(np.float64)


def _proportion_agresti_coull(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Agresti-Coull ("add z²/2 successes and failures") interval, truncated to [0, 1].

    Parameters
    ----------
    count, n : ndarray
        Validated successes and trials.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        With :math:`\tilde n = n + z^2` and :math:`\tilde p = (x + z^2/2)/\tilde n`:
        :math:`\tilde p \mp z\sqrt{\tilde p(1-\tilde p)/\tilde n}`, truncated to [0, 1].

    Notes
    -----
    A Wald interval around the Wilson centre; it always contains the Wilson interval, so it is
    a little more conservative, especially near 0 and 1, where it can overshoot the [0, 1]
    range before truncation (the table functions note truncation). The estimate reported is
    still x/n.

    References
    ----------
    .. [1] Agresti A, Coull BA. Approximate is better than "exact" for interval estimation of
       binomial proportions. Am Stat 1998;52:119-126.
    .. [2] Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion. Stat
       Sci 2001;16:101-133.
    """
    z = _z(conf_level)
    n_tilde = n + z * z
    p_tilde = (count + z * z / 2) / n_tilde
    half = z * np.sqrt(p_tilde * (1 - p_tilde) / n_tilde)
    return np.maximum(p_tilde - half, 0.0), np.minimum(p_tilde + half, 1.0)


#: Proportion interval methods for :func:`proportion_ci`.
PROPORTION_METHODS: Final[Mapping[str, ProportionMethod]] = MappingProxyType(
    {
        "wilson": _proportion_wilson,
        "wilson_cc": _proportion_wilson_cc,
        "clopper_pearson": _proportion_clopper_pearson,
        "jeffreys": _proportion_jeffreys,
        "agresti_coull": _proportion_agresti_coull,
    }
)


def _validate_proportion(
    count: npt.ArrayLike, n: npt.ArrayLike
) -> tuple[tuple[int, ...], FloatArray, FloatArray]:
    x = _as_counts(count, "count", "cases")
    trials = _as_counts(n, "n", "cases")
    zero = trials == 0
    if zero.any():
        raise ValueError(f"n must be a positive whole number of cases; got {_where(trials, zero)}")
    huge = trials > MAX_CASES
    if huge.any():
        raise ValueError(f"n must be at most 10**15 cases; got {_where(trials, huge)}")
    shape, (x, trials) = _broadcast(count=x, n=trials)
    too_many = x > trials
    if too_many.any():
        index = tuple(int(i) for i in np.argwhere(too_many)[0])
        at = f" at position {index[0] if len(index) == 1 else index}" if index else ""
        raise ValueError(
            f"count must not exceed n; got count={_fmt(float(x[index]))} with "
            f"n={_fmt(float(trials[index]))}{at}"
        )
    return shape, x.reshape(-1), trials.reshape(-1)


def proportion_ci(
    count: npt.ArrayLike,
    n: npt.ArrayLike,
    conf_level: float = 0.95,
    method: str = "wilson",
) -> Interval:
    """Confidence interval for a proportion (a share).

    Parameters
    ----------
    count : int or array-like of int
        Number of cases with the attribute, 0 <= count <= n.
    n : int or array-like of int
        Number of cases in all (>= 1).
    conf_level : float, default 0.95
        Confidence level in (0, 1).
    method : {"wilson", "wilson_cc", "clopper_pearson", "jeffreys", "agresti_coull"}
        See :data:`PROPORTION_METHODS`; default ``"wilson"``.

    Returns
    -------
    Interval
        ``(count / n, lower, upper)``.

    Examples
    --------
    >>> proportion_ci(17, 100)  # doctest: +ELLIPSIS
    Interval(estimate=0.17, lower=0.1089..., upper=0.2554...)
    """
    level = check_conf_level(conf_level)
    name = _lookup(PROPORTION_METHODS, method, "proportion_ci")
    shape, x, trials = _validate_proportion(count, n)
    lower, upper = PROPORTION_METHODS[name](x, trials, level)
    return Interval(_out(x / trials, shape), _out(lower, shape), _out(upper, shape))


def proportion_ci_table(
    count: npt.ArrayLike,
    n: npt.ArrayLike,
    conf_level: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """Confidence intervals for proportions as a table that says what was done on each row.

    Parameters
    ----------
    count : int or array-like of int
        Numbers of cases with the attribute.
    n : int or array-like of int
        Numbers of cases in all.
    conf_level : float, default 0.95
        Confidence level in (0, 1).
    method : str, default "wilson"
        A name from :data:`PROPORTION_METHODS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``count``, ``n``, ``estimate``, ``lower``, ``upper``, ``method``,
        ``method_requested``, ``conf_level`` and ``note``.
    """
    interval = proportion_ci(count, n, conf_level, method)
    _, x, trials = _validate_proportion(count, n)
    lower = np.atleast_1d(interval.lower).reshape(-1)
    upper = np.atleast_1d(interval.upper).reshape(-1)
    notes = []
    z = _z(float(conf_level))
    for xi, ni in zip(x, trials, strict=True):
        note = ""
        if method == "wilson_cc" and xi == ni / 2:
            note = "count = n/2: no continuity correction (as R's prop.test)"
        elif method == "agresti_coull":
            n_t = ni + z * z
            p_t = (xi + z * z / 2) / n_t
            half = z * math.sqrt(p_t * (1 - p_t) / n_t)
            if p_t - half < 0 or p_t + half > 1:
                note = "truncated to [0, 1]"
        elif method == "jeffreys" and xi == 0:
            note = "count 0: lower bound set to 0"
        elif method == "jeffreys" and xi == ni:
            note = "count = n: upper bound set to 1"
        notes.append(note)
    return pd.DataFrame(
        {
            "count": x.astype(np.int64),
            "n": trials.astype(np.int64),
            "estimate": np.atleast_1d(interval.estimate).reshape(-1),
            "lower": lower,
            "upper": upper,
            "method": method,
            "method_requested": method,
            "conf_level": float(conf_level),
            "note": notes,
        }
    )


# ---------------------------------------------------------------------------------------------
# Rate ratios: conditional on the total, x1 ~ Binomial(x1 + x2, p) with
# p = r t1 / (r t1 + t2), so r = p / (1 - p) * t2 / t1.
# ---------------------------------------------------------------------------------------------


# The binomial functions below are scipy.stats.binom's (Boost), not scipy.special.bdtr/bdtrc:
# those take n as a C int and return NaN once n passes 2**31 - 1, and a log-gamma pmf loses
# about 1e-7 relative by n = 1e8.


def _binom_pmf(x: float, n: float, p: float) -> float:
    if p <= 0:
        return 1.0 if x == 0 else 0.0
    if p >= 1:
        return 1.0 if x == n else 0.0
    return float(stats.binom.pmf(x, n, p))


def _binom_upper_tail_midp(x: float, n: float, p: float) -> float:
    """P(X > x) + P(X = x)/2 for X ~ Bin(n, p)."""
    above = float(stats.binom.sf(x, n, p)) if x < n else 0.0
    return above + 0.5 * _binom_pmf(x, n, p)


def _binom_lower_tail_midp(x: float, n: float, p: float) -> float:
    """P(X < x) + P(X = x)/2 for X ~ Bin(n, p)."""
    below = float(stats.binom.cdf(x - 1, n, p)) if x > 0 else 0.0
    return below + 0.5 * _binom_pmf(x, n, p)


def _binomial_exact_ci(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Exact conditional interval for a rate ratio (Clopper-Pearson on the binomial split).

    Parameters
    ----------
    count, n : ndarray
        Events in group 1 and in both groups, :math:`n = x_1 + x_2 \ge 1`.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        Clopper-Pearson limits for :math:`p = x_1/(x_1 + x_2)`; the caller maps them to the
        ratio scale by :math:`r = p/(1-p) \cdot t_2/t_1`.

    Notes
    -----
    Conditional on the total, :math:`x_1 \sim \mathrm{Bin}(x_1 + x_2,\ r t_1/(r t_1 + t_2))`,
    so exact limits for p give exact limits for the ratio. Identical to R's
    ``poisson.test(c(x1, x2), c(t1, t2))$conf.int``. Lower limit 0 when :math:`x_1 = 0`, upper
    limit infinite when :math:`x_2 = 0`. Conservative, like every exact method for discrete data.

    References
    ----------
    .. [1] Fay MP. Two-sided exact tests and matching confidence intervals for discrete data.
       R Journal 2010;2(1):53-58.
    .. [2] Breslow NE, Day NE. Statistical Methods in Cancer Research, Vol. II. IARC 1987,
       section 3.3.
    .. [3] Clopper CJ, Pearson ES. Biometrika 1934;26:404-413.
    """
    return _proportion_clopper_pearson(count, n, conf_level)


def _binomial_midp_ci(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Mid-p conditional interval for a rate ratio.

    Parameters
    ----------
    count, n : ndarray
        Events in group 1 and in both groups.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        Limits for :math:`p` solving :math:`P(X > x_1) + \tfrac12 P(X = x_1) = \alpha/2`
        (lower; 0 when :math:`x_1 = 0`) and :math:`P(X < x_1) + \tfrac12 P(X = x_1) = \alpha/2`
        (upper; 1 when :math:`x_1 = n`), found with Brent's method between the Clopper-Pearson
        limits.

    Notes
    -----
    Inverts the two one-sided mid-p binomial tests; the matching two-sided p-value is twice
    the smaller one-sided mid-p value (``"central"``), so interval and test always agree.
    Less conservative than the exact method, with coverage close to nominal. Equal to
    ``exactci::poisson.exact(c(x1, x2), c(t1, t2), midp=TRUE, tsmethod="central")``.

    References
    ----------
    .. [1] Lancaster HO. Significance tests in discrete distributions. J Am Stat Assoc
       1961;56:223-234.
    .. [2] Fay MP. Two-sided exact tests and matching confidence intervals for discrete data.
       R Journal 2010;2(1):53-58.
    """
    half_alpha = (1 - conf_level) / 2
    cp_lo, cp_hi = _proportion_clopper_pearson(count, n, conf_level)
    lower = np.zeros_like(count)
    upper = np.ones_like(count)
    for i, (x, m) in enumerate(zip(count.flat, n.flat, strict=True)):
        lo, hi = float(cp_lo.flat[i]), float(cp_hi.flat[i])
        if x > 0:
            lower.flat[i] = optimize.brentq(
                lambda p, x=x, m=m: _binom_upper_tail_midp(x, m, p) - half_alpha,
                lo,
                hi,
                xtol=1e-200,
                rtol=1e-15,
            )
        if x < m:
            upper.flat[i] = optimize.brentq(
                lambda p, x=x, m=m: _binom_lower_tail_midp(x, m, p) - half_alpha,
                lo,
                hi,
                xtol=1e-200,
                rtol=1e-15,
            )
    return lower, upper


def _binomial_score_ci(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Conditional score (Wilson) interval for a rate ratio.

    Parameters
    ----------
    count, n : ndarray
        Events in group 1 and in both groups.
    conf_level : float
        Confidence level in (0, 1).

    Returns
    -------
    lower, upper : ndarray
        Wilson limits for :math:`p` (see :func:`_proportion_wilson`), mapped by the caller to
        the ratio scale.

    Notes
    -----
    Inverts the score test :math:`Z = (x_1 - n p_0)/\sqrt{n p_0 (1 - p_0)}` with
    :math:`p_0 = r t_1/(r t_1 + t_2)`, whose p-value is reported with it, so the interval and the
    test agree exactly. For two Poisson counts this statistic is also the unconditional score
    statistic (the constrained MLE gives an expected first count of :math:`n p_0`); it equals
    statsmodels' ``test_poisson_2indep(..., method="score")``. A large-sample method: with
    few events in all its coverage is not guaranteed and can fall below nominal.

    References
    ----------
    .. [1] Wilson EB. J Am Stat Assoc 1927;22:209-212.
    .. [2] Gu K, Ng HKT, Tang ML, Schucany WR. Testing the ratio of two Poisson rates. Biom J
       2008;50:283-298 (test W2).
    """
    return _proportion_wilson(count, n, conf_level)


def _binomial_exact_test(x: int, n: int, p: float, alternative: str) -> float:
    r"""Exact conditional (binomial) p-value, computed as R's ``binom.test``.

    Parameters
    ----------
    x, n : int
        Events in group 1 and in both groups.
    p : float
        Null probability :math:`p_0 = r t_1/(r t_1 + t_2)`.
    alternative : {"two-sided", "less", "greater"}
        Alternative hypothesis for the ratio.

    Returns
    -------
    float
        One-sided: :math:`P(X \le x)` (less) or :math:`P(X \ge x)` (greater). Two-sided: the
        sum of the probabilities of all outcomes no more likely than x (with R's relative
        tolerance :math:`1 + 10^{-7}`), capped at 1 ("minlike").

    Notes
    -----
    The two-sided p-value is R's, so it is not the exact inverse of the central
    (Clopper-Pearson) interval: near the 5% boundary the two can disagree about significance
    (Fay 2010). The one-sided p-values are the exact inverses of the interval's limits.

    References
    ----------
    .. [1] Fay MP. Two-sided exact tests and matching confidence intervals for discrete data.
       R Journal 2010;2(1):53-58.
    .. [2] R Core Team. ``binom.test`` and ``poisson.test``, package stats, R.
    """
    if alternative == "less":
        return float(stats.binom.cdf(x, n, p))
    if alternative == "greater":
        return float(stats.binom.sf(x - 1, n, p))
    # d and the comparisons below use the same pmf (scipy's, accurate to about 1e-12 relative
    # for any n), as R uses dbinom for both: R's tolerance of 1e-7 then resolves the exact ties
    # of a symmetric case (p0 = 1/2: P(n - x) = P(x)). The log-gamma form of _binom_pmf loses
    # about 1e-7 relative by n = 1e8, enough to drop such a mirror outcome from the sum.
    d = float(stats.binom.pmf(x, n, p))
    mean = n * p
    if x == mean:
        return 1.0
    bound = d * _R_REL_ERR

    def rare(i: int) -> bool:
        return bool(stats.binom.pmf(i, n, p) <= bound)

    # R counts the outcomes on the far side of the mean that are no more likely than x. There
    # the pmf is monotone (non-increasing on [ceil(np), n], non-decreasing on [0, floor(np)],
    # since P(i+1)/P(i) = (n-i)p / ((i+1)(1-p)) <= 1 exactly when i >= np + p - 1), so they form
    # one tail, found by bisection: O(log n) pmf evaluations instead of R's O(n) vector, which
    # for counts in the tens of millions takes seconds and gigabytes.
    if x < mean:
        lo, hi = math.ceil(mean), n + 1  # first i in [ceil(np), n] with rare(i); n + 1 if none
        while lo < hi:
            mid = (lo + hi) // 2
            if rare(mid):
                hi = mid
            else:
                lo = mid + 1
        y = n + 1 - lo
        pval = stats.binom.cdf(x, n, p) + stats.binom.sf(n - y, n, p)
    else:
        lo, hi = -1, math.floor(mean)  # last i in [0, floor(np)] with rare(i); -1 if none
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if rare(mid):
                lo = mid
            else:
                hi = mid - 1
        y = lo + 1
        pval = stats.binom.cdf(y - 1, n, p) + stats.binom.sf(x - 1, n, p)
    return float(min(1.0, pval))


def _binomial_midp_test(x: int, n: int, p: float, alternative: str) -> float:
    r"""Mid-p conditional p-value.

    Parameters
    ----------
    x, n : int
        Events in group 1 and in both groups.
    p : float
        Null probability.
    alternative : {"two-sided", "less", "greater"}
        Alternative hypothesis for the ratio.

    Returns
    -------
    float
        less: :math:`P(X < x) + \tfrac12 P(X = x)`; greater: :math:`P(X > x) + \tfrac12 P(X=x)`;
        two-sided: twice the smaller of the two, capped at 1 (the "central" definition).

    Notes
    -----
    The central definition makes the test the exact inverse of the mid-p interval. Other
    software (e.g. Rothman's Episheet) uses the same definition; "minlike" mid-p values differ.

    References
    ----------
    .. [1] Lancaster HO. J Am Stat Assoc 1961;56:223-234.
    .. [2] Fay MP. R Journal 2010;2(1):53-58.
    """
    less = _binom_lower_tail_midp(x, n, p)
    greater = _binom_upper_tail_midp(x, n, p)
    if alternative == "less":
        return less
    if alternative == "greater":
        return greater
    return min(1.0, 2 * min(less, greater))


def _binomial_score_test(x: int, n: int, p: float, alternative: str) -> float:
    r"""Score test p-value for a rate ratio.

    Parameters
    ----------
    x, n : int
        Events in group 1 and in both groups.
    p : float
        Null probability.
    alternative : {"two-sided", "less", "greater"}
        Alternative hypothesis for the ratio.

    Returns
    -------
    float
        From :math:`Z = (x - np)/\sqrt{np(1-p)}`: :math:`\Phi(Z)` (less), :math:`1 - \Phi(Z)`
        (greater) or :math:`2(1 - \Phi(|Z|))` (two-sided).

    Notes
    -----
    A normal approximation; poor with few events in all.

    References
    ----------
    .. [1] Gu K, Ng HKT, Tang ML, Schucany WR. Biom J 2008;50:283-298.
    """
    z = (x - n * p) / math.sqrt(n * p * (1 - p))
    if alternative == "less":
        return float(special.ndtr(z))
    if alternative == "greater":
        return float(special.ndtr(-z))
    return float(2 * special.ndtr(-abs(z)))


#: Rate ratio interval methods for :func:`rate_ratio_ci` (on the conditional binomial scale).
RATE_RATIO_METHODS: Final[Mapping[str, BinomialCIMethod]] = MappingProxyType(
    {
        "exact": _binomial_exact_ci,
        "midp": _binomial_midp_ci,
        "score": _binomial_score_ci,
    }
)

#: Rate ratio tests for :func:`rate_ratio_test`, matching :data:`RATE_RATIO_METHODS`.
RATE_RATIO_TESTS: Final[Mapping[str, BinomialTest]] = MappingProxyType(
    {
        "exact": _binomial_exact_test,
        "midp": _binomial_midp_test,
        "score": _binomial_score_test,
    }
)


def _validate_ratio_inputs(
    count1: npt.ArrayLike,
    count2: npt.ArrayLike,
    exposure1: npt.ArrayLike,
    exposure2: npt.ArrayLike,
) -> tuple[tuple[int, ...], list[FloatArray]]:
    shape, arrays = _broadcast(
        count1=_as_counts(count1, "count1"),
        count2=_as_counts(count2, "count2"),
        exposure1=_as_positive(exposure1, "exposure1"),
        exposure2=_as_positive(exposure2, "exposure2"),
    )
    huge = arrays[0] + arrays[1] > MAX_CASES
    if huge.any():
        index = tuple(int(i) for i in np.argwhere(huge)[0])
        at = f" at position {index[0] if len(index) == 1 else index}" if index else ""
        raise ValueError(
            "count1 + count2 must be at most 10**15 events; got "
            f"count1={_fmt(float(arrays[0][index]))}, count2={_fmt(float(arrays[1][index]))}{at}"
        )
    return shape, arrays


def _odds(p: FloatArray, one_minus_p: FloatArray) -> FloatArray:
    """Odds p / (1 - p) from both terms computed directly: no lost digits when p is near 1."""
    with np.errstate(divide="ignore"):
        return np.where(one_minus_p > 0, p / np.where(one_minus_p > 0, one_minus_p, 1.0), np.inf)


_SWAPPED: Final = {"two-sided": "two-sided", "less": "greater", "greater": "less"}


def rate_ratio_test(
    count1: npt.ArrayLike,
    count2: npt.ArrayLike,
    exposure1: npt.ArrayLike = 1.0,
    exposure2: npt.ArrayLike = 1.0,
    ratio: float = 1.0,
    method: str = "exact",
    alternative: str = "two-sided",
) -> FloatOrArray:
    """P-value for the hypothesis that the rate ratio (group 1 over group 2) equals ``ratio``.

    Parameters
    ----------
    count1, count2 : int or array-like of int
        Events in each group.
    exposure1, exposure2 : float or array-like, default 1.0
        Population or person-time in each group (> 0).
    ratio : float, default 1.0
        Rate ratio under the null hypothesis (> 0).
    method : {"exact", "midp", "score"}, default "exact"
        See :data:`RATE_RATIO_TESTS`. ``"exact"`` gives R's
        ``poisson.test(c(x1, x2), c(t1, t2), r=ratio)$p.value``.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"greater"`` tests H1: true ratio > ``ratio``; ``"less"`` the reverse.

    Returns
    -------
    float or ndarray
        The p-value; 1 when there are no events in either group.
    """
    name = _lookup(RATE_RATIO_TESTS, method, "rate_ratio_test")
    if not isinstance(alternative, str) or alternative not in ALTERNATIVES:
        valid = ", ".join(repr(a) for a in ALTERNATIVES)
        raise ValueError(f"alternative must be one of {valid}; got {alternative!r}")
    null = _as_positive(ratio, "ratio")
    if null.ndim != 0:
        raise ValueError(f"ratio must be a single number > 0; got {ratio!r}")
    r = float(null)
    shape, (x1, x2, t1, t2) = _validate_ratio_inputs(count1, count2, exposure1, exposure2)
    test = RATE_RATIO_TESTS[name]
    p_values = np.ones(x1.size)
    for i, (a, b, e1, e2) in enumerate(zip(x1.flat, x2.flat, t1.flat, t2.flat, strict=True)):
        if a + b == 0:
            continue
        p0 = r * e1 / (r * e1 + e2)
        if p0 <= 0.5:
            p_values[i] = test(int(a), int(a + b), p0, alternative)
        else:
            # Test the second group's share instead: 1 - p0 would lose digits when p0 is near 1.
            p_values[i] = test(int(b), int(a + b), e2 / (r * e1 + e2), _SWAPPED[alternative])
    return _out(p_values, shape)


def rate_ratio_ci(
    count1: npt.ArrayLike,
    count2: npt.ArrayLike,
    exposure1: npt.ArrayLike = 1.0,
    exposure2: npt.ArrayLike = 1.0,
    conf_level: float = 0.95,
    method: str = "exact",
) -> RateRatio:
    """Rate ratio of group 1 to group 2 with its confidence interval and p-value for ratio 1.

    Parameters
    ----------
    count1, count2 : int or array-like of int
        Events in each group (e.g. this year's and last year's notifications).
    exposure1, exposure2 : float or array-like, default 1.0
        Population or person-time in each group (> 0). With the defaults the ratio is of the
        counts themselves.
    conf_level : float, default 0.95
        Confidence level in (0, 1).
    method : {"exact", "midp", "score"}, default "exact"
        See :data:`RATE_RATIO_METHODS`. ``"exact"`` reproduces R's
        ``poisson.test(c(x1, x2), c(t1, t2))``: estimate, interval and two-sided p-value.

    Returns
    -------
    RateRatio
        ``(estimate, lower, upper, p_value)``.

    Notes
    -----
    Zero counts: with ``count1 = 0`` the estimate and the lower limit are 0; with
    ``count2 = 0`` the estimate and the upper limit are infinite (as in R). With no events in
    either group there is no information: the estimate is NaN, the interval (0, inf) and the
    p-value 1 (R's ``poisson.test`` stops with an error instead).
    """
    level = check_conf_level(conf_level)
    name = _lookup(RATE_RATIO_METHODS, method, "rate_ratio_ci")
    shape, (x1, x2, t1, t2) = _validate_ratio_inputs(count1, count2, exposure1, exposure2)
    x1, x2, t1, t2 = (a.reshape(-1) for a in (x1, x2, t1, t2))
    total = x1 + x2
    has_events = total > 0
    safe_total = np.where(has_events, total, 1.0)
    # Limits for group 1's share p and for group 2's share 1 - p, each computed directly (the
    # methods are symmetric), so that the odds p / (1 - p) keep full precision near p = 1.
    p_lo, p_hi = RATE_RATIO_METHODS[name](x1, safe_total, level)
    q_lo, q_hi = RATE_RATIO_METHODS[name](safe_total - x1, safe_total, level)
    lower = np.where(has_events, _odds(p_lo, q_hi) * t2 / t1, 0.0)
    upper = np.where(has_events, _odds(p_hi, q_lo) * t2 / t1, np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = (x1 / t1) / (x2 / t2)
    p_value = np.asarray(rate_ratio_test(x1, x2, t1, t2, 1.0, name), dtype=np.float64)
    return RateRatio(
        _out(estimate, shape),
        _out(lower, shape),
        _out(upper, shape),
        _out(p_value.reshape(-1), shape),
    )


def rate_ratio_ci_table(
    count1: npt.ArrayLike,
    count2: npt.ArrayLike,
    exposure1: npt.ArrayLike = 1.0,
    exposure2: npt.ArrayLike = 1.0,
    conf_level: float = 0.95,
    method: str = "exact",
) -> pd.DataFrame:
    """Rate ratios with intervals and p-values as a table that says what was done.

    Parameters
    ----------
    count1, count2 : int or array-like of int
        Events in each group.
    exposure1, exposure2 : float or array-like, default 1.0
        Population or person-time in each group.
    conf_level : float, default 0.95
        Confidence level in (0, 1).
    method : str, default "exact"
        A name from :data:`RATE_RATIO_METHODS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``count1``, ``count2``, ``exposure1``, ``exposure2``, ``estimate``, ``lower``,
        ``upper``, ``p_value``, ``method``, ``method_requested``, ``conf_level`` and ``note``.
    """
    result = rate_ratio_ci(count1, count2, exposure1, exposure2, conf_level, method)
    _, arrays = _validate_ratio_inputs(count1, count2, exposure1, exposure2)
    x1, x2, t1, t2 = (a.reshape(-1) for a in arrays)
    notes = []
    for a, b in zip(x1, x2, strict=True):
        if a == 0 and b == 0:
            notes.append("no events in either group: ratio undefined, interval (0, inf)")
        elif a == 0:
            notes.append("count1 is 0: ratio 0 and lower bound 0")
        elif b == 0:
            notes.append("count2 is 0: ratio and upper bound infinite")
        else:
            notes.append("")
    return pd.DataFrame(
        {
            "count1": x1.astype(np.int64),
            "count2": x2.astype(np.int64),
            "exposure1": t1,
            "exposure2": t2,
            "estimate": np.atleast_1d(result.estimate).reshape(-1),
            "lower": np.atleast_1d(result.lower).reshape(-1),
            "upper": np.atleast_1d(result.upper).reshape(-1),
            "p_value": np.atleast_1d(result.p_value).reshape(-1),
            "method": method,
            "method_requested": method,
            "conf_level": float(conf_level),
            "note": notes,
        }
    )
