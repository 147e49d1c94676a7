"""Published breakdowns and areas with intervals, and the regional funnel plot (notebook 05).

The shipped data hold only fragments of the sub-national picture: regional counts for a few
regions in some years, rounded to the nearest 10 (a shown 30 lies in 25 to 34). When official
EES sub-national files are installed (``sinstats fetch``;
:func:`sinstats.data.official.load_areas`) the local-authority counts are used instead. Either
way the funnel plot compares each area's rate per 100,000 children with England's rate, with 95%
and 99.8% limits (:func:`sinstats.stats.funnel.funnel_table`: exact limits to flag an area,
Spiegelhalter's interpolated limits to draw the funnel), and the overdispersion check says whether
the areas vary more than chance allows (on k degrees of freedom: England's rate is a target given
from outside the k areas). :func:`overdispersion_table` sets the flags under multiplicative
(phi-scaled) and additive (random-effects) limits beside the Poisson ones.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd

from sinstats import data
from sinstats._docstrings import fill_doc
from sinstats._typing import DataDir
from sinstats.analyses._helpers import published_count
from sinstats.errors import NoDataError
from sinstats.periods import FINANCIAL_YEAR, parse_period
from sinstats.present import plots
from sinstats.present.key_figures import KeyFigure
from sinstats.present.tables import Column, Display
from sinstats.present.words import count_text, join_words, p_text
from sinstats.stats import funnel, intervals

#: Breakdown topics shown, in order, with a reader's label.
TOPICS: dict[str, str] = {
    "CLA": "Looked-after child",
    "Gender": "Sex/gender",
    "Age": "Age",
}

#: Number of regions in England.
N_REGIONS = 9


@fill_doc
def breakdown_table(
    *,
    end: object | None = None,
    conf_level: float = 0.95,
    method: str = "exact",
    share_method: str = "wilson",
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Return every published national breakdown (looked-after, sex, age) with intervals.

    Parameters
    ----------
    end : str, optional
        Last April-March year to include (default: all).
    conf_level : float, default 0.95
        Level of the count and share intervals.
    method, share_method : str
        Interval methods for counts (Poisson) and shares (proportion).
    %(data_folder)s

    Returns
    -------
    pandas.DataFrame
        One row per published figure: ``period``, ``topic``, ``category``, ``count``,
        ``lower``, ``upper``, ``total`` (the year's national total), ``percent``,
        ``percent_lower``, ``percent_upper``, ``method``, ``conf_level``, ``note``
        (the source's note; ``method`` is ``"<count method>; <share method>"``).
    """
    chars = data.load("characteristics", data_dir)
    national = data.load("sin_national", data_dir)
    sel = chars[
        (chars["geographic_level"] == "National")
        & (chars["measure"] == "number_notifications")
        & (chars["period_kind"] == FINANCIAL_YEAR)
        & chars["breakdown_topic"].isin(list(TOPICS))
        & chars["value"].notna()
    ]
    if end is not None:
        last = parse_period(end).start_year
        sel = sel[sel["period"].map(lambda p: parse_period(p).start_year <= last)]
    rows = []
    columns = ["period", "breakdown_topic", "category", "value", "note"]
    for period, topic, category, value, note in sel[columns].itertuples(index=False, name=None):
        count = int(value)
        ci = intervals.poisson_ci(count, conf_level, method)
        total, _ = published_count(str(period), "Total", national)
        share = (math.nan, math.nan, math.nan)
        if not math.isnan(total) and count <= total:
            p = intervals.proportion_ci(count, int(total), conf_level, share_method)
            share = (100 * float(p.estimate), 100 * float(p.lower), 100 * float(p.upper))
        rows.append(
            {
                "period": period,
                "topic": TOPICS[str(topic)],
                "category": category,
                "count": float(count),
                "lower": float(ci.lower),
                "upper": float(ci.upper),
                "total": total,
                "percent": share[0],
                "percent_lower": share[1],
                "percent_upper": share[2],
                "method": f"{method}; {share_method}",
                "conf_level": conf_level,
                "note": str(note),
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    order = {t: i for i, t in enumerate(TOPICS.values())}
    return out.sort_values(
        ["topic", "period"], key=lambda s: s.map(order) if s.name == "topic" else s, kind="stable"
    ).reset_index(drop=True)


breakdown_display = Display(
    "breakdown_table",
    Column("Breakdown", "topic"),
    Column("Group", "category"),
    Column("Year", "period"),
    Column("Notifications", "count", "count"),
    Column("{level} interval", ("lower", "upper"), "interval"),
    Column("Share of all (%)", "percent", "number", 1),
    Column("{level} interval (%)", ("percent_lower", "percent_upper"), "interval", 1),
)


@fill_doc
def care_leaver_table(
    *, conf_level: float = 0.95, method: str = "exact", data_dir: DataDir = None
) -> pd.DataFrame:
    """Return the voluntary notifications of care leavers' deaths (aged 16 to 24) with intervals.

    Parameters
    ----------
    conf_level : float, default 0.95
        Confidence level of the Poisson intervals.
    %(count_method)s
    %(data_folder)s

    Returns
    -------
    pandas.DataFrame
        ``period``, ``group``, ``count``, ``lower``, ``upper``, ``method``, ``conf_level`` and
        ``note`` (the source's note), one row per published figure.
    """
    chars = data.load("characteristics", data_dir)
    sel = chars[(chars["measure"] == "care_leaver_death_notifications") & chars["value"].notna()]
    ci = intervals.poisson_ci(sel["value"].astype(int).to_numpy(), conf_level, method)
    return pd.DataFrame(
        {
            "period": sel["period"].to_numpy(),
            "group": sel["category"].replace("Total", "Aged 16 to 24").to_numpy(),
            "count": sel["value"].astype(float).to_numpy(),
            "lower": ci.lower,
            "upper": ci.upper,
            "method": method,
            "conf_level": conf_level,
            "note": sel["note"].to_numpy(),
        }
    )


care_leaver_display = Display(
    "care_leaver_table",
    Column("Year", "period", "year"),
    Column("Group", "group"),
    Column("Notifications", "count", "count"),
    Column("{level} interval", ("lower", "upper"), "interval", 1),
    notes="note",
)


class Areas(NamedTuple):
    """Sub-national counts for one year and where they come from.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per area (see :func:`area_table`).
    level : str
        ``"Regional"`` or ``"Local authority"``.
    official : bool
        True when read from installed official EES files, False for the shipped fragments.
    """

    table: pd.DataFrame
    level: str
    official: bool


def _official_areas(period: str, data_dir: DataDir) -> pd.DataFrame | None:
    try:
        from sinstats.data import official

        frame = official.load_areas(data_dir)
    except (ImportError, NoDataError):
        return None
    frame = frame[(frame["period"] == period) & (frame["geographic_level"] == "Local authority")]
    return frame if not frame.empty else None


@fill_doc
def area_table(
    period: object, *, conf_level: float = 0.95, method: str = "exact", data_dir: DataDir = None
) -> Areas:
    """Return the year's area counts with rates per 100,000 children and their intervals.

    Local-authority counts from installed official files when present; otherwise the regional
    counts in ``characteristics.csv`` (rounded to 10, only some regions).

    Parameters
    ----------
    %(year)s
    conf_level : float, default 0.95
        Confidence level of the rate intervals.
    %(count_method)s
    %(data_folder)s

    Returns
    -------
    Areas
        ``table`` columns: ``period``, ``area_code``, ``area_name``, ``count``, ``rounded_to``,
        ``count_low``/``count_high`` (the true counts a rounded figure allows: x-5 to x+4),
        ``population``, ``population_mid_year``, ``rate``, ``lower``, ``upper`` (Poisson
        interval of the rate, taking the shown count as exact), ``rate_low``/``rate_high`` (the
        rate at ``count_low``/``count_high``), ``method``, ``conf_level``, ``note``.

    Raises
    ------
    NoDataError
        If an area has no ONS population estimate at or before the year.
    """
    p = parse_period(period)
    official = _official_areas(p.id, data_dir)
    if official is not None:
        counts = official[official["measure"] == "number_notifications"]
        pops = official[official["measure"] == "ons_midyear_population"].set_index("area_code")
        level, is_official = "Local authority", True
    else:
        chars = data.load("characteristics", data_dir)
        counts = chars[
            (chars["period"] == p.id)
            & (chars["geographic_level"] == "Regional")
            & (chars["measure"] == "number_notifications")
            & (chars["category"] == "Total")
        ]
        pops = None
        level, is_official = "Regional", False
    rows = []
    columns = ["area_code", "area_name", "value", "rounded_to", "status"]
    for code, name, value, rounded, status in counts[columns].itertuples(index=False, name=None):
        if pops is not None and code in pops.index:
            population, mid_year = float(pops.loc[code, "value"]), p.start_year
            pop_note = "population from the official file"
        else:
            pop = data.population(p, area=str(name), data_dir=data_dir)
            population, mid_year, pop_note = pop.value, pop.mid_year, pop.note
        if math.isnan(float(value)):
            rows.append(
                _suppressed_row(p.id, code, name, status, population, mid_year, method, conf_level)
            )
            continue
        count = int(value)
        step = int(rounded or 0)
        low, high = (count - step // 2, count + step // 2 - 1) if step else (count, count)
        low = max(low, 0)
        rate = intervals.rate_ci(count, population, data.PER, conf_level, method)
        note = pop_note
        if step:
            note = (
                f"rounded to the nearest {step}: the true count lies in {low} to {high}; {pop_note}"
            )
        rows.append(
            {
                "period": p.id,
                "area_code": code,
                "area_name": name,
                "count": float(count),
                "rounded_to": step,
                "count_low": float(low),
                "count_high": float(high),
                "population": population,
                "population_mid_year": mid_year,
                "rate": float(rate.estimate),
                "lower": float(rate.lower),
                "upper": float(rate.upper),
                "rate_low": low / population * data.PER,
                "rate_high": high / population * data.PER,
                "method": method,
                "conf_level": conf_level,
                "note": note,
            }
        )
    return Areas(pd.DataFrame(rows), level, is_official)


def _suppressed_row(
    period: str,
    code: object,
    name: object,
    status: object,
    population: float,
    mid_year: int,
    method: str,
    conf_level: float,
) -> dict[str, object]:
    nan = math.nan
    return {
        "period": period,
        "area_code": code,
        "area_name": name,
        "count": nan,
        "rounded_to": 0,
        "count_low": nan,
        "count_high": nan,
        "population": population,
        "population_mid_year": mid_year,
        "rate": nan,
        "lower": nan,
        "upper": nan,
        "rate_low": nan,
        "rate_high": nan,
        "method": method,
        "conf_level": conf_level,
        "note": f"suppressed ({status}): not shown, not counted as zero",
    }


def _true_counts(low: float, high: float, *, decimals: int = 0) -> str:
    """Write the true counts a rounded figure allows: one number, or a range."""
    if math.isnan(low):
        return "-"
    return count_text(low) if low == high else f"{low:.0f} to {high:.0f}"


area_display = Display(
    "area_table",
    Column("Area", "area_name"),
    Column("Notifications (as published)", "count", lambda v, decimals: count_text(v)),
    Column("True count could be", ("count_low", "count_high"), _true_counts),
    Column("Children (ONS mid-year)", "population", lambda v, decimals: count_text(v)),
    Column("Per 100,000 children", "rate", "number", 2),
    Column("{level} interval", ("lower", "upper"), "interval", 2),
    Column("Rate if rounding is allowed for", ("rate_low", "rate_high"), "interval", 2),
)


@fill_doc
def england_rate(period: object, data_dir: DataDir = None) -> float:
    """Return England's notifications per 100,000 children for the year (the funnel's target).

    Parameters
    ----------
    %(year)s
    %(data_folder)s

    Returns
    -------
    float
        The national total over the ONS child population (see :func:`sinstats.data.population`),
        times 100,000.

    Raises
    ------
    NoDataError
        If the year has no published total or no population estimate.
    """
    p = parse_period(period)
    total = data.count(p, "Total", data_dir=data_dir).value
    return total / data.population(p, data_dir=data_dir).value * data.PER


@fill_doc
def funnel_result(
    areas: Areas, period: object, *, method: str = "exact", data_dir: DataDir = None
) -> tuple[pd.DataFrame, funnel.OverdispersionCheck | None]:
    """Return the funnel table (target: England's rate) and the overdispersion check.

    Areas with a suppressed count are left out (and listed in the notebook). The check needs at
    least three areas; with fewer it is None. ``flag_at_lowest``/``flag_at_highest`` give the
    flag at the lowest and highest true count a rounded figure allows.

    Parameters
    ----------
    %(areas_table)s
    period : str, int or Period
        The April-March year (for England's rate).
    method : str, default "exact"
        Control-limit method (see :data:`sinstats.stats.funnel.LIMIT_METHODS`); a Poisson interval
        method that is not a limit method falls back to ``"exact"``.
    %(data_folder)s

    Returns
    -------
    table : pandas.DataFrame
        :func:`sinstats.stats.funnel.funnel_table` with ``flag_at_lowest`` and
        ``flag_at_highest``.
    check : OverdispersionCheck or None
        :func:`sinstats.stats.funnel.funnel_overdispersion`, or None with fewer than three areas.
    """
    t = areas.table[areas.table["count"].notna()]
    target = england_rate(period, data_dir)
    limit_method = method if method in funnel.LIMIT_METHODS else "exact"

    def flags(column: str) -> pd.DataFrame:
        return funnel.funnel_table(
            t[column].astype(int).to_numpy(),
            t["population"].astype(float).to_numpy(),
            names=t["area_name"].astype(str).tolist(),
            rate_per=data.PER,
            conf_levels=(0.95, 0.998),
            method=limit_method,
            target=target,
        )

    table = flags("count")
    # A rounded count could be anywhere in count_low..count_high: say whether the flag holds.
    table["flag_at_lowest"] = flags("count_low")["flag"].to_numpy()
    table["flag_at_highest"] = flags("count_high")["flag"].to_numpy()
    check = None
    if len(t) >= 3:
        expected = t["population"].astype(float).to_numpy() * target / data.PER
        check = funnel.funnel_overdispersion(
            t["count"].astype(int).to_numpy(), expected, target_estimated=False
        )
    return table, check


_OVERDISPERSION_COLUMNS = [
    "area", "adjustment", "observed", "expected", "lower_99.8", "upper_99.8", "flag", "phi",
    "tau2", "df", "method", "conf_level", "note",
]  # fmt: skip

#: The overdispersion adjustments :func:`overdispersion_table` compares, with a reader's label.
ADJUSTMENTS: dict[str | None, str] = {
    None: "Poisson (exact limits)",
    "multiplicative": "multiplicative (limits widened by sqrt(phi))",
    "additive": "additive random effects (tau2)",
}


@fill_doc
def overdispersion_table(areas: Areas, period: object, *, data_dir: DataDir = None) -> pd.DataFrame:
    """Return each area's flag under Poisson, multiplicative and additive overdispersion limits.

    Parameters
    ----------
    %(areas_table)s
    period : str, int or Period
        The April-March year (for England's rate, the target).
    %(data_folder)s

    Returns
    -------
    pandas.DataFrame
        One row per area and adjustment (:data:`ADJUSTMENTS`): ``area``, ``adjustment``,
        ``observed``, ``expected``, ``lower_99.8``/``upper_99.8`` (count limits), ``flag``,
        ``phi``, ``tau2``, ``df``, ``method``, ``conf_level`` and ``note``; empty with fewer than
        three areas (the check needs three).

    Notes
    -----
    England's rate is the target, given from outside the areas, so the check has k degrees of
    freedom for k areas. Multiplicative limits assume every area's variance is phi times the
    Poisson one (the funnel keeps its shape); additive limits assume a spread of the areas'
    underlying rates (tau2), which large areas feel most. With a handful of rounded regional
    counts both are rough: they show how much the verdicts depend on the model of the extra
    variation, not which model is right.
    """
    t = areas.table[areas.table["count"].notna()]
    if len(t) < 3:
        return pd.DataFrame(columns=_OVERDISPERSION_COLUMNS)
    target = england_rate(period, data_dir)
    frames = []
    for adjustment, label in ADJUSTMENTS.items():
        ft = funnel.funnel_table(
            t["count"].astype(int).to_numpy(),
            t["population"].astype(float).to_numpy(),
            names=t["area_name"].astype(str).tolist(),
            rate_per=data.PER,
            conf_levels=(0.95, 0.998),
            method="exact",
            overdispersion=adjustment,
            target=target,
        )
        settings = ft.attrs["funnel"]
        check = funnel.funnel_overdispersion(
            ft["observed"].to_numpy(), ft["expected"].to_numpy(), target_estimated=False
        )
        frames.append(
            pd.DataFrame(
                {
                    "area": ft["name"],
                    "adjustment": label,
                    "observed": ft["observed"],
                    "expected": ft["expected"],
                    "lower_99.8": ft["count_lower_99.8"],
                    "upper_99.8": ft["count_upper_99.8"],
                    "flag": ft["flag"],
                    "phi": check.phi,
                    "tau2": check.tau2,
                    "df": check.df,
                    "method": settings["method"],
                    "conf_level": ft["conf_level"],
                    "note": ft["note"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


overdispersion_display = Display(
    "overdispersion_table",
    Column("Area", "area"),
    Column("Limits", "adjustment"),
    Column("Notifications", "observed", "count"),
    Column("Expected at England's rate", "expected", "number", 1),
    Column("99.8% limits (count)", ("lower_99.8", "upper_99.8"), "interval", 1),
    Column("Flag", "flag"),
)


def funnel_chart(table: pd.DataFrame, areas: Areas, period: str) -> plots.Chart:
    """Draw the funnel plot with the project's title, labels, source and alt text.

    Parameters
    ----------
    table : pandas.DataFrame
        The funnel table of :func:`funnel_result`.
    areas : Areas
        The areas it was made from (for the unit's name).
    period : str
        The year, for the title and alt text.

    Returns
    -------
    sinstats.present.plots.Chart
    """
    with plots.chart_style():
        fig, ax = plots.new_figure()
        plots.funnel_plot(table, ax=ax)
        if len(table) <= 12:  # few areas: name them (many would only clutter the chart)
            for name, x, y in zip(table["name"], table["population"], table["rate"], strict=True):
                ax.annotate(
                    str(name),
                    (float(x), float(y)),
                    xytext=(6, 4),
                    textcoords="offset points",
                    fontsize=8,
                    color=plots.GREY,
                )
        shown = _shown_note(areas, len(table))
        ax.text(0.99, 0.02, shown.replace("; ", ";\n"), transform=ax.transAxes, ha="right",
                va="bottom", fontsize=8, color=plots.GREY)  # fmt: skip
    unit = "regions" if areas.level == "Regional" else "local authorities"
    flags = [f"{n} {str(f)}" for n, f in zip(table["name"], table["flag"], strict=True)]
    alt = (
        f"Funnel plot of notifications per 100,000 children in {period} for {len(table)} {unit} "
        f"against England's rate of {float(table['target'].iloc[0]):.2f}, with 95% and 99.8% "
        f"limits (drawn interpolated, areas flagged with the exact limits): {'; '.join(flags)}. "
        f"{shown}"
    )
    return plots.decorate(
        fig,
        title=f"Notifications per 100,000 children by {_unit_one(areas)}, {period}",
        alt=alt,
        xlabel="Children aged 0 to 17 (ONS mid-year estimate)",
        ylabel="Notifications per 100,000 children",
        source=plots.SOURCE_SIN,
    )


def _shown_note(areas: Areas, n: int) -> str:
    """Say which areas the funnel shows and how their counts were published."""
    if areas.official:
        return f"{n} local authorities with counts in the installed official files (not rounded)."
    return (
        f"Only the {n} of England's {N_REGIONS} regions with published counts are shown; "
        "every count was rounded to the nearest 10 by DfE."
    )


def _unit_one(areas: Areas) -> str:
    return "region" if areas.level == "Regional" else "local authority"


@fill_doc
def areas_sentence(areas: Areas, period: str) -> str:
    """Say what sub-national data exist for the year and what they can and cannot show.

    Parameters
    ----------
    %(areas_table)s
    period : str
        The year, as shown.

    Returns
    -------
    str
        One paragraph (Markdown).
    """
    t = areas.table
    if areas.official:
        return (
            f"Official sub-national files are installed: {len(t)} local authorities have counts "
            f"for {period} (local-authority counts are not rounded)."
        )
    names = join_words([str(n) for n in t["area_name"]])
    return (
        f"**Only fragments of the regional picture are held:** {len(t)} of England's "
        f"{N_REGIONS} regions have a published count for {period} ({names}), each rounded to the "
        "nearest 10, so a shown 30 means a true count between 25 and 34. The other regions' "
        "counts, and the local-authority counts, are in DfE's sub-national files: install them "
        "with `sinstats fetch` and rerun to use them. With so few, rounded areas the funnel plot "
        "below illustrates the method more than it compares regions."
    )


def funnel_sentence(
    table: pd.DataFrame, check: funnel.OverdispersionCheck | None, areas: Areas | None = None
) -> str:
    """Say which areas lie outside the limits and what the overdispersion check found.

    Parameters
    ----------
    table : pandas.DataFrame
        The funnel table of :func:`funnel_result`.
    check : OverdispersionCheck or None
        The overdispersion check of :func:`funnel_result`.
    areas : Areas, optional
        The areas shown: the paragraph then starts by saying which (only the regions with
        published counts, each rounded to 10, for the shipped data).

    Returns
    -------
    str
        One paragraph (Markdown), saying for each area outside the limits whether its flag holds
        whatever the rounding.
    """
    outside = table[table["flag"] != "within"]
    lead = f"{_shown_note(areas, len(table))} " if areas is not None else ""
    lead += (
        "The limits are drawn with Spiegelhalter's interpolated (smooth) limits; an area is "
        "flagged with the exact Poisson limits. "
    )
    if outside.empty:
        text = (
            "Every area lies within the 95% limits: none differs from England's rate by more "
            "than chance would easily produce."
        )
    else:
        parts = []
        for n, f, lo, hi in zip(
            outside["name"],
            outside["flag"],
            outside["flag_at_lowest"],
            outside["flag_at_highest"],
            strict=True,
        ):
            if f == lo == hi:
                robust = "whatever the rounding"
            elif lo != f:
                robust = f"but {lo} at the lowest true count its rounding allows"
            else:
                robust = f"but {hi} at the highest true count its rounding allows"
            parts.append(f"{n} ({f}, {robust})")
        text = (
            f"Outside the limits: {'; '.join(parts)}. With many areas about 1 in 20 lies outside "
            "the 95% limits by chance alone."
        )
    text = lead + text
    if check is None:
        text += " Too few areas for the overdispersion check (it needs three)."
    else:
        verdict = (
            "more than chance alone allows"
            if check.p_value < 0.05
            else "no more than chance alone allows"
        )
        text += (
            f" Overdispersion check (Spiegelhalter 2005): the areas vary {verdict} "
            f"(phi = {check.phi:.2f}, chi-square on {check.df} df because England's rate is a "
            f"target from outside the areas, {p_text(check.p_value)}, {check.n} areas); with few "
            "areas the check has little power."
        )
    return text


@fill_doc
def key_figures(breakdowns: pd.DataFrame, areas: Areas, period: str) -> list[KeyFigure]:
    """Return notebook 05's key figures: the latest looked-after share and the areas held.

    Parameters
    ----------
    breakdowns : pandas.DataFrame
        The output of :func:`breakdown_table` (its latest looked-after row is used).
    %(areas_table)s
    period : str
        The report's year.

    Returns
    -------
    list of KeyFigure
        The latest share of notifications about a looked-after child (percent, with its
        interval) when published, and the number of areas with counts.
    """
    out: list[KeyFigure] = []
    cla = breakdowns[breakdowns["topic"] == TOPICS["CLA"]] if len(breakdowns) else breakdowns
    if len(cla):
        r = cla.iloc[-1]
        out.append(
            KeyFigure.from_row(
                r,
                "percent",
                ("percent_lower", "percent_upper"),
                name="looked_after_share",
                label=f"Notifications about a looked-after child, {r['period']} (%)",
                text=(
                    f"{count_text(float(r['count']))} notifications ({float(r['percent']):.1f}%, "
                    f"{float(r['percent_lower']):.1f} to {float(r['percent_upper']):.1f}) were "
                    f"about a looked-after child in {r['period']}"
                ),
                unit="percent",
            )
        )
    out.append(
        KeyFigure(
            name="areas_with_counts",
            label=f"Areas with published counts, {period}",
            value=len(areas.table),
            text=(
                f"{len(areas.table)} {'regions' if areas.level == 'Regional' else 'authorities'}"
                f" with counts for {period}"
                + ("" if areas.official else " (fragments, rounded to 10)")
            ),
            unit="areas",
        )
    )
    return out
