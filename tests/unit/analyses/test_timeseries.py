"""The series with intervals and the segmented trend fits used by notebook 02.

The fits themselves are checked against R in tests/unit/stats/test_segmented.py; here the
notebook module is checked: which years and terms it fits, that the main model is the
quasi-Poisson segmented one (no pretest), what the conclusion and key figures say, and that the
breaks come from data/breaks.yml.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from sinstats import data
from sinstats.analyses import timeseries

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "segmented_trends.csv"


def _ref(model: str, quantity: str) -> float:
    with REFERENCE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["model"] == model and row["quantity"] == quantity:
                return float(row["value"])
    raise KeyError((model, quantity))


@pytest.fixture(scope="module")
def series():  # type: ignore[no-untyped-def]
    return timeseries.series_intervals()


@pytest.fixture(scope="module")
def fits(series):  # type: ignore[no-untyped-def]
    return timeseries.trend_fits(series)


def test_series_runs_from_2014_15_with_the_gap(series) -> None:  # type: ignore[no-untyped-def]
    assert series["period"].iloc[0] == "2014-15"
    assert series["period"].iloc[-1] == data.latest_period().id
    gap = series[series["period"] == "2017-18"].iloc[0]
    assert math.isnan(gap["count"]) and math.isnan(gap["lower"])
    total = series[series["period"] == "2020-21"].iloc[0]
    assert total["count"] == 536
    pop = data.population("2020-21").value
    assert total["rate"] == pytest.approx(536 / pop * 1e5)


def test_carried_forward_population_is_said(series) -> None:  # type: ignore[no-untyped-def]
    last = series[series["period"] == "2025-26"].iloc[0]
    assert last["population_mid_year"] == 2024
    assert "does not allow for any change in the number of children" in last["note"]
    own = series[series["period"] == "2024-25"].iloc[0]
    assert own["note"] == ""


def test_series_end_truncates(series) -> None:  # type: ignore[no-untyped-def]
    short = timeseries.series_intervals(end="2019-20")
    assert list(short["period"]) == list(series["period"][:6])


def test_main_model_is_segmented_quasipoisson_on_the_rate(fits) -> None:  # type: ignore[no-untyped-def]
    main = fits[timeseries.MAIN]
    assert main.family == "quasipoisson" and main.n == 11 and "2017-18" not in main.periods
    assert [t.name for t in main.terms] == ["slope", "dfe-collection"]
    assert main.term("dfe-collection").where == "from 2018-19"
    # Same values as R's glm(count ~ t + dfe + offset(log(pop)), quasipoisson).
    assert main.slope.rate_ratio.estimate == pytest.approx(
        _ref("segmented_quasipoisson", "t.rate_ratio"), abs=1e-6
    )
    assert main.dispersion == pytest.approx(_ref("segmented_quasipoisson", "dispersion"), abs=1e-6)
    assert set(fits) == set(timeseries.MODELS)
    assert fits["dfe-only"].periods[0] == "2018-19"
    assert fits["pandemic"].term("pandemic").where == "2020-21"
    assert fits["pandemic-2021-22"].term("pandemic").where == "2020-21, 2021-22"


def test_trend_table_holds_slope_step_dispersion_and_df(fits) -> None:  # type: ignore[no-untyped-def]
    table = timeseries.trend_table(fits)
    assert len(table) == 7 and list(table["label"]) == list(timeseries.MODELS)
    for col in ("slope", "slope_lower", "slope_upper", "step", "step_lower", "step_upper",
                "dispersion", "df_resid", "method", "conf_level", "note"):  # fmt: skip
        assert col in table.columns
    main = table.set_index("label").loc[timeseries.MAIN]
    assert main["step"] == pytest.approx(_ref("segmented_quasipoisson", "dfe.rate_ratio"), abs=1e-6)
    assert main["df_resid"] == 8
    assert math.isnan(table.set_index("label").loc["single-slope", "step"])


def test_conclusion_comes_from_the_segmented_model(fits, series) -> None:  # type: ignore[no-untyped-def]
    text = timeseries.trend_conclusion(fits, series)
    slope = 100 * (_ref("segmented_quasipoisson", "t.rate_ratio") - 1)
    step = _ref("segmented_quasipoisson", "dfe.rate_ratio")
    assert text.startswith("From 2014-15 to 2025-26 (2017-18 not held, left out)")
    assert (
        f"within DfE's collection, notifications per child changed by {slope:.1f}% a year" in text
    )
    assert f"the move to DfE's collection (from 2018-19) came with a step of x{step:.2f}" in text
    assert "not a forecast" in text and "fewer incidents notified" in text
    assert "One slope across the break" in text


def test_lines_and_key_figures(fits, series) -> None:  # type: ignore[no-untyped-def]
    lines = timeseries.trend_lines(fits, series)
    assert [label for label, _ in lines][0].startswith("segmented trend")
    main = np.asarray(lines[0][1])
    assert math.isnan(main[list(series["period"]).index("2017-18")])  # a gap, never filled
    dfe = np.asarray(lines[-1][1])
    assert np.isnan(dfe[:4]).all() and not np.isnan(dfe[4:]).any()
    key = {k.name: k for k in timeseries.trend_key_figures(fits, series)}
    assert key["latest_total"].value == data.count(data.latest_period()).value
    slope = 100 * (_ref("segmented_quasipoisson", "t.rate_ratio") - 1)
    assert key["trend_per_year"].value == pytest.approx(slope, abs=1e-6)
    assert key["trend_per_year"].text.startswith("Within DfE's collection")
    assert key["dfe_step"].flags == ("dfe-collection",)
    assert "not a like-for-like change" in key["dfe_step"].text


def test_chart_breaks_come_from_the_breaks_file() -> None:
    assert timeseries.chart_breaks() == data.load_breaks().chart_lines()
    assert ("2018-19", "Ofsted to DfE collection") in timeseries.chart_breaks()
    assert timeseries.chart_spans() == (("2020-21", "2020-21", "pandemic year"),)


def test_half_year_note_uses_the_held_figures() -> None:
    text = timeseries.half_year_note()
    assert "285 came in April to September 2020" in text and "251 in October 2020" in text


def test_assumptions_each_have_a_source_and_rating() -> None:
    table = timeseries.model_assumptions()
    assert set(table["RAG"]) <= {"green", "amber", "red"}
    assert table["Source"].str.len().min() > 5


def test_too_short_a_series_gives_no_trend(series) -> None:  # type: ignore[no-untyped-def]
    short = series[series["period"] <= "2015-16"]
    fits = timeseries.trend_fits(short)
    assert timeseries.MAIN not in fits
    assert "too few years" in timeseries.trend_conclusion(fits, short)
    assert [k.name for k in timeseries.trend_key_figures(fits, short)] == ["latest_total"]


def test_a_series_with_one_dfe_year_says_the_slope_rests_on_ofsteds_years() -> None:
    short = timeseries.series_intervals(end="2018-19")
    fits = timeseries.trend_fits(short)
    text = timeseries.trend_conclusion(fits, short)
    assert "with only 1 year of DfE's collection that slope rests on Ofsted's years" in text
    assert "within DfE's collection, notifications per child changed" not in text
