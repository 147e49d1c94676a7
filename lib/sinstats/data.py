"""Load and validate the published figures the project ships, with their provenance.

Every dataset is a tidy CSV under ``data/published/`` in the style of the official
explore-education-statistics (EES) files: ``time_period``/``time_identifier``, geography columns,
filter columns (``breakdown_topic``, ``breakdown``, ``nature_of_notification``), one figure per row
(``measure``, ``value``, ``unit``) and the provenance of that figure (``source_id``, ``publisher``,
``source_url``, ``note``). EES symbols (``c``, ``x``, ``:``, ``z``, ``low``, ``u``) stay in the
``value`` cell of the file and become a missing value with a ``status`` column on loading: never a
zero, never a dropped row.

:func:`load` returns one tidy frame per dataset with canonical periods (see
:mod:`sinstats.periods`); :func:`figure` resolves one published figure and says clearly when a
valid period has no published figure (e.g. 2017-18).
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from sinstats import paths
from sinstats.errors import DataError, NoDataError, ParameterError, PeriodError
from sinstats.periods import CALENDAR_YEAR, FINANCIAL_YEAR, Period, from_ees, parse_period

# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------

COLUMNS: tuple[str, ...] = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "breakdown_topic",
    "breakdown",
    "nature_of_notification",
    "measure",
    "value",
    "unit",
    "qualifier",
    "rounded_to",
    "series",
    "source_id",
    "publisher",
    "source_url",
    "note",
)
"""Columns of every file in ``data/published/``, in order."""

REQUIRED_NON_EMPTY: tuple[str, ...] = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "breakdown_topic",
    "breakdown",
    "measure",
    "value",
    "unit",
    "series",
    "source_id",
    "publisher",
    "source_url",
)

SYMBOLS: dict[str, str] = {
    "c": "confidential (suppressed to protect confidentiality)",
    "x": "not available",
    ":": "not available",
    "z": "not applicable",
    "low": "rounds to zero but is not zero",
    "u": "low reliability",
}
"""EES symbols and their meaning. A symbol in a value cell becomes a missing value."""

NATURES: tuple[str, ...] = ("Total", "Child death", "Serious harm", "Other")
"""Canonical natures of notification in the national series."""

NATURE_ALIASES: dict[str, str] = {
    "total": "Total",
    "child death": "Child death",
    "serious harm": "Serious harm",
    "other": "Other",
    "serious harm and other": "Serious harm and other",
}
"""Lower-cased spellings seen in official files (``Child Death`` in 2021-22) -> canonical label."""

GEOGRAPHIC_LEVELS: tuple[str, ...] = ("National", "Regional", "Local authority")

REGIONS: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
"""England's nine regions (ONS codes) as named in EES files."""

UNITS: tuple[str, ...] = ("count", "percent", "persons")
QUALIFIERS: tuple[str, ...] = ("", "over", "under", "about")

_URL = re.compile(r"^https?://[^\s,]+$")
_SOURCE_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")
_MEASURE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DatasetSchema:
    """What one shipped dataset may contain.

    Parameters
    ----------
    name : str
        Dataset name used by :func:`load`.
    file : str
        File name under ``data/published/``.
    description : str
        One line for ``sinstats list``.
    measures : tuple of str
        Allowed values of ``measure``.
    natures : tuple of str
        Allowed values of ``nature_of_notification`` ("" allowed when listed).
    series : tuple of str
        Allowed values of ``series``.
    levels : tuple of str
        Allowed geographic levels.
    period_kinds : tuple of str
        Allowed period kinds (see :mod:`sinstats.periods`).
    """

    name: str
    file: str
    description: str
    measures: tuple[str, ...]
    natures: tuple[str, ...]
    series: tuple[str, ...]
    levels: tuple[str, ...] = ("National",)
    period_kinds: tuple[str, ...] = (FINANCIAL_YEAR,)


SCHEMAS: dict[str, DatasetSchema] = {
    s.name: s
    for s in (
        DatasetSchema(
            name="sin_national",
            file="sin_national.csv",
            description="DfE/Ofsted national notifications by April-March year and nature",
            measures=("number_notifications",),
            natures=NATURES,
            series=("Ofsted (earlier definition)", "Ofsted", "DfE"),
        ),
        DatasetSchema(
            name="panel_notifications",
            file="panel_notifications.csv",
            description="Child Safeguarding Practice Review Panel annual-report figures",
            measures=(
                "number_notifications",
                "number_children",
                "number_rapid_reviews",
                "number_notified_deaths",
                "number_lcsprs_considered",
                "percentage_of_fatal_incidents",
                "percentage_of_non_fatal_incidents",
                "percentage_of_school_age_children",
                "percentage_of_children_reviewed",
                "pct_change_vs_previous_year",
            ),
            natures=NATURES,
            series=("Panel",),
            period_kinds=(CALENDAR_YEAR, FINANCIAL_YEAR, "month_span"),
        ),
        DatasetSchema(
            name="population_0_17",
            file="population_0_17.csv",
            description="ONS mid-year population estimates, children aged 0 to 17",
            measures=("population_estimate",),
            natures=("",),
            series=("ONS mid-year estimates",),
            levels=("National", "Regional"),
            period_kinds=(CALENDAR_YEAR,),
        ),
        DatasetSchema(
            name="characteristics",
            file="characteristics.csv",
            description="Published breakdowns: looked-after children, sex, age, care leavers, "
            "regions, half years",
            measures=(
                "number_notifications",
                "percentage_of_notifications",
                "care_leaver_death_notifications",
                "cin_31march",
                "ons_midyear_population",
                "percentage_of_child_death_notifications",
                "number_serious_case_reviews_planned",
                "percentage_with_serious_case_review",
                "number_reporting_councils",
                "number_serious_case_reviews",
            ),
            natures=(*NATURES, "Serious harm and other", ""),
            series=("Ofsted (earlier definition)", "Ofsted", "DfE"),
            levels=("National", "Regional"),
            period_kinds=(FINANCIAL_YEAR, "half_year"),
        ),
    )
}
"""Every dataset the project ships, by name."""

TIDY_COLUMNS: tuple[str, ...] = (
    "dataset",
    "period",
    "period_label",
    "period_kind",
    "period_start",
    "time_period",
    "time_identifier",
    "geographic_level",
    "area_code",
    "area_name",
    "breakdown_topic",
    "breakdown",
    "nature",
    "category",
    "measure",
    "value",
    "unit",
    "status",
    "qualifier",
    "rounded_to",
    "series",
    "source_id",
    "publisher",
    "source_url",
    "note",
    "origin",
    "line",
)
"""Columns of the frame returned by :func:`load` (the tidy schema shared with official files)."""

CHECKSUMS_FILE = "SHA256SUMS"

# Paths and SHA-256 of every data file read in this process (for build provenance).
_FILES_READ: dict[str, str] = {}


def list_datasets() -> list[str]:
    """Return the names of the datasets :func:`load` knows, in a stable order."""
    return list(SCHEMAS)


def files_read() -> dict[str, str]:
    """Return ``{path: sha256}`` of every data file read by this process so far."""
    return dict(sorted(_FILES_READ.items()))


def reset_files_read() -> None:
    """Forget the record kept by :func:`files_read` (used between builds and in tests)."""
    _FILES_READ.clear()


# --------------------------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------------------------


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def read_checksums(data_dir: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Read ``<data>/SHA256SUMS`` into ``{relative path: sha256}``.

    Raises
    ------
    DataError
        If the file is missing or a line is malformed.
    """
    path = paths.data_dir(data_dir) / CHECKSUMS_FILE
    if not path.is_file():
        raise DataError(
            "checksum file is missing; run 'make checksums' after a deliberate data change",
            path=str(path),
        )
    sums: dict[str, str] = {}
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"^([0-9a-f]{64}) [ *](\S.*)$", line)
        if not m:
            raise DataError("not a '<sha256>  <path>' line", path=str(path), line=i)
        sums[m.group(2)] = m.group(1)
    return sums


def checksum_targets(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Return the data files that ``SHA256SUMS`` must cover (every file in ``published/``)."""
    pub = paths.published_dir(data_dir)
    return sorted(p for p in pub.glob("*.csv") if p.is_file())


def write_checksums(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Rewrite ``<data>/SHA256SUMS`` for every file in ``published/``; return its path."""
    base = paths.data_dir(data_dir)
    lines = [
        "# SHA-256 of every published data file; update with 'make checksums' after a",
        "# deliberate, reviewed change. sinstats refuses to load a file whose hash differs.",
    ]
    for p in checksum_targets(base):
        lines.append(f"{sha256_file(p)}  {p.relative_to(base).as_posix()}")
    out = base / CHECKSUMS_FILE
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def verify_checksums(data_dir: str | os.PathLike[str] | None = None) -> list[DataError]:
    """Check every published file against ``SHA256SUMS``; return the problems found."""
    base = paths.data_dir(data_dir)
    try:
        sums = read_checksums(base)
    except DataError as err:
        return [err]
    problems: list[DataError] = []
    for p in checksum_targets(base):
        rel = p.relative_to(base).as_posix()
        if rel not in sums:
            problems.append(DataError("not listed in SHA256SUMS", path=str(p)))
        elif sums[rel] != sha256_file(p):
            problems.append(
                DataError(
                    "checksum does not match data/SHA256SUMS: the file changed since it was "
                    "reviewed (run 'make checksums' only after a deliberate, reviewed change)",
                    path=str(p),
                )
            )
    for rel in sums:
        if not (base / rel).is_file():
            problems.append(DataError(f"listed in SHA256SUMS but missing: {rel}", path=str(base)))
    return problems


def _check_one_checksum(path: Path) -> DataError | None:
    """Check one file against the SHA256SUMS of the data folder holding it, if there is one."""
    base = path.parent.parent
    sums_path = base / CHECKSUMS_FILE
    if path.parent.name != "published" or not sums_path.is_file():
        return None
    try:
        sums = read_checksums(base)
    except DataError as err:
        return err
    rel = path.relative_to(base).as_posix()
    if rel not in sums:
        return DataError(
            "not listed in SHA256SUMS (run 'make checksums' after review)", path=str(path)
        )
    if sums[rel] != sha256_file(path):
        return DataError(
            "checksum does not match data/SHA256SUMS: the file changed since it was reviewed "
            "(run 'make checksums' only after a deliberate, reviewed change)",
            path=str(path),
        )
    return None


# --------------------------------------------------------------------------------------------
# Reading and validation
# --------------------------------------------------------------------------------------------


def schema_for_path(path: str | os.PathLike[str]) -> DatasetSchema | None:
    """Return the schema whose file name matches ``path`` (or None)."""
    name = Path(path).name
    for schema in SCHEMAS.values():
        if schema.file == name:
            return schema
    return None


def decode_text(raw: bytes, path: str, kind: str = "a CSV") -> str:
    """Decode a data file's bytes as UTF-8 text, refusing what is clearly not a text CSV.

    Parameters
    ----------
    raw : bytes
        The file's content.
    path : str
        Where it came from (for messages).
    kind : str
        What was expected, for messages (``"a CSV"``, ``"an EES CSV"``).

    Raises
    ------
    DataError
        For an empty file, bytes that are not UTF-8, an HTML page saved in place of the data, or
        a NUL byte, naming the file and line.
    """
    if not raw.strip():
        raise DataError(f"file is empty; expected {kind} with a header line", path=path, line=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            f"bytes that are not UTF-8 (byte 0x{raw[err.start]:02x}); save the file as UTF-8",
            path=path,
            line=line,
        ) from None
    head = text.lstrip()[:512].lower()
    if head.startswith("<") or "<html" in head or "<!doctype" in head:
        raise DataError(
            f"this is an HTML page, not {kind} (an error page saved in place of the data?)",
            path=path,
            line=1,
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataError(f"contains a NUL byte: not {kind}", path=path, line=line)
    return text


def _parse_value(cell: str) -> tuple[float, str] | None:
    """Return (value, status) for a numeric cell or an EES symbol; None if neither."""
    text = cell.strip()
    if text in SYMBOLS:
        return math.nan, text
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        return None
    value = float(text)
    if not math.isfinite(value):
        return None
    return value, ""


class _Row(NamedTuple):
    line: int
    cells: dict[str, str]


def _read_rows(text: str, path: str) -> list[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as err:
        raise DataError(f"cannot read the header line: {err}", path=path, line=1) from None
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}; every published file has the columns "
            f"{', '.join(COLUMNS)}",
            path=path,
            line=1,
            column=missing[0],
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise DataError(
            f"unknown column(s) {', '.join(repr(u) for u in unknown)}; allowed: "
            f"{', '.join(COLUMNS)}",
            path=path,
            line=1,
            column=unknown[0],
        )
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise DataError(f"column {dup!r} appears twice", path=path, line=1, column=dup)
    rows: list[_Row] = []
    try:
        for record in reader:
            line = reader.line_num
            if not record or all(not c.strip() for c in record):
                continue
            if len(record) != len(header):
                raise DataError(
                    f"has {len(record)} fields but the header has {len(header)}",
                    path=path,
                    line=line,
                )
            rows.append(_Row(line, dict(zip(header, (c.strip() for c in record), strict=True))))
    except csv.Error as err:
        raise DataError(f"malformed CSV: {err}", path=path, line=reader.line_num) from None
    if not rows:
        raise DataError("has a header but no data rows", path=path, line=2)
    return rows


def period_columns(period: Period) -> dict[str, object]:
    """Return the tidy schema's period columns for ``period``.

    Shared by the loaders of transcribed and official files, so both describe a period the
    same way: ``period`` (canonical id), ``period_label``, ``period_kind`` and ``period_start``
    (the decimal-year midpoint used for ordering).
    """
    return {
        "period": period.id,
        "period_label": period.label,
        "period_kind": period.kind,
        "period_start": period.midpoint,
    }


def _validate_row(row: _Row, schema: DatasetSchema, path: str) -> tuple[dict[str, object], str]:
    """Validate one row; return its tidy record and its uniqueness key."""
    c = row.cells
    line = row.line

    def fail(column: str, message: str) -> DataError:
        return DataError(message, path=path, line=line, column=column)

    for col in REQUIRED_NON_EMPTY:
        if not c[col]:
            raise fail(col, f"'{col}' is empty; every row needs it")
    try:
        period = from_ees(c["time_period"], c["time_identifier"])
    except PeriodError as err:
        raise fail("time_period", str(err)) from None
    if period.kind not in schema.period_kinds:
        raise fail(
            "time_identifier",
            f"a {period.kind.replace('_', ' ')} is not allowed in {schema.name}; allowed: "
            f"{', '.join(k.replace('_', ' ') for k in schema.period_kinds)}",
        )
    level = c["geographic_level"]
    if level not in schema.levels:
        raise fail(
            "geographic_level",
            f"geographic level {level!r} is not allowed here; allowed: {', '.join(schema.levels)}",
        )
    if c["country_code"] != "E92000001" or c["country_name"] != "England":
        raise fail("country_code", "only England (E92000001) is covered")
    if level == "National":
        if c["region_code"] or c["region_name"]:
            raise fail("region_code", "a National row must leave region_code/region_name empty")
        area_code, area_name = "E92000001", "England"
    else:
        code, name = c["region_code"], c["region_name"]
        if REGIONS.get(code) != name:
            raise fail(
                "region_code",
                f"unknown region {code!r}/{name!r}; expected one of "
                f"{', '.join(f'{k} {v}' for k, v in REGIONS.items())}",
            )
        area_code, area_name = code, name
    nature_raw = c["nature_of_notification"]
    nature = NATURE_ALIASES.get(nature_raw.lower(), nature_raw) if nature_raw else ""
    if nature not in schema.natures:
        allowed = ", ".join(repr(n) for n in schema.natures)
        raise fail("nature_of_notification", f"unknown nature {nature_raw!r}; allowed: {allowed}")
    measure = c["measure"]
    if measure not in schema.measures:
        raise fail(
            "measure",
            f"unknown measure {measure!r} for {schema.name}; allowed: {', '.join(schema.measures)}",
        )
    unit = c["unit"]
    if unit not in UNITS:
        raise fail("unit", f"unknown unit {unit!r}; allowed: {', '.join(UNITS)}")
    parsed = _parse_value(c["value"])
    if parsed is None:
        raise fail(
            "value",
            f"value {c['value']!r} is neither a number nor an EES symbol ({', '.join(SYMBOLS)})",
        )
    value, status = parsed
    if not status:
        if unit in ("count", "persons"):
            if value < 0:
                raise fail("value", f"a {unit} cannot be negative (got {c['value']})")
            if value != int(value):
                raise fail("value", f"a {unit} must be a whole number (got {c['value']})")
        elif measure.startswith("pct_change"):
            if value < -100:
                raise fail("value", f"a percentage change cannot be below -100 (got {value})")
        elif not 0 <= value <= 100:
            raise fail("value", f"a percentage must lie in 0-100 (got {c['value']})")
    qualifier = c["qualifier"]
    if qualifier not in QUALIFIERS:
        raise fail("qualifier", f"unknown qualifier {qualifier!r}; allowed: over, under, about")
    rounded = c["rounded_to"]
    if rounded and not re.fullmatch(r"[1-9]\d*", rounded):
        raise fail(
            "rounded_to", f"rounded_to must be empty or a positive integer (got {rounded!r})"
        )
    if c["series"] not in schema.series:
        raise fail("series", f"unknown series {c['series']!r}; allowed: {', '.join(schema.series)}")
    if not _SOURCE_ID.match(c["source_id"]):
        raise fail("source_id", f"source_id {c['source_id']!r} has characters outside A-Z0-9_.-")
    if not _URL.match(c["source_url"]):
        raise fail("source_url", f"source_url {c['source_url']!r} is not an http(s) URL")
    breakdown = c["breakdown"]
    category = breakdown if breakdown != "Total" else (nature or "Total")
    record: dict[str, object] = {
        "dataset": schema.name,
        **period_columns(period),
        "time_period": c["time_period"],
        "time_identifier": c["time_identifier"],
        "geographic_level": level,
        "area_code": area_code,
        "area_name": area_name,
        "breakdown_topic": c["breakdown_topic"],
        "breakdown": breakdown,
        "nature": nature,
        "category": category,
        "measure": measure,
        "value": value,
        "unit": unit,
        "status": status,
        "qualifier": qualifier,
        "rounded_to": int(rounded) if rounded else 0,
        "series": c["series"],
        "source_id": c["source_id"],
        "publisher": c["publisher"],
        "source_url": c["source_url"],
        "note": c["note"],
        "origin": "published",
        "line": line,
    }
    key = "|".join((period.id, area_code, c["breakdown_topic"], breakdown, nature, measure))
    return record, key


def read_published(
    path: str | os.PathLike[str],
    schema: DatasetSchema | str | None = None,
    *,
    check_checksum: bool = True,
    max_errors: int = 20,
) -> tuple[pd.DataFrame | None, list[DataError]]:
    """Read and validate one published CSV.

    Parameters
    ----------
    path : path-like
        The CSV file.
    schema : DatasetSchema or str, optional
        The schema (or dataset name) to validate against; by default chosen from the file name.
    check_checksum : bool
        Check the file against the ``SHA256SUMS`` of its data folder when there is one.
    max_errors : int
        Stop collecting row errors after this many.

    Returns
    -------
    frame : pandas.DataFrame or None
        The tidy frame (see :data:`TIDY_COLUMNS`), or None when there are errors.
    errors : list of DataError
        Every problem found (file-level problems stop at the first).
    """
    p = Path(path)
    spath = str(path)
    if isinstance(schema, str):
        if schema not in SCHEMAS:
            raise ParameterError(f"unknown dataset {schema!r}; choose one of {', '.join(SCHEMAS)}")
        schema = SCHEMAS[schema]
    if schema is None:
        schema = schema_for_path(p)
    if schema is None:
        return None, [
            DataError(
                "cannot tell which dataset this file is; name it like one of "
                f"{', '.join(s.file for s in SCHEMAS.values())} or pass --schema",
                path=spath,
            )
        ]
    if not p.is_file():
        return None, [DataError("file not found", path=spath)]
    raw = p.read_bytes()
    try:
        text = decode_text(raw, spath)
        rows = _read_rows(text, spath)
    except DataError as err:
        return None, [err]
    errors: list[DataError] = []
    records: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for row in rows:
        try:
            record, key = _validate_row(row, schema, spath)
        except DataError as err:
            errors.append(err)
            if len(errors) >= max_errors:
                break
            continue
        if key in seen:
            errors.append(
                DataError(
                    f"duplicates the figure on line {seen[key]} (same period, area, breakdown, "
                    "nature and measure); keep one row per figure and name other sources in note",
                    path=spath,
                    line=row.line,
                    column="measure",
                )
            )
            continue
        seen[key] = row.line
        records.append(record)
    if check_checksum and not errors:
        problem = _check_one_checksum(p)
        if problem is not None:
            errors.append(problem)
    if errors:
        return None, errors
    _FILES_READ[str(p.resolve())] = hashlib.sha256(raw).hexdigest()
    frame = pd.DataFrame.from_records(records, columns=list(TIDY_COLUMNS))
    return frame, []


def validate_file(
    path: str | os.PathLike[str], schema: DatasetSchema | str | None = None
) -> list[DataError]:
    """Validate one data file against its schema; return the problems (empty if valid)."""
    _, errors = read_published(path, schema)
    return errors


def load(name: str, data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Load one dataset as a validated tidy frame.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`.
    data_dir : path-like, optional
        The data folder (default ``<project>/data`` or ``$SINSTATS_DATA_DIR``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TIDY_COLUMNS`; ``value`` is float with NaN where the source shows an EES
        symbol (``status`` says which); ``origin`` says where each figure came from.

    Raises
    ------
    DataError
        If the file is missing, malformed, fails validation or its checksum does not match.
    ParameterError
        If ``name`` is not a known dataset.
    """
    if name not in SCHEMAS:
        raise ParameterError(f"unknown dataset {name!r}; choose one of {', '.join(SCHEMAS)}")
    schema = SCHEMAS[name]
    path = paths.published_dir(data_dir) / schema.file
    if not (paths.data_dir(data_dir) / CHECKSUMS_FILE).is_file():
        raise DataError(
            "checksum file is missing; published data must be listed in data/SHA256SUMS",
            path=str(paths.data_dir(data_dir) / CHECKSUMS_FILE),
        )
    frame, errors = read_published(path, schema)
    if errors:
        raise errors[0]
    assert frame is not None
    frame = _overlay_official(name, frame, data_dir)
    return frame.sort_values(["period_start", "area_code", "line"], kind="stable").reset_index(
        drop=True
    )


def load_ees(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read official EES file(s) into the tidy schema (see ``sinstats.ees.load_ees``).

    Parameters
    ----------
    path : path-like
        One official CSV, or a release folder (every data CSV in it, checked against its
        ``SOURCE.json`` when present).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TIDY_COLUMNS`, canonical periods and categories, symbols as ``status``.
    """
    ees = importlib.import_module("sinstats.ees")
    result: pd.DataFrame = ees.load_ees(path)
    return result


def _overlay_official(
    name: str, frame: pd.DataFrame, data_dir: str | os.PathLike[str] | None
) -> pd.DataFrame:
    """Prefer figures from fetched official EES files where present (see ``sinstats.ees``)."""
    try:
        ees = importlib.import_module("sinstats.ees")
    except ModuleNotFoundError:  # pragma: no cover - until official-file support is installed
        return frame
    result: pd.DataFrame = ees.overlay(name, frame, data_dir)
    return result


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------


class Figure(NamedTuple):
    """One published figure with its provenance."""

    dataset: str
    period: str
    period_label: str
    category: str
    measure: str
    area: str
    value: float
    unit: str
    status: str
    qualifier: str
    rounded_to: int
    source_id: str
    publisher: str
    source_url: str
    note: str
    origin: str

    @property
    def available(self) -> bool:
        """True when the figure is a number (not a suppressed or unavailable cell)."""
        return not self.status and not math.isnan(self.value)

    def describe(self) -> str:
        """One line for reports: value (with qualifier/symbol), period, source."""
        if not self.available:
            shown = f"[{self.status}: {SYMBOLS.get(self.status, 'missing')}]"
        else:
            shown = f"{self.value:,.0f}" if self.value == int(self.value) else f"{self.value:,}"
            if self.qualifier:
                shown = f"{self.qualifier} {shown}"
        return f"{shown} ({self.period_label}; {self.publisher}, {self.source_id})"


def resolve_period(frame: pd.DataFrame, period: object) -> Period:
    """Parse ``period`` in the context of a dataset.

    In a dataset that holds calendar years (the Panel's 2020 and 2021), a bare four-digit year is
    a calendar year; elsewhere it is a reporting year (``"2026"`` = 2025-26).
    """
    if isinstance(period, Period):
        return period
    text = str(period).strip()
    if re.fullmatch(r"\d{4}", text) and (frame["period_kind"] == CALENDAR_YEAR).any():
        return parse_period(text, CALENDAR_YEAR)
    return parse_period(text)


def _no_period_message(dataset: str, p: Period, frame: pd.DataFrame) -> str:
    have = ", ".join(dict.fromkeys(frame["period"].tolist()))
    extra = ""
    if dataset == "sin_national" and p.id == "2017-18":
        extra = (
            " Ofsted's 2017-18 figures were not found in any stored source, so the year is "
            "left missing rather than estimated."
        )
    return f"{dataset} has no published figure for {p.label}.{extra} Periods with figures: {have}."


def figure(
    dataset: str,
    period: object,
    category: str = "Total",
    *,
    measure: str | None = None,
    breakdown_topic: str | None = None,
    nature: str | None = None,
    area: str = "England",
    data_dir: str | os.PathLike[str] | None = None,
    frame: pd.DataFrame | None = None,
) -> Figure:
    """Resolve exactly one published figure.

    Parameters
    ----------
    dataset : str
        Dataset name (see :func:`list_datasets`).
    period : str, int or Period
        Any accepted period form (``"2025-26"``, ``"2026"``, ``"202526"``); in datasets with
        calendar years a bare year is a calendar year.
    category : str
        The breakdown value, or the nature when the breakdown is the total (``"Child death"``).
    measure : str, optional
        Defaults to ``number_notifications`` when several measures match.
    breakdown_topic, nature : str, optional
        Narrow the match when a category appears under several topics or natures.
    area : str
        ``"England"`` (default), a region name or an area code.
    data_dir : path-like, optional
        Data folder.
    frame : pandas.DataFrame, optional
        An already loaded dataset (avoids re-reading the file).

    Returns
    -------
    Figure

    Raises
    ------
    NoDataError
        If the period is valid but the dataset has no such figure (e.g. 2017-18).
    ParameterError
        If the request matches several figures; the message lists them.
    """
    df = load(dataset, data_dir) if frame is None else frame
    try:
        p = resolve_period(df, period)
    except PeriodError as err:
        raise ParameterError(f"period: {err}") from None
    in_period = df[df["period"] == p.id]
    if in_period.empty:
        raise NoDataError(_no_period_message(dataset, p, df))
    sel = in_period[in_period["category"].str.lower() == str(category).strip().lower()]
    sel = sel[(sel["area_name"] == area) | (sel["area_code"] == area)]
    if measure is not None:
        sel = sel[sel["measure"] == measure]
    if breakdown_topic is not None:
        sel = sel[sel["breakdown_topic"] == breakdown_topic]
    if nature is not None:
        sel = sel[sel["nature"] == nature]
    if len(sel) > 1 and measure is None and (sel["measure"] == "number_notifications").any():
        sel = sel[sel["measure"] == "number_notifications"]
    if len(sel) > 1 and nature is None and (sel["nature"] == "Total").any():
        sel = sel[sel["nature"] == "Total"]
    if sel.empty:
        cats = sorted(set(in_period["category"]))
        raise NoDataError(
            f"{dataset} has no figure for {category!r} (measure {measure or 'any'}, area {area}) "
            f"in {p.label}; categories published for that period: {', '.join(cats)}"
        )
    if len(sel) > 1:
        options = "; ".join(
            f"{r.breakdown_topic}/{r.category}/{r.nature}/{r.measure}" for r in sel.itertuples()
        )
        raise ParameterError(
            f"{dataset} {p.id} {category!r} matches {len(sel)} figures ({options}); "
            "add measure, breakdown_topic or nature"
        )
    r = sel.iloc[0]
    return Figure(
        dataset=dataset,
        period=str(r["period"]),
        period_label=str(r["period_label"]),
        category=str(r["category"]),
        measure=str(r["measure"]),
        area=str(r["area_name"]),
        value=float(r["value"]),
        unit=str(r["unit"]),
        status=str(r["status"]),
        qualifier=str(r["qualifier"]),
        rounded_to=int(r["rounded_to"]),
        source_id=str(r["source_id"]),
        publisher=str(r["publisher"]),
        source_url=str(r["source_url"]),
        note=str(r["note"]),
        origin=str(r["origin"]),
    )


def count(
    period: object,
    nature: str = "Total",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    frame: pd.DataFrame | None = None,
) -> Figure:
    """Return the national notification count for an April-March year and nature.

    Raises
    ------
    NoDataError
        If no figure has been published for that year (e.g. ``"2017-18"``) or nature.
    """
    return figure(
        "sin_national",
        period,
        nature,
        measure="number_notifications",
        data_dir=data_dir,
        frame=frame,
    )


def series(
    dataset: str = "sin_national",
    category: str = "Total",
    *,
    measure: str = "number_notifications",
    area: str = "England",
    with_gaps: bool = False,
    data_dir: str | os.PathLike[str] | None = None,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return one series in period order.

    Parameters
    ----------
    with_gaps : bool
        Add a row with ``value`` NaN and ``status`` ``"not published"`` for every April-March
        year between the first and last that has no figure, so a missing year is shown as
        missing, never estimated.
    """
    df = load(dataset, data_dir) if frame is None else frame
    sel = df[
        (df["category"] == category)
        & (df["measure"] == measure)
        & ((df["area_name"] == area) | (df["area_code"] == area))
    ].copy()
    if with_gaps and not sel.empty:
        fy = sel[sel["period_kind"] == FINANCIAL_YEAR]
        if not fy.empty:
            first = parse_period(fy["period"].iloc[0]).start_year
            last = parse_period(fy["period"].iloc[-1]).start_year
            have = set(fy["period"])
            gaps = []
            for year in range(first, last + 1):
                p = parse_period(f"{year}-{(year + 1) % 100:02d}")
                if p.id not in have:
                    gap: dict[str, object] = {col: "" for col in TIDY_COLUMNS}
                    gap.update(
                        dataset=dataset,
                        period=p.id,
                        period_label=p.label,
                        period_kind=p.kind,
                        period_start=p.midpoint,
                        category=category,
                        measure=measure,
                        area_name=area,
                        value=math.nan,
                        status="not published",
                        rounded_to=0,
                        line=0,
                        note="no published figure: left missing, not estimated",
                    )
                    gaps.append(gap)
            if gaps:
                sel = pd.concat([sel, pd.DataFrame(gaps, columns=list(TIDY_COLUMNS))])
    return sel.sort_values("period_start", kind="stable").reset_index(drop=True)


def periods(
    dataset: str = "sin_national",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    frame: pd.DataFrame | None = None,
) -> list[str]:
    """Return the canonical ids of the periods with at least one figure, in time order."""
    df = load(dataset, data_dir) if frame is None else frame
    ordered = df.sort_values("period_start", kind="stable")["period"]
    return list(dict.fromkeys(ordered.tolist()))


def latest_period(
    dataset: str = "sin_national", *, data_dir: str | os.PathLike[str] | None = None
) -> Period:
    """Return the latest April-March year with a published total in ``dataset``."""
    df = load(dataset, data_dir)
    fy = df[(df["period_kind"] == FINANCIAL_YEAR) & (df["category"] == "Total")]
    if fy.empty:
        raise NoDataError(f"{dataset} holds no April-March year")
    return parse_period(fy.sort_values("period_start")["period"].iloc[-1])


class Population(NamedTuple):
    """A child population (0 to 17) used as a rate denominator."""

    value: float
    mid_year: int
    area: str
    note: str
    source_id: str
    source_url: str


def population(
    period: object,
    area: str = "England",
    *,
    data_dir: str | os.PathLike[str] | None = None,
    frame: pd.DataFrame | None = None,
) -> Population:
    """Return the ONS child population to use for a period's rate.

    For an April-March year starting in April of year Y the mid-Y estimate is used (30 June Y is
    the mid-year estimate nearest the period's centre, 1 October Y); for a calendar year Y,
    mid-Y. When that estimate is not yet published the latest earlier one is used and the note
    says so (this is also what DfE's files do, with a lag): the choice is reported, never hidden.

    Raises
    ------
    NoDataError
        If no estimate at or before the wanted mid-year exists for the area.
    """
    p = parse_period(period) if not isinstance(period, Period) else period
    df = load("population_0_17", data_dir) if frame is None else frame
    sel = df[((df["area_name"] == area) | (df["area_code"] == area))]
    if sel.empty:
        areas = sorted(set(df["area_name"]))
        raise NoDataError(f"no population for area {area!r}; areas: {', '.join(areas)}")
    wanted = p.start_year
    years = sorted(int(y) for y in sel["period"])
    usable = [y for y in years if y <= wanted]
    if not usable:
        raise NoDataError(
            f"no ONS estimate at or before mid-{wanted} for {area} (first is mid-{years[0]})"
        )
    used = usable[-1]
    row = sel[sel["period"] == str(used)].iloc[0]
    if used == wanted:
        note = f"ONS mid-{used} estimate, children aged 0 to 17"
    else:
        note = (
            f"ONS mid-{wanted} estimate not yet published; latest available (mid-{used}) used, "
            "as DfE's own files do"
        )
    return Population(
        value=float(row["value"]),
        mid_year=used,
        area=str(row["area_name"]),
        note=note,
        source_id=str(row["source_id"]),
        source_url=str(row["source_url"]),
    )


def summary(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Return one row per dataset: name, file, rows, periods and description."""
    out = []
    for name, schema in SCHEMAS.items():
        df = load(name, data_dir)
        out.append(
            {
                "dataset": name,
                "file": f"published/{schema.file}",
                "rows": len(df),
                "periods": ", ".join(periods(name, frame=df)),
                "description": schema.description,
                "origins": ", ".join(sorted(set(df["origin"]))),
            }
        )
    return pd.DataFrame(out)
