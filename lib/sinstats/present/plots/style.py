"""The chart style: the Analysis Function palette, line styles and markers, figure sizes, layout.

Every chart is drawn inside :func:`chart_style` (the ``afcharts`` matplotlib style with the
project's deterministic settings) on a figure from :func:`new_figure`, and finished by
:func:`finish` (title, axis labels, source line, legend). Each series takes its colour, line style
and marker together from :func:`style_for`, so no series is told apart by colour alone.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from afcharts.af_colours import get_af_colours
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

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
