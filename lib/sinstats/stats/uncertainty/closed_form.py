"""Closed-form intervals for the uncertainty model: exact where one exists, else log-normal."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import special, stats

from sinstats._typing import FloatArray
from sinstats.stats._validation import check_conf_levels
from sinstats.stats.intervals import poisson_ci
from sinstats.stats.uncertainty._model import Plan, factor_scale, prepare
from sinstats.stats.uncertainty.assumptions import DEFAULT_CONF_LEVELS, Target
from sinstats.stats.uncertainty.components import Component
from sinstats.stats.uncertainty.observed import Observed
from sinstats.stats.uncertainty.shares import HierarchicalShare


def _garwood_moments(count: float) -> tuple[float, float]:
    """Mean and variance of the rate drawn by :func:`garwood_draws` for one count (exact).

    Uses ``E[G 1{G < m}] = a G_{a+1}(m)`` and ``E[G^2 1{G < m}] = a (a+1) G_{a+2}(m)`` for
    ``G ~ Gamma(a, 1)``, where ``G_a`` is the regularised lower incomplete gamma function.
    """
    a, b = float(count), float(count) + 1.0
    m_b = float(special.gammaincinv(b, 0.5))
    up1 = b * float(special.gammaincc(b + 1, m_b)) / 0.5
    up2 = b * (b + 1) * float(special.gammaincc(b + 2, m_b)) / 0.5
    if a > 0:
        m_a = float(special.gammaincinv(a, 0.5))
        low1 = a * float(special.gammainc(a + 1, m_a)) / 0.5
        low2 = a * (a + 1) * float(special.gammainc(a + 2, m_a)) / 0.5
    else:
        low1 = low2 = 0.0
    mean = 0.5 * (low1 + up1)
    return mean, 0.5 * (low2 + up2) - mean**2


def _chance_log_moments(xs: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Delta-method log-moments of the Garwood rate at each count in ``xs``.

    ``Var(log L) ~ Var(L) / E[L]^2`` and ``E[log L] ~ log E[L] - Var(L) / (2 E[L]^2)``, with the
    exact mean and variance of :func:`_garwood_moments`. NaN at a count of 0 (the rate is then 0
    half the time and has no logarithm).
    """
    means = np.full(xs.size, math.nan)
    variances = np.full(xs.size, math.nan)
    for i, x in enumerate(xs.tolist()):
        if x <= 0:
            continue
        mean, var = _garwood_moments(x)
        rel = var / mean**2
        means[i] = math.log(mean) - rel / 2
        variances[i] = rel
    return means, variances


def _count_log_moments(plan: Plan) -> dict[str, tuple[float, float]]:
    """Log-scale mean and variance of the count part, split into rounding and chance.

    With both on, the law of total variance splits ``Var(log lambda)`` into the variance over
    the rounding support of ``E[log lambda | X]`` (rounding) and the mean of
    ``Var(log lambda | X)`` (chance). The mean is carried on the chance entry (or on rounding
    when chance is off, or on ``"count"`` when both are off).
    """
    lo, hi = plan.support
    xs = np.arange(lo, hi + 1, dtype=np.float64)
    if plan.rounding is None:
        xs = np.array([plan.count_central])
    if plan.chance is not None and plan.quantity == "rate":
        means, variances = _chance_log_moments(xs)
        out = {"chance": (float(np.mean(means)), float(np.mean(variances)))}
        if plan.rounding is not None:
            out["rounding"] = (0.0, float(np.var(means)))
        return out
    with np.errstate(divide="ignore"):
        logs = np.log(xs)
    if np.any(xs <= 0):
        logs = np.full(xs.size, math.nan)
    key = "rounding" if plan.rounding is not None else "count"
    return {key: (float(np.mean(logs)), float(np.var(logs)))}


def _base_through_share(plan: Plan, terms: dict[str, tuple[float, float]]) -> None:
    """Add the base factor's effect through a hierarchical share's mapping (quadrature)."""
    share = plan.factor("definition")
    if plan.base is None or not isinstance(share, HierarchicalShare) or not share.needs_base():
        return
    m, w = plan.base.nodes()
    logs = np.log(share.mean_at(m) / share.central())
    if plan.converts:
        logs = logs + np.log(m)
        terms.pop("base", None)
    mean = float(w @ logs)
    base_mean = terms.get("base", (0.0, 0.0))[0]
    terms["base"] = (mean + base_mean, float(w @ (logs - mean) ** 2))


def _realised_terms(plan: Plan, terms: dict[str, tuple[float, float]]) -> None:
    """Delta-method log variances of the split by cause and of the unnotified deaths."""
    share = plan.factor("definition")
    base = plan.factor("base")
    asc = plan.factor("ascertainment")
    prob = (share.central() if share else 1.0) * (base.central() if base else 1.0)
    p = asc.central() if asc else 1.0
    expected = plan.count_central * prob
    if expected <= 0:
        terms["split"] = (0.0, math.nan)
        return
    terms["split"] = (0.0, (1 - min(prob, 1.0)) / expected)
    terms["unnotified"] = (0.0, (1 - p) / expected)


def closed_form(
    observed: Observed | float | int,
    components: Target | Sequence[Component],
    conf_levels: Sequence[float] = DEFAULT_CONF_LEVELS,
    quantity: str = "rate",
) -> pd.DataFrame:
    """Closed-form intervals: exact where one exists, else a log-normal approximation.

    Parameters
    ----------
    observed : Observed, int or float
    components : Target or sequence of Component
    conf_levels : sequence of float, default (0.8, 0.95)
    quantity : {"rate", "realised"}, default "rate"
        The underlying yearly rate, or this year's realised number (its split by cause and
        unnotified deaths by the delta method).

    Returns
    -------
    pandas.DataFrame
        Columns ``target, scope, kind, conf_level, central, lower, upper, method, note``, with
        ``scope`` ``"total"`` and, for the log-normal method, one row per component alone.
        ``attrs["log_variance"]`` maps each kind (and ``"total"``) to its closed-form log
        variance.

    Raises
    ------
    ParameterError
        For an invalid observed value, component list or level.

    Notes
    -----
    *Exact.* When chance is the only enabled component with any spread and the count is an
    exact whole number ``x``, ``T = c * lambda`` for a constant ``c`` and the interval is ``c``
    times Garwood's exact interval, :func:`sinstats.stats.intervals.poisson_ci` with
    ``method="exact"`` (``method`` column ``"exact_garwood"``); central value ``c * x``.

    *Approximate (``"lognormal_moments"``).* Otherwise ``log T`` is a sum of independent terms,
    so its mean and variance are sums of each term's: log-normal factors give
    ``(log centre, sd_log^2)``; a Beta share ``(digamma(a) - digamma(a+b),
    trigamma(a) - trigamma(a+b))`` (mixtures by the law of total variance; ascertainment enters
    with a minus sign); chance at count ``x`` by the delta method from the exact mean and
    variance of the Garwood construction of :func:`garwood_draws` (incomplete gamma functions);
    rounding by the law of total variance over its support. The interval is
    ``exp(mean +/- z * sd)`` and the central value ``exp(mean)``, the median of a log-normal.
    It is approximate: the sum of a few skewed terms is not exactly normal, and the delta method
    for chance is poor below about 10 events (at 0 it is undefined, and the row is NaN). With
    few events or wide Beta distributions, use the Monte Carlo intervals of :func:`simulate`.

    References
    ----------
    .. [1] Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-442.
    .. [2] Johnson NL, Kotz S, Balakrishnan N. Continuous Univariate Distributions, vol. 2,
       2nd ed. Wiley, 1995 (ch. 25, moments of log Beta).
    """
    target, plan = prepare(observed, components, quantity)
    return closed_form_result(target.name, plan, check_conf_levels(conf_levels)).table


class ClosedForm(NamedTuple):
    """The closed-form intervals for a plan, and the log variance of each term.

    Attributes
    ----------
    table : pandas.DataFrame
        The table :func:`closed_form` returns (its ``attrs["log_variance"]`` is
        ``log_variance``).
    log_variance : mapping of str to float
        Closed-form variance of the log of each kind's term, and of the total (``"total"``).
    """

    table: pd.DataFrame
    log_variance: Mapping[str, float]


def closed_form_result(name: str, plan: Plan, levels: Sequence[float]) -> ClosedForm:
    """Compute :func:`closed_form` for a validated plan (also used by :func:`simulate`).

    Parameters
    ----------
    name : str
        The target's name, for the result.
    plan : Plan
        The validated model (:func:`~sinstats.stats.uncertainty._model.prepare`).
    levels : sequence of float
        Confidence levels of the intervals.

    Returns
    -------
    ClosedForm
        Garwood's exact interval where chance is the only source of doubt, else log-normal.
    """
    lo, hi = plan.support
    rows: list[dict[str, object]] = []

    terms = _count_log_moments(plan)
    for comp in plan.factors:
        m, v = comp.log_moments()
        terms[comp.kind] = (-m, v) if comp.kind == "ascertainment" else (m, v)
    _base_through_share(plan, terms)
    if plan.quantity == "realised":
        _realised_terms(plan, terms)
    mean = sum(t[0] for t in terms.values())
    var = sum(t[1] for t in terms.values())

    others_fixed = all(not c.varies for c in plan.factors) and (plan.rounding is None or lo == hi)
    exact = (
        plan.chance is not None
        and plan.quantity == "rate"
        and plan.base is None
        and others_fixed
        and lo == hi
        and float(lo).is_integer()
    )
    if exact:
        scale = factor_scale(plan)
        for level in levels:
            ci = poisson_ci(int(lo), conf_level=level, method="exact")
            rows.append(
                {
                    "target": name,
                    "scope": "total",
                    "kind": "total",
                    "conf_level": level,
                    "central": float(lo) * scale,
                    "lower": float(ci.lower) * scale,
                    "upper": float(ci.upper) * scale,
                    "method": "exact_garwood",
                    "note": "Garwood's exact interval (poisson_ci, method='exact')"
                    + (f" times the constant {scale:.4g}" if scale != 1 else ""),
                }
            )
    else:
        for level in levels:
            z = float(stats.norm.isf((1 - level) / 2))
            rows.append(
                _lognormal_row(
                    name,
                    "total",
                    level,
                    mean,
                    z,
                    var,
                    "approximate: log-normal with the exact log-moments of each independent "
                    "component (chance by the delta method)",
                )
            )
            for kind, (_, v) in terms.items():
                if kind == "count" or v == 0:
                    continue
                rows.append(
                    _lognormal_row(
                        name, kind, level, mean, z, v, f"approximate: only {kind} varies"
                    )
                )
    table = pd.DataFrame(
        rows,
        columns=[
            "target",
            "scope",
            "kind",
            "conf_level",
            "central",
            "lower",
            "upper",
            "method",
            "note",
        ],
    )
    log_variance = {k: v for k, (_, v) in terms.items()} | {"total": var}
    table.attrs["log_variance"] = log_variance
    return ClosedForm(table, log_variance)


def _lognormal_row(
    target: str, scope: str, level: float, mean: float, z: float, variance: float, note: str
) -> dict[str, object]:
    """One ``"lognormal_moments"`` row: ``exp(mean +/- z * sd)``, central ``exp(mean)``."""
    sd = math.sqrt(variance) if variance == variance else math.nan
    return {
        "target": target,
        "scope": scope,
        "kind": scope,
        "conf_level": level,
        "central": math.exp(mean),
        "lower": math.exp(mean - z * sd),
        "upper": math.exp(mean + z * sd),
        "method": "lognormal_moments",
        "note": note,
    }
