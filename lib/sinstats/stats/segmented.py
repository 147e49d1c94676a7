r"""Segmented (interrupted time-series) log-linear models of annual counts.

A series with a declared break is not one straight line: the collection may step up or down at
the break while the underlying trend continues. The segmented model (Bernal, Cummins and
Gasparrini 2017) fits

.. math:: \log \mu_i = \beta_0 + \beta_1 t_i + \sum_k \gamma_k S_{k,i}
          + \sum_j \delta_j V_{j,i} + \log E_i,

where :math:`t_i` is the time of period *i* in years since the first period fitted,
:math:`S_{k,i} = 1` from the period of step *k* on (0 before), :math:`V_{j,i} = 1` in the periods of
event *j* (0 otherwise) and :math:`E_i` an optional exposure (the child population). Every
coefficient is reported as a rate ratio with its Wald interval: :math:`e^{\beta_1}` per year (the
slope, the same before and after each step), :math:`e^{\gamma_k}` for a step (the level after
against before, at the same point of the trend) and :math:`e^{\delta_j}` for an event.

The families are those of :mod:`sinstats.stats.trends` (:data:`~sinstats.stats._glm.FAMILIES`):
``"quasipoisson"`` is the default here (the scatter of annual counts around a trend is usually
larger than Poisson, and a pretest with ten or so points has too little power to choose), with
Student t intervals on the residual degrees of freedom; ``"negbin"`` and ``"poisson"`` beside it.
Periods without a figure are left out, never filled. The method, its assumptions and its limits
are in ``docs/methods.md`` (section "Segmented trends").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from sinstats._typing import FloatArray
from sinstats.errors import ParameterError, PeriodError
from sinstats.periods import Period, parse_period
from sinstats.stats._glm import FAMILIES, OverdispersionTest, pearson_dispersion_test, wald
from sinstats.stats._glm import percent_change as _glm_percent_change
from sinstats.stats._validation import (
    check_conf_level,
    check_name,
    is_number,
    series_counts,
    series_exposure,
    time_axis,
)
from sinstats.stats.intervals import Interval

__all__ = [
    "DEFAULT_FAMILY",
    "SegmentedResult",
    "Term",
    "describe_segmented",
    "fit_segmented",
    "segmented_table",
]

#: The family used when none is named: quasi-Poisson, without a pretest.
DEFAULT_FAMILY: Final = "quasipoisson"

_FAMILY_WORDS: Final = {
    "poisson": "Poisson",
    "quasipoisson": "quasi-Poisson",
    "negbin": "negative binomial",
}


@dataclass(frozen=True)
class Term:
    """One coefficient of a segmented model, as a rate ratio.

    Attributes
    ----------
    name : str
        ``"slope"``, or the name given to a step or an event.
    kind : str
        ``"slope"``, ``"step"`` or ``"event"``.
    rate_ratio : Interval
        :math:`e^{b}` with its Wald interval at the model's level: per year for the slope, level
        after against before for a step, the event's periods against the line for an event.
    p_value : float
        Two-sided Wald p-value for a rate ratio of 1.
    coef, se : float
        The coefficient on the log scale and its standard error (scaled by the dispersion for
        quasi-Poisson).
    where : str
        The periods concerned in words: ``"per year"``, ``"from 2018-19"``, ``"2020-21"``.
    """

    name: str
    kind: str
    rate_ratio: Interval
    p_value: float
    coef: float
    se: float
    where: str

    @property
    def percent(self) -> Interval:
        """The change in per cent: ``100 * (rate_ratio - 1)`` with its interval."""
        return _glm_percent_change(self.rate_ratio)


@dataclass(frozen=True)
class SegmentedResult:
    r"""The result of :func:`fit_segmented`.

    Attributes
    ----------
    family : str
        ``"quasipoisson"``, ``"negbin"`` or ``"poisson"``.
    terms : tuple of Term
        The slope first, then the steps and the events in the order given.
    intercept : float
        :math:`\hat\beta_0`: the log expected count (per unit of exposure) at the first period.
    origin : float
        The time (decimal year) of the first period: :math:`t = 0` there.
    dispersion : float
        Pearson :math:`X^2/df_{resid}` of the fitted family (for quasi-Poisson the estimated
        :math:`\phi` that scales every standard error).
    deviance : float
        Residual deviance of the fitted family.
    df_resid : int
        Residual degrees of freedom: periods minus coefficients (theta not counted).
    loglik, aic : float
        ``nan`` for quasi-Poisson; the negative binomial AIC counts theta.
    theta : float or None
        Negative binomial shape (``inf`` at the Poisson boundary); None otherwise.
    overdispersion_test : OverdispersionTest
        Pearson chi-square test of the Poisson fit of the same mean model.
    reference : str
        ``"normal"`` or ``"t(df)"``: the reference of every interval and p-value.
    method : str
        The model and interval in words.
    periods : tuple of str
        The periods fitted (ids, or the numbers as text), in order.
    fitted : tuple of float
        The fitted expected count of each period.
    n : int
        Number of periods fitted.
    conf_level : float
    note : str
        What was done, in words.
    """

    family: str
    terms: tuple[Term, ...]
    intercept: float
    origin: float
    dispersion: float
    deviance: float
    df_resid: int
    loglik: float
    aic: float
    theta: float | None
    overdispersion_test: OverdispersionTest
    reference: str
    method: str
    periods: tuple[str, ...]
    fitted: tuple[float, ...]
    n: int
    conf_level: float
    note: str

    def term(self, name: str) -> Term:
        """Return the term called ``name``.

        Parameters
        ----------
        name : str
            ``"slope"`` or a step's or event's name.

        Returns
        -------
        Term

        Raises
        ------
        KeyError
            If the model has no such term.
        """
        for t in self.terms:
            if t.name == name:
                return t
        raise KeyError(name)

    @property
    def slope(self) -> Term:
        """The slope: the rate ratio per year."""
        return self.terms[0]

    def has(self, name: str) -> bool:
        """Return True when the model has a term called ``name``."""
        return any(t.name == name for t in self.terms)


def _as_time(value: object, kinds: str, name: str) -> float:
    """Read a step's period in the time axis' units (a period id, or a number)."""
    if kinds == "period":
        try:
            return (value if isinstance(value, Period) else parse_period(value)).midpoint
        except PeriodError as err:
            raise ParameterError(f"{name} = {value!r} is not a period: {err}") from None
    if not is_number(value) or not math.isfinite(float(value)):  # type: ignore[arg-type]
        raise ParameterError(f"{name} = {value!r} is not a number (the periods are numbers)")
    return float(value)  # type: ignore[arg-type]


def _label(value: object) -> str:
    return value.id if isinstance(value, Period) else str(value)


def _indicators(
    t: FloatArray,
    kinds: str,
    steps: Mapping[str, object],
    events: Mapping[str, Sequence[object]],
) -> tuple[list[tuple[str, str, str]], list[FloatArray]]:
    """Return each step's and event's (name, kind, where) and its indicator column."""
    names: list[tuple[str, str, str]] = []
    columns: list[FloatArray] = []
    for name, at in steps.items():
        start = _as_time(at, kinds, f"steps[{name!r}]")
        column = (t >= start - 1e-9).astype(np.float64)
        if column.all() or not column.any():
            side = "before" if column.all() else "from"
            raise ParameterError(
                f"steps[{name!r}] = {_label(at)!r}: no period {side} it is fitted, so the step "
                "cannot be estimated; fit periods on both sides of a step"
            )
        names.append((name, "step", f"from {_label(at)}"))
        columns.append(column)
    for name, when in events.items():
        if isinstance(when, (str, bytes)) or not isinstance(when, Iterable):
            raise ParameterError(f"events[{name!r}] must be a list of periods; got {when!r}")
        items = list(when)
        if not items:
            raise ParameterError(f"events[{name!r}] is empty; give the event's periods")
        times = [_as_time(v, kinds, f"events[{name!r}]") for v in items]
        column = np.isin(np.round(t, 9), np.round(times, 9)).astype(np.float64)
        missing = [
            _label(v) for v, x in zip(items, times, strict=True) if not np.any(abs(t - x) < 1e-9)
        ]
        if missing:
            raise ParameterError(
                f"events[{name!r}]: {', '.join(missing)} not among the periods fitted; an event "
                "term needs its periods in the data"
            )
        names.append((name, "event", ", ".join(_label(v) for v in items)))
        columns.append(column)
    return names, columns


def fit_segmented(
    periods: Sequence[object] | npt.ArrayLike,
    counts: npt.ArrayLike,
    exposure: npt.ArrayLike | float | None = None,
    *,
    steps: Mapping[str, object] | None = None,
    events: Mapping[str, Sequence[object]] | None = None,
    family: str = DEFAULT_FAMILY,
    conf_level: float = 0.95,
) -> SegmentedResult:
    r"""Fit a segmented log-linear model: a trend with steps (and events) at declared breaks.

    Parameters
    ----------
    periods : sequence
        One time point per count: period ids (``"2025-26"``), whose midpoints are the time axis,
        or plain numbers (years). Missing periods are left out, never filled.
    counts : array_like
        Whole-number counts, one per period.
    exposure : array_like or float, optional
        Positive exposure per period (e.g. the child population), entered as ``log(exposure)``
        offset: the model is then for the rate.
    steps : mapping of str to period, optional
        Step terms: name -> first period of the new level (the indicator is 1 from it on), e.g.
        ``{"dfe-collection": "2018-19"}``. Each needs periods on both sides.
    events : mapping of str to sequence of periods, optional
        Event terms: name -> the periods of the event (indicator 1 there), e.g.
        ``{"pandemic": ["2020-21"]}``. Each period must be among those fitted.
    family : str, default "quasipoisson"
        A name in :data:`~sinstats.stats._glm.FAMILIES`.
    conf_level : float, default 0.95
        Level of every interval.

    Returns
    -------
    SegmentedResult
        Every term as a rate ratio with its Wald interval and p-value, the dispersion, the
        residual degrees of freedom and the fitted counts.

    Raises
    ------
    ParameterError
        For an unknown family, mismatched lengths, bad counts, exposures or periods, a step with
        no period on one side, an event period not fitted, or no residual degree of freedom.

    Notes
    -----
    Time is in years since the first period fitted, so the intercept is the log rate there and
    the slope is per year; the time of a period is its midpoint. Wald inference on the log
    scale, as R's ``summary.glm``: the standard normal for Poisson and negative binomial,
    Student t on the residual degrees of freedom for quasi-Poisson, whose standard errors are
    the Poisson ones times :math:`\sqrt{\hat\phi}` with :math:`\hat\phi = X^2/df_{resid}`. The
    slope is assumed the same before and after each step (a level change only); with three
    years before a step that assumption cannot be checked well, which is why a fit to the years
    after the step alone is worth reporting beside it. An event term fitted to one period
    absorbs that period entirely (its residual is 0).

    References
    ----------
    .. [1] Bernal JL, Cummins S, Gasparrini A. Interrupted time series regression for the
       evaluation of public health interventions: a tutorial. International Journal of
       Epidemiology 2017;46:348-355.
    .. [2] McCullagh P, Nelder JA. Generalized Linear Models. 2nd ed. Chapman & Hall; 1989,
       sections 4.5 and 9.2 (quasi-likelihood).
    .. [3] Wagner AK, Soumerai SB, Zhang F, Ross-Degnan D. Segmented regression analysis of
       interrupted time series studies in medication use research. Journal of Clinical Pharmacy
       and Therapeutics 2002;27:299-309.

    Examples
    --------
    >>> r = fit_segmented(
    ...     [2014, 2015, 2016, 2018, 2019, 2020], [385, 379, 433, 498, 449, 536],
    ...     steps={"dfe": 2018}, family="poisson",
    ... )
    >>> [t.name for t in r.terms]
    ['slope', 'dfe']
    """
    family = check_name(family, FAMILIES, "family")
    level = check_conf_level(conf_level)
    t_abs = time_axis(periods)
    items: list[object] = list(periods)  # type: ignore[arg-type]  # time_axis checked it
    kinds = "number" if all(is_number(v) for v in items) else "period"
    y = series_counts(counts)
    if len(y) != len(t_abs):
        raise ParameterError(
            f"counts has {len(y)} values but periods has {len(t_abs)}; give one count per period"
        )
    e = series_exposure(exposure, len(y))
    order = np.argsort(t_abs, kind="stable")
    t_abs, y = t_abs[order], y[order]
    e = e[order] if e is not None else None
    labels = [_label(items[i]) for i in order]
    origin = float(t_abs[0]) if len(t_abs) else 0.0
    t = t_abs - origin
    names, columns = _indicators(t_abs, kinds, dict(steps or {}), dict(events or {}))
    x = np.column_stack([np.ones_like(t), t, *columns]) if len(t) else np.zeros((0, 2))
    if len(y) <= x.shape[1]:
        raise ParameterError(
            f"counts has {len(y)} values for {x.shape[1]} coefficients; a segmented model needs "
            "at least one more period than coefficients"
        )
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise ParameterError(
            "the steps and events overlap so that their effects cannot be told apart; give "
            "steps and events that differ in at least one period"
        )
    if float(y.sum()) == 0.0:
        raise ParameterError("counts are all zero; a trend in zero counts cannot be estimated")
    offset = np.log(e) if e is not None else np.zeros_like(y)
    fit = FAMILIES[family](y, x, offset)
    df_resid = len(y) - x.shape[1]
    terms = []
    reference = "normal"
    for j, (name, kind, where) in enumerate([("slope", "slope", "per year"), *names], start=1):
        rr, p_value, reference = wald(float(fit.params[j]), float(fit.bse[j]), fit.t_df, level)
        terms.append(Term(name, kind, rr, p_value, float(fit.params[j]), float(fit.bse[j]), where))
    pois = fit if family in ("poisson", "quasipoisson") else FAMILIES["poisson"](y, x, offset)
    pearson = pearson_dispersion_test(y, pois.mu, df_resid)
    described = ", ".join(f"{kind} '{name}' ({where})" for name, kind, where in names)
    notes = [
        f"{fit.description}; Wald {level:g} intervals on the log scale ({reference} reference)",
        f"time in years since {labels[0]}; {len(y)} periods, {df_resid} residual df"
        + (", rate with log(exposure) offset" if e is not None else ""),
        f"terms: slope per year{', ' + described if described else ''}",
        *fit.notes,
    ]
    if family == "quasipoisson":
        notes.append(
            f"dispersion phi = {fit.pearson_chi2 / df_resid:.4g} (Pearson X2/df), no pretest"
        )
    return SegmentedResult(
        family=family,
        terms=tuple(terms),
        intercept=float(fit.params[0]),
        origin=origin,
        dispersion=fit.pearson_chi2 / df_resid,
        deviance=fit.deviance,
        df_resid=df_resid,
        loglik=fit.loglik,
        aic=fit.aic,
        theta=fit.theta,
        overdispersion_test=pearson,
        reference=reference,
        method=f"segmented {fit.description}; Wald ({reference})",
        periods=tuple(labels),
        fitted=tuple(float(v) for v in fit.mu),
        n=len(y),
        conf_level=level,
        note="; ".join(notes),
    )


def _pct(value: float) -> str:
    return f"{value:+.1f}%" if round(value, 1) != 0 else "0.0%"


def describe_segmented(
    result: SegmentedResult, step: str | None = None, what: str = "notifications per child"
) -> str:
    """Say the slope (and a step) of a segmented model in plain words.

    Parameters
    ----------
    result : SegmentedResult
        From :func:`fit_segmented`.
    step : str, optional
        The name of a step term to describe after the slope.
    what : str, default "notifications per child"
        What was counted.

    Returns
    -------
    str
        E.g. ``"notifications per child changed by -5.2% a year (95% CI -7.7% to -2.7%,
        p = 0.008); the step came with a change of x1.50 (95% CI x1.16 to x1.93, p = 0.010)"``.

    Raises
    ------
    KeyError
        If ``step`` is not a term of the model.
    """
    level = f"{100 * result.conf_level:g}% CI"
    s = result.slope.percent
    lo, est, hi = float(s.lower), float(s.estimate), float(s.upper)
    p = result.slope.p_value
    text = f"{what} changed by {_pct(est)} a year ({level} {_pct(lo)} to {_pct(hi)}, {_p(p)})"
    if step is not None:
        rr = result.term(step)
        text += (
            f"; the step came with a change of x{rr.rate_ratio.estimate:.2f} ({level} "
            f"x{rr.rate_ratio.lower:.2f} to x{rr.rate_ratio.upper:.2f}, {_p(rr.p_value)})"
        )
    return text


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


def segmented_table(
    results: Mapping[str, SegmentedResult] | Iterable[SegmentedResult],
    step: str | None = None,
    event: str | None = None,
) -> pd.DataFrame:
    """Tabulate segmented fits: one row per model with its slope, step and event as rate ratios.

    Parameters
    ----------
    results : mapping of label to SegmentedResult, or iterable of SegmentedResult
        The fits; a mapping's keys fill the ``label`` column.
    step, event : str, optional
        The step and the event term whose columns to fill (NaN for a model without them);
        default the first step and the first event found in any model.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``family``, ``n``, ``df_resid``, ``dispersion``, ``theta``, ``aic``,
        ``slope``/``slope_lower``/``slope_upper``/``slope_p`` (rate ratio per year),
        ``step``/``step_lower``/``step_upper``/``step_p``, ``event``/``event_lower``/
        ``event_upper``/``event_p``, ``terms``, ``method``, ``conf_level`` and ``note``.

    Raises
    ------
    ParameterError
        For an item that is not a :class:`SegmentedResult`.
    """
    if isinstance(results, Mapping):
        labels = [str(k) for k in results]
        items = list(results.values())
    else:
        items = list(results)
        labels = [f"model {i + 1}" for i in range(len(items))]
    for i, item in enumerate(items):
        if not isinstance(item, SegmentedResult):
            raise ParameterError(f"results[{i}] is a {type(item).__name__}, not a SegmentedResult")
    if step is None:
        step = next((t.name for r in items for t in r.terms if t.kind == "step"), None)
    if event is None:
        event = next((t.name for r in items for t in r.terms if t.kind == "event"), None)
    rows = []
    for label, r in zip(labels, items, strict=True):
        row: dict[str, object] = {
            "label": label,
            "family": r.family,
            "n": r.n,
            "df_resid": r.df_resid,
            "dispersion": r.dispersion,
            "theta": math.nan if r.theta is None else r.theta,
            "aic": r.aic,
        }
        for column, name in (("slope", "slope"), ("step", step), ("event", event)):
            term = r.term(name) if name is not None and r.has(name) else None
            row[column] = term.rate_ratio.estimate if term else math.nan
            row[f"{column}_lower"] = term.rate_ratio.lower if term else math.nan
            row[f"{column}_upper"] = term.rate_ratio.upper if term else math.nan
            row[f"{column}_p"] = term.p_value if term else math.nan
        row["terms"] = "; ".join(f"{t.name} ({t.where})" for t in r.terms)
        row["method"] = r.method
        row["conf_level"] = r.conf_level
        row["note"] = r.note
        rows.append(row)
    return pd.DataFrame(rows)
