"""Charts in the UK Government Analysis Function style, with alt text made from their numbers.

Every chart function returns a :class:`Chart`: the matplotlib figure, a title, and alt text
generated from the numbers the chart shows (for the HTML and PDF reports and screen readers).
Charts follow the Analysis Function guidance through the ``afcharts`` package (its matplotlib
style and its categorical palette) and never rely on colour alone: each series also has its own
line style and marker, and shaded areas have hatching, so they stay distinguishable when printed
in greyscale. Every chart has a title, axis labels with units, and a source line.

One job per module; every public name is re-exported here, so callers write ``plots.X``:

- :mod:`~sinstats.present.plots.style`: palette, line styles, sizes, :func:`chart_style`,
  :func:`new_figure`, :func:`finish`;
- :mod:`~sinstats.present.plots.render`: :class:`Chart`, reproducible :func:`svg_bytes` and
  :func:`png_bytes`, :func:`print_svg_bytes` (for the PDF), :func:`figure_html`, :func:`show`
  in a notebook;
- :mod:`~sinstats.present.plots.alt_text`: alt text from the numbers;
- :mod:`~sinstats.present.plots.charts`: :func:`series_chart`, :func:`interval_chart` and
  :func:`decorate` for a figure drawn elsewhere;
- :mod:`~sinstats.present.plots.statistical`: :func:`funnel_plot` and :func:`tornado_plot`.
"""

from sinstats.present.plots.alt_text import describe_intervals, describe_series
from sinstats.present.plots.charts import decorate, interval_chart, series_chart
from sinstats.present.plots.render import (
    Chart,
    close,
    figure_html,
    png_bytes,
    print_svg_bytes,
    show,
    svg_bytes,
)
from sinstats.present.plots.statistical import funnel_plot, tornado_plot
from sinstats.present.plots.style import (
    GREY,
    HATCHES,
    HEIGHT,
    LIGHT_GREY,
    LINESTYLES,
    MARKERS,
    PALETTE,
    SOURCE_PANEL,
    SOURCE_SIN,
    SOURCE_SIN_COUNTS,
    WIDTH,
    Numbers,
    chart_style,
    finish,
    new_figure,
    style_for,
)

__all__ = [
    "GREY",
    "HATCHES",
    "HEIGHT",
    "LIGHT_GREY",
    "LINESTYLES",
    "MARKERS",
    "PALETTE",
    "SOURCE_PANEL",
    "SOURCE_SIN",
    "SOURCE_SIN_COUNTS",
    "WIDTH",
    "Chart",
    "Numbers",
    "chart_style",
    "close",
    "decorate",
    "describe_intervals",
    "describe_series",
    "figure_html",
    "finish",
    "funnel_plot",
    "interval_chart",
    "new_figure",
    "png_bytes",
    "print_svg_bytes",
    "series_chart",
    "show",
    "style_for",
    "svg_bytes",
    "tornado_plot",
]
