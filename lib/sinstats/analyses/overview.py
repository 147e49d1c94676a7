"""The annual overview: one year's headline figures, shares, change and place in the series.

These functions build the tables notebook ``01-annual-overview`` shows and the build pipeline
saves. Every table is tidy, one row per figure, with ``method``, ``conf_level`` and ``note``
columns saying what was done; a figure that was not published is a row with a missing value and a
note, never a zero and never a dropped row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd

from sinstats import data
from sinstats._typing import DataDir
from sinstats.errors import NoDataError
from sinstats.periods import Period, financial_year, parse_period
from sinstats.present.key_figures import KeyFigure
from sinstats.present.tables import Column, Display
from sinstats.present.words import (
    count_text,
    interval_text,
    join_words,
    level_text,
    number_text,
    ordinal,
    p_text,
)
from sinstats.stats import intervals

#: Natures of notification shown in the overview, total first.
NATURES: tuple[str, ...] = ("Total", "Child death", "Serious harm", "Other")

#: How each nature reads after a number in a sentence ("160 concerned a child's death").
NATURE_WORDS: dict[str, str] = {
    "Total": "notifications",
    "Child death": "concerned a child's death",
    "Serious harm": "serious harm",
    "Other": "other incidents",
}

#: Methods compared side by side in the method-sensitivity table.
SENSITIVITY_COUNT_METHODS: tuple[str, ...] = ("exact", "midp", "byar", "normal")
SENSITIVITY_SHARE_METHODS: tuple[str, ...] = ("wilson", "clopper_pearson", "jeffreys")
SENSITIVITY_RATIO_METHODS: tuple[str, ...] = ("exact", "midp", "score")


def _count_or_nan(period: Period, nature: str, frame: pd.DataFrame) -> tuple[float, str]:
    """Return (count, source_id), or (NaN, "") when the figure was not published."""
    try:
        fig = data.count(period, nature, frame=frame)
    except NoDataError:
        return math.nan, ""
    return (fig.value if fig.available else math.nan), fig.source_id


def previous_year(period: object) -> Period:
    """Return the April-March year before ``period``.

    Parameters
    ----------
    period : str, int or Period
        The April-March year.

    Returns
    -------
    Period

    Raises
    ------
    PeriodError
        If ``period`` cannot be parsed.
    """
    p = parse_period(period)
    return financial_year(p.start_year - 1)


# ---------------------------------------------------------------------------------------------
# Headline figures
# ---------------------------------------------------------------------------------------------


def headline_table(
    period: object,
    *,
    conf_level: float = 0.95,
    method: str = "exact",
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Return the year's notifications by nature with intervals and rates per 100,000 children.

    Parameters
    ----------
    period : str or Period
        April-March year in any accepted form.
    conf_level : float, default 0.95
        Confidence level in (0, 1).
    method : str, default "exact"
        Poisson interval method (see :data:`sinstats.stats.intervals.POISSON_METHODS`).
    data_dir : path-like, optional
        Data folder.

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
        value, source = _count_or_nan(p, nature, frame)
        row: dict[str, object] = {
            "period": p.id,
            "period_label": p.label,
            "nature": nature,
            "count": value,
            "lower": math.nan,
            "upper": math.nan,
            "population": pop.value,
            "population_mid_year": pop.mid_year,
            "rate": math.nan,
            "rate_lower": math.nan,
            "rate_upper": math.nan,
            "per": data.PER,
            "source_id": source,
            "method": method,
            "conf_level": conf_level,
            "note": f"not published for {p.id}" if math.isnan(value) else pop.note,
        }
        if not math.isnan(value):
            ci = intervals.rate_ci_table(int(value), pop.value, data.PER, conf_level, method).iloc[
                0
            ]
            counts = intervals.poisson_ci(int(value), conf_level, method)
            row.update(
                lower=float(counts.lower),
                upper=float(counts.upper),
                rate=float(ci["estimate"]),
                rate_lower=float(ci["lower"]),
                rate_upper=float(ci["upper"]),
                method=str(ci["method"]),
            )
            if ci["note"]:
                row["note"] = f"{pop.note}; {ci['note']}"
        rows.append(row)
    return pd.DataFrame(rows)


def shares_table(
    period: object,
    *,
    conf_level: float = 0.95,
    method: str = "wilson",
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Return each nature's share of the year's notifications with its interval.

    Parameters
    ----------
    period : str or Period
        April-March year.
    conf_level : float, default 0.95
        Confidence level in (0, 1).
    method : str, default "wilson"
        Proportion interval method (see :data:`sinstats.stats.intervals.PROPORTION_METHODS`).
    data_dir : path-like, optional
        Data folder.

    Returns
    -------
    pandas.DataFrame
        One row per nature other than the total: ``period``, ``nature``, ``count``, ``total``,
        ``percent``, ``percent_lower``, ``percent_upper``, ``method``, ``conf_level``, ``note``.
    """
    p = parse_period(period)
    frame = data.load("sin_national", data_dir)
    total, _ = _count_or_nan(p, "Total", frame)
    rows = []
    for nature in NATURES[1:]:
        value, _ = _count_or_nan(p, nature, frame)
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
# Change from the previous year
# ---------------------------------------------------------------------------------------------


class Change(NamedTuple):
    """The change in a count from the previous April-March year.

    Attributes
    ----------
    period, previous : str
        Canonical ids of the two years.
    current, before : float
        The two counts (``before`` is NaN when the previous year was not published).
    difference, percent : float
        ``current - before`` and ``100 * difference / before``.
    ratio : intervals.RateRatio or None
        Rate ratio current/previous with interval and two-sided p-value; None when not
        available.
    text : str
        The change in words.
    """

    period: str
    previous: str
    nature: str
    current: float
    before: float
    difference: float
    percent: float
    ratio: intervals.RateRatio | None
    conf_level: float
    method: str
    text: str

    @property
    def significant(self) -> bool | None:
        """True when the interval for the ratio excludes 1; None when there is no ratio."""
        if self.ratio is None:
            return None
        return bool(self.ratio.lower > 1.0 or self.ratio.upper < 1.0)


def change_in_words(
    current: float,
    before: float,
    ratio: intervals.RateRatio,
    conf_level: float = 0.95,
    decimals: int = 0,
    unit: str = "",
) -> str:
    """Say a year-on-year change in words with the ratio's interval and p-value.

    Parameters
    ----------
    current, before : float
        This year's and last year's counts.
    ratio : intervals.RateRatio
        From :func:`sinstats.stats.intervals.rate_ratio_ci` (current over previous).
    conf_level : float
        The ratio interval's confidence level.
    decimals : int, default 0
        Decimals for the difference (0 for counts, 2 for rates).
    unit : str, default ""
        Written after the difference, e.g. ``" per 100,000"``.

    Returns
    -------
    str
        E.g. ``"a rise of 19, 6%; 95% CI for the ratio 0.91-1.23 (p = 0.48): consistent with
        no change"``.

    Notes
    -----
    "Consistent with no change" means the interval includes a ratio of 1: chance alone could
    easily produce a difference this size. It does not show that nothing changed.
    """
    diff = current - before
    pct = 100 * diff / before if before else math.inf
    if diff == 0:
        head = "no change"
    else:
        word = "rise" if diff > 0 else "fall"
        pct_words = "less than 1%" if abs(pct) < 0.5 else f"{abs(pct):.0f}%"
        head = f"a {word} of {number_text(abs(diff), decimals)}{unit}, {pct_words}"
    ci = interval_text(float(ratio.lower), float(ratio.upper), 2, sep="-")
    if ratio.lower > 1.0 or ratio.upper < 1.0:
        verdict = "more than chance alone would usually produce"
    else:
        verdict = "consistent with no change"
    return (
        f"{head}; {level_text(conf_level)} CI for the ratio {ci} "
        f"({p_text(float(ratio.p_value))}): {verdict}"
    )


def change_from_previous(
    period: object,
    nature: str = "Total",
    *,
    conf_level: float = 0.95,
    method: str = "exact",
    data_dir: DataDir = None,
) -> Change:
    """Return the change in a count from the previous April-March year.

    Parameters
    ----------
    period : str or Period
        April-March year.
    nature : str, default "Total"
        One of :data:`NATURES`.
    conf_level : float, default 0.95
        Confidence level of the ratio interval.
    method : str, default "exact"
        Rate ratio method (:data:`sinstats.stats.intervals.RATE_RATIO_METHODS`); ``"exact"`` is R's
        ``poisson.test(c(current, previous))``.
    data_dir : path-like, optional
        Data folder.

    Returns
    -------
    Change
        When either year has no published figure the ratio is None and ``text`` says which
        year is missing (2018-19's previous year, 2017-18, was not published).
    """
    p = parse_period(period)
    prev = previous_year(p)
    frame = data.load("sin_national", data_dir)
    current, _ = _count_or_nan(p, nature, frame)
    before, _ = _count_or_nan(prev, nature, frame)
    label = nature.lower() if nature != "Total" else "notifications"
    if math.isnan(current) or math.isnan(before):
        missing = prev.id if math.isnan(before) else p.id
        text = (
            f"{label}: {missing} has no published figure, so no change from the previous year "
            "can be given"
        )
        return Change(
            p.id,
            prev.id,
            nature,
            current,
            before,
            math.nan,
            math.nan,
            None,
            conf_level,
            method,
            text,
        )
    ratio = intervals.rate_ratio_ci(int(current), int(before), conf_level=conf_level, method=method)
    ratio = intervals.RateRatio(*(float(v) for v in ratio))
    text = change_in_words(current, before, ratio, conf_level)
    return Change(
        p.id,
        prev.id,
        nature,
        current,
        before,
        current - before,
        100 * (current - before) / before,
        ratio,
        conf_level,
        method,
        f"{label}: {text}",
    )


def change_table(
    period: object,
    *,
    conf_level: float = 0.95,
    method: str = "exact",
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Return the change from the previous year for every nature, plus the rate per child.

    Parameters
    ----------
    period : str, int or Period
        The April-March year.
    conf_level : float, default 0.95
        Level of the rate-ratio intervals.
    method : str, default "exact"
        Rate-ratio method (see :data:`sinstats.stats.intervals.RATE_RATIO_METHODS`).
    data_dir : path-like, optional
        Data folder.

    Returns
    -------
    pandas.DataFrame
        One row per nature (counts) and one for the total rate per 100,000 children (the ratio
        of rates, with each year's child population as exposure): ``period``, ``previous``,
        ``measure``, ``current``, ``before``, ``difference``, ``percent_change``, ``ratio``,
        ``lower``, ``upper``, ``p_value``, ``excludes_no_change``, ``text``, ``method``,
        ``conf_level``, ``note``.
    """
    p = parse_period(period)
    rows = []
    for nature in NATURES:
        ch = change_from_previous(
            p, nature, conf_level=conf_level, method=method, data_dir=data_dir
        )
        rows.append(_change_row(ch, f"{nature} (count)", ""))
    total = change_from_previous(p, conf_level=conf_level, method=method, data_dir=data_dir)
    if total.ratio is not None:
        pop_now = data.population(p, data_dir=data_dir)
        pop_before = data.population(previous_year(p), data_dir=data_dir)
        rr = intervals.rate_ratio_ci(
            int(total.current),
            int(total.before),
            pop_now.value,
            pop_before.value,
            conf_level,
            method,
        )
        rr = intervals.RateRatio(*(float(v) for v in rr))
        rate_now = total.current / pop_now.value * data.PER
        rate_before = total.before / pop_before.value * data.PER
        words = change_in_words(rate_now, rate_before, rr, conf_level, 2, " per 100,000")
        rate_change = Change(
            p.id,
            total.previous,
            "Total",
            rate_now,
            rate_before,
            rate_now - rate_before,
            100 * (rate_now - rate_before) / rate_before,
            rr,
            conf_level,
            method,
            f"rate per 100,000 children: {words}",
        )
        note = f"populations: mid-{pop_now.mid_year} and mid-{pop_before.mid_year}"
        rows.append(_change_row(rate_change, "Total (rate per 100,000 children)", note))
    return pd.DataFrame(rows)


def _change_row(ch: Change, measure: str, note: str) -> dict[str, object]:
    ratio = ch.ratio
    return {
        "period": ch.period,
        "previous": ch.previous,
        "measure": measure,
        "current": ch.current,
        "before": ch.before,
        "difference": ch.difference,
        "percent_change": ch.percent,
        "ratio": math.nan if ratio is None else ratio.estimate,
        "lower": math.nan if ratio is None else ratio.lower,
        "upper": math.nan if ratio is None else ratio.upper,
        "p_value": math.nan if ratio is None else ratio.p_value,
        "excludes_no_change": ch.significant,
        "text": ch.text,
        "method": ch.method,
        "conf_level": ch.conf_level,
        "note": note if ratio is not None else "previous or current year not published",
    }


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
        2025-26; highest 536 in 2020-21, lowest 338 in 2024-25. 2017-18 was not published."``
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
    return text


# ---------------------------------------------------------------------------------------------
# Method sensitivity
# ---------------------------------------------------------------------------------------------


def _sens_row(
    period: str,
    quantity: str,
    kind: str,
    method: str,
    est: float,
    lo: float,
    hi: float,
    ref: float,
    ref_label: str,
    conf_level: float,
    note: str = "",
) -> dict[str, object]:
    excludes: bool | None = None if math.isnan(ref) else bool(ref < lo or ref > hi)
    return {
        "period": period,
        "quantity": quantity,
        "kind": kind,
        "method": method,
        "estimate": est,
        "lower": lo,
        "upper": hi,
        "reference": ref,
        "reference_label": ref_label,
        "excludes_reference": excludes,
        "conf_level": conf_level,
        "note": note,
    }


def method_sensitivity(
    period: object, *, conf_level: float = 0.95, data_dir: DataDir = None
) -> pd.DataFrame:
    """Recompute every headline interval under each method, with the conclusion each supports.

    For each published count the Poisson methods of :data:`SENSITIVITY_COUNT_METHODS` are
    compared (conclusion: does the interval exclude last year's count? a rough reading many
    readers make); for each share the proportion methods of :data:`SENSITIVITY_SHARE_METHODS`
    (does it exclude last year's share?); for each change the rate-ratio methods of
    :data:`SENSITIVITY_RATIO_METHODS` (does the interval for the ratio exclude 1? the proper
    test of a change).

    Parameters
    ----------
    period : str, int or Period
        The April-March year.
    conf_level : float, default 0.95
        Level of every interval.
    data_dir : path-like, optional
        Data folder.

    Returns
    -------
    pandas.DataFrame
        Long table: ``period``, ``quantity``, ``kind`` (``count``, ``share``, ``ratio``),
        ``method``, ``estimate``, ``lower``, ``upper``, ``reference``, ``reference_label``,
        ``excludes_reference`` (None when there is nothing to compare with), ``conf_level``,
        ``note``.
    """
    p = parse_period(period)
    prev = previous_year(p)
    frame = data.load("sin_national", data_dir)
    now = {n: _count_or_nan(p, n, frame)[0] for n in NATURES}
    before = {n: _count_or_nan(prev, n, frame)[0] for n in NATURES}
    rows: list[dict[str, object]] = []
    for nature in NATURES:
        x = now[nature]
        if math.isnan(x):
            continue
        for m in SENSITIVITY_COUNT_METHODS:
            ci = intervals.poisson_ci(int(x), conf_level, m)
            rows.append(
                _sens_row(
                    p.id,
                    f"{nature} (count)",
                    "count",
                    m,
                    x,
                    float(ci.lower),
                    float(ci.upper),
                    before[nature],
                    f"{prev.id} count",
                    conf_level,
                )
            )
    for nature in NATURES[1:]:
        x, n = now[nature], now["Total"]
        if math.isnan(x) or math.isnan(n):
            continue
        ref = 100 * before[nature] / before["Total"]
        for m in SENSITIVITY_SHARE_METHODS:
            ci = intervals.proportion_ci(int(x), int(n), conf_level, m)
            rows.append(
                _sens_row(
                    p.id,
                    f"{nature} (% of notifications)",
                    "share",
                    m,
                    100 * x / n,
                    100 * float(ci.lower),
                    100 * float(ci.upper),
                    ref,
                    f"{prev.id} share",
                    conf_level,
                )
            )
    for nature in NATURES:
        x, y = now[nature], before[nature]
        if math.isnan(x) or math.isnan(y):
            continue
        for m in SENSITIVITY_RATIO_METHODS:
            rr = intervals.rate_ratio_ci(int(x), int(y), conf_level=conf_level, method=m)
            rows.append(
                _sens_row(
                    p.id,
                    f"{nature} (ratio to {prev.id})",
                    "ratio",
                    m,
                    float(rr.estimate),
                    float(rr.lower),
                    float(rr.upper),
                    1.0,
                    "no change (ratio 1)",
                    conf_level,
                    f"{p_text(float(rr.p_value))}",
                )
            )
    columns = list(_sens_row("", "", "", "", 0, 0, 0, 0, "", 0).keys())
    return pd.DataFrame(rows, columns=columns)


def sensitivity_summary(
    long: pd.DataFrame, kind: str | None = None, decimals: int = 1
) -> pd.DataFrame:
    """Lay the method-sensitivity table out side by side and flag conclusions that change.

    Parameters
    ----------
    long : pandas.DataFrame
        From :func:`method_sensitivity`.
    kind : {"count", "share", "ratio"}, optional
        Keep only one kind of quantity (one method family per table).
    decimals : int, default 1
        Decimals for counts and shares (ratios get 2 more).

    Returns
    -------
    pandas.DataFrame
        One row per quantity: the estimate, one column per method holding ``"lower to upper"``
        (marked ``*`` where the interval excludes the reference), ``compared with``, and
        ``conclusion``: ``"same under every method"`` or ``"CHANGES WITH METHOD: ..."``.
    """
    rows = []
    if kind is not None:
        long = long[long["kind"] == kind]
    for quantity, grp in long.groupby("quantity", sort=False):
        dec = decimals + 2 if str(grp["kind"].iloc[0]) == "ratio" else decimals
        row: dict[str, object] = {
            "quantity": quantity,
            "estimate": f"{float(grp['estimate'].iloc[0]):,.{dec}f}",
        }
        for method, lo, hi, excl in zip(
            grp["method"], grp["lower"], grp["upper"], grp["excludes_reference"], strict=True
        ):
            mark = " *" if excl is True else ""
            row[str(method)] = interval_text(float(lo), float(hi), dec) + mark
        flags = [v for v in grp["excludes_reference"] if v is not None and not pd.isna(v)]
        row["compared with"] = str(grp["reference_label"].iloc[0])
        if not flags:
            row["conclusion"] = "nothing to compare with"
        elif all(flags) or not any(flags):
            row["conclusion"] = "same under every method" + (
                " (excludes it)" if all(flags) else " (includes it)"
            )
        else:
            ex = [
                str(m) for m, v in zip(grp["method"], grp["excludes_reference"], strict=True) if v
            ]
            inc = [
                str(m)
                for m, v in zip(grp["method"], grp["excludes_reference"], strict=True)
                if not v
            ]
            row["conclusion"] = (
                f"CHANGES WITH METHOD: excluded by {', '.join(ex)}; included by {', '.join(inc)}"
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.fillna("")


def sensitive_conclusions(long: pd.DataFrame) -> list[str]:
    """Return the quantities whose conclusion changes with the interval method.

    Parameters
    ----------
    long : pandas.DataFrame
        The output of :func:`method_sensitivity`.

    Returns
    -------
    list of str
        The ``quantity`` of every row group whose methods disagree on ``excludes_reference``.
    """
    out = []
    for quantity, grp in long.groupby("quantity", sort=False):
        flags = [bool(v) for v in grp["excludes_reference"] if v is not None and not pd.isna(v)]
        if flags and any(flags) and not all(flags):
            out.append(str(quantity))
    return out


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


def _count_or_rate(value: float, measure: str, *, decimals: int = 0) -> str:
    """Write a count with no decimals, a rate (its measure says so) with two."""
    return number_text(value, 2 if "rate" in measure else 0)


change_display = Display(
    "change_table",
    Column("Measure", "measure"),
    Column("{previous}", ("before", "measure"), _count_or_rate),
    Column("{period}", ("current", "measure"), _count_or_rate),
    Column("Change (%)", "percent_change", "number", 1),
    Column("Ratio", "ratio", "number", 2),
    Column("{level} interval", ("lower", "upper"), "interval", 2),
    Column("p-value", "p_value", "p"),
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
        per 100,000 children and, when given, the change: its difference in count as the value
        and its rate ratio with the ratio's interval in the ratio fields.
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
        KeyFigure(
            name="rate_per_100k",
            label="Notifications per 100,000 children",
            value=float(total["rate"]),
            text=(
                f"{float(total['rate']):.2f} notifications per 100,000 children aged 0 to 17 "
                f"({level_text(level)} interval "
                f"{interval_text(total['rate_lower'], total['rate_upper'], 2)}; "
                f"ONS mid-{int(total['population_mid_year'])} population)"
            ),
            unit="per 100,000 children",
            lower=float(total["rate_lower"]),
            upper=float(total["rate_upper"]),
            conf_level=level,
        )
    )
    if change is not None:
        ratio = change.ratio
        out.append(
            KeyFigure(
                name="change_total",
                label=f"Change from {change.previous}",
                value=change.difference,
                text=change.text[0].upper() + change.text[1:],
                unit="difference in count",
                conf_level=change.conf_level if ratio is not None else None,
                ratio=None if ratio is None else float(ratio.estimate),
                ratio_lower=None if ratio is None else float(ratio.lower),
                ratio_upper=None if ratio is None else float(ratio.upper),
            )
        )
    return out


#: Captions of the three method-sensitivity tables, by kind of quantity.
SENSITIVITY_CAPTIONS: dict[str, str] = {
    "count": "Counts under each Poisson method (* = excludes last year's count)",
    "share": "Shares (%) under each proportion method (* = excludes last year's share)",
    "ratio": "Ratio to last year under each rate-ratio method (* = excludes no change)",
}


def sensitivity_sentence(long: pd.DataFrame) -> str:
    """Say whether any conclusion in the method-sensitivity table changes with the method.

    Parameters
    ----------
    long : pandas.DataFrame
        The output of :func:`method_sensitivity`.

    Returns
    -------
    str
        One sentence (Markdown).
    """
    if long.empty:
        return "No headline figure was published for this year, so there is nothing to compare."
    flagged = sensitive_conclusions(long)
    if not flagged:
        return (
            "**No conclusion changes with the interval method**: every method agrees on whether "
            "each interval includes the figure it is compared with."
        )
    return (
        f"**Conclusions that change with the method:** {join_words(flagged)}. Treat these as "
        "borderline: the data do not settle them, and the choice of method should not be made "
        "after seeing which answer it gives."
    )


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
