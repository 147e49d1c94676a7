"""Installed releases -> one frame; overlay on the transcribed figures; the sub-national table.

Official figures are preferred, ``origin`` is recorded, and the national totals agree with the
transcribed ones. Every file here is a FORMAT FIXTURE, NOT REAL DATA.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sinstats import data
from sinstats.data import official
from sinstats.data.official import merge
from sinstats.errors import NoDataError

Install = Callable[..., None]
Pick = Callable[..., pd.Series]


def test_overlay_fast_path_without_releases(data_copy: Path) -> None:
    frame = data.load("sin_national", data_copy)
    assert set(frame["origin"]) == {"published"}
    assert official.overlay("sin_national", frame, data_copy) is frame
    assert official.overlay("population_0_17", frame, data_copy) is frame


def test_official_and_transcribed_national_totals_agree(data_copy: Path, install: Install) -> None:
    published = data.load("sin_national", data_copy)
    install(data_copy, "2025", "2026")
    official = data.load("sin_national", data_copy)
    assert list(official.columns) == list(data.TIDY_COLUMNS)
    key = ["period", "area_code", "breakdown_topic", "breakdown", "nature", "measure"]
    both = published.merge(official, on=key, suffixes=("_pub", "_off"))
    assert len(both) == len(published)  # every transcribed national figure is still there
    from_ees = both[both["origin_off"] != "published"]
    # Every DfE-era figure (2018-19 on) and the Ofsted totals in the totals file are official now.
    assert set(from_ees["period"]) >= {"2018-19", "2019-20", "2023-24", "2024-25", "2025-26"}
    assert (from_ees["value_pub"] == from_ees["value_off"]).all()
    assert from_ees["note_off"].str.contains("agrees with the transcribed figure").all()
    assert from_ees["origin_off"].str.startswith("ees:2026/").all()
    # Figures not in any official file stay transcribed (Ofsted's years before 2014-15).
    early = official[official["period"] == "2012-13"]
    assert set(early["origin"]) == {"published"}
    # Rows only in the official files are added, e.g. natures for 2018-19.
    added = official[(official["period"] == "2018-19") & (official["nature"] == "Child death")]
    assert len(added) == 1 and added["origin"].iloc[0].startswith("ees:2026/")
    # The count helper returns the official figure for the latest year.
    fig = data.count("2025-26", data_dir=data_copy)
    assert fig.value == 357 and fig.origin == "ees:2026/data/fixture_sin_nature_characteristics.csv"
    assert fig.source_id == "EES_RY2026_fixture_sin_nature_characteristics"
    assert fig.publisher == "Department for Education"


def test_newest_release_wins_and_revision_is_noted(
    data_copy: Path, install: Install, one: Pick
) -> None:
    install(data_copy, "2025")
    alone = data.load("sin_national", data_copy)
    row = one(alone, period="2023-24", category="Total")
    assert row["value"] == 406 and "replaces the transcribed figure 405" in row["note"]
    install(data_copy, "2026")
    both = data.load("sin_national", data_copy)
    row = one(both, period="2023-24", category="Total")
    assert row["value"] == 405
    assert "release 2026 (newest installed) used" in row["note"]
    assert "revised: release 2025 gave 406" in row["note"]
    same = one(both, period="2024-25", category="Total")
    assert "release 2025 gave the same value" in same["note"]


def test_characteristics_overlay_adds_areas_and_context(
    data_copy: Path, install: Install, one: Pick
) -> None:
    install(data_copy, "2026")
    df = data.load("characteristics", data_copy)
    la = df[df["geographic_level"] == "Local authority"]
    assert set(la["area_name"]) == {"Fixtureton", "Mockborough", "Sampleshire"}
    assert set(la["measure"]) == {
        "number_notifications",
        "cin_31march",
        "idaci_avgscore",
        "ons_midyear_population",
    }
    ne = one(df, period="2025-26", area_code="E12000001", measure="cin_31march")
    assert ne["origin"] == "ees:2026/data/fixture_sin_subnational_context.csv"
    assert "replaces the transcribed figure 24,470 (EES_RY2026_subnat)" in ne["note"]
    assert ne["rounded_to"] == 10
    # A region not in the fixture keeps its transcribed row.
    yh = one(df, period="2025-26", area_code="E12000003", measure="number_notifications")
    assert yh["origin"] == "published"
    cla = one(df, period="2025-26", breakdown_topic="CLA", nature="Total")
    assert cla["origin"].startswith("ees:2026/") and "113" in cla["note"]
    assert df["value"].dtype == float and df["rounded_to"].dtype.kind == "i"
    # National April-March totals by nature stay in sin_national only.
    national_series = df[
        (df["geographic_level"] == "National")
        & (df["period_kind"] == "financial_year")
        & (df["breakdown_topic"] == "Total")
        & (df["measure"] == "number_notifications")
        & df["origin"].str.startswith("ees:")
    ]
    assert national_series.empty


def test_load_areas(data_copy: Path, install: Install, one: Pick) -> None:
    with pytest.raises(NoDataError, match="sinstats fetch"):
        official.load_areas(data_copy)
    install(data_copy, "2022-23", "2026")
    areas = official.load_areas(data_copy)
    assert set(areas["dataset"]) == {"sin_areas"}
    assert list(areas.columns) == list(data.TIDY_COLUMNS)
    assert areas["period"].iloc[0] == "2018-19" and areas["period"].iloc[-1] == "2025-26"
    la = one(areas, period="2022-23", area_code="E08099902", measure="number_notifications")
    # The 2026 release covers 2022-23 too, and being newer it wins.
    assert la["origin"].startswith("ees:2026/") and "release 2022-23" in la["note"]
    nat = one(areas, period="2025-26", area_code="E92000001", measure="number_notifications")
    assert nat["value"] == 357


def test_within_release_conflict_is_noted() -> None:
    frames = []
    for file, era, value in [
        ("data/sub.csv", "subnational", 400.0),
        ("data/nat.csv", "ry_breakdown", 401.0),
    ]:
        row: dict[str, object] = dict.fromkeys(data.TIDY_COLUMNS, "")
        row.update(period="2025-26", area_code="E92000001", measure="number_notifications")
        row.update(value=value, line=2, note="")
        extra = {"_era": era, "_file_rank": official.ERA_PRIORITY[era], "_file": file}
        frames.append(pd.DataFrame([row]).assign(_release_rank=0, _release="2026", **extra))
    kept = merge.newest_wins(pd.concat(frames, ignore_index=True))
    assert len(kept) == 1 and kept["value"].iloc[0] == 401
    assert "data/sub.csv of the same release gives 400" in kept["note"].iloc[0]
