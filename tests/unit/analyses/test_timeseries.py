"""The series with intervals and the trend fits used by notebook 02."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sinstats import data
from sinstats.analyses import timeseries


@pytest.fixture(scope="module")
def series():  # type: ignore[no-untyped-def]
    return timeseries.series_intervals()


def test_series_runs_from_2014_15_with_the_gap(series) -> None:  # type: ignore[no-untyped-def]
    assert series["period"].iloc[0] == "2014-15"
    assert series["period"].iloc[-1] == data.latest_period().id
    gap = series[series["period"] == "2017-18"].iloc[0]
    assert math.isnan(gap["count"]) and math.isnan(gap["lower"])
    total = series[series["period"] == "2020-21"].iloc[0]
    assert total["count"] == 536
    pop = data.population("2020-21").value
    assert total["rate"] == pytest.approx(536 / pop * 1e5)


def test_series_end_truncates(series) -> None:  # type: ignore[no-untyped-def]
    short = timeseries.series_intervals(end="2019-20")
    assert list(short["period"]) == list(series["period"][:6])


def test_trend_fits_leave_the_gap_out(series) -> None:  # type: ignore[no-untyped-def]
    fits = timeseries.trend_fits(series)
    assert fits["counts, poisson"].n == 11
    assert fits["counts from 2018-19, poisson"].n == 8
    # Poisson and quasi-Poisson share the same line; only the interval differs.
    assert fits["counts, poisson"].coef == pytest.approx(fits["counts, quasipoisson"].coef)
    qp, p = fits["rates, quasipoisson"].rate_ratio, fits["rates, poisson"].rate_ratio
    assert qp.upper - qp.lower > p.upper - p.lower
    # The fitted line is exp(intercept + coef * (t - centre)), checked at one year.
    fitted = timeseries.fitted_counts(fits["counts, poisson"], series)
    r = fits["counts, poisson"]
    assert fitted[0] == pytest.approx(np.exp(r.intercept + r.coef * (2014.75 - r.centre)))
    dfe = timeseries.fitted_counts(fits["counts from 2018-19, poisson"], series, "2018-19")
    assert np.isnan(dfe[:4]).all() and not np.isnan(dfe[4:]).any()


def test_trend_table_and_conclusion(series) -> None:  # type: ignore[no-untyped-def]
    fits = timeseries.trend_fits(series)
    table = timeseries.trend_table(fits)
    assert {"method", "conf_level", "note", "fitted_to"} <= set(table.columns)
    assert len(table) == 9
    text = timeseries.trend_conclusion(fits, series)
    assert text.startswith("From 2014-15 to ")
    assert "2017-18 is missing and left out of the fits" in text
    assert timeseries.preferred_fit(fits) in ("rates, poisson", "rates, quasipoisson")
    lines = timeseries.trend_lines(fits, series)
    assert [label for label, _ in lines][0] == "Poisson / quasi-Poisson trend"
    key = timeseries.trend_key_figures(fits, series)
    assert key[0].value == data.count(data.latest_period()).value
