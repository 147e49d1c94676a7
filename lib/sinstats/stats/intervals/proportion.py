"""Confidence intervals for proportions (shares).

Methods are chosen by name from :data:`PROPORTION_METHODS`; each is one documented function that
takes validated counts of cases and trials and a confidence level and returns the lower and upper
limits. The exact (Clopper-Pearson) and Wilson methods are also the conditional binomial methods
behind the rate ratios of :mod:`sinstats.stats.intervals.rate_ratio`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

from sinstats._docstrings import fill_doc
from sinstats._typing import FloatArray
from sinstats.errors import ParameterError
from sinstats.stats import _method_names as method_names
from sinstats.stats._validation import (
    as_counts,
    broadcast,
    check_conf_level,
    check_name,
    describe_first,
    first_flagged,
    fmt_number,
)
from sinstats.stats.intervals._common import (
    Arguments,
    Interval,
    Rows,
    shaped,
    table_of,
    z_two_sided,
)

#: Most cases accepted for a proportion (``n``) or a rate ratio (``count1 + count2``). Beyond
#: about 10**15 the beta and binomial functions behind the exact, mid-p and Jeffreys methods
#: lose accuracy (and past 2**53 a count is no longer exactly a float); far more than any count
#: these methods are meant for.
MAX_CASES: Final = 10**15

ProportionMethod: TypeAlias = Callable[
    [FloatArray, FloatArray, float], tuple[FloatArray, FloatArray]
]
"""A proportion method: (validated counts, trials, conf_level) -> (lower, upper)."""


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


@fill_doc
def _proportion_wilson(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Wilson score interval for a proportion.

    %(proportion_method)s
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
    z = z_two_sided(conf_level)
    z2 = z * z
    centre = (count + z2 / 2) / (n + z2)
    half = z * np.sqrt(count * (n - count) / n + z2 / 4) / (n + z2)
    lower = np.where(count == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(count == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return lower, upper


@fill_doc
def _proportion_wilson_cc(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Wilson score interval with continuity correction, as R's ``prop.test(correct=TRUE)``.

    %(proportion_method)s
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
    z = z_two_sided(conf_level)
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


@fill_doc
def _proportion_clopper_pearson(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Clopper-Pearson "exact" interval for a proportion.

    %(proportion_method)s
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


@fill_doc
def _proportion_jeffreys(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Jeffreys interval: equal-tailed posterior interval under the Beta(1/2, 1/2) prior.

    %(proportion_method)s
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


@fill_doc
def _proportion_agresti_coull(
    count: FloatArray, n: FloatArray, conf_level: float
) -> tuple[FloatArray, FloatArray]:
    r"""Agresti-Coull ("add z²/2 successes and failures") interval, truncated to [0, 1].

    %(proportion_method)s
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
    z = z_two_sided(conf_level)
    n_tilde = n + z * z
    p_tilde = (count + z * z / 2) / n_tilde
    half = z * np.sqrt(p_tilde * (1 - p_tilde) / n_tilde)
    return np.maximum(p_tilde - half, 0.0), np.minimum(p_tilde + half, 1.0)


#: Proportion interval methods for :func:`proportion_ci`.
PROPORTION_METHODS: Final[Mapping[str, ProportionMethod]] = method_names.registry(
    method_names.PROPORTION,
    {
        "wilson": _proportion_wilson,
        "wilson_cc": _proportion_wilson_cc,
        "clopper_pearson": _proportion_clopper_pearson,
        "jeffreys": _proportion_jeffreys,
        "agresti_coull": _proportion_agresti_coull,
    },
)


def _validate_proportion(
    count: npt.ArrayLike, n: npt.ArrayLike
) -> tuple[tuple[int, ...], FloatArray, FloatArray]:
    """Validate and broadcast ``count`` and ``n``: whole, ``1 <= n <= MAX_CASES``, count <= n."""
    x = as_counts(count, "count", "cases")
    trials = as_counts(n, "n", "cases")
    zero = trials == 0
    if zero.any():
        raise ParameterError(
            f"n must be a positive whole number of cases; got {describe_first(trials, zero)}"
        )
    huge = trials > MAX_CASES
    if huge.any():
        raise ParameterError(f"n must be at most 10**15 cases; got {describe_first(trials, huge)}")
    shape, (x, trials) = broadcast(count=x, n=trials)
    too_many = x > trials
    if too_many.any():
        index, at = first_flagged(too_many)
        raise ParameterError(
            f"count must not exceed n; got count={fmt_number(float(x[index]))} with "
            f"n={fmt_number(float(trials[index]))}{at}"
        )
    return shape, x.reshape(-1), trials.reshape(-1)


@fill_doc
def proportion_ci(
    count: npt.ArrayLike, n: npt.ArrayLike, conf_level: float = 0.95, method: str = "wilson"
) -> Interval:
    """Confidence interval for a proportion (a share).

    %(proportion_ci)s
        ``(count / n, lower, upper)``.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument: invalid or too many cases (``n`` above
        :data:`MAX_CASES`), a count above ``n``, an invalid confidence level or method.

    Examples
    --------
    >>> proportion_ci(17, 100)  # doctest: +ELLIPSIS
    Interval(estimate=0.17, lower=0.1089..., upper=0.2554...)
    """
    level = check_conf_level(conf_level)
    name = check_name(method, PROPORTION_METHODS, "method", " for proportion_ci")
    shape, x, trials = _validate_proportion(count, n)
    lower, upper = PROPORTION_METHODS[name](x, trials, level)
    return Interval(shaped(x / trials, shape), shaped(lower, shape), shaped(upper, shape))


@fill_doc
@table_of(proportion_ci)
def proportion_ci_table(given: Arguments) -> Rows:
    """Confidence intervals for proportions as a table that says what was done on each row.

    %(proportion_table)s
        Columns ``count``, ``n``, ``estimate``, ``lower``, ``upper``, ``method``,
        ``method_requested``, ``conf_level`` and ``note``.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument: as for :func:`proportion_ci`.
    """
    method = given["method"]
    _, x, trials = _validate_proportion(given["count"], given["n"])
    inputs = {"count": x.astype(np.int64), "n": trials.astype(np.int64)}
    return Rows(inputs, method, _notes(x, trials, method, given["conf_level"]))


def _notes(count: FloatArray, n: FloatArray, method: str, conf_level: float) -> list[str]:
    """One note per row: no continuity correction at n/2, truncation, Jeffreys' boundaries."""
    notes = []
    z = z_two_sided(float(conf_level))
    for xi, ni in zip(count, n, strict=True):
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
    return notes
