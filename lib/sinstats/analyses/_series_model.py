r"""The national series as the models see it (private: overview, timeseries and claims).

The comparable years (from the year after the earlier Ofsted definition, as ``data/breaks.yml``
declares), each with its ONS child population, the segmented models of notebook 02 with the
declared step and event terms, and the series' dispersion :math:`\hat\phi` that notebook 01 and
``sinstats verify`` use to judge a year-on-year change against the series' usual movement. One
place, so that the trend, the changes and the verdicts rest on the same model.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

import pandas as pd

from sinstats import data
from sinstats._typing import DataDir
from sinstats.errors import NoDataError, ParameterError
from sinstats.periods import parse_period
from sinstats.stats import segmented

__all__ = [
    "MAIN",
    "MODELS",
    "Dispersion",
    "fit_models",
    "national_series",
    "series_dispersion",
]

#: The key of the main model: segmented quasi-Poisson with the declared steps.
MAIN: Final = "segmented-quasipoisson"

#: Every model fitted, in the order shown: key -> reader's label.
MODELS: Final[dict[str, str]] = {
    MAIN: "Segmented, quasi-Poisson (main model)",
    "segmented-negbin": "Segmented, negative binomial",
    "segmented-poisson": "Segmented, Poisson",
    "dfe-only": "Sensitivity: DfE's years only, quasi-Poisson",
    "pandemic": "Sensitivity: with a pandemic term (2020-21), quasi-Poisson",
    "pandemic-2021-22": "Sensitivity: pandemic term for 2020-21 and 2021-22, quasi-Poisson",
    "single-slope": "For comparison: one slope across the break (no step), quasi-Poisson",
}

#: The extra year the second pandemic sensitivity adds to the declared event (not declared in
#: ``breaks.yml``: no source read calls it a pandemic year).
PANDEMIC_EXTRA: Final = "2021-22"


def national_series(
    nature: str = "Total", *, end: object | None = None, data_dir: DataDir = None
) -> pd.DataFrame:
    """Return the comparable national series with each year's child population.

    Parameters
    ----------
    nature : str, default "Total"
        Nature of notification.
    end : str, optional
        Last April-March year (default: the latest).
    data_dir : path-like, optional
        The data folder (its ``breaks.yml`` says where the comparable series starts).

    Returns
    -------
    pandas.DataFrame
        One row per published year from the first comparable year: ``period``, ``count``,
        ``population``, ``mid_year`` and ``carried_forward`` (True when the year's own mid-year
        estimate is not published and an earlier one is used).

    Raises
    ------
    ConfigError
        If the breaks file is invalid.
    NoDataError
        If a year has no population estimate at or before it.
    """
    breaks = data.load_breaks(data_dir)
    start = breaks.first_comparable() or parse_period(data.SERIES_START)
    s = data.published_series(nature, start=start, end=end, data_dir=data_dir)
    s = s[s["count"].notna()]
    rows = []
    for period, count in zip(s["period"], s["count"], strict=True):
        pop = data.population(str(period), data_dir=data_dir)
        rows.append(
            {
                "period": str(period),
                "count": int(count),
                "population": pop.value,
                "mid_year": pop.mid_year,
                "carried_forward": pop.mid_year != parse_period(str(period)).start_year,
            }
        )
    return pd.DataFrame(
        rows, columns=["period", "count", "population", "mid_year", "carried_forward"]
    )


def _terms(
    breaks: data.Breaks, periods: list[str]
) -> tuple[dict[str, object], dict[str, list[str]]]:
    """Return the declared steps inside the fitted years and the declared events among them."""
    first, last = parse_period(periods[0]).start_year, parse_period(periods[-1]).start_year
    steps: dict[str, object] = {
        b.id: b.first.id for b in breaks.of_kind("step") if first < b.first.start_year <= last
    }
    events: dict[str, list[str]] = {}
    for b in breaks.of_kind("event"):
        inside = [p for p in periods if b.covers(parse_period(p))]
        if inside:
            events[b.id] = inside
    return steps, events


def fit_models(
    series: pd.DataFrame,
    *,
    conf_level: float = 0.95,
    data_dir: DataDir = None,
    only: tuple[str, ...] | None = None,
) -> dict[str, segmented.SegmentedResult]:
    """Fit every model of :data:`MODELS` that the years allow, with the population as exposure.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`national_series` (or any frame with ``period``, ``count`` and
        ``population`` for published years, oldest first).
    conf_level : float, default 0.95
        Level of every interval.
    data_dir : path-like, optional
        The data folder whose ``breaks.yml`` gives the steps and events.
    only : tuple of str, optional
        Fit only these models (keys of :data:`MODELS`); default all.

    Returns
    -------
    dict of str to SegmentedResult
        Keyed as :data:`MODELS`; a model the years do not allow (too few years, or no year on one
        side of a step) is left out.

    Raises
    ------
    ConfigError
        If the breaks file is invalid.
    """
    breaks = data.load_breaks(data_dir)
    periods = [str(p) for p in series["period"]]
    counts = [int(c) for c in series["count"]]
    pops = [float(v) for v in series["population"]]
    if len(periods) < 2:
        return {}
    steps, events = _terms(breaks, periods)
    plans: dict[str, tuple[dict[str, object], dict[str, list[str]], str, int]] = {
        MAIN: (steps, {}, "quasipoisson", 0),
        "segmented-negbin": (steps, {}, "negbin", 0),
        "segmented-poisson": (steps, {}, "poisson", 0),
        "pandemic": (steps, events, "quasipoisson", 0),
        "single-slope": ({}, {}, "quasipoisson", 0),
    }
    if events:
        name, years = next(iter(events.items()))
        wider = sorted({*years, PANDEMIC_EXTRA} & set(periods))
        if wider != years:
            plans["pandemic-2021-22"] = (steps, {name: wider}, "quasipoisson", 0)
    if steps:
        last_step = max(parse_period(str(v)).start_year for v in steps.values())
        first = next(
            (i for i, p in enumerate(periods) if parse_period(p).start_year >= last_step), 0
        )
        plans["dfe-only"] = ({}, {}, "quasipoisson", first)
    fits: dict[str, segmented.SegmentedResult] = {}
    for key in MODELS:
        if key not in plans or (key == "pandemic" and not events):
            continue
        if only is not None and key not in only:
            continue
        model_steps, model_events, family, first = plans[key]
        try:
            fits[key] = segmented.fit_segmented(
                periods[first:],
                counts[first:],
                pops[first:],
                steps=model_steps,
                events=model_events,
                family=family,
                conf_level=conf_level,
            )
        except (ParameterError, RuntimeError):
            continue  # too few years for this model: it is simply not shown
    return fits


class Dispersion(NamedTuple):
    r"""The series' year-to-year scatter around its trend, as the changes use it.

    Attributes
    ----------
    phi : float
        Pearson :math:`\hat\phi` of the main segmented quasi-Poisson model (NaN when the
        series is too short to fit it).
    df : int
        Its residual degrees of freedom (0 when unavailable).
    first, last : str
        The years the model was fitted on.
    text : str
        What it is, in words, for notes.
    """

    phi: float
    df: int
    first: str
    last: str
    text: str

    @property
    def available(self) -> bool:
        """Return True when the model could be fitted."""
        return not math.isnan(self.phi)


def series_dispersion(data_dir: DataDir = None) -> Dispersion:
    """Return the dispersion of the national totals around the main segmented model.

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder.

    Returns
    -------
    Dispersion
        From the quasi-Poisson segmented model of the total notifications of every comparable
        year held (the whole series: a year's change is judged against the scatter of all the
        years, the later ones too).

    Raises
    ------
    ConfigError
        If the breaks file is invalid.
    """
    try:
        series = national_series("Total", data_dir=data_dir)
    except NoDataError:
        series = pd.DataFrame()
    fit = fit_models(series, data_dir=data_dir, only=(MAIN,)).get(MAIN) if len(series) else None
    if fit is None:
        return Dispersion(
            math.nan,
            0,
            "",
            "",
            "the series is too short to estimate its year-to-year scatter",
        )
    steps = [t.where for t in fit.terms if t.kind == "step"]
    text = (
        f"phi = {fit.dispersion:.2f} on {fit.df_resid} df, the Pearson dispersion of the "
        f"segmented quasi-Poisson model of the national totals {fit.periods[0]} to "
        f"{fit.periods[-1]} (rate per child, step {', '.join(steps) or 'none'})"
    )
    return Dispersion(fit.dispersion, fit.df_resid, fit.periods[0], fit.periods[-1], text)
