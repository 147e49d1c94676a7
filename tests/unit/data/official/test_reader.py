"""Reading one official file of every format era into the tidy schema.

Every file here is a FORMAT FIXTURE, NOT REAL DATA (built by the fixtures in
``tests/unit/data/conftest.py``): made-up numbers in the column layout of each era, except
national totals copied from data/published/sin_national.csv.
"""

from __future__ import annotations

import csv
import io
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinstats import data
from sinstats.data import official
from sinstats.errors import DataError
from sinstats.periods import parse_period

FixtureFile = Callable[[str, str], Path]
Pick = Callable[..., pd.Series]
Refused = Callable[[str | bytes, str, str | None, str], None]

# ---------------------------------------------------------------------------------------------
# One file of each era
# ---------------------------------------------------------------------------------------------


def test_transparency_era(fixture_file: FixtureFile, one: Pick) -> None:
    path = fixture_file("2020-21-part-1-apr-to-sep", "serious_incident_notifications.csv")
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


def test_financial_year_category_era_with_halves(
    fixture_file: FixtureFile,
    one: Pick,
    fixture_totals: dict[str, dict[str, int]],
) -> None:
    path = fixture_file("2020-21", "serious_incident_notifications_all.csv")
    ef = official.read_ees_file(path)
    df = ef.frame
    assert ef.era == "fy_category"
    full = one(df, period="2020-21", category="Total", measure="number_notifications")
    assert full["value"] == fixture_totals["2020-21"]["Total"] and full["dataset"] == "sin_national"
    h1 = one(df, period="2020-21 H1", measure="number_notifications")
    h2 = one(df, period=parse_period("2020-21 H2").id, measure="number_notifications")
    assert (h1["value"], h2["value"]) == (285, 251)
    assert "time_breakdown" in h1["note"] and h1["period_kind"] == "half_year"
    assert h1["period_start"] < full["period_start"] < h2["period_start"]


def test_financial_year_2021_22_spelling_symbols_and_quarters(
    fixture_file: FixtureFile, one: Pick
) -> None:
    path = fixture_file("2021-22", "characteristic_totals.csv")
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


def test_financial_year_2022_23_characteristic_type(fixture_file: FixtureFile, one: Pick) -> None:
    path = fixture_file("2022-23", "sin_characteristics_2019_2023.csv")
    ef = official.read_ees_file(path)
    assert ef.era == "fy_characteristic"
    df = ef.frame
    male = one(df, period="2022-23", breakdown="Male", measure="number_notifications")
    assert male["breakdown_topic"] == "Gender" and male["category"] == "Male"
    merged = one(df, period="2022-23", breakdown="Female", nature="Serious harm and other")
    assert merged["time_period"] == "202223" and merged["time_identifier"] == "Financial year"
    assert ef.periods == ["2018-19", "2019-20", "2020-21", "2021-22", "2022-23"]


def test_reporting_year_era(fixture_file: FixtureFile, one: Pick) -> None:
    path = fixture_file("2026", "sin_nature_characteristics.csv")
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
    assert set(cla["breakdown_topic"]) == {"CLA"}
    assert "Child death: abuse/neglect" in set(cla["nature"])
    x = one(df, period="2018-19", breakdown="Female", nature="Serious harm and other")
    assert math.isnan(x["value"]) and x["status"] == "x"
    assert set(df[df["period"] == "2025-26"]["breakdown_topic"]) >= {"Sex", "Quarter"}
    assert "Gender" in set(df[df["period"] == "2024-25"]["breakdown_topic"])


def test_care_leaver_era(
    fixture_file: FixtureFile, write_file: Callable[[str, str | bytes], Path]
) -> None:
    path = fixture_file("2026", "sin_care_leaver_deaths.csv")
    ef = official.read_ees_file(path)
    assert ef.era == "care_leaver"
    df = ef.frame
    assert set(df["measure"]) == {"care_leaver_death_notifications"}
    assert set(df["nature"]) == {""}
    assert set(df[df["breakdown_topic"] == "Age group"]["breakdown"]) == {
        "16 to 21",
        "22 to 24",
    }
    assert all("voluntary" in n for n in df["note"])
    # Recognised by its ages even under another name.
    renamed = write_file("leavers.csv", path.read_text())
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
def test_subnational_era(
    slug: str,
    name: str,
    idaci_column: str,
    fixture_file: FixtureFile,
    one: Pick,
) -> None:
    path = fixture_file(slug, name)
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


def test_totals_era_marks_ofsted_years(fixture_file: FixtureFile, one: Pick) -> None:
    path = fixture_file("2026", "sin_total_notifications.csv")
    ef = official.read_ees_file(path)
    assert ef.era == "totals"
    df = ef.frame
    assert one(df, period="2014-15")["series"] == "Ofsted"
    assert one(df, period="2018-19")["series"] == "DfE"
    assert "2017-18" not in set(df["period"])  # no total was published: the fixture leaves it out
    assert set(df["dataset"]) == {"sin_national"}


def test_cross_characteristics_era(fixture_file: FixtureFile, one: Pick) -> None:
    path = fixture_file("2021-22", "cross_characteristics.csv")
    ef = official.read_ees_file(path)
    assert ef.era == "cross_characteristics"
    df = ef.frame
    row = one(df, period="2021-22", breakdown="White x Male")
    assert row["breakdown_topic"] == "Ethnicity x Gender"
    assert one(df, period="2021-22", breakdown="Under 1 x White")["status"] == "c"
    assert one(df, period="2021-22", breakdown_topic="Total")["dataset"] == "sin_national"


# ---------------------------------------------------------------------------------------------
# Files that are not CSV text, or repeat a figure: DataError naming the file and line
# ---------------------------------------------------------------------------------------------

HTML_PAGE = b"<!DOCTYPE html><html><body>Service unavailable</body></html>"

# name: (content from the sample lines, expected line, expected words)
BAD_FILES: dict[str, tuple[Callable[[dict[str, str]], str | bytes], str, str]] = {
    "duplicate_figure": (
        lambda s: s["ry_header"] + "\n" + s["ry_first"] + "\n" + s["ry_first"] + "\n",
        "line 3",
        "duplicates",
    ),
    "short_row": (
        lambda s: s["ry_header"] + "\n" + ",".join(s["ry_first"].split(",")[:-2]) + "\n",
        "line 2",
        "fields",
    ),
    "html_page": (lambda s: HTML_PAGE, "line 1", "HTML"),
    "non_utf8": (
        lambda s: (s["ry_header"] + "\n").encode() + b"\xff\xfe,oops\n",
        "line 2",
        "UTF-8",
    ),
    "empty_file": (lambda s: b"", "line 1", "empty"),
    "header_only": (lambda s: s["ry_header"] + "\n", "line 2", "no data rows"),
    "nul_byte": (lambda s: s["ry_header"] + "\n" + s["ry_first"] + "\x00\n", "line 2", "NUL"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_file_rejected_with_location(
    kind: str, samples: dict[str, str], assert_refused: Refused
) -> None:
    build, line, words = BAD_FILES[kind]
    assert_refused(build(samples), line, None, words)


def test_missing_file_and_label(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="archive.zip:data/x.csv: file not found"):
        official.read_ees_file(tmp_path / "x.csv", label="archive.zip:data/x.csv")


def test_bad_release_names_no_source_id(fixture_file: FixtureFile) -> None:
    path = fixture_file("2026", "sin_total_notifications.csv")
    with pytest.raises(ValueError, match="release slug"):
        official.read_ees_file(path, release="latest")


# ---------------------------------------------------------------------------------------------
# Fuzzing: a mutated official file loads correctly or raises DataError, never anything else
# ---------------------------------------------------------------------------------------------

cell_text = st.one_of(
    st.sampled_from(["", "c", "x", ":", "z", "low", "u", "Total", "-1", "1e400", "nan", "0.5"]),
    st.from_regex(r"\A-?\d{1,12}(\.\d{1,3})?\Z", fullmatch=True),
    st.text(max_size=20),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(["fy", "ry", "sub"]),
    row=st.integers(min_value=0, max_value=40),
    col=st.integers(min_value=0, max_value=20),
    text=cell_text,
)
def test_fuzz_mutated_cell(
    which: str,
    row: int,
    col: int,
    text: str,
    samples: dict[str, str],
    release_files: Callable[[str], dict[str, str]],
) -> None:
    fy = release_files("2021-22")["data/fixture_characteristic_totals.csv"]
    source = fy if which == "fy" else samples[which]
    rows = list(csv.reader(io.StringIO(source)))
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
