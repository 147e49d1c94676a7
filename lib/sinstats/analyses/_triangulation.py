"""Triangulation: the model's deaths beside independent estimates, and leave-one-out.

Part of :mod:`sinstats.analyses.measure` (notebook 03), which re-exports every public name here;
a module of its own because it is one job of that notebook. Each independent estimate of
``data/published/external_evidence.csv`` is adjusted openly to England, ages 0 to 17, per year
(:func:`evidence_table`); :func:`triangulation_table` sets the model's realised number for the
nearest year with a published death-notification count beside it; :func:`implied_ascertainment`
re-derives the ascertainment share from two pairs of sources; :func:`leave_one_out` refits the
share without each published breakdown in turn.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Final, NamedTuple

import pandas as pd

from sinstats import data
from sinstats._typing import DataDir
from sinstats.errors import DataError
from sinstats.periods import parse_period
from sinstats.present import plots
from sinstats.present.tables import Column, Display
from sinstats.stats import uncertainty


def _f(value: object) -> float:
    """Return a table cell as a float."""
    return float(value)  # type: ignore[arg-type]


def _evidence(data_dir: DataDir = None) -> pd.DataFrame:
    return data.load("external_evidence", data_dir)


def _value(ev: pd.DataFrame, source_id: str, measure: str, period: str, area: str = "") -> float:
    rows = ev[(ev["source_id"] == source_id) & (ev["measure"] == measure)]
    rows = rows[rows["period"] == period]
    if area:
        rows = rows[rows["area_code"] == area]
    if len(rows) != 1:
        raise DataError(
            f"external_evidence: expected one figure for {source_id} {measure} {period} {area}",
            path="external_evidence.csv",
        )
    return float(rows["value"].iloc[0])


def _url(ev: pd.DataFrame, source_id: str) -> str:
    return str(ev.loc[ev["source_id"] == source_id, "source_url"].iloc[0])


class Adjustment(NamedTuple):
    """England's share of England and Wales and the 0-17 / under-16 ratio for one mid-year."""

    england_share: float
    age_factor: float
    text: str


def _adjustment(ev: pd.DataFrame, year: int, data_dir: DataDir) -> Adjustment:
    eng = _value(ev, "STATSWALES_MYE", "population_estimate", str(year), "E92000001")
    wal = _value(ev, "STATSWALES_MYE", "population_estimate", str(year), "W92000004")
    pop = data.load("population_0_17", data_dir)
    pop = pop[(pop["period"] == str(year)) & (pop["area_code"] == "E92000001")]
    eng_0_17 = float(pop["value"].iloc[0])
    share = eng / (eng + wal)
    factor = eng_0_17 / eng
    text = (
        f"x {share:.4f} (England's share of under-16s in England and Wales, mid-{year}) "
        f"x {factor:.4f} (England 0-17 / under 16, mid-{year}: assumes 16-17 year olds die by "
        "homicide at the under-16 rate, an assumption rated red)"
    )
    return Adjustment(share, factor, text)


def evidence_table(data_dir: DataDir = None) -> pd.DataFrame:
    """Each independent estimate, as published and adjusted to England, 0 to 17, per year.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder of ``external_evidence.csv`` and ``population_0_17.csv``.

    Returns
    -------
    pandas.DataFrame
        ``estimate``, ``measures`` (what it counts), ``period``, ``geography``, ``age``,
        ``published``, ``adjustment``, ``per_year_low``, ``per_year_high``, ``notified_only``
        (True for counts of notified cases), ``compare_year`` (the nearest April-March year
        with a published death-notification count), ``url``, ``method``, ``conf_level``,
        ``note``.
    """
    ev = _evidence(data_dir)
    rows: list[dict[str, object]] = []
    for source_id, period, year, compare in (
        ("ONS_HOMICIDE_YEMAR2015", "2014-15", 2014, "2014-15"),
        ("ONS_HOMICIDE_YEMAR2016", "2015-16", 2016, "2015-16"),
    ):
        n = _value(ev, source_id, "homicide_victims", period)
        adj = _adjustment(ev, year, data_dir)
        value = n * adj.england_share * adj.age_factor
        rows.append(
            {
                "estimate": f"ONS homicide, year ending March {int(period[:4]) + 1}",
                "measures": "homicide victims: part of the target (no fatal neglect)",
                "period": period,
                "geography": "England and Wales",
                "age": "under 16",
                "published": f"{n:.0f}",
                "adjustment": adj.text,
                "per_year_low": value,
                "per_year_high": value,
                "notified_only": False,
                "compare_year": compare,
                "url": _url(ev, source_id),
            }
        )
    lo = _value(
        ev, "BRANDON_SIDEBOTHAM_2012", "directly_caused_deaths_per_year_low", "2009-04/2011-03"
    )
    hi = _value(
        ev, "BRANDON_SIDEBOTHAM_2012", "directly_caused_deaths_per_year_high", "2009-04/2011-03"
    )
    rows.append(
        {
            "estimate": "Brandon et al. 2012, directly caused",
            "measures": "deaths directly caused by violence, abuse or neglect, notified or not",
            "period": "2009-10 to 2010-11",
            "geography": "England",
            "age": "0 to 17",
            "published": f"{lo:.0f} to {hi:.0f} a year",
            "adjustment": "none (England, 0-17, per year as published)",
            "per_year_low": lo,
            "per_year_high": hi,
            "notified_only": False,
            "compare_year": "2014-15",
            "url": _url(ev, "BRANDON_SIDEBOTHAM_2012"),
        }
    )
    total = _value(ev, "SIDEBOTHAM_2011", "fatal_maltreatment_cases", "2005-04/2009-03")
    related = _value(
        ev, "SIDEBOTHAM_2011_ADC", "deaths_related_not_directly_caused", "2005-04/2009-03"
    )
    direct = (total - related) / 4
    rows.append(
        {
            "estimate": "Sidebotham et al. 2011, directly caused",
            "measures": "notified fatal maltreatment, directly caused (notified only)",
            "period": "April 2005 to March 2009",
            "geography": "England",
            "age": "0 to 17",
            "published": f"{total:.0f} cases in 4 years, {related:.0f} not directly caused",
            "adjustment": f"({total:.0f} - {related:.0f}) / 4 years",
            "per_year_low": direct,
            "per_year_high": direct,
            "notified_only": True,
            "compare_year": "2014-15",
            "url": _url(ev, "SIDEBOTHAM_2011"),
        }
    )
    notified = _value(
        ev, "SIDEBOTHAM_2016_ADC", "maltreatment_fatalities_notified", "2011-04/2013-12"
    )
    d59 = _value(ev, "SIDEBOTHAM_2016_ADC", "deaths_directly_caused", "2011-04/2013-12")
    c112 = _value(ev, "SIDEBOTHAM_2016_ADC", "deaths_classified_within_family", "2011-04/2013-12")
    out6 = _value(ev, "SIDEBOTHAM_2016_ADC", "deaths_perpetrated_outside_family", "2011-04/2013-12")
    scr = _value(ev, "SIDEBOTHAM_2016_ADC", "serious_case_reviews_obtained", "2011-04/2013-12")
    per_year = notified * (d59 / c112 + out6 / scr) / (33 / 12)
    rows.append(
        {
            "estimate": "Sidebotham et al. 2016, directly caused",
            "measures": "notified fatal maltreatment, directly caused or outside the family "
            "(notified only)",
            "period": "April 2011 to December 2013",
            "geography": "England",
            "age": "0 to 17",
            "published": f"{notified:.0f} notified; {d59:.0f} of {c112:.0f} directly caused; "
            f"{out6:.0f} of {scr:.0f} outside the family",
            "adjustment": f"{notified:.0f} x ({d59:.0f}/{c112:.0f} + {out6:.0f}/{scr:.0f}) / "
            "2.75 years",
            "per_year_low": per_year,
            "per_year_high": per_year,
            "notified_only": True,
            "compare_year": "2014-15",
            "url": _url(ev, "SIDEBOTHAM_2016_ADC"),
        }
    )
    out = pd.DataFrame(rows)
    out["method"] = "published figure, adjusted as stated"
    out["conf_level"] = math.nan
    out["note"] = (
        "England and Wales figures scaled by population shares (StatsWales, ONS estimates); "
        "periods differ from the model's years where compare_year says so"
    )
    return out


def _counts_for_percent(percent: float, denominator: float) -> tuple[int, int]:
    """Return the whole counts out of ``denominator`` that round (half up) to ``percent``."""
    n = int(denominator)
    ks = [k for k in range(n + 1) if math.floor(100 * k / n + 0.5) == round(percent)]
    if not ks:
        raise DataError(f"no count out of {n} rounds to {percent:g}%", path="characteristics.csv")
    return ks[0], ks[-1]


def _ofsted_parent_share(data_dir: DataDir) -> tuple[float, float]:
    """Return Ofsted's 2015-16 parent-or-carer share (%) of death notifications, and their count."""
    fig = data.figure(
        "characteristics",
        "2015-16",
        "Killing or non-accidental injury by parent/carer",
        measure="percentage_of_child_death_notifications",
        data_dir=data_dir,
    )
    deaths = data.count("2015-16", "Child death", data_dir=data_dir)
    return fig.value, deaths.value


def implied_ascertainment(data_dir: DataDir = None) -> pd.DataFrame:
    """Return the share of target deaths notified as such, implied by two pairs of sources.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder.

    Returns
    -------
    pandas.DataFrame
        ``comparison``, ``notified``, ``all_deaths``, ``low``, ``high``, ``method``,
        ``conf_level``, ``note``: the ratio notified / all, as a range.
    """
    ev = _evidence(data_dir)
    table = evidence_table(data_dir).set_index("estimate")
    notified = _f(table.loc["Sidebotham et al. 2016, directly caused", "per_year_low"])
    b_lo = _f(table.loc["Brandon et al. 2012, directly caused", "per_year_low"])
    b_hi = _f(table.loc["Brandon et al. 2012, directly caused", "per_year_high"])
    parents = _value(
        ev, "BBC_2017_HOMICIDE", "homicide_victims_killed_by_parent_or_step_parent", "2015-16"
    )
    share16 = _adjustment(ev, 2016, data_dir).england_share
    parents_eng = parents * share16
    # Ofsted 2015-16: the published share of death notifications that were killings or
    # non-accidental injuries by a parent or carer, as the counts it allows (11% of 171: 18 or 19).
    o_pct, o_deaths = _ofsted_parent_share(data_dir)
    o_lo, o_hi = _counts_for_percent(o_pct, o_deaths)
    rows = [
        {
            "comparison": "Sidebotham et al. 2016 (notified, directly caused) / Brandon et al. "
            "2012 (directly caused, notified or not)",
            "notified": f"{notified:.1f} a year",
            "all_deaths": f"{b_lo:.0f} to {b_hi:.0f} a year",
            "low": notified / b_hi,
            "high": notified / b_lo,
        },
        {
            "comparison": "Ofsted 2015-16 notified killings or non-accidental injuries by a "
            "parent or carer / ONS killings by a parent or step-parent (England share)",
            "notified": f"{o_lo} to {o_hi} ({o_pct:g}% of {o_deaths:.0f})",
            "all_deaths": f"{parents:.0f} x {share16:.4f} = {parents_eng:.1f}",
            "low": o_lo / parents_eng,
            "high": o_hi / parents_eng,
        },
    ]
    out = pd.DataFrame(rows)
    out["method"] = "ratio of published counts"
    out["conf_level"] = math.nan
    out["note"] = (
        "adjacent periods (2011-13 against 2009-11); the second is for the most visible deaths "
        "and ignores 16-17 year olds (a parent's killing of a 16-17 year old is taken as rare)"
    )
    return out


def _realised_summary(
    observed: uncertainty.Observed,
    target: uncertainty.Target,
    n_draws: int,
    seed: int,
    conf_level: float,
) -> tuple[float, float, float]:
    """Median, lower and upper bound of this year's realised number (the total only)."""
    res = uncertainty.simulate(
        observed,
        target,
        n_draws=n_draws,
        seed=seed,
        conf_levels=(conf_level,),
        quantity="realised",
        alone=False,  # only the total's median and interval are used
        keep_draws=False,
    )
    return (res.median, *res.interval(conf_level))


def triangulation_table(
    model: object,
    evidence: pd.DataFrame,
    *,
    conf_level: float = 0.95,
    n_draws: int = 200_000,
    seed: int = 2026,
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Set the model's deaths for each comparison year beside each independent estimate.

    Parameters
    ----------
    model : Model
        The year's model (:func:`sinstats.analyses.measure.load_model`), for its target.
    evidence : pandas.DataFrame
        :func:`evidence_table`.
    conf_level : float
        Level of the model's intervals.
    n_draws, seed : int
        Draws and seed of each model run.
    data_dir : path-like, optional
        Data folder of the death-notification counts.

    Returns
    -------
    pandas.DataFrame
        One row per estimate: the estimate (adjusted, per year), the model's realised number
        for ``compare_year`` (``model_central``, ``model_lower``, ``model_upper``; notified
        target deaths only where the estimate counts notified cases), and ``relation``.
    """
    target = model.target  # type: ignore[attr-defined]
    # The model's median and interval by (year, notified only): the summaries, not the draws.
    cache: dict[tuple[str, bool], tuple[float, float, float]] = {}
    rows = []
    for r in evidence.itertuples(index=False):
        year = str(r.compare_year)
        notified = bool(r.notified_only)
        key = (year, notified)
        if key not in cache:
            fig = data.count(parse_period(year), "Child death", data_dir=data_dir)
            obs = uncertainty.Observed(fig.value, label=f"{year} child death notifications")
            tgt = uncertainty.switch(target, off=["ascertainment"]) if notified else target
            cache[key] = _realised_summary(obs, tgt, n_draws, seed, conf_level)
        median, lo, hi = cache[key]
        inside = lo <= _f(r.per_year_low) and _f(r.per_year_high) <= hi
        rows.append(
            {
                "estimate": r.estimate,
                "per_year_low": _f(r.per_year_low),
                "per_year_high": _f(r.per_year_high),
                "compare_year": year,
                "model_quantity": "notified target deaths" if notified else "target deaths",
                "model_central": median,
                "model_lower": lo,
                "model_upper": hi,
                "relation": ("inside" if inside else "outside") + " the model's interval",
                "url": r.url,
                "method": "monte_carlo_percentile",
                "conf_level": conf_level,
                "note": f"model: realised number in {year} from DfE/Ofsted's death notifications"
                + ("; ascertainment off (the estimate counts notified cases)" if notified else ""),
            }
        )
    return pd.DataFrame(rows)


triangulation_display = Display(
    "triangulation_table",
    Column("Independent estimate", "estimate"),
    Column("Per year (England, 0-17)", ("per_year_low", "per_year_high"), "interval", 1),
    Column("Model year", "compare_year"),
    Column("Model quantity", "model_quantity"),
    Column("Model", "model_central", "number", 0),
    Column("{level} interval", ("model_lower", "model_upper"), "interval", 0),
    Column("Source", "url"),
)


def triangulation_chart(table: pd.DataFrame, conf_level: float) -> plots.Chart:
    """Dot chart: each independent estimate and the model's interval for its comparison year.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`triangulation_table`.
    conf_level : float
        Level of the model's intervals.

    Returns
    -------
    sinstats.present.plots.Chart
    """
    labels, est, lows, highs, groups = [], [], [], [], []
    for r in table.itertuples(index=False):
        labels.append(str(r.estimate))
        mid = (_f(r.per_year_low) + _f(r.per_year_high)) / 2
        est.append(mid)
        same = _f(r.per_year_low) == _f(r.per_year_high)
        lows.append(math.nan if same else _f(r.per_year_low))
        highs.append(math.nan if same else _f(r.per_year_high))
        groups.append("independent estimate")
        labels.append(f"model, {r.compare_year} ({r.model_quantity})")
        est.append(_f(r.model_central))
        lows.append(_f(r.model_lower))
        highs.append(_f(r.model_upper))
        groups.append("model")
    return plots.interval_chart(
        labels,
        est,
        lows,
        highs,
        title="The model's deaths beside independent estimates",
        xlabel="Deaths a year (England, 0 to 17)",
        what="independent estimates of child deaths from maltreatment or assault and the "
        "model's realised number for the nearest year with published counts",
        conf_level=conf_level,
        groups=groups,
        source="Source: data/published/external_evidence.csv (ONS, serious case review "
        "studies); sinstats uncertainty model",
    )


def leave_one_out(
    model: object,
    *,
    conf_level: float = 0.95,
    n_draws: int = 200_000,
    seed: int = 2026,
) -> pd.DataFrame:
    """Refit the share without each published breakdown in turn and rerun the headline.

    Parameters
    ----------
    model : Model
        The year's model.
    conf_level : float
        Level of the intervals.
    n_draws, seed : int
        Draws and seed (the same for every row: common random numbers).

    Returns
    -------
    pandas.DataFrame
        ``left_out`` (``"none"`` first), ``share_mean``, ``central``, ``lower``, ``upper``,
        ``change`` (central minus the full fit's), ``method``, ``conf_level``, ``note``.
    """
    target = model.target  # type: ignore[attr-defined]
    observed = model.observed  # type: ignore[attr-defined]
    share = next(c for c in target.components if c.kind == "definition")
    if not isinstance(share, uncertainty.HierarchicalShare):
        return pd.DataFrame()
    variants: list[tuple[str, uncertainty.HierarchicalShare]] = [("none", share)]
    variants += [(bd.name, share.without(bd.name)) for bd in share.fit_breakdowns()]
    rows = []
    base_central = math.nan
    for name, variant in variants:
        comps = tuple(variant if c is share else c for c in target.components)
        tgt = dataclasses.replace(target, components=comps)
        median, lo, hi = _realised_summary(observed, tgt, n_draws, seed, conf_level)
        share_mean = variant.central()
        if name == "none":
            base_central = median
        else:
            # Each variant is used once: drop its grid posterior rather than keep it cached.
            uncertainty.shares.forget_fits(variant)
        rows.append(
            {
                "left_out": name,
                "share_mean": share_mean,
                "central": median,
                "lower": lo,
                "upper": hi,
                "change": median - base_central,
                "method": "monte_carlo_percentile",
                "conf_level": conf_level,
                "note": "all breakdowns in the fit"
                if name == "none"
                else f"{name} left out of the fit (kept only as a check)",
            }
        )
    return pd.DataFrame(rows)


implied_ascertainment_display = Display(
    "implied_ascertainment",
    Column("Sources compared", "comparison"),
    Column("Notified", "notified"),
    Column("All such deaths", "all_deaths"),
    Column("Implied ascertainment", ("low", "high"), "interval", 2),
    notes="note",
)


_PUBLISHER_WORDS: Final[dict[str, str]] = {"panel": "Panel", "ofsted": "Ofsted", "dfe": "DfE"}


def breakdown_words(breakdown: object, *, decimals: int = 0) -> str:
    """Write a breakdown's id for readers: ``ofsted_2014_15`` -> ``"Ofsted 2014-15"``.

    The first part names the publisher (:data:`_PUBLISHER_WORDS`), the rest the period: two
    numbers are an April-March year (``2014-15``), one a calendar year (``2020``); ``none``
    (the leave-one-out table's baseline) is the fit with every breakdown.
    """
    if str(breakdown).lower() in ("none", "", "nan"):
        return "None (every breakdown in the fit)"
    first, *rest = str(breakdown).split("_")
    who = _PUBLISHER_WORDS.get(first.lower(), first[:1].upper() + first[1:])
    return " ".join([who, "-".join(rest)]) if rest else who


leave_one_out_display = Display(
    "leave_one_out",
    Column("Breakdown left out", "left_out", breakdown_words),
    Column("Mean share", "share_mean", "number", 3),
    Column("Central", "central", "number", 0),
    Column("{level} interval", ("lower", "upper"), "interval", 0),
    Column("Change in central", "change", "number", 0),
)
