r"""Generalised linear models behind :mod:`sinstats.stats.trends`: families and Poisson checks.

Each family in :data:`FAMILIES` fits the log-linear model :math:`\log\mu = X\beta + \text{offset}`
to counts ``y`` (``x`` is the design matrix: a column of ones and the centred time in years;
``offset`` the log exposure, zeros without one) and returns a :class:`_Fit`. The two tests of the
Poisson variance assumption, :func:`pearson_dispersion_test` and :func:`cameron_trivedi_test`,
work on the fitted Poisson means. The formulae and their limits are in ``docs/methods.md``
(section "Trends and funnel plots").
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Final, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import optimize, special, stats

# The GLM module and its families rather than statsmodels.api, which loads every model
# (26 MB more in each kernel and about a second more to import).
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from sinstats._docstrings import fill_doc
from sinstats._typing import FloatArray
from sinstats.stats.intervals import Interval

__all__ = [
    "FAMILIES",
    "Family",
    "OverdispersionTest",
    "cameron_trivedi_test",
    "nb2_theta_score",
    "pearson_dispersion_test",
    "wald",
]

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

_NEGBIN: Final = "negative binomial (NB2) GLM, log link, theta by maximum likelihood"


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


class _Fit(NamedTuple):
    """What a family function returns to :mod:`sinstats.stats.trends`.

    ``params`` and ``bse`` hold every coefficient and its standard error in the columns' order
    of the design matrix (intercept first); ``mu`` the fitted means.
    """

    params: FloatArray
    bse: FloatArray
    mu: FloatArray
    deviance: float
    pearson_chi2: float
    loglik: float
    aic: float
    theta: float | None
    t_df: int | None  # None: normal reference; else Student t with this many df
    description: str
    notes: tuple[str, ...]

    @property
    def coef(self) -> float:
        """The second coefficient (the slope of a design ``[1, t]``)."""
        return float(self.params[1])

    @property
    def se(self) -> float:
        """The standard error of :attr:`coef`."""
        return float(self.bse[1])

    @property
    def intercept(self) -> float:
        """The first coefficient."""
        return float(self.params[0])


def wald(coef: float, se: float, t_df: int | None, level: float) -> tuple[Interval, float, str]:
    r"""Return the Wald rate ratio of one log-scale coefficient, its p-value and its reference.

    Parameters
    ----------
    coef, se : float
        The coefficient and its standard error.
    t_df : int or None
        None for the standard normal reference, else Student t with this many degrees of freedom.
    level : float
        Validated confidence level.

    Returns
    -------
    rate_ratio : Interval
        :math:`\exp(b \pm c\,\mathrm{se})` with c the two-sided quantile of the reference.
    p_value : float
        Two-sided, for a coefficient of 0 (1 or 0 when the standard error is 0: a quasi-Poisson
        fit through every point).
    reference : str
        ``"normal"`` or ``"t(df)"``.
    """
    if t_df is None:
        crit = float(stats.norm.ppf(0.5 + level / 2.0))
        reference = "normal"
    else:
        crit = float(stats.t.ppf(0.5 + level / 2.0, t_df))
        reference = f"t({t_df})"
    if se > 0.0:
        z = abs(coef) / se
        p_value = float(2.0 * (stats.norm.sf(z) if t_df is None else stats.t.sf(z, t_df)))
    else:
        p_value = 1.0 if coef == 0.0 else 0.0
    rr = Interval(math.exp(coef), math.exp(coef - crit * se), math.exp(coef + crit * se))
    return rr, p_value, reference


Family: TypeAlias = Callable[[FloatArray, FloatArray, FloatArray], _Fit]
"""A trend family: (counts, design matrix, offset) -> :class:`_Fit`."""


def percent_change(rate_ratio: Interval) -> Interval:
    """Convert a rate ratio and its interval to a change in per cent: ``100 * (ratio - 1)``.

    Parameters
    ----------
    rate_ratio : Interval
        A rate ratio (estimate, lower, upper).

    Returns
    -------
    Interval
        The same interval as a percentage change (a monotone transform, so the bounds map to
        bounds).

    Examples
    --------
    >>> percent_change(Interval(1.5, 1.25, 2.0))
    Interval(estimate=50.0, lower=25.0, upper=100.0)
    """
    return Interval(*(100.0 * (value - 1.0) for value in rate_ratio))


def _glm(y: FloatArray, x: FloatArray, offset: FloatArray, family: object) -> object:
    """Fit a GLM by IRLS with a tight tolerance; raise if it does not converge."""
    with warnings.catch_warnings():
        # Counts exactly on the fitted line trigger statsmodels' "perfect separation" warning,
        # which is meaningless for a log-linear count model.
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        res = GLM(y, x, family=family, offset=offset).fit(
            tol=_IRLS_TOL, tol_criterion="params", maxiter=_IRLS_MAXITER
        )
    if not bool(getattr(res, "converged", True)):
        raise RuntimeError("the GLM did not converge; check the counts for extreme values")
    return res


def _from_glm(
    res: object, *, theta: float | None = None, description: str, notes: tuple[str, ...] = ()
) -> _Fit:
    """Read a fitted statsmodels GLM into a :class:`_Fit` (normal reference).

    With ``theta`` (negative binomial) the AIC counts theta as a parameter; otherwise it is
    statsmodels' AIC.
    """
    params = np.asarray(res.params)  # type: ignore[attr-defined]
    bse = np.asarray(res.bse)  # type: ignore[attr-defined]
    loglik = float(res.llf)  # type: ignore[attr-defined]
    return _Fit(
        params=params.astype(np.float64),
        bse=bse.astype(np.float64),
        mu=np.asarray(res.fittedvalues, dtype=np.float64),  # type: ignore[attr-defined]
        deviance=float(res.deviance),  # type: ignore[attr-defined]
        pearson_chi2=float(res.pearson_chi2),  # type: ignore[attr-defined]
        loglik=loglik,
        aic=float(res.aic) if theta is None else _aic_with_theta(loglik, params.size),  # type: ignore[attr-defined]
        theta=theta,
        t_df=None,
        description=description,
        notes=notes,
    )


def _aic_with_theta(loglik: float, n_coef: int) -> float:
    """AIC of a negative binomial fit: the ``n_coef`` coefficients and theta are counted."""
    return -2.0 * loglik + 2.0 * (n_coef + 1)


@fill_doc
def _fit_poisson(y: FloatArray, x: FloatArray, offset: FloatArray) -> _Fit:
    """Poisson log-linear trend (maximum likelihood, variance = mean).

    %(trend_family)s
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
    return _from_glm(_glm(y, x, offset, families.Poisson()), description="Poisson GLM, log link")


@fill_doc
def _fit_quasipoisson(y: FloatArray, x: FloatArray, offset: FloatArray) -> _Fit:
    r"""Quasi-Poisson log-linear trend (variance = phi * mean, phi from Pearson's X²).

    %(trend_family)s
        The Poisson estimates with the standard error multiplied by :math:`\sqrt{\hat\phi}`,
        :math:`\hat\phi = X^2/(n-p)` (p coefficients); Wald inference uses Student's t on
        n - p df (as R's ``summary.glm`` for quasi families). Log-likelihood and AIC are ``nan``.

    Notes
    -----
    The point estimate is the Poisson one; only the uncertainty changes. Appropriate when the
    scatter is larger than Poisson by a roughly constant factor. With few points
    :math:`\hat\phi` is itself imprecise (it has n - p df), which the t reference partly allows
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
        bse=pois.bse * math.sqrt(phi),
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


@fill_doc
def _fit_negbin(y: FloatArray, x: FloatArray, offset: FloatArray) -> _Fit:
    r"""Negative binomial (NB2) log-linear trend, theta by maximum likelihood.

    %(trend_family)s
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
        return _glm(y, x, offset, families.NegativeBinomial(alpha=1.0 / theta))

    def score(log_theta: float) -> float:
        theta = math.exp(log_theta)
        mu = np.asarray(fit_at(theta).fittedvalues, dtype=np.float64)  # type: ignore[attr-defined]
        return nb2_theta_score(theta, y, mu)

    hi = math.log(_THETA_MAX_FACTOR * max(1.0, float(y.max())))
    if score(hi) >= 0.0:
        pois = _fit_poisson(y, x, offset)
        return pois._replace(
            aic=_aic_with_theta(pois.loglik, x.shape[1]),
            theta=math.inf,
            description=_NEGBIN,
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
    return _from_glm(
        fit_at(theta),
        theta=theta,
        description=_NEGBIN,
        notes=(f"theta = {theta:.4g} (variance = mu + mu^2/theta)",),
    )


#: Registry of trend families: name -> fitting function.
FAMILIES: Final[Mapping[str, Family]] = {
    "poisson": _fit_poisson,
    "quasipoisson": _fit_quasipoisson,
    "negbin": _fit_negbin,
}


# ---------------------------------------------------------------------------------------------
# Overdispersion tests (on the Poisson fit)
# ---------------------------------------------------------------------------------------------


@fill_doc
def pearson_dispersion_test(
    y: npt.ArrayLike, mu: npt.ArrayLike, df_resid: int
) -> OverdispersionTest:
    r"""Pearson chi-square goodness-of-fit test of a Poisson fit.

    Parameters
    ----------
    %(dispersion_test_args)s
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


@fill_doc
def cameron_trivedi_test(y: npt.ArrayLike, mu: npt.ArrayLike) -> OverdispersionTest:
    r"""Cameron-Trivedi auxiliary regression test of a Poisson fit against NB2 overdispersion.

    Parameters
    ----------
    %(dispersion_test_args)s

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
