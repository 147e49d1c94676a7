"""Shared fixtures of the data-layer tests: EES-format release ZIPs and data-folder copies.

FORMAT FIXTURES, NOT REAL DATA.

Each builder writes files with the column layout of one format era of DfE's "Serious incident
notifications" on explore-education-statistics (as described in the project's format notes), so
the tests can fetch, validate and load every era with no network. Every number is made up, except
the national totals by nature, which are copied from ``data/published/sin_national.csv`` so that a
test can show the official and transcribed paths give the same national totals. Local authorities
are invented (``Fixtureton``, codes ``E0x0999xx``). File names say ``fixture``, and every archive
holds ``README-FORMAT-FIXTURES.txt`` saying so.

Tests get the builders through fixtures (``release_files``, ``release_zip``, ``write_zip``,
``fixture_totals``, ...), never by importing this file.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sinstats import paths
from sinstats.data import releases
from sinstats.periods import parse_period

LABEL = "FORMAT FIXTURES, NOT REAL DATA"
README = (
    f"{LABEL}.\n"
    "Built by tests/unit/data/conftest.py to mimic the column layout of one EES format era of\n"
    "'Serious incident notifications'. Every number is made up, except national totals copied\n"
    "from data/published/sin_national.csv. Do not use these files for analysis.\n"
)
GUIDANCE = f"{LABEL}: data guidance placeholder for the fixture release.\n"

BASE = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name"]
ENGLAND = ["National", "E92000001", "England"]
NATURES = ("Total", "Child death", "Serious harm", "Other")

# Made-up splits for the two years whose natures are not in data/published (totals are real).
_MADE_UP_NATURES = {
    "2018-19": {"Child death": 211, "Serious harm": 259, "Other": 28},
    "2019-20": {"Child death": 188, "Serious harm": 253, "Other": 8},
}


@functools.cache
def _national_totals() -> dict[str, dict[str, int]]:
    """Return ``{period id: {nature: count}}`` of the DfE/Ofsted national rows in data/published.

    Natures missing there (2018-19, 2019-20) are filled with made-up splits that add up to the
    published total, so fixture files can carry a full nature breakdown.
    """
    out: dict[str, dict[str, int]] = {}
    path = paths.published_dir() / "sin_national.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["series"] not in ("DfE", "Ofsted"):
                continue
            pid = parse_period(row["time_period"]).id
            out.setdefault(pid, {})[row["nature_of_notification"]] = int(row["value"])
    for pid, split in _MADE_UP_NATURES.items():
        for nature, value in split.items():
            out[pid].setdefault(nature, value)
    return out


def _fy_code(period_id: str) -> str:
    """``2022-23`` -> ``202223``."""
    return parse_period(period_id).ees_code


def _csv_text(header: list[str], rows: list[list[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# One file per era
# ---------------------------------------------------------------------------------------------


def _transparency_csv() -> str:
    """Part 1 2020-21 transparency file: sin_breakdown/category, number/percentage."""
    header = [*BASE, "sin_breakdown", "category", "number", "percentage"]
    rows: list[list[object]] = []
    halves = {
        "2018-19": (240, 100, 128, 12),
        "2019-20": (230, 89, 132, 9),
        "2020-21": (285, 119, 153, 13),
    }
    for period, (total, death, harm, other) in halves.items():
        t = [period, "Part 1 (April to September)", *ENGLAND]
        rows.append([*t, "Total", "Total", total, 100])
        for nature, n in (("Child death", death), ("Serious harm", harm), ("Other", other)):
            rows.append([*t, "Nature of notification", nature, n, round(100 * n / total, 1)])
        rows.append([*t, "Gender", "Male", total - 120, round(100 * (total - 120) / total, 1)])
        rows.append([*t, "Gender", "Female", 118, round(100 * 118 / total, 1)])
        rows.append([*t, "Gender", "Transgender", "c", "c"])
        rows.append([*t, "Gender", "Not known", "c", "c"])
    return _csv_text(header, rows)


def _fy_all_csv() -> str:
    """FY2020-21 'all' file: time_breakdown (full year and halves), characteristic/category."""
    header = [
        "time_period",
        "time_identifier",
        "time_breakdown",
        "geographic_level",
        "country_code",
        "country_name",
        "characteristic",
        "category",
        "number",
        "percentage",
    ]
    rows: list[list[object]] = []
    for period in ("2018-19", "2019-20", "2020-21"):
        t = _national_totals()[period]
        pre = [_fy_code(period), "Financial year", "Full year", *ENGLAND]
        rows.append([*pre, "Total", "Total", t["Total"], 100])
        for nature in NATURES[1:]:
            share = round(100 * t[nature] / t["Total"], 1)
            rows.append([*pre, "Nature of notification", nature, t[nature], share])
        rows.append([*pre, "Gender", "Male", t["Total"] // 2 + 20, "c"])
    for half, n in (("Part 1 (April to September)", 285), ("Part 2 (October to March)", 251)):
        rows.append(
            [_fy_code("2020-21"), "Financial year", half, *ENGLAND, "Total", "Total", n, 100]
        )
    return _csv_text(header, rows)


def _fy_chartot_csv() -> str:
    """FY2021-22 characteristic totals: characteristic/category, nature, number/percentage,
    quarter; natures spelled 'Child Death', ':' for not available."""
    header = [
        "time_period",
        "time_identifier",
        "quarter",
        *BASE[2:],
        "characteristic",
        "category",
        "nature_of_notification",
        "number",
        "percentage",
    ]
    spelled = {
        "Total": "Total",
        "Child death": "Child Death",
        "Serious harm": "Serious Harm",
        "Other": "Other",
    }
    rows: list[list[object]] = []
    for period in ("2018-19", "2019-20", "2020-21", "2021-22"):
        t = _national_totals()[period]
        pre = [_fy_code(period), "Financial year", "Total", *ENGLAND]
        for nature in NATURES:
            share = round(100 * t[nature] / t["Total"], 1)
            rows.append([*pre, "Total", "Total", spelled[nature], t[nature], share])
        rows.append([*pre, "Age", "Under 1", "Total", 150 + len(rows), ":"])
        rows.append([*pre, "Disability", "Not known", "Total", ":", ":"])
    for q, n in (("Q1", 120), ("Q2", 105), ("Q3", 110), ("Q4", 107)):
        quarter = [_fy_code("2021-22"), "Financial year", q, *ENGLAND]
        rows.append([*quarter, "Total", "Total", "Total", n, ":"])
    return _csv_text(header, rows)


def _fy_totals_csv() -> str:
    """FY2021-22 'All year totals': national totals only, Ofsted years first."""
    header = [*BASE, "number"]
    periods = ["2014-15", "2015-16", "2016-17", "2018-19", "2019-20", "2020-21", "2021-22"]
    rows = [
        [_fy_code(p), "Financial year", *ENGLAND, _national_totals()[p]["Total"]] for p in periods
    ]
    return _csv_text(header, rows)


def _cross_csv() -> str:
    """FY2021-22 cross-characteristics (layout inferred): age_group, ethnicity, gender filters."""
    header = [*BASE, "age_group", "ethnicity", "gender", "number"]
    rows: list[list[object]] = []
    for period in ("2020-21", "2021-22"):
        pre = [_fy_code(period), "Financial year", *ENGLAND]
        rows.append([*pre, "Total", "Total", "Total", _national_totals()[period]["Total"]])
        rows.append([*pre, "Total", "White", "Male", 140])
        rows.append([*pre, "Under 1", "Total", "Female", 60])
        rows.append([*pre, "Under 1", "White", "Total", "c"])
    return _csv_text(header, rows)


def _fy_characteristic_csv() -> str:
    """FY2022-23 sin_characteristics_2019_2023: characteristic (topic)/characteristic_type."""
    header = [
        "time_period",
        "time_identifier",
        "quarter",
        *BASE[2:],
        "characteristic",
        "characteristic_type",
        "nature_of_notification",
        "number_notifications",
    ]
    rows: list[list[object]] = []
    for period in ("2018-19", "2019-20", "2020-21", "2021-22", "2022-23"):
        t = _national_totals()[period]
        pre = [_fy_code(period), "Financial year", "Total", *ENGLAND]
        for nature in NATURES:
            rows.append([*pre, "Total", "Total", nature, t[nature]])
        rows.append([*pre, "Gender", "Male", "Total", 240 + len(rows)])
        rows.append([*pre, "Gender", "Female", "Total", 190 + len(rows)])
        rows.append([*pre, "Gender", "Female", "Serious harm and other", 90 + len(rows)])
    return _csv_text(header, rows)


def _ry_nature_csv(
    last_year: int, *, sex_topic: str = "Gender", revise: dict[str, dict[str, int]] | None = None
) -> str:
    """Reporting-year nature and characteristics file (RY2024 on): breakdown_topic/breakdown."""
    header = [
        "time_period",
        "time_identifier",
        "quarter",
        *BASE[2:],
        "breakdown_topic",
        "breakdown",
        "nature_of_notification",
        "number_notifications",
    ]
    rows: list[list[object]] = []
    revise = revise or {}
    for year in range(2019, last_year + 1):
        pid = parse_period(str(year)).id
        t = {**_national_totals()[pid], **revise.get(pid, {})}
        pre = [str(year), "Reporting year", "Total", *ENGLAND]
        for nature in NATURES:
            rows.append([*pre, "Total", "Total", nature, t[nature]])
        topic = sex_topic if year == last_year else "Gender"
        rows.append([*pre, topic, "Male", "Total", 180 + year % 100])
        rows.append([*pre, topic, "Female", "Total", 150 + year % 100])
        rows.append([*pre, topic, "Female", "Serious harm and other", "x" if year == 2019 else 70])
        if year >= 2024:
            rows.append([*pre, "CLA", "Yes", "Total", 100 + year % 10])
            rows.append([*pre, "CLA", "Yes", "Child death: abuse/neglect", 20 + year % 10])
            rows.append([*pre, "CLA", "Yes", "Child death: no abuse/neglect", "c"])
    for q, n in (("Q1", 90), ("Q2", 88), ("Q3", 95), ("Q4", 84)):
        rows.append([str(last_year), "Reporting year", q, *ENGLAND, "Total", "Total", "Total", n])
    return _csv_text(header, rows)


def _care_leaver_csv(years: tuple[int, ...]) -> str:
    """Care leaver death notifications (RY2025 on): breakdown_topic/breakdown, no nature."""
    header = [*BASE, "breakdown_topic", "breakdown", "number_notifications"]
    rows: list[list[object]] = []
    for year in years:
        pre = [str(year), "Reporting year", *ENGLAND]
        young, old = 60 + year % 10, 30 + year % 10
        rows.append([*pre, "Total", "Total", young + old])
        rows.append([*pre, "Age group", "16 to 21", young])
        rows.append([*pre, "Age group", "22 to 24", old])
    return _csv_text(header, rows)


REGIONS = (("E12000001", "North East"), ("E12000002", "North West"))
LAS = (
    ("E06099901", "901", "Fixtureton", 0),
    ("E08099902", "902", "Mockborough", 1),
    ("E10099903", "903", "Sampleshire", 1),
)


def _subnational_csv(
    periods: list[tuple[str, str, str]],
    *,
    idaci: str = "idaci_avgscore",
    count: str = "number_notifications",
    revise: dict[str, dict[str, int]] | None = None,
) -> str:
    """Sub-national notifications with contextual data: National, Regional, Local authority.

    ``periods`` holds (period id, time_period, time_identifier). National notification counts are
    the published totals; everything else is made up.
    """
    header = [
        *BASE,
        "region_code",
        "region_name",
        "old_la_code",
        "new_la_code",
        "la_name",
        count,
        "cin_31march",
        idaci,
        "ons_midyear_population",
    ]
    rows: list[list[object]] = []
    revise = revise or {}
    for i, (pid, tp, ti) in enumerate(periods):
        pre = [tp, ti, *ENGLAND]
        total = revise.get(pid, {}).get("Total", _national_totals()[pid]["Total"])
        rows.append([*pre, "", "", "", "", "", total, 400000 + 10 * i, "x", 11900000 + i])
        for j, (code, name) in enumerate(REGIONS):
            rows.append(
                [
                    tp,
                    ti,
                    "Regional",
                    "E92000001",
                    "England",
                    code,
                    name,
                    "",
                    "",
                    "",
                    50 + 10 * j,
                    25000 + 10 * i,
                    "x",
                    540000 + j,
                ]
            )
        for k, (code, old, name, region) in enumerate(LAS):
            rcode, rname = REGIONS[region]
            n: object = "c" if (k == 2 and i == 0) else 3 + k + i
            rows.append(
                [
                    tp,
                    ti,
                    "Local authority",
                    "E92000001",
                    "England",
                    rcode,
                    rname,
                    old,
                    code,
                    name,
                    n,
                    2000 + 37 * k + i,
                    f"0.{2 + k}{i % 10}",
                    90000 + 1000 * k,
                ]
            )
    return _csv_text(header, rows)


def _ry_totals_csv(last_year: int) -> str:
    """'Total Notifications' (RY2026): national totals only, from Ofsted's years."""
    header = [*BASE, "number_notifications"]
    years = [y for y in range(2015, last_year + 1) if y != 2018]  # 2017-18: no published total
    rows = [
        [str(y), "Reporting year", *ENGLAND, _national_totals()[parse_period(str(y)).id]["Total"]]
        for y in years
    ]
    return _csv_text(header, rows)


# ---------------------------------------------------------------------------------------------
# Releases and archives
# ---------------------------------------------------------------------------------------------


def _fy_periods(last: str) -> list[tuple[str, str, str]]:
    first = parse_period("2018-19").start_year
    end = parse_period(last).start_year
    return [
        (
            parse_period(f"{y}-{(y + 1) % 100:02d}").id,
            _fy_code(f"{y}-{(y + 1) % 100:02d}"),
            "Financial year",
        )
        for y in range(first, end + 1)
    ]


def _ry_periods(last_year: int) -> list[tuple[str, str, str]]:
    return [(parse_period(str(y)).id, str(y), "Reporting year") for y in range(2019, last_year + 1)]


# Revision shown by the 2025 fixture and corrected by the 2026 one (newest release wins).
REVISED_2025 = {"2023-24": {"Total": 406, "Child death": 206}}


def _release_files(slug: str) -> dict[str, str]:
    """Return ``{archive path: text}`` of the fixture release ``slug``, in its era's layout."""
    files: dict[str, str] = {}
    if slug == "2020-21-part-1-apr-to-sep":
        files["data/fixture_serious_incident_notifications.csv"] = _transparency_csv()
    elif slug == "2020-21":
        files["data/fixture_serious_incident_notifications_all.csv"] = _fy_all_csv()
        files["data/fixture_serious_incident_notifications_la_region.csv"] = _subnational_csv(
            _fy_periods("2020-21"), idaci="idaci_avgscore_2019", count="number"
        )
    elif slug == "2021-22":
        files["data/fixture_characteristic_totals.csv"] = _fy_chartot_csv()
        files["data/fixture_all_year_totals.csv"] = _fy_totals_csv()
        files["data/fixture_cross_characteristics.csv"] = _cross_csv()
    elif slug == "2022-23":
        files["data/fixture_sin_characteristics_2019_2023.csv"] = _fy_characteristic_csv()
        files["data/fixture_sin_la_region_2019_2023.csv"] = _subnational_csv(
            _fy_periods("2022-23"), idaci="idaci_avgscore_2019"
        )
    elif slug in ("2024", "2025", "2026"):
        year = int(slug)
        files["data/fixture_sin_nature_characteristics.csv"] = _ry_nature_csv(
            year,
            sex_topic="Sex" if year == 2026 else "Gender",
            revise=REVISED_2025 if year == 2025 else None,
        )
        files["data/fixture_sin_subnational_context.csv"] = _subnational_csv(
            _ry_periods(year),
            idaci="idaci_avgscore" if year == 2026 else "idaci_avgscore_2019",
            revise=REVISED_2025 if year == 2025 else None,
        )
        if year >= 2025:
            files["data/fixture_sin_care_leaver_deaths.csv"] = _care_leaver_csv(
                tuple(range(2025, year + 1))
            )
        if year == 2026:
            files["data/fixture_sin_total_notifications.csv"] = _ry_totals_csv(year)
    else:
        raise ValueError(f"no fixture for release {slug!r}")  # every known release has one
    files["data-guidance/data-guidance.txt"] = GUIDANCE
    files["README-FORMAT-FIXTURES.txt"] = README
    return files


def _write_zip(
    path: Path,
    files: dict[str, str | bytes],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """Write ``files`` (archive path -> content) into a ZIP at ``path``, in order."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 5, 21, 9, 30, 0))
            info.compress_type = compression
            info.external_attr = 0o100644 << 16
            zf.writestr(info, content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _release_zip(
    folder: Path,
    slug: str,
    *,
    changes: dict[str, str | bytes | None] | None = None,
    name: str | None = None,
) -> Path:
    """Write the fixture ZIP of ``slug`` into ``folder``.

    ``changes`` maps archive paths to new content (``None`` drops the entry); ``name`` is the ZIP
    file name (default ``fixture-<slug>-FORMAT-FIXTURES-NOT-REAL-DATA.zip``).
    """
    files: dict[str, str | bytes] = dict(_release_files(slug))
    for entry, value in (changes or {}).items():
        if value is None:
            files.pop(entry, None)
        else:
            files[entry] = value
    return _write_zip(folder / (name or f"fixture-{slug}-FORMAT-FIXTURES-NOT-REAL-DATA.zip"), files)


# ---------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def fixture_label() -> str:
    """The words every fixture archive carries: FORMAT FIXTURES, NOT REAL DATA."""
    return LABEL


@pytest.fixture(scope="session")
def fixture_totals() -> dict[str, dict[str, int]]:
    """``{period id: {nature: count}}`` the fixture files use (real national totals)."""
    return {pid: dict(natures) for pid, natures in _national_totals().items()}


@pytest.fixture(scope="session")
def release_files() -> Callable[[str], dict[str, str]]:
    """``release_files(slug)``: ``{archive path: text}`` of a fixture release, in its era's layout.

    Every release in :data:`sinstats.data.releases.KNOWN_RELEASES` has one.
    """
    return _release_files


@pytest.fixture(scope="session")
def write_zip() -> Callable[..., Path]:
    """``write_zip(path, files, compression=ZIP_DEFLATED)``: a ZIP of ``{entry: content}``."""
    return _write_zip


@pytest.fixture(scope="session")
def release_zip() -> Callable[..., Path]:
    """``release_zip(folder, slug, changes=None, name=None)``: the fixture ZIP of a release."""
    return _release_zip


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ (published files and SHA256SUMS, no raw releases) in a temp folder."""
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    return work


@pytest.fixture()
def install(tmp_path: Path) -> Callable[..., None]:
    """``install(data_folder, *slugs)``: fetch fixture releases from local ZIPs, in order."""

    def run(work: Path, *slugs: str) -> None:
        for slug in slugs:
            zip_path = _release_zip(tmp_path, slug)
            releases.fetch(slug, zip_path, data_dir=work, progress=False)

    return run


@pytest.fixture(scope="session")
def one() -> Callable[..., pd.Series]:
    """``one(frame, **match)``: the single row whose columns equal ``match`` (asserts one)."""

    def pick(frame: pd.DataFrame, **match: object) -> pd.Series:
        sel = frame
        for col, value in match.items():
            sel = sel[sel[col] == value]
        assert len(sel) == 1, f"{match}: {len(sel)} rows"
        return sel.iloc[0]

    return pick


@pytest.fixture()
def write_file(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """``write_file(name, text_or_bytes)``: a file in ``tmp_path`` (text written as UTF-8)."""

    def write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def tree_state() -> Callable[[Path], dict[str, str]]:
    """``tree_state(root)``: every file and folder under ``root`` with each file's SHA-256."""

    def state(root: Path) -> dict[str, str]:
        found: dict[str, str] = {}
        for p in sorted(root.rglob("*")):
            rel = p.relative_to(root).as_posix()
            found[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
        return found

    return state
