"""The project's charts: a series by year, estimates with intervals, and finishing a figure.

:func:`series_chart` draws a series by April-March year with its interval band, breaks, shaded
years and fitted trends; :func:`interval_chart` draws estimates with their intervals as dots and
lines; :func:`decorate` gives a figure drawn elsewhere (a funnel or tornado plot) the title, labels
and source line of the others.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sinstats.present.plots.alt_text import describe_intervals, describe_series
from sinstats.present.plots.render import Chart
from sinstats.present.plots.style import (
    GREY,
    LIGHT_GREY,
    PALETTE,
    SOURCE_SIN,
    WIDTH,
    Numbers,
    _layout,
    chart_style,
    finish,
    new_figure,
    style_for,
)
from sinstats.present.words import join_words, level_text


def series_chart(
    table: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    what: str,
    value: str = "count",
    lower: str | None = "lower",
    upper: str | None = "upper",
    conf_level: float = 0.95,
    breaks: Sequence[tuple[str, str]] = (),
    shaded: Sequence[tuple[str, str, str]] = (),
    highlight: str | None = None,
    fits: Sequence[tuple[str, Sequence[float]]] = (),
    label: str = "published count",
    source: str = SOURCE_SIN,
) -> Chart:
    """Line chart of a series by April-March year with its interval band.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per year in order, with a ``period`` column and the value/interval columns.
        Missing values (unpublished years) break the line and are left as gaps.
    title, ylabel, what : str
        Title, y-axis label (with units) and what the series counts (for the alt text).
    value, lower, upper : str
        Column names; set ``lower``/``upper`` to None for no band.
    conf_level : float
        Level of the band, for the legend and alt text.
    breaks : sequence of (year, label)
        Vertical dashed lines before the given years, labelled.
    shaded : sequence of (first, last, label)
        Years to shade (hatched grey), e.g. the pandemic years.
    highlight : str, optional
        A year to mark with a larger filled marker.
    fits : sequence of (label, fitted values)
        Fitted trend lines to draw, one per model, each with its own line style.
    label : str
        Legend label of the series.
    source : str
        Source line.
    """
    periods = [str(p) for p in table["period"]]
    x = np.arange(len(periods), dtype=float)
    y = table[value].astype(float).to_numpy()
    pos = {p: i for i, p in enumerate(periods)}
    with chart_style():
        fig, ax = new_figure()
        for first, last, shade_label in shaded:
            if first in pos and last in pos:
                ax.axvspan(
                    pos[first] - 0.5,
                    pos[last] + 0.5,
                    facecolor="#F2F2F2",
                    edgecolor=LIGHT_GREY,
                    hatch="..",
                    linewidth=0,
                    label=shade_label,
                    zorder=0,
                )
        if lower is not None and upper is not None:
            lo = table[lower].astype(float).to_numpy()
            hi = table[upper].astype(float).to_numpy()
            ax.fill_between(
                x,
                lo,
                hi,
                where=~np.isnan(y),
                facecolor=PALETTE[0],
                alpha=0.18,
                edgecolor=PALETTE[0],
                hatch="///",
                linewidth=0,
                label=f"{level_text(conf_level)} interval",
                interpolate=False,
            )
        ax.plot(x, y, label=label, **style_for(0))
        for i, (fit_label, fitted) in enumerate(fits, start=1):
            st = style_for(i)
            ax.plot(
                x,
                np.asarray(fitted, dtype=float),
                color=st["color"],
                linestyle=st["linestyle"],
                marker=None,
                linewidth=1.6,
                label=fit_label,
            )
        if highlight is not None and highlight in pos:
            i = pos[highlight]
            ax.plot(
                [x[i]],
                [y[i]],
                marker="o",
                markersize=11,
                markerfacecolor="none",
                markeredgecolor=PALETTE[3],
                markeredgewidth=2,
                linestyle="none",
                label=f"{highlight}",
            )
        ymax = float(np.nanmax(table[upper].astype(float) if upper is not None else y))
        for period, text in breaks:
            if period in pos:
                xb = pos[period] - 0.5
                ax.axvline(xb, color=GREY, linestyle="--", linewidth=1)
                ax.text(xb + 0.08, ymax * 1.02, text, fontsize=8, color=GREY, va="bottom")
        for p_, yy in zip(periods, y, strict=True):
            if math.isnan(yy):
                ax.text(
                    pos[p_],
                    0.02,
                    "not\npublished",
                    transform=ax.get_xaxis_transform(),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=GREY,
                )
        ax.set_xticks(x, periods, rotation=45, ha="right")
        ax.set_ylim(0, ymax * 1.15)
        ax.set_xlim(-0.6, len(periods) - 0.4)
        finish(
            fig,
            ax,
            title=title,
            xlabel="April-March year",
            ylabel=ylabel,
            source=source,
            legend_loc="lower right",
        )
    alt = describe_series(periods, y, what)
    if lower is not None and upper is not None:
        alt += f" A shaded band shows each year's {level_text(conf_level)} interval."
    if breaks:
        alt += (
            " Dashed lines mark breaks: "
            + "; ".join(f"{text} from {period}" for period, text in breaks if period in pos)
            + "."
        )
    if fits:
        alt += f" Fitted trend lines: {join_words([f[0] for f in fits])}."
    return Chart(fig, title, alt)


def interval_chart(
    labels: Sequence[str],
    estimates: Numbers,
    lowers: Numbers,
    uppers: Numbers,
    *,
    title: str,
    xlabel: str,
    what: str,
    conf_level: float = 0.95,
    groups: Sequence[str] | None = None,
    reference: float | None = None,
    reference_label: str = "",
    decimals: int = 0,
    source: str = SOURCE_SIN,
) -> Chart:
    """Horizontal dot-and-interval chart (estimates with their intervals).

    Parameters
    ----------
    labels : sequence of str
        One label per row, top to bottom.
    estimates, lowers, uppers : sequence of float
        Estimates and interval limits (NaN for "not published"; NaN limits draw a dot only).
    title, xlabel, what : str
        Title, x-axis label with units, and what is shown (for the alt text).
    conf_level : float
        Level of the intervals.
    groups : sequence of str, optional
        A group per row (e.g. "Panel" or "DfE"); each group has its own colour and marker.
    reference : float, optional
        A vertical reference line (e.g. the published count, or a ratio of 1).
    reference_label : str
        Legend label of the reference line.
    decimals : int
        Decimals in the alt text.
    source : str
        Source line.
    """
    n = len(labels)
    y = np.arange(n)[::-1].astype(float)
    est = np.asarray(estimates, dtype=float)
    lo = np.asarray(lowers, dtype=float)
    hi = np.asarray(uppers, dtype=float)
    group_names = list(dict.fromkeys(groups)) if groups is not None else [""]
    with chart_style():
        fig, ax = new_figure(WIDTH, max(2.4, 0.42 * n + 1.6))
        for gi, g in enumerate(group_names):
            sel = np.array([groups is None or groups[i] == g for i in range(n)])
            st = style_for(gi)
            have = sel & ~np.isnan(lo)
            ax.errorbar(
                est[have],
                y[have],
                xerr=np.vstack([est[have] - lo[have], hi[have] - est[have]]),
                fmt="none",
                ecolor=st["color"],
                elinewidth=1.6,
                capsize=4,
                linestyle=st["linestyle"],
            )
            ax.plot(
                est[sel],
                y[sel],
                linestyle="none",
                marker=st["marker"],
                color=st["color"],
                markersize=7,
                label=g or f"estimate with {level_text(conf_level)} interval",
            )
        if reference is not None:
            ax.axvline(reference, color=GREY, linestyle="--", linewidth=1, label=reference_label)
        for i in np.flatnonzero(np.isnan(est)):
            ax.text(
                0.01,
                y[i],
                "not published",
                transform=ax.get_yaxis_transform(),
                va="center",
                fontsize=8,
                color=GREY,
            )
        ax.set_yticks(y, labels)
        ax.grid(axis="x", visible=True)
        ax.grid(axis="y", visible=False)
        right = np.nanmax(np.concatenate([hi[~np.isnan(hi)], est[~np.isnan(est)], [0.0]]))
        if reference is not None:
            right = max(right, reference)
        ax.set_xlim(0, right * 1.1 if right > 0 else 1)
        finish(
            fig,
            ax,
            title=title,
            xlabel=xlabel,
            ylabel="",
            source=source,
            legend=groups is not None or reference is not None,
        )
    row_labels = [
        f"{g} {lab}".strip() if groups is not None else lab
        for g, lab in zip(groups or [""] * n, labels, strict=True)
    ]
    alt = describe_intervals(row_labels, est, lo, hi, what, conf_level, decimals)
    if reference is not None and reference_label:
        alt = alt[:-1] + f"; reference line: {reference_label}."
    return Chart(fig, title, alt)


def decorate(
    fig: Figure,
    *,
    title: str,
    alt: str,
    xlabel: str | None = None,
    ylabel: str | None = None,
    source: str = SOURCE_SIN,
) -> Chart:
    """Give a figure drawn elsewhere (a funnel or tornado plot) the title, labels and source.

    Parameters
    ----------
    fig : Figure
        A figure with one main axes (the first).
    title, alt : str
        Title and alt text.
    xlabel, ylabel : str, optional
        Axis labels with units (kept as drawn when None).
    source : str
        Source line.
    """
    ax = fig.axes[0]
    with chart_style():
        for loc in ("left", "center", "right"):
            ax.set_title("", loc=loc)
        fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
        if xlabel is not None:
            ax.set_xlabel(xlabel)
        if ylabel is not None:
            ax.set_ylabel(ylabel)
        fig.text(0.01, 0.01, source, ha="left", va="bottom", fontsize=8, color=GREY)
        _layout(fig)
    return Chart(fig, title, alt)
