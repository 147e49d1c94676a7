"""Read and validate the transcribed published files in ``data/published/``.

:func:`read_published` checks one CSV against its dataset schema (:mod:`sinstats.data.schema`) row
by row, naming the file, line and column of every problem, and returns the tidy frame.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sinstats._typing import PathLike
from sinstats.data._reading import (
    CsvRow,
    check_unique_columns,
    decode_text,
    header_error,
    read_table,
)
from sinstats.data.provenance import check_one_checksum, record_read, sha256_bytes
from sinstats.data.schema import (
    CHANGE_PREFIX,
    COLUMNS,
    NATURE_ALIASES,
    QUALIFIERS,
    REGIONS,
    REQUIRED_NON_EMPTY,
    SCHEMAS,
    SOURCE_TYPES,
    TIDY_COLUMNS,
    DatasetSchema,
    not_a_value,
    parse_value,
    period_columns,
    primary_publisher,
    record_key,
    source_problem,
)
from sinstats.data.statistics_designation import DESIGNATION_FILE, validate_designation_file
from sinstats.errors import DataError, ParameterError, PeriodError
from sinstats.periods import from_ees

__all__ = ["decode_text", "read_published", "schema_for_path", "validate_file"]

# Frames that passed validation, by (schema, path, max_errors, SHA-256 of the bytes read): see
# read_published, Notes. A few entries (one per file of the data folder, per folder read).
_VALIDATED: dict[tuple[DatasetSchema, str, int, str], pd.DataFrame] = {}
_MAX_VALIDATED = 64

_URL = re.compile(r"^https?://[^\s,]+$")
_SOURCE_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")


def schema_for_path(path: PathLike) -> DatasetSchema | None:
    """Return the dataset schema of a file, chosen by its name.

    Parameters
    ----------
    path : path-like
        A file such as ``data/published/sin_national.csv``.

    Returns
    -------
    DatasetSchema or None
        The schema whose :attr:`~DatasetSchema.file` is the file's name, or None.
    """
    name = Path(path).name
    for schema in SCHEMAS.values():
        if schema.file == name:
            return schema
    return None


def _check_header(header: list[str], path: str, extra: tuple[str, ...] = ()) -> None:
    """Refuse a header without every column of :data:`COLUMNS`, with others, or with repeats."""
    expected = (*COLUMNS, *extra)
    allowed = ", ".join(expected)
    missing = [c for c in expected if c not in header]
    unknown = [h for h in header if h not in expected]
    problems = (
        (missing, f"missing column(s) {', '.join(missing)}; every published file has the columns "),
        (unknown, f"unknown column(s) {', '.join(repr(u) for u in unknown)}; allowed: "),
    )
    for columns, message in problems:
        if columns:
            raise header_error(message + allowed, path, columns[0])
    check_unique_columns(header, path)


def _validate_row(row: CsvRow, schema: DatasetSchema, path: str) -> tuple[dict[str, object], str]:
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
    if (c["country_code"], c["country_name"]) not in schema.countries:
        names = ", ".join(f"{name} ({code})" for code, name in schema.countries)
        raise fail("country_code", f"only {names} covered here")
    if level == "National":
        if c["region_code"] or c["region_name"]:
            raise fail("region_code", "a National row must leave region_code/region_name empty")
        area_code, area_name = c["country_code"], c["country_name"]
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
    if unit not in schema.units:
        raise fail("unit", f"unknown unit {unit!r}; allowed: {', '.join(schema.units)}")
    parsed = parse_value(c["value"])
    if parsed is None:
        raise fail("value", not_a_value(c["value"]))
    value, status = parsed
    if not status:
        if unit in ("count", "persons"):
            if value < 0 and not measure.startswith(CHANGE_PREFIX):
                raise fail("value", f"a {unit} cannot be negative (got {c['value']})")
            if value != int(value):
                raise fail("value", f"a {unit} must be a whole number (got {c['value']})")
        elif unit == "rate_per_100000":
            if value < 0:
                raise fail("value", f"a rate cannot be negative (got {c['value']})")
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
    problem = source_problem(c["publisher"], c["source_url"])
    if problem is not None:
        raise fail(*problem)
    extras = _validate_evidence(c, schema, fail)
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
        **extras,
    }
    return record, record_key(record)


def _validate_evidence(
    c: dict[str, str], schema: DatasetSchema, fail: Callable[[str, str], DataError]
) -> dict[str, str]:
    """Check the extra columns of an evidence file: a quote, the kind of page, a canonical URL."""
    if not schema.extra_columns:
        return {}
    if not c["quote"].strip():
        raise fail("quote", "'quote' is empty; every figure needs the words it was read in")
    if c["source_type"] not in SOURCE_TYPES:
        raise fail(
            "source_type",
            f"source_type {c['source_type']!r} must be one of {', '.join(SOURCE_TYPES)}",
        )
    canonical = c["canonical_url"]
    if canonical and not _URL.match(canonical):
        raise fail("canonical_url", f"canonical_url {canonical!r} is not an http(s) URL")
    if c["source_type"] == "publisher" and canonical:
        raise fail("canonical_url", "a publisher's own page needs no canonical_url")
    if (c["source_type"] == "publisher") != (primary_publisher(c["publisher"]) is not None):
        raise fail(
            "source_type",
            f"source_type {c['source_type']!r} disagrees with publisher {c['publisher']!r}: a "
            "publisher's own page names the publisher; a copy or secondary report is marked in "
            "publisher as one",
        )
    return {col: c[col] for col in schema.extra_columns}


def read_published(
    path: PathLike,
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

    Raises
    ------
    ParameterError
        If ``schema`` names no known dataset.

    Notes
    -----
    The file is read in full on every call. A file whose bytes passed validation before (same
    schema, path and ``max_errors``, same SHA-256) is not parsed and validated again: its frame
    is remembered and a copy returned, since validation depends on nothing else. A notebook
    run reads the same few files dozens of times (notebook 01: 48 reads of 5 files, 0.3 s of
    its cells). The checksum is still checked and the read still recorded
    (:func:`sinstats.data.provenance.record_read`) on every call; files with problems are
    never remembered.
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
    sha = sha256_bytes(raw)
    memo = (schema, spath, max_errors, sha)
    known = _VALIDATED.get(memo)
    if known is not None:
        problem = check_one_checksum(p, sha) if check_checksum else None
        if problem is not None:
            return None, [problem]
        record_read(p, sha)
        return known.copy(), []
    try:
        text = decode_text(raw, spath)
        _, rows = read_table(
            text, spath, lambda header: _check_header(header, spath, schema.extra_columns)
        )
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
        problem = check_one_checksum(p, sha)
        if problem is not None:
            errors.append(problem)
    if errors:
        return None, errors
    record_read(p, sha)
    frame = pd.DataFrame.from_records(records, columns=[*TIDY_COLUMNS, *schema.extra_columns])
    if len(_VALIDATED) >= _MAX_VALIDATED:
        del _VALIDATED[next(iter(_VALIDATED))]
    _VALIDATED[memo] = frame.copy()
    return frame, []


def validate_file(path: PathLike, schema: DatasetSchema | str | None = None) -> list[DataError]:
    """Validate one data file against its schema.

    ``designation.csv`` (the releases' designations,
    :mod:`sinstats.data.statistics_designation`) is validated by its own rules; every other file
    by its dataset schema.

    Parameters
    ----------
    path : path-like
        The CSV file.
    schema : DatasetSchema or str, optional
        As for :func:`read_published`.

    Returns
    -------
    list of DataError
        The problems found; empty when the file is valid.

    Raises
    ------
    ParameterError
        If ``schema`` names no known dataset.
    """
    if schema is None and Path(path).name == DESIGNATION_FILE:
        return validate_designation_file(path)
    _, errors = read_published(path, schema)
    return errors
