r"""Whether a change from one year to the next exceeds the series' usual year-to-year movement.

The exact conditional test of :mod:`sinstats.stats.intervals` (``rate_ratio_ci``, as R's
``poisson.test``) asks whether two counts differ by more than **Poisson chance alone**. Annual
counts of notifications scatter around their trend more than that (the segmented model of the
national series estimates a dispersion :math:`\hat\phi` of about 4), so a Poisson test calls
ordinary year-to-year movement "more than chance" far too often.
:func:`overdispersed_rate_ratio` compares the two counts with the variance the series itself
shows, as quasi-likelihood does (McCullagh and Nelder 1989):

.. math:: \log\widehat{RR} = \log\frac{x_1/t_1}{x_2/t_2}, \qquad
          \widehat{\mathrm{var}} = \phi\,(1/x_1 + 1/x_2),

with a Student t reference on the degrees of freedom :math:`\hat\phi` was estimated on. This is
the Wald test a quasi-Poisson model of the two years would give with its dispersion fixed at
:math:`\hat\phi`. The result is never less cautious than the exact Poisson test (see the notes).
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

from scipy import stats

from sinstats.errors import ParameterError
from sinstats.stats._validation import check_conf_level, is_number
from sinstats.stats.intervals import rate_ratio_ci

__all__ = ["METHOD", "ChangeTest", "overdispersed_rate_ratio", "phi_scaled_wald"]

#: The method in words (the ``method`` column of every table that shows it).
METHOD: Final = "phi-scaled Wald rate ratio (quasi-Poisson), t reference"


class ChangeTest(NamedTuple):
    """The overdispersion-aware comparison of two counts (from :func:`overdispersed_rate_ratio`).

    Attributes
    ----------
    estimate, lower, upper : float
        The rate ratio (first over second) and its interval; NaN when a count is 0.
    p_value : float
        Two-sided, for a rate ratio of 1.
    phi : float
        The dispersion used (the one given, raised to 1 when it was below 1).
    df : float
        Degrees of freedom of the t reference (``inf``: the standard normal).
    conf_level : float
    method : str
        :data:`METHOD`, or the fallback used.
    note : str
        What was done, in words.
    """

    estimate: float
    lower: float
    upper: float
    p_value: float
    phi: float
    df: float
    conf_level: float
    method: str
    note: str


def phi_scaled_wald(
    count1: float,
    count2: float,
    exposure1: float,
    exposure2: float,
    phi: float,
    df: float,
    conf_level: float,
) -> tuple[float, float, float, float]:
    r"""Return the phi-scaled Wald rate ratio, its interval and its p-value (no safeguard).

    Parameters
    ----------
    count1, count2 : float
        Counts above 0 (first over second).
    exposure1, exposure2 : float
        Their exposures, above 0.
    phi : float
        The dispersion, above 0.
    df : float
        Degrees of freedom of the t reference (``inf`` for the standard normal).
    conf_level : float
        Validated level.

    Returns
    -------
    estimate, lower, upper, p_value : float
        :math:`\exp(\log\widehat{RR} \pm t_{df}\sqrt{\phi(1/x_1+1/x_2)})` and the two-sided
        p-value of :math:`|\log\widehat{RR}|/\mathrm{se}` on t(df).
    """
    log_rr = math.log(count1 / exposure1) - math.log(count2 / exposure2)
    se = math.sqrt(phi * (1.0 / count1 + 1.0 / count2))
    ref = stats.norm if math.isinf(df) else stats.t(df)
    crit = float(ref.ppf(0.5 + conf_level / 2.0))
    p_value = float(2.0 * ref.sf(abs(log_rr) / se))
    return math.exp(log_rr), math.exp(log_rr - crit * se), math.exp(log_rr + crit * se), p_value


def _positive(value: object, name: str, *, allow_inf: bool = False) -> float:
    if not is_number(value) or math.isnan(float(value)):  # type: ignore[arg-type]
        raise ParameterError(f"{name} must be a number; got {value!r}")
    v = float(value)  # type: ignore[arg-type]
    if v <= 0 or (math.isinf(v) and not allow_inf):
        raise ParameterError(
            f"{name} must be above 0{' (or inf)' if allow_inf else ''}; got {value!r}"
        )
    return v


def overdispersed_rate_ratio(
    count1: float,
    count2: float,
    exposure1: float = 1.0,
    exposure2: float = 1.0,
    *,
    phi: float,
    df: float,
    conf_level: float = 0.95,
) -> ChangeTest:
    r"""Compare two counts allowing for the series' overdispersion (phi-scaled Wald, t on df).

    Parameters
    ----------
    count1, count2 : float
        The two counts, whole numbers 0 or more: this year's (first) and the earlier one.
    exposure1, exposure2 : float, default 1
        Their exposures (child populations for a ratio of rates), above 0.
    phi : float
        The dispersion of the series' year-to-year scatter around its trend, e.g. the Pearson
        :math:`\hat\phi` of the segmented quasi-Poisson model. Values below 1 are raised to 1:
        the comparison never assumes less scatter than Poisson chance.
    df : float
        The residual degrees of freedom :math:`\hat\phi` was estimated on (``inf`` for a known
        phi: the standard normal).
    conf_level : float, default 0.95
        Level of the interval.

    Returns
    -------
    ChangeTest
        The rate ratio with its interval and p-value, the phi and df used, and a note.

    Raises
    ------
    ParameterError
        For a negative or fractional count, a non-positive exposure, phi or df, or a level
        outside (0, 1).

    Notes
    -----
    The variance :math:`\phi(1/x_1 + 1/x_2)` of the log rate ratio is the quasi-Poisson one
    (variance :math:`\phi\mu`, Wedderburn 1974), with the two counts' own values as their means;
    the t reference on ``df`` allows for :math:`\hat\phi` having been estimated from few years.
    It assumes that the two years scatter like the years :math:`\hat\phi` was estimated from, by
    the same factor whatever the count's size (applied to a part of the total, such as child
    deaths, that is an assumption; under a negative binomial the factor would be smaller for
    smaller counts, so this errs towards caution).

    Safeguard: the Wald interval on the log scale is a little narrower than the exact
    conditional one for small counts, so with :math:`\phi` near 1 it could be *less* cautious
    than the Poisson test it is meant to temper. The reported interval is therefore the union of
    the phi-scaled Wald interval and the exact Poisson interval, and the p-value the larger of
    the two; the note says when the exact one was the wider. With a zero count the log ratio is
    not defined: the result is NaN and the note says so.

    References
    ----------
    .. [1] McCullagh P, Nelder JA. Generalized Linear Models. 2nd ed. Chapman & Hall; 1989,
       sections 4.5 and 9.2 (quasi-likelihood, estimating the dispersion).
    .. [2] Wedderburn RWM. Quasi-likelihood functions, generalized linear models, and the
       Gauss-Newton method. Biometrika 1974;61:439-447.
    .. [3] Bernal JL, Cummins S, Gasparrini A. Interrupted time series regression for the
       evaluation of public health interventions: a tutorial. International Journal of
       Epidemiology 2017;46:348-355 (overdispersion in segmented models of counts).

    Examples
    --------
    >>> r = overdispersed_rate_ratio(211, 171, phi=4.4387, df=8)
    >>> round(r.p_value, 2)
    0.36
    """
    level = check_conf_level(conf_level)
    for name, value in (("count1", count1), ("count2", count2)):
        if not is_number(value) or not math.isfinite(float(value)):
            raise ParameterError(f"{name} must be a whole number 0 or more; got {value!r}")
        if float(value) < 0 or not float(value).is_integer():
            raise ParameterError(f"{name} must be a whole number 0 or more; got {value!r}")
    x1, x2 = float(count1), float(count2)
    t1 = _positive(exposure1, "exposure1")
    t2 = _positive(exposure2, "exposure2")
    phi_given = _positive(phi, "phi")
    df_used = _positive(df, "df", allow_inf=True)
    phi_used = max(phi_given, 1.0)
    raised = (
        f" (raised from {phi_given:.3g}: never less scatter than Poisson)" if phi_given < 1 else ""
    )
    ref = "normal" if math.isinf(df_used) else f"t({df_used:g})"
    if x1 == 0 or x2 == 0:
        nan = math.nan
        note = (
            "a count is 0, so the log rate ratio is not defined: no overdispersion-aware "
            "comparison (see the exact Poisson test)"
        )
        return ChangeTest(nan, nan, nan, nan, phi_used, df_used, level, METHOD, note)
    est, lo, hi, p = phi_scaled_wald(x1, x2, t1, t2, phi_used, df_used, level)
    exact = rate_ratio_ci(int(x1), int(x2), t1, t2, level, "exact")
    e_lo, e_hi, e_p = float(exact.lower), float(exact.upper), float(exact.p_value)
    note = f"phi = {phi_used:.3g}{raised} on {ref}; variance of log RR = phi (1/x1 + 1/x2)"
    if e_lo < lo or e_hi > hi or e_p > p:
        note += "; the exact Poisson result was the more cautious and is kept where so"
    return ChangeTest(
        estimate=est,
        lower=min(lo, e_lo),
        upper=max(hi, e_hi),
        p_value=max(p, e_p),
        phi=phi_used,
        df=df_used,
        conf_level=level,
        method=METHOD,
        note=note,
    )
