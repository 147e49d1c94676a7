"""Getting a release archive: allowed URLs, an HTTPS-only download with retries, a local copy.

The ZIP is streamed with :mod:`urllib`, with a progress bar, a timeout, retries with exponential
back-off for transient failures (connection errors, time-outs, HTTP 408/425/429/5xx, a short
read) and a size cap (also checked against ``Content-Length``). Only ``https://`` is allowed;
``http://`` only for ``127.0.0.1``/``localhost`` when the caller passes
``allow_insecure_localhost=True`` or sets ``SINSTATS_ALLOW_HTTP_LOCALHOST=1`` (the tests' local
server). Redirects are checked by the same rule. An HTML page or any content type other than a
ZIP or ``application/octet-stream`` is refused. Nothing downloaded is ever executed.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.client import HTTPResponse
from pathlib import Path
from typing import IO, Any, Final

from tqdm import tqdm

from sinstats import __version__
from sinstats._typing import PathLike
from sinstats.errors import FetchError, ParameterError

DEFAULT_TIMEOUT: Final = 60.0
"""Seconds to wait for the connection and for each read."""

DEFAULT_RETRIES: Final = 3
"""Further attempts after a transient failure."""

DEFAULT_BACKOFF: Final = 1.0
"""Seconds before the first retry (doubled before each further one)."""

DEFAULT_MAX_BYTES: Final = 100 * 1024 * 1024
"""Download cap: a whole SIN release is well under 5 MB."""

ENV_ALLOW_HTTP_LOCALHOST: Final = "SINSTATS_ALLOW_HTTP_LOCALHOST"
"""Set to ``1`` to allow plain ``http://`` to a loopback host (the tests' local server)."""

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

_CHUNK = 64 * 1024
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class DownloadOptions:
    """How :func:`download` fetches: time-outs, retries, the size cap, what may be shown.

    Parameters
    ----------
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
    """

    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    max_bytes: int = DEFAULT_MAX_BYTES
    allow_insecure_localhost: bool = False
    progress: bool | None = None

    def check(self) -> DownloadOptions:
        """Check that the options are in range.

        Returns
        -------
        DownloadOptions
            The options themselves.

        Raises
        ------
        ParameterError
            If ``timeout`` or ``max_bytes`` is not positive, or ``retries`` or ``backoff`` is
            negative (named as the ``sinstats fetch`` options).
        """
        if self.timeout <= 0 or self.retries < 0 or self.backoff < 0 or self.max_bytes <= 0:
            raise ParameterError(
                "--timeout and --max-bytes must be positive and --retries and --backoff not "
                "negative"
            )
        return self


class _Transient(Exception):
    """A failure worth retrying (connection, time-out, HTTP 408/429/5xx, short read)."""


@dataclass(frozen=True)
class DownloadInfo:
    """What :func:`download` fetched.

    Parameters
    ----------
    url : str
        The URL asked for.
    final_url : str
        The URL answered, after redirects.
    content_type : str
        The response's ``Content-Type``.
    bytes : int
        Size of the body written.
    sha256 : str
        SHA-256 of the body.
    attempts : int
        Attempts it took (1 = no retry).
    etag, last_modified : str
        The response's ``ETag`` and ``Last-Modified`` ("" when absent).
    filename : str
        The ``Content-Disposition`` file name reduced to a harmless label ("" when absent).
    """

    url: str
    final_url: str
    content_type: str
    bytes: int
    sha256: str
    attempts: int
    etag: str = ""
    last_modified: str = ""
    filename: str = ""


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
    """Check that fetching a URL is allowed.

    Only ``https://`` URLs are fetched. ``http://`` is allowed only for a loopback host
    (``127.0.0.1``, ``localhost``) and only when ``allow_insecure_localhost`` is true or the
    environment variable ``SINSTATS_ALLOW_HTTP_LOCALHOST`` is ``1``.

    Parameters
    ----------
    url : str
        The URL.
    allow_insecure_localhost : bool
        Allow ``http://`` to a loopback host.

    Returns
    -------
    str
        ``url`` itself.

    Raises
    ------
    FetchError
        If the URL is refused; the message says why and what to do instead.
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


def is_url(source: str) -> bool:
    """Tell whether a ``--source`` looks like a URL (``scheme://...``) rather than a file.

    Parameters
    ----------
    source : str
        What was passed.

    Returns
    -------
    bool
        True for any ``scheme://`` prefix (``file://`` included).
    """
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", source))


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
        """Return the redirected request after checking its URL.

        Parameters
        ----------
        req, fp, code, msg, headers
            As for :meth:`urllib.request.HTTPRedirectHandler.redirect_request`.
        newurl : str
            Where the server redirects to; refused unless :func:`check_url` allows it.

        Returns
        -------
        urllib.request.Request or None
            The new request.

        Raises
        ------
        FetchError
            If ``newurl`` is not allowed.
        """
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


def _open(url: str, timeout: float, allow_insecure_localhost: bool) -> HTTPResponse:
    """Send the request; sort a failure into transient (retried) or final."""
    request = urllib.request.Request(
        url,
        headers={"User-Agent": f"sinstats/{__version__} (reproducible analysis; sinstats fetch)"},
    )
    opener = _opener(url, allow_insecure_localhost)
    try:
        response: HTTPResponse = opener.open(request, timeout=timeout)
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
    return response


def _stream(
    response: HTTPResponse, dest: Path, url: str, max_bytes: int, bar: Any
) -> tuple[int, str, bytes]:
    """Write the body to ``dest``; return (bytes written, SHA-256, first bytes)."""
    sha = hashlib.sha256()
    total = 0
    head = b""  # the first bytes, to tell a ZIP from an HTML page
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
    return total, sha.hexdigest(), head


def _download_once(url: str, dest: Path, options: DownloadOptions, desc: str) -> DownloadInfo:
    with _open(url, options.timeout, options.allow_insecure_localhost) as response:
        final_url = response.geturl()
        headers = response.headers
        content_type = headers.get("Content-Type", "") or ""
        problem = _content_type_problem(content_type, url)
        if problem:
            raise FetchError(problem)
        length_text = headers.get("Content-Length")
        length = int(length_text) if length_text and length_text.isdigit() else None
        max_bytes = options.max_bytes
        if length is not None and length > max_bytes:
            raise FetchError(
                f"{url} announces {length:,} bytes, more than the {max_bytes:,}-byte cap; "
                "raise --max-bytes if this really is the release"
            )
        bar = tqdm(
            total=length,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=desc,
            disable=None if options.progress is None else not options.progress,
            file=sys.stderr,
            leave=False,
        )
        try:
            total, sha, head = _stream(response, dest, url, max_bytes, bar)
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
            sha256=sha,
            attempts=1,
            etag=headers.get("ETag", "") or "",
            last_modified=headers.get("Last-Modified", "") or "",
            filename=_safe_name(headers.get_filename() or ""),
        )


def download(
    url: str,
    dest: PathLike,
    options: DownloadOptions | None = None,
    *,
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
    options : DownloadOptions, optional
        Time-out, retries, back-off, size cap, loopback permission and progress bar (default
        :class:`DownloadOptions`).
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
    ParameterError
        If an option is out of range (see :meth:`DownloadOptions.check`).
    """
    options = (options or DownloadOptions()).check()
    check_url(url, allow_insecure_localhost=options.allow_insecure_localhost)
    allowed = _insecure_localhost_allowed(options.allow_insecure_localhost)
    options = replace(options, allow_insecure_localhost=allowed)
    path = Path(dest)
    last = ""
    retries = options.retries
    for attempt in range(retries + 1):
        try:
            info = _download_once(url, path, options, desc)
        except _Transient as err:
            last = str(err)
            if attempt < retries:
                wait = options.backoff * (2**attempt)
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


def copy_local(source: Path, dest: Path, max_bytes: int) -> int:
    """Copy a ZIP saved by hand, with the checks a download gets.

    Parameters
    ----------
    source : Path
        The local file.
    dest : Path
        Where to copy it.
    max_bytes : int
        Largest size accepted.

    Returns
    -------
    int
        Bytes copied.

    Raises
    ------
    FetchError
        If ``source`` is missing or a folder, larger than the cap, empty, an HTML page or not a
        ZIP archive.
    """
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
