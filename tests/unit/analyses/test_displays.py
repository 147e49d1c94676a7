"""The reader-facing tables, charts and display helpers the notebooks call."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from sinstats.analyses import areas, measure, overview, panel, timeseries, verification
from sinstats.present import outputs, plots


def _check_display(frame: pd.DataFrame, rows: int) -> None:
    assert len(frame) == rows
    assert all(isinstance(c, str) for c in frame.columns)
    assert not frame.isna().any().any()


def test_overview_displays() -> None:
    headline = overview.headline_table("2015-16")
    _check_display(overview.headline_display(headline), 4)
    _check_display(overview.shares_display(overview.shares_table("2015-16")), 3)
    _check_display(overview.change_display(overview.change_table("2015-16")), 5)
    long = overview.method_sensitivity("2015-16")
    for kind in overview.SENSITIVITY_CAPTIONS:
        assert len(overview.sensitivity_summary(long, kind)) > 0
    sentence = overview.headline_sentence(headline)
    assert "No figure for other was published for this year." in sentence
    records = overview.key_figures(headline)
    _check_display(overview.key_figures_display(records), 5)
    assert overview.sensitivity_sentence(long.iloc[0:0]).startswith("No headline figure")


def test_timeseries_display() -> None:
    s = timeseries.series_intervals()
    display = timeseries.series_display(s)
    assert display.loc[display["Year"] == "2017-18", "Notifications"].iloc[0] == "not published"
    fits = timeseries.trend_fits(s)
    _check_display(timeseries.trend_display(timeseries.trend_table(fits)), 7)


def test_measure_displays_and_charts() -> None:
    model = measure.load_model("2026", "deaths_maltreatment_or_assault")
    result = measure.simulate(model, n_draws=5_000, seed=2)
    _check_display(measure.assumptions_display(measure.assumptions_table(model)), 7)
    assert len(measure.decomposition_display(result)) == len(result.decomposition)
    chart = measure.comparison_chart(measure.comparison_table(model, result), model, 0.95)
    assert "published count, 160" in chart.alt
    plots.close(chart)
    table = measure.tornado(model, n_draws=5_000, seed=2)
    chart = measure.tornado_chart(table, model)
    assert chart.alt.startswith("Tornado chart of children who died of maltreatment or assault")
    assert "rounding not varied" in chart.alt
    plots.close(chart)
    keys = measure.key_figures(model, result)
    assert keys[0].value == 160 and keys[1].lower < keys[1].value < keys[1].upper


def test_panel_and_areas_displays() -> None:
    table = panel.reconciliation()
    _check_display(panel.reconciliation_display(table), len(table))
    reasons = panel.reasons_display()
    assert "Different periods" in set(reasons["Reason"])  # panel.REASON_WORDS["period_basis"]
    assert len(reasons) == len(panel.RECONCILIATION_REASONS)
    assert panel.key_figures(table)[0].value == -63
    result = areas.area_table("2025")
    _check_display(areas.area_display(result.table), len(result.table))
    funnel_table, check = areas.funnel_result(result, "2025")
    chart = areas.funnel_chart(funnel_table, result, "2024-25")
    assert chart.alt.startswith("Funnel plot of notifications per 100,000 children in 2024-25")
    plots.close(chart)
    breakdowns = areas.breakdown_table()
    _check_display(areas.breakdown_display(breakdowns), len(breakdowns))
    keys = areas.key_figures(breakdowns, result, "2024-25")
    assert [k.name for k in keys] == ["looked_after_share", "areas_with_counts"]
    assert len(areas.care_leaver_table()) == 5


def test_verification_displays() -> None:
    table = verification.verify()
    differs = verification.differs_display(table)
    assert set(differs["Verdict"]) <= {"differs", "cannot check"}
    assert verification.explanation(table, "no-such-claim") == ""


def test_show_helpers_display_without_a_kernel(capsys: pytest.CaptureFixture[str]) -> None:
    outputs.reset()
    outputs.say("**bold** text")
    outputs.show_frame(pd.DataFrame({"a": [1]}), caption="Cap")
    chart = plots.interval_chart(
        ["a"], [1.0], [0.5], [2.0], title="t", xlabel="x (count)", what="w"
    )
    outputs.figure(chart, "chart")
    shown = capsys.readouterr().out
    assert "Cap" in shown and "[Chart] Dot chart of w" in shown
    assert "sinstats-chart" in chart._repr_html_()


def _clipped_texts(fig: Figure) -> list[str]:
    """Texts of a drawn figure that run past its edges (a reader would see them cut off)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = fig.bbox
    undrawn = set()  # tick labels outside the axis' view limits are never drawn
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - 1e-9 <= tick.get_loc() <= hi + 1e-9:
                    undrawn |= {id(tick.label1), id(tick.label2)}
    clipped = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or id(text) in undrawn:
            continue
        ext = text.get_window_extent(renderer)
        if ext.x0 < box.x0 - 1 or ext.x1 > box.x1 + 1 or ext.y0 < box.y0 - 1 or ext.y1 > box.y1 + 1:
            clipped.append(text.get_text())
    return clipped


def test_the_measure_charts_show_every_word_whole() -> None:
    model = measure.load_model("2026", "deaths_maltreatment_or_assault")
    result = measure.simulate(model, n_draws=5_000, seed=2)
    comparison = measure.comparison_chart(measure.comparison_table(model, result), model, 0.95)
    tornado = measure.tornado_chart(measure.tornado(model, n_draws=5_000, seed=2), model)
    try:
        for chart in (comparison, tornado):
            assert _clipped_texts(chart.figure) == [], chart.title
        legend = tornado.figure.axes[0].get_legend()
        assert "central value, default assumptions" in [t.get_text() for t in legend.get_texts()]
    finally:
        plots.close(comparison)
        plots.close(tornado)


def test_a_series_legend_names_the_series_not_the_shaded_years() -> None:
    table = pd.DataFrame(
        {
            "period": ["2018-19", "2019-20", "2020-21", "2021-22"],
            "count": [498.0, 449.0, 536.0, 443.0],
            "lower": [455.2, 408.4, 491.7, 402.7],
            "upper": [543.7, 492.5, 583.1, 486.4],
        }
    )
    chart = plots.series_chart(
        table,
        title="Serious incident notifications, England",
        ylabel="Notifications (count)",
        what="serious incident notifications",
        shaded=[("2020-21", "2020-21", "pandemic year")],
        fits=[("log-linear trend", [480.0, 485.0, 490.0, 495.0])],
        label="published count",
    )
    try:
        legend = chart.figure.axes[0].get_legend()
        labels = [t.get_text() for t in legend.get_texts()]
        assert sorted(labels) == sorted(
            ["pandemic year", "95% interval", "published count", "log-linear trend"]
        )
        assert _clipped_texts(chart.figure) == []
    finally:
        plots.close(chart)
