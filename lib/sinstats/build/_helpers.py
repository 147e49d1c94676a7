"""Small primitives shared by the build modules: atomic writes, paths, hashes, times, JSON.

Private to :mod:`sinstats.build` (statsmodels-style ``_helpers``): one atomic writer for every file
the build writes whole (manifest, parameter cache, index page, PDF, workbook), one way to show a
path, one file hash, one tolerant JSON reader, the check that a path from a state file stays
inside the reports folder, the conversion of a full disk or a read-only folder into an
:class:`~sinstats.errors.OutputError`, JSON Schema validation of state files, and the test hook
``SINSTATS_TEST_KILL_AT`` (:func:`kill_point`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from sinstats import paths
from sinstats.errors import EXPECTED_OS_ERRORS, OutputError

KILL_AT_ENV = "SINSTATS_TEST_KILL_AT"
"""Test hook: ``<stage>`` or ``<stage>#<n>`` makes the build kill itself at that stage."""
KILL_SIGNAL_ENV = "SINSTATS_TEST_KILL_SIGNAL"
"""Test hook: the signal :func:`kill_point` sends (``KILL``, ``TERM`` or ``INT``; default KILL)."""

_KILL_COUNTS: Counter[str] = Counter()


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` when the block succeeds.

    Readers never see a partly written file: the new content appears at once (``os.replace`` on
    one file system), or, if the block raises, ``target`` is left as it was and the temporary file
    is removed.

    Parameters
    ----------
    target : Path
        The file to write; its folder must exist.

    Yields
    ------
    Path
        ``.<name>.<pid>.tmp`` in the same folder, for the caller (or a library) to write.
    """
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_atomic(target: Path, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8) to ``target`` through :func:`replacing`.

    Parameters
    ----------
    target : Path
        The file to write; its folder must exist.
    content : str or bytes
        The whole new content.

    Returns
    -------
    Path
        ``target``.
    """
    raw = content.encode("utf-8") if isinstance(content, str) else content
    with replacing(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    return target


@contextlib.contextmanager
def os_errors_as_output_errors(doing: str, path: Path | None = None) -> Iterator[None]:
    """Turn a full disk, a read-only folder or a wrong kind of path into an ``OutputError``.

    Parameters
    ----------
    doing : str
        What the block does, for the message (``"writing the manifest"``).
    path : Path, optional
        The path to name (default: the one in the error).

    Yields
    ------
    None
        While the block runs.

    Raises
    ------
    OutputError
        For an :class:`OSError` whose ``errno`` is in
        :data:`~sinstats.errors.EXPECTED_OS_ERRORS`; other errors pass through unchanged.
    """
    try:
        yield
    except OSError as err:
        if err.errno in EXPECTED_OS_ERRORS:
            raise OutputError.from_os_error(err, doing, path) from None
        raise


def inside(root: Path, rel: object) -> Path:
    """Return ``root / rel`` when ``rel`` is a plain relative path that stays inside ``root``.

    State files (the manifest, the commit journal) are input like any other: a path in them is
    used only through this check.

    Parameters
    ----------
    root : Path
        The reports folder.
    rel : object
        The path as the state file gives it.

    Returns
    -------
    Path
        ``root / rel`` (not resolved).

    Raises
    ------
    ValueError
        If ``rel`` is not text, is empty, absolute, has a backslash, NUL, ``.`` or ``..``
        component, or resolves (through symbolic links) outside ``root``.
    """
    if not isinstance(rel, str) or not rel or "\\" in rel or "\x00" in rel:
        raise ValueError(f"{rel!r} is not a relative path")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or any(part in ("", ".", "..") for part in rel.split("/")):
        raise ValueError(f"{rel!r} is not a plain relative path inside the reports folder")
    path = root / pure
    if not path.resolve().is_relative_to(root.resolve()):
        raise ValueError(f"{rel!r} leads outside the reports folder")
    return path


@functools.cache
def validator(schema_json: str) -> Any:
    """Return a JSON Schema validator (Draft 2020-12) for a schema given as JSON text.

    jsonschema is imported here, with ``rfc3987_syntax`` kept out: it compiles a grammar for over
    a second on import and is needed only for IRI format checks, which no state file uses (so
    IRI formats are not checked in a process that imported jsonschema this way first).

    Parameters
    ----------
    schema_json : str
        The schema.

    Returns
    -------
    jsonschema.protocols.Validator
        Cached per schema.
    """
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import jsonschema
    finally:
        if blocked:
            sys.modules.pop("rfc3987_syntax", None)
    return jsonschema.Draft202012Validator(json.loads(schema_json))


def schema_problem(schema: Mapping[str, Any], value: object) -> str | None:
    """Return the first way ``value`` breaks ``schema`` as one line, or None when it is valid.

    Parameters
    ----------
    schema : mapping
        A JSON Schema.
    value : object
        The parsed state file (or one part of it).

    Returns
    -------
    str or None
        ``"runs/3/outputs/0: 'x' does not match ..."`` for the error deepest in the document.
    """
    check = validator(json.dumps(schema, sort_keys=True))
    errors = sorted(check.iter_errors(value), key=lambda e: (-len(e.absolute_path), e.message))
    if not errors:
        return None
    err = errors[0]
    where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
    message = err.message if len(err.message) <= 200 else err.message[:197] + "..."
    return f"{where}: {message}"


def kill_point(stage: str) -> None:
    """Test hook: kill this process at ``stage`` when ``$SINSTATS_TEST_KILL_AT`` names it.

    ``SINSTATS_TEST_KILL_AT=<stage>`` kills the build the first time it reaches ``stage``,
    ``<stage>#<n>`` the n-th time; ``SINSTATS_TEST_KILL_SIGNAL`` chooses the signal (``KILL``,
    ``TERM``, ``INT``; default ``KILL``). Unset (always, outside the reliability tests), this does
    nothing. The stages are listed in ``docs/pipeline.md``.

    Parameters
    ----------
    stage : str
        The stage reached.
    """
    wanted = os.environ.get(KILL_AT_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition("#")
    if name != stage:
        return
    _KILL_COUNTS[stage] += 1
    if _KILL_COUNTS[stage] != (int(nth) if nth.isdigit() else 1):
        return
    sig = getattr(signal, "SIG" + os.environ.get(KILL_SIGNAL_ENV, "KILL").upper())
    os.kill(os.getpid(), sig)
    time.sleep(2)  # a handled signal (INT, TERM) raises in this thread meanwhile


def display_path(path: str | os.PathLike[str], base: Path | None = None) -> str:
    """Return a short, stable form of ``path`` (the same in every clone of the project).

    Parameters
    ----------
    path : path-like
        The path to show.
    base : Path, optional
        A folder to show it relative to first (e.g. the data folder).

    Returns
    -------
    str
        POSIX path relative to ``base`` or to the project root when inside either, else the
        absolute path.
    """
    p = Path(path).resolve()
    for root in (base, paths.PROJ_ROOT):
        if root is not None and p.is_relative_to(root.resolve()):
            return p.relative_to(root.resolve()).as_posix()
    return p.as_posix()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of the file at ``path``: :func:`sinstats.data.sha256_file`.

    :mod:`sinstats.data` loads pandas, so it is imported on first use rather than with this
    module: a build that has nothing to do stays light until it reads the data. The argument,
    the result (64 lower-case hex digits) and the errors are those of that function.
    """
    from sinstats.data import sha256_file as data_sha256_file

    return data_sha256_file(path)


def read_json(path: Path) -> Any:
    """Return the JSON value in ``path``, or None when it is missing, unreadable or not JSON.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    object or None
        What :func:`json.loads` gives.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def utc_now() -> dt.datetime:
    """Return the current time in UTC.

    Returns
    -------
    datetime
        Timezone-aware.
    """
    return dt.datetime.now(dt.UTC)


def iso(when: dt.datetime) -> str:
    """Return ``when`` in ISO 8601 to the millisecond, as the manifest records times.

    Parameters
    ----------
    when : datetime
        A timezone-aware time.

    Returns
    -------
    str
        E.g. ``2026-03-31T12:00:00.000+00:00``.
    """
    return when.isoformat(timespec="milliseconds")


def date_in_words(iso_date: str) -> str:
    """Return ``"29 November 2025"`` for ``"2025-11-29"`` (anything after the date is ignored).

    Parameters
    ----------
    iso_date : str
        An ISO date or date-time.

    Returns
    -------
    str
        Day, month name and year.

    Raises
    ------
    ValueError
        If the first ten characters are not an ISO date.
    """
    d = dt.date.fromisoformat(iso_date[:10])
    return f"{d.day} {d.strftime('%B')} {d.year}"


def cell_text(value: object) -> str:
    """Return a notebook's multi-line string (one string, or a list of lines) as one string.

    Parameters
    ----------
    value : str or list of str
        A cell's ``source`` or an output's ``data`` entry as nbformat stores it.

    Returns
    -------
    str
        The lines joined as stored (they keep their own newlines).
    """
    return "".join(value) if isinstance(value, list) else str(value)
