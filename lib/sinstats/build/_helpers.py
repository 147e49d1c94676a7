"""Small primitives shared by the build modules: atomic writes, paths, hashes, times, JSON.

Private to :mod:`sinstats.build` (statsmodels-style ``_helpers``): one atomic writer for every file
the build writes whole (manifest, parameter cache, index page, PDF, workbook), one way to show a
path, one file hash and one tolerant JSON reader.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sinstats import paths


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
        tmp.write_bytes(raw)
    return target


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
