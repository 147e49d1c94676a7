"""Charts of statistical results: the funnel plot and the tornado chart.

The statistics layer computes the tables (:func:`sinstats.stats.funnel.funnel_table`,
:func:`sinstats.stats.uncertainty.tornado`) and never draws; these functions draw them on one
axes, and :func:`sinstats.present.plots.decorate` gives the figure the project's title, labels and
source line.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from afcharts.af_colours import get_af_colours
from matplotlib.axes import Axes

from sinstats.errors import ParameterError
from sinstats.present.plots.style import PALETTE
from sinstats.stats import funnel


def funnel_plot(
    table: pd.DataFrame,
    ax: Axes | None = None,
    title: str | None = None,
    source: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> Axes:
    """Draw a funnel plot from :func:`sinstats.stats.funnel.funnel_table`.

    The axes get the plot's own title, labels, legend and source; a report's chart goes through
    :func:`sinstats.present.plots.decorate`, which replaces them with the project's.

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
    denominators from the settings in ``table.attrs["funnel"]``, with its ``draw_method``:
    Spiegelhalter's interpolated limits when the units are flagged with the exact ones (the
    exact limits are a step function, a sawtooth when drawn). Without those settings (e.g. after
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
            drawn = settings.get("draw_method", settings["method"])
            if drawn == "additive":
                lo, hi = funnel.additive_limits(e_grid, settings["tau2"], level)
            elif drawn == "multiplicative":
                lo, hi = funnel.multiplicative_limits(e_grid, settings["phi"], level)
            else:
                lo, hi = funnel.LIMIT_METHODS[drawn](e_grid, (1.0 - level) / 2.0)
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

    The axes get the chart's own title, axis labels and legend (below the axes); a report's
    chart goes through :func:`sinstats.present.plots.decorate` for the project's title and source.

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
    # Right-aligned with the axes: the long assumption labels push the axes to the right, and a
    # legend centred under them ran off the figure ("central value, default assumpti").
    ax.legend(
        handles=handles,
        loc="upper right",
        bbox_to_anchor=(1.0, -0.12),
        ncol=2,
        fontsize="small",
        frameon=False,
    )
    return ax
