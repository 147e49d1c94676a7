"""Method sensitivity: every headline interval of the annual overview under each method.

Notebook ``01-annual-overview`` shows, next to its headline figures, how each interval and the
conclusion it supports change with the interval method: the Poisson methods for counts, the
proportion methods for shares and the rate-ratio methods for the change from the previous year
(:func:`method_sensitivity`, laid out by :func:`sensitivity_summary` and said in words by
:func:`sensitivity_sentence`). Part of :mod:`sinstats.analyses.overview`, which re-exports every
public name here; a module of its own because it is one job of that notebook.
"""

from __future__ import annotations

import math
from typing import Final

import pandas as pd

from sinstats import data
from sinstats._docstrings import fill_doc
from sinstats._typing import DataDir
from sinstats.analyses._helpers import previous_year, published_count
from sinstats.periods import parse_period
from sinstats.present.words import interval_text, join_words, method_words, number_text, p_text
from sinstats.stats import intervals

__all__ = [
    "SENSITIVITY_CAPTIONS",
    "SENSITIVITY_COUNT_METHODS",
    "SENSITIVITY_RATIO_METHODS",
    "SENSITIVITY_SHARE_METHODS",
    "method_sensitivity",
    "sensitive_conclusions",
    "sensitivity_sentence",
    "sensitivity_summary",
]

#: Methods compared side by side in the method-sensitivity table.
SENSITIVITY_COUNT_METHODS: Final[tuple[str, ...]] = ("exact", "midp", "byar", "normal")
SENSITIVITY_SHARE_METHODS: Final[tuple[str, ...]] = ("wilson", "clopper_pearson", "jeffreys")
SENSITIVITY_RATIO_METHODS: Final[tuple[str, ...]] = ("exact", "midp", "score")

#: Captions of the three method-sensitivity tables, by kind of quantity.
SENSITIVITY_CAPTIONS: Final[dict[str, str]] = {
    "count": "Counts under each Poisson method (* = excludes last year's count)",
    "share": "Shares (%) under each proportion method (* = excludes last year's share)",
    "ratio": "Ratio to last year under each rate-ratio method (* = excludes no change)",
}


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


@fill_doc
def method_sensitivity(
    period: object, *, conf_level: float = 0.95, data_dir: DataDir = None
) -> pd.DataFrame:
    """Recompute every headline interval under each method, with the conclusion each supports.

    For each published count the Poisson methods of :data:`SENSITIVITY_COUNT_METHODS` are
    compared (conclusion: does the interval exclude last year's count? a rough reading many
    readers make); for each share the proportion methods of :data:`SENSITIVITY_SHARE_METHODS`
    (does it exclude last year's share?); for each change the rate-ratio methods of
    :data:`SENSITIVITY_RATIO_METHODS` (does the interval for the ratio exclude 1? the Poisson
    test of a change). When last year lies across a break declared in ``data/breaks.yml`` it is
    no reference: the counts and shares have none and no change is tested.

    Parameters
    ----------
    %(year)s
    conf_level : float, default 0.95
        Level of every interval.
    %(data_folder)s

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
    now = {n: published_count(p, n, frame)[0] for n in data.NATURES}
    before = {n: published_count(prev, n, frame)[0] for n in data.NATURES}
    if not data.load_breaks(data_dir).compare(prev, p).comparable:
        # Last year is across a declared break: no figure of it is a reference for this year.
        before = dict.fromkeys(data.NATURES, math.nan)
    rows: list[dict[str, object]] = []
    for nature in data.NATURES:
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
    for nature in data.NATURES[1:]:
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
    for nature in data.NATURES:
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


@fill_doc
def sensitivity_summary(
    long: pd.DataFrame, kind: str | None = None, decimals: int = 1
) -> pd.DataFrame:
    """Lay the method-sensitivity table out side by side and flag conclusions that change.

    Parameters
    ----------
    %(sensitivity_table)s
    kind : {"count", "share", "ratio"}, optional
        Keep only one kind of quantity (one method family per table).
    decimals : int, default 1
        Decimals for counts and shares (ratios get 2 more).

    Returns
    -------
    pandas.DataFrame
        For readers: one row per quantity, ``Quantity``, ``Estimate``, one column per method
        (headed in words, :func:`~sinstats.present.words.method_words`) holding
        ``"lower to upper"`` (marked ``*`` where the interval excludes the reference),
        ``Compared with``, and ``Conclusion``: ``"same under every method"`` or
        ``"CHANGES WITH METHOD: ..."``.
    """
    rows = []
    if kind is not None:
        long = long[long["kind"] == kind]
    for quantity, grp in long.groupby("quantity", sort=False):
        dec = decimals + 2 if str(grp["kind"].iloc[0]) == "ratio" else decimals
        estimate = float(grp["estimate"].iloc[0])
        whole = str(grp["kind"].iloc[0]) == "count" and estimate.is_integer()
        row: dict[str, object] = {
            "Quantity": quantity,
            # A count is a whole number; a rate, share or ratio keeps its decimals.
            "Estimate": number_text(estimate, 0 if whole else dec),
        }
        for method, lo, hi, excl in zip(
            grp["method"], grp["lower"], grp["upper"], grp["excludes_reference"], strict=True
        ):
            mark = " *" if excl is True else ""
            row[method_words(str(method))] = interval_text(float(lo), float(hi), dec) + mark
        flags = [v for v in grp["excludes_reference"] if v is not None and not pd.isna(v)]
        row["Compared with"] = str(grp["reference_label"].iloc[0])
        if not flags:
            row["Conclusion"] = "nothing to compare with"
        elif all(flags) or not any(flags):
            row["Conclusion"] = "same under every method" + (
                " (excludes it)" if all(flags) else " (includes it)"
            )
        else:
            ex = [
                method_words(str(m))
                for m, v in zip(grp["method"], grp["excludes_reference"], strict=True)
                if v
            ]
            inc = [
                method_words(str(m))
                for m, v in zip(grp["method"], grp["excludes_reference"], strict=True)
                if not v
            ]
            row["Conclusion"] = (
                f"CHANGES WITH METHOD: excluded by {', '.join(ex)}; included by {', '.join(inc)}"
            )
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.fillna("")


@fill_doc
def sensitive_conclusions(long: pd.DataFrame) -> list[str]:
    """Return the quantities whose conclusion changes with the interval method.

    A conclusion changes when, for one quantity, some methods' intervals exclude the figure it is
    compared with and others include it.

    Parameters
    ----------
    %(sensitivity_table)s

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


@fill_doc
def sensitivity_sentence(long: pd.DataFrame) -> str:
    """Say whether any conclusion in the method-sensitivity table changes with the method.

    Parameters
    ----------
    %(sensitivity_table)s

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
