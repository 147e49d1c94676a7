"""The annual overview: one year's headline figures, shares, change and place in the series.

These functions build the tables notebook ``01-annual-overview`` shows and the build pipeline
saves. Every table is tidy, one row per figure, with ``method``, ``conf_level`` and ``note``
columns saying what was done; a figure that was not published is a row with a missing value and a
note, never a zero and never a dropped row. The change from the previous year (Poisson and
overdispersion-aware tests, multiplicity, declared breaks) is computed in
:mod:`sinstats.analyses._changes` and the method-sensitivity tables in
:mod:`sinstats.analyses._sensitivity`; both are re-exported here, so the notebook calls
``overview.change_table`` and ``overview.method_sensitivity`` like every other function of this
module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from sinstats import data
from sinstats._docstrings import fill_doc
from sinstats._typing import DataDir
from sinstats.analyses._changes import (
    VERDICTS,
    Change,
    change_display,
    change_from_previous,
    change_in_words,
    change_table,
    year_changes,
)
from sinstats.analyses._helpers import count_and_rate, previous_year, published_count
from sinstats.analyses._sensitivity import (
    SENSITIVITY_CAPTIONS,
    SENSITIVITY_COUNT_METHODS,
    SENSITIVITY_RATIO_METHODS,
    SENSITIVITY_SHARE_METHODS,
    method_sensitivity,
    sensitive_conclusions,
    sensitivity_sentence,
    sensitivity_summary,
)
from sinstats.periods import parse_period
from sinstats.present.key_figures import KeyFigure
from sinstats.present.tables import Column, Display
from sinstats.present.words import (
    count_text,
    interval_text,
    join_words,
    level_text,
    ordinal,
)
from sinstats.stats import intervals

__all__ = [
    "NATURES",
    "NATURE_WORDS",
    "SENSITIVITY_CAPTIONS",
    "SENSITIVITY_COUNT_METHODS",
    "SENSITIVITY_RATIO_METHODS",
    "SENSITIVITY_SHARE_METHODS",
    "VERDICTS",
    "Change",
    "change_display",
    "change_from_previous",
    "change_in_words",
    "change_table",
    "headline_display",
    "headline_sentence",
    "headline_table",
    "key_figures",
    "key_figures_display",
    "method_sensitivity",
    "previous_year",
    "sensitive_conclusions",
    "sensitivity_sentence",
    "sensitivity_summary",
    "series_position",
    "shares_display",
    "shares_table",
    "year_changes",
]

#: Natures of notification shown in the overview, total first (the data layer's natures).
NATURES: tuple[str, ...] = data.NATURES

#: How each nature reads after a number in a sentence ("160 concerned a child's death").
NATURE_WORDS: dict[str, str] = {
    "Total": "notifications",
    "Child death": "concerned a child's death",
    "Serious harm": "serious harm",
    "Other": "other incidents",
}


# ---------------------------------------------------------------------------------------------
# Headline figures
# ---------------------------------------------------------------------------------------------


@fill_doc
def headline_table(
    period: object, *, conf_level: float = 0.95, method: str = "exact", data_dir: DataDir = None
) -> pd.DataFrame:
    """Return the year's notifications by nature with intervals and rates per 100,000 children.

    Counts from the ``sin_national`` dataset, populations from :func:`sinstats.data.population`.

    Parameters
    ----------
    %(year)s
    %(table_conf_level)s
    %(count_method)s
    %(data_folder)s

    Returns
    -------
    pandas.DataFrame
        One row per nature in :data:`NATURES`: ``period``, ``period_label``, ``nature``,
        ``count``, ``lower``, ``upper``, ``population``, ``population_mid_year``, ``rate``,
        ``rate_lower``, ``rate_upper`` (per 100,000 children aged 0 to 17), ``per``,
        ``source_id``, ``method``, ``conf_level`` and ``note``. A nature not published for the
        year has missing values and says so in ``note``.

    Notes
    -----
    The interval treats the count as one draw from a Poisson distribution: it describes how
    much the count could move by chance with the same underlying rate, not errors of
    definition or recording (see notebook 03). The population is taken as known.
    """
    p = parse_period(period)
    frame = data.load("sin_national", data_dir)
    pop = data.population(p, data_dir=data_dir)
    rows = []
    for nature in NATURES:
        value, source = published_count(p, nature, frame)
        row: dict[str, object] = {
            "period": p.id,
            "period_label": p.label,
            "nature": nature,
            **count_and_rate(value, pop, conf_level, method),
            "per": data.PER,
            "source_id": source,
            "method": method,
            "conf_level": conf_level,
            "note": f"not published for {p.id}" if math.isnan(value) else pop.note,
        }
        if not math.isnan(value):
            done = intervals.rate_ci_table(int(value), pop.value, data.PER, conf_level, method)
            row["method"] = str(done["method"].iloc[0])
            if done["note"].iloc[0]:
                row["note"] = f"{pop.note}; {done['note'].iloc[0]}"
        rows.append(row)
    return pd.DataFrame(rows)


@fill_doc
def shares_table(
    period: object, *, conf_level: float = 0.95, method: str = "wilson", data_dir: DataDir = None
) -> pd.DataFrame:
    """Return each nature's share of the year's notifications with its interval.

    Parameters
    ----------
    %(year)s
    %(table_conf_level)s
    method : str, default "wilson"
        Proportion interval method (see :data:`sinstats.stats.intervals.PROPORTION_METHODS`).
    %(data_folder)s

    Returns
    -------
    pandas.DataFrame
        One row per nature other than the total: ``period``, ``nature``, ``count``, ``total``,
        ``percent``, ``percent_lower``, ``percent_upper``, ``method``, ``conf_level``, ``note``.
    """
    p = parse_period(period)
    frame = data.load("sin_national", data_dir)
    total, _ = published_count(p, "Total", frame)
    rows = []
    for nature in NATURES[1:]:
        value, _ = published_count(p, nature, frame)
        row: dict[str, object] = {
            "period": p.id,
            "period_label": p.label,
            "nature": nature,
            "count": value,
            "total": total,
            "percent": math.nan,
            "percent_lower": math.nan,
            "percent_upper": math.nan,
            "method": method,
            "conf_level": conf_level,
            "note": "",
        }
        if math.isnan(value) or math.isnan(total):
            row["note"] = f"not published for {p.id}"
        else:
            ci = intervals.proportion_ci_table(int(value), int(total), conf_level, method).iloc[0]
            row.update(
                percent=100 * float(ci["estimate"]),
                percent_lower=100 * float(ci["lower"]),
                percent_upper=100 * float(ci["upper"]),
                note=str(ci["note"]),
            )
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# The year in the long series
# ---------------------------------------------------------------------------------------------


def series_position(
    period: object,
    nature: str = "Total",
    *,
    start: object = data.SERIES_START,
    data_dir: DataDir = None,
) -> str:
    """Say where a year sits in the published series since ``start``.

    Parameters
    ----------
    period : str, int or Period
        The April-March year.
    nature : str, default "Total"
        The nature of notification.
    start : str, default ``sinstats.data.SERIES_START``
        First year of the series compared.
    data_dir : path-like, optional
        Data folder.

    Returns
    -------
    str
        E.g. ``"2025-26 (357) is the 9th highest of the 11 published years from 2014-15 to
        2025-26; highest 536 in 2020-21, lowest 338 in 2024-25. 2017-18 was not published."``,
        followed by a warning when the years ranked run across a declared step (2018-19).
    """
    p = parse_period(period)
    s = data.published_series(nature, start=start, data_dir=data_dir)
    have = s[s["count"].notna()]
    if p.id not in set(have["period"]):
        return f"{p.id} has no published figure for {nature.lower()}."
    value = float(have.loc[have["period"] == p.id, "count"].iloc[0])
    rank = int((have["count"] > value).sum()) + 1
    ties = int((have["count"] == value).sum())
    counts = have["count"].to_numpy(dtype=float)
    hi = have.iloc[int(counts.argmax())]
    lo = have.iloc[int(counts.argmin())]
    tie_note = f" (tied with {ties - 1} other year{'s' if ties > 2 else ''})" if ties > 1 else ""
    first, last = str(have["period"].iloc[0]), str(have["period"].iloc[-1])
    text = (
        f"{p.id} ({count_text(value)}) is the {ordinal(rank)} highest{tie_note} of the "
        f"{len(have)} published years from {first} to {last}; highest {count_text(hi['count'])} "
        f"in {hi['period']}, lowest {count_text(lo['count'])} in {lo['period']}."
    )
    gaps = s.loc[s["count"].isna(), "period"].tolist()
    if gaps:
        text += f" {', '.join(gaps)} {'was' if len(gaps) == 1 else 'were'} not published."
    crossed = data.load_breaks(data_dir).compare(first, last)
    steps = [b for b in crossed.blocking if b.kind == "step"]
    if steps:
        what = "; ".join(f"{b.span}: {b.meaning}" for b in steps)
        text += (
            f" The ranks run across a declared step in the series ({what}), so years on either "
            "side are not like-for-like."
        )
    return text


def headline_sentence(headline: pd.DataFrame) -> str:
    """Say the year's total with its interval and rate in one sentence.

    Parameters
    ----------
    headline : pandas.DataFrame
        From :func:`headline_table`.

    Returns
    -------
    str
        One sentence (Markdown).
    """
    total = headline[headline["nature"] == "Total"].iloc[0]
    level = level_text(float(total["conf_level"]))
    parts = [
        f"In {total['period_label']} local authorities in England made "
        f"{count_text(total['count'])} serious incident notifications ({level} interval "
        f"{interval_text(total['lower'], total['upper'])}), "
        f"{total['rate']:.2f} per 100,000 children aged 0 to 17 "
        f"({interval_text(total['rate_lower'], total['rate_upper'], 2)})."
    ]
    others = headline[(headline["nature"] != "Total") & headline["count"].notna()]
    if not others.empty:
        bits = [
            f"{count_text(r['count'])} {NATURE_WORDS[str(r['nature'])]} "
            f"({interval_text(r['lower'], r['upper'])})"
            for _, r in others.iterrows()
        ]
        parts.append(f"Of these, {join_words(bits)}.")
    missing = headline.loc[headline["count"].isna(), "nature"].tolist()
    if missing:
        names = join_words([str(m).lower() for m in missing])
        parts.append(f"No figure for {names} was published for this year.")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# Tables for readers and key figures for the report index
# ---------------------------------------------------------------------------------------------


headline_display = Display(
    "headline_table",
    Column("Nature of notification", "nature"),
    Column("Notifications", "count", "count"),
    Column("{level} interval", ("lower", "upper"), "interval"),
    Column("Per 100,000 children", "rate", "number", 2),
    Column("{level} interval (rate)", ("rate_lower", "rate_upper"), "interval", 2),
)


shares_display = Display(
    "shares_table",
    Column("Nature of notification", "nature"),
    Column("Notifications", "count", "count"),
    Column("Share of all (%)", "percent", "number", 1),
    Column("{level} interval (%)", ("percent_lower", "percent_upper"), "interval", 1),
)


_KEY_NAMES: dict[str, tuple[str, str]] = {
    "Total": ("total", "Serious incident notifications"),
    "Child death": ("child_deaths", "Child death notifications"),
    "Serious harm": ("serious_harm", "Serious harm notifications"),
    "Other": ("other", "Other notifications"),
}


def key_figures(headline: pd.DataFrame, change: Change | None = None) -> list[KeyFigure]:
    """Return the overview's key figures.

    Parameters
    ----------
    headline : pandas.DataFrame
        The output of :func:`headline_table`.
    change : Change, optional
        The change in the total from the previous year (:func:`change_from_previous`).

    Returns
    -------
    list of KeyFigure
        One per nature (the count with its interval; no value when not published), the rate
        per 100,000 children and, when given, the change: its difference in count as the value,
        its rate ratio with the interval allowing for the series' scatter in the ratio fields (the
        sentence's verdict rests on it), and the ids of any declared break it crosses in
        ``flags``.
    """
    out: list[KeyFigure] = []
    level = float(headline["conf_level"].iloc[0])
    period = str(headline["period"].iloc[0])
    for nature, value, lo, hi in zip(
        headline["nature"],
        headline["count"].astype(float),
        headline["lower"].astype(float),
        headline["upper"].astype(float),
        strict=True,
    ):
        name, label = _KEY_NAMES[str(nature)]
        if math.isnan(value):
            text = f"{label}: not published for {period}"
        else:
            text = (
                f"{label}, {period}: {count_text(value)} ({level_text(level)} interval "
                f"{interval_text(lo, hi)})"
            )
        out.append(
            KeyFigure(
                name=name,
                label=label,
                value=value,
                text=text,
                unit="count",
                lower=lo,
                upper=hi,
                conf_level=level,
            )
        )
    total = headline[headline["nature"] == "Total"].iloc[0]
    out.append(
        KeyFigure.from_row(
            total,
            "rate",
            ("rate_lower", "rate_upper"),
            name="rate_per_100k",
            label="Notifications per 100,000 children",
            text=(
                f"{float(total['rate']):.2f} notifications per 100,000 children aged 0 to 17 "
                f"({level_text(level)} interval "
                f"{interval_text(total['rate_lower'], total['rate_upper'], 2)}; "
                f"ONS mid-{int(total['population_mid_year'])} population)"
            ),
            unit="per 100,000 children",
            conf_level=level,
        )
    )
    if change is not None:
        od = change.overdispersed
        use_od = od is not None and not math.isnan(od.p_value)
        has_ratio = change.ratio is not None
        out.append(
            KeyFigure(
                name="change_total",
                label=f"Change from {change.previous}",
                value=change.difference,
                text=change.text[0].upper() + change.text[1:],
                unit="difference in count",
                conf_level=change.conf_level if has_ratio else None,
                ratio=_ratio_field(change, "estimate", use_od),
                ratio_lower=_ratio_field(change, "lower", use_od),
                ratio_upper=_ratio_field(change, "upper", use_od),
                flags=change.flags if has_ratio else (),
            )
        )
    return out


def _ratio_field(change: Change, which: str, use_od: bool) -> float | None:
    """Return a rate ratio field of the change: the overdispersion-aware one when computed."""
    source = change.overdispersed if use_od else change.ratio
    return None if source is None else float(getattr(source, which))


def key_figures_display(records: Sequence[KeyFigure]) -> pd.DataFrame:
    """Format key-figure records (``outputs.key_figures()``) as a two-column table.

    Parameters
    ----------
    records : sequence of KeyFigure

    Returns
    -------
    pandas.DataFrame
        ``Key figure`` (the label) and ``In words`` (the sentence).
    """
    return pd.DataFrame(
        {"Key figure": [r.label for r in records], "In words": [r.text for r in records]}
    )
