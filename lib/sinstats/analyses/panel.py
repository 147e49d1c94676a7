"""The Panel's and DfE's counts side by side, period by period (notebook 04).

The reconciliation itself is :func:`sinstats.stats.uncertainty.reconcile`; this module loads the two
datasets, lays the table out for readers, draws the comparison and says what it shows. The two
counts are not independent samples (largely the same incidents, counted on different bases), so
no test of their difference is made: each count's own Poisson interval is shown only to give a
sense of scale.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sinstats import data
from sinstats._typing import DataDir
from sinstats.present import plots
from sinstats.present.key_figures import KeyFigure
from sinstats.present.words import count_text, join_words, number_text
from sinstats.stats import intervals, uncertainty


def reconciliation(data_dir: DataDir = None) -> pd.DataFrame:
    """Return the reconciliation table with the reason codes as one text column.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`sinstats.stats.uncertainty.reconcile`, ``reason_codes`` as one text
        (codes separated by ``", "``), and ``conf_level`` (empty: no interval is computed here).
    """
    table = uncertainty.reconcile(
        data.load("sin_national", data_dir), data.load("panel_notifications", data_dir)
    )
    table = table.copy()
    table["reason_codes"] = [
        codes if isinstance(codes, str) else ", ".join(codes) for codes in table["reason_codes"]
    ]
    table["conf_level"] = math.nan
    return table


def reconciliation_display(table: pd.DataFrame) -> pd.DataFrame:
    """Format :func:`reconciliation` for readers (reason codes explained in a second table).

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`reconciliation`.

    Returns
    -------
    pandas.DataFrame
    """
    panel = [
        f"{q + ' ' if q else ''}{count_text(v)}"
        for q, v in zip(table["panel_qualifier"].fillna(""), table["panel_value"], strict=True)
    ]
    return pd.DataFrame(
        {
            "Panel period": table["panel_period"],
            "Nature": table["category"],
            "Panel figure": panel,
            "DfE period": table["dfe_period"].replace("", "-"),
            "DfE figure": [
                "-" if math.isnan(v) else number_text(v, 0 if float(v).is_integer() else 1)
                for v in table["dfe_value"]
            ],
            "Panel minus DfE": [number_text(v, 1) for v in table["difference"]],
            "Difference (%)": [number_text(v, 0) for v in table["percent_difference"]],
            "Reasons (codes)": table["reason_codes"],
            "Note": table["note"],
        }
    )


def reasons_display() -> pd.DataFrame:
    """Return the reason codes and what each means.

    Returns
    -------
    pandas.DataFrame
        ``Code`` and ``What it means``, one row per documented reason.
    """
    return pd.DataFrame(
        {
            "Code": list(uncertainty.RECONCILIATION_REASONS),
            "What it means": list(uncertainty.RECONCILIATION_REASONS.values()),
        }
    )


def _matched(table: pd.DataFrame) -> pd.DataFrame:
    """Rows comparing like with like: the same April-March period or a calendar equivalent."""
    same = table["note"].str.startswith("same April-March period")
    equivalent = table["dfe_period"].str.contains("equivalent", regex=False)
    return table[(same | equivalent) & (table["panel_measure"] == "number_notifications")]


def comparison_chart(
    table: pd.DataFrame, conf_level: float = 0.95, method: str = "exact"
) -> plots.Chart:
    """Dot chart of the Panel's and DfE's counts for comparable periods.

    Published counts get their Poisson interval; a DfE calendar-year equivalent is a pro-rata
    estimate and is drawn without one, and a Panel lower bound ("over 150") as a dot only.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`reconciliation`.
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
    for period, category, qualifier, pv, dp, dv in zip(
        rows["panel_period"],
        rows["category"],
        rows["panel_qualifier"].fillna(""),
        rows["panel_value"].astype(float),
        rows["dfe_period"],
        rows["dfe_value"].astype(float),
        strict=True,
    ):
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


def summary(table: pd.DataFrame) -> str:
    """Say in words how far the two sources differ where they can be compared.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`reconciliation`.

    Returns
    -------
    str
        One paragraph (Markdown).
    """
    rows = _matched(table)
    parts = []
    for period, category, qualifier, pv, dp, dv in zip(
        rows["panel_period"],
        rows["category"],
        rows["panel_qualifier"].fillna(""),
        rows["panel_value"].astype(float),
        rows["dfe_period"],
        rows["dfe_value"].astype(float),
        strict=True,
    ):
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


def key_figures(table: pd.DataFrame) -> list[KeyFigure]:
    """Return notebook 04's key figure: the latest same-period comparison of totals.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`reconciliation`.

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
