"""Rendering a chart: reproducible SVG and PNG bytes, HTML with alt text, notebook display.

:func:`svg_bytes` and :func:`png_bytes` give identical bytes for the same chart (no dates in the
metadata, a fixed SVG id salt, glyphs drawn as paths). :func:`show` displays a chart in a notebook
as an HTML ``<img>`` with its alt text (nbconvert's HTML templates prefer ``text/html`` to images
and drop any alt text set in image metadata, so this is the route that carries alt text into the
HTML and PDF reports), with the SVG as a fallback for front ends that do not render HTML.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass
from typing import Any, Final

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

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
