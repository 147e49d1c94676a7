"""``sinstats fetch``: bring an official EES release into ``data/raw/<release>/``, safely.

A release of "Serious incident notifications" on explore-education-statistics (EES) offers a
"Download all data (ZIP)" link. The EES front end builds it as::

    https://content.explore-education-statistics.service.gov.uk/api/releases/{release_id}/files?fromPage=ReleaseDownloads

where ``release_id`` is the content-API id of the release version (:data:`RELEASE_URL_TEMPLATE`).
The ids of releases 2025 and 2026 are known (:data:`KNOWN_RELEASES`); for the others, and whenever
the pattern changes, pass the link from the release page with ``--source URL`` or a ZIP saved by
hand with ``--source FILE.zip``. **This URL pattern could not be checked against the live service
from the machine this was written on (no network)**: it comes from the EES front-end source code.

What happens, in order (nothing downloaded is ever executed):

1. the ZIP is streamed with :mod:`urllib` into a temporary folder inside ``data/raw/``, with a
   progress bar, a timeout, retries with exponential back-off for transient failures (connection
   errors, time-outs, HTTP 408/429/5xx) and a size cap (also checked against ``Content-Length``).
   Only ``https://`` is allowed; ``http://`` only for ``127.0.0.1``/``localhost`` when the caller
   passes ``allow_insecure_localhost=True`` or sets ``SINSTATS_ALLOW_HTTP_LOCALHOST=1`` (the tests'
   local server). Redirects are checked by the same rule. An HTML page or any content type other
   than a ZIP or ``application/octet-stream`` is refused;
2. the archive is checked before anything is written: no absolute paths, no ``..``, no links or
   other special files, no encrypted entries, no duplicate names, at most
   :attr:`ArchiveLimits.max_entries` entries, each entry and the total below an uncompressed-size
   cap and a compression-ratio cap (zip bombs); a truncated or corrupt archive (bad CRC) fails;
3. entries are extracted (only known document types; others are skipped and listed) and every
   data CSV (``data/*.csv`` or top-level ``*.csv``) is validated with
   :func:`sinstats.data.official.read_ees_file`; at least one must be a serious incident
   notifications file and the latest period in the release must be the period the release slug
   names;
4. ``SOURCE.json`` is written (source, retrieval time in UTC, SHA-256 and size of the archive and
   of every file, sinstats version) and the folder is moved into ``data/raw/<release>/``. An
   existing copy is renamed aside first and deleted only once the new one is in place; on any
   failure it is restored. A failed fetch leaves ``data/raw/`` exactly as it was.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import json
import lzma
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, Final

from tqdm import tqdm

from sinstats import __version__, paths
from sinstats.data import official
from sinstats.data.provenance import sha256_file
from sinstats.errors import ArchiveError, DataError, FetchError, ParameterError
from sinstats.periods import Period, parse_period

RELEASE_URL_TEMPLATE: Final = (
    "https://content.explore-education-statistics.service.gov.uk/api/releases/{release_id}/files"
    "?fromPage=ReleaseDownloads"
)
"""The "Download all data (ZIP)" link of an EES release version (from the EES front end)."""


@dataclass(frozen=True)
class KnownRelease:
    """A release of "Serious incident notifications" known to sinstats.

    Parameters
    ----------
    slug : str
        The release slug (``2026``); also the folder under ``data/raw/``.
    label : str
        The release title on EES.
    release_id : str or None
        The content-API release (version) id, when known.
    """

    slug: str
    label: str
    release_id: str | None = None

    @property
    def page(self) -> str:
        """The release page on EES (holds the "Download all data (ZIP)" link)."""
        return f"{official.PUBLICATION_URL}/{self.slug}"

    @property
    def url(self) -> str | None:
        """The download-all ZIP URL, when the release id is known."""
        return RELEASE_URL_TEMPLATE.format(release_id=self.release_id) if self.release_id else None


KNOWN_RELEASES: Final[dict[str, KnownRelease]] = {
    r.slug: r
    for r in (
        KnownRelease("2020-21-part-1-apr-to-sep", "Part 1 (April to September) 2020-21"),
        KnownRelease("2020-21", "Financial year 2020-21"),
        KnownRelease("2021-22", "Financial year 2021-22"),
        KnownRelease("2022-23", "Financial year 2022-23"),
        KnownRelease("2024", "Reporting year 2024"),
        KnownRelease("2025", "Reporting year 2025", "a1cb5e60-b70f-488a-29ae-08dd78f4be84"),
        KnownRelease("2026", "Reporting year 2026", "dcae45e2-138e-4cbf-3e31-08de9f91561e"),
    )
}
"""Releases seen on EES, oldest first, with content-API ids where they were found."""

DEFAULT_TIMEOUT: Final = 60.0
DEFAULT_RETRIES: Final = 3
DEFAULT_BACKOFF: Final = 1.0
DEFAULT_MAX_BYTES: Final = 100 * 1024 * 1024
"""Download cap: a whole SIN release is well under 5 MB."""

ENV_ALLOW_HTTP_LOCALHOST: Final = "SINSTATS_ALLOW_HTTP_LOCALHOST"

ZIP_CONTENT_TYPES: Final = frozenset(
    {
        "application/zip",
        "application/x-zip",
        "application/x-zip-compressed",
        "application/zip-compressed",
        "application/octet-stream",
        "binary/octet-stream",
        "application/force-download",
        "application/download",
    }
)
"""Content types accepted for the ZIP (EES serves ``application/zip``; CDNs sometimes generic)."""

KEPT_SUFFIXES: Final = frozenset(
    {".csv", ".txt", ".md", ".pdf", ".xlsx", ".xls", ".ods", ".odt", ".docx", ".json"}
)
"""Document types extracted from an archive; any other entry is skipped and listed."""

DATA_FOLDERS: Final = ("data", "data-guidance", "supporting-files")
_CHUNK = 64 * 1024
_COMPRESSIONS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class _Transient(Exception):
    """A failure worth retrying (connection, time-out, HTTP 408/429/5xx, short read)."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps applied to an archive before and while it is extracted.

    Parameters
    ----------
    max_entries : int
        Most entries (files and folders) allowed.
    max_entry_bytes : int
        Largest uncompressed size of one entry.
    max_total_bytes : int
        Largest uncompressed size of all entries together.
    max_ratio : float
        Largest compression ratio (uncompressed / compressed) of an entry larger than
        ``ratio_floor_bytes``; real CSVs compress 5-20 times, zip bombs thousands of times.
    ratio_floor_bytes : int
        Entries at most this large are not ratio-checked (tiny files compress oddly).
    """

    max_entries: int = 1000
    max_entry_bytes: int = 200 * 1024 * 1024
    max_total_bytes: int = 500 * 1024 * 1024
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class DownloadInfo:
    """What :func:`download` fetched."""

    url: str
    final_url: str
    content_type: str
    bytes: int
    sha256: str
    attempts: int
    etag: str = ""
    last_modified: str = ""
    filename: str = ""


@dataclass
class FetchResult:
    """What :func:`fetch` installed."""

    release: str
    path: Path
    source: str
    data_files: list[str]
    rows: int
    periods: list[str]
    replaced: bool
    skipped: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# URLs and sources
# --------------------------------------------------------------------------------------------


def check_release(slug: str) -> str:
    """Return ``slug`` if it is a release slug, else raise :class:`ParameterError`."""
    slug = str(slug).strip()
    official.release_period(slug)
    return slug


def release_url(slug: str) -> str:
    """Return the default download URL of a release.

    Raises
    ------
    FetchError
        If the release's content-API id is not known; the message says how to fetch it anyway.
    """
    slug = check_release(slug)
    known = KNOWN_RELEASES.get(slug)
    if known is not None and known.url:
        return known.url
    page = known.page if known else f"{official.PUBLICATION_URL}/{slug}"
    have = ", ".join(s for s, r in KNOWN_RELEASES.items() if r.url)
    raise FetchError(
        f"the download URL of release {slug} is not known (release ids are known for {have}); "
        f"open {page}, copy the 'Download all data (ZIP)' link and run "
        f"'sinstats fetch --release {slug} --source URL', or save the ZIP and pass "
        "'--source FILE.zip'"
    )


def _insecure_localhost_allowed(explicit: bool) -> bool:
    return explicit or os.environ.get(ENV_ALLOW_HTTP_LOCALHOST, "") == "1"


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, allow_insecure_localhost: bool = False) -> str:
    """Return ``url`` if fetching it is allowed, else raise :class:`FetchError`.

    Only ``https://`` URLs are fetched. ``http://`` is allowed only for a loopback host
    (``127.0.0.1``, ``localhost``) and only when ``allow_insecure_localhost`` is true or the
    environment variable ``SINSTATS_ALLOW_HTTP_LOCALHOST`` is ``1``.
    """
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme == "https" and host:
        return url
    if scheme == "http" and host:
        if not _is_loopback(host):
            raise FetchError(
                f"refusing {url}: only https:// URLs are fetched (plain http:// can be altered in "
                "transit); use the https:// address or download the ZIP and pass --source FILE.zip"
            )
        if not _insecure_localhost_allowed(allow_insecure_localhost):
            raise FetchError(
                f"refusing {url}: plain http:// is allowed only for a local test server and only "
                f"when {ENV_ALLOW_HTTP_LOCALHOST}=1 is set"
            )
        return url
    raise FetchError(
        f"refusing {url!r}: not an https:// URL; --source takes an https:// URL or a local ZIP file"
    )


def _is_url(source: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", source))


# --------------------------------------------------------------------------------------------
# Download
# --------------------------------------------------------------------------------------------


class _CheckedRedirect(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL :func:`check_url` allows (no https -> http downgrade)."""

    def __init__(self, allow_insecure_localhost: bool) -> None:
        self.allow = allow_insecure_localhost

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        check_url(newurl, allow_insecure_localhost=self.allow)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(url: str, allow_insecure_localhost: bool) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_CheckedRedirect(allow_insecure_localhost)]
    if _is_loopback(urllib.parse.urlsplit(url).hostname or ""):
        handlers.append(urllib.request.ProxyHandler({}))  # a proxy cannot reach our loopback
    return urllib.request.build_opener(*handlers)


def _safe_name(name: str) -> str:
    """Reduce a Content-Disposition file name to a harmless label."""
    base = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[^A-Za-z0-9._\-]+", "_", base).strip("._")[:120]


def _content_type_problem(content_type: str, url: str) -> str | None:
    main = content_type.split(";")[0].strip().lower()
    if not main or main in ZIP_CONTENT_TYPES:
        return None
    if main in ("text/html", "application/xhtml+xml"):
        return (
            f"{url} sent an HTML page (Content-Type {main}), not a ZIP: the link may be wrong, "
            "the release may have moved, or the service is showing an error page"
        )
    return f"{url} sent Content-Type {main!r}, not a ZIP (expected application/zip)"


def _first_bytes_problem(head: bytes, url: str) -> str | None:
    text = head.lstrip()[:256].lower()
    if text.startswith(b"<") or b"<html" in text or b"<!doctype" in text:
        return (
            f"{url} sent an HTML page instead of a ZIP (an error or sign-in page served with "
            "status 200?); check the link on the release page"
        )
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return f"{url} did not send a ZIP archive (it starts with {head[:8]!r})"
    return None


def _download_once(
    url: str,
    dest: Path,
    *,
    timeout: float,
    max_bytes: int,
    allow_insecure_localhost: bool,
    progress: bool | None,
    desc: str,
) -> DownloadInfo:
    request = urllib.request.Request(
        url,
        headers={"User-Agent": f"sinstats/{__version__} (reproducible analysis; sinstats fetch)"},
    )
    opener = _opener(url, allow_insecure_localhost)
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        err.close()
        reason = f"HTTP {err.code} {err.reason} from {url}"
        if err.code in (408, 425, 429) or err.code >= 500:
            raise _Transient(reason) from None
        raise FetchError(
            f"{reason}; check the release slug and the link on the release page"
        ) from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, FetchError):  # pragma: no cover - raised inside a handler
            raise err.reason from None
        raise _Transient(f"cannot reach {url}: {err.reason}") from None
    except (TimeoutError, ConnectionError, http.client.HTTPException) as err:
        raise _Transient(f"cannot reach {url}: {err!r}") from None
    with response:
        final_url = response.geturl()
        headers = response.headers
        content_type = headers.get("Content-Type", "") or ""
        problem = _content_type_problem(content_type, url)
        if problem:
            raise FetchError(problem)
        length_text = headers.get("Content-Length")
        length = int(length_text) if length_text and length_text.isdigit() else None
        if length is not None and length > max_bytes:
            raise FetchError(
                f"{url} announces {length:,} bytes, more than the {max_bytes:,}-byte cap; "
                "raise --max-bytes if this really is the release"
            )
        sha = hashlib.sha256()
        total = 0
        head = b""  # the first bytes, to tell a ZIP from an HTML page
        bar = tqdm(
            total=length,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=desc,
            disable=None if progress is None else not progress,
            file=sys.stderr,
            leave=False,
        )
        try:
            with dest.open("wb") as out:
                while True:
                    try:
                        chunk = response.read(_CHUNK)
                    except (TimeoutError, ConnectionError) as err:
                        raise _Transient(f"download from {url} interrupted: {err!r}") from None
                    except http.client.IncompleteRead:
                        raise _Transient(f"download from {url} was cut short") from None
                    if not chunk:
                        break
                    if len(head) < 8:
                        head += chunk[:512]
                        problem = _first_bytes_problem(head, url) if len(head) >= 8 else None
                        if problem:
                            raise FetchError(problem)
                    total += len(chunk)
                    if total > max_bytes:
                        raise FetchError(
                            f"download from {url} passed the {max_bytes:,}-byte cap; stopped. "
                            "Raise --max-bytes if this really is the release"
                        )
                    sha.update(chunk)
                    out.write(chunk)
                    bar.update(len(chunk))
        finally:
            bar.close()
        if total == 0:
            raise FetchError(f"{url} sent an empty response, not a ZIP")
        problem = _first_bytes_problem(head, url) if len(head) < 8 else None
        if problem:
            raise FetchError(problem)
        if length is not None and total != length:
            raise _Transient(f"download from {url} was cut short ({total:,} of {length:,} bytes)")
        return DownloadInfo(
            url=url,
            final_url=final_url,
            content_type=content_type,
            bytes=total,
            sha256=sha.hexdigest(),
            attempts=1,
            etag=headers.get("ETag", "") or "",
            last_modified=headers.get("Last-Modified", "") or "",
            filename=_safe_name(headers.get_filename() or ""),
        )


def download(
    url: str,
    dest: str | os.PathLike[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    backoff: float = DEFAULT_BACKOFF,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allow_insecure_localhost: bool = False,
    progress: bool | None = None,
    report: Callable[[str], None] | None = None,
    desc: str = "download",
) -> DownloadInfo:
    """Stream ``url`` into ``dest``, with retries, a size cap and content checks.

    Parameters
    ----------
    url : str
        An ``https://`` URL (see :func:`check_url` for the loopback exception).
    dest : path-like
        File to write (overwritten).
    timeout : float
        Seconds to wait for the connection and for each read.
    retries : int
        Further attempts after a transient failure (connection error, time-out, HTTP
        408/425/429/5xx, short read). Other HTTP errors (404) fail at once.
    backoff : float
        Seconds before the first retry; doubled before each further one.
    max_bytes : int
        Refuse a response announcing more, and stop a download passing this size.
    allow_insecure_localhost : bool
        Allow ``http://`` to a loopback host (tests); also ``SINSTATS_ALLOW_HTTP_LOCALHOST=1``.
    progress : bool or None
        Show a progress bar on stderr (None: only when stderr is a terminal).
    report : callable, optional
        Receives one line per retry.
    desc : str
        Label of the progress bar.

    Returns
    -------
    DownloadInfo

    Raises
    ------
    FetchError
        If the URL is refused, the server answers with an error, an HTML page or a non-ZIP
        content type, the size cap is passed, or every attempt failed.
    """
    check_url(url, allow_insecure_localhost=allow_insecure_localhost)
    allow = _insecure_localhost_allowed(allow_insecure_localhost)
    path = Path(dest)
    last = ""
    for attempt in range(retries + 1):
        try:
            info = _download_once(
                url,
                path,
                timeout=timeout,
                max_bytes=max_bytes,
                allow_insecure_localhost=allow,
                progress=progress,
                desc=desc,
            )
        except _Transient as err:
            last = str(err)
            if attempt < retries:
                wait = backoff * (2**attempt)
                if report is not None:
                    report(f"{last}; retrying in {wait:g} s ({attempt + 1} of {retries})")
                time.sleep(wait)
            continue
        return replace(info, attempts=attempt + 1)
    path.unlink(missing_ok=True)
    raise FetchError(
        f"gave up after {retries + 1} attempt(s): {last}. Try again later, raise --retries or "
        "--timeout, or download the ZIP another way and pass --source FILE.zip"
    )


def _copy_local(source: Path, dest: Path, max_bytes: int) -> int:
    if not source.is_file():
        what = "a folder" if source.is_dir() else "not found"
        raise FetchError(
            f"--source {source}: {what}; pass an https:// URL or the path of a release ZIP"
        )
    size = source.stat().st_size
    if size > max_bytes:
        raise FetchError(
            f"{source} is {size:,} bytes, more than the {max_bytes:,}-byte cap (--max-bytes)"
        )
    with source.open("rb") as fh:
        head = fh.read(8)
    problem = _first_bytes_problem(head, str(source)) if head else f"{source} is empty, not a ZIP"
    if problem:
        raise FetchError(problem)
    shutil.copyfile(source, dest)
    return size


# --------------------------------------------------------------------------------------------
# Archive safety
# --------------------------------------------------------------------------------------------


def _entry_path(info: zipfile.ZipInfo, archive: str) -> PurePosixPath:
    """Return the safe relative path of an entry, or raise :class:`ArchiveError`."""
    name = info.filename
    if not name or "\x00" in name or any(ord(ch) < 32 for ch in name):
        raise ArchiveError(f"{archive}: entry {name!r} has an empty or control-character name")
    if "\\" in name:
        raise ArchiveError(f"{archive}: entry {name!r} uses backslashes; refusing the archive")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ArchiveError(
            f"{archive}: entry {name!r} has an absolute path; refusing the archive (it could "
            "write outside the release folder)"
        )
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(
            f"{archive}: entry {name!r} contains '..'; refusing the archive (it could write "
            "outside the release folder: 'zip slip')"
        )
    if not parts:
        raise ArchiveError(f"{archive}: entry {name!r} has no file name")
    return PurePosixPath(*parts)


def check_archive(
    zip_path: str | os.PathLike[str], limits: ArchiveLimits | None = None, *, label: str = ""
) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Check an archive's directory before anything is extracted.

    Parameters
    ----------
    zip_path : path-like
        The ZIP file.
    limits : ArchiveLimits, optional
        Caps (default :class:`ArchiveLimits`).
    label : str
        Name of the archive in messages.

    Returns
    -------
    list of (ZipInfo, PurePosixPath)
        Every entry with its safe relative path (a single wrapping folder removed).

    Raises
    ------
    ArchiveError
        For a truncated or corrupt archive, an absolute path, a ``..`` entry, a link or other
        special file, an encrypted entry, a duplicate name, too many entries, an entry or total
        beyond the size cap, or a compression ratio beyond the cap.
    """
    limits = limits or ArchiveLimits()
    archive = label or Path(zip_path).name
    try:
        with zipfile.ZipFile(zip_path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as err:
        raise ArchiveError(
            f"{archive} is not a readable ZIP archive ({err}); the download may be truncated or "
            "corrupt: fetch it again"
        ) from None
    if not infos:
        raise ArchiveError(f"{archive} is an empty ZIP archive: no release files in it")
    if len(infos) > limits.max_entries:
        raise ArchiveError(
            f"{archive} has {len(infos):,} entries, more than the {limits.max_entries:,} allowed; "
            "not a release archive"
        )
    entries: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    total = 0
    for info in infos:
        rel = _entry_path(info, archive)
        mode = (info.external_attr >> 16) & 0xFFFF
        kind = stat.S_IFMT(mode)
        if kind == stat.S_IFLNK:
            raise ArchiveError(
                f"{archive}: entry {info.filename!r} is a symbolic link; refusing the archive "
                "(links can point outside the release folder)"
            )
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveError(
                f"{archive}: entry {info.filename!r} is a special file (mode {oct(mode)}); "
                "only plain files and folders are allowed"
            )
        if info.compress_type not in _COMPRESSIONS:
            raise ArchiveError(
                f"{archive}: entry {info.filename!r} uses compression method "
                f"{info.compress_type}, which sinstats does not read (the archive may be damaged)"
            )
        if info.flag_bits & 0x1:
            raise ArchiveError(
                f"{archive}: entry {info.filename!r} is encrypted; EES archives are not"
            )
        if info.file_size > limits.max_entry_bytes:
            raise ArchiveError(
                f"{archive}: entry {info.filename!r} unpacks to {info.file_size:,} bytes, more "
                f"than the {limits.max_entry_bytes:,}-byte cap per file (zip bomb?)"
            )
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            raise ArchiveError(
                f"{archive}: entry {info.filename!r} expands {ratio:,.0f} times "
                f"({info.compress_size:,} -> {info.file_size:,} bytes), beyond the "
                f"{limits.max_ratio:g}x cap: a zip bomb, not data"
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveError(
                f"{archive} unpacks to more than {limits.max_total_bytes:,} bytes in all "
                "(zip bomb?)"
            )
        entries.append((info, rel))
    files = [rel for info, rel in entries if not info.is_dir()]
    names = [str(rel).lower() for rel in files]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ArchiveError(f"{archive}: entry {dup!r} appears twice; refusing an ambiguous archive")
    tops = {rel.parts[0] for rel in files}
    if len(tops) == 1 and all(len(rel.parts) > 1 for rel in files):
        top = next(iter(tops))
        if top not in DATA_FOLDERS:  # a ZIP re-made around a folder: drop the wrapper
            entries = [
                (info, PurePosixPath(*rel.parts[1:])) for info, rel in entries if len(rel.parts) > 1
            ]
    return entries


def extract_archive(
    zip_path: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    limits: ArchiveLimits | None = None,
    *,
    label: str = "",
) -> tuple[list[str], list[str]]:
    """Check and extract an archive into ``dest`` (which must not exist).

    Files are written as plain files (mode 0644); nothing is executed. Only entries whose
    suffix is in :data:`KEPT_SUFFIXES` are extracted; ``__MACOSX`` and others are skipped.

    Returns
    -------
    extracted : list of str
        Relative paths written.
    skipped : list of str
        Entries not extracted, with the reason.

    Raises
    ------
    ArchiveError
        See :func:`check_archive`; also for a bad CRC, or an entry larger than it declared.
    """
    limits = limits or ArchiveLimits()
    archive = label or Path(zip_path).name
    entries = check_archive(zip_path, limits, label=archive)
    root = Path(dest)
    root.mkdir(parents=False, exist_ok=False)
    extracted: list[str] = []
    skipped: list[str] = []
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for info, rel in entries:
                if info.is_dir():
                    continue
                if rel.parts[0] == "__MACOSX" or rel.name.startswith("."):
                    skipped.append(f"{rel} (system file)")
                    continue
                if rel.suffix.lower() not in KEPT_SUFFIXES:
                    skipped.append(f"{rel} (file type {rel.suffix or 'none'} not kept)")
                    continue
                target = root.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, target.open("xb") as out:
                    while True:
                        chunk = src.read(_CHUNK)
                        if not chunk:
                            break
                        written += len(chunk)
                        if written > info.file_size or written > limits.max_entry_bytes:
                            raise ArchiveError(
                                f"{archive}: entry {info.filename!r} unpacks to more than it "
                                "declared; refusing the archive"
                            )
                        out.write(chunk)
                os.chmod(target, 0o644)
                extracted.append(rel.as_posix())
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as err:
        raise ArchiveError(
            f"{archive} is corrupt ({err}); fetch it again (the download may be damaged)"
        ) from None
    except OSError as err:
        raise ArchiveError(f"{archive}: cannot extract ({err})") from None
    return extracted, skipped


# --------------------------------------------------------------------------------------------
# Validation, provenance, installation
# --------------------------------------------------------------------------------------------


def _file_kind(rel: str) -> str:
    p = PurePosixPath(rel)
    if p.suffix.lower() == ".csv" and (len(p.parts) == 1 or p.parts[0] == "data"):
        return "meta" if p.name.lower().endswith(".meta.csv") else "data"
    if p.parts[0] == "data-guidance":
        return "guidance"
    return "supporting"


def _check_meta(path: Path, label: str) -> None:
    head = path.read_bytes()[:200].decode("utf-8-sig", errors="replace").lower()
    if not head.startswith("col_name,col_type"):
        raise DataError(
            "a .meta.csv file must start with the EES header 'col_name,col_type,...'",
            path=label,
            line=1,
        )


def validate_release(
    folder: str | os.PathLike[str], release: str, *, archive: str = "archive"
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
            "sha256": hashlib.sha256(raw).hexdigest(),
            "kind": _file_kind(rel),
        }
        label = f"{archive}:{rel}"
        if record["kind"] == "data":
            ef = official.read_ees_file(path, release=release, label=label)
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
    wanted = official.release_period(release)
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


def fetch(
    release: str,
    source: str | os.PathLike[str] | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
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
        ``2020-21-part-1-apr-to-sep`` (see :data:`KNOWN_RELEASES`).
    source : str or path-like, optional
        An ``https://`` URL or a local ZIP file. Default: the release's "Download all data" URL
        (:func:`release_url`).
    data_dir : path-like, optional
        Data folder (default: the project's ``data/``).
    timeout, retries, backoff, max_bytes, allow_insecure_localhost, progress, report
        See :func:`download` (``max_bytes`` also caps a local ZIP).
    limits : ArchiveLimits, optional
        Archive caps.

    Returns
    -------
    FetchResult

    Raises
    ------
    FetchError
        If the source is refused or the download fails (see :func:`download`).
    ArchiveError
        If the archive is unsafe or corrupt, or holds no data for the release.
    DataError
        If a data file fails validation.
    ParameterError
        If an argument is out of range.

    Notes
    -----
    On any failure ``data/raw/`` is left exactly as it was: work happens in a temporary folder
    ``data/raw/.fetch-*`` that is always removed, and a previous copy of the release is replaced
    only after the new one has been fully validated.
    """
    slug = check_release(release)
    if timeout <= 0 or retries < 0 or backoff < 0 or max_bytes <= 0:
        raise ParameterError(
            "--timeout and --max-bytes must be positive and --retries and --backoff not negative"
        )
    base = paths.data_dir(data_dir)
    if not base.is_dir():
        raise FetchError(f"data folder {base} does not exist; pass --data-dir")
    if source is None:
        source_text = release_url(slug)
    else:
        source_text = os.fspath(source).strip()
    raw = paths.raw_dir(base)
    created_raw = not raw.exists()
    raw.mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=raw))
    try:
        archive_path = work / "archive.zip"
        provenance: dict[str, Any]
        if _is_url(source_text) and not source_text.lower().startswith("file://"):
            info = download(
                source_text,
                archive_path,
                timeout=timeout,
                retries=retries,
                backoff=backoff,
                max_bytes=max_bytes,
                allow_insecure_localhost=allow_insecure_localhost,
                progress=progress,
                report=report,
                desc=f"release {slug}",
            )
            name = info.filename or Path(urllib.parse.urlsplit(info.final_url).path).name
            if not name.lower().endswith(".zip"):
                name = f"serious-incident-notifications_{slug}.zip"
            provenance = {
                "source": source_text,
                "source_kind": "url",
                "source_url": source_text,
                "final_url": info.final_url,
                "http": {
                    "content_type": info.content_type,
                    "etag": info.etag,
                    "last_modified": info.last_modified,
                    "attempts": info.attempts,
                },
            }
        else:
            if source_text.lower().startswith("file://"):
                local = Path(urllib.request.url2pathname(urllib.parse.urlsplit(source_text).path))
            else:
                local = Path(source_text).expanduser()
            local = local.resolve()
            _copy_local(local, archive_path, max_bytes)
            name = local.name
            provenance = {
                "source": str(local),
                "source_kind": "file",
                "source_url": f"{official.PUBLICATION_URL}/{slug}",
            }
        staged = work / "release"
        extracted, skipped = extract_archive(archive_path, staged, limits, label=name)
        if not extracted:
            raise ArchiveError(f"{name} holds no file sinstats keeps ({', '.join(skipped)})")
        files = validate_release(staged, slug, archive=name)
        known = KNOWN_RELEASES.get(slug)
        source_json = {
            "sinstats_version": __version__,
            "release": slug,
            "release_label": known.label if known else f"release {slug}",
            "release_page": f"{official.PUBLICATION_URL}/{slug}",
            "period": official.release_period(slug).id,
            **provenance,
            "retrieved_utc": _utc_now(),
            "archive": {
                "name": name,
                "bytes": archive_path.stat().st_size,
                "sha256": sha256_file(archive_path),
            },
            "files": files,
            "skipped": skipped,
            "note": "Official files as published; read-only. Re-fetch with 'sinstats fetch'.",
        }
        (staged / official.SOURCE_FILE).write_text(
            json.dumps(source_json, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        try:
            replaced = _install(staged, raw / slug)
        except OSError as err:
            raise FetchError(
                f"could not move release {slug} into {raw / slug} ({err}); any previous copy was "
                "kept"
            ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if created_raw and raw.is_dir() and not any(raw.iterdir()):
            raw.rmdir()
    data_files = [rel for rel, rec in files.items() if rec["kind"] == "data"]
    ordered = sorted(
        {rec["first_period"] for rec in files.values() if rec["kind"] == "data"}
        | {rec["last_period"] for rec in files.values() if rec["kind"] == "data"},
        key=lambda p: parse_period(p).midpoint,
    )
    return FetchResult(
        release=slug,
        path=raw / slug,
        source=str(provenance["source"]),
        data_files=data_files,
        rows=sum(int(files[f]["rows"]) for f in data_files),
        periods=ordered,
        replaced=replaced,
        skipped=skipped,
    )
