"""Installing a release: validate the extracted files, describe them, move them into place.

:func:`fetch` gets the archive (:mod:`~sinstats.data.releases.download`), checks and extracts it
(:mod:`~sinstats.data.releases.archive`) in a temporary folder inside ``data/raw/``, validates
every data CSV with :func:`sinstats.data.official.read_ees_file` (:func:`validate_release`: at
least one must be a serious incident notifications file and the latest period in the release must
be the period the release slug names), writes ``SOURCE.json`` (source, retrieval time in UTC,
SHA-256 and size of the archive and of every file, sinstats version) and moves the folder into
``data/raw/<release>/``. An existing copy is renamed aside first and deleted only once the new one
is in place; on any failure it is restored. A failed fetch leaves ``data/raw/`` exactly as it was.

A fetch killed outright (SIGKILL, power loss) cannot restore anything itself, so every fetch
starts by repairing what an earlier one left
(:func:`~sinstats.data.official.repair_interrupted_fetches`: a release moved aside is put back, or
removed once its replacement is in place; abandoned work folders are removed), and loading does
the same. The install (the two renames) happens under a lock on ``raw/`` itself, and each fetch
holds a lock on its own work folder, so a repair never touches a fetch that is still running.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sinstats import __version__, paths
from sinstats._typing import DataDir, PathLike
from sinstats.data.official.installed import (
    SOURCE_FILE,
    WORK_PREFIX,
    claim_work_folder,
    install_lock,
    repair_interrupted_fetches,
)
from sinstats.data.official.publication import release_page, release_period
from sinstats.data.official.reader import read_ees_file
from sinstats.data.provenance import sha256_bytes, sha256_file
from sinstats.data.releases import catalogue
from sinstats.data.releases.archive import ArchiveLimits, extract_archive
from sinstats.data.releases.download import (
    DEFAULT_BACKOFF,
    DEFAULT_MAX_BYTES,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    DownloadInfo,
    DownloadOptions,
    copy_local,
    download,
    is_url,
)
from sinstats.errors import EXPECTED_OS_ERRORS, ArchiveError, DataError, FetchError, OutputError
from sinstats.periods import Period, parse_period


@dataclass
class FetchResult:
    """What :func:`fetch` installed.

    Parameters
    ----------
    release : str
        The release slug.
    path : Path
        The installed folder ``<data>/raw/<release>``.
    source : str
        The URL or the resolved local file it came from.
    data_files : list of str
        Data CSVs installed (relative paths).
    rows : int
        Tidy rows in those files.
    periods : list of str
        First and last periods of the data files, in time order.
    replaced : bool
        True when a previous copy of the release was replaced.
    skipped : list of str
        Archive entries not extracted, with the reason.
    """

    release: str
    path: Path
    source: str
    data_files: list[str]
    rows: int
    periods: list[str]
    replaced: bool
    skipped: list[str] = field(default_factory=list)


def _file_kind(rel: str) -> str:
    """Kind of a release file: ``data``, ``meta`` (an EES ``.meta.csv``), ``guidance`` or other."""
    p = PurePosixPath(rel)
    if p.suffix.lower() == ".csv" and (len(p.parts) == 1 or p.parts[0] == "data"):
        return "meta" if p.name.lower().endswith(".meta.csv") else "data"
    if p.parts[0] == "data-guidance":
        return "guidance"
    return "supporting"


def _check_meta(path: Path, label: str) -> None:
    """Refuse a ``.meta.csv`` file without the EES header."""
    head = path.read_bytes()[:200].decode("utf-8-sig", errors="replace").lower()
    if not head.startswith("col_name,col_type"):
        raise DataError(
            "a .meta.csv file must start with the EES header 'col_name,col_type,...'",
            path=label,
            line=1,
        )


def validate_release(
    folder: PathLike, release: str, *, archive: str = "archive"
) -> dict[str, dict[str, Any]]:
    """Validate an extracted release and describe every file in it.

    Parameters
    ----------
    folder : path-like
        The extracted release.
    release : str
        Its slug: the latest period in the data files must be the period it names.
    archive : str
        Name of the archive in messages.

    Returns
    -------
    dict
        ``{relative path: {"bytes", "sha256", "kind", ...}}``; data files also carry ``era``,
        ``rows``, ``first_period`` and ``last_period``.

    Raises
    ------
    DataError
        If a data CSV fails :func:`sinstats.data.official.read_ees_file` (the message names the
        archive entry, line and column).
    ArchiveError
        If there is no data file, or the data end in another period than the release's.
    """
    root = Path(folder)
    files: dict[str, dict[str, Any]] = {}
    periods: list[Period] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        raw = path.read_bytes()
        record: dict[str, Any] = {
            "bytes": len(raw),
            "sha256": sha256_bytes(raw),
            "kind": _file_kind(rel),
        }
        label = f"{archive}:{rel}"
        if record["kind"] == "data":
            ef = read_ees_file(path, release=release, label=label)
            ordered = ef.frame.sort_values("period_start", kind="stable")
            record.update(
                era=ef.era,
                rows=len(ef.frame),
                first_period=str(ordered["period"].iloc[0]),
                last_period=str(ordered["period"].iloc[-1]),
            )
            periods.extend(parse_period(p) for p in ef.periods)
        elif record["kind"] == "meta":
            _check_meta(path, label)
        files[rel] = record
    if not any(r["kind"] == "data" for r in files.values()):
        listed = ", ".join(sorted(files)) or "nothing"
        raise ArchiveError(
            f"{archive} holds no serious incident notifications data file (expected data/*.csv; "
            f"found {listed}); is this the right release ZIP?"
        )
    wanted = release_period(release)
    latest = max(periods, key=lambda p: (p.end_year, p.end_month, -p.months))
    if (latest.end_year, latest.end_month) != (wanted.end_year, wanted.end_month):
        raise ArchiveError(
            f"{archive}: its latest period is {latest.label} but release {release} covers "
            f"{wanted.label}; is this the ZIP of another release? (pass the matching --release)"
        )
    return files


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _install(staged: Path, final: Path) -> bool:
    """Move ``staged`` to ``final``; an existing ``final`` is restored if anything fails."""
    backup: Path | None = None
    if final.exists() or final.is_symlink():
        backup = final.with_name(f".{final.name}.previous-{secrets.token_hex(4)}")
        os.rename(final, backup)
    try:
        os.rename(staged, final)
    except BaseException:
        if backup is not None:
            os.rename(backup, final)
        raise
    if backup is not None:
        if backup.is_dir() and not backup.is_symlink():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            backup.unlink(missing_ok=True)
    return backup is not None


def _url_provenance(source: str, info: DownloadInfo, slug: str) -> tuple[str, dict[str, Any]]:
    """Return the archive's name and the provenance of a download."""
    name = info.filename or Path(urllib.parse.urlsplit(info.final_url).path).name
    if not name.lower().endswith(".zip"):
        name = f"serious-incident-notifications_{slug}.zip"
    return name, {
        "source": source,
        "source_kind": "url",
        "source_url": source,
        "final_url": info.final_url,
        "http": {
            "content_type": info.content_type,
            "etag": info.etag,
            "last_modified": info.last_modified,
            "attempts": info.attempts,
        },
    }


def _copy_source(
    source: str, archive_path: Path, slug: str, max_bytes: int
) -> tuple[str, dict[str, Any]]:
    """Copy a local ZIP (a path or a ``file://`` URL); return its name and provenance."""
    if source.lower().startswith("file://"):
        local = Path(urllib.request.url2pathname(urllib.parse.urlsplit(source).path))
    else:
        local = Path(source).expanduser()
    local = local.resolve()
    copy_local(local, archive_path, max_bytes)
    return local.name, {
        "source": str(local),
        "source_kind": "file",
        "source_url": release_page(slug),
    }


def _write_source_json(
    staged: Path,
    slug: str,
    provenance: dict[str, Any],
    archive_name: str,
    archive_path: Path,
    files: dict[str, dict[str, Any]],
    skipped: list[str],
) -> None:
    """Write ``SOURCE.json`` into the staged release."""
    source_json = {
        "sinstats_version": __version__,
        "release": slug,
        "release_label": catalogue.release_label(slug),
        "release_page": release_page(slug),
        "period": release_period(slug).id,
        **provenance,
        "retrieved_utc": _utc_now(),
        "archive": {
            "name": archive_name,
            "bytes": archive_path.stat().st_size,
            "sha256": sha256_file(archive_path),
        },
        "files": files,
        "skipped": skipped,
        "note": "Official files as published; read-only. Re-fetch with 'sinstats fetch'.",
    }
    (staged / SOURCE_FILE).write_text(
        json.dumps(source_json, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def _result(
    slug: str,
    final: Path,
    provenance: dict[str, Any],
    files: dict[str, dict[str, Any]],
    replaced: bool,
    skipped: list[str],
) -> FetchResult:
    """Summarise an installed release."""
    data_files = [rel for rel, rec in files.items() if rec["kind"] == "data"]
    ordered = sorted(
        {rec["first_period"] for rec in files.values() if rec["kind"] == "data"}
        | {rec["last_period"] for rec in files.values() if rec["kind"] == "data"},
        key=lambda p: parse_period(p).midpoint,
    )
    return FetchResult(
        release=slug,
        path=final,
        source=str(provenance["source"]),
        data_files=data_files,
        rows=sum(int(files[f]["rows"]) for f in data_files),
        periods=ordered,
        replaced=replaced,
        skipped=skipped,
    )


def fetch(
    release: str,
    source: PathLike | None = None,
    *,
    data_dir: DataDir = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: ArchiveLimits | None = None,
    allow_insecure_localhost: bool = False,
    progress: bool | None = None,
    report: Callable[[str], None] | None = None,
) -> FetchResult:
    """Fetch a release, validate it and install it into ``<data>/raw/<release>/``.

    Parameters
    ----------
    release : str
        Release slug: ``2026``, ``2025``, ``2024``, ``2022-23``, ``2021-22``, ``2020-21`` or
        ``2020-21-part-1-apr-to-sep`` (see :data:`~sinstats.data.releases.KNOWN_RELEASES`).
    source : str or path-like, optional
        An ``https://`` URL or a local ZIP file. Default: the release's "Download all data" URL
        (:func:`~sinstats.data.releases.release_url`).
    data_dir : path-like, optional
        The data folder to install into, which must exist (default ``$SINSTATS_DATA_DIR`` or the
        project's ``data/``).
    timeout, retries, backoff, max_bytes, allow_insecure_localhost, progress
        See :class:`~sinstats.data.releases.DownloadOptions` (``max_bytes`` also caps a local
        ZIP).
    report : callable, optional
        Receives one line per retry of the download.
    limits : ArchiveLimits, optional
        Archive caps.

    Returns
    -------
    FetchResult

    Raises
    ------
    FetchError
        If the source is refused or the download fails (see
        :func:`~sinstats.data.releases.download`).
    ArchiveError
        If the archive is unsafe or corrupt, or holds no data for the release.
    DataError
        If a data file fails validation.
    ParameterError
        If an argument is out of range.

    OutputError
        If the data folder cannot be written (read-only, no permission, full disk).

    Notes
    -----
    On any failure ``data/raw/`` is left exactly as it was: work happens in a temporary folder
    ``data/raw/.fetch-*`` that is always removed, and a previous copy of the release is replaced
    only after the new one has been fully validated. A fetch killed outright leaves what the next
    fetch (or load) repairs: see the module's notes.
    """
    slug = catalogue.check_release(release)
    options = DownloadOptions(
        timeout, retries, backoff, max_bytes, allow_insecure_localhost, progress
    ).check()
    base = paths.data_dir(data_dir)
    if not base.is_dir():
        raise FetchError(f"data folder {base} does not exist; pass --data-dir")
    source_text = catalogue.release_url(slug) if source is None else os.fspath(source).strip()
    raw = paths.raw_dir(base)
    created_raw = not raw.exists()
    try:
        raw.mkdir(exist_ok=True)
        for note in repair_interrupted_fetches(base):
            if report is not None:
                report(note)
        with install_lock(raw) as held:
            if not held:
                raise FetchError(
                    f"another 'sinstats fetch' is installing into {raw}; let it finish and run "
                    "this one again"
                )
            work = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=raw))
            claim = claim_work_folder(work)
    except OSError as err:
        if err.errno in EXPECTED_OS_ERRORS:
            raise OutputError.from_os_error(err, f"fetching release {slug}", raw) from None
        raise
    try:
        archive_path = work / "archive.zip"
        if is_url(source_text) and not source_text.lower().startswith("file://"):
            info = download(
                source_text, archive_path, options, report=report, desc=f"release {slug}"
            )
            name, provenance = _url_provenance(source_text, info, slug)
        else:
            name, provenance = _copy_source(source_text, archive_path, slug, max_bytes)
        staged = work / "release"
        extracted, skipped = extract_archive(archive_path, staged, limits, label=name)
        if not extracted:
            raise ArchiveError(f"{name} holds no file sinstats keeps ({', '.join(skipped)})")
        files = validate_release(staged, slug, archive=name)
        _write_source_json(staged, slug, provenance, name, archive_path, files, skipped)
        try:
            with install_lock(raw) as held:
                if not held:
                    raise FetchError(
                        f"another 'sinstats fetch' held {raw} for too long; nothing was changed"
                    )
                replaced = _install(staged, raw / slug)
        except OSError as err:
            raise FetchError(
                f"could not move release {slug} into {raw / slug} ({err}); any previous copy was "
                "kept"
            ) from None
    except OSError as err:
        if err.errno in EXPECTED_OS_ERRORS:
            raise OutputError.from_os_error(err, f"fetching release {slug}", work) from None
        raise
    finally:
        claim.close()
        shutil.rmtree(work, ignore_errors=True)
        if created_raw and raw.is_dir() and not any(raw.iterdir()):
            with contextlib.suppress(OSError):
                raw.rmdir()
    return _result(slug, raw / slug, provenance, files, replaced, skipped)
