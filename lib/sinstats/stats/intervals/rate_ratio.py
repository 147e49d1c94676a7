r"""Rate ratios of two Poisson counts: conditional binomial intervals and tests.

Conditional on the total, :math:`x_1 \sim \mathrm{Bin}(x_1 + x_2, p)` with
:math:`p = r t_1 / (r t_1 + t_2)`, so a rate ratio :math:`r = p / (1 - p) \cdot t_2 / t_1` is
estimated by an interval for the binomial share p. Interval methods are chosen by name from
:data:`RATE_RATIO_METHODS` and the matching tests from :data:`RATE_RATIO_TESTS`; ``"exact"``
reproduces R's ``poisson.test``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from sinstats._docstrings import fill_doc
from sinstats._typing import FloatArray, FloatOrArray
from sinstats.errors import ParameterError
from sinstats.stats import _method_names as method_names
from sinstats.stats._validation import (
    as_counts,
    as_positive,
    broadcast,
    check_conf_level,
    check_name,
    first_flagged,
    fmt_number,
)
from sinstats.stats.intervals._common import (
    Arguments,
    RateRatio,
    Rows,
    root,
    shaped,
    table_of,
)
from sinstats.stats.intervals.proportion import (
    MAX_CASES,
    _proportion_clopper_pearson,
    _proportion_wilson,
)

#: Alternatives accepted by :func:`rate_ratio_test` (``"greater"``: H1 ratio > the null ratio).
ALTERNATIVES: Final = ("two-sided", "less", "greater")

# Relative tolerance R's binom.test uses to decide which outcomes are "no more likely" than the
# observed one; kept identical so that p-values agree with R to the last digit.
_R_REL_ERR: Final = 1 + 1e-7

BinomialCIMethod: TypeAlias = Callable[
    [FloatArray, FloatArray, float], tuple[FloatArray, FloatArray]
]
"""A rate ratio interval method on the binomial scale: (x1, x1 + x2, conf_level) -> limits for p."""

BinomialTest: TypeAlias = Callable[[int, int, float, str], float]
"""A rate ratio test on the binomial scale: (x1, x1 + x2, null p, alternative) -> p-value."""

_Tail: TypeAlias = Callable[[int, int, float], float]


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


@fill_doc
def _binomial_exact_ci(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Exact conditional interval for a rate ratio (Clopper-Pearson on the binomial split).

    %(ratio_method)s
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


@fill_doc
def _binomial_midp_ci(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Mid-p conditional interval for a rate ratio.

    %(ratio_method)s
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
    .. [1] Lancaster HO. J Am Stat Assoc 1961;56:223-234.
    .. [2] Fay MP. R Journal 2010;2(1):53-58.
    """
    half_alpha = (1 - conf_level) / 2
    cp_lo, cp_hi = _proportion_clopper_pearson(count, n, conf_level)
    lower = np.zeros_like(count)
    upper = np.ones_like(count)
    for i, (x, m) in enumerate(zip(count.flat, n.flat, strict=True)):
        lo, hi = float(cp_lo.flat[i]), float(cp_hi.flat[i])
        if x > 0:
            lower.flat[i] = root(_gap(_binom_upper_tail_midp, x, m, half_alpha), lo, hi)
        if x < m:
            upper.flat[i] = root(_gap(_binom_lower_tail_midp, x, m, half_alpha), lo, hi)
    return lower, upper


def _gap(
    tail: Callable[[float, float, float], float], x: float, n: float, target: float
) -> Callable[[float], float]:
    """``p -> tail(x, n, p) - target``: the function whose root is a mid-p limit."""
    return lambda p: tail(x, n, p) - target


@fill_doc
def _binomial_score_ci(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Conditional score (Wilson) interval for a rate ratio.

    %(ratio_method)s
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


def _binomial_p_value(
    x: int,
    n: int,
    p: float,
    alternative: str,
    less: _Tail,
    greater: _Tail,
    two_sided: _Tail | None = None,
) -> float:
    """Return the p-value of a conditional test for ``alternative`` from its one-sided tails.

    ``two_sided`` defaults to the central rule (twice the smaller one-sided p-value, capped at
    1), which makes a test the exact inverse of the matching central interval.
    """
    if alternative == "less":
        return less(x, n, p)
    if alternative == "greater":
        return greater(x, n, p)
    if two_sided is not None:
        return two_sided(x, n, p)
    return min(1.0, 2 * min(less(x, n, p), greater(x, n, p)))


@fill_doc
def _binomial_exact_test(x: int, n: int, p: float, alternative: str) -> float:
    r"""Exact conditional (binomial) p-value, computed as R's ``binom.test``.

    %(ratio_test)s
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
    return _binomial_p_value(x, n, p, alternative, _binom_cdf, _binom_sf_from, _binom_minlike)


def _binom_cdf(x: int, n: int, p: float) -> float:
    """P(X <= x) for X ~ Bin(n, p)."""
    return float(stats.binom.cdf(x, n, p))


def _binom_sf_from(x: int, n: int, p: float) -> float:
    """P(X >= x) for X ~ Bin(n, p)."""
    return float(stats.binom.sf(x - 1, n, p))


def _binom_minlike(x: int, n: int, p: float) -> float:
    """R's two-sided binomial p-value: outcomes no more likely than x (``"minlike"``)."""
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


@fill_doc
def _binomial_midp_test(x: int, n: int, p: float, alternative: str) -> float:
    r"""Mid-p conditional p-value.

    %(ratio_test)s
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
    return _binomial_p_value(x, n, p, alternative, _binom_lower_tail_midp, _binom_upper_tail_midp)


@fill_doc
def _binomial_score_test(x: int, n: int, p: float, alternative: str) -> float:
    r"""Score test p-value for a rate ratio.

    %(ratio_test)s
        From :math:`Z = (x - np)/\sqrt{np(1-p)}`: :math:`\Phi(Z)` (less), :math:`1 - \Phi(Z)`
        (greater) or :math:`2(1 - \Phi(|Z|))` (two-sided: twice the smaller one-sided
        p-value, the central rule).

    Notes
    -----
    A normal approximation; poor with few events in all.

    References
    ----------
    .. [1] Gu K, Ng HKT, Tang ML, Schucany WR. Biom J 2008;50:283-298.
    """
    return _binomial_p_value(x, n, p, alternative, _score_less, _score_greater)


def _score_z(x: int, n: int, p: float) -> float:
    r"""Score statistic :math:`Z = (x - np)/\sqrt{np(1-p)}`."""
    return (x - n * p) / math.sqrt(n * p * (1 - p))


def _score_less(x: int, n: int, p: float) -> float:
    r""":math:`\Phi(Z)`: the one-sided score p-value for a smaller ratio."""
    return float(special.ndtr(_score_z(x, n, p)))


def _score_greater(x: int, n: int, p: float) -> float:
    r""":math:`1 - \Phi(Z) = \Phi(-Z)`: the one-sided score p-value for a larger ratio."""
    return float(special.ndtr(-_score_z(x, n, p)))


#: Rate ratio interval methods for :func:`rate_ratio_ci` (on the conditional binomial scale).
RATE_RATIO_METHODS: Final[Mapping[str, BinomialCIMethod]] = method_names.registry(
    method_names.RATE_RATIO,
    {
        "exact": _binomial_exact_ci,
        "midp": _binomial_midp_ci,
        "score": _binomial_score_ci,
    },
)

#: Rate ratio tests for :func:`rate_ratio_test`, matching :data:`RATE_RATIO_METHODS`.
RATE_RATIO_TESTS: Final[Mapping[str, BinomialTest]] = method_names.registry(
    method_names.RATE_RATIO,
    {
        "exact": _binomial_exact_test,
        "midp": _binomial_midp_test,
        "score": _binomial_score_test,
    },
)


def _validate_ratio_inputs(
    count1: npt.ArrayLike,
    count2: npt.ArrayLike,
    exposure1: npt.ArrayLike,
    exposure2: npt.ArrayLike,
) -> tuple[tuple[int, ...], list[FloatArray]]:
    """Validate and broadcast the counts and exposures; at most :data:`MAX_CASES` events."""
    shape, arrays = broadcast(
        count1=as_counts(count1, "count1"),
        count2=as_counts(count2, "count2"),
        exposure1=as_positive(exposure1, "exposure1"),
        exposure2=as_positive(exposure2, "exposure2"),
    )
    huge = arrays[0] + arrays[1] > MAX_CASES
    if huge.any():
        index, at = first_flagged(huge)
        raise ParameterError(
            "count1 + count2 must be at most 10**15 events; got "
            f"count1={fmt_number(float(arrays[0][index]))}, "
            f"count2={fmt_number(float(arrays[1][index]))}{at}"
        )
    return shape, arrays


def _odds(p: FloatArray, one_minus_p: FloatArray) -> FloatArray:
    """Odds p / (1 - p) from both terms computed directly: no lost digits when p is near 1."""
    with np.errstate(divide="ignore"):
        return np.where(one_minus_p > 0, p / np.where(one_minus_p > 0, one_minus_p, 1.0), np.inf)


_SWAPPED: Final = {"two-sided": "two-sided", "less": "greater", "greater": "less"}


@fill_doc
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
    %(ratio_args)s
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

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument, for invalid counts, exposures, ratio, method or
        alternative.
    """
    name = check_name(method, RATE_RATIO_TESTS, "method", " for rate_ratio_test")
    check_name(alternative, ALTERNATIVES, "alternative")
    null = as_positive(ratio, "ratio")
    if null.ndim != 0:
        raise ParameterError(f"ratio must be a single number > 0; got {ratio!r}")
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
    return shaped(p_values, shape)


@fill_doc
def rate_ratio_ci(
    count1: npt.ArrayLike,
    count2: npt.ArrayLike,
    exposure1: npt.ArrayLike = 1.0,
    exposure2: npt.ArrayLike = 1.0,
    conf_level: float = 0.95,
    method: str = "exact",
) -> RateRatio:
    """Rate ratio of group 1 to group 2 with its confidence interval and p-value for ratio 1.

    %(ratio_ci)s
        ``(estimate, lower, upper, p_value)``.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument, for invalid counts, exposures, confidence levels
        or method names.

    Notes
    -----
    Zero counts: with ``count1 = 0`` the estimate and the lower limit are 0; with
    ``count2 = 0`` the estimate and the upper limit are infinite (as in R). With no events in
    either group there is no information: the estimate is NaN, the interval (0, inf) and the
    p-value 1 (R's ``poisson.test`` stops with an error instead).
    """
    level = check_conf_level(conf_level)
    name = check_name(method, RATE_RATIO_METHODS, "method", " for rate_ratio_ci")
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
        shaped(estimate, shape),
        shaped(lower, shape),
        shaped(upper, shape),
        shaped(p_value.reshape(-1), shape),
    )


@fill_doc
@table_of(rate_ratio_ci)
def rate_ratio_ci_table(given: Arguments) -> Rows:
    """Rate ratios with intervals and p-values as a table that says what was done.

    %(ratio_table)s
        Columns ``count1``, ``count2``, ``exposure1``, ``exposure2``, ``estimate``, ``lower``,
        ``upper``, ``p_value``, ``method``, ``method_requested``, ``conf_level`` and ``note``.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument: as for :func:`rate_ratio_ci`.
    """
    names = ("count1", "count2", "exposure1", "exposure2")
    _, arrays = _validate_ratio_inputs(*(given[name] for name in names))
    x1, x2, t1, t2 = (a.reshape(-1) for a in arrays)
    inputs = {
        "count1": x1.astype(np.int64),
        "count2": x2.astype(np.int64),
        "exposure1": t1,
        "exposure2": t2,
    }
    notes = [_note(a, b) for a, b in zip(x1, x2, strict=True)]
    return Rows(inputs, given["method"], notes)


def _note(count1: float, count2: float) -> str:
    """Return the note of a table row: what a zero count does to the ratio and its interval."""
    if count1 == 0 and count2 == 0:
        return "no events in either group: ratio undefined, interval (0, inf)"
    if count1 == 0:
        return "count1 is 0: ratio 0 and lower bound 0"
    if count2 == 0:
        return "count2 is 0: ratio and upper bound infinite"
    return ""
