r"""Log-linear trends in annual counts: Poisson, quasi-Poisson and negative binomial.

A trend is the multiplicative change in the expected count (or rate, with an exposure) per year,
estimated by a generalised linear model with a log link:

.. math:: \log \mu_i = \beta_0 + \beta_1 (t_i - \bar t) + \log E_i,

where :math:`t_i` is the time of period *i* in years (the midpoint of the period for period ids
such as ``"2025-26"``; plain numbers as given), :math:`\bar t` the mean of the time points (the
*centre*) and :math:`E_i` an optional exposure such as the child population. The rate ratio per
year is :math:`e^{\beta_1}`; its Wald interval is :math:`\exp(\hat\beta_1 \pm c\,\mathrm{se})`.

Centring the time axis changes only the intercept (the log expected count at the centre), not the
slope, its standard error or any fit statistic; it keeps the fit numerically stable with years
near 2000. Periods with no published figure (2017-18) are simply left out: a gap is never filled.

Families are chosen by name from :data:`FAMILIES`; see :func:`fit_trend`. Every fit also reports
two tests of the Poisson assumption on the same mean model (:func:`pearson_dispersion_test` and
:func:`cameron_trivedi_test`). The methods, their formulae and their limits are written up in
``docs/methods.md`` (section "Trends and funnel plots").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from sinstats._typing import FloatArray
from sinstats.errors import ParameterError
from sinstats.stats._glm import (
    FAMILIES,
    Family,
    OverdispersionTest,
    _Fit,
    cameron_trivedi_test,
    nb2_theta_score,
    pearson_dispersion_test,
    wald,
)
from sinstats.stats._glm import percent_change as _glm_percent_change
from sinstats.stats._validation import (
    check_conf_level,
    check_name,
    series_counts,
    series_exposure,
    time_axis,
)
from sinstats.stats.intervals import Interval

__all__ = [
    "FAMILIES",
    "MIN_POINTS",
    "Family",
    "OverdispersionTest",
    "TrendResult",
    "cameron_trivedi_test",
    "describe_trend",
    "fit_trend",
    "nb2_theta_score",
    "pearson_dispersion_test",
    "trend_table",
]

#: Fewest time points accepted by :func:`fit_trend` (two parameters need at least one residual df).
MIN_POINTS: Final = 3


@dataclass(frozen=True)
class TrendResult:
    r"""The result of :func:`fit_trend`.

    Attributes
    ----------
    family : str
        ``"poisson"``, ``"quasipoisson"`` or ``"negbin"``.
    rate_ratio : Interval
        Estimated multiplicative change in the expected count (or rate) per year, with its Wald
        interval at ``conf_level`` (computed on the log scale and exponentiated).
    p_value : float
        Two-sided Wald p-value for no trend (slope 0).
    coef : float
        Slope :math:`\hat\beta_1` on the log scale, per year.
    se : float
        Standard error of the slope (scaled by the dispersion for ``"quasipoisson"``).
    intercept : float
        :math:`\hat\beta_0`: the log expected count (per unit exposure) at ``centre``.
    centre : float
        The time point (decimal year) the time axis was centred at: the mean of the time points.
    dispersion : float
        Pearson :math:`X^2/df_{resid}` of the fitted family (for ``"negbin"`` the Pearson residuals
        use the negative binomial variance, so a value near 1 means the family fits).
    deviance : float
        Residual deviance of the fitted family (for ``"negbin"``, with theta fixed at its estimate).
    df_resid : int
        Residual degrees of freedom, n - 2 (theta is not counted, as in R's ``glm.nb``).
    loglik : float
        Log-likelihood (full, including :math:`-\log y!`); ``nan`` for ``"quasipoisson"``.
    aic : float
        :math:`-2\ell + 2k` with k = 2 (Poisson) or 3 (negbin: theta counted); ``nan`` for
        ``"quasipoisson"``, which has no likelihood.
    theta : float or None
        Negative binomial shape (size) :math:`\theta = 1/\alpha`, variance
        :math:`\mu + \mu^2/\theta`; ``inf`` when the maximum is at the Poisson boundary;
        None for the other families.
    overdispersion_test : OverdispersionTest
        Pearson chi-square goodness-of-fit test of the *Poisson* fit of the same mean model.
    cameron_trivedi : OverdispersionTest
        Cameron-Trivedi (1990) auxiliary-regression test of the *Poisson* fit (NB2 alternative).
    reference : str
        Reference distribution of the Wald interval and test: ``"normal"`` or ``"t(df)"``.
    method : str
        The model and interval in words, e.g. ``"Poisson GLM, log link; Wald (normal)"``.
    n : int
        Number of time points used.
    conf_level : float
        Confidence level of ``rate_ratio``.
    note : str
        What was done, in words, and any warning (overdispersion, boundary estimates).
    """

    family: str
    rate_ratio: Interval
    p_value: float
    coef: float
    se: float
    intercept: float
    centre: float
    dispersion: float
    deviance: float
    df_resid: int
    loglik: float
    aic: float
    theta: float | None
    overdispersion_test: OverdispersionTest
    cameron_trivedi: OverdispersionTest
    reference: str
    method: str
    n: int
    conf_level: float
    note: str

    @property
    def percent_change(self) -> Interval:
        """The change per year in per cent: ``100 * (rate_ratio - 1)`` with its interval."""
        return _glm_percent_change(self.rate_ratio)


# ---------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


class _Wald(NamedTuple):
    """The Wald interval and test of a fitted slope (see :func:`_wald`)."""

    rate_ratio: Interval
    p_value: float
    reference: str


def _wald(fit: _Fit, level: float) -> _Wald:
    """Return the Wald interval of the rate ratio per year and the two-sided test of no trend."""
    return _Wald(*wald(fit.coef, fit.se, fit.t_df, level))


def fit_trend(
    periods: Sequence[object] | npt.ArrayLike,
    counts: npt.ArrayLike,
    exposure: npt.ArrayLike | float | None = None,
    family: str = "poisson",
    conf_level: float = 0.95,
) -> TrendResult:
    """Fit a log-linear trend to counts over time and report the change per year.

    Parameters
    ----------
    periods : sequence
        One time point per count: period ids (``"2025-26"``, ``"2026"``, :class:`Period`), whose
        midpoints in decimal years form the time axis, or plain numbers (years), used as they are.
        Do not mix the two. Missing periods are left out, never filled; repeats are an error.
    counts : array_like
        Whole-number counts, 0 or more, one per period.
    exposure : array_like or float, optional
        Positive exposure per period (e.g. the child population), entered as the offset
        ``log(exposure)``: the trend is then in the rate. A scalar is the same for every period.
    family : str, default "poisson"
        A name in :data:`FAMILIES`: ``"poisson"``, ``"quasipoisson"`` or ``"negbin"``.
    conf_level : float, default 0.95
        Confidence level of the interval, strictly between 0 and 1.

    Returns
    -------
    TrendResult
        The rate ratio per year with its Wald interval, p-value, slope and standard error, fit
        statistics, theta (negbin), and the two overdispersion tests of the Poisson fit.

    Raises
    ------
    ParameterError
        (a ``ValueError``) for an unknown family, mismatched lengths, fewer than three points,
        negative, fractional or missing counts, non-positive exposure, unreadable or repeated
        periods, all counts zero, or all positive counts in the first or last period (the trend
        would be infinite).

    Notes
    -----
    Wald inference on the log scale: ``rate_ratio = exp(b ± c·se)`` with c the standard normal
    quantile (``"poisson"``, ``"negbin"``) or the Student t quantile on n - 2 df
    (``"quasipoisson"``). The time axis is centred at the mean time point (``centre``); the slope
    is unaffected. The family functions of :mod:`sinstats.stats._glm` (``_fit_poisson``,
    ``_fit_quasipoisson``, ``_fit_negbin``) say when each family breaks down. With ten or so
    annual points the trend describes the period it was fitted on; a straight line on the log
    scale may hide a rise and fall (the England series rose to 2020-21 and fell after), so always
    look at the series too.

    References
    ----------
    .. [1] McCullagh P, Nelder JA. Generalized Linear Models. 2nd ed. Chapman & Hall; 1989.
    .. [2] Cameron AC, Trivedi PK. Regression Analysis of Count Data. 2nd ed. Cambridge
       University Press; 2013.

    Examples
    --------
    >>> r = fit_trend(["2022-23", "2023-24", "2024-25"], [456, 405, 338], family="poisson")
    >>> round(r.rate_ratio.estimate, 3)
    0.862
    """
    family = check_name(family, FAMILIES, "family")
    level = check_conf_level(conf_level)
    t = time_axis(periods)
    y = series_counts(counts)
    if len(y) != len(t):
        raise ParameterError(
            f"counts has {len(y)} values but periods has {len(t)}; give one count per period"
        )
    if len(y) < MIN_POINTS:
        raise ParameterError(
            f"counts has {len(y)} values; a trend needs at least {MIN_POINTS} periods"
        )
    e = series_exposure(exposure, len(y))
    if float(y.sum()) == 0.0:
        raise ParameterError("counts are all zero; a trend in zero counts cannot be estimated")
    positive_t = t[y > 0]
    if positive_t.min() == positive_t.max() and positive_t[0] in (t.min(), t.max()):
        which = "first" if positive_t[0] == t.min() else "last"
        raise ParameterError(
            f"counts are positive only in the {which} period; the estimated trend would be infinite"
        )

    centre = float(t.mean())
    x = np.column_stack([np.ones_like(t), t - centre])
    offset = np.log(e) if e is not None else np.zeros_like(y)
    fit = FAMILIES[family](y, x, offset)
    df_resid = len(y) - x.shape[1]

    wald = _wald(fit, level)

    # Overdispersion is judged on the Poisson fit of the same mean model, whatever the family.
    pois = fit if family in ("poisson", "quasipoisson") else FAMILIES["poisson"](y, x, offset)
    mu_pois = np.exp(x @ np.array([pois.intercept, pois.coef]) + offset)
    pearson = pearson_dispersion_test(y, mu_pois, df_resid)
    ct = cameron_trivedi_test(y, mu_pois)

    notes = [
        f"{fit.description}; Wald {level:g} interval on the log scale ({wald.reference} reference)",
        f"time in years centred at {centre:.2f}; {len(y)} periods"
        + (", rate with log(exposure) offset" if e is not None else ""),
        *fit.notes,
    ]
    if pearson.p_value < 0.05:
        overdisp = (
            f"counts overdispersed relative to Poisson (Pearson dispersion "
            f"{pearson.estimate:.3g}, {_fmt_p(pearson.p_value)})"
        )
        if family == "poisson":
            overdisp += ": the Poisson interval is too narrow; use quasipoisson or negbin"
        notes.append(overdisp)
    if family == "quasipoisson":
        notes.append("aic is nan: quasi-Poisson has no likelihood")

    return TrendResult(
        family=family,
        rate_ratio=wald.rate_ratio,
        p_value=wald.p_value,
        coef=fit.coef,
        se=fit.se,
        intercept=fit.intercept,
        centre=centre,
        dispersion=fit.pearson_chi2 / df_resid,
        deviance=fit.deviance,
        df_resid=df_resid,
        loglik=fit.loglik,
        aic=fit.aic,
        theta=fit.theta,
        overdispersion_test=pearson,
        cameron_trivedi=ct,
        reference=wald.reference,
        method=f"{fit.description}; Wald ({wald.reference})",
        n=len(y),
        conf_level=level,
        note="; ".join(notes),
    )


_FAMILY_WORDS: Final = {
    "poisson": "Poisson",
    "quasipoisson": "quasi-Poisson",
    "negbin": "negative binomial",
}


def _pct(x: float | FloatArray) -> str:
    value = float(x)
    return f"{value:+.1f}%" if round(value, 1) != 0 else "0.0%"


def describe_trend(result: TrendResult, what: str = "notifications") -> str:
    """Describe a trend in plain words.

    Parameters
    ----------
    result : TrendResult
        From :func:`fit_trend`.
    what : str, default "notifications"
        What was counted, for the sentence.

    Returns
    -------
    str
        E.g. "notifications fell by 2.1% a year on average (95% CI -4.0% to -0.2%;
        quasi-Poisson trend over 11 periods, p = 0.03). The counts vary more than Poisson chance
        alone would allow (Pearson dispersion 9.1, p < 0.001); the quasi-Poisson interval allows
        for this."

    Notes
    -----
    "Rose" or "fell" is said only when the interval excludes no change; otherwise the sentence
    says that the interval includes no change.
    """
    pc = result.percent_change
    level = f"{100 * result.conf_level:g}% CI {_pct(pc.lower)} to {_pct(pc.upper)}"
    fam = _FAMILY_WORDS.get(result.family, result.family)
    detail = f"{level}; {fam} trend over {result.n} periods, {_fmt_p(result.p_value)}"
    if result.rate_ratio.lower > 1.0:
        first = f"{what} rose by {abs(pc.estimate):.1f}% a year on average ({detail})."
    elif result.rate_ratio.upper < 1.0:
        first = f"{what} fell by {abs(pc.estimate):.1f}% a year on average ({detail})."
    else:
        first = (
            f"no clear trend: {what} changed by an estimated {_pct(pc.estimate)} a year "
            f"({detail}), an interval that includes no change."
        )
    od = result.overdispersion_test
    stats_text = f"Pearson dispersion {od.estimate:.2g}, {_fmt_p(od.p_value)}"
    if od.p_value < 0.05:
        second = f"The counts vary more than Poisson chance alone would allow ({stats_text})"
        if result.family == "poisson":
            second += (
                "; this Poisson interval is too narrow (use quasi-Poisson or negative binomial)."
            )
        elif result.family == "negbin":
            theta = "" if result.theta is None else f", theta = {result.theta:.3g}"
            second += f"; the negative binomial interval allows for this{theta}."
        else:
            second += "; the quasi-Poisson interval allows for this."
    else:
        second = (
            f"The year-to-year scatter is consistent with Poisson chance ({stats_text}), "
            "though a test on few points has little power."
        )
    return f"{first} {second}"


def trend_table(
    results: TrendResult | Iterable[TrendResult] | Mapping[str, TrendResult],
) -> pd.DataFrame:
    """Tabulate one or more trend fits, one row per fit.

    Parameters
    ----------
    results : TrendResult, iterable of TrendResult, or mapping of label to TrendResult
        Fits from :func:`fit_trend`. With a mapping the keys fill a ``label`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``label`` (mappings only), ``family``, ``method``, ``n``, ``rate_ratio``,
        ``lower``, ``upper``, ``percent_change``, ``percent_lower``, ``percent_upper``,
        ``p_value``, ``coef``, ``se``, ``intercept``, ``centre``, ``dispersion``, ``deviance``,
        ``df_resid``, ``aic``, ``theta``, ``overdispersion_p`` (Pearson chi-square test),
        ``cameron_trivedi_p``, ``conf_level`` and ``note``.

    Raises
    ------
    ParameterError
        For an item that is not a :class:`TrendResult`.
    """
    labels: list[str] | None = None
    if isinstance(results, TrendResult):
        items = [results]
    elif isinstance(results, Mapping):
        labels = [str(k) for k in results]
        items = list(results.values())
    else:
        items = list(results)
    for i, item in enumerate(items):
        if not isinstance(item, TrendResult):
            raise ParameterError(f"results[{i}] is a {type(item).__name__}, not a TrendResult")
    rows = []
    for r in items:
        pc = r.percent_change
        rows.append(
            {
                "family": r.family,
                "method": r.method,
                "n": r.n,
                "rate_ratio": r.rate_ratio.estimate,
                "lower": r.rate_ratio.lower,
                "upper": r.rate_ratio.upper,
                "percent_change": pc.estimate,
                "percent_lower": pc.lower,
                "percent_upper": pc.upper,
                "p_value": r.p_value,
                "coef": r.coef,
                "se": r.se,
                "intercept": r.intercept,
                "centre": r.centre,
                "dispersion": r.dispersion,
                "deviance": r.deviance,
                "df_resid": r.df_resid,
                "aic": r.aic,
                "theta": math.nan if r.theta is None else r.theta,
                "overdispersion_p": r.overdispersion_test.p_value,
                "cameron_trivedi_p": r.cameron_trivedi.p_value,
                "conf_level": r.conf_level,
                "note": r.note,
            }
        )
    table = pd.DataFrame(rows)
    if labels is not None:
        table.insert(0, "label", labels)
    return table
