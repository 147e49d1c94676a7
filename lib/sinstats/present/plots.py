"""Charts in the UK Government Analysis Function style, with alt text made from their numbers.

Every chart function returns a :class:`Chart`: the matplotlib figure, a title, and alt text
generated from the numbers the chart shows (for the HTML and PDF reports and screen readers).
Charts follow the Analysis Function guidance through the ``afcharts`` package (its matplotlib
style and its categorical palette) and never rely on colour alone: each series also has its own
line style and marker, and shaded areas have hatching, so they stay distinguishable when printed
in greyscale. Every chart has a title, axis labels with units, and a source line.

Rendering is deterministic: :func:`svg_bytes` and :func:`png_bytes` give identical bytes for the
same chart (no dates in the metadata, a fixed SVG id salt, glyphs drawn as paths).

:func:`show` displays a chart in a notebook as an HTML ``<img>`` with its alt text (nbconvert's
HTML templates prefer ``text/html`` to images and drop any alt text set in image metadata, so
this is the route that carries alt text into the HTML and PDF reports), with the SVG as a
fallback for front ends that do not render HTML.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from afcharts.af_colours import get_af_colours
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sinstats.errors import ParameterError
from sinstats.present.words import count_text, interval_text, join_words, level_text
from sinstats.stats import funnel

#: Source line for charts of the national series with rates.
SOURCE_SIN: Final = "Source: DfE Serious incident notifications; ONS mid-year estimates"
#: Source line for charts of counts only.
SOURCE_SIN_COUNTS: Final = "Source: DfE and Ofsted Serious incident notifications"
#: Source line for charts comparing the Panel's and DfE's counts.
SOURCE_PANEL: Final = (
    "Source: Child Safeguarding Practice Review Panel annual reports; "
    "DfE Serious incident notifications"
)

#: Analysis Function categorical palette (dark blue, turquoise, dark pink, orange, dark grey,
#: light purple), in the guidance's order.
PALETTE: Final[tuple[str, ...]] = tuple(get_af_colours("categorical", number_of_colours=6))
#: Neutral grey for context (breaks, reference lines).
GREY: Final = "#3D3D3D"
LIGHT_GREY: Final = "#BFBFBF"

#: Line styles, markers and hatches paired with :data:`PALETTE` so no series is told apart by
#: colour alone.
LINESTYLES: Final[tuple[Any, ...]] = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)))
MARKERS: Final[tuple[str, ...]] = ("o", "s", "^", "D", "v", "P")
HATCHES: Final[tuple[str, ...]] = ("", "///", "...", "xx", "\\\\\\", "++")

#: Inches: a full-width chart on A4 with 2 cm margins.
WIDTH: Final = 8.0
HEIGHT: Final = 4.6

_RC: Final[dict[str, Any]] = {
    "svg.hashsalt": "sinstats",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"],
    "axes.prop_cycle": cycler(color=list(PALETTE)),
}

#: Numbers accepted by the chart functions: a sequence, an array or a pandas column.
Numbers = Sequence[float] | np.ndarray | pd.Series

_SVG_METADATA: Final = {"Date": None, "Creator": "sinstats"}
_PNG_METADATA: Final = {"Software": "sinstats"}


@dataclass
class Chart:
    """A finished chart and what it says.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The figure.
    title : str
        The chart title (also drawn on the chart).
    alt : str
        Alt text made from the numbers shown.
    """

    figure: Figure
    title: str
    alt: str

    def _repr_html_(self) -> str:
        return figure_html(self)


@contextmanager
def chart_style() -> Iterator[None]:
    """Apply the Analysis Function style with the project's deterministic settings."""
    with plt.style.context(["afcharts.afcharts", _RC]):
        yield


def new_figure(width: float = WIDTH, height: float = HEIGHT) -> tuple[Figure, Axes]:
    """Return a figure and axes in the chart style (call inside :func:`chart_style`)."""
    fig, ax = plt.subplots(figsize=(width, height))
    return fig, ax


def finish(
    fig: Figure,
    ax: Axes,
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    source: str = SOURCE_SIN,
    legend: bool = True,
    legend_loc: Any = "best",
) -> None:
    """Add the title, axis labels, source line and legend, and lay the figure out.

    Parameters
    ----------
    fig, ax : Figure, Axes
        The chart.
    title : str
        Title (left-aligned, as the guidance recommends).
    xlabel, ylabel : str
        Axis labels, with units.
    source : str
        Source line drawn under the chart.
    legend : bool
        Draw a legend when the axes have labelled artists.
    legend_loc : str
        Where to put the legend (matplotlib ``loc``).
    """
    fig.suptitle(title, x=0.01, ha="left", fontsize=12, fontweight="bold")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    handles, labels = ax.get_legend_handles_labels()
    if legend and handles:
        ax.legend(loc=legend_loc)
    fig.text(0.01, 0.01, source, ha="left", va="bottom", fontsize=8, color=GREY)
    _layout(fig)


def _layout(fig: Figure) -> None:
    """Lay out the axes, leaving fixed room (in inches) for the title and the source line."""
    height = float(fig.get_figheight())
    fig.tight_layout(rect=(0, 0.3 / height, 1, 1 - 0.45 / height))


def style_for(i: int) -> dict[str, Any]:
    """Return the colour, line style and marker of the ``i``-th series."""
    k = i % len(PALETTE)
    return {"color": PALETTE[k], "linestyle": LINESTYLES[k], "marker": MARKERS[k]}


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def svg_bytes(chart: Chart | Figure) -> bytes:
    """Render a chart as SVG, byte-for-byte reproducible."""
    fig = chart.figure if isinstance(chart, Chart) else chart
    buf = io.BytesIO()
    with plt.rc_context({"svg.hashsalt": "sinstats", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata=_SVG_METADATA)
    return buf.getvalue()


def png_bytes(chart: Chart | Figure, dpi: int = 200) -> bytes:
    """Render a chart as PNG at ``dpi`` (print resolution by default), reproducibly."""
    fig = chart.figure if isinstance(chart, Chart) else chart
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=_PNG_METADATA)
    return buf.getvalue()


def figure_html(chart: Chart) -> str:
    """Return the chart as an HTML ``<figure>`` holding an SVG ``<img>`` with its alt text."""
    data = base64.b64encode(svg_bytes(chart)).decode("ascii")
    alt = html.escape(chart.alt, quote=True)
    return (
        f'<figure class="sinstats-chart" style="margin: 0">'
        f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}" '
        f'style="max-width: 100%; height: auto"></figure>'
    )


def show(chart: Chart) -> None:
    """Display a chart in a notebook with its alt text, then close the figure.

    The output carries ``text/html`` (an ``<img>`` with ``alt``: what nbconvert's HTML export
    and WeasyPrint use), ``image/svg+xml`` (with the alt text in its metadata) and
    ``text/plain`` (the alt text itself).
    """
    from IPython import display as ipd

    display: Any = ipd.display
    bundle = {
        "text/html": figure_html(chart),
        "image/svg+xml": svg_bytes(chart).decode("utf-8"),
        "text/plain": f"[Chart] {chart.alt}",
    }
    display(bundle, raw=True, metadata={"image/svg+xml": {"alt": chart.alt}})
    plt.close(chart.figure)


def close(chart: Chart) -> None:
    """Release a chart's figure."""
    plt.close(chart.figure)


# ---------------------------------------------------------------------------------------------
# Alt text
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------


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
        for first, last, label in shaded:
            if first in pos and last in pos:
                ax.axvspan(
                    pos[first] - 0.5,
                    pos[last] + 0.5,
                    facecolor="#F2F2F2",
                    edgecolor=LIGHT_GREY,
                    hatch="..",
                    linewidth=0,
                    label=label,
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
        for i, (label, fitted) in enumerate(fits, start=1):
            st = style_for(i)
            ax.plot(
                x,
                np.asarray(fitted, dtype=float),
                color=st["color"],
                linestyle=st["linestyle"],
                marker=None,
                linewidth=1.6,
                label=label,
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


# ---------------------------------------------------------------------------------------------
# Charts of statistical results: funnel plot, tornado chart
# ---------------------------------------------------------------------------------------------


def funnel_plot(
    table: pd.DataFrame,
    ax: Axes | None = None,
    title: str | None = None,
    source: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Draw a funnel plot from :func:`sinstats.stats.funnel.funnel_table`.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`funnel_table`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new figure.
    title : str, optional
        Default ``"Rate per 100,000 by population, with 95% and 99.8% limits"``.
    source : str, optional
        Source line printed under the axes (``"Source: ..."``).
    xlabel, ylabel : str, optional
        Axis labels; defaults name the quantity and its unit.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Points are units (circles within the limits, triangles up or down when flagged); the target
    is a solid line and each level's limits share a line style (dashed 95%, dotted 99.8%), so the
    plot reads in greyscale. Limits are drawn as smooth curves over the range of the
    denominators from the settings in ``table.attrs["funnel"]``; without them (e.g. after
    filtering in a way that drops attrs) the per-unit limits are joined instead. Colours are the
    Analysis Function palette (afcharts).
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter

    if not isinstance(table, pd.DataFrame) or "flag" not in table.columns:
        raise ParameterError("table must be a DataFrame returned by funnel_table")
    by_population = "population" in table.columns
    xcol, ycol = ("population", "rate") if by_population else ("expected", "ratio")
    if ycol not in table.columns:
        raise ParameterError(f"table has no {ycol!r} column; pass the output of funnel_table")
    settings = table.attrs.get("funnel", {})
    levels: tuple[float, ...] = tuple(
        settings.get(
            "conf_levels",
            sorted(
                float(c[len("upper_") :]) / 100 for c in table.columns if c.startswith("upper_")
            ),
        )
    )
    scale = float(settings.get("scale", 1.0))
    target = float(settings.get("target", float(table["target"].iloc[0])))
    colours = list(PALETTE)
    point_colour, flag_colour, line_colour = colours[0], colours[3], colours[4]
    styles: list[Any] = ["--", ":", "-.", (0, (5, 1, 1, 1, 1, 1))]

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 5.5))
    x = table[xcol].to_numpy(dtype=float)
    y = table[ycol].to_numpy(dtype=float)
    flags = table["flag"].astype(str).to_numpy()

    ax.axhline(target, color=line_colour, linewidth=1.0, linestyle="-", zorder=1)
    unit = f" per {scale:,.0f}" if by_population else ""
    handles: list[Any] = [
        Line2D([], [], color=line_colour, linewidth=1.0, label=f"Target ({target:.3g}{unit})")
    ]
    grid = np.geomspace(max(x.min() * 0.8, 1e-12), x.max() * 1.1, 1000)
    for i, level in enumerate(sorted(levels)):
        lab = funnel.level_label(level)
        style = styles[min(i, len(styles) - 1)]
        if settings:
            if by_population:
                e_grid = settings["target"] * grid / scale
                denom_grid = grid
            else:
                e_grid = settings["target"] * grid
                denom_grid = grid
            if settings["method"] == "additive":
                lo, hi = funnel.additive_limits(e_grid, settings["tau2"], level)
            else:
                lo, hi = funnel.LIMIT_METHODS[settings["method"]](e_grid, (1.0 - level) / 2.0)
            gx, glo, ghi = grid, lo / denom_grid * scale, hi / denom_grid * scale
        else:
            order = np.argsort(x)
            gx = x[order]
            glo = table[f"lower_{lab}"].to_numpy(dtype=float)[order]
            ghi = table[f"upper_{lab}"].to_numpy(dtype=float)[order]
        ax.plot(gx, glo, color=line_colour, linestyle=style, linewidth=1.2, zorder=2)
        ax.plot(gx, ghi, color=line_colour, linestyle=style, linewidth=1.2, zorder=2)
        handles.append(
            Line2D(
                [], [], color=line_colour, linestyle=style, linewidth=1.2, label=f"{lab}% limits"
            )
        )

    within = flags == "within"
    above = np.char.startswith(flags.astype(str), "above")
    below = np.char.startswith(flags.astype(str), "below")
    kinds = [
        (within, "o", point_colour, "Within limits"),
        (above, "^", flag_colour, "Above a limit"),
        (below, "v", flag_colour, "Below a limit"),
    ]
    for mask, marker, colour, label in kinds:
        if np.any(mask):
            ax.scatter(
                x[mask], y[mask], marker=marker, s=36, color=colour, edgecolor="white",
                linewidth=0.5, zorder=3, label=label,
            )  # fmt: skip
            handles.append(
                Line2D([], [], marker=marker, linestyle="", color=colour, label=label, markersize=6)
            )

    if by_population:
        per = f"{scale:,.0f}"
        default_title = (
            f"Rate per {per} by population, with "
            + " and ".join(f"{funnel.level_label(v)}%" for v in sorted(levels))
            + " limits"
        )
        ax.set_xlabel(xlabel or "Population")
        ax.set_ylabel(ylabel or f"Rate per {per} population")
    else:
        default_title = (
            "Observed/expected ratio by expected count, with "
            + " and ".join(f"{funnel.level_label(v)}%" for v in sorted(levels))
            + " limits"
        )
        ax.set_xlabel(xlabel or "Expected count")
        ax.set_ylabel(ylabel or "Ratio of observed to expected")
    ax.set_title(title or default_title, loc="left")
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 10 else f"{v:g}")
    )
    ax.set_ylim(bottom=0)
    ax.legend(handles=handles, frameon=False, fontsize="small", loc="upper right")
    ax.spines[["top", "right"]].set_visible(False)
    if source:
        ax.annotate(
            f"Source: {source}", xy=(0, 0), xycoords="axes fraction", xytext=(0, -40),
            textcoords="offset points", ha="left", va="top", fontsize="small",
        )  # fmt: skip
    return ax


def tornado_plot(
    table: pd.DataFrame,
    ax: Axes | None = None,
    unit: str | None = None,
    title: str | None = None,
) -> Axes:
    """Draw a tornado chart of a :func:`sinstats.stats.uncertainty.tornado` table.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`sinstats.stats.uncertainty.tornado`.
    ax : matplotlib Axes, optional
        Drawn on a new figure if not given.
    unit : str, optional
        Unit for the x axis (defaults to the table's ``attrs["unit"]``).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    Each assumption has one row, the largest swing at the top. Bars run from the central value
    under the default assumptions (dashed line) to the central value with the assumption at the
    low end (hatched, dark blue) and high end (plain, orange) of its range; thin lines below and
    above each bar show the interval at those ends. Colours are the Analysis Function "duo"
    palette (``afcharts``), which differ in lightness; the hatching keeps the two ends apart
    in greyscale.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    dark, light = get_af_colours("duo")[:2]

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.2 + 0.8 * max(len(table), 1)))
    unit = unit or str(table.attrs.get("unit", "count"))
    target = str(table.attrs.get("target", ""))
    records = table.iloc[::-1].to_dict("records")  # largest swing at the top
    level = float(records[0]["conf_level"]) if records else 0.95
    base = float(records[0]["base_central"]) if records else 0.0
    labels = []
    for y, row in enumerate(records):
        for end, colour, hatch, off in (("low", dark, "///", -0.3), ("high", light, "", 0.3)):
            central = float(row[f"central_at_{end}"])
            ax.barh(
                y,
                central - base,
                left=base,
                height=0.45,
                color=colour,
                hatch=hatch,
                edgecolor="white" if hatch else colour,
                linewidth=0,
            )
            ax.plot(
                [float(row[f"lower_at_{end}"]), float(row[f"upper_at_{end}"])],
                [y + off, y + off],
                color=colour,
                linewidth=1.2,
                marker="|",
                markersize=8,
            )
        if pd.isna(row["low_value"]):
            labels.append(f"{row['component']}\n(not varied)")
        else:
            labels.append(
                f"{row['component']}\n{row['parameter']} {row['low_value']:g} to "
                f"{row['high_value']:g}"
            )
    ax.set_yticks(range(len(records)), labels)
    ax.axvline(base, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel(f"Central estimate and {level:.0%} interval ({unit})")
    ax.set_ylabel("Assumption (plausible range)")
    ax.set_title(title or f"Sensitivity of {target or 'the estimate'} to each assumption")
    handles = [
        Patch(facecolor=dark, hatch="///", edgecolor="white", label="assumption at low end"),
        Patch(facecolor=light, label="assumption at high end"),
        Line2D([], [], color="black", linestyle="--", label="central value, default assumptions"),
        Line2D([], [], color="grey", marker="|", label=f"{level:.0%} interval at that end"),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=2,
        fontsize="small",
        frameon=False,
    )
    return ax
