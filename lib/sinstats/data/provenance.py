"""Provenance of the data: checksums of the shipped files and the record of every file read.

``data/SHA256SUMS`` lists the SHA-256 of every file in ``data/published/``; a file whose hash
differs is refused on loading. Every data file read by this process, transcribed or official, is
recorded with its hash (:func:`record_read`, :func:`files_read`) so that a build's manifest can
say exactly what produced each number.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from sinstats import paths
from sinstats._typing import DataDir, PathLike
from sinstats.errors import DataError

CHECKSUMS_FILE = "SHA256SUMS"

# Paths and SHA-256 of every data file read in this process (for build provenance).
_FILES_READ: dict[str, str] = {}
_FILES_ABSENT: set[str] = set()


def record_read(path: PathLike, sha256: str) -> None:
    """Record that ``path`` (with content hash ``sha256``) was read by this process.

    Parameters
    ----------
    path : path-like
        The data file, recorded by its absolute path as it was opened (``..`` removed, links
        not followed: a link pointed at another file is a change of the file it names).
    sha256 : str
        Hex SHA-256 of the bytes that were read.
    """
    _FILES_READ[_recorded_path(path)] = sha256


def _recorded_path(path: PathLike) -> str:
    """Return the absolute path as opened: ``..`` and ``.`` removed, links not followed."""
    return os.path.abspath(os.fspath(path))


def sha256_bytes(raw: bytes) -> str:
    """Return the hex SHA-256 of ``raw``: 64 lower-case hex digits.

    Parameters
    ----------
    raw : bytes
        File content already in memory.

    Returns
    -------
    str
    """
    return hashlib.sha256(raw).hexdigest()


def files_read() -> dict[str, str]:
    """Return every data file read by this process so far.

    Returns
    -------
    dict of str to str
        ``{absolute path: sha256}``, sorted by path.
    """
    return dict(sorted(_FILES_READ.items()))


def record_absent(path: PathLike) -> None:
    """Record that ``path`` was looked for and is not there, so another file was read instead.

    A data folder without its own assumptions or claims file uses the project's; the run then
    depends on the folder's own file not existing, as well as on the file it read, so that adding
    it rebuilds the run (:func:`files_absent`; the build keys it as a file with no hash).

    Parameters
    ----------
    path : path-like
        The file looked for (recorded by its absolute path, as :func:`record_read` records).
    """
    _FILES_ABSENT.add(_recorded_path(path))


def own_or_fallback(own: Path, fallback: Path) -> Path:
    """Return ``own`` if it is a file, else ``fallback``, recording that ``own`` was absent.

    The data folder's own assumptions or claims file wins over the project's; when it is not
    there the project's is used and the run depends on its absence (:func:`record_absent`).

    Parameters
    ----------
    own : Path
        The data folder's file.
    fallback : Path
        The project's file.

    Returns
    -------
    Path
    """
    if own.is_file():
        return own
    record_absent(own)
    return fallback


def files_absent() -> list[str]:
    """Return every file this process looked for and did not find (:func:`record_absent`).

    Returns
    -------
    list of str
        Absolute paths, sorted; a file read since it was recorded absent is left out.
    """
    return sorted(_FILES_ABSENT - set(_FILES_READ))


def reset_files_read() -> None:
    """Forget the records of :func:`files_read` and :func:`files_absent` (between builds, tests)."""
    _FILES_READ.clear()
    _FILES_ABSENT.clear()


def sha256_file(path: PathLike) -> str:
    """Return the hex SHA-256 of a file, read in blocks.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    str
        64 lower-case hex digits.

    Raises
    ------
    OSError
        If the file cannot be read.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def read_checksums(data_dir: DataDir = None) -> dict[str, str]:
    """Read ``<data>/SHA256SUMS``.

    Parameters
    ----------
    data_dir : path-like, optional
        Folder of ``SHA256SUMS`` (default: ``$SINSTATS_DATA_DIR`` or the project's ``data/``).

    Returns
    -------
    dict of str to str
        ``{path relative to the data folder: sha256}``.

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


def checksum_targets(data_dir: DataDir = None) -> list[Path]:
    """Return the data files that ``SHA256SUMS`` must cover.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder whose ``published/`` CSVs are listed (None: ``$SINSTATS_DATA_DIR`` or
        ``<project>/data``).

    Returns
    -------
    list of Path
        Every CSV in ``<data>/published/``, sorted.
    """
    pub = paths.published_dir(data_dir)
    return sorted(p for p in pub.glob("*.csv") if p.is_file())


def write_checksums(data_dir: DataDir = None) -> Path:
    """Rewrite ``<data>/SHA256SUMS`` for every file in ``published/``.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder (default ``$SINSTATS_DATA_DIR`` or the project's ``data/``); its ``SHA256SUMS``
        is replaced.

    Returns
    -------
    Path
        The checksum file written.
    """
    base = paths.data_dir(data_dir)
    lines = [
        "# SHA-256 of every published data file; update with 'make checksums' after a",
        "# deliberate, reviewed change. sinstats refuses to load a file whose hash differs.",
    ]
    for p in checksum_targets(base):
        lines.append(f"{sha256_file(p)}  {p.relative_to(base).as_posix()}")
    out = base / CHECKSUMS_FILE
    # Through a temporary file and a rename: a full disk or a read-only folder leaves the old
    # list whole (the error is raised, and the command line reports it).
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _file_problem(
    path: Path, base: Path, sums: dict[str, str], unlisted: str, sha: str | None = None
) -> DataError | None:
    """Check one published file against the listed checksums; None when it matches.

    ``sha`` is the SHA-256 of the bytes already read from ``path`` (the file is hashed when it
    is not given).
    """
    rel = path.relative_to(base).as_posix()
    if rel not in sums:
        return DataError(unlisted, path=str(path))
    if sums[rel] != (sha if sha is not None else sha256_file(path)):
        return DataError(
            "checksum does not match data/SHA256SUMS: the file changed since it was reviewed "
            "(run 'make checksums' only after a deliberate, reviewed change)",
            path=str(path),
        )
    return None


def verify_checksums(data_dir: DataDir = None) -> list[DataError]:
    """Check every published file against ``SHA256SUMS``.

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder to check (``$SINSTATS_DATA_DIR`` or the project's ``data/`` by default).

    Returns
    -------
    list of DataError
        The problems found: a missing or malformed ``SHA256SUMS``, a file not listed or whose
        hash differs, a listed file that is missing. Empty when everything matches.
    """
    base = paths.data_dir(data_dir)
    try:
        sums = read_checksums(base)
    except DataError as err:
        return [err]
    problems: list[DataError] = []
    for p in checksum_targets(base):
        problem = _file_problem(p, base, sums, "not listed in SHA256SUMS")
        if problem is not None:
            problems.append(problem)
    for rel in sums:
        if not (base / rel).is_file():
            problems.append(DataError(f"listed in SHA256SUMS but missing: {rel}", path=str(base)))
    return problems


def check_one_checksum(path: Path, sha: str | None = None) -> DataError | None:
    """Check one file against the ``SHA256SUMS`` of the data folder holding it, if there is one.

    Parameters
    ----------
    path : Path
        A file; only files directly in a ``published/`` folder next to a ``SHA256SUMS`` are
        checked.
    sha : str, optional
        The SHA-256 (hex) of the bytes the caller read from ``path`` and validated. Given, the
        check is of those bytes, so a file rewritten between the caller's read and this check
        cannot pass on bytes that were never validated (and the file is not read twice);
        omitted, the file is read and hashed here.

    Returns
    -------
    DataError or None
        The problem (unreadable ``SHA256SUMS``, file not listed, hash differs), or None.
    """
    base = path.parent.parent
    sums_path = base / CHECKSUMS_FILE
    if path.parent.name != "published" or not sums_path.is_file():
        return None
    try:
        sums = read_checksums(base)
    except DataError as err:
        return err
    return _file_problem(
        path, base, sums, "not listed in SHA256SUMS (run 'make checksums' after review)", sha
    )
