"""Rendering a chart: reproducible SVG and PNG bytes, HTML with alt text, notebook display.

:func:`svg_bytes` and :func:`png_bytes` give identical bytes for the same chart (no dates in the
metadata, a fixed SVG id salt, glyphs drawn as paths); :func:`print_svg_bytes` is the SVG with
its text as text, for the PDF only. :func:`show` displays a chart in a notebook
as an HTML ``<img>`` with its alt text (nbconvert's HTML templates prefer ``text/html`` to images
and drop any alt text set in image metadata, so this is the route that carries alt text into the
HTML and PDF reports), with the SVG as a fallback for front ends that do not render HTML.
"""

from __future__ import annotations

import base64
import functools
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import matplotlib
import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.figure import Figure

from sinstats.present.plots.style import chart_style

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
    """Render a chart as SVG, byte-for-byte reproducible.

    Drawn in the chart style (:func:`~sinstats.present.plots.style.chart_style`), as it was
    laid out: matplotlib finds a generic family's font ("sans-serif") when it draws, so a
    chart laid out in the style's font (Arial or Liberation Sans, where installed) and drawn
    outside it would be set in another font (DejaVu Sans), wider than the room the layout
    left, and long labels would run off the chart.
    """
    fig = chart.figure if isinstance(chart, Chart) else chart
    buf = io.BytesIO()
    with chart_style(), plt.rc_context({"svg.hashsalt": "sinstats", "svg.fonttype": "path"}):
        fig.savefig(buf, format="svg", metadata=_SVG_METADATA)
    return buf.getvalue()


def print_svg_bytes(chart: Chart | Figure) -> bytes | None:
    """Render a chart as SVG with its text as text, for the PDF; None where that is not safe.

    In :func:`svg_bytes` every glyph is a path (one ``<use>`` each), which the PDF exporter
    draws shape by shape; here the text stays text, which the exporter sets itself: selectable
    in the PDF, and quicker to draw (about three times, measured with the earlier exporter,
    WeasyPrint, where the glyphs took two thirds of a chart's time). Text is only drawn the
    same where the exporter finds the fonts matplotlib measured the text
    with, so this copy is made only when those fonts are installed on the system rather than
    bundled with matplotlib (:func:`_chart_fonts_installed`); otherwise it returns None and
    the PDF uses :func:`svg_bytes`. Byte-for-byte reproducible, as :func:`svg_bytes`.
    """
    fig = chart.figure if isinstance(chart, Chart) else chart
    buf = io.BytesIO()
    with chart_style():  # the fonts it lays out and draws with (see svg_bytes)
        if not _chart_fonts_installed():
            return None
        with plt.rc_context({"svg.hashsalt": "sinstats", "svg.fonttype": "none"}):
            fig.savefig(buf, format="svg", metadata=_SVG_METADATA)
    return buf.getvalue()


@functools.cache
def _chart_fonts_installed() -> bool:
    """Whether the charts' fonts (regular and bold sans-serif) are installed on the system.

    matplotlib may measure text with a copy it bundles (DejaVu Sans) even where the system has
    the same family; the exporter finds only the system's. So each font matplotlib uses must
    have a system font of the same name, weight and style that sets a sample line to the same
    width (the same metrics), or the answer is no.
    """
    bundled = Path(matplotlib.get_data_path()).resolve()
    entries = font_manager.fontManager.ttflist
    for weight in ("normal", "bold"):
        props = font_manager.FontProperties(family=["sans-serif"], weight=weight)
        used = Path(font_manager.findfont(props, fallback_to_default=True)).resolve()
        entry = next((f for f in entries if Path(f.fname).resolve() == used), None)
        if entry is None:
            return False
        twins = [
            Path(f.fname)
            for f in entries
            if not Path(f.fname).resolve().is_relative_to(bundled)
            and (f.name, f.weight, f.style, f.stretch)
            == (entry.name, entry.weight, entry.style, entry.stretch)
        ]
        width = _sample_width(used)
        if not any(_sample_width(t) == width for t in twins):
            return False
    return True


def _sample_width(path: Path) -> tuple[float, float]:
    """Width and height of a sample line set in the font at ``path`` (its metrics, compared)."""
    font = font_manager.get_font(path)
    font.set_size(10, 72)
    font.set_text("Children who died, 2025-26: 0123456789 (95% interval) ~ W;", 0.0)
    width, height = font.get_width_height()
    return float(width), float(height)


def png_bytes(chart: Chart | Figure, dpi: int = 200) -> bytes:
    """Render a chart as PNG at ``dpi`` (print resolution by default), reproducibly."""
    fig = chart.figure if isinstance(chart, Chart) else chart
    buf = io.BytesIO()
    with chart_style():  # drawn in the fonts it was laid out with (see svg_bytes)
        fig.savefig(buf, format="png", dpi=dpi, metadata=_PNG_METADATA)
    return buf.getvalue()


def figure_html(chart: Chart, svg: bytes | None = None) -> str:
    """Return the chart as an HTML ``<figure>`` holding an SVG ``<img>`` with its alt text.

    ``svg`` is the chart's :func:`svg_bytes` where the caller has them already (drawing a chart
    costs a few tenths of a second); by default they are rendered here.
    """
    data = base64.b64encode(svg_bytes(chart) if svg is None else svg).decode("ascii")
    alt = html.escape(chart.alt, quote=True)
    return (
        f'<figure class="sinstats-chart" style="margin: 0">'
        f'<img src="data:image/svg+xml;base64,{data}" alt="{alt}" '
        f'style="max-width: 100%; height: auto"></figure>'
    )


def show(chart: Chart, svg: bytes | None = None) -> None:
    """Display a chart in a notebook with its alt text, then close the figure.

    The output carries ``text/html`` (an ``<img>`` with ``alt``: what nbconvert's HTML export
    and the PDF use), ``image/svg+xml`` (with the alt text in its metadata) and
    ``text/plain`` (the alt text itself). Both images are the same SVG, rendered once (or
    ``svg``, the chart's :func:`svg_bytes` where the caller has them already).
    """
    from IPython import display as ipd

    display: Any = ipd.display
    svg = svg_bytes(chart) if svg is None else svg
    bundle = {
        "text/html": figure_html(chart, svg),
        "image/svg+xml": svg.decode("utf-8"),
        "text/plain": f"[Chart] {chart.alt}",
    }
    display(bundle, raw=True, metadata={"image/svg+xml": {"alt": chart.alt}})
    plt.close(chart.figure)


def close(chart: Chart) -> None:
    """Release a chart's figure."""
    plt.close(chart.figure)
