"""Alt text made from the numbers a chart shows (for the reports and screen readers)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from sinstats.present.plots.style import Numbers
from sinstats.present.words import count_text, interval_text, join_words, level_text


def describe_series(
    periods: Sequence[str],
    values: Sequence[float] | np.ndarray,
    what: str,
    kind: str = "Line chart",
) -> str:
    """Alt text for a series: range, highest, lowest and gaps.

    Returns
    -------
    str
        E.g. "Line chart of serious incident notifications in England, 2014-15 to 2025-26:
        highest 536 in 2020-21, lowest 338 in 2024-25; 2017-18 not published."
    """
    vals = np.asarray(values, dtype=float)
    have = ~np.isnan(vals)
    if not have.any():
        return f"{kind} of {what}: no published figures."
    idx = np.flatnonzero(have)
    hi = int(idx[np.argmax(vals[have])])
    lo = int(idx[np.argmin(vals[have])])
    last = int(idx[-1])
    text = (
        f"{kind} of {what}, {periods[0]} to {periods[-1]}: highest "
        f"{_num(vals[hi])} in {periods[hi]}, lowest {_num(vals[lo])} in {periods[lo]}; "
        f"latest {_num(vals[last])} in {periods[last]}"
    )
    gaps = [periods[int(i)] for i in np.flatnonzero(~have)]
    if gaps:
        text += f"; {join_words(gaps)} not published"
    return text + "."


def _num(value: float) -> str:
    if float(value).is_integer():
        return count_text(value)
    return f"{value:,.2f}"


def describe_intervals(
    labels: Sequence[str],
    estimates: Numbers,
    lowers: Numbers,
    uppers: Numbers,
    what: str,
    conf_level: float,
    decimals: int = 0,
) -> str:
    """Alt text for a dot-and-interval chart: every estimate with its interval."""
    parts = []
    for lab, est, lo, hi in zip(labels, estimates, lowers, uppers, strict=True):
        if est is None or math.isnan(float(est)):
            parts.append(f"{lab} not published")
        elif math.isnan(float(lo)):
            parts.append(f"{lab} {float(est):,.{decimals}f}")
        else:
            parts.append(f"{lab} {float(est):,.{decimals}f} ({interval_text(lo, hi, decimals)})")
    return f"Dot chart of {what} with {level_text(conf_level)} intervals: {'; '.join(parts)}."
