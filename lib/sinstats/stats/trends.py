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
import numbers
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, special, stats
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from sinstats._typing import FloatArray
from sinstats.errors import ParameterError, PeriodError
from sinstats.periods import Period, parse_period
from sinstats.stats.intervals import Interval, check_conf_level

#: Fewest time points accepted by :func:`fit_trend` (two parameters need at least one residual df).
MIN_POINTS: Final = 3

# GLM iteratively reweighted least squares: converged when the coefficients change by less than
# 1e-12 (the deviance is a poor criterion: near the Poisson limit the negative binomial deviance
# carries rounding noise of 1e-12 relative, and IRLS then never "converges" on it).
_IRLS_TOL: Final = 1e-12
_IRLS_MAXITER: Final = 200

# Bracket for the negative binomial theta (log scale). Above THETA_MAX_FACTOR * max(count) the
# extra-Poisson variance mu^2/theta is below 1e-6 of the Poisson variance: indistinguishable from
# Poisson, so a maximum there is reported as the Poisson boundary (theta = inf).
_THETA_MIN: Final = 1e-8
_THETA_MAX_FACTOR: Final = 1e6


class OverdispersionTest(NamedTuple):
    r"""A test of the Poisson variance assumption (variance = mean) against overdispersion.

    Attributes
    ----------
    method : str
        ``"pearson_chi2"`` or ``"cameron_trivedi"``.
    estimate : float
        The Pearson dispersion :math:`X^2/df` or the Cameron-Trivedi :math:`\hat\alpha`.
    statistic : float
        :math:`X^2` (Pearson) or the auxiliary regression's :math:`t` statistic (Cameron-Trivedi).
    df : float
        Degrees of freedom of the reference chi-square (Pearson); ``nan`` for Cameron-Trivedi,
        whose reference is the standard normal.
    p_value : float
        One-sided (upper tail) p-value: small values indicate overdispersion.
    """

    method: str
    estimate: float
    statistic: float
    df: float
    p_value: float


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
        rr = self.rate_ratio
        return Interval(
            100.0 * (rr.estimate - 1.0), 100.0 * (rr.lower - 1.0), 100.0 * (rr.upper - 1.0)
        )


class _Fit(NamedTuple):
    """What a family function returns to :func:`fit_trend`."""

    coef: float
    se: float
    intercept: float
    deviance: float
    pearson_chi2: float
    loglik: float
    aic: float
    theta: float | None
    t_df: int | None  # None: normal reference; else Student t with this many df
    description: str
    notes: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Input validation
# ---------------------------------------------------------------------------------------------


def _as_list(value: object, name: str) -> list[object]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ParameterError(f"{name} must be a sequence of values, one per period; got {value!r}")
    arr = value.to_numpy() if isinstance(value, (pd.Series, pd.Index)) else value
    if isinstance(arr, np.ndarray) and arr.ndim != 1:
        raise ParameterError(f"{name} must be one-dimensional; got an array of shape {arr.shape}")
    return list(arr)


def _time_axis(periods: object) -> FloatArray:
    """Turn period ids or plain numbers into decimal years."""
    items = _as_list(periods, "periods")
    times: list[float] = []
    kinds: set[str] = set()
    for i, item in enumerate(items):
        if isinstance(item, Period):
            kinds.add("period")
            times.append(item.midpoint)
        elif isinstance(item, str):
            kinds.add("period")
            try:
                times.append(parse_period(item).midpoint)
            except PeriodError as exc:
                raise ParameterError(f"periods[{i}] = {item!r} is not a period: {exc}") from exc
        elif isinstance(item, numbers.Real) and not isinstance(item, bool):
            value = float(item)
            if not math.isfinite(value):
                raise ParameterError(f"periods[{i}] = {item!r} is not a finite number")
            kinds.add("number")
            times.append(value)
        else:
            raise ParameterError(
                f"periods[{i}] = {item!r} is neither a period id (such as '2025-26') nor a number"
            )
    if len(kinds) > 1:
        raise ParameterError(
            "periods mixes period ids (such as '2025-26') with plain numbers; "
            "use one or the other so that the time axis is unambiguous"
        )
    t = np.asarray(times, dtype=np.float64)
    uniq, counts = np.unique(t, return_counts=True)
    if np.any(counts > 1):
        dup = [items[i] for i in range(len(items)) if t[i] in set(uniq[counts > 1].tolist())]
        raise ParameterError(
            f"periods must not repeat a period; repeated: {dup!r} (a series has one count per "
            "period; missing periods are simply left out)"
        )
    return t


def _counts(counts: object, name: str = "counts") -> FloatArray:
    items = _as_list(counts, name)
    out = np.empty(len(items), dtype=np.float64)
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise ParameterError(f"{name}[{i}] = {item!r} is not a number; {name} must be counts")
        value = float(item)
        if not math.isfinite(value):
            raise ParameterError(
                f"{name}[{i}] = {item!r} is missing or infinite; leave the period out"
            )
        if value < 0:
            raise ParameterError(f"{name}[{i}] = {item!r} is negative; counts must be 0 or more")
        if value != math.floor(value):
            raise ParameterError(f"{name}[{i}] = {item!r} is not a whole number; counts are whole")
        out[i] = value
    return out


def _exposure(exposure: object, n: int) -> FloatArray | None:
    if exposure is None:
        return None
    if isinstance(exposure, numbers.Real) and not isinstance(exposure, bool):
        items: list[object] = [exposure] * n
    else:
        items = _as_list(exposure, "exposure")
        if len(items) != n:
            raise ParameterError(
                f"exposure has {len(items)} values but counts has {n}; give one per period"
            )
    out = np.empty(n, dtype=np.float64)
    for i, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            raise ParameterError(f"exposure[{i}] = {item!r} is not a number")
        value = float(item)
        if not math.isfinite(value) or value <= 0:
            raise ParameterError(
                f"exposure[{i}] = {item!r} must be a positive finite number (e.g. a population)"
            )
        out[i] = value
    return out


# ---------------------------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------------------------


def _glm(y: FloatArray, x: FloatArray, offset: FloatArray, family: object) -> object:
    """Fit a GLM by IRLS with a tight tolerance; raise if it does not converge."""
    with warnings.catch_warnings():
        # Counts exactly on the fitted line trigger statsmodels' "perfect separation" warning,
        # which is meaningless for a log-linear count model.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        res = sm.GLM(y, x, family=family, offset=offset).fit(
            tol=_IRLS_TOL, tol_criterion="params", maxiter=_IRLS_MAXITER
        )
    if not bool(getattr(res, "converged", True)):
        raise RuntimeError("the GLM did not converge; check the counts for extreme values")
    return res


def _fit_poisson(y: FloatArray, x: FloatArray, offset: FloatArray) -> _Fit:
    """Poisson log-linear trend (maximum likelihood, variance = mean).

    Parameters
    ----------
    y : ndarray
        Counts.
    x : ndarray
        Design matrix: a column of ones and the centred time in years.
    offset : ndarray
        log exposure (zeros without an exposure).

    Returns
    -------
    _Fit
        Slope, its model-based standard error (Fisher information), deviance, Pearson
        :math:`X^2`, log-likelihood and AIC; Wald inference uses the standard normal.

    Notes
    -----
    Valid when each count is Poisson given the trend, i.e. the year-to-year scatter around the
    fitted line is no larger than chance. Annual notification counts usually vary more than that
    (changes in practice, guidance and recording), and then the Poisson standard error is too small
    and the interval too narrow: check :attr:`TrendResult.overdispersion_test`. The maximum
    likelihood estimate does not exist when all positive counts are in the first or the last
    period (checked before fitting).

    References
    ----------
    .. [1] McCullagh P, Nelder JA. Generalized Linear Models. 2nd ed. Chapman & Hall; 1989,
       ch. 6 (log-linear models).
    """
    res: object = _glm(y, x, offset, sm.families.Poisson())
    params = np.asarray(res.params)  # type: ignore[attr-defined]
    bse = np.asarray(res.bse)  # type: ignore[attr-defined]
    return _Fit(
        coef=float(params[1]),
        se=float(bse[1]),
        intercept=float(params[0]),
        deviance=float(res.deviance),  # type: ignore[attr-defined]
        pearson_chi2=float(res.pearson_chi2),  # type: ignore[attr-defined]
        loglik=float(res.llf),  # type: ignore[attr-defined]
        aic=float(res.aic),  # type: ignore[attr-defined]
        theta=None,
        t_df=None,
        description="Poisson GLM, log link",
        notes=(),
    )


def _fit_quasipoisson(y: FloatArray, x: FloatArray, offset: FloatArray) -> _Fit:
    r"""Quasi-Poisson log-linear trend (variance = phi * mean, phi from Pearson's X²).

    Parameters
    ----------
    y : ndarray
        Counts.
    x : ndarray
        Design matrix: a column of ones and the centred time in years.
    offset : ndarray
        log exposure (zeros without an exposure).

    Returns
    -------
    _Fit
        The Poisson estimates with the standard error multiplied by :math:`\sqrt{\hat\phi}`,
        :math:`\hat\phi = X^2/(n-2)`; Wald inference uses Student's t on n - 2 df (as R's
        ``summary.glm`` for quasi families). Log-likelihood and AIC are ``nan``.

    Notes
    -----
    The point estimate is the Poisson one; only the uncertainty changes. Appropriate when the
    scatter is larger than Poisson by a roughly constant factor. With few points
    :math:`\hat\phi` is itself imprecise (it has n - 2 df), which the t reference partly allows
    for. :math:`\hat\phi < 1` (underdispersion) narrows the interval, as in R; with very few
    points that can be chance, so compare with the Poisson fit. There is no likelihood, hence no
    AIC.

    References
    ----------
    .. [1] McCullagh P, Nelder JA. Generalized Linear Models. 2nd ed. Chapman & Hall; 1989,
       sections 4.5 and 9.2 (quasi-likelihood, estimating the dispersion).
    .. [2] Wedderburn RWM. Quasi-likelihood functions, generalized linear models, and the
       Gauss-Newton method. Biometrika 1974;61:439-447.
    """
    pois = _fit_poisson(y, x, offset)
    df_resid = len(y) - x.shape[1]
    phi = pois.pearson_chi2 / df_resid
    return pois._replace(
        se=pois.se * math.sqrt(phi),
        loglik=math.nan,
        aic=math.nan,
        t_df=df_resid,
        description="quasi-Poisson GLM, log link, dispersion from Pearson X2",
        notes=(f"standard error scaled by sqrt(dispersion) = {math.sqrt(phi):.3g}",),
    )


def _digamma_diff(y: FloatArray, theta: float) -> float:
    """Sum over i of digamma(y_i + theta) - digamma(theta), without cancellation for large theta."""
    top = int(y.max())
    if top <= 10_000_000:
        # digamma(y + theta) - digamma(theta) = sum_{k < y} 1 / (theta + k) for whole y.
        k = np.arange(top, dtype=np.float64)
        n_above = np.searchsorted(np.sort(y), k, side="right")  # how many y_i <= k
        weight = len(y) - n_above  # how many y_i > k
        return float(np.sum(weight / (theta + k)))
    return float(np.sum(special.digamma(y + theta) - special.digamma(theta)))


def nb2_theta_score(theta: float, y: FloatArray, mu: FloatArray) -> float:
    r"""Score of the NB2 log-likelihood with respect to theta at fixed means.

    Parameters
    ----------
    theta : float
        Shape (size) parameter, > 0.
    y : ndarray
        Whole-number counts.
    mu : ndarray
        Means.

    Returns
    -------
    float
        :math:`\sum_i [\psi(y_i+\theta) - \psi(\theta) - \log(1+\mu_i/\theta)
        + (\mu_i - y_i)/(\mu_i + \theta)]`.

    Notes
    -----
    Written so that it does not cancel catastrophically as theta grows (the score is then
    :math:`O(\theta^{-2})`): the digamma difference is a finite sum for whole counts and
    :math:`\log\theta - \log(\theta+\mu)` is computed with ``log1p``. The same expression as
    ``MASS::theta.ml``.

    References
    ----------
    .. [1] Venables WN, Ripley BD. Modern Applied Statistics with S. 4th ed. Springer; 2002,
       section 7.4.
    """
    return _digamma_diff(y, theta) + float(np.sum(-np.log1p(mu / theta) + (mu - y) / (mu + theta)))


def _fit_negbin(y: FloatArray, x: FloatArray, offset: FloatArray) -> _Fit:
    r"""Negative binomial (NB2) log-linear trend, theta by maximum likelihood.

    Parameters
    ----------
    y : ndarray
        Counts.
    x : ndarray
        Design matrix: a column of ones and the centred time in years.
    offset : ndarray
        log exposure (zeros without an exposure).

    Returns
    -------
    _Fit
        Estimates from the NB2 GLM with theta fixed at its maximum likelihood estimate (standard
        errors from the expected information, which is block-diagonal in the slope and theta);
        Wald inference uses the standard normal. AIC counts theta as a parameter.

    Notes
    -----
    Variance :math:`\mu + \mu^2/\theta`: the extra variance grows with the square of the mean,
    so with counts of different sizes (regions, years of very different totals) it weights points
    differently from quasi-Poisson. Theta is found by solving the profile score equation
    :func:`nb2_theta_score` = 0 in :math:`\log\theta` (Brent's method), refitting the GLM at
    each step; this is the maximum likelihood estimate that R's ``MASS::glm.nb`` converges to. If
    the score is still positive at :math:`\theta = 10^6 \max y` the likelihood increases
    towards the Poisson model: theta is reported as ``inf`` and the Poisson fit is used. Theta is
    poorly determined from ten or so points: treat it as a rough guide, and the interval as
    conditional on it.

    References
    ----------
    .. [1] Cameron AC, Trivedi PK. Regression Analysis of Count Data. 2nd ed. Cambridge
       University Press; 2013, section 3.3.
    .. [2] Venables WN, Ripley BD. Modern Applied Statistics with S. 4th ed. Springer; 2002,
       section 7.4 (``glm.nb``).
    .. [3] Lawless JF. Negative binomial and mixed Poisson regression. Canadian Journal of
       Statistics 1987;15:209-225.
    """

    def fit_at(theta: float) -> object:
        return _glm(y, x, offset, sm.families.NegativeBinomial(alpha=1.0 / theta))

    def score(log_theta: float) -> float:
        theta = math.exp(log_theta)
        mu = np.asarray(fit_at(theta).fittedvalues, dtype=np.float64)  # type: ignore[attr-defined]
        return nb2_theta_score(theta, y, mu)

    hi = math.log(_THETA_MAX_FACTOR * max(1.0, float(y.max())))
    if score(hi) >= 0.0:
        pois = _fit_poisson(y, x, offset)
        return pois._replace(
            aic=-2.0 * pois.loglik + 2.0 * (x.shape[1] + 1),
            theta=math.inf,
            description="negative binomial (NB2) GLM, log link, theta by maximum likelihood",
            notes=(
                "theta at the Poisson boundary (no overdispersion): the negative binomial fit "
                "reduces to the Poisson fit",
            ),
        )
    # Bracket the root by decades from a moment estimate on the Poisson fit, so that the GLM is
    # never asked to fit at an absurd theta.
    mu0 = np.asarray(fit_at(math.exp(hi)).fittedvalues, dtype=np.float64)  # type: ignore[attr-defined]
    excess = float(np.sum((y - mu0) ** 2 - y))
    theta0 = float(np.sum(mu0**2)) / excess if excess > 0 else 1.0
    a = b = min(max(math.log(theta0), math.log(_THETA_MIN)), hi)
    step = math.log(10.0)
    if score(a) > 0.0:
        while score(b) > 0.0:
            a, b = b, min(b + step, hi)
    else:
        while score(a) <= 0.0:
            if a <= math.log(_THETA_MIN):
                raise RuntimeError(
                    "the negative binomial theta could not be bracketed: the counts are too "
                    "overdispersed for a negative binomial fit"
                )
            a, b = max(a - step, math.log(_THETA_MIN)), a
    log_theta = float(optimize.brentq(score, a, b, xtol=1e-14, rtol=4 * np.finfo(float).eps))
    theta = math.exp(log_theta)
    res: object = fit_at(theta)
    params = np.asarray(res.params)  # type: ignore[attr-defined]
    bse = np.asarray(res.bse)  # type: ignore[attr-defined]
    loglik = float(res.llf)  # type: ignore[attr-defined]
    return _Fit(
        coef=float(params[1]),
        se=float(bse[1]),
        intercept=float(params[0]),
        deviance=float(res.deviance),  # type: ignore[attr-defined]
        pearson_chi2=float(res.pearson_chi2),  # type: ignore[attr-defined]
        loglik=loglik,
        aic=-2.0 * loglik + 2.0 * (x.shape[1] + 1),
        theta=theta,
        t_df=None,
        description="negative binomial (NB2) GLM, log link, theta by maximum likelihood",
        notes=(f"theta = {theta:.4g} (variance = mu + mu^2/theta)",),
    )


#: Registry of trend families: name -> fitting function.
FAMILIES: Final[Mapping[str, Callable[[FloatArray, FloatArray, FloatArray], _Fit]]] = {
    "poisson": _fit_poisson,
    "quasipoisson": _fit_quasipoisson,
    "negbin": _fit_negbin,
}


# ---------------------------------------------------------------------------------------------
# Overdispersion tests (on the Poisson fit)
# ---------------------------------------------------------------------------------------------


def pearson_dispersion_test(
    y: npt.ArrayLike, mu: npt.ArrayLike, df_resid: int
) -> OverdispersionTest:
    r"""Pearson chi-square goodness-of-fit test of a Poisson fit.

    Parameters
    ----------
    y : array_like
        Observed counts.
    mu : array_like
        Fitted Poisson means.
    df_resid : int
        Residual degrees of freedom (n minus the number of fitted coefficients).

    Returns
    -------
    OverdispersionTest
        ``estimate`` = :math:`X^2/df`, ``statistic`` = :math:`X^2 = \sum (y-\mu)^2/\mu`,
        ``df``, and the upper-tail p-value :math:`P(\chi^2_{df} \ge X^2)`.

    Notes
    -----
    Under the Poisson model :math:`X^2` is approximately :math:`\chi^2_{df}`. The approximation
    needs fitted means that are not small (say all above 5), which annual national and regional
    counts satisfy; for local-authority counts of 0-3 it is poor. A small p-value says the counts
    scatter more than Poisson chance: use ``"quasipoisson"`` or ``"negbin"``. A large p-value with
    ten points is weak evidence of no overdispersion (low power).

    References
    ----------
    .. [1] McCullagh P, Nelder JA. Generalized Linear Models. 2nd ed. Chapman & Hall; 1989,
       section 4.4.5.
    .. [2] Cameron AC, Trivedi PK. Regression Analysis of Count Data. 2nd ed. Cambridge
       University Press; 2013, section 5.3.
    """
    yv = np.asarray(y, dtype=np.float64)
    muv = np.asarray(mu, dtype=np.float64)
    x2 = float(np.sum((yv - muv) ** 2 / muv))
    return OverdispersionTest(
        method="pearson_chi2",
        estimate=x2 / df_resid,
        statistic=x2,
        df=float(df_resid),
        p_value=float(stats.chi2.sf(x2, df_resid)),
    )


def cameron_trivedi_test(y: npt.ArrayLike, mu: npt.ArrayLike) -> OverdispersionTest:
    r"""Cameron-Trivedi auxiliary regression test of a Poisson fit against NB2 overdispersion.

    Parameters
    ----------
    y : array_like
        Observed counts.
    mu : array_like
        Fitted Poisson means.

    Returns
    -------
    OverdispersionTest
        ``estimate`` = :math:`\hat\alpha`, ``statistic`` = its t ratio, ``p_value`` the
        one-sided standard normal p-value :math:`P(Z \ge t)`; ``df`` is ``nan``.

    Notes
    -----
    Least squares without intercept of :math:`((y-\mu)^2 - y)/\mu` on :math:`\mu`, i.e. of
    the alternative :math:`Var(y) = \mu + \alpha\mu^2`; the test of :math:`\alpha = 0` is the
    t ratio of the slope referred to the standard normal, as R's ``AER::dispersiontest(fit,
    trafo = 2)``. It is asymptotic: with ten points treat the p-value as indicative.

    References
    ----------
    .. [1] Cameron AC, Trivedi PK. Regression-based tests for overdispersion in the Poisson
       model. Journal of Econometrics 1990;46:347-364.
    .. [2] Cameron AC, Trivedi PK. Regression Analysis of Count Data. 2nd ed. Cambridge
       University Press; 2013, section 3.4.
    """
    yv = np.asarray(y, dtype=np.float64)
    muv = np.asarray(mu, dtype=np.float64)
    aux = ((yv - muv) ** 2 - yv) / muv
    sxx = float(np.sum(muv**2))
    alpha = float(np.sum(muv * aux)) / sxx
    resid = aux - alpha * muv
    sigma2 = float(np.sum(resid**2)) / (len(yv) - 1)
    t_stat = alpha / math.sqrt(sigma2 / sxx) if sigma2 > 0 else math.copysign(math.inf, alpha)
    return OverdispersionTest(
        method="cameron_trivedi",
        estimate=alpha,
        statistic=t_stat,
        df=math.nan,
        p_value=float(stats.norm.sf(t_stat)),
    )


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def _fmt_p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.2g}"


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
    is unaffected. See :func:`_fit_poisson`, :func:`_fit_quasipoisson` and :func:`_fit_negbin`
    for each family and when it breaks down. With ten or so annual points the trend describes the
    period it was fitted on; a straight line on the log scale may hide a rise and fall (the
    England series rose to 2020-21 and fell after), so always look at the series too.

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
    if not isinstance(family, str) or family not in FAMILIES:
        raise ParameterError(
            f"unknown family {family!r}; choose one of {', '.join(repr(f) for f in FAMILIES)}"
        )
    level = check_conf_level(conf_level)
    t = _time_axis(periods)
    y = _counts(counts)
    if len(y) != len(t):
        raise ParameterError(
            f"counts has {len(y)} values but periods has {len(t)}; give one count per period"
        )
    if len(y) < MIN_POINTS:
        raise ParameterError(
            f"counts has {len(y)} values; a trend needs at least {MIN_POINTS} periods"
        )
    e = _exposure(exposure, len(y))
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

    if fit.t_df is None:
        crit = float(stats.norm.ppf(0.5 + level / 2.0))
        reference = "normal"
    else:
        crit = float(stats.t.ppf(0.5 + level / 2.0, fit.t_df))
        reference = f"t({fit.t_df})"
    if fit.se > 0.0:
        z = abs(fit.coef) / fit.se
        sf = stats.norm.sf(z) if fit.t_df is None else stats.t.sf(z, fit.t_df)
        p_value = float(2.0 * sf)
    else:
        # Quasi-Poisson with counts exactly on the fitted line: dispersion 0, interval of width 0.
        p_value = 1.0 if fit.coef == 0.0 else 0.0
    rate_ratio = Interval(
        math.exp(fit.coef), math.exp(fit.coef - crit * fit.se), math.exp(fit.coef + crit * fit.se)
    )

    # Overdispersion is judged on the Poisson fit of the same mean model, whatever the family.
    pois = fit if family in ("poisson", "quasipoisson") else _fit_poisson(y, x, offset)
    mu_pois = np.exp(x @ np.array([pois.intercept, pois.coef]) + offset)
    pearson = pearson_dispersion_test(y, mu_pois, df_resid)
    ct = cameron_trivedi_test(y, mu_pois)

    notes = [
        f"{fit.description}; Wald {level:g} interval on the log scale ({reference} reference)",
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
        rate_ratio=rate_ratio,
        p_value=p_value,
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
        reference=reference,
        method=f"{fit.description}; Wald ({reference})",
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
