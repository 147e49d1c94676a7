"""Read official explore-education-statistics (EES) files into the project's tidy schema.

DfE has published "Serious incident notifications" on EES in several *format eras* (see the table
below and ``data/raw/README.md``). :func:`read_ees_file` reads one
official CSV of any era, checks it (required columns of its era, known symbols, parseable periods,
non-negative whole counts) and returns it in :data:`sinstats.data.TIDY_COLUMNS`, with canonical
periods (``202223`` + ``Financial year`` and ``2023`` + ``Reporting year`` are both ``2022-23``),
canonical natures (``Child Death`` -> ``Child death``) and EES symbols turned into a missing value
with a ``status``.

Eras recognised (:data:`ERAS`):

========================  =====================================================================
``transparency``          Part 1 2020-21 transparency file: ``sin_breakdown``/``category``,
                          ``number``/``percentage``, ``Part 1 (April to September)`` periods.
``fy_category``           financial-year files 2020-21 and 2021-22: ``characteristic``/
                          ``category``, ``number``/``percentage``; ``Child Death`` spelling,
                          ``:`` symbol; optional ``time_breakdown`` (full year and halves).
``fy_characteristic``     2022-23: ``characteristic`` (the topic) / ``characteristic_type`` (the
                          value), ``nature_of_notification``, ``number_notifications``.
``ry_breakdown``          reporting-year files from 2024: ``breakdown_topic``/``breakdown``,
                          ``nature_of_notification``, ``number_notifications``, ``x`` symbol.
``care_leaver``           care leaver death notifications (from 2025): ``breakdown_topic``/
                          ``breakdown`` and ``number_notifications``, no nature.
``cross_characteristics`` 2021-22 cross-characteristics: ``age_group``/``ethnicity``/``gender``
                          filter columns (layout inferred: only the filter labels were seen).
``subnational``           national, regional and local-authority totals with contextual data
                          (``cin_31march``, ``idaci_avgscore`` or ``idaci_avgscore_2019``,
                          ``ons_midyear_population``): one tidy row per measure.
``totals``                national totals only ("All year totals", "Total Notifications").
========================  =====================================================================

Releases fetched with ``sinstats fetch`` live in ``<data>/raw/<release>/`` with a ``SOURCE.json``
(see :mod:`sinstats.data.releases`). :func:`overlay` is called by :func:`sinstats.data.load`:
figures from installed releases are preferred over the transcribed ones for the same (period, area,
breakdown, nature, measure), the newest release winning for a period it covers; ``origin`` says
where each figure came from and ``note`` records replaced or revised values. :func:`load_areas`
returns the full sub-national table; :func:`release_checksums` gives the build manifest the
checksum of every installed official file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import pandas as pd

from sinstats import paths
from sinstats.data import provenance, schema
from sinstats.data.published import decode_text
from sinstats.errors import DataError, NoDataError, ParameterError, PeriodError
from sinstats.periods import FINANCIAL_YEAR, Period, from_ees, parse_period

PUBLICATION_URL: Final = (
    "https://explore-education-statistics.service.gov.uk/find-statistics/"
    "serious-incident-notifications"
)
"""The publication's page on EES; ``/{release slug}`` gives a release page."""

PUBLISHER: Final = "Department for Education"
SOURCE_FILE: Final = "SOURCE.json"
"""Provenance file written by ``sinstats fetch`` in every installed release folder."""

ERAS: Final[dict[str, str]] = {
    "transparency": "Part 1 2020-21 transparency file (sin_breakdown/category, number/percentage)",
    "fy_category": "financial-year file of 2020-21 or 2021-22 (characteristic/category, "
    "number/percentage)",
    "fy_characteristic": "financial-year 2022-23 file (characteristic/characteristic_type, "
    "number_notifications)",
    "ry_breakdown": "reporting-year file from 2024 (breakdown_topic/breakdown, "
    "nature_of_notification, number_notifications)",
    "care_leaver": "care leaver death notifications file (breakdown_topic/breakdown, "
    "number_notifications, no nature)",
    "cross_characteristics": "2021-22 cross-characteristics file (age_group/ethnicity/gender)",
    "subnational": "sub-national file with contextual data (region and local-authority columns, "
    "cin_31march, idaci_avgscore, ons_midyear_population)",
    "totals": "national totals file (no breakdown columns)",
}
"""Format eras :func:`read_ees_file` recognises, by name."""

# When one release gives the same figure in several files, the more specific file wins.
_ERA_PRIORITY: Final[dict[str, int]] = {
    "subnational": 0,
    "totals": 1,
    "cross_characteristics": 2,
    "transparency": 3,
    "fy_category": 4,
    "fy_characteristic": 4,
    "care_leaver": 4,
    "ry_breakdown": 4,
}

BASE_COLUMNS: Final = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
)
"""Columns every EES data file has."""

GEOGRAPHY_COLUMNS: Final = ("region_code", "region_name", "old_la_code", "new_la_code", "la_name")
TIME_COLUMNS: Final = ("quarter", "time_breakdown")
COUNT_COLUMNS: Final = ("number_notifications", "number")
PERCENT_COLUMN: Final = "percentage"
NATURE_COLUMN: Final = "nature_of_notification"

CONTEXT_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "cin_31march": ("cin_31march", "count"),
    "ons_midyear_population": ("ons_midyear_population", "persons"),
    "idaci_avgscore": ("idaci_avgscore", "score"),
    "idaci_avgscore_2019": ("idaci_avgscore", "score"),
}
"""Contextual columns of sub-national files -> (measure, unit). IDACI 2019 becomes one measure."""

CROSS_COLUMNS: Final[dict[str, str]] = {
    "age_group": "Age group",
    "ethnicity": "Ethnicity",
    "gender": "Gender",
    "sex": "Sex",
}
"""Filter columns of the 2021-22 cross-characteristics file (inferred) -> topic label."""

TOPIC_ALIASES: Final[dict[str, str]] = {
    "total": "Total",
    "cla": "CLA (child looked after)",
    "cla (child looked after)": "CLA (child looked after)",
    "child looked after": "CLA (child looked after)",
    "looked after": "CLA (child looked after)",
    "gender": "Gender",
    "sex": "Sex",
    "age": "Age",
    "age group": "Age group",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
    "quarter": "Quarter",
}
"""Lower-cased breakdown topics -> the label used in ``data/published`` (others kept as written)."""

NATURE_TOPICS: Final = frozenset(
    {"nature", "nature of notification", "nature of incident", "nature_of_notification"}
)
"""Topic labels under which a characteristic-era file lists the nature of notification."""

NATURE_ALIASES: Final[dict[str, str]] = {
    **schema.NATURE_ALIASES,
    "child death: abuse/neglect": "Child death: abuse/neglect",
    "child death: no abuse/neglect": "Child death: no abuse/neglect",
}
"""Lower-cased nature labels -> canonical label (``Child Death`` -> ``Child death``)."""

OVERLAY_DATASETS: Final = ("sin_national", "characteristics")
"""Datasets of :func:`sinstats.data.load` that official files can add to or replace."""

_RELEASE_SLUG = re.compile(r"^(\d{4})(?:-(\d{2})(?:-part-([12])(?:-[a-z0-9]+)*)?)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_LA_CODE = re.compile(r"^E\d{8}$")
_REGION_CODE = re.compile(r"^E12\d{6}$")
_AGE_RANGE = re.compile(r"^(\d+)\s*(?:to|-)\s*(\d+)$")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.\-]+")
_PRIVATE = ("_era", "_release_rank", "_file_rank", "_file", "_release")


# --------------------------------------------------------------------------------------------
# Releases
# --------------------------------------------------------------------------------------------


def release_period(slug: str) -> Period:
    """Return the period a release slug covers (the latest period in that release).

    Parameters
    ----------
    slug : str
        ``"2026"`` (reporting year), ``"2022-23"`` (financial year) or
        ``"2020-21-part-1-apr-to-sep"`` (half year).

    Returns
    -------
    Period

    Raises
    ------
    ParameterError
        If the slug is not one of those forms.
    """
    m = _RELEASE_SLUG.match(str(slug).strip())
    if not m:
        raise ParameterError(
            f"release {slug!r} is not an EES release slug; write e.g. '2026' (reporting year), "
            "'2022-23' (financial year) or '2020-21-part-1-apr-to-sep' (half year)"
        )
    try:
        if m.group(2) is None:
            return parse_period(m.group(1))
        fy = parse_period(f"{m.group(1)}-{m.group(2)}")
        if m.group(3) is None:
            return fy
        return parse_period(f"{fy.id} H{m.group(3)}")
    except PeriodError as err:
        raise ParameterError(f"release {slug!r} is not a valid release slug: {err}") from None


def release_tag(slug: str) -> str:
    """Return the short tag used in ``source_id``: ``RY2026``, ``FY2022-23``, ``FY2020-21P1``."""
    p = release_period(slug)
    if p.kind == FINANCIAL_YEAR:
        return f"RY{p.reporting_year}" if re.fullmatch(r"\d{4}", slug) else f"FY{p.id}"
    return f"FY{p.id.replace(' H', 'P')}"


def release_sort_key(slug: str) -> tuple[int, int, str]:
    """Order releases by the end of the period they cover (newest last)."""
    p = release_period(slug)
    return (p.end_year, p.end_month, slug)


@dataclass(frozen=True)
class Release:
    """One release installed under ``<data>/raw/<slug>/`` by ``sinstats fetch``.

    Parameters
    ----------
    slug : str
        The release slug (also the folder name).
    path : Path
        The release folder.
    source : dict
        The parsed ``SOURCE.json``.
    """

    slug: str
    path: Path
    source: dict[str, Any]

    @property
    def source_url(self) -> str:
        """The download URL, or the release page when the ZIP was a local file."""
        url = str(self.source.get("source_url") or "")
        return url or f"{PUBLICATION_URL}/{self.slug}"

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """``{relative path: record}`` of every file listed in ``SOURCE.json``."""
        files = self.source.get("files")
        return files if isinstance(files, dict) else {}

    def data_files(self) -> list[str]:
        """Relative paths of the data CSVs, in a stable order."""
        return sorted(rel for rel, rec in self.files.items() if rec.get("kind") == "data")


def _read_source_json(folder: Path) -> dict[str, Any]:
    path = folder / SOURCE_FILE
    if not path.is_file():
        raise DataError(
            f"release folder has no {SOURCE_FILE}, so it was not installed by 'sinstats fetch'; "
            f"install it with 'sinstats fetch --release {folder.name} --source FILE.zip' or "
            "remove the folder",
            path=str(folder),
        )
    try:
        source = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError(
            f"not valid JSON ({err}); fetch the release again", path=str(path)
        ) from None
    if not isinstance(source, dict) or not isinstance(source.get("files"), dict):
        raise DataError("no 'files' table; fetch the release again", path=str(path))
    if source.get("release") != folder.name:
        raise DataError(
            f"records release {source.get('release')!r} but sits in folder {folder.name!r}",
            path=str(path),
        )
    return source


def _release_dirs(raw: Path) -> list[Path]:
    if not raw.is_dir():
        return []
    return sorted(p for p in raw.iterdir() if p.is_dir() and not p.name.startswith("."))


def installed_releases(data_dir: str | os.PathLike[str] | None = None) -> list[Release]:
    """Return the releases installed under ``<data>/raw/``, oldest first.

    Raises
    ------
    DataError
        If a folder there was not installed by ``sinstats fetch`` (no valid ``SOURCE.json``) or
        is not named after a release.
    """
    releases = []
    for folder in _release_dirs(paths.raw_dir(data_dir)):
        try:
            release_period(folder.name)
        except ParameterError as err:
            raise DataError(str(err), path=str(folder)) from None
        releases.append(Release(folder.name, folder, _read_source_json(folder)))
    return sorted(releases, key=lambda r: release_sort_key(r.slug))


def _verified_sha(release: Release, rel: str) -> str:
    """Hash one file of a release and check it against SOURCE.json."""
    path = release.path / rel
    record = release.files.get(rel, {})
    if not path.is_file():
        raise DataError(
            f"listed in {SOURCE_FILE} but missing; fetch release {release.slug} again",
            path=str(path),
        )
    sha = provenance.sha256_file(path)
    if record.get("sha256") != sha:
        raise DataError(
            f"checksum does not match {SOURCE_FILE}: the file changed after it was fetched; run "
            f"'sinstats fetch --release {release.slug}' again (official files are read-only)",
            path=str(path),
        )
    return sha


def release_checksums(data_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Return ``{path relative to the data folder: sha256}`` of every installed official file.

    Every file listed in each release's ``SOURCE.json`` is hashed and checked against it; the
    ``SOURCE.json`` files themselves are included. Paths look like ``raw/2026/data/x.csv``, as in
    ``data/SHA256SUMS``, so a build manifest can list them.

    Raises
    ------
    DataError
        If a file is missing or its hash differs from ``SOURCE.json``.
    """
    sums: dict[str, str] = {}
    for release in installed_releases(data_dir):
        prefix = f"raw/{release.slug}"
        for rel in sorted(release.files):
            sums[f"{prefix}/{rel}"] = _verified_sha(release, rel)
        sums[f"{prefix}/{SOURCE_FILE}"] = provenance.sha256_file(release.path / SOURCE_FILE)
    return dict(sorted(sums.items()))


# --------------------------------------------------------------------------------------------
# One official file
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EesFile:
    """One official file read by :func:`read_ees_file`.

    Parameters
    ----------
    path : Path
        The file.
    era : str
        Its format era (a key of :data:`ERAS`).
    frame : pandas.DataFrame
        Its figures in :data:`sinstats.data.TIDY_COLUMNS`.
    sha256 : str
        SHA-256 of the file's bytes.
    """

    path: Path
    era: str
    frame: pd.DataFrame
    sha256: str

    @property
    def periods(self) -> list[str]:
        """Canonical ids of the periods in the file, in time order."""
        ordered = self.frame.sort_values("period_start", kind="stable")["period"]
        return list(dict.fromkeys(ordered.tolist()))


@dataclass(frozen=True)
class _Layout:
    era: str
    topic: str | None = None
    value: str | None = None
    nature: str | None = None
    count: str = "number_notifications"
    percent: str | None = None
    context: tuple[str, ...] = ()
    cross: tuple[str, ...] = ()
    quarter: str | None = None
    time_breakdown: str | None = None


def _looks_care_leaver(path: Path, rows: list[tuple[int, dict[str, str]]], layout: _Layout) -> bool:
    """Tell whether a nature-less breakdown file is about care leavers (by name or ages 18+)."""
    stem = re.sub(r"[^a-z]", "", path.stem.lower())
    if "careleaver" in stem:
        return True
    assert layout.value is not None
    for _, cells in rows:
        m = _AGE_RANGE.match(cells[layout.value].lower().removeprefix("age ").strip())
        if m and int(m.group(2)) >= 18:
            return True
    return False


def _layout(header: list[str], path: str) -> _Layout:
    """Work out the era of a file from its header, or say which column is wrong."""
    missing = [c for c in BASE_COLUMNS if c not in header]
    if missing:
        raise DataError(
            f"missing column {missing[0]!r}: every EES data file has {', '.join(BASE_COLUMNS)}; "
            "is this a serious incident notifications file?",
            path=path,
            line=1,
            column=missing[0],
        )
    counts = [c for c in COUNT_COLUMNS if c in header]
    if len(counts) != 1:
        problem = "no count column" if not counts else "two count columns"
        raise DataError(
            f"{problem}: expected exactly one of number_notifications (from 2022-23) or number "
            "(earlier releases)",
            path=path,
            line=1,
            column=counts[1] if counts else None,
        )
    count = counts[0]
    quarter = "quarter" if "quarter" in header else None
    time_breakdown = "time_breakdown" if "time_breakdown" in header else None
    nature = NATURE_COLUMN if NATURE_COLUMN in header else None
    percent = PERCENT_COLUMN if PERCENT_COLUMN in header else None
    context = tuple(c for c in header if c in CONTEXT_COLUMNS)

    def need(column: str, why: str) -> None:
        if column not in header:
            raise DataError(
                f"missing column {column!r}: a file with {why} needs it",
                path=path,
                line=1,
                column=column,
            )

    common = _Layout("totals", nature=nature, count=count, percent=percent, quarter=quarter)
    if context or "new_la_code" in header or "la_name" in header:
        for column in ("region_code", "region_name", "new_la_code", "la_name"):
            need(column, "local-authority or contextual columns")
        layout = _Layout("subnational", count=count, context=context, quarter=quarter)
    elif "sin_breakdown" in header:
        need("category", "a 'sin_breakdown' column")
        layout = replace(common, era="transparency", topic="sin_breakdown", value="category")
    elif "breakdown_topic" in header:
        need("breakdown", "a 'breakdown_topic' column")
        layout = replace(common, era="ry_breakdown", topic="breakdown_topic", value="breakdown")
    elif "characteristic" in header:
        if "characteristic_type" in header:
            value, era = "characteristic_type", "fy_characteristic"
        else:
            need("category", "a 'characteristic' column (or 'characteristic_type')")
            value, era = "category", "fy_category"
        layout = replace(common, era=era, topic="characteristic", value=value)
    elif any(c in CROSS_COLUMNS for c in header):
        cross = tuple(c for c in header if c in CROSS_COLUMNS)
        layout = replace(common, era="cross_characteristics", cross=cross)
    else:
        layout = common
    if time_breakdown and layout.era != "subnational":
        layout = replace(layout, time_breakdown=time_breakdown)

    allowed = {*BASE_COLUMNS, *GEOGRAPHY_COLUMNS, count}
    for col in (layout.topic, layout.value, layout.nature, layout.percent, layout.quarter):
        if col:
            allowed.add(col)
    allowed.update(layout.context, layout.cross)
    if layout.time_breakdown:
        allowed.add(layout.time_breakdown)
    unknown = [c for c in header if c not in allowed]
    if unknown:
        raise DataError(
            f"unknown column(s) {', '.join(repr(u) for u in unknown)} for a "
            f"{ERAS[layout.era]}; allowed here: {', '.join(sorted(allowed))}",
            path=path,
            line=1,
            column=unknown[0],
        )
    return layout


def _canonical_topic(text: str) -> str:
    text = " ".join(text.split())
    return TOPIC_ALIASES.get(text.lower(), text)


def _canonical_label(text: str) -> str:
    text = " ".join(text.split())
    return "Total" if text.lower() == "total" else text


def _canonical_nature(text: str) -> str:
    text = " ".join(text.split())
    return NATURE_ALIASES.get(text.lower(), text)


def _parse_value(cell: str) -> tuple[float, str] | None:
    text = cell.strip()
    if text in schema.SYMBOLS:
        return math.nan, text
    if not _NUMBER.match(text):
        return None
    value = float(text)
    return (value, "") if math.isfinite(value) else None


def _half_year(fy: Period, text: str) -> Period | None:
    """Map a ``time_breakdown`` value to the full year or one of its halves (None if unknown)."""
    t = " ".join(text.lower().split())
    if t in ("full year", "total", "year"):
        return fy
    if "part 1" in t or "april to september" in t or "first half" in t or t == "h1":
        return parse_period(f"{fy.id} H1")
    if "part 2" in t or "october to march" in t or "second half" in t or t == "h2":
        return parse_period(f"{fy.id} H2")
    return None


class _Context:
    """What every row of one file shares: path, era, provenance."""

    def __init__(
        self,
        path: Path,
        label: str,
        layout: _Layout,
        release: str | None,
        source_url: str | None,
        origin: str | None,
    ) -> None:
        self.path = path
        self.label = label
        self.layout = layout
        stem = _SAFE_ID.sub("_", path.stem).strip("_") or "file"
        self.source_id = f"EES_{release_tag(release)}_{stem}" if release else f"EES_{stem}"
        self.source_url = source_url or (
            f"{PUBLICATION_URL}/{release}" if release else PUBLICATION_URL
        )
        self.origin = origin or f"ees:{path.name}"


def _row_records(line: int, c: dict[str, str], ctx: _Context) -> list[dict[str, object]]:
    """Turn one CSV row into tidy records (one per measure)."""
    lay = ctx.layout

    def fail(column: str, message: str) -> DataError:
        return DataError(message, path=ctx.label, line=line, column=column)

    for col in BASE_COLUMNS:
        if not c[col]:
            raise fail(col, f"'{col}' is empty; every EES row needs it")
    notes: list[str] = []
    try:
        period = from_ees(c["time_period"], c["time_identifier"])
    except PeriodError as err:
        raise fail("time_period", str(err)) from None
    if lay.time_breakdown and c[lay.time_breakdown]:
        half = _half_year(period, c[lay.time_breakdown]) if period.kind == FINANCIAL_YEAR else None
        if half is None:
            raise fail(
                lay.time_breakdown,
                f"time_breakdown {c[lay.time_breakdown]!r} is not 'Full year' or a half year "
                "('Part 1 (April to September)', 'Part 2 (October to March)') of a financial year",
            )
        if half != period:
            notes.append(f"half year from time_breakdown {c[lay.time_breakdown]!r}")
        period = half

    level = " ".join(c["geographic_level"].split())
    level = next((g for g in schema.GEOGRAPHIC_LEVELS if g.lower() == level.lower()), level)
    if level not in schema.GEOGRAPHIC_LEVELS:
        raise fail(
            "geographic_level",
            f"geographic level {level!r} is not one of {', '.join(schema.GEOGRAPHIC_LEVELS)}",
        )
    if c["country_code"] != "E92000001":
        raise fail("country_code", f"country {c['country_code']!r}: only England (E92000001)")
    if level == "National":
        area_code, area_name = "E92000001", "England"
    elif level == "Regional":
        code = c.get("region_code", "")
        if not _REGION_CODE.match(code) or not c.get("region_name"):
            raise fail("region_code", f"a Regional row needs an E12 region code (got {code!r})")
        area_code, area_name = code, schema.REGIONS.get(code, c["region_name"])
    else:
        code = c.get("new_la_code", "")
        if not _LA_CODE.match(code) or not c.get("la_name"):
            raise fail(
                "new_la_code",
                f"a Local authority row needs new_la_code (E + 8 digits) and la_name (got "
                f"{code!r})",
            )
        area_code, area_name = code, " ".join(c["la_name"].split())

    # Filters -> breakdown_topic, breakdown, nature.
    topic, breakdown, nature = "Total", "Total", "Total"
    if lay.topic and lay.value:
        raw_topic, raw_value = c[lay.topic], c[lay.value]
        if not raw_topic or not raw_value:
            raise fail(lay.topic if not raw_topic else lay.value, "empty filter value")
        if " ".join(raw_topic.lower().split()) in NATURE_TOPICS:
            nature = _canonical_nature(raw_value)
            if nature != " ".join(raw_value.split()):
                notes.append(f"spelled {raw_value!r} in the official file")
        else:
            topic, breakdown = _canonical_topic(raw_topic), _canonical_label(raw_value)
            if topic == "Total" and breakdown != "Total":
                raise fail(lay.value, f"topic 'Total' with breakdown {raw_value!r}")
    elif lay.cross:
        parts = [(CROSS_COLUMNS[col], _canonical_label(c[col])) for col in lay.cross]
        if any(not value for _, value in parts):
            raise fail(lay.cross[0], "empty filter value")
        shown = [(t, v) for t, v in parts if v != "Total"]
        if shown:
            topic = " x ".join(t for t, _ in shown)
            breakdown = " x ".join(v for _, v in shown)
    if lay.nature:
        raw = c[lay.nature]
        if not raw:
            raise fail(lay.nature, "nature_of_notification is empty")
        canonical = _canonical_nature(raw)
        if canonical != "Total":
            if nature != "Total":
                raise fail(lay.nature, "nature given twice (in the breakdown and this column)")
            nature = canonical
            if canonical != " ".join(raw.split()):
                notes.append(f"spelled {raw!r} in the official file")
    if lay.quarter:
        q = " ".join(c[lay.quarter].split())
        if not q:
            raise fail(lay.quarter, "quarter is empty; annual rows say 'Total'")
        if q.lower() != "total":
            if topic == "Total":
                topic, breakdown = "Quarter", q
            elif topic == "Quarter":
                breakdown = q
            else:
                topic, breakdown = f"{topic} x Quarter", f"{breakdown} x {q}"
    if lay.era == "care_leaver":
        nature = ""
        if topic == "Age group" and _AGE_RANGE.match(breakdown):
            breakdown = f"Age {breakdown}"
        notes.append("voluntary notifications: treat their representativeness with caution")

    # Indicators -> one record per measure.
    if lay.era == "care_leaver":
        count_measure = "care_leaver_death_notifications"
    else:
        count_measure = "number_notifications"
    indicators: list[tuple[str, str, str, str]] = [(lay.count, count_measure, "count", nature)]
    if lay.percent:
        indicators.append((lay.percent, "percentage_of_notifications", "percent", nature))
    for col in lay.context:
        measure, unit = CONTEXT_COLUMNS[col]
        indicators.append((col, measure, unit, ""))

    records: list[dict[str, object]] = []
    for col, measure, unit, row_nature in indicators:
        cell = c[col]
        if not cell:
            raise fail(col, "empty value; EES files show a symbol (c, x, :) for a missing figure")
        parsed = _parse_value(cell)
        if parsed is None:
            raise fail(
                col,
                f"value {cell!r} is neither a number nor an EES symbol "
                f"({', '.join(schema.SYMBOLS)})",
            )
        value, status = parsed
        if not status:
            if unit in ("count", "persons"):
                if value < 0:
                    raise fail(col, f"a count cannot be negative (got {cell})")
                if value != int(value):
                    raise fail(col, f"a count must be a whole number (got {cell})")
            elif unit == "percent" and not 0 <= value <= 100:
                raise fail(col, f"a percentage must lie in 0-100 (got {cell})")
            elif unit == "score" and not 0 <= value <= 1:
                raise fail(col, f"an IDACI score must lie in 0-1 (got {cell})")
        row_notes = list(notes)
        rounded = 0
        if (measure == "number_notifications" and level == "Regional") or (
            measure == "cin_31march" and level in ("National", "Regional")
        ):
            rounded = 10
            row_notes.append("rounded to the nearest 10 by DfE")
        if col == "idaci_avgscore_2019":
            row_notes.append("IDACI 2019 (column idaci_avgscore_2019)")
        category = breakdown if breakdown != "Total" else (row_nature or "Total")
        is_national_series = (
            level == "National"
            and period.kind == FINANCIAL_YEAR
            and topic == "Total"
            and breakdown == "Total"
            and measure == "number_notifications"
            and row_nature in schema.NATURES
        )
        records.append(
            {
                "dataset": "sin_national" if is_national_series else "characteristics",
                **schema.period_columns(period),
                "time_period": c["time_period"],
                "time_identifier": c["time_identifier"],
                "geographic_level": level,
                "area_code": area_code,
                "area_name": area_name,
                "breakdown_topic": topic,
                "breakdown": breakdown,
                "nature": row_nature,
                "category": category,
                "measure": measure,
                "value": value,
                "unit": unit,
                "status": status,
                "qualifier": "",
                "rounded_to": rounded,
                "series": "Ofsted" if period.start_year < 2018 else "DfE",
                "source_id": ctx.source_id,
                "publisher": PUBLISHER,
                "source_url": ctx.source_url,
                "note": "; ".join(row_notes),
                "origin": ctx.origin,
                "line": line,
            }
        )
    return records


_KEY_COLUMNS: Final = ("period", "area_code", "breakdown_topic", "breakdown", "nature", "measure")


def _key(frame: pd.DataFrame) -> pd.Series:
    """Identity of a figure: period, area, breakdown topic and value, nature, measure."""
    key = frame[_KEY_COLUMNS[0]].astype(str)
    for col in _KEY_COLUMNS[1:]:
        key = key + "|" + frame[col].astype(str)
    return key


def read_ees_file(
    path: str | os.PathLike[str],
    *,
    release: str | None = None,
    source_url: str | None = None,
    origin: str | None = None,
    label: str | None = None,
) -> EesFile:
    """Read and validate one official EES CSV of any format era.

    Parameters
    ----------
    path : path-like
        The CSV file.
    release : str, optional
        The release slug it came from (gives ``source_id`` such as ``EES_RY2026_<file stem>``).
    source_url : str, optional
        Where it came from (default: the release page, or the publication page).
    origin : str, optional
        Value of the ``origin`` column (default ``ees:<file name>``).
    label : str, optional
        How to name the file in error messages (default: its path).

    Returns
    -------
    EesFile
        The era and the tidy frame (columns :data:`sinstats.data.TIDY_COLUMNS`).

    Raises
    ------
    DataError
        If the file is not a recognisable EES file of a known era (the message names the file,
        line and column), holds an unknown symbol, an unparseable period, a negative or
        fractional count, or the same figure twice.
    """
    p = Path(path)
    where = label or str(p)
    if not p.is_file():
        raise DataError("file not found", path=where)
    raw = p.read_bytes()
    text = decode_text(raw, where, "an EES CSV")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as err:
        raise DataError(f"cannot read the header line: {err}", path=where, line=1) from None
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise DataError(f"column {dup!r} appears twice", path=where, line=1, column=dup)
    layout = _layout(header, where)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise DataError(
                    f"has {len(record)} fields but the header has {len(header)}",
                    path=where,
                    line=reader.line_num,
                )
            cells = dict(zip(header, (cell.strip() for cell in record), strict=True))
            rows.append((reader.line_num, cells))
    except csv.Error as err:
        raise DataError(f"malformed CSV: {err}", path=where, line=reader.line_num) from None
    if not rows:
        raise DataError("has a header but no data rows", path=where, line=2)
    if (
        layout.era == "ry_breakdown"
        and layout.nature is None
        and _looks_care_leaver(p, rows, layout)
    ):
        layout = replace(layout, era="care_leaver")
    ctx = _Context(p, where, layout, release, source_url, origin)
    records: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        for rec in _row_records(line, cells, ctx):
            key = "|".join(
                str(rec[k])
                for k in (
                    "period",
                    "area_code",
                    "breakdown_topic",
                    "breakdown",
                    "nature",
                    "measure",
                )
            )
            if key in seen:
                raise DataError(
                    f"duplicates the figure on line {seen[key]} (same period, area, breakdown, "
                    f"nature and measure {rec['measure']})",
                    path=where,
                    line=line,
                )
            seen[key] = line
            records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=list(schema.TIDY_COLUMNS))
    return EesFile(p, layout.era, frame, hashlib.sha256(raw).hexdigest())


# Parsed files by (path, sha256, release, source_url, origin): loads run often, files rarely change.
_CACHE: dict[tuple[str, str, str | None, str | None, str | None], EesFile] = {}


def _read_cached(path: Path, sha: str, *, release: str, source_url: str, origin: str) -> EesFile:
    key = (str(path.resolve()), sha, release, source_url, origin)
    cached = _CACHE.get(key)
    if cached is None:
        cached = read_ees_file(path, release=release, source_url=source_url, origin=origin)
        if cached.sha256 != sha:  # pragma: no cover - changed between hashing and reading
            raise DataError("file changed while being read", path=str(path))
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = cached
    provenance.record_read(path, sha)
    return cached


def _release_frames(release: Release, rank: int) -> list[pd.DataFrame]:
    frames = []
    for rel in release.data_files():
        sha = _verified_sha(release, rel)
        ef = _read_cached(
            release.path / rel,
            sha,
            release=release.slug,
            source_url=release.source_url,
            origin=f"ees:{release.slug}/{rel}",
        )
        frames.append(
            ef.frame.assign(
                _era=ef.era,
                _release_rank=rank,
                _file_rank=_ERA_PRIORITY[ef.era],
                _file=rel,
                _release=release.slug,
            )
        )
    return frames


def load_ees(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read one official CSV, or every data CSV of a release folder, into the tidy schema.

    Parameters
    ----------
    path : path-like
        A CSV file, or a release folder (``data/raw/2026``). A folder with ``SOURCE.json`` is read
        as installed by ``sinstats fetch`` (every listed data file, checked against its SHA-256);
        any other folder is read from ``data/*.csv`` and top-level ``*.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`sinstats.data.TIDY_COLUMNS`, every row of every file (a figure given in
        two files of a release appears twice, with different ``origin``; :func:`overlay` and
        :func:`load_areas` keep one). ``dataset`` is ``sin_national`` for national April-March
        totals by nature and ``characteristics`` for everything else.

    Raises
    ------
    DataError
        If a file fails :func:`read_ees_file`, a folder holds no data file, or a file differs
        from its ``SOURCE.json`` checksum.
    """
    p = Path(path)
    if p.is_dir():
        if (p / SOURCE_FILE).is_file():
            release = Release(p.name, p, _read_source_json(p))
            frames = _release_frames(release, 0)
        else:
            files = sorted({*p.glob("data/*.csv"), *p.glob("*.csv")})
            files = [f for f in files if not f.name.endswith(".meta.csv")]
            frames = []
            for f in files:
                ef = read_ees_file(f, origin=f"ees:{f.relative_to(p).as_posix()}")
                provenance.record_read(f, ef.sha256)
                frames.append(ef.frame)
        if not frames:
            raise DataError("no EES data file (data/*.csv) in this folder", path=str(p))
        frame = pd.concat(frames, ignore_index=True)
        return frame[list(schema.TIDY_COLUMNS)].reset_index(drop=True)
    ef = read_ees_file(p)
    provenance.record_read(p, ef.sha256)
    return ef.frame


# --------------------------------------------------------------------------------------------
# Installed releases -> one official frame
# --------------------------------------------------------------------------------------------


def _fmt(value: float, status: str) -> str:
    if status:
        return status
    if math.isnan(value):
        return "missing"
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def _same(a: tuple[float, str], b: tuple[float, str]) -> bool:
    if a[1] or b[1]:
        return a[1] == b[1]
    return a[0] == b[0] or (math.isnan(a[0]) and math.isnan(b[0]))


def _newest_wins(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per figure: the newest release, and in it the most specific file.

    Expects the private columns added by :func:`_release_frames`. The kept row's ``note`` says
    when another file of the same release gives a different value, and which older releases
    gave the same or a different (revised) value.
    """
    if frame.empty:
        return frame
    work = frame.assign(_key=_key(frame))
    work = work.sort_values(
        ["_key", "_release_rank", "_file_rank", "_file", "line"], kind="stable"
    ).reset_index(drop=True)
    keep = ~work["_key"].duplicated(keep="last")
    notes = work["note"].astype(object).tolist()
    values = work["value"].astype(float).tolist()
    statuses = work["status"].astype(str).tolist()
    releases = work["_release"].astype(str).tolist()
    files = work["_file"].astype(str).tolist()
    for idx in work.groupby("_key", sort=False).indices.values():
        if len(idx) < 2:
            continue
        win = int(idx[-1])
        won = (values[win], statuses[win])
        extra: list[str] = []
        # The row each older release would have used (its last, most specific, row).
        best: dict[str, int] = {}
        for i in idx[:-1]:
            if releases[i] == releases[win]:
                got = (values[i], statuses[i])
                if not _same(got, won):
                    extra.append(f"{files[i]} of the same release gives {_fmt(*got)}")
            else:
                best[releases[i]] = int(i)
        if best:
            extra.insert(0, f"release {releases[win]} (newest installed) used")
            for rel, i in best.items():
                got = (values[i], statuses[i])
                if _same(got, won):
                    extra.append(f"release {rel} gave the same value")
                else:
                    extra.append(f"revised: release {rel} gave {_fmt(*got)}")
        if extra:
            notes[win] = "; ".join(part for part in [notes[win], *extra] if part)
    work["note"] = notes
    return work[keep.to_numpy()].drop(columns=["_key"]).reset_index(drop=True)


# The merged frames of the installed releases, by the identity and checksum of every file read:
# ``data.load`` calls :func:`overlay` on every load, and releases change only when fetched.
_MERGED: dict[tuple[object, ...], tuple[pd.DataFrame, pd.DataFrame]] = {}


def _official(data_dir: str | os.PathLike[str] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (every row of every installed release, the same with one row per figure).

    Every file is hashed and checked against its ``SOURCE.json`` on each call (and recorded in
    :func:`sinstats.data.files_read`); parsing and merging are reused while nothing changed.
    """
    releases = installed_releases(data_dir)
    identity: list[object] = []
    for rank, release in enumerate(releases):
        for rel in release.data_files():
            path = release.path / rel
            sha = _verified_sha(release, rel)
            provenance.record_read(path, sha)
            identity.append((rank, release.slug, release.source_url, str(path.resolve()), sha))
    key = tuple(identity)
    cached = _MERGED.get(key)
    if cached is not None:
        return cached
    frames: list[pd.DataFrame] = []
    for rank, release in enumerate(releases):
        frames.extend(_release_frames(release, rank))
    if frames:
        every = pd.concat(frames, ignore_index=True)
    else:
        every = pd.DataFrame(columns=[*schema.TIDY_COLUMNS, *_PRIVATE])
    merged = _newest_wins(every)
    if len(_MERGED) > 16:
        _MERGED.clear()
    _MERGED[key] = (every, merged)
    return every, merged


def official_figures(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Return every figure of the installed releases, one row per figure (newest release wins).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`sinstats.data.TIDY_COLUMNS`; ``dataset`` says which dataset of
        :func:`sinstats.data.load` each row belongs to. Empty when nothing is installed.
    """
    _, merged = _official(data_dir)
    return merged[list(schema.TIDY_COLUMNS)].reset_index(drop=True)


def _has_release_dirs(data_dir: str | os.PathLike[str] | None) -> bool:
    return bool(_release_dirs(paths.raw_dir(data_dir)))


def overlay(
    name: str, frame: pd.DataFrame, data_dir: str | os.PathLike[str] | None = None
) -> pd.DataFrame:
    """Prefer figures from installed official releases over the transcribed ones.

    Called by :func:`sinstats.data.load` for every dataset. For ``sin_national`` and
    ``characteristics``, every figure of the installed releases (see :func:`official_figures`)
    replaces the transcribed figure with the same period, area, breakdown topic, breakdown,
    nature and measure, and figures only in the official files are added (national breakdowns,
    quarters, half years, regional and local-authority counts with ``cin_31march``,
    ``ons_midyear_population`` and ``idaci_avgscore``). ``origin`` is ``published`` for a
    transcribed figure and ``ees:<release>/<file>`` for an official one; the ``note`` of an
    official figure that replaced a transcribed one says whether the two agree.

    Parameters
    ----------
    name : str
        Dataset name.
    frame : pandas.DataFrame
        The validated transcribed frame.
    data_dir : path-like, optional
        Data folder.

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself when no release is installed or the dataset is not affected.

    Raises
    ------
    DataError
        If an installed release is damaged (a file differs from its ``SOURCE.json`` checksum or
        fails validation): fetch it again or remove its folder.
    """
    if name not in OVERLAY_DATASETS or not _has_release_dirs(data_dir):
        return frame
    official = official_figures(data_dir)
    official = official[official["dataset"] == name].copy()
    if official.empty:
        return frame
    pub_keys = _key(frame)
    off_keys = _key(official)
    replaced = pub_keys.isin(set(off_keys))
    transcribed = {
        k: (float(v), str(s), str(src))
        for k, v, s, src in zip(
            pub_keys[replaced],
            frame.loc[replaced, "value"],
            frame.loc[replaced, "status"],
            frame.loc[replaced, "source_id"],
            strict=True,
        )
    }
    notes = official["note"].astype(object).tolist()
    for i, (k, v, s) in enumerate(
        zip(off_keys, official["value"], official["status"], strict=True)
    ):
        if k not in transcribed:
            continue
        tv, ts, src = transcribed[k]
        if _same((float(v), str(s)), (tv, ts)):
            extra = f"agrees with the transcribed figure ({src})"
        else:
            extra = f"replaces the transcribed figure {_fmt(tv, ts)} ({src})"
        notes[i] = "; ".join(part for part in (extra, notes[i]) if part)
    official["note"] = notes
    official["dataset"] = name
    kept = frame[~replaced.to_numpy()]
    combined = pd.concat([kept, official[list(schema.TIDY_COLUMNS)]], ignore_index=True)
    for col, dtype in (("value", float), ("period_start", float), ("rounded_to", int)):
        combined[col] = combined[col].astype(dtype)
    combined["line"] = combined["line"].astype(int)
    return combined


def load_areas(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Return the sub-national table of the installed releases in the tidy schema.

    One row per (period, area, measure) for every national, regional and local-authority row of
    the sub-national files: ``number_notifications`` (regional counts ``rounded_to`` 10),
    ``cin_31march``, ``ons_midyear_population`` and ``idaci_avgscore`` (``idaci_avgscore_2019``
    in releases to 2025). Local-authority rows have ``area_code`` = ``new_la_code`` and
    ``area_name`` = ``la_name``. The newest installed release wins for a period it covers.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder (default: the project's ``data/``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`sinstats.data.TIDY_COLUMNS`, ``dataset`` = ``"sin_areas"``, sorted by
        period, level and area code.

    Raises
    ------
    NoDataError
        If no installed release holds a sub-national file (fetch one with ``sinstats fetch``).
    """
    every, _ = _official(data_dir)
    areas = every[every["_era"] == "subnational"]
    if areas.empty:
        raise NoDataError(
            "no official sub-national file is installed under data/raw; run "
            "'sinstats fetch --release 2026' (offline: add --source FILE.zip)"
        )
    frame = _newest_wins(areas)[list(schema.TIDY_COLUMNS)].copy()
    frame["dataset"] = "sin_areas"
    level_order = {g: i for i, g in enumerate(schema.GEOGRAPHIC_LEVELS)}
    frame = frame.assign(_level=frame["geographic_level"].map(level_order))
    frame = frame.sort_values(["period_start", "_level", "area_code", "measure"], kind="stable")
    return frame.drop(columns=["_level"]).reset_index(drop=True)
