"""Primitives the per-notebook analysis modules share (private).

The notebook modules (:mod:`~sinstats.analyses.overview`, :mod:`~sinstats.analyses.timeseries`,
:mod:`~sinstats.analyses.areas`...) never import each other; what two of them need in the same
form lives here, one small function per job: a published count that may be missing, a count's
Poisson interval with its rate per 100,000 children, and the April-March year before another.
"""

from __future__ import annotations

import math

import pandas as pd

from sinstats import data
from sinstats.errors import NoDataError
from sinstats.periods import Period, financial_year, parse_period
from sinstats.stats import intervals

__all__ = ["count_and_rate", "previous_year", "published_count"]


def published_count(period: object, nature: str, frame: pd.DataFrame) -> tuple[float, str]:
    """Return a national count and its source, NaN (and no source) when it was not published.

    Parameters
    ----------
    period : str, int or Period
        The April-March year.
    nature : str
        The nature of notification (one of :data:`sinstats.data.NATURES`).
    frame : pandas.DataFrame
        The loaded ``sin_national`` dataset.

    Returns
    -------
    value : float
        The count, or NaN for a figure that was never published or is marked unavailable.
    source_id : str
        The figure's source, or ``""`` when there is no figure.
    """
    try:
        fig = data.count(period, nature, frame=frame)
    except NoDataError:
        return math.nan, ""
    return (fig.value if fig.available else math.nan), fig.source_id


def count_and_rate(
    count: float, population: data.Population, conf_level: float, method: str
) -> dict[str, float | int]:
    """Return a count's Poisson interval and its rate per 100,000 children with the rate's interval.

    Parameters
    ----------
    count : float
        The published count; NaN when it was not published.
    population : sinstats.data.Population
        The child population of the count's year (:func:`sinstats.data.population`).
    conf_level : float
        Confidence level of both intervals.
    method : str
        Poisson interval method (a name in :data:`sinstats.stats.intervals.POISSON_METHODS`).

    Returns
    -------
    dict
        ``count``, ``lower``, ``upper``, ``population``, ``population_mid_year``, ``rate``,
        ``rate_lower`` and ``rate_upper``, in that order (the columns of a table row); the
        intervals and the rate are NaN when the count is.

    Raises
    ------
    ParameterError
        If ``conf_level`` or ``method`` is not valid.

    Notes
    -----
    The population is taken as known: the rate's interval is the count's, scaled
    (:func:`sinstats.stats.intervals.rate_ci`).
    """
    nan = math.nan
    fields: dict[str, float | int] = {
        "count": count,
        "lower": nan,
        "upper": nan,
        "population": population.value,
        "population_mid_year": population.mid_year,
        "rate": nan,
        "rate_lower": nan,
        "rate_upper": nan,
    }
    if not math.isnan(count):
        ci = intervals.poisson_ci(int(count), conf_level, method)
        rate = intervals.rate_ci(int(count), population.value, data.PER, conf_level, method)
        fields.update(
            lower=float(ci.lower),
            upper=float(ci.upper),
            rate=float(rate.estimate),
            rate_lower=float(rate.lower),
            rate_upper=float(rate.upper),
        )
    return fields


def previous_year(period: object) -> Period:
    """Return the April-March year before ``period``.

    Parameters
    ----------
    period : str, int or Period
        The April-March year.

    Returns
    -------
    Period
        The April-March year that starts twelve months earlier.

    Raises
    ------
    PeriodError
        If ``period`` cannot be parsed.
    """
    return financial_year(parse_period(period).start_year - 1)
