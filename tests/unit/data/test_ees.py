"""Official EES files of every format era -> the tidy schema; overlay on the transcribed figures.

Every file here is a FORMAT FIXTURE, NOT REAL DATA (see _ees_fixtures.py): made-up numbers in the
column layout of each era, except national totals copied from data/published/sin_national.csv.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import tempfile
from pathlib import Path

import _ees_fixtures as fx
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinstats import data, paths
from sinstats.data import official, releases
from sinstats.errors import DataError, NoDataError, ParameterError
from sinstats.periods import parse_period

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def fixture_file(tmp_path: Path, slug: str, name: str) -> Path:
    files = fx.release_files(slug)
    entry = next(e for e in files if e.endswith(name))
    return write(tmp_path, Path(entry).name, files[entry])


def one(frame: pd.DataFrame, **match: object) -> pd.Series:
    sel = frame
    for col, value in match.items():
        sel = sel[sel[col] == value]
    assert len(sel) == 1, f"{match}: {len(sel)} rows"
    return sel.iloc[0]


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ (published files and SHA256SUMS, no raw releases) in a temp folder."""
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    return work


def install(work: Path, tmp_path: Path, *slugs: str) -> None:
    for slug in slugs:
        releases.fetch(slug, fx.release_zip(tmp_path, slug), data_dir=work, progress=False)


# ---------------------------------------------------------------------------------------------
# Releases
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "period", "tag"),
    [
        ("2026", "2025-26", "RY2026"),
        ("2024", "2023-24", "RY2024"),
        ("2022-23", "2022-23", "FY2022-23"),
        ("2020-21-part-1-apr-to-sep", "2020-21 H1", "FY2020-21P1"),
    ],
)
def test_release_slugs(slug: str, period: str, tag: str) -> None:
    assert official.release_period(slug).id == period
    assert official.release_tag(slug) == tag


def test_releases_sort_by_period_covered() -> None:
    slugs = ["2026", "2020-21", "2024", "2020-21-part-1-apr-to-sep", "2022-23", "2021-22", "2025"]
    assert sorted(slugs, key=official.release_sort_key) == list(fx.FIXTURE_SLUGS)


@pytest.mark.parametrize("slug", ["../2026", "2026/x", "latest", "2022-24", "20266", ""])
def test_bad_release_slug(slug: str) -> None:
    with pytest.raises(ParameterError, match="release slug"):
        official.release_period(slug)


# ---------------------------------------------------------------------------------------------
# One file of each era
# ---------------------------------------------------------------------------------------------


def test_transparency_era(tmp_path: Path) -> None:
    path = fixture_file(tmp_path, "2020-21-part-1-apr-to-sep", "serious_incident_notifications.csv")
    ef = official.read_ees_file(path, release="2020-21-part-1-apr-to-sep")
    df = ef.frame
    assert ef.era == "transparency"
    assert list(df.columns) == list(data.TIDY_COLUMNS)
    assert set(df["period"]) == {"2018-19 H1", "2019-20 H1", "2020-21 H1"}
    assert set(df["period_kind"]) == {"half_year"}
    total = one(df, period="2020-21 H1", category="Total", measure="number_notifications")
    assert total["value"] == 285 and total["time_identifier"] == "Part 1 (April to September)"
    # 'Nature of notification' rows of the transparency file become natures.
    death = one(df, period="2020-21 H1", nature="Child death", measure="number_notifications")
    assert death["breakdown_topic"] == "Total" and death["value"] == 119
    pct = one(df, period="2020-21 H1", nature="Child death", measure="percentage_of_notifications")
    assert pct["unit"] == "percent" and 0 < pct["value"] < 100
    trans = one(df, period="2020-21 H1", breakdown="Transgender", measure="number_notifications")
    assert math.isnan(trans["value"]) and trans["status"] == "c"
    assert set(df["dataset"]) == {"characteristics"}  # half years never enter sin_national
    assert set(df["source_id"]) == {"EES_FY2020-21P1_fixture_serious_incident_notifications"}
    assert set(df["rounded_to"]) == {0}


def test_financial_year_category_era_with_halves(tmp_path: Path) -> None:
    path = fixture_file(tmp_path, "2020-21", "serious_incident_notifications_all.csv")
    ef = official.read_ees_file(path)
    df = ef.frame
    assert ef.era == "fy_category"
    full = one(df, period="2020-21", category="Total", measure="number_notifications")
    assert full["value"] == fx.TOTALS["2020-21"]["Total"] and full["dataset"] == "sin_national"
    h1 = one(df, period="2020-21 H1", measure="number_notifications")
    h2 = one(df, period=parse_period("2020-21 H2").id, measure="number_notifications")
    assert (h1["value"], h2["value"]) == (285, 251)
    assert "time_breakdown" in h1["note"] and h1["period_kind"] == "half_year"
    assert h1["period_start"] < full["period_start"] < h2["period_start"]


def test_financial_year_2021_22_spelling_symbols_and_quarters(tmp_path: Path) -> None:
    path = fixture_file(tmp_path, "2021-22", "characteristic_totals.csv")
    ef = official.read_ees_file(path, release="2021-22")
    df = ef.frame
    assert ef.era == "fy_category"
    death = one(df, period="2021-22", category="Child death", measure="number_notifications")
    assert death["nature"] == "Child death" and death["value"] == 191
    assert "spelled 'Child Death' in the official file" in death["note"]
    assert "Child Death" not in set(df["nature"]) and "Serious Harm" not in set(df["nature"])
    missing = one(df, period="2021-22", breakdown="Not known", measure="number_notifications")
    assert math.isnan(missing["value"]) and missing["status"] == ":"
    quarters = df[(df["breakdown_topic"] == "Quarter") & (df["measure"] == "number_notifications")]
    assert list(quarters["breakdown"]) == ["Q1", "Q2", "Q3", "Q4"]
    assert set(quarters["period"]) == {"2021-22"}
    assert set(quarters["dataset"]) == {"characteristics"}


def test_financial_year_2022_23_characteristic_type(tmp_path: Path) -> None:
    path = fixture_file(tmp_path, "2022-23", "sin_characteristics_2019_2023.csv")
    ef = official.read_ees_file(path)
    assert ef.era == "fy_characteristic"
    df = ef.frame
    male = one(df, period="2022-23", breakdown="Male", measure="number_notifications")
    assert male["breakdown_topic"] == "Gender" and male["category"] == "Male"
    merged = one(df, period="2022-23", breakdown="Female", nature="Serious harm and other")
    assert merged["time_period"] == "202223" and merged["time_identifier"] == "Financial year"
    assert ef.periods == ["2018-19", "2019-20", "2020-21", "2021-22", "2022-23"]


def test_reporting_year_era(tmp_path: Path) -> None:
    path = fixture_file(tmp_path, "2026", "sin_nature_characteristics.csv")
    ef = official.read_ees_file(path, release="2026", source_url="https://example.test/zip")
    df = ef.frame
    assert ef.era == "ry_breakdown"
    total = one(df, period="2025-26", category="Total", measure="number_notifications")
    assert total["value"] == 357 and total["time_period"] == "2026"
    assert total["period_label"] == "2025-26 (reporting year 2026)"
    assert total["source_id"] == "EES_RY2026_fixture_sin_nature_characteristics"
    assert total["source_url"] == "https://example.test/zip"
    assert total["publisher"] == "Department for Education" and total["series"] == "DfE"
    cla = df[df["breakdown"] == "Yes"]
    assert set(cla["breakdown_topic"]) == {"CLA (child looked after)"}
    assert "Child death: abuse/neglect" in set(cla["nature"])
    x = one(df, period="2018-19", breakdown="Female", nature="Serious harm and other")
    assert math.isnan(x["value"]) and x["status"] == "x"
    assert set(df[df["period"] == "2025-26"]["breakdown_topic"]) >= {"Sex", "Quarter"}
    assert "Gender" in set(df[df["period"] == "2024-25"]["breakdown_topic"])


def test_care_leaver_era(tmp_path: Path) -> None:
    path = fixture_file(tmp_path, "2026", "sin_care_leaver_deaths.csv")
    ef = official.read_ees_file(path)
    assert ef.era == "care_leaver"
    df = ef.frame
    assert set(df["measure"]) == {"care_leaver_death_notifications"}
    assert set(df["nature"]) == {""}
    assert set(df[df["breakdown_topic"] == "Age group"]["breakdown"]) == {
        "Age 16 to 21",
        "Age 22 to 24",
    }
    assert all("voluntary" in n for n in df["note"])
    # Recognised by its ages even under another name.
    renamed = write(tmp_path, "leavers.csv", path.read_text())
    assert official.read_ees_file(renamed).era == "care_leaver"


@pytest.mark.parametrize(
    ("slug", "name", "idaci_column"),
    [
        ("2026", "sin_subnational_context.csv", "idaci_avgscore"),
        ("2025", "sin_subnational_context.csv", "idaci_avgscore_2019"),
        ("2022-23", "sin_la_region_2019_2023.csv", "idaci_avgscore_2019"),
        ("2020-21", "serious_incident_notifications_la_region.csv", "idaci_avgscore_2019"),
    ],
)
def test_subnational_era(tmp_path: Path, slug: str, name: str, idaci_column: str) -> None:
    path = fixture_file(tmp_path, slug, name)
    ef = official.read_ees_file(path, release=slug)
    assert ef.era == "subnational"
    df = ef.frame
    latest = official.release_period(slug).id
    assert set(df["measure"]) == {
        "number_notifications",
        "cin_31march",
        "idaci_avgscore",
        "ons_midyear_population",
    }
    assert set(df["geographic_level"]) == {"National", "Regional", "Local authority"}
    la = one(df, period=latest, area_name="Fixtureton", measure="number_notifications")
    assert la["area_code"] == "E06099901" and la["geographic_level"] == "Local authority"
    assert la["rounded_to"] == 0
    idaci = one(df, period=latest, area_code="E06099901", measure="idaci_avgscore")
    assert idaci["unit"] == "score" and 0 <= idaci["value"] <= 1
    assert ("IDACI 2019" in idaci["note"]) == (idaci_column == "idaci_avgscore_2019")
    nat_idaci = one(df, period=latest, area_code="E92000001", measure="idaci_avgscore")
    assert math.isnan(nat_idaci["value"]) and nat_idaci["status"] == "x"
    region = one(df, period=latest, area_code="E12000001", measure="number_notifications")
    assert region["rounded_to"] == 10 and region["area_name"] == "North East"
    assert "nearest 10" in region["note"]
    cin = df[(df["measure"] == "cin_31march")]
    assert set(cin[cin["geographic_level"] != "Local authority"]["rounded_to"]) == {10}
    assert set(cin[cin["geographic_level"] == "Local authority"]["rounded_to"]) == {0}
    pop = one(df, period=latest, area_code="E92000001", measure="ons_midyear_population")
    assert pop["unit"] == "persons" and pop["nature"] == ""
    national = one(df, period=latest, area_code="E92000001", measure="number_notifications")
    assert national["dataset"] == "sin_national" and national["nature"] == "Total"
    first = ef.periods[0]
    suppressed = one(df, period=first, area_name="Sampleshire", measure="number_notifications")
    assert suppressed["status"] == "c" and math.isnan(suppressed["value"])


def test_totals_era_marks_ofsted_years(tmp_path: Path) -> None:
    path = fixture_file(tmp_path, "2026", "sin_total_notifications.csv")
    ef = official.read_ees_file(path)
    assert ef.era == "totals"
    df = ef.frame
    assert one(df, period="2014-15")["series"] == "Ofsted"
    assert one(df, period="2018-19")["series"] == "DfE"
    assert "2017-18" not in set(df["period"])  # no total was published: the fixture leaves it out
    assert set(df["dataset"]) == {"sin_national"}


def test_cross_characteristics_era(tmp_path: Path) -> None:
    path = fixture_file(tmp_path, "2021-22", "cross_characteristics.csv")
    ef = official.read_ees_file(path)
    assert ef.era == "cross_characteristics"
    df = ef.frame
    row = one(df, period="2021-22", breakdown="White x Male")
    assert row["breakdown_topic"] == "Ethnicity x Gender"
    assert one(df, period="2021-22", breakdown="Under 1 x White")["status"] == "c"
    assert one(df, period="2021-22", breakdown_topic="Total")["dataset"] == "sin_national"


# ---------------------------------------------------------------------------------------------
# Hostile or wrong files: DataError naming the file, line and column
# ---------------------------------------------------------------------------------------------

RY = fx.release_files("2026")["data/fixture_sin_nature_characteristics.csv"]
RY_HEADER, RY_FIRST, *_ = RY.splitlines()
SUB = fx.release_files("2026")["data/fixture_sin_subnational_context.csv"]
SUB_HEADER, SUB_FIRST, *SUB_REST = SUB.splitlines()
SUB_REGION = next(line for line in SUB_REST if ",Regional," in line)
SUB_LA = next(line for line in SUB_REST if ",Local authority," in line)


def _cell(header: str, line: str, column: str, value: str) -> str:
    cells = line.split(",")
    cells[header.split(",").index(column)] = value
    return ",".join(cells)


BAD_FILES: dict[str, tuple[str | bytes, str, str | None, str]] = {
    # name: (content, expected line, expected column, expected words)
    "unknown_column": (
        RY_HEADER + ",pupil_count\n" + RY_FIRST + ",3\n",
        "line 1",
        "pupil_count",
        "unknown column",
    ),
    "missing_base_column": (
        RY_HEADER.replace("time_identifier", "time_label") + "\n" + RY_FIRST + "\n",
        "line 1",
        "time_identifier",
        "missing column",
    ),
    "no_count_column": (
        RY_HEADER.replace("number_notifications", "pupils") + "\n" + RY_FIRST + "\n",
        "line 1",
        None,
        "no count column",
    ),
    "two_count_columns": (
        RY_HEADER + ",number\n" + RY_FIRST + ",3\n",
        "line 1",
        "number",
        "two count columns",
    ),
    "characteristic_without_value": (
        RY_HEADER.replace("breakdown_topic,breakdown", "characteristic,breakdown")
        + "\n"
        + RY_FIRST
        + "\n",
        "line 1",
        "category",
        "missing column",
    ),
    "subnational_without_la_name": (
        SUB_HEADER.replace("la_name", "la_title") + "\n" + SUB_FIRST + "\n",
        "line 1",
        "la_name",
        "missing column",
    ),
    "duplicate_column": (
        RY_HEADER + ",quarter\n" + RY_FIRST + ",Total\n",
        "line 1",
        "quarter",
        "appears twice",
    ),
    "bad_period": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "time_period", "202223") + "\n",
        "line 2",
        "time_period",
        "not a reporting year",
    ),
    "unknown_time_identifier": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "time_identifier", "Fiscal year") + "\n",
        "line 2",
        "time_period",
        "unknown time_identifier",
    ),
    "negative_count": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "number_notifications", "-3") + "\n",
        "line 2",
        "number_notifications",
        "negative",
    ),
    "fractional_count": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "number_notifications", "3.5") + "\n",
        "line 2",
        "number_notifications",
        "whole number",
    ),
    "unknown_symbol": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "number_notifications", "n/a") + "\n",
        "line 2",
        "number_notifications",
        "neither a number nor an EES symbol",
    ),
    "empty_value": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "number_notifications", "") + "\n",
        "line 2",
        "number_notifications",
        "empty value",
    ),
    "empty_nature": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "nature_of_notification", "") + "\n",
        "line 2",
        "nature_of_notification",
        "empty",
    ),
    "unknown_level": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "geographic_level", "Ward") + "\n",
        "line 2",
        "geographic_level",
        "not one of",
    ),
    "not_england": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "country_code", "W92000004") + "\n",
        "line 2",
        "country_code",
        "only England",
    ),
    "bad_la_code": (
        SUB_HEADER + "\n" + _cell(SUB_HEADER, SUB_LA, "new_la_code", "999") + "\n",
        "line 2",
        "new_la_code",
        "new_la_code",
    ),
    "bad_region_code": (
        SUB_HEADER + "\n" + _cell(SUB_HEADER, SUB_REGION, "region_code", "") + "\n",
        "line 2",
        "region_code",
        "region code",
    ),
    "idaci_out_of_range": (
        SUB_HEADER + "\n" + _cell(SUB_HEADER, SUB_LA, "idaci_avgscore", "3.2") + "\n",
        "line 2",
        "idaci_avgscore",
        "0-1",
    ),
    "duplicate_figure": (
        RY_HEADER + "\n" + RY_FIRST + "\n" + RY_FIRST + "\n",
        "line 3",
        None,
        "duplicates",
    ),
    "short_row": (
        RY_HEADER + "\n" + ",".join(RY_FIRST.split(",")[:-2]) + "\n",
        "line 2",
        None,
        "fields",
    ),
    "html_page": (
        b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
        "line 1",
        None,
        "HTML",
    ),
    "non_utf8": ((RY_HEADER + "\n").encode() + b"\xff\xfe,oops\n", "line 2", None, "UTF-8"),
    "empty_file": (b"", "line 1", None, "empty"),
    "header_only": (RY_HEADER + "\n", "line 2", None, "no data rows"),
    "nul_byte": (RY_HEADER + "\n" + RY_FIRST + "\x00\n", "line 2", None, "NUL"),
    "empty_base_cell": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "country_name", "") + "\n",
        "line 2",
        "country_name",
        "empty",
    ),
    "total_topic_with_value": (
        RY_HEADER + "\n" + _cell(RY_HEADER, RY_FIRST, "breakdown", "Male") + "\n",
        "line 2",
        "breakdown",
        "topic 'Total'",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_file_rejected_with_location(kind: str, tmp_path: Path) -> None:
    content, line, column, words = BAD_FILES[kind]
    path = write(tmp_path, "sin_file.csv", content)
    with pytest.raises(DataError) as info:
        official.read_ees_file(path)
    message = str(info.value)
    assert str(path) in message and line in message and words in message
    if column is not None:
        assert f"column '{column}'" in message


def test_bad_time_breakdown_and_percentage(tmp_path: Path) -> None:
    text = fx.release_files("2020-21")["data/fixture_serious_incident_notifications_all.csv"]
    header, first, *_ = text.splitlines()
    bad = write(
        tmp_path, "a.csv", header + "\n" + _cell(header, first, "time_breakdown", "Q5") + "\n"
    )
    with pytest.raises(DataError, match=r"column 'time_breakdown'.*not 'Full year'"):
        official.read_ees_file(bad)
    pct = write(tmp_path, "b.csv", header + "\n" + _cell(header, first, "percentage", "140") + "\n")
    with pytest.raises(DataError, match=r"column 'percentage'.*0-100"):
        official.read_ees_file(pct)


def test_missing_file_and_label(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="archive.zip:data/x.csv: file not found"):
        official.read_ees_file(tmp_path / "x.csv", label="archive.zip:data/x.csv")


# ---------------------------------------------------------------------------------------------
# load_ees
# ---------------------------------------------------------------------------------------------


def test_load_ees_file_and_plain_folder(tmp_path: Path) -> None:
    folder = tmp_path / "unzipped"
    for entry, text in fx.release_files("2022-23").items():
        target = folder / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (folder / "data" / "x.meta.csv").write_text("col_name,col_type\n", encoding="utf-8")
    data.reset_files_read()
    df = official.load_ees(folder)
    assert list(df.columns) == list(data.TIDY_COLUMNS)
    assert set(df["origin"]) == {
        "ees:data/fixture_sin_characteristics_2019_2023.csv",
        "ees:data/fixture_sin_la_region_2019_2023.csv",
    }
    read = data.files_read()
    assert any(p.endswith("fixture_sin_la_region_2019_2023.csv") for p in read)
    single = official.load_ees(folder / "data" / "fixture_sin_la_region_2019_2023.csv")
    assert len(single) == (df["origin"] == "ees:data/fixture_sin_la_region_2019_2023.csv").sum()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no EES data file"):
        official.load_ees(empty)


def test_load_ees_installed_release(data_copy: Path, tmp_path: Path) -> None:
    install(data_copy, tmp_path, "2026")
    df = official.load_ees(data_copy / "raw" / "2026")
    origins = set(df["origin"])
    assert "ees:2026/data/fixture_sin_nature_characteristics.csv" in origins
    assert len(origins) == 4
    assert set(df["source_id"]) >= {"EES_RY2026_fixture_sin_subnational_context"}


# ---------------------------------------------------------------------------------------------
# overlay: official figures preferred, origin recorded, same national totals (acceptance 3)
# ---------------------------------------------------------------------------------------------


def test_overlay_fast_path_without_releases(data_copy: Path) -> None:
    frame = data.load("sin_national", data_copy)
    assert set(frame["origin"]) == {"published"}
    assert official.overlay("sin_national", frame, data_copy) is frame
    assert official.overlay("population_0_17", frame, data_copy) is frame


def test_official_and_transcribed_national_totals_agree(data_copy: Path, tmp_path: Path) -> None:
    published = data.load("sin_national", data_copy)
    install(data_copy, tmp_path, "2025", "2026")
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
    # Figures not in any official file stay transcribed (Ofsted's earlier definition).
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


def test_newest_release_wins_and_revision_is_noted(data_copy: Path, tmp_path: Path) -> None:
    install(data_copy, tmp_path, "2025")
    alone = data.load("sin_national", data_copy)
    row = one(alone, period="2023-24", category="Total")
    assert row["value"] == 406 and "replaces the transcribed figure 405" in row["note"]
    install(data_copy, tmp_path, "2026")
    both = data.load("sin_national", data_copy)
    row = one(both, period="2023-24", category="Total")
    assert row["value"] == 405
    assert "release 2026 (newest installed) used" in row["note"]
    assert "revised: release 2025 gave 406" in row["note"]
    same = one(both, period="2024-25", category="Total")
    assert "release 2025 gave the same value" in same["note"]


def test_characteristics_overlay_adds_areas_and_context(data_copy: Path, tmp_path: Path) -> None:
    install(data_copy, tmp_path, "2026")
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
    cla = one(df, period="2025-26", breakdown_topic="CLA (child looked after)", nature="Total")
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


def test_load_areas(data_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(NoDataError, match="sinstats fetch"):
        official.load_areas(data_copy)
    install(data_copy, tmp_path, "2022-23", "2026")
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
        extra = {"_era": era, "_file_rank": official._ERA_PRIORITY[era], "_file": file}
        frames.append(pd.DataFrame([row]).assign(_release_rank=0, _release="2026", **extra))
    kept = official._newest_wins(pd.concat(frames, ignore_index=True))
    assert len(kept) == 1 and kept["value"].iloc[0] == 401
    assert "data/sub.csv of the same release gives 400" in kept["note"].iloc[0]


# ---------------------------------------------------------------------------------------------
# Provenance for the build: checksums and files read
# ---------------------------------------------------------------------------------------------


def test_release_checksums_and_files_read(data_copy: Path, tmp_path: Path) -> None:
    assert official.release_checksums(data_copy) == {}
    install(data_copy, tmp_path, "2026")
    sums = official.release_checksums(data_copy)
    assert "raw/2026/SOURCE.json" in sums
    assert "raw/2026/data/fixture_sin_nature_characteristics.csv" in sums
    source = json.loads((data_copy / "raw" / "2026" / "SOURCE.json").read_text())
    for rel, record in source["files"].items():
        assert sums[f"raw/2026/{rel}"] == record["sha256"]
    data.reset_files_read()
    data.load("sin_national", data_copy)
    read = data.files_read()
    one_file = str((data_copy / "raw/2026/data/fixture_sin_nature_characteristics.csv").resolve())
    assert read[one_file] == sums["raw/2026/data/fixture_sin_nature_characteristics.csv"]
    assert any(p.endswith("published/sin_national.csv") for p in read)


def test_changed_official_file_is_refused(data_copy: Path, tmp_path: Path) -> None:
    install(data_copy, tmp_path, "2026")
    target = data_copy / "raw/2026/data/fixture_sin_nature_characteristics.csv"
    target.write_text(target.read_text().replace(",357\n", ",358\n"), encoding="utf-8")
    with pytest.raises(DataError, match="checksum does not match SOURCE.json"):
        data.load("sin_national", data_copy)
    with pytest.raises(DataError, match="checksum does not match SOURCE.json"):
        official.release_checksums(data_copy)
    target.unlink()
    with pytest.raises(DataError, match="listed in SOURCE.json but missing"):
        data.load("sin_national", data_copy)


def test_hand_made_release_folder_is_refused(data_copy: Path) -> None:
    folder = data_copy / "raw" / "2026" / "data"
    folder.mkdir(parents=True)
    with pytest.raises(DataError, match="not installed by 'sinstats fetch'"):
        data.load("sin_national", data_copy)
    (data_copy / "raw" / "2026" / "SOURCE.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        data.load("sin_national", data_copy)
    (data_copy / "raw" / "2026" / "SOURCE.json").write_text('{"files": {}}', encoding="utf-8")
    with pytest.raises(DataError, match="records release None"):
        data.load("sin_national", data_copy)
    (data_copy / "raw" / "2026" / "SOURCE.json").write_text("[]", encoding="utf-8")
    with pytest.raises(DataError, match="no 'files' table"):
        data.load("sin_national", data_copy)
    shutil.rmtree(data_copy / "raw" / "2026")
    (data_copy / "raw" / "latest").mkdir()
    with pytest.raises(DataError, match="not an EES release slug"):
        data.load("sin_national", data_copy)


def test_dot_folders_are_ignored(data_copy: Path) -> None:
    (data_copy / "raw" / ".fetch-leftover").mkdir(parents=True)
    frame = data.load("sin_national", data_copy)
    assert set(frame["origin"]) == {"published"}


# ---------------------------------------------------------------------------------------------
# Fuzzing: a mutated official file loads correctly or raises DataError, never anything else
# ---------------------------------------------------------------------------------------------

FUZZ_FILES = {
    "ry": RY,
    "sub": SUB,
    "fy": fx.release_files("2021-22")["data/fixture_characteristic_totals.csv"],
}
cell_text = st.one_of(
    st.sampled_from(["", "c", "x", ":", "z", "low", "u", "Total", "-1", "1e400", "nan", "0.5"]),
    st.from_regex(r"\A-?\d{1,12}(\.\d{1,3})?\Z", fullmatch=True),
    st.text(max_size=20),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(sorted(FUZZ_FILES)),
    row=st.integers(min_value=0, max_value=40),
    col=st.integers(min_value=0, max_value=20),
    text=cell_text,
)
def test_fuzz_mutated_cell(which: str, row: int, col: int, text: str) -> None:
    rows = list(csv.reader(io.StringIO(FUZZ_FILES[which])))
    r = rows[row % len(rows)]
    r[col % len(r)] = text
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_text(buf.getvalue(), encoding="utf-8")
        try:
            ef = official.read_ees_file(path)
        except DataError as err:
            assert str(path) in str(err)
            return
    df = ef.frame
    counts = df[df["unit"].isin(["count", "persons"]) & (df["status"] == "")]["value"]
    assert (counts >= 0).all() and (counts == counts.round()).all()
    assert set(df["status"]) <= {"", *data.SYMBOLS}
    assert df.loc[df["status"] != "", "value"].isna().all()


@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=300))
def test_fuzz_random_bytes(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.csv"
        path.write_bytes(content)
        with pytest.raises(DataError):
            official.read_ees_file(path)
