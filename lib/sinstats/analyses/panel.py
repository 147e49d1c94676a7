"""The Panel's and DfE's counts side by side, period by period (notebook 04).

:func:`reconcile` matches each of the Panel's national figures with the DfE April-March years
that overlap its period (and, where two years together cover it, a labelled pro-rata estimate),
with the documented reasons the two differ (:data:`RECONCILIATION_REASONS`). The rest of this
module loads the two datasets, lays the table out for readers, draws the comparison and says what
it shows. The two counts are not independent samples (largely the same incidents, counted on
different bases), so no test of their difference is made: each count's own Poisson interval is
shown only to give a sense of scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from sinstats import data
from sinstats._docstrings import fill_doc
from sinstats._typing import DataDir
from sinstats.errors import ParameterError
from sinstats.periods import CALENDAR_YEAR, FINANCIAL_YEAR, Period, parse_period
from sinstats.present import plots
from sinstats.present.key_figures import KeyFigure
from sinstats.present.tables import Column, Display
from sinstats.present.words import count_text, join_words, number_text
from sinstats.stats import intervals

# ---------------------------------------------------------------------------------------------
# Reconciliation: the Panel's and DfE's counts side by side
# ---------------------------------------------------------------------------------------------

#: Documented reasons the Panel's and DfE's counts differ, by code.
RECONCILIATION_REASONS: Final[Mapping[str, str]] = {
    "period_basis": (
        "different periods: the Panel's figure covers a different span (e.g. a calendar year, "
        "January-December) from DfE's April-March year"
    ),
    "counting_basis": (
        "the Panel counts incidents reported to it and may count by incident date and exclude "
        "duplicate notifications (two for one incident) and notifications later withdrawn; DfE "
        "counts notifications when received"
    ),
    "rapid_reviews": (
        "the Panel's annual reports describe the notifications and rapid reviews it received; "
        "DfE publishes the notifications made by local authorities"
    ),
    "extraction_date": (
        "figures extracted on different dates: late notifications and withdrawals change the "
        "counts after extraction"
    ),
    "lower_bound": "the Panel's figure is a lower bound ('over'), not a count",
    "children_not_notifications": (
        "the Panel's figure counts children, not notifications: one incident can involve more "
        "than one child"
    ),
    "estimate": (
        "the DfE figure in this row is a pro-rata estimate, not a published figure: it assumes "
        "notifications are spread evenly through each April-March year"
    ),
}

REASON_WORDS: Final[Mapping[str, str]] = {
    "period_basis": "Different periods",
    "counting_basis": "Different counting",
    "rapid_reviews": "Rapid reviews",
    "extraction_date": "Extraction dates",
    "lower_bound": "Lower bound",
    "children_not_notifications": "Children, not notifications",
    "estimate": "Pro-rata estimate",
}
"""The reasons' short names for readers (the codes stay in the CSV's ``reason_codes``)."""


def _reason_words(codes: object, *, decimals: int = 0) -> str:
    """Write a row's comma-separated reason codes as their short names."""
    found = [c.strip() for c in str(codes or "").split(",") if c.strip()]
    return "; ".join(REASON_WORDS.get(c, c.replace("_", " ")) for c in found) or "-"


#: The Panel's figures compared: the natures of notification, total first.
_RECONCILE_CATEGORIES: Final = data.NATURES
_NEEDED_COLUMNS: Final = ("period", "period_kind", "measure", "value")


def _national_counts(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """National ``number_notifications`` (else ``number_children``) rows by period and category."""
    missing = [c for c in _NEEDED_COLUMNS if c not in frame.columns]
    cat_col = "category" if "category" in frame.columns else "nature"
    if cat_col not in frame.columns:
        missing.append("category")
    if missing:
        raise ParameterError(
            f"{name} frame lacks column(s) {', '.join(missing)}; pass a frame from "
            "sinstats.data.load()"
        )
    df = frame
    if "geographic_level" in df.columns:
        df = df[df["geographic_level"].astype(str).str.lower().isin(["national", "england"])]
    if "breakdown_topic" in df.columns:
        df = df[df["breakdown_topic"].astype(str).isin(["Total", "", "nan"])]
    df = df[df[cat_col].astype(str).isin(_RECONCILE_CATEGORIES)]
    df = df[df["measure"].isin(["number_notifications", "number_children"])]
    out = pd.DataFrame(
        {
            "period": df["period"].astype(str),
            "period_kind": df["period_kind"].astype(str),
            "category": df[cat_col].astype(str),
            "measure": df["measure"].astype(str),
            "value": pd.to_numeric(df["value"], errors="coerce"),
            "qualifier": df["qualifier"].fillna("").astype(str)
            if "qualifier" in df.columns
            else "",
            "source_id": df["source_id"].fillna("").astype(str)
            if "source_id" in df.columns
            else "",
        }
    )
    # Prefer notifications to children where both are given for a period and category.
    out["rank"] = (out["measure"] != "number_notifications").astype(int)
    out = out.sort_values(["period", "category", "rank"], kind="stable")
    out = out.drop_duplicates(["period", "period_kind", "category"], keep="first")
    return out.drop(columns="rank").reset_index(drop=True)


def _period(row: pd.Series) -> Period:
    return parse_period(str(row["period"]), kind=str(row["period_kind"]))


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _overlap_months(a: Period, b: Period) -> int:
    a0 = _month_index(a.start_year, a.start_month)
    b0 = _month_index(b.start_year, b.start_month)
    return max(0, min(a0 + a.months, b0 + b.months) - max(a0, b0))


RECONCILE_COLUMNS: tuple[str, ...] = (
    "panel_period",
    "panel_period_label",
    "category",
    "panel_measure",
    "panel_value",
    "panel_qualifier",
    "panel_source_id",
    "dfe_period",
    "dfe_period_label",
    "dfe_value",
    "dfe_value_basis",
    "dfe_source_id",
    "overlap_months",
    "difference",
    "percent_difference",
    "reason_codes",
    "reasons",
    "method",
    "note",
)
"""Columns of the table :func:`reconcile` returns, in order."""


def reconcile(dfe: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Set the Panel's and DfE's national counts side by side, with why they differ.

    Parameters
    ----------
    dfe : pandas.DataFrame
        DfE/Ofsted national counts in the tidy format of :func:`sinstats.data.load`
        (``"sin_national"``): columns ``period, period_kind, category (or nature), measure,
        value``, and optionally ``geographic_level, breakdown_topic, qualifier, source_id``.
    panel : pandas.DataFrame
        The Panel's counts in the same format (``"panel_notifications"``).

    Returns
    -------
    pandas.DataFrame
        One row per Panel figure (Total, Child death, Serious harm, Other) and each DfE April-March
        year overlapping its period, plus, where two DfE years together cover a Panel calendar
        year, a row with a pro-rata calendar-year estimate. Columns: ``panel_period,
        panel_period_label, category, panel_measure, panel_value, panel_qualifier,
        panel_source_id, dfe_period, dfe_period_label, dfe_value, dfe_value_basis,
        dfe_source_id, overlap_months, difference, percent_difference, reason_codes, reasons,
        method, note``. ``difference`` is Panel minus DfE.

    Notes
    -----
    A DfE *calendar-year equivalent* is ``sum(overlap_months / 12 * DfE year)``; for calendar
    2020 that is ``3/12 * 2019-20 + 9/12 * 2020-21``. It assumes notifications are spread evenly
    through each April-March year and is labelled as an estimate, never as a published figure.
    The reasons are from DfE's methodology and the Panel's reports; which of them explains how
    much of a difference is not published.

    References
    ----------
    .. [1] Department for Education. Serious incident notifications: methodology.
       https://explore-education-statistics.service.gov.uk/find-statistics/serious-incident-notifications
    .. [2] Child Safeguarding Practice Review Panel. Annual Report 2020. 2021.
    """
    dfe_rows = _national_counts(dfe, "dfe")
    panel_rows = _national_counts(panel, "panel")
    dfe_rows = dfe_rows[dfe_rows["measure"] == "number_notifications"]
    dfe_rows = dfe_rows[dfe_rows["period_kind"] == FINANCIAL_YEAR]
    dfe_periods = [(_period(r), r) for _, r in dfe_rows.iterrows()]

    out: list[dict[str, object]] = []
    for _, prow in panel_rows.iterrows():
        pp = _period(prow)
        pval = float(prow["value"])
        qual = str(prow["qualifier"])
        base_codes = ["counting_basis", "rapid_reviews", "extraction_date"]
        if qual == "over":
            base_codes.append("lower_bound")
        if prow["measure"] == "number_children":
            base_codes.append("children_not_notifications")
        base: dict[str, object] = {
            "panel_period": pp.id,
            "panel_period_label": pp.label,
            "category": prow["category"],
            "panel_measure": prow["measure"],
            "panel_value": pval,
            "panel_qualifier": qual,
            "panel_source_id": prow["source_id"],
            "_start": pp.midpoint,
        }
        matches = []
        for dp, drow in dfe_periods:
            if drow["category"] != prow["category"]:
                continue
            months = _overlap_months(pp, dp)
            if months > 0:
                matches.append((dp, drow, months))
        matches.sort(key=lambda m: (m[0].start_year, m[0].start_month))
        bound_note = (
            "; the Panel figure is a lower bound, so the difference is one too"
            if qual == "over"
            else ""
        )
        if not matches:
            out.append(
                base
                | {
                    "dfe_period": "",
                    "dfe_period_label": "",
                    "dfe_value": math.nan,
                    "dfe_value_basis": "",
                    "dfe_source_id": "",
                    "overlap_months": 0,
                    "reason_codes": base_codes,
                    "method": "side_by_side",
                    "note": "no DfE figure held for an overlapping period and this category",
                }
            )
            continue
        for dp, drow, months in matches:
            codes = list(base_codes)
            if (dp.start_year, dp.start_month, dp.months) != (
                pp.start_year,
                pp.start_month,
                pp.months,
            ):
                codes.insert(0, "period_basis")
            same = "period_basis" not in codes
            out.append(
                base
                | {
                    "dfe_period": dp.id,
                    "dfe_period_label": dp.label,
                    "dfe_value": float(drow["value"]),
                    "dfe_value_basis": "published",
                    "dfe_source_id": drow["source_id"],
                    "overlap_months": months,
                    "reason_codes": codes,
                    "method": "side_by_side",
                    "note": (
                        "same April-March period"
                        if same
                        else f"{months} of the Panel period's {pp.months} months overlap"
                    )
                    + bound_note,
                }
            )
        covered = sum(m for _, _, m in matches)
        if len(matches) > 1 and covered == pp.months:
            estimate = sum(float(d["value"]) * m / 12 for _, d, m in matches)
            parts = " + ".join(f"{m}/12 x {dp.id}" for dp, _, m in matches)
            kind_word = "calendar-year" if pp.kind == CALENDAR_YEAR else "period"
            out.append(
                base
                | {
                    "dfe_period": f"{pp.id} ({kind_word} equivalent)",
                    "dfe_period_label": f"{pp.label}, estimated from DfE April-March years",
                    "dfe_value": estimate,
                    "dfe_value_basis": (
                        f"estimate: pro rata ({parts}), assumes notifications spread evenly; "
                        "not a published figure"
                    ),
                    "dfe_source_id": "; ".join(str(d["source_id"]) for _, d, _ in matches),
                    "overlap_months": covered,
                    "reason_codes": [*base_codes, "estimate"],
                    "method": "pro_rata_estimate",
                    "note": "estimate, not a published figure" + bound_note,
                }
            )
        elif len(matches) >= 1 and covered < pp.months and pp.kind == CALENDAR_YEAR:
            out[-1]["note"] = (
                f"{out[-1]['note']}; DfE figures held cover only {covered} of {pp.months} months, "
                "so no calendar-year estimate is made"
            )

    table = pd.DataFrame(out)
    if table.empty:
        return pd.DataFrame(columns=list(RECONCILE_COLUMNS))
    table["difference"] = table["panel_value"] - table["dfe_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["percent_difference"] = 100 * table["difference"] / table["dfe_value"]
    table["reasons"] = [
        "; ".join(RECONCILIATION_REASONS[c] for c in codes) for codes in table["reason_codes"]
    ]
    table["reason_codes"] = [", ".join(codes) for codes in table["reason_codes"]]
    order = {c: i for i, c in enumerate(_RECONCILE_CATEGORIES)}
    table["_cat"] = table["category"].map(order)
    table = table.sort_values(["_start", "_cat"], kind="stable").drop(columns=["_cat", "_start"])
    return table[list(RECONCILE_COLUMNS)].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Notebook 04: the table for readers, the chart and the words
# ---------------------------------------------------------------------------------------------


@fill_doc
def reconciliation(data_dir: DataDir = None) -> pd.DataFrame:
    """Return the reconciliation table with the reason codes as one text column.

    Parameters
    ----------
    %(data_folder)s

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`reconcile`, ``reason_codes`` as one text
        (codes separated by ``", "``), and ``conf_level`` (empty: no interval is computed here).
    """
    table = reconcile(
        data.load("sin_national", data_dir), data.load("panel_notifications", data_dir)
    )
    table = table.copy()
    table["reason_codes"] = [
        codes if isinstance(codes, str) else ", ".join(codes) for codes in table["reason_codes"]
    ]
    table["conf_level"] = math.nan
    return table


def _qualified(qualifier: object, value: float, *, decimals: int = 0) -> str:
    """Write a Panel figure with its qualifier: ``over 150``."""
    return (
        f"{qualifier} {count_text(value)}"
        if isinstance(qualifier, str) and qualifier
        else count_text(value)
    )


def _dfe_figure(value: float, *, decimals: int = 0) -> str:
    """Write a DfE count, or a calendar-year equivalent with one decimal ("-" for none)."""
    return "-" if math.isnan(value) else number_text(value, 0 if float(value).is_integer() else 1)


reconciliation_display = Display(
    "reconciliation",
    Column("Panel period", "panel_period"),
    Column("Nature", "category"),
    Column("Panel figure", ("panel_qualifier", "panel_value"), _qualified),
    Column("DfE period", "dfe_period", lambda p, decimals: p or "-"),
    Column("DfE figure", "dfe_value", _dfe_figure),
    Column("Panel minus DfE", "difference", "number", 1),
    Column("Difference (%)", "percent_difference", "number", 0),
    Column("Reasons", "reason_codes", _reason_words),
    Column("Note", "note"),
)


def reasons_display() -> pd.DataFrame:
    """Return the reasons and what each means (:data:`RECONCILIATION_REASONS`).

    Returns
    -------
    pandas.DataFrame
        ``Reason`` (its short name, :data:`REASON_WORDS`) and ``What it means``, one row per
        documented reason.
    """
    return pd.DataFrame(
        {
            "Reason": [REASON_WORDS[code] for code in RECONCILIATION_REASONS],
            "What it means": list(RECONCILIATION_REASONS.values()),
        }
    )


def _matched(table: pd.DataFrame) -> pd.DataFrame:
    """Rows comparing like with like: the same April-March period or a calendar equivalent."""
    same = table["note"].str.startswith("same April-March period")
    equivalent = table["dfe_period"].str.contains("equivalent", regex=False)
    return table[(same | equivalent) & (table["panel_measure"] == "number_notifications")]


def _comparisons(rows: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Iterate over the rows of :func:`_matched` as tuples, one per comparison.

    Each is the Panel period, category, qualifier (``""`` when there is none), Panel figure, DfE
    period and DfE figure (the figures as floats).
    """
    return zip(
        rows["panel_period"],
        rows["category"],
        rows["panel_qualifier"].fillna(""),
        rows["panel_value"].astype(float),
        rows["dfe_period"],
        rows["dfe_value"].astype(float),
        strict=True,
    )


@fill_doc
def comparison_chart(
    table: pd.DataFrame, conf_level: float = 0.95, method: str = "exact"
) -> plots.Chart:
    """Dot chart of the Panel's and DfE's counts for comparable periods.

    Published counts get their Poisson interval; a DfE calendar-year equivalent is a pro-rata
    estimate and is drawn without one, and a Panel lower bound ("over 150") as a dot only.

    Parameters
    ----------
    %(reconciliation_table)s
    conf_level : float, default 0.95
        Level of the intervals.
    method : str, default "exact"
        Poisson interval method.

    Returns
    -------
    sinstats.present.plots.Chart
    """
    rows = _matched(table)
    labels: list[str] = []
    groups: list[str] = []
    est: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    for period, category, qualifier, pv, dp, dv in _comparisons(rows):
        label = f"{period} {str(category).lower()}"
        for who, value, exact in (
            ("Panel", pv, not qualifier),
            ("DfE", dv, "equivalent" not in str(dp)),
        ):
            labels.append(label)
            groups.append(who)
            est.append(value)
            if exact and float(value).is_integer():
                ci = intervals.poisson_ci(int(value), conf_level, method)
                lo.append(float(ci.lower))
                hi.append(float(ci.upper))
            else:
                lo.append(math.nan)
                hi.append(math.nan)
    return plots.interval_chart(
        labels,
        np.array(est),
        np.array(lo),
        np.array(hi),
        title="The Panel's and DfE's counts for the same periods",
        xlabel="Notifications (count)",
        what="the Panel's and DfE's notification counts for comparable periods",
        conf_level=conf_level,
        groups=groups,
        source=plots.SOURCE_PANEL,
    )


@fill_doc
def summary(table: pd.DataFrame) -> str:
    """Say in words how far the two sources differ where they can be compared.

    Only like-for-like rows are compared: the same April-March period, or a calendar year and
    its estimate from DfE's years.

    Parameters
    ----------
    %(reconciliation_table)s

    Returns
    -------
    str
        One paragraph (Markdown).
    """
    rows = _matched(table)
    parts = []
    for period, category, qualifier, pv, dp, dv in _comparisons(rows):
        basis = "DfE's estimate for the calendar year" if "equivalent" in str(dp) else "DfE"
        qual = "over " if qualifier else ""
        parts.append(
            f"{period} {str(category).lower()}: Panel {qual}{count_text(pv)} "
            f"vs {basis} {number_text(dv, 0)}"
        )
    lower = int((rows["difference"] < 0).sum())
    text = (
        f"Where the periods can be compared, the Panel's figure is lower than DfE's in {lower} of "
        f"{len(rows)} comparisons ({'; '.join(parts)})."
    )
    codes = sorted({c for codes in table["reason_codes"] for c in str(codes).split(", ") if c})
    text += (
        f" The documented reasons are {join_words(codes)}; how much of each difference each "
        "reason explains is not published. The two counts describe largely the same incidents, "
        "so they are not independent samples and no test of their difference is made."
    )
    return text


@fill_doc
def key_figures(table: pd.DataFrame) -> list[KeyFigure]:
    """Return notebook 04's key figure: the latest same-period comparison of totals.

    Parameters
    ----------
    %(reconciliation_table)s

    Returns
    -------
    list of KeyFigure
        The Panel's count minus DfE's for the latest period both cover (empty when none does).
    """
    rows = _matched(table)
    same = rows[(rows["category"] == "Total") & ~rows["dfe_period"].str.contains("equivalent")]
    if same.empty:
        return []
    r = same.iloc[-1]
    return [
        KeyFigure(
            name="panel_minus_dfe",
            label=f"Panel minus DfE, {r['panel_period']}",
            value=float(r["difference"]),
            text=(
                f"{r['panel_period']}: the Panel counted {count_text(float(r['panel_value']))} "
                f"notifications, DfE {count_text(float(r['dfe_value']))} "
                f"({number_text(float(r['percent_difference']), 0)}%)"
            ),
            unit="difference in count",
        )
    ]
