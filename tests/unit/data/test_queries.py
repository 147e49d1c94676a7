"""Queries of the data layer: load, figure, count, series, periods, population, summary."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sinstats import cli, data
from sinstats.errors import DataError, NoDataError, ParameterError


def test_every_dataset_loads() -> None:
    for name in data.list_datasets():
        df = data.load(name)
        extra = list(data.SCHEMAS[name].extra_columns)  # external evidence: quote, page, URL
        assert list(df.columns) == [*data.TIDY_COLUMNS, *extra]
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


def test_summary_periods_and_latest_period() -> None:
    table = data.summary()
    assert list(table["dataset"]) == data.list_datasets()
    assert set(table.columns) == {"dataset", "file", "rows", "periods", "description", "origins"}
    frame = data.load("sin_national")
    national = data.periods("sin_national", frame=frame)
    starts = [data.resolve_period(frame, p).midpoint for p in national]
    assert starts == sorted(starts) and len(set(national)) == len(national)
    assert data.latest_period().id == national[-1] == "2025-26"


def test_published_series_shows_gaps() -> None:
    s = data.published_series("Total", start="2016-17", end="2018-19")
    assert list(s["period"]) == ["2016-17", "2017-18", "2018-19"]
    gap = s[s["period"] == "2017-18"].iloc[0]
    assert math.isnan(gap["count"]) and gap["status"] == "not published"
    assert list(s.columns) == [
        "period",
        "period_label",
        "count",
        "series",
        "status",
        "source_id",
        "note",
    ]


def test_figure_period_errors_and_unavailable_figure() -> None:
    with pytest.raises(ParameterError, match="period: "):
        data.figure("sin_national", "not a year")
    frame = data.load("sin_national").copy()
    frame.loc[0, ["value", "status"]] = [math.nan, "c"]
    row = frame.iloc[0]
    fig = data.figure(
        "sin_national",
        row["period"],
        row["category"],
        measure=row["measure"],
        nature=row["nature"],
        frame=frame,
    )
    assert not fig.available and fig.describe().startswith("[c: confidential")


def test_load_needs_the_checksum_file(data_copy: Path) -> None:
    (data_copy / "SHA256SUMS").unlink()
    with pytest.raises(DataError, match="checksum file is missing"):
        data.load("sin_national", data_copy)
