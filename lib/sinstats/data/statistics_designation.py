"""The statistics' designation: which releases were experimental, official or not known.

``data/published/designation.csv`` holds one row per release of the national series (Ofsted's
releases to 2017-18, DfE's from 2018-19): its producer, title, the period it covers, the
designation it was published with, and the quote and address that say so. A release whose
designation no source found says ``not known``: never a guess. :func:`read_designations`
validates the file row by row (file, line, column), :func:`designation` answers "what was the
designation of the release that published this year's figures?", and :func:`summarise` groups
periods by designation for a title page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Final, NamedTuple

from sinstats import paths
from sinstats._typing import DataDir, PathLike
from sinstats.data._reading import (
    CsvRow,
    check_unique_columns,
    decode_text,
    header_error,
    read_table,
)
from sinstats.data.provenance import check_one_checksum, record_read, sha256_bytes
from sinstats.data.schema import CANONICAL_HOSTS, source_problem
from sinstats.errors import DataError, ParameterError, PeriodError
from sinstats.periods import Period, from_ees, parse_period

__all__ = [
    "DESIGNATIONS",
    "DESIGNATION_COLUMNS",
    "DESIGNATION_FILE",
    "MODEL_ESTIMATE",
    "NOT_KNOWN",
    "Designation",
    "designation",
    "designations",
    "read_designations",
    "release",
    "summarise",
    "validate_designation_file",
]

DESIGNATION_FILE: Final = "designation.csv"
"""File name of the dataset under ``data/published/``."""

NOT_KNOWN: Final = "not known"
"""The designation of a release when no source states it."""

DESIGNATIONS: Final[tuple[str, ...]] = (
    "experimental statistics",
    "official statistics in development",
    "official statistics",
    "accredited official statistics",
    "transparency data",
    NOT_KNOWN,
)
"""Designations a release can carry, as the releases word them.

``experimental statistics`` was renamed ``official statistics in development`` in September
2023; ``accredited official statistics`` were formerly called National Statistics.
``transparency data`` is how DfE described its April-September 2020 release.
"""

MODEL_ESTIMATE: Final = (
    "model estimate: computed by sinstats from the published figures and the stated "
    "assumptions in data/assumptions.yml; not an official statistic of any designation"
)
"""How a report labels the uncertainty model's outputs (never as statistics of a designation)."""

DESIGNATION_COLUMNS: Final[tuple[str, ...]] = (
    "release_id",
    "producer",
    "release_title",
    "time_period",
    "time_identifier",
    "designation",
    "quote",
    "source_id",
    "publisher",
    "source_url",
    "note",
)
"""Columns of ``designation.csv``, in order."""

_RELEASE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_SOURCE_ID = re.compile(r"^[A-Za-z0-9_.\-]+$")
_URL = re.compile(r"^https?://[^\s,]+$")
# Columns a release with a known designation fills, and one with "not known" leaves empty.
_EVIDENCE: Final = ("quote", "source_id", "publisher", "source_url")


class Designation(NamedTuple):
    """One release and the designation it was published with.

    Parameters
    ----------
    release_id : str
        Short id (``dfe-2020-21``, ``ofsted-2015-16``); DfE ids are ``dfe-`` and the EES slug.
    producer : str
        ``Ofsted`` or ``Department for Education``.
    release_title : str
        The release's title (or, where its page was not found, a description of it).
    period, period_label : str
        The period the release covers: canonical id and label.
    designation : str
        One of :data:`DESIGNATIONS`.
    quote, source_id, publisher, source_url : str
        The words that state the designation, and where they were read (empty when not known).
    note : str
        What a reader should know (where the text was read, what was not found).
    line : int
        Line of the row in the file (0 for a period no row covers).
    """

    release_id: str
    producer: str
    release_title: str
    period: str
    period_label: str
    designation: str
    quote: str
    source_id: str
    publisher: str
    source_url: str
    note: str
    line: int

    @property
    def known(self) -> bool:
        """True when a source states the designation."""
        return self.designation != NOT_KNOWN

    def describe(self) -> str:
        """Return one line for a title page.

        Returns
        -------
        str
            E.g. ``2020-21 (reporting year 2021): experimental statistics (Department for
            Education, Serious incident notifications: financial year 2020-21)``, or ``...:
            designation not known (...)``.
        """
        what = self.designation if self.known else "designation not known"
        where = f"{self.producer}, {self.release_title}" if self.release_id else self.note
        return f"{self.period_label}: {what} ({where})"


def _check_header(header: list[str], path: str) -> None:
    missing = [c for c in DESIGNATION_COLUMNS if c not in header]
    unknown = [h for h in header if h not in DESIGNATION_COLUMNS]
    allowed = ", ".join(DESIGNATION_COLUMNS)
    if missing:
        raise header_error(f"missing column(s) {', '.join(missing)}; columns: {allowed}", path)
    if unknown:
        raise header_error(
            f"unknown column(s) {', '.join(repr(u) for u in unknown)}; columns: {allowed}",
            path,
            unknown[0],
        )
    check_unique_columns(header, path)


def _row(row: CsvRow, path: str) -> Designation:
    """Validate one row and return its record (raises DataError naming the line and column)."""
    c = row.cells

    def fail(column: str, message: str) -> DataError:
        return DataError(message, path=path, line=row.line, column=column)

    for col in ("release_id", "producer", "release_title", "time_period", "designation"):
        if not c[col]:
            raise fail(col, f"'{col}' is empty; every row needs it")
    if not _RELEASE_ID.match(c["release_id"]):
        raise fail("release_id", f"release_id {c['release_id']!r} must be lower-case a-z, 0-9, -")
    if c["producer"] not in CANONICAL_HOSTS:
        raise fail(
            "producer", f"unknown producer {c['producer']!r}; one of {', '.join(CANONICAL_HOSTS)}"
        )
    try:
        period = from_ees(c["time_period"], c["time_identifier"])
    except PeriodError as err:
        raise fail("time_period", str(err)) from None
    value = c["designation"]
    if value not in DESIGNATIONS:
        raise fail(
            "designation", f"unknown designation {value!r}; allowed: {', '.join(DESIGNATIONS)}"
        )
    if value == NOT_KNOWN:
        for col in _EVIDENCE:
            if c[col]:
                raise fail(
                    col,
                    f"a release whose designation is not known has no {col}; give the "
                    "designation the source states, or leave the evidence empty",
                )
        if not c["note"]:
            raise fail("note", "say in note what was searched and not found")
    else:
        for col in _EVIDENCE:
            if not c[col]:
                raise fail(col, f"'{col}' is empty; a designation needs its quote and source")
        if not _SOURCE_ID.match(c["source_id"]):
            raise fail(
                "source_id", f"source_id {c['source_id']!r} has characters outside A-Z0-9_.-"
            )
        if not _URL.match(c["source_url"]):
            raise fail("source_url", f"source_url {c['source_url']!r} is not an http(s) URL")
        problem = source_problem(c["publisher"], c["source_url"])
        if problem is not None:
            raise fail(*problem)
    return Designation(
        release_id=c["release_id"],
        producer=c["producer"],
        release_title=c["release_title"],
        period=period.id,
        period_label=period.label,
        designation=value,
        quote=c["quote"],
        source_id=c["source_id"],
        publisher=c["publisher"],
        source_url=c["source_url"],
        note=c["note"],
        line=row.line,
    )


def read_designations(
    path: PathLike, *, check_checksum: bool = True, max_errors: int = 20
) -> tuple[list[Designation] | None, list[DataError]]:
    """Read and validate a designation file.

    Parameters
    ----------
    path : path-like
        ``designation.csv`` (columns :data:`DESIGNATION_COLUMNS`).
    check_checksum : bool
        Check the file against the ``SHA256SUMS`` of its data folder when there is one.
    max_errors : int
        Stop collecting row errors after this many.

    Returns
    -------
    records : list of Designation or None
        In file order; None when there are errors.
    errors : list of DataError
        Every problem found (file-level problems stop at the first), each naming the file,
        line and column.
    """
    p = Path(path)
    spath = str(path)
    if not p.is_file():
        return None, [DataError("file not found", path=spath)]
    raw = p.read_bytes()
    sha = sha256_bytes(raw)
    try:
        text = decode_text(raw, spath)
        _, rows = read_table(text, spath, lambda header: _check_header(header, spath))
    except DataError as err:
        return None, [err]
    errors: list[DataError] = []
    records: list[Designation] = []
    ids: dict[str, int] = {}
    periods: dict[str, int] = {}
    for row in rows:
        try:
            rec = _row(row, spath)
        except DataError as err:
            errors.append(err)
            if len(errors) >= max_errors:
                break
            continue
        for key, seen, col in (
            (rec.release_id, ids, "release_id"),
            (rec.period, periods, "time_period"),
        ):
            if key in seen:
                errors.append(
                    DataError(
                        f"{key} is already on line {seen[key]}; one row per release and period",
                        path=spath,
                        line=row.line,
                        column=col,
                    )
                )
            seen.setdefault(key, row.line)
        records.append(rec)
    if check_checksum and not errors:
        problem = check_one_checksum(p, sha)
        if problem is not None:
            errors.append(problem)
    if errors:
        return None, errors
    record_read(p, sha)
    return records, []


def validate_designation_file(path: PathLike) -> list[DataError]:
    """Validate a designation file (what ``sinstats validate`` runs for ``designation.csv``).

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    list of DataError
        The problems found; empty when the file is valid.
    """
    return read_designations(path)[1]


_CACHE: dict[tuple[str, int, int], list[Designation]] = {}


def designations(data_dir: DataDir = None) -> list[Designation]:
    """Return every release in ``<data>/published/designation.csv``, validated.

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder (default ``$SINSTATS_DATA_DIR`` or the project's ``data/``).

    Returns
    -------
    list of Designation
        In file order (oldest release first).

    Raises
    ------
    DataError
        If the file is missing or invalid (the first problem; ``sinstats validate`` lists all).
    """
    path = paths.published_dir(data_dir) / DESIGNATION_FILE
    try:
        stat = path.stat()
    except OSError:
        raise DataError("file not found", path=str(path)) from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _CACHE:
        records, errors = read_designations(path)
        if records is None:
            raise errors[0]
        _CACHE.clear()
        _CACHE[key] = records
    else:
        record_read(path, sha256_bytes(path.read_bytes()))
    return list(_CACHE[key])


def _unrecorded(period: Period) -> Designation:
    """Return the record of a period no release in the file covers: designation not known."""
    return Designation(
        release_id="",
        producer="",
        release_title="",
        period=period.id,
        period_label=period.label,
        designation=NOT_KNOWN,
        quote="",
        source_id="",
        publisher="",
        source_url="",
        note="no release of the national series is recorded for this period",
        line=0,
    )


def designation(period: object, data_dir: DataDir = None) -> Designation:
    """Return the release that published a period's national figures, with its designation.

    Parameters
    ----------
    period : str, int or Period
        Any form :func:`sinstats.periods.parse_period` accepts (``"2020-21"``, ``"2026"``,
        ``"2020-21 H1"``).
    data_dir : path-like, optional
        The data folder.

    Returns
    -------
    Designation
        The release covering exactly that period; for a period no release covers, a record
        whose designation is :data:`NOT_KNOWN` and whose ``release_id`` is empty.

    Raises
    ------
    PeriodError
        If ``period`` cannot be parsed.
    DataError
        If the designation file is missing or invalid.
    """
    wanted = parse_period(period)
    for rec in designations(data_dir):
        if rec.period == wanted.id:
            return rec
    return _unrecorded(wanted)


def release(release_id: str, data_dir: DataDir = None) -> Designation:
    """Return one release by its id.

    Parameters
    ----------
    release_id : str
        E.g. ``"dfe-2020-21"``.
    data_dir : path-like, optional
        The data folder.

    Returns
    -------
    Designation

    Raises
    ------
    ParameterError
        If no release has that id (the message lists them).
    DataError
        If the designation file is missing or invalid.
    """
    records = designations(data_dir)
    for rec in records:
        if rec.release_id == release_id:
            return rec
    known = ", ".join(r.release_id for r in records)
    raise ParameterError(f"unknown release {release_id!r}; releases: {known}")


def summarise(records: Iterable[Designation]) -> list[tuple[str, list[str]]]:
    """Group releases by designation, for a sentence such as a title page's.

    Parameters
    ----------
    records : iterable of Designation
        Typically :func:`designation` of every period a report shows.

    Returns
    -------
    list of (str, list of str)
        ``(designation, [period ids])`` in the order of :data:`DESIGNATIONS`, each period once
        and in the order given; designations with no period are left out.
    """
    grouped: dict[str, list[str]] = {}
    for rec in records:
        ids = grouped.setdefault(rec.designation, [])
        if rec.period not in ids:
            ids.append(rec.period)
    return [(d, grouped[d]) for d in DESIGNATIONS if d in grouped]
