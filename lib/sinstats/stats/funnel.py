r"""Funnel plots: which areas stand out once chance is allowed for.

Each unit (a region, a local authority) has an observed count :math:`O` and an expected count
:math:`E`: either given directly (e.g. from indirect standardisation) or the target rate times the
unit's population. Under the null hypothesis that the unit shares the target rate,
:math:`O \sim \mathrm{Poisson}(E)`; the control limits are the central ``conf_level`` range of that
distribution, drawn against the population (or :math:`E`) they form a funnel.

* :func:`funnel_limits` gives the limits for the count, by a method from :data:`LIMIT_METHODS`:
  ``"exact"`` (Poisson quantiles) or ``"interpolated"`` (Spiegelhalter's continuous limits).
* :func:`funnel_overdispersion` checks whether the units vary more than Poisson chance allows
  (on n - 1 degrees of freedom when the target is estimated from the units, n when it is given
  from outside, such as England's rate) and estimates the overdispersion factor :math:`\hat\phi`
  and the between-unit variance :math:`\tau^2`; :func:`multiplicative_limits` widen the limits
  by :math:`\sqrt{\hat\phi}`, :func:`additive_limits` by :math:`\tau^2` (Spiegelhalter 2005).
* :func:`funnel_table` flags each unit with the exact limits (or the overdispersion-adjusted
  ones) and records the interpolated limits for drawing:
  :func:`sinstats.present.plots.funnel_plot` draws smooth curves, not the exact step function.

The formulae, when to use each method and when it breaks down are in
``docs/methods.md`` (section "Trends and funnel plots").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from sinstats._docstrings import fill_doc
from sinstats._typing import FloatArray
from sinstats.errors import ParameterError
from sinstats.stats._validation import (
    check_conf_level,
    check_conf_levels,
    check_name,
    is_number,
    one_dim,
    positive_numbers,
    whole_counts,
)

#: Two-sided levels drawn by default: 95% ("warning") and 99.8% ("alarm") limits.
DEFAULT_CONF_LEVELS: Final = (0.95, 0.998)
#: Denominator kinds accepted by :func:`funnel_table`.
DENOMINATORS: Final = ("population", "expected")
#: Overdispersion adjustments accepted by :func:`funnel_table` (None: no adjustment).
OVERDISPERSION_METHODS: Final = (None, "additive", "multiplicative")
#: Share of z-scores winsorised at each end before estimating the overdispersion.
WINSOR: Final = 0.10


# ---------------------------------------------------------------------------------------------
# Limit methods
# ---------------------------------------------------------------------------------------------


def _margin(expected: FloatArray, p: float, upper: bool) -> Callable[[FloatArray], FloatArray]:
    r"""How far a whole k is past the ``p`` quantile (lower) or the ``1 - p`` quantile (upper).

    Lower limit: :math:`P(X \le k) - p`; upper limit: :math:`p - P(X > k)` (from the upper
    tail, for accuracy). k has reached the quantile where the margin is >= 0, and the margin over
    :math:`P(X = k)` is the interpolation fraction of :func:`_interpolated_limits`.
    """
    if upper:
        return lambda k: np.asarray(p - stats.poisson.sf(k, expected), dtype=np.float64)
    return lambda k: np.asarray(stats.poisson.cdf(k, expected) - p, dtype=np.float64)


def _poisson_quantile(expected: FloatArray, p: float, upper: bool) -> FloatArray:
    r"""Smallest whole k with :math:`P(X \le k) \ge p` (lower) or :math:`P(X > k) \le p` (upper).

    The margin of :func:`_margin` is >= 0 from k on and < 0 below it.
    """
    start = stats.poisson.isf(p, expected) if upper else stats.poisson.ppf(p, expected)
    k = np.asarray(start, dtype=np.float64)
    margin = _margin(expected, p, upper)
    # Guard scipy's root-finding start against an off-by-one at a boundary.
    for _ in range(3):
        down = (k > 0) & (margin(k - 1) >= 0)
        up = margin(k) < 0
        if not (np.any(down) or np.any(up)):
            break
        k = k - down + up
    return k


@fill_doc
def _exact_limits(expected: FloatArray, p: float) -> tuple[FloatArray, FloatArray]:
    r"""Exact Poisson control limits: the p and 1 - p quantiles of Poisson(expected).

    %(limit_method)s
        ``lower`` is the smallest whole k with :math:`P(X \le k) \ge p`; ``upper`` the smallest
        whole k with :math:`P(X \le k) \ge 1 - p` (computed from the upper tail,
        :math:`P(X > k) \le p`, for accuracy).

    Notes
    -----
    A count is flagged when it lies strictly outside: :math:`O < lower` or :math:`O > upper`.
    Because counts are whole, each tail then has probability at most p (the flags are
    conservative: :math:`P(X < lower) < p` and :math:`P(X > upper) \le p`), and the limits are
    step functions of the expected count, so the funnel is jagged for small counts. For tiny
    expected counts the limits collapse: when :math:`e^{-E} \ge 1 - p` (E below about 0.025 for
    95%) the upper limit is 0, below E itself; no count can then be flagged low and every
    positive count is flagged high.

    References
    ----------
    .. [1] Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
       Medicine 2005;24:1185-1202, appendix A.1.1.
    .. [2] Public Health England. Technical guide: funnel plots (Fingertips). PHE; 2018.
    """
    return _poisson_quantile(expected, p, False), _poisson_quantile(expected, p, True)


@fill_doc
def _interpolated_limits(expected: FloatArray, p: float) -> tuple[FloatArray, FloatArray]:
    r"""Spiegelhalter's interpolated Poisson limits: continuous in the expected count.

    %(limit_method)s
        :math:`r_q - \alpha_q` for q = p and q = 1 - p, where :math:`r_q` is the exact q quantile
        (see :func:`_exact_limits`) and
        :math:`\alpha_q = [P(X \le r_q) - q] / [P(X \le r_q) - P(X \le r_q - 1)]`, so that the
        limit moves smoothly from :math:`r_q - 1` to :math:`r_q` as the expected count grows.
        Limits below 0 (possible when :math:`r_q = 0`) are set to 0.

    Notes
    -----
    The limit is the q quantile of the continuous distribution whose distribution function joins
    the Poisson distribution function at whole numbers by straight lines. The funnel is then
    smooth, which is why it is used for plotting; the price is that the flags are no longer
    conservative: a count equal to :math:`r_{1-p}` is flagged high when :math:`\alpha > 0`,
    although :math:`P(X \ge r_{1-p}) > p`. Manktelow and Seaton (2012) show that the realised
    tail probability can then exceed p, most for expected counts below 50. For tiny expected
    counts the upper limit falls below E, as for the exact limits.

    References
    ----------
    .. [1] Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
       Medicine 2005;24:1185-1202, appendix A.1.1.
    .. [2] Manktelow BN, Seaton SE. Specifying the probability characteristics of funnel plot
       control limits: an investigation of three approaches. PLoS ONE 2012;7:e45723.
    """
    limits = []
    for upper in (False, True):
        r = _poisson_quantile(expected, p, upper)
        # alpha = (F(r) - q) / P(X = r); for the upper limit F(r) - (1 - p) = p - P(X > r).
        alpha = _margin(expected, p, upper)(r) / stats.poisson.pmf(r, expected)
        limits.append(np.asarray(np.maximum(r - alpha, 0.0), dtype=np.float64))
    return limits[0], limits[1]


#: Registry of funnel limit methods: name -> function(expected, p) -> (lower, upper).
LIMIT_METHODS: Final[Mapping[str, Callable[[FloatArray, float], tuple[FloatArray, FloatArray]]]] = {
    "exact": _exact_limits,
    "interpolated": _interpolated_limits,
}


def funnel_limits(
    expected: npt.ArrayLike, conf_level: float = 0.998, method: str = "exact"
) -> tuple[FloatArray, FloatArray]:
    """Control limits for an observed count against its expected count.

    Parameters
    ----------
    expected : float or array_like
        Expected counts under the target, each > 0.
    conf_level : float, default 0.998
        Two-sided level strictly between 0 and 1: 0.998 leaves 0.1% in each tail.
    method : str, default "exact"
        A name in :data:`LIMIT_METHODS`: ``"exact"`` (Poisson quantiles, whole numbers) or
        ``"interpolated"`` (Spiegelhalter 2005, continuous in ``expected``).

    Returns
    -------
    lower, upper : ndarray
        Limits on the count scale, with the shape of ``expected`` (0-d for a scalar). Divide by
        the population (times a multiplier) for limits on the rate scale.

    Raises
    ------
    ParameterError
        (a ``ValueError``) for a non-positive or missing expected count, a level outside (0, 1)
        or an unknown method.

    Notes
    -----
    See :func:`_exact_limits` and :func:`_interpolated_limits` for the definitions, how the
    discreteness of counts is handled and when the limits break down. Both assume Poisson
    variation around a known target; when the units vary more than that (see
    :func:`funnel_overdispersion`) most units fall outside and the limits should be widened
    (:func:`funnel_table` with ``overdispersion="additive"``).

    References
    ----------
    .. [1] Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
       Medicine 2005;24:1185-1202.

    Examples
    --------
    >>> lower, upper = funnel_limits([10.0, 100.0], conf_level=0.95)
    >>> lower.tolist(), upper.tolist()
    ([4.0, 81.0], [17.0, 120.0])
    """
    e = positive_numbers(expected, "expected")
    level = check_conf_level(conf_level)
    name = check_name(method, LIMIT_METHODS, "method")
    p = (1.0 - level) / 2.0
    return LIMIT_METHODS[name](e, p)


# ---------------------------------------------------------------------------------------------
# Overdispersion
# ---------------------------------------------------------------------------------------------


class OverdispersionCheck(NamedTuple):
    r"""Spiegelhalter's overdispersion check and additive random-effects variance.

    Attributes
    ----------
    phi : float
        Overdispersion ratio :math:`\hat\phi`: the mean of the squared winsorised z-scores.
    statistic : float
        :math:`n\hat\phi`, referred to :math:`\chi^2_{df}`.
    df : int
        n - 1 when the target was estimated from the units, n when it was given from outside.
    p_value : float
        :math:`P(\chi^2_{df} \ge n\hat\phi)`: small values indicate overdispersion.
    tau2 : float
        Between-unit variance on the square-root scale (0 when :math:`n\hat\phi \le df`).
    n : int
        Number of units.
    n_winsorised : int
        Number of z-scores pulled in to the 10th or 90th percentile.
    winsor : float
        Share winsorised at each end (0.1).
    """

    phi: float
    statistic: float
    df: int
    p_value: float
    tau2: float
    n: int
    n_winsorised: int
    winsor: float


def sqrt_z_scores(observed: npt.ArrayLike, expected: npt.ArrayLike) -> FloatArray:
    r"""Z-scores of observed counts on the square-root scale: :math:`2(\sqrt{O} - \sqrt{E})`.

    Parameters
    ----------
    observed : array_like
        Observed counts.
    expected : array_like
        Expected counts, > 0.

    Returns
    -------
    ndarray
        :math:`(y - 1)/s` with :math:`y = \sqrt{O/E}` and :math:`s = 1/(2\sqrt{E})`.

    Notes
    -----
    The square root stabilises the Poisson variance, so that :math:`y` has variance close to
    :math:`1/(4E)` whatever the rate. The approximation is poor for expected counts below about
    5, and an observed 0 gives :math:`-2\sqrt{E}` however small E is.

    References
    ----------
    .. [1] Spiegelhalter DJ. Handling over-dispersion of performance indicators. Quality and
       Safety in Health Care 2005;14:347-351, table 1.
    """
    o = np.asarray(observed, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    return np.asarray(2.0 * (np.sqrt(o) - np.sqrt(e)), dtype=np.float64)


def funnel_overdispersion(
    observed: npt.ArrayLike,
    expected: npt.ArrayLike,
    winsor: float = WINSOR,
    *,
    target_estimated: bool = True,
) -> OverdispersionCheck:
    r"""Check for overdispersion and estimate the additive random-effects variance tau².

    Parameters
    ----------
    observed : array_like
        Observed counts, one per unit (at least 3 units).
    expected : array_like
        Expected counts under the target, > 0.
    winsor : float, default 0.1
        Share of z-scores winsorised at each end, in [0, 0.5).
    target_estimated : bool, default True
        True when the target was estimated from these units (a pooled rate): the test has
        n - 1 degrees of freedom. False for a target given from outside (e.g. England's rate
        for regions): n degrees of freedom, as nothing was estimated from the units.

    Returns
    -------
    OverdispersionCheck
        :math:`\hat\phi`, the chi-square statistic and p-value, :math:`\hat\tau^2` and the
        number of z-scores winsorised.

    Raises
    ------
    ParameterError
        (a ``ValueError``) for invalid counts, mismatched lengths or fewer than 3 units.

    Notes
    -----
    Following Spiegelhalter (2005, QSHC):

    1. z-scores on the square-root scale, :math:`z_i = (y_i - 1)/s_i` with
       :math:`y_i = \sqrt{O_i/E_i}`, :math:`s_i = 1/(2\sqrt{E_i})` (:func:`sqrt_z_scores`);
    2. winsorise: z-scores below the 10th percentile are set to it, above the 90th likewise
       (percentiles by linear interpolation between order statistics, R's ``quantile`` type 7);
    3. :math:`\hat\phi = n^{-1}\sum z_{w,i}^2`; under no overdispersion :math:`n\hat\phi` is
       roughly :math:`\chi^2_{n-1}` for a target estimated from the units, :math:`\chi^2_n` for
       a target given from outside (no degree of freedom is spent on it);
    4. :math:`\hat\tau^2 = \max\{0, (n\hat\phi - (n-1)) /
       (\sum w_i - \sum w_i^2/\sum w_i)\}` with :math:`w_i = 1/s_i^2 = 4E_i` (the
       DerSimonian-Laird moment estimator) for an estimated target; for a given target
       :math:`\hat\tau^2 = \max\{0, (n\hat\phi - n) / \sum w_i\}`, from
       :math:`E[z_i^2] = 1 + w_i\tau^2` (the same moment argument without the estimated mean).

    :math:`\hat\tau^2` is positive whenever :math:`n\hat\phi` exceeds the degrees of freedom,
    whether or not the test is significant. With fewer than about 10 units winsorising at 10%
    still moves the two extreme z-scores towards their neighbours, and :math:`\hat\tau^2` is
    very imprecise. The chi-square reference ignores the winsorising. The check measures
    variation around the target: a target far from the units' overall rate shows up as
    overdispersion.

    References
    ----------
    .. [1] Spiegelhalter DJ. Handling over-dispersion of performance indicators. Quality and
       Safety in Health Care 2005;14:347-351.
    .. [2] Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
       Medicine 2005;24:1185-1202, section 5.
    .. [3] DerSimonian R, Laird N. Meta-analysis in clinical trials. Controlled Clinical Trials
       1986;7:177-188.
    """
    o = one_dim(whole_counts(observed, "observed"), "observed")
    e = one_dim(positive_numbers(expected, "expected"), "expected")
    if len(o) != len(e):
        raise ParameterError(
            f"observed has {len(o)} values but expected has {len(e)}; give one per unit"
        )
    if len(o) < 3:
        raise ParameterError(
            f"observed has {len(o)} units; the overdispersion check needs at least 3"
        )
    if not is_number(winsor) or not 0.0 <= float(winsor) < 0.5:
        raise ParameterError(f"winsor must be a share in [0, 0.5), e.g. 0.1; got {winsor!r}")
    n = len(o)
    z = sqrt_z_scores(o, e)
    z_lo, z_hi = np.quantile(z, [float(winsor), 1.0 - float(winsor)])
    z_w = np.clip(z, z_lo, z_hi)
    n_winsorised = int(np.sum((z < z_lo) | (z > z_hi)))
    phi = float(np.mean(z_w**2))
    statistic = n * phi
    w = 4.0 * e
    df = n - 1 if target_estimated else n
    denom = float(np.sum(w) - np.sum(w**2) / np.sum(w)) if target_estimated else float(np.sum(w))
    if statistic > df and denom > 0:
        tau2 = (statistic - df) / denom
    else:
        tau2 = 0.0
    return OverdispersionCheck(
        phi=phi,
        statistic=statistic,
        df=df,
        p_value=float(stats.chi2.sf(statistic, df)),
        tau2=float(tau2),
        n=n,
        n_winsorised=n_winsorised,
        winsor=float(winsor),
    )


def multiplicative_limits(
    expected: npt.ArrayLike, phi: float, conf_level: float = 0.998
) -> tuple[FloatArray, FloatArray]:
    r"""Count limits widened for overdispersion by a multiplicative factor :math:`\sqrt\phi`.

    Parameters
    ----------
    expected : float or array_like
        Expected counts, > 0.
    phi : float
        The overdispersion factor, > 0 (from :func:`funnel_overdispersion`); values below 1 are
        taken as 1 (never narrower than Poisson).
    conf_level : float, default 0.998
        Two-sided level strictly between 0 and 1.

    Returns
    -------
    lower, upper : ndarray
        :math:`E\,(1 \mp z\sqrt{\phi}\,s)^2` with :math:`s = 1/(2\sqrt E)` and z the standard
        normal quantile; the lower limit is 0 where :math:`1 - z\sqrt\phi\,s < 0`.

    Raises
    ------
    ParameterError
        (a ``ValueError``) for a non-positive expected count or phi, or a level outside (0, 1).

    Notes
    -----
    The multiplicative model takes every unit's variance as :math:`\phi` times the Poisson one,
    so the z-scores are divided by :math:`\sqrt\phi` and the limits on the square-root scale
    widen by that factor: the funnel keeps its shape (it still narrows to the target for large
    units), unlike the additive limits of :func:`additive_limits`, which become parallel lines.
    It suits variation that grows with the unit's size; additive random effects suit a
    between-unit spread of the underlying rates. The square-root scale's normal approximation is
    poor below about 5 expected.

    References
    ----------
    .. [1] Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
       Medicine 2005;24:1185-1202, section 5.2 (multiplicative overdispersion).
    .. [2] Spiegelhalter DJ. Handling over-dispersion of performance indicators. Quality and
       Safety in Health Care 2005;14:347-351.
    """
    e = positive_numbers(expected, "expected")
    level = check_conf_level(conf_level)
    factor = float(positive_numbers(phi, "phi"))
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    half = z * math.sqrt(max(factor, 1.0)) / (2.0 * np.sqrt(e))
    lower = e * np.maximum(1.0 - half, 0.0) ** 2
    upper = e * (1.0 + half) ** 2
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def additive_limits(
    expected: npt.ArrayLike, tau2: float, conf_level: float = 0.998
) -> tuple[FloatArray, FloatArray]:
    r"""Count limits widened for overdispersion by an additive random effect.

    Parameters
    ----------
    expected : float or array_like
        Expected counts, > 0.
    tau2 : float
        Between-unit variance on the square-root scale, >= 0 (from
        :func:`funnel_overdispersion`).
    conf_level : float, default 0.998
        Two-sided level strictly between 0 and 1.

    Returns
    -------
    lower, upper : ndarray
        :math:`E\,(1 \mp z\sqrt{s^2 + \tau^2})^2` with :math:`s^2 = 1/(4E)` and z the standard
        normal quantile; the lower limit is 0 where :math:`1 - z\sqrt{s^2+\tau^2} < 0`.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument: for a non-positive expected count, a negative or
        infinite ``tau2`` or a level outside (0, 1).

    Notes
    -----
    Limits :math:`1 \pm z\sqrt{s_i^2 + \tau^2}` on the square-root scale, squared back to the
    ratio :math:`O/E` and multiplied by E. They use the normal approximation on the square-root
    scale, so for expected counts below about 5 they differ from the exact Poisson limits even
    when :math:`\tau^2 = 0`. As E grows the limits no longer narrow to the target: the funnel
    becomes parallel lines at :math:`(1 \pm z\tau)^2`, i.e. large units are judged against the
    between-unit spread, not against Poisson noise. The random-effects assumption treats the
    excess variation as unexplained; if it has a known cause (e.g. deprivation), adjust for that
    instead.

    References
    ----------
    .. [1] Spiegelhalter DJ. Handling over-dispersion of performance indicators. Quality and
       Safety in Health Care 2005;14:347-351.
    """
    e = positive_numbers(expected, "expected")
    level = check_conf_level(conf_level)
    if not is_number(tau2) or not math.isfinite(float(tau2)) or float(tau2) < 0:
        raise ParameterError(f"tau2 must be a finite number >= 0; got {tau2!r}")
    z = float(stats.norm.ppf(0.5 + level / 2.0))
    half = z * np.sqrt(1.0 / (4.0 * e) + float(tau2))
    lower = e * np.maximum(1.0 - half, 0.0) ** 2
    upper = e * (1.0 + half) ** 2
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# Table
# ---------------------------------------------------------------------------------------------


def level_label(conf_level: float) -> str:
    """Label of a level in column names and flags: ``0.95`` -> ``"95"``, ``0.998`` -> ``"99.8"``.

    Parameters
    ----------
    conf_level : float
        A control-limit level.

    Returns
    -------
    str
        The level as a percentage without trailing zeros.
    """
    return f"{100.0 * conf_level:.10g}"


def _names(names: object, observed: object, n: int) -> list[str]:
    if names is None:
        if isinstance(observed, pd.Series):
            return [str(v) for v in observed.index]
        return [f"unit {i + 1}" for i in range(n)]
    if isinstance(names, (str, bytes)) or not isinstance(names, Iterable):
        raise ParameterError(f"names must be a list of unit names; got {names!r}")
    out = [str(v) for v in names]
    if len(out) != n:
        raise ParameterError(f"names has {len(out)} values but observed has {n}; give one per unit")
    return out


def funnel_table(
    observed: npt.ArrayLike,
    expected_or_population: npt.ArrayLike,
    names: Sequence[str] | None = None,
    rate_per: float = 100_000,
    conf_levels: Sequence[float] = DEFAULT_CONF_LEVELS,
    method: str = "exact",
    overdispersion: str | None = None,
    target: float | None = None,
    *,
    denominator: str = "population",
) -> pd.DataFrame:
    r"""Compare units with a target and flag those outside the funnel limits.

    Parameters
    ----------
    observed : array_like
        Observed counts, one per unit. A pandas Series gives the unit names from its index.
    expected_or_population : array_like
        Populations (``denominator="population"``) or expected counts
        (``denominator="expected"``), > 0.
    names : sequence of str, optional
        Unit names; default the Series index or ``"unit 1"``, ``"unit 2"``, ...
    rate_per : float, default 100_000
        Rates are per this many people (population denominators only).
    conf_levels : sequence of float, default (0.95, 0.998)
        Two-sided levels of the limits; each strictly between 0 and 1.
    method : str, default "exact"
        Limit method from :data:`LIMIT_METHODS` (``"exact"`` or ``"interpolated"``).
    overdispersion : {None, "additive", "multiplicative"}, default None
        ``"additive"``: estimate :math:`\tau^2` (:func:`funnel_overdispersion`) and, if it is
        positive, use :func:`additive_limits` instead of ``method``; ``"multiplicative"``: if
        :math:`\hat\phi > 1`, use :func:`multiplicative_limits`. The check's degrees of
        freedom follow ``target``: n - 1 for the pooled default, n for a given target.
    target : float, optional
        The target rate per ``rate_per`` (population) or the target ratio to expected
        (expected). Default: the pooled rate :math:`\sum O / \sum P` times ``rate_per``, or 1.
    denominator : {"population", "expected"}, default "population"
        What ``expected_or_population`` holds.

    Returns
    -------
    pandas.DataFrame
        One row per unit, in input order, with columns ``name``, ``observed``, ``population``
        (population only), ``rate`` (per ``rate_per``) or ``ratio`` (O over the given expected),
        ``expected`` (target times the denominator), ``target``, ``z_score``
        (:math:`2(\sqrt O - \sqrt E)`), ``z_adjusted`` (with ``"additive"``: the z-score over
        :math:`\sqrt{1 + 4E\tau^2}`), then for each level L (``"95"``, ``"99.8"``)
        ``lower_L``/``upper_L`` on the rate (or ratio) scale and ``count_lower_L``/
        ``count_upper_L`` on the count scale, ``flag``, ``method``, ``conf_level`` (the levels as
        text, e.g. ``"0.95, 0.998"``) and ``note``. ``table.attrs["funnel"]`` keeps what
        :func:`sinstats.present.plots.funnel_plot` needs to draw smooth limits: ``draw_method``
        is ``"interpolated"`` when the flags use the exact limits (the exact ones are a step
        function of the expected count, a sawtooth when drawn), otherwise the adjusted method.

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument for invalid counts, denominators, levels, method,
        overdispersion, target, names or mismatched lengths.

    Notes
    -----
    Flags use the exact (whole-number) limits, so each tail has probability at most
    :math:`(1 - L)/2`; the drawn curves use Spiegelhalter's interpolated limits, which join the
    exact ones smoothly (a point on the curve's wrong side is always flagged by the exact limits
    too, but a point just inside a drawn curve may still be flagged when the interpolated limit
    lies between two whole counts).
    The flag is the outermost level whose limits the observed count lies strictly outside:
    ``"above 99.8%"``, ``"above 95%"``, ``"within"``, ``"below 95%"`` or ``"below 99.8%"`` (for
    other levels the labels follow, e.g. ``"above 90%"``). The limits are for a single unit:
    with 150 local authorities about 7 will lie outside the 95% limits and 0.3 outside the
    99.8% limits by chance alone, which is why 99.8% limits are the usual threshold for action.
    A default target pooled from the units includes each unit's own count; with few units that
    pulls the target towards the largest unit.

    References
    ----------
    .. [1] Spiegelhalter DJ. Funnel plots for comparing institutional performance. Statistics in
       Medicine 2005;24:1185-1202.
    .. [2] Spiegelhalter DJ. Handling over-dispersion of performance indicators. Quality and
       Safety in Health Care 2005;14:347-351.
    .. [3] Public Health England. Technical guide: funnel plots (Fingertips). PHE; 2018.
    """
    o = one_dim(whole_counts(observed, "observed"), "observed")
    d = one_dim(
        positive_numbers(expected_or_population, "expected_or_population"),
        "expected_or_population",
    )
    n = len(o)
    if len(d) != n:
        raise ParameterError(
            f"expected_or_population has {len(d)} values but observed has {n}; give one per unit"
        )
    if n == 0:
        raise ParameterError("observed is empty; give at least one unit")
    unit_names = _names(names, observed, n)
    check_name(denominator, DENOMINATORS, "denominator")
    limit_method = check_name(method, LIMIT_METHODS, "method")
    check_name(overdispersion, OVERDISPERSION_METHODS, "overdispersion")
    levels = check_conf_levels(conf_levels)
    by_population = denominator == "population"
    if by_population:
        scale = float(positive_numbers(rate_per, "rate_per"))
    else:
        scale = 1.0

    if target is None:
        if by_population:
            if o.sum() == 0:
                raise ParameterError(
                    "observed are all zero, so the pooled target rate is 0; give target"
                )
            target_value = float(o.sum() / d.sum() * scale)
            target_text = f"target {target_value:.4g} per {scale:,.0f} (pooled rate of all units)"
        else:
            target_value = 1.0
            target_text = "target ratio 1 (observed = expected)"
    else:
        target_value = float(positive_numbers(target, "target"))
        target_text = (
            f"target {target_value:.4g} per {scale:,.0f} (given)"
            if by_population
            else f"target ratio {target_value:.4g} to expected (given)"
        )
    e = target_value * d / scale

    z = sqrt_z_scores(o, e)
    check: OverdispersionCheck | None = None
    tau2, phi = 0.0, 1.0
    if overdispersion is not None:
        check = funnel_overdispersion(o, e, target_estimated=target is None)
        tau2, phi = check.tau2, check.phi

    columns: dict[str, Any] = {"name": unit_names, "observed": o.astype(np.int64)}
    if by_population:
        columns["population"] = d
        columns["rate"] = o / d * scale
    else:
        columns["ratio"] = o / d
    columns["expected"] = e
    columns["target"] = np.full(n, target_value)
    columns["z_score"] = z
    if check is not None and overdispersion == "additive":
        columns["z_adjusted"] = z / np.sqrt(1.0 + 4.0 * e * tau2)
    elif check is not None:
        columns["z_adjusted"] = z / math.sqrt(max(phi, 1.0))

    use_additive = overdispersion == "additive" and check is not None and tau2 > 0
    use_multiplicative = overdispersion == "multiplicative" and check is not None and phi > 1
    flag = np.full(n, "within", dtype=object)
    limits: dict[str, FloatArray] = {}
    for level in levels:
        if use_additive:
            lo, hi = additive_limits(e, tau2, level)
        elif use_multiplicative:
            lo, hi = multiplicative_limits(e, phi, level)
        else:
            lo, hi = LIMIT_METHODS[limit_method](e, (1.0 - level) / 2.0)
        lab = level_label(level)
        limits[f"lower_{lab}"] = lo / d * scale
        limits[f"upper_{lab}"] = hi / d * scale
        limits[f"count_lower_{lab}"] = lo
        limits[f"count_upper_{lab}"] = hi
    for level in levels:  # ascending, so the outermost level exceeded wins
        lab = level_label(level)
        flag[o > limits[f"count_upper_{lab}"]] = f"above {lab}%"
        flag[o < limits[f"count_lower_{lab}"]] = f"below {lab}%"
    for lab in (level_label(level) for level in levels):
        columns[f"lower_{lab}"] = limits[f"lower_{lab}"]
        columns[f"upper_{lab}"] = limits[f"upper_{lab}"]
    for lab in (level_label(level) for level in levels):
        columns[f"count_lower_{lab}"] = limits[f"count_lower_{lab}"]
        columns[f"count_upper_{lab}"] = limits[f"count_upper_{lab}"]
    columns["flag"] = flag

    used_method = (
        "additive" if use_additive else "multiplicative" if use_multiplicative else limit_method
    )
    level_text = ", ".join(f"{level:g}" for level in levels)
    method_text = {
        "exact": "exact Poisson limits (quantiles of Poisson(expected))",
        "interpolated": "interpolated Poisson limits (Spiegelhalter 2005, appendix A.1.1)",
        "additive": "limits widened by additive random effects on the square-root scale "
        "(Spiegelhalter 2005, QSHC)",
        "multiplicative": "limits widened by sqrt(phi) on the square-root scale (multiplicative "
        "overdispersion, Spiegelhalter 2005)",
    }[used_method]
    notes = [
        target_text,
        ("expected = target x population" if by_population else "expected = target x expected"),
        f"{method_text} at {level_text} (two-sided)",
        "flag: observed count strictly outside the limits",
    ]
    if check is not None:
        od = (
            f"overdispersion: phi = {check.phi:.4g} from z-scores on the square-root scale "
            f"winsorised at {100 * check.winsor:g}%/{100 - 100 * check.winsor:g}% "
            f"({check.n_winsorised} winsorised), chi-square {check.statistic:.4g} on "
            f"{check.df} df, p = {check.p_value:.3g}; tau2 = {check.tau2:.4g}"
        )
        if overdispersion == "additive" and not use_additive:
            od += f"; no overdispersion (n*phi <= df): {limit_method} limits not adjusted"
        if overdispersion == "multiplicative" and not use_multiplicative:
            od += f"; phi <= 1: {limit_method} limits not adjusted"
        notes.append(od)
    draw_method = "interpolated" if used_method == "exact" else used_method
    if draw_method != used_method:
        notes.append("drawn with the interpolated limits (smooth), flagged with the exact ones")
    columns["method"] = used_method
    columns["conf_level"] = level_text
    columns["note"] = "; ".join(notes)

    table = pd.DataFrame(columns)
    table.attrs["funnel"] = {
        "denominator": denominator,
        "scale": scale,
        "target": target_value,
        "method": used_method,
        "draw_method": draw_method,
        "conf_levels": levels,
        "tau2": tau2,
        "phi": phi,
    }
    return table
