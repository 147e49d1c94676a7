"""Releases installed under ``<data>/raw/<release>/`` by ``sinstats fetch``, read and verified.

Every installed release folder holds a ``SOURCE.json`` (:data:`SOURCE_FILE`) listing each file
with its SHA-256. :func:`installed_releases` finds the releases, oldest first;
:func:`release_checksums` hashes every listed file and checks it (for the build manifest);
:func:`release_frames` reads the data files of one release (parsed files are reused while their
checksum is unchanged); :func:`load_ees` reads one official file, a release folder or any folder
of official CSVs.

A fetch killed between the two renames of its install (the old copy aside, the new one in) would
leave the release missing; :func:`repair_interrupted_fetches` (run by every fetch, every build and
every listing of the releases, so by every load) puts the old copy back, or removes it when the
new one made it, and clears the work folders of fetches that are no longer running. Where the
data folder cannot be written, it warns instead, so a load never silently falls back to the
transcribed figures.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import pandas as pd

from sinstats import paths
from sinstats._typing import DataDir, PathLike
from sinstats.data import provenance, schema
from sinstats.data.official.eras import ERA_PRIORITY
from sinstats.data.official.publication import release_page, release_period, release_sort_key
from sinstats.data.official.reader import EesFile, read_ees_file
from sinstats.errors import DataError, ParameterError

SOURCE_FILE: Final = "SOURCE.json"
"""Provenance file written by ``sinstats fetch`` in every installed release folder."""

PRIVATE_COLUMNS: Final = ("_era", "_release_rank", "_file_rank", "_file", "_release")
"""Columns :func:`release_frames` adds to the tidy columns, for merging releases."""


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
        return url or release_page(self.slug)

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        """``{relative path: record}`` of every file listed in ``SOURCE.json``."""
        files = self.source.get("files")
        return files if isinstance(files, dict) else {}

    def data_files(self) -> list[str]:
        """Return the relative paths of the data CSVs, in a stable order.

        Returns
        -------
        list of str
            Files whose ``kind`` in ``SOURCE.json`` is ``data``.
        """
        return sorted(rel for rel, rec in self.files.items() if rec.get("kind") == "data")


def read_source_json(folder: Path) -> dict[str, Any]:
    """Read and check the ``SOURCE.json`` of a release folder.

    Parameters
    ----------
    folder : Path
        The release folder (named after its slug).

    Returns
    -------
    dict
        The parsed file, with a ``files`` table.

    Raises
    ------
    DataError
        If the file is missing (the folder was not installed by ``sinstats fetch``), is not
        valid JSON, has no ``files`` table, or records another release than the folder's name.
    """
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


WORK_PREFIX: Final = ".fetch-"
"""Prefix of a fetch's work folder in ``raw/``."""
WORK_LOCK: Final = ".lock"
"""In a work folder: held (``flock``) by the fetch that owns the folder for as long as it runs."""
_BACKUP: Final = re.compile(r"^\.(?P<slug>[A-Za-z0-9][A-Za-z0-9._-]*)\.previous-[0-9a-f]+$")


@contextlib.contextmanager
def install_lock(raw: Path, wait: float = 30.0) -> Iterator[bool]:
    """Hold a lock on the folder ``raw/`` itself (``flock``; no lock file is left behind).

    ``sinstats fetch`` holds it while it makes its work folder and while it installs;
    :func:`repair_interrupted_fetches` holds it while it repairs.

    Parameters
    ----------
    raw : Path
        The ``raw/`` folder (it must exist).
    wait : float
        Seconds to wait for another process that holds it.

    Yields
    ------
    bool
        True when the lock is held; False when another process still held it after ``wait``.
    """
    fd = os.open(raw, os.O_RDONLY)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                time.sleep(0.05)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def claim_work_folder(folder: Path) -> IO[bytes]:
    """Mark a fetch's work folder as in use for as long as the returned file stays open.

    :func:`repair_interrupted_fetches` removes a work folder only when no process holds this lock.

    Parameters
    ----------
    folder : Path
        The work folder (``raw/.fetch-*``), just made.

    Returns
    -------
    file
        The open lock file (``flock`` held); close it when the fetch ends.
    """
    fh = open(folder / WORK_LOCK, "a+b")  # held open for the fetch's lifetime
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fh


def _abandoned(work: Path) -> bool:
    """Whether no running fetch holds a work folder's lock."""
    try:
        with open(work / WORK_LOCK, "rb") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True
    except FileNotFoundError:
        return True


def _leftovers(raw: Path) -> list[Path]:
    if not raw.is_dir():
        return []
    return sorted(
        p for p in raw.iterdir() if _BACKUP.match(p.name) or p.name.startswith(WORK_PREFIX)
    )


def _repair(raw: Path) -> list[str]:
    """Restore or remove the leftovers of interrupted fetches in ``raw`` (lock held)."""
    notes = []
    backups = [p for p in _leftovers(raw) if _BACKUP.match(p.name)]
    # The newest copy first: after several crashes it is the one that was installed last.
    backups.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for backup in backups:
        match = _BACKUP.match(backup.name)
        assert match is not None
        final = raw / match["slug"]
        if final.exists() or final.is_symlink():
            shutil.rmtree(backup, ignore_errors=True)
            notes.append(
                f"removed {backup.name}, the old copy of release {match['slug']} left by an "
                "interrupted 'sinstats fetch' (the new copy is installed)"
            )
        else:
            os.rename(backup, final)
            notes.append(
                f"restored release {match['slug']} in {final}: an interrupted 'sinstats fetch' "
                "had moved it aside"
            )
    for work in _leftovers(raw):
        if work.name.startswith(WORK_PREFIX) and _abandoned(work):
            shutil.rmtree(work, ignore_errors=True)
            notes.append(f"removed {work.name}, the work folder of an interrupted 'sinstats fetch'")
    return notes


def repair_interrupted_fetches(data_dir: DataDir = None) -> list[str]:
    """Restore or clean what an interrupted ``sinstats fetch`` left in ``<data>/raw/``.

    A release moved aside (``raw/.<release>.previous-*``) is put back when the release is missing,
    and removed when the new copy is in place; a work folder (``raw/.fetch-*``) is removed when no
    running fetch holds it.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default: ``$SINSTATS_DATA_DIR`` or the project's ``data/``.

    Returns
    -------
    list of str
        One line per repair; a line starting ``warning:`` when a release is missing and could not
        be restored (the data folder cannot be written, or a fetch holds it for too long).
    """
    raw = paths.raw_dir(data_dir)
    if not _leftovers(raw):
        return []
    try:
        with install_lock(raw, wait=30.0) as held:
            if held:
                return _repair(raw)
    except OSError as err:
        reason = f"the data folder cannot be written ({err.strerror or err})"
    else:
        reason = "another 'sinstats fetch' is installing"
    missing = [
        f"warning: release {m['slug']} is missing from {raw}: an interrupted 'sinstats fetch' left "
        f"it in {p.name}, which could not be restored because {reason}; the transcribed figures "
        f"are used instead until 'sinstats fetch --release {m['slug']}' runs"
        for p in _leftovers(raw)
        if (m := _BACKUP.match(p.name)) and not (raw / m["slug"]).exists()
    ]
    return missing


def release_dirs(raw: Path) -> list[Path]:
    """List the release folders under a ``raw/`` folder, without reading them.

    What an interrupted fetch left is repaired first (:func:`repair_interrupted_fetches`), with a
    :class:`UserWarning` for every repair, so that a release moved aside is never silently missed.

    Parameters
    ----------
    raw : Path
        The ``raw/`` folder of a data folder (it may not exist).

    Returns
    -------
    list of Path
        Its sub-folders whose names do not start with a dot, sorted; empty when ``raw`` is not a
        folder.
    """
    if not raw.is_dir():
        return []
    for note in repair_interrupted_fetches(raw.parent):
        warnings.warn(note.removeprefix("warning: "), UserWarning, stacklevel=2)
    return sorted(p for p in raw.iterdir() if p.is_dir() and not p.name.startswith("."))


def installed_releases(data_dir: DataDir = None) -> list[Release]:
    """Return the releases installed under ``<data>/raw/``, oldest first.

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder; default: ``$SINSTATS_DATA_DIR`` or the project's ``data/``.

    Returns
    -------
    list of Release
        Ordered by the end of the period each covers.

    Raises
    ------
    DataError
        If a folder there was not installed by ``sinstats fetch`` (no valid ``SOURCE.json``) or
        is not named after a release.
    """
    releases = []
    for folder in release_dirs(paths.raw_dir(data_dir)):
        try:
            release_period(folder.name)
        except ParameterError as err:
            raise DataError(str(err), path=str(folder)) from None
        releases.append(Release(folder.name, folder, read_source_json(folder)))
    return sorted(releases, key=lambda r: release_sort_key(r.slug))


def verified_sha(release: Release, rel: str) -> str:
    """Hash one file of a release and check it against ``SOURCE.json``.

    Parameters
    ----------
    release : Release
        The installed release.
    rel : str
        The file's path relative to the release folder.

    Returns
    -------
    str
        The file's SHA-256.

    Raises
    ------
    DataError
        If the file is missing or its hash differs from the one recorded.
    """
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


def release_checksums(data_dir: DataDir = None) -> dict[str, str]:
    """Return the checksum of every installed official file.

    Every file listed in each release's ``SOURCE.json`` is hashed and checked against it; the
    ``SOURCE.json`` files themselves are included.

    Parameters
    ----------
    data_dir : path-like, optional
        Every release under its ``raw/`` is hashed; default ``$SINSTATS_DATA_DIR`` or the project's
        ``data/``.

    Returns
    -------
    dict of str to str
        ``{path relative to the data folder: sha256}``, sorted; paths look like
        ``raw/2026/data/x.csv``, as in ``data/SHA256SUMS``, so a build manifest can list them.

    Raises
    ------
    DataError
        If a file is missing or its hash differs from ``SOURCE.json``.
    """
    sums: dict[str, str] = {}
    for release in installed_releases(data_dir):
        prefix = f"raw/{release.slug}"
        for rel in sorted(release.files):
            sums[f"{prefix}/{rel}"] = verified_sha(release, rel)
        sums[f"{prefix}/{SOURCE_FILE}"] = provenance.sha256_file(release.path / SOURCE_FILE)
    return dict(sorted(sums.items()))


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


def release_frames(release: Release, rank: int) -> list[pd.DataFrame]:
    """Read every data file of an installed release, checked against ``SOURCE.json``.

    Parameters
    ----------
    release : Release
        The installed release.
    rank : int
        Its place among the installed releases (0 = oldest); a higher rank wins a merge.

    Returns
    -------
    list of pandas.DataFrame
        One frame per data file: the tidy columns and :data:`PRIVATE_COLUMNS` (era, release
        rank, file rank, file and release), for :func:`sinstats.data.official.merge.newest_wins`.
        Every file read is recorded in :func:`sinstats.data.files_read`.

    Raises
    ------
    DataError
        If a file is missing, differs from its checksum or fails
        :func:`~sinstats.data.official.reader.read_ees_file`.
    """
    frames = []
    for rel in release.data_files():
        sha = verified_sha(release, rel)
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
                _file_rank=ERA_PRIORITY[ef.era],
                _file=rel,
                _release=release.slug,
            )
        )
    return frames


def load_ees(path: PathLike) -> pd.DataFrame:
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
        two files of a release appears twice, with different ``origin``;
        :func:`~sinstats.data.official.merge.overlay` and
        :func:`~sinstats.data.official.merge.load_areas` keep one). ``dataset`` is
        ``sin_national`` for national April-March totals by nature and ``characteristics`` for
        everything else.

    Raises
    ------
    DataError
        If a file fails :func:`~sinstats.data.official.reader.read_ees_file`, a folder holds no
        data file, or a file differs from its ``SOURCE.json`` checksum.
    """
    p = Path(path)
    if p.is_dir():
        if (p / SOURCE_FILE).is_file():
            release = Release(p.name, p, read_source_json(p))
            frames = release_frames(release, 0)
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
