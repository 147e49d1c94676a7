"""Queries of the data layer: load, figure, count, series, periods, population, summary."""

from __future__ import annotations

import math

import pytest

from sinstats import cli, data
from sinstats.errors import NoDataError, ParameterError


def test_every_dataset_loads() -> None:
    for name in data.list_datasets():
        df = data.load(name)
        assert list(df.columns) == list(data.TIDY_COLUMNS)
        assert len(df) > 0


def test_missing_year_is_absent_not_estimated() -> None:
    df = data.load("sin_national")
    assert "2017-18" not in set(df["period"])
    with pytest.raises(
        NoDataError, match=r"no published figure for 2017-18 \(reporting year 2018\)"
    ):
        data.count("2017-18")
    gaps = data.series(with_gaps=True)
    row = gaps[gaps["period"] == "2017-18"].iloc[0]
    assert math.isnan(row["value"]) and row["status"] == "not published"


@pytest.mark.parametrize("form", ["2026", "2025-26", "202526"])
def test_period_forms_give_same_count(form: str) -> None:
    fig = data.count(form)
    assert fig.period == "2025-26"
    assert fig.period_label == "2025-26 (reporting year 2026)"
    # The RY2026 total as shipped in data/published/sin_national.csv.
    assert fig.value == 357 and fig.source_id == "EES_RY2026_natchar"


def test_national_natures_add_up_where_all_published() -> None:
    df = data.load("sin_national")
    for period, grp in df.groupby("period"):
        by = dict(zip(grp["category"], grp["value"], strict=True))
        if {"Child death", "Serious harm", "Other", "Total"} <= set(by):
            parts = by["Child death"] + by["Serious harm"] + by["Other"]
            assert parts == by["Total"], period


def test_2019_20_keeps_official_figure_and_notes_conflict() -> None:
    fig = data.count("2019-20")
    assert fig.value == 449
    assert "448" in fig.note


def test_panel_calendar_year_and_lower_bound() -> None:
    fig = data.figure("panel_notifications", "2021", "Child death")
    assert fig.period == "2021" and fig.qualifier == "over" and fig.value == 150
    assert fig.describe().startswith("over 150")
    total = data.figure("panel_notifications", "2021", "Total")
    assert total.value == 379


def test_population_rule() -> None:
    pop = data.population("2023-24")
    assert pop.mid_year == 2023 and "mid-2023" in pop.note
    latest = data.population("2025-26")  # mid-2025 is not in the shipped ONS series
    assert latest.mid_year == 2024 and "not yet published" in latest.note
    with pytest.raises(NoDataError):
        data.population("2025-26", area="Atlantis")


def test_ambiguous_request_lists_options() -> None:
    with pytest.raises(ParameterError, match="matches"):
        data.figure("characteristics", "2025-26", "Total", area="England")


def test_unknown_dataset() -> None:
    with pytest.raises(ParameterError, match="choose one of"):
        data.load("nope")


def test_list_shows_datasets_and_years(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in data.list_datasets():
        assert name in out
    assert "2025-26" in out and "2014-15" in out
