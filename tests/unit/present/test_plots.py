"""Charts: titles, labels, source line, alt text from the numbers, greyscale, determinism."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager

from sinstats.present import plots
from sinstats.present.plots import render


def _series() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": ["2015-16", "2016-17", "2017-18", "2018-19", "2019-20"],
            "count": [379.0, 433.0, math.nan, 498.0, 449.0],
            "lower": [341.8, 393.2, math.nan, 455.2, 408.4],
            "upper": [419.1, 475.8, math.nan, 543.7, 492.5],
        }
    )


def _chart() -> plots.Chart:
    return plots.series_chart(
        _series(),
        title="Serious incident notifications, England",
        ylabel="Notifications (count)",
        what="serious incident notifications in England",
        breaks=[("2018-19", "Ofsted to DfE")],
        shaded=[("2018-19", "2019-20", "pandemic")],
        fits=[("trend A", [400, 410, 420, 430, 440]), ("trend B", [390, 405, 420, 435, 450])],
    )


def _texts(chart: plots.Chart) -> list[str]:
    return [t.get_text() for t in chart.figure.texts]


def test_series_chart_has_title_labels_and_source() -> None:
    chart = _chart()
    ax = chart.figure.axes[0]
    assert (
        chart.figure._suptitle.get_text()
        == chart.title
        == "Serious incident notifications, England"
    )
    assert ax.get_xlabel() == "April-March year"
    assert ax.get_ylabel() == "Notifications (count)"
    assert plots.SOURCE_SIN in _texts(chart)
    plots.close(chart)


def test_series_alt_text_is_made_from_the_numbers() -> None:
    chart = _chart()
    assert chart.alt.startswith(
        "Line chart of serious incident notifications in England, 2015-16 to 2019-20: "
        "highest 498 in 2018-19, lowest 379 in 2015-16; latest 449 in 2019-20; "
        "2017-18 not published."
    )
    assert "95% interval" in chart.alt and "Ofsted to DfE from 2018-19" in chart.alt
    assert "trend A and trend B" in chart.alt
    plots.close(chart)


def test_series_gap_is_left_missing() -> None:
    chart = _chart()
    line = chart.figure.axes[0].get_lines()[0]
    y = np.asarray(line.get_ydata(), dtype=float)
    assert math.isnan(y[2]) and not np.isnan(np.delete(y, 2)).any()
    plots.close(chart)


def _grey(colour: object) -> float:
    r, g, b = mcolors.to_rgb(colour)  # type: ignore[arg-type]
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_lines_are_distinguishable_without_colour() -> None:
    chart = _chart()
    lines = [ln for ln in chart.figure.axes[0].get_lines() if not ln.get_label().startswith("_")]
    styles = {(str(ln.get_linestyle()), str(ln.get_marker())) for ln in lines}
    assert len(styles) == len(lines) >= 3
    plots.close(chart)


def test_palette_is_the_analysis_function_palette_and_styles_differ() -> None:
    assert plots.PALETTE[:4] == ("#12436D", "#28A197", "#801650", "#F46A25")
    styles = [plots.style_for(i) for i in range(6)]
    assert len({str(s["linestyle"]) for s in styles}) == 6
    assert len({s["marker"] for s in styles}) == 6
    assert len(set(plots.HATCHES)) == len(plots.HATCHES)
    # The first two series differ in lightness too (dark blue vs turquoise).
    assert abs(_grey(plots.PALETTE[0]) - _grey(plots.PALETTE[1])) > 0.2


def test_interval_chart_alt_text_and_groups() -> None:
    chart = plots.interval_chart(
        ["2022-23 total", "2022-23 total"],
        [393, 456],
        [355.1, 414.9],
        [433.8, 500.0],
        title="Panel and DfE",
        xlabel="Notifications (count)",
        what="counts",
        groups=["Panel", "DfE"],
    )
    assert chart.alt == (
        "Dot chart of counts with 95% intervals: Panel 2022-23 total 393 (355 to 434); "
        "DfE 2022-23 total 456 (415 to 500)."
    )
    ax = chart.figure.axes[0]
    assert ax.get_xlabel() == "Notifications (count)"
    markers = {ln.get_marker() for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert len(markers) == 2
    plots.close(chart)


def test_interval_chart_says_not_published() -> None:
    chart = plots.interval_chart(
        ["Total", "Other"], [379, math.nan], [341.8, math.nan], [419.1, math.nan],
        title="t", xlabel="Notifications (count)", what="counts",
    )  # fmt: skip
    assert "Other not published" in chart.alt
    assert "not published" in [t.get_text() for t in chart.figure.axes[0].texts]
    plots.close(chart)


def test_rendering_is_deterministic() -> None:
    one, two = _chart(), _chart()
    assert plots.svg_bytes(one) == plots.svg_bytes(one) == plots.svg_bytes(two)
    assert plots.png_bytes(one) == plots.png_bytes(two)
    svg = plots.svg_bytes(one).decode()
    assert "<dc:date>" not in svg
    plots.close(one)
    plots.close(two)


def test_figure_html_carries_escaped_alt_text() -> None:
    chart = _chart()
    chart.alt = 'A "quoted" <alt> & text'
    html = plots.figure_html(chart)
    assert 'alt="A &quot;quoted&quot; &lt;alt&gt; &amp; text"' in html
    assert html.count("<img ") == 1 and "data:image/svg+xml;base64," in html
    plots.close(chart)


def test_decorate_adds_title_labels_source() -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set_title("old")
    chart = plots.decorate(fig, title="New", alt="Alt", xlabel="x (units)", ylabel="y (units)")
    assert ax.get_title() == "" and fig._suptitle.get_text() == "New"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x (units)", "y (units)")
    assert plots.SOURCE_SIN in [t.get_text() for t in fig.texts]
    plots.close(chart)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 2.5, 2.0], "highest 2.50 in b, lowest 1 in a; latest 2 in c."),
        ([math.nan, math.nan, math.nan], "no published figures."),
    ],
)
def test_describe_series(values: list[float], expected: str) -> None:
    assert plots.describe_series(["a", "b", "c"], values, "x").endswith(expected)


def test_the_package_re_exports_every_public_name_of_its_modules() -> None:
    from sinstats.present.plots import alt_text, charts, render, statistical, style

    assert sorted(plots.__all__) == sorted(set(plots.__all__))
    for module in (alt_text, charts, render, statistical, style):
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
        }
        assert public <= set(plots.__all__), module.__name__
    assert plots.funnel_plot.__module__ == "sinstats.present.plots.statistical"


def test_the_print_copy_sets_text_as_text_and_is_deterministic() -> None:
    one, two = _chart(), _chart()
    if not render._chart_fonts_installed():  # pragma: no cover - this machine has the fonts
        assert plots.print_svg_bytes(one) is None
        pytest.fail("the charts' fonts are not installed: install fonts-dejavu-core")
    printed = plots.print_svg_bytes(one)
    assert printed is not None and printed == plots.print_svg_bytes(two)
    text = printed.decode()
    assert "<dc:date>" not in text
    # The title as one text element, where the screen SVG draws it glyph by glyph (glyph ids
    # are the font's PostScript name: the chart style's font on this machine).
    with plots.chart_style():
        found = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
    glyph = f'id="{font_manager.get_font(found).postscript_name}-'
    assert f">{one.title}</text>" in text and glyph not in text
    screen = plots.svg_bytes(one).decode()
    assert "</text>" not in screen and glyph in screen
    plots.close(one)
    plots.close(two)


def test_no_print_copy_without_the_fonts_on_the_system(monkeypatch: pytest.MonkeyPatch) -> None:
    render._chart_fonts_installed.cache_clear()
    bundled = str(Path(matplotlib.get_data_path()).resolve())
    only_bundled = [f for f in font_manager.fontManager.ttflist if f.fname.startswith(bundled)]
    assert only_bundled, "matplotlib bundles DejaVu Sans"
    monkeypatch.setattr(font_manager.fontManager, "ttflist", only_bundled)
    try:
        assert render._chart_fonts_installed() is False
        chart = _chart()
        assert plots.print_svg_bytes(chart) is None
        plots.close(chart)
    finally:
        render._chart_fonts_installed.cache_clear()


def test_a_system_font_with_other_metrics_is_not_a_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    render._chart_fonts_installed.cache_clear()
    real = render._sample_width
    bundled = Path(matplotlib.get_data_path()).resolve()

    def wider_outside_matplotlib(path: Path) -> tuple[float, float]:
        width, height = real(path)
        return (width, height) if path.resolve().is_relative_to(bundled) else (width + 1, height)

    monkeypatch.setattr(render, "_sample_width", wider_outside_matplotlib)
    try:
        used = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
        expected = not Path(used).resolve().is_relative_to(bundled)  # a system font is itself
        assert render._chart_fonts_installed() is expected
    finally:
        render._chart_fonts_installed.cache_clear()


def test_the_print_copy_escapes_text_from_the_data() -> None:
    chart = _chart()
    chart.figure.axes[0].set_xlabel('<script>alert(1)</script> & "area"')
    try:
        printed = plots.print_svg_bytes(chart)
        assert printed is not None  # the fonts are installed (see the test above)
        text = printed.decode()
        assert "<script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in text
    finally:
        plots.close(chart)


@pytest.mark.parametrize("render_fn", [render.png_bytes, render.svg_bytes])
def test_a_chart_is_drawn_in_the_font_it_was_laid_out_with(
    monkeypatch: pytest.MonkeyPatch, render_fn: object
) -> None:
    # matplotlib looks a generic family ("sans-serif") up when it draws. A chart laid out in
    # the style's font and drawn outside the style was set in the default font instead, wider
    # on a machine with Liberation Sans, and long labels ran off its left edge (notebook 03's
    # "definition maltreatment or assault alone"). Here the two fonts are made to differ on
    # any machine, with fonts matplotlib bundles: the style's DejaVu Sans, and outside it
    # DejaVu Sans Mono, which is wider.
    from sinstats.present.plots import style

    monkeypatch.setitem(style._RC, "font.sans-serif", ["DejaVu Sans"])
    monkeypatch.setitem(matplotlib.rcParams, "font.sans-serif", ["DejaVu Sans Mono"])
    labels = ["published count (2025-26)", "definition maltreatment or assault alone"]
    chart = plots.interval_chart(
        labels, [160, 50], [136, 17], [187, 104], title="T", xlabel="Number", what="counts"
    )
    used: list[str] = []
    real = font_manager.FontManager.findfont

    def spy(self: font_manager.FontManager, prop: object, *args: object, **kwargs: object) -> str:
        found = real(self, prop, *args, **kwargs)  # type: ignore[arg-type]
        used.append(Path(found).name)
        return str(found)

    monkeypatch.setattr(font_manager.FontManager, "findfont", spy)
    render_fn(chart)  # type: ignore[operator]
    assert used and not any("Mono" in name for name in used), sorted(set(used))
    if render_fn is render.png_bytes:
        from io import BytesIO

        from PIL import Image

        image = Image.open(BytesIO(render.png_bytes(chart))).convert("L")
        left = [image.getpixel((x, y)) for x in range(3) for y in range(image.height)]
        assert min(left) > 200, "a label runs off the chart's left edge"  # type: ignore[operator]
