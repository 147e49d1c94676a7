"""The national series year by year, with intervals, its declared breaks and segmented trends.

Used by notebook ``02-time-series-and-trend`` (and the long-series chart of ``01``). The series
runs from the first comparable year (2014-15: ``data/breaks.yml`` declares the earlier Ofsted
years not comparable) to the chosen year; 2017-18 has no figure held and stays a gap, never
estimated. The trend is a segmented (interrupted time-series) model of the rate per child with a
step at every declared step (the move to DfE's collection in 2018-19): quasi-Poisson by default,
negative binomial and Poisson beside it, and sensitivity fits (DfE's years alone, a pandemic
term, one slope across the break for comparison) from :mod:`sinstats.stats.segmented`. This
module picks the years, the exposures, the terms and the plain-words conclusion.
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
from sinstats.analyses._series_model import MAIN, MODELS, fit_models
from sinstats.errors import NoDataError
from sinstats.periods import parse_period
from sinstats.present.key_figures import KeyFigure
from sinstats.present.tables import Column, Display
from sinstats.present.words import count_text, join_words, number_text, p_text
from sinstats.stats import segmented

__all__ = [
    "MAIN",
    "MODELS",
    "MODEL_ASSUMPTIONS",
    "chart_breaks",
    "chart_spans",
    "fitted_counts",
    "half_year_note",
    "model_assumptions",
    "series_display",
    "series_intervals",
    "trend_conclusion",
    "trend_display",
    "trend_fits",
    "trend_key_figures",
    "trend_lines",
    "trend_table",
]

#: Every assumption of the main model: (assumption, source or "assumption", RAG rating, why).
MODEL_ASSUMPTIONS: Final[tuple[tuple[str, str, str, str], ...]] = (
    (
        "A step at the move to DfE's collection (2018-19), the same slope before and after",
        "DfE methodology (step); the common slope is an assumption",
        "amber",
        "the step is declared in data/breaks.yml from DfE's own statement; only three Ofsted "
        "years lie before it, so a change of slope cannot be told from noise (the DfE-only fit "
        "shows the slope after the step alone)",
    ),
    (
        "A constant percentage change a year in the rate per child (log-linear)",
        "assumption (Bernal, Cummins and Gasparrini 2017)",
        "amber",
        "a summary of the years fitted, not a mechanism; a rise and fall would be averaged",
    ),
    (
        "Variance proportional to the mean (quasi-Poisson), phi from Pearson's X2",
        "McCullagh and Nelder 1989; the form is an assumption",
        "amber",
        "no pretest chooses the family; the negative binomial fit (variance mu + mu^2/theta) is "
        "shown beside it",
    ),
    (
        "Rate denominator: ONS mid-Y estimate of children 0 to 17 for the year from April Y",
        "ONS mid-year estimates",
        "green",
        "30 June Y is the estimate nearest the year's centre",
    ),
    (
        "2025-26 on the mid-2024 estimate (mid-2025 not yet published)",
        "assumption (carried forward, as DfE's own files do)",
        "amber",
        "the last two years share a denominator, so their rates do not allow for any change "
        "in the number of children since mid-2024",
    ),
    (
        "2017-18 left out, never estimated",
        "data/breaks.yml (not held)",
        "green",
        "a gap is never filled",
    ),
    (
        "The pandemic year 2020-21 as an event, tested only as a sensitivity",
        "DfE 2020-21 release (2020-21); 2021-22 is an assumption",
        "amber",
        "the main model has no pandemic term; adding one shows how much the peak moves the slope",
    ),
)


def model_assumptions() -> pd.DataFrame:
    """Return the main model's assumptions as a table (:data:`MODEL_ASSUMPTIONS`).

    Returns
    -------
    pandas.DataFrame
        ``Assumption``, ``Source``, ``RAG`` and ``Why``.
    """
    return pd.DataFrame(list(MODEL_ASSUMPTIONS), columns=["Assumption", "Source", "RAG", "Why"])


def chart_breaks(data_dir: DataDir = None) -> tuple[tuple[str, str], ...]:
    """Return the lines a series chart draws: every declared step and label, ``(year, label)``.

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder whose ``breaks.yml`` is read.

    Returns
    -------
    tuple of (str, str)
        Each drawn before the year named.
    """
    return data.load_breaks(data_dir).chart_lines()


def chart_spans(data_dir: DataDir = None) -> tuple[tuple[str, str, str], ...]:
    """Return the spans a series chart shades: every declared event, ``(first, last, label)``.

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder whose ``breaks.yml`` is read.

    Returns
    -------
    tuple of (str, str, str)
    """
    return data.load_breaks(data_dir).chart_spans()


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
        ``conf_level``, ``note`` (which says when a year's rate uses an earlier year's
        population, and that such a rate does not allow for the change in children since).
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
            row["note"] = (
                f"{pop.note}: the population is carried forward, so this rate does not allow "
                f"for any change in the number of children since mid-{pop.mid_year}"
            )
        rows.append(row)
    return pd.DataFrame(rows)


def _published(series: pd.DataFrame) -> pd.DataFrame:
    return series[series["count"].notna()]


def trend_fits(
    series: pd.DataFrame, *, conf_level: float = 0.95, data_dir: DataDir = None
) -> dict[str, segmented.SegmentedResult]:
    """Fit the segmented models of the rate per child to the series' published years.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`series_intervals`; unpublished years are left out of the fits.
    conf_level : float, default 0.95
        Level of every interval.
    data_dir : path-like, optional
        The data folder whose ``breaks.yml`` gives the step and event terms.

    Returns
    -------
    dict of str to SegmentedResult
        Keyed as :data:`MODELS` (the main model is :data:`MAIN`); a model the years do not allow
        is left out.
    """
    have = _published(series)
    frame = pd.DataFrame(
        {
            "period": have["period"].astype(str),
            "count": have["count"].astype(int),
            "population": have["population"].astype(float),
        }
    )
    return fit_models(frame, conf_level=conf_level, data_dir=data_dir)


def _step_name(fits: dict[str, segmented.SegmentedResult]) -> str | None:
    main = fits.get(MAIN)
    return next((t.name for t in main.terms if t.kind == "step"), None) if main else None


@fill_doc
def trend_table(fits: dict[str, segmented.SegmentedResult]) -> pd.DataFrame:
    """Tabulate the fits: for every model the slope, step and event as rate ratios.

    Parameters
    ----------
    %(trend_fits)s

    Returns
    -------
    pandas.DataFrame
        :func:`sinstats.stats.segmented.segmented_table` with ``label`` the model's key and
        ``model`` its reader's label: slope per year, step and pandemic term as rate ratios with
        their intervals and p-values, ``dispersion``, ``df_resid``, ``method``, ``conf_level`` and
        ``note``.
    """
    main = fits.get(MAIN)
    event = next((t.name for r in fits.values() for t in r.terms if t.kind == "event"), None)
    table = segmented.segmented_table(fits, step=_step_name(fits) if main else None, event=event)
    table.insert(1, "model", [MODELS[str(k)] for k in table["label"]])
    return table


def _ratio(value: float, *, decimals: int = 2) -> str:
    return "-" if math.isnan(value) else f"x{value:.{decimals}f}"


def _ratio_interval(lower: float, upper: float, *, decimals: int = 2) -> str:
    if math.isnan(lower):
        return "-"
    return f"x{lower:.{decimals}f} to x{upper:.{decimals}f}"


def _percent(value: float, *, decimals: int = 1) -> str:
    return "-" if math.isnan(value) else f"{100 * (value - 1):+.{decimals}f}"


def _percent_interval(lower: float, upper: float, *, decimals: int = 1) -> str:
    if math.isnan(lower):
        return "-"
    return f"{100 * (lower - 1):+.{decimals}f} to {100 * (upper - 1):+.{decimals}f}"


trend_display = Display(
    "trend_table",
    Column("Model", "model"),
    Column("Years", "n"),
    Column("Change per year (%)", "slope", _percent, 1),
    Column("{level} interval (%)", ("slope_lower", "slope_upper"), _percent_interval, 1),
    Column("Step at DfE's collection", "step", _ratio, 2),
    Column("{level} interval (step)", ("step_lower", "step_upper"), _ratio_interval, 2),
    Column("Pandemic year", "event", _ratio, 2),
    Column("{level} interval (pandemic)", ("event_lower", "event_upper"), _ratio_interval, 2),
    Column("Dispersion", "dispersion", "number", 2),
    Column("Residual df", "df_resid"),
)


def fitted_counts(result: segmented.SegmentedResult, series: pd.DataFrame) -> np.ndarray:
    """Return a fit's expected count for every year of ``series`` (NaN where it was not fitted).

    Parameters
    ----------
    result : SegmentedResult
        A fit to the series' published years.
    series : pandas.DataFrame
        The output of :func:`series_intervals`.

    Returns
    -------
    numpy.ndarray
        One expected count per row of ``series``; NaN for a year the fit left out (a gap, or a
        year before a DfE-only fit), so a chart line breaks there and shows the step.
    """
    fitted = dict(zip(result.periods, result.fitted, strict=True))
    return np.array([fitted.get(str(p), math.nan) for p in series["period"]], dtype=float)


@fill_doc
def trend_lines(
    fits: dict[str, segmented.SegmentedResult], series: pd.DataFrame
) -> list[tuple[str, np.ndarray]]:
    """Return the fitted counts to draw: ``[(label, expected count per year), ...]``.

    Quasi-Poisson and Poisson share one fitted line (they differ only in its intervals), so the
    lines are the main segmented model, the negative binomial one and the fit to DfE's years
    alone (when fitted).

    Parameters
    ----------
    %(fits_and_series)s

    Returns
    -------
    list of (str, numpy.ndarray)
        Each line's legend label and its expected count for every year of ``series``.
    """
    labels = {
        MAIN: "segmented trend (quasi-Poisson / Poisson)",
        "segmented-negbin": "segmented trend (negative binomial)",
        "dfe-only": "trend of DfE's years alone",
    }
    return [(label, fitted_counts(fits[k], series)) for k, label in labels.items() if k in fits]


def _slope_words(r: segmented.SegmentedResult, what: str = "") -> str:
    s = r.slope.percent
    level = f"{100 * r.conf_level:g}% CI"
    return (
        f"{what}{number_text(float(s.estimate), 1)}% a year ({level} "
        f"{number_text(float(s.lower), 1)}% to {number_text(float(s.upper), 1)}%)"
    )


def _times(rr: object, conf_level: float, decimals: int = 2) -> str:
    est, lo, hi = (float(v) for v in rr)  # type: ignore[attr-defined]
    return (
        f"x{est:.{decimals}f} ({100 * conf_level:g}% CI x{lo:.{decimals}f} to x{hi:.{decimals}f})"
    )


@fill_doc
def trend_conclusion(fits: dict[str, segmented.SegmentedResult], series: pd.DataFrame) -> str:
    """Say in plain words what the segmented model shows, beside its alternatives.

    Parameters
    ----------
    %(fits_and_series)s

    Returns
    -------
    str
        A short paragraph in Markdown: the slope within DfE's collection and the step at the
        move to it (main model), the dispersion, the negative binomial and Poisson fits, the
        sensitivity fits, the gaps, and what a trend does not tell.
    """
    have = _published(series)
    first, last = str(have["period"].iloc[0]), str(have["period"].iloc[-1])
    gaps = series.loc[series["count"].isna(), "period"].tolist()
    gap_text = f" ({join_words(gaps)} not held, left out)" if gaps else ""
    main = fits.get(MAIN)
    if main is None:
        return (
            f"From {first} to {last}{gap_text} there are too few years for the segmented model "
            "(it needs years on both sides of the step and at least one residual degree of "
            "freedom), so no trend is given."
        )
    level = f"{100 * main.conf_level:g}% CI"
    level_n = main.conf_level
    step = _step_name(fits)
    s = main.slope.percent
    sentences = [f"From {first} to {last}{gap_text}, in the quasi-Poisson segmented model"]
    after = 0
    if step is not None:
        start = parse_period(main.term(step).where.removeprefix("from ")).start_year
        after = sum(parse_period(p).start_year >= start for p in main.periods)
    if step is not None and after < 3:
        st = main.term(step)
        sentences[0] += (
            f", notifications per child changed by {number_text(float(s.estimate), 1)}% a year "
            f"({level} {number_text(float(s.lower), 1)}% to {number_text(float(s.upper), 1)}%); "
            f"with only {after} year{'s' if after != 1 else ''} of DfE's collection that slope "
            f"rests on Ofsted's years, and the step {st.where}, {_times(st.rate_ratio, level_n)}, "
            "is barely estimated."
        )
    elif step is not None:
        st = main.term(step)
        sentences[0] += (
            f": within DfE's collection, notifications per child changed by "
            f"{number_text(float(s.estimate), 1)}% a year ({level} "
            f"{number_text(float(s.lower), 1)}% to {number_text(float(s.upper), 1)}%, "
            f"{p_text(main.slope.p_value)}; the same slope is assumed within Ofsted's years); "
            f"the move to DfE's collection ({st.where}) came with a step of "
            f"{_times(st.rate_ratio, main.conf_level)}, {p_text(st.p_value)}."
        )
    else:
        sentences[0] += f", notifications per child changed by {_slope_words(main)}."
    sentences.append(
        f"Around this line the counts scatter {main.dispersion:.1f} times more than Poisson "
        f"chance alone (dispersion on {main.df_resid} residual df); the quasi-Poisson intervals "
        "allow for that, with no pretest choosing the model."
    )
    others = []
    if "segmented-negbin" in fits:
        nb = fits["segmented-negbin"]
        bit = f"negative binomial {_slope_words(nb)}"
        if step is not None and nb.has(step):
            bit += f", step {_times(nb.term(step).rate_ratio, nb.conf_level)}"
        others.append(bit)
    if "segmented-poisson" in fits:
        others.append(
            f"Poisson {_slope_words(fits['segmented-poisson'])}, an interval too narrow "
            "because it ignores the extra scatter"
        )
    if others:
        sentences.append(f"Beside it: {'; '.join(others)}.")
    sens = []
    if "dfe-only" in fits:
        d = fits["dfe-only"]
        sens.append(f"DfE's years alone ({d.periods[0]} on) give {_slope_words(d)}")
    if "pandemic" in fits:
        pm = fits["pandemic"]
        ev = next(t for t in pm.terms if t.kind == "event")
        sens.append(
            f"with a term for the pandemic year {ev.where} the slope is {_slope_words(pm)} and "
            f"{ev.where} stands {_times(ev.rate_ratio, pm.conf_level)} above the line"
        )
    if "pandemic-2021-22" in fits:
        pm2 = fits["pandemic-2021-22"]
        sens.append(f"counting 2021-22 as a pandemic year too, {_slope_words(pm2)}")
    if sens:
        sentences.append(f"Sensitivity: {'; '.join(sens)}.")
    if "single-slope" in fits:
        one = fits["single-slope"]
        sentences.append(
            f"One slope across the break, with no step, gives {_slope_words(one)} with a "
            f"dispersion of {one.dispersion:.1f}: much of that scatter is the unmodelled step, "
            "which is why that fit is not the conclusion."
        )
    sentences.append(
        "A trend is a summary of the years fitted, not a forecast, and it cannot say why the rate "
        "changed: fewer children harmed, fewer incidents notified and changes in what councils "
        "notify all move it the same way."
    )
    return " ".join(sentences)


def half_year_note(data_dir: DataDir = None) -> str:
    """Say what DfE's half-year figures for 2020-21 add to the pandemic year's picture.

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder.

    Returns
    -------
    str
        One sentence with the first half's count (April to September 2020) and the second half
        (the full year less the first half, arithmetic), or "" when they are not held.
    """
    try:
        h1 = data.figure("characteristics", "2020-21 H1", "Total", data_dir=data_dir)
        full = data.count("2020-21", "Total", data_dir=data_dir)
    except NoDataError:
        return ""
    h2 = full.value - h1.value
    return (
        f"DfE's half-year figures sharpen the pandemic year: of 2020-21's "
        f"{count_text(full.value)} notifications, {count_text(h1.value)} came in April to "
        f"September 2020 and {count_text(h2)} in October 2020 to March 2021 (the full year less "
        "the first half), and DfE says most of the year's rise came in the first half (60 of "
        "87). A term for the whole year therefore mixes the first lockdown's months with a "
        "second half much closer to the usual level."
    )


@fill_doc
def trend_key_figures(
    fits: dict[str, segmented.SegmentedResult], series: pd.DataFrame
) -> list[KeyFigure]:
    """Return the key figures of the trend notebook, from the main segmented model.

    Parameters
    ----------
    %(fits_and_series)s

    Returns
    -------
    list of KeyFigure
        The latest published total with its interval; the slope of the rate per child within
        DfE's collection (percent a year, with its interval); and the step at the move to DfE's
        collection (a ratio with its interval), flagged with the break it measures.
    """
    have = _published(series)
    last = have.iloc[-1]
    level = float(last["conf_level"])
    out = [
        KeyFigure.from_row(
            last,
            "count",
            name="latest_total",
            label=f"Notifications, {last['period']}",
            text=(
                f"{count_text(float(last['count']))} notifications in {last['period']} "
                f"({100 * level:g}% interval {number_text(float(last['lower']), 0)} to "
                f"{number_text(float(last['upper']), 0)})"
            ),
            unit="count",
            conf_level=level,
        )
    ]
    main = fits.get(MAIN)
    if main is None:
        return out
    s = main.slope.percent
    step = _step_name(fits)
    out.append(
        KeyFigure(
            name="trend_per_year",
            label="Trend in the rate per child within DfE's collection (% a year)",
            value=float(s.estimate),
            text=(
                "Within DfE's collection, "
                + segmented.describe_segmented(main, step=None).removesuffix(")")
                + "; quasi-Poisson segmented model"
                + (f" with a step {main.term(step).where}" if step else "")
                + ")"
            ),
            unit="percent per year",
            lower=float(s.lower),
            upper=float(s.upper),
            conf_level=main.conf_level,
        )
    )
    if step is not None:
        rr = main.term(step).rate_ratio
        out.append(
            KeyFigure(
                name="dfe_step",
                label="Step at the move to DfE's collection (ratio)",
                value=float(rr.estimate),
                text=(
                    f"The move to DfE's collection ({main.term(step).where}) came with a step of "
                    f"{_times(rr, main.conf_level)}: a step change in the collection, not a "
                    "like-for-like change"
                ),
                unit="ratio (rate after the step over the rate before, on the trend)",
                lower=float(rr.lower),
                upper=float(rr.upper),
                conf_level=main.conf_level,
                flags=(step,),
            )
        )
    return out


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
