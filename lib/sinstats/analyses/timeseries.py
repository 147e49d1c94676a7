"""The national series year by year, with intervals, series breaks and trend fits.

Used by notebook ``02-time-series-and-trend`` (and the long-series chart of ``01``). The series
runs from 2014-15, the first year of Ofsted's later definition, to the chosen year; 2017-18 has no
published figure and is kept as a gap, never estimated. Trend fits are
:func:`sinstats.stats.trends.fit_trend` (Poisson, quasi-Poisson, negative binomial); this module
picks the periods, the exposures and the plain-words conclusion.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import pandas as pd

from sinstats import data
from sinstats._docstrings import fill_doc
from sinstats._typing import DataDir
from sinstats.analyses._helpers import count_and_rate
from sinstats.periods import parse_period
from sinstats.present.key_figures import KeyFigure
from sinstats.present.tables import Column, Display
from sinstats.present.words import count_text, join_words, number_text, p_text
from sinstats.stats import trends

#: Breaks in the series, each drawn before the year named: ``(year, label)``.
SERIES_BREAKS: Final[tuple[tuple[str, str], ...]] = (
    ("2018-19", "Ofsted to DfE collection"),
    ("2023-24", "relabelled 'reporting year'"),
)

#: The pandemic years, shaded on charts: ``(first, last, label)``.
PANDEMIC: Final[tuple[str, str, str]] = ("2020-21", "2021-22", "pandemic years")

#: Trend families fitted, in the order shown.
FAMILIES: Final[tuple[str, ...]] = ("poisson", "quasipoisson", "negbin")

#: First year of DfE's own collection (used for the DfE-only sensitivity fit).
DFE_START: Final = "2018-19"


@fill_doc
def series_intervals(
    nature: str = "Total",
    *,
    start: object = data.SERIES_START,
    end: object | None = None,
    conf_level: float = 0.95,
    method: str = "exact",
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Return the series by April-March year with count and rate intervals.

    Parameters
    ----------
    nature : str, default "Total"
        Nature of notification.
    start, end : str, optional
        First and last years (default 2014-15 to the latest).
    conf_level : float, default 0.95
        Level of the count and rate intervals.
    %(count_method)s
    %(data_folder)s

    Returns
    -------
    pandas.DataFrame
        One row per year (unpublished years included with missing values): ``period``,
        ``period_label``, ``series``, ``count``, ``lower``, ``upper``, ``population``,
        ``population_mid_year``, ``rate``, ``rate_lower``, ``rate_upper``, ``method``,
        ``conf_level``, ``note``.
    """
    s = data.published_series(nature, start=start, end=end, data_dir=data_dir)
    rows = []
    for r in s.itertuples(index=False):
        pop = data.population(str(r.period), data_dir=data_dir)
        count = float(r.count)  # type: ignore[arg-type]
        row: dict[str, object] = {
            "period": r.period,
            "period_label": r.period_label,
            "series": r.series,
            **count_and_rate(count, pop, conf_level, method),
            "method": method,
            "conf_level": conf_level,
            "note": str(r.note) if math.isnan(count) else "",
        }
        if not math.isnan(count) and pop.mid_year != parse_period(str(r.period)).start_year:
            row["note"] = pop.note
        rows.append(row)
    return pd.DataFrame(rows)


def _published(series: pd.DataFrame, start: str | None = None) -> pd.DataFrame:
    have = series[series["count"].notna()]
    if start is not None:
        first = parse_period(start).start_year
        years = have["period"].map(lambda p: parse_period(p).start_year)
        have = have[years >= first]
    return have


def trend_fits(series: pd.DataFrame, *, conf_level: float = 0.95) -> dict[str, trends.TrendResult]:
    """Fit every family to the counts, to the rates per child, and to DfE's years alone.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`series_intervals`; unpublished years are left out of the fits.
    conf_level : float, default 0.95
        Confidence level of the rate ratios.

    Returns
    -------
    dict of str to TrendResult
        Keys such as ``"counts, poisson"``, ``"rates, negbin"`` and ``"counts from 2018-19,
        quasipoisson"`` (the DfE-only fits need three DfE years).
    """
    fits: dict[str, trends.TrendResult] = {}
    have = _published(series)
    dfe = _published(series, DFE_START)
    for family in FAMILIES:
        fits[f"counts, {family}"] = trends.fit_trend(
            have["period"].tolist(), have["count"].astype(int), None, family, conf_level
        )
    for family in FAMILIES:
        fits[f"rates, {family}"] = trends.fit_trend(
            have["period"].tolist(),
            have["count"].astype(int),
            have["population"].astype(float),
            family,
            conf_level,
        )
    if len(dfe) >= trends.MIN_POINTS:
        for family in FAMILIES:
            fits[f"counts from {DFE_START}, {family}"] = trends.fit_trend(
                dfe["period"].tolist(), dfe["count"].astype(int), None, family, conf_level
            )
    return fits


def fitted_counts(
    result: trends.TrendResult, series: pd.DataFrame, start: str | None = None
) -> np.ndarray:
    """Return a fitted trend's expected count for every year of ``series`` (counts fits only).

    Years before ``start`` (the first year fitted, when not the first of the series) are NaN, so
    a DfE-only line starts in 2018-19.

    Parameters
    ----------
    result : TrendResult
        A fit to counts (no exposure).
    series : pandas.DataFrame
        The output of :func:`series_intervals`.
    start : str, optional
        First year of the fit.

    Returns
    -------
    numpy.ndarray
        One expected count per row of ``series``.
    """
    t = np.array([parse_period(p).midpoint for p in series["period"]])
    mu = np.exp(result.intercept + result.coef * (t - result.centre))
    if start is not None:
        mu = np.where(t < parse_period(start).midpoint, np.nan, mu)
    return np.asarray(mu, dtype=float)


@fill_doc
def trend_table(fits: dict[str, trends.TrendResult]) -> pd.DataFrame:
    """Tabulate the fits (one row each) with ``method``, ``conf_level`` and ``note`` columns.

    Parameters
    ----------
    %(trend_fits)s

    Returns
    -------
    pandas.DataFrame
        :func:`sinstats.stats.trends.trend_table` of every fit, with ``fitted_to`` (counts or
        rates) after the label.
    """
    table = trends.trend_table(fits)
    parts = table["label"].str.split(", ", n=1, expand=True)
    table.insert(1, "fitted_to", parts[0])
    return table


_FAMILY_NAMES: Final[dict[str, str]] = {
    "poisson": "Poisson",
    "quasipoisson": "quasi-Poisson",
    "negbin": "negative binomial",
}


trend_display = Display(
    "trend_table",
    Column("Fitted to", "fitted_to"),
    Column("Model", "family", lambda family, decimals: _FAMILY_NAMES[family]),
    Column("Years", "n"),
    Column("Change per year (%)", "percent_change", "number", 1),
    Column("{level} interval (%)", ("percent_lower", "percent_upper"), "interval", 1),
    Column("p-value", "p_value", "p"),
    Column("Dispersion", "dispersion", "number", 2),
    Column("Overdispersion test", "overdispersion_p", "p"),
)


@fill_doc
def preferred_fit(fits: dict[str, trends.TrendResult], fitted_to: str = "rates") -> str:
    """Return the key of the fit to report for ``fitted_to``.

    Poisson when its Pearson test shows no overdispersion (p >= 0.05); otherwise quasi-Poisson,
    whose interval is widened by the estimated dispersion.

    Parameters
    ----------
    %(trend_fits)s
    fitted_to : str, default "rates"
        ``"rates"`` (counts with the child population as exposure) or ``"counts"``.

    Returns
    -------
    str
        A key of ``fits``.
    """
    poisson = fits[f"{fitted_to}, poisson"]
    family = "poisson" if poisson.overdispersion_test.p_value >= 0.05 else "quasipoisson"
    return f"{fitted_to}, {family}"


@fill_doc
def trend_conclusion(fits: dict[str, trends.TrendResult], series: pd.DataFrame) -> str:
    """Say in plain words what the trend fits show, and where they disagree.

    Parameters
    ----------
    %(fits_and_series)s

    Returns
    -------
    str
        A short paragraph in Markdown.
    """
    have = _published(series)
    first, last = str(have["period"].iloc[0]), str(have["period"].iloc[-1])
    key = preferred_fit(fits, "rates")
    main = fits[key]
    words = trends.describe_trend(main, what="notifications per child")
    sentences = [f"From {first} to {last}, {words[0].lower()}{words[1:]}"]
    agree = []
    for family in FAMILIES:
        r = fits[f"rates, {family}"]
        agree.append(r.rate_ratio.lower > 1 or r.rate_ratio.upper < 1)
    if all(agree) or not any(agree):
        sentences.append(
            "All three models agree on whether the interval excludes no change "
            f"({'it does' if all(agree) else 'it does not'})."
        )
    elif (
        agree == [True, False, False] and fits["rates, poisson"].overdispersion_test.p_value < 0.05
    ):
        sentences.append(
            "Only the Poisson interval excludes no change, and it ignores the extra variation the "
            "test found; the quasi-Poisson and negative binomial intervals, which allow for it, "
            "include no change."
        )
    else:
        which = [_FAMILY_NAMES[f] for f, a in zip(FAMILIES, agree, strict=True) if a]
        sentences.append(
            f"The models disagree: only the {join_words(which)} interval excludes no change, so "
            "the conclusion depends on how the extra variation is modelled."
        )
    dfe_key = f"counts from {DFE_START}, {preferred_fit(fits, 'counts').split(', ')[1]}"
    if dfe_key in fits:
        d = fits[dfe_key]
        sentences.append(
            f"Within DfE's own collection ({DFE_START} on) the counts changed by "
            f"{number_text(float(d.percent_change.estimate), 1)}% a year "
            f"({number_text(float(d.percent_change.lower), 1)}% to "
            f"{number_text(float(d.percent_change.upper), 1)}%, {p_text(d.p_value)})."
        )
    gaps = series.loc[series["count"].isna(), "period"].tolist()
    if gaps:
        sentences.append(
            f"{join_words(gaps)} {'is' if len(gaps) == 1 else 'are'} missing and left out of the "
            "fits, not filled in."
        )
    peak = have.iloc[int(have["count"].to_numpy(dtype=float).argmax())]
    sentences.append(
        f"A straight-line trend on the log scale is a summary, not a forecast: the series peaked "
        f"at {count_text(float(peak['count']))} in {peak['period']} (a pandemic year) and a "
        "single slope cannot show that shape."
    )
    return " ".join(sentences)


@fill_doc
def trend_lines(
    fits: dict[str, trends.TrendResult], series: pd.DataFrame
) -> list[tuple[str, np.ndarray]]:
    """Return the fitted count trends to draw: ``[(label, expected count per year), ...]``.

    Poisson and quasi-Poisson share one fitted line (they differ only in its interval), so three
    lines are drawn: Poisson/quasi-Poisson, negative binomial, and the Poisson fit to DfE's
    years alone (when fitted).

    Parameters
    ----------
    %(fits_and_series)s

    Returns
    -------
    list of (str, numpy.ndarray)
        Each line's legend label and its expected count for every year of ``series``.
    """
    lines = [
        ("Poisson / quasi-Poisson trend", fitted_counts(fits["counts, poisson"], series)),
        ("negative binomial trend", fitted_counts(fits["counts, negbin"], series)),
    ]
    key = f"counts from {DFE_START}, poisson"
    if key in fits:
        lines.append(
            (f"trend from {DFE_START} (DfE only)", fitted_counts(fits[key], series, DFE_START))
        )
    return lines


@fill_doc
def trend_key_figures(fits: dict[str, trends.TrendResult], series: pd.DataFrame) -> list[KeyFigure]:
    """Return the key figures of the trend notebook.

    Parameters
    ----------
    %(fits_and_series)s

    Returns
    -------
    list of KeyFigure
        The latest published total with its interval, and the trend in the rate per child
        (percent a year, with its interval) from the preferred fit.
    """
    key = preferred_fit(fits, "rates")
    r = fits[key]
    pc = r.percent_change
    have = _published(series)
    last = have.iloc[-1]
    level = f"{100 * r.conf_level:g}%"
    return [
        KeyFigure.from_row(
            last,
            "count",
            name="latest_total",
            label=f"Notifications, {last['period']}",
            text=(
                f"{count_text(float(last['count']))} notifications in {last['period']} "
                f"({level} interval {number_text(float(last['lower']), 0)} to "
                f"{number_text(float(last['upper']), 0)})"
            ),
            unit="count",
            conf_level=r.conf_level,
        ),
        KeyFigure(
            name="trend_per_year",
            label="Trend in the rate per child (% a year)",
            value=float(pc.estimate),
            text=trends.describe_trend(r, what="notifications per child").split(". ")[0] + ".",
            unit="percent per year",
            lower=float(pc.lower),
            upper=float(pc.upper),
            conf_level=r.conf_level,
        ),
    ]


series_display = Display(
    "series_intervals",
    Column("Year", "period"),
    Column("Collection", "series", lambda s, decimals: s or "-"),
    Column("Notifications", "count", lambda v, decimals: count_text(v)),
    Column("{level} interval", ("lower", "upper"), "interval"),
    Column("Per 100,000 children", "rate", "number", 2),
    Column("{level} interval (rate)", ("rate_lower", "rate_upper"), "interval", 2),
    Column("ONS population (mid-year)", "population_mid_year"),
)
