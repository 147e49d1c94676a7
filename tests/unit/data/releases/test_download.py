"""Getting the archive: the URL policy, retries, redirects, hostile servers, local ZIP files.

Served from a local HTTP server (see ``conftest.py``); every refused source must exit 2 with a
clear message and leave data/raw/ unchanged.
"""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sinstats.data import releases
from sinstats.errors import ParameterError

Refused = Callable[..., None]
HTML = b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Sorry</body></html>\n"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://content.explore-education-statistics.service.gov.uk/api/x", True),
        ("http://example.org/release.zip", False),
        ("ftp://example.org/release.zip", False),
        ("file:///etc/passwd", False),
        ("https://", False),
        ("http://127.0.0.1:8000/x.zip", True),
        ("http://localhost/x.zip", True),
        ("http://[::1]/x.zip", True),
        ("http://127.0.0.1.evil.example/x.zip", False),
    ],
)
def test_url_policy(url: str, allowed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(releases.ENV_ALLOW_HTTP_LOCALHOST, raising=False)
    if allowed:
        assert releases.check_url(url, allow_insecure_localhost=True) == url
    else:
        with pytest.raises(releases.FetchError, match="refusing"):
            releases.check_url(url, allow_insecure_localhost=True)


def test_http_localhost_needs_explicit_permission(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(releases.ENV_ALLOW_HTTP_LOCALHOST, raising=False)
    with pytest.raises(releases.FetchError, match=releases.ENV_ALLOW_HTTP_LOCALHOST):
        releases.check_url("http://127.0.0.1:9/x.zip")
    monkeypatch.setenv(releases.ENV_ALLOW_HTTP_LOCALHOST, "1")
    assert releases.check_url("http://127.0.0.1:9/x.zip")


def test_retry_then_success_with_progress_bar(
    server: Any,
    tmp_path: Path,
    release_zip: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = server.serve_file("/flaky.zip", release_zip(tmp_path, "2026"), fail_first=2)
    lines: list[str] = []
    options = releases.DownloadOptions(retries=3, backoff=0, progress=True)
    info = releases.download(url, tmp_path / "x.zip", options, report=lines.append)
    assert info.attempts == 3 and server.hits["/flaky.zip"] == 3
    assert len(lines) == 2 and "HTTP 500" in lines[0] and "retrying" in lines[0]
    assert info.sha256 == hashlib.sha256((tmp_path / "x.zip").read_bytes()).hexdigest()
    assert info.bytes == (tmp_path / "x.zip").stat().st_size
    capsys.readouterr()


def test_redirect_to_local_server_is_followed(
    server: Any, tmp_path: Path, release_zip: Callable[..., Path]
) -> None:
    target = server.serve_file("/real.zip", release_zip(tmp_path, "2026"))
    url = server.serve("/moved", status=302, location=target, content_type=None)
    options = releases.DownloadOptions(backoff=0, progress=False)
    info = releases.download(url, tmp_path / "x.zip", options)
    assert info.final_url == target


# name: (the server's answer: body from the good 2026 ZIP, route options), expected words, extra
# options. The size caps make the two oversize cases trip without large downloads.
HOSTILE_SERVERS: dict[str, tuple[Callable[[bytes], tuple[bytes, dict[str, Any]]], str, tuple]] = {
    "not_a_zip": (
        lambda good: (b"time_period,time_identifier\n2026,Reporting year\n", {}),
        "did not send a ZIP",
        (),
    ),
    "wrong_content_type": (
        lambda good: (good, {"content_type": "text/html; charset=utf-8"}),
        "sent an HTML page (Content-Type text/html)",
        (),
    ),
    "json_content_type": (
        lambda good: (b'{"error": "no"}', {"content_type": "application/json"}),
        "Content-Type 'application/json', not a ZIP",
        (),
    ),
    "html_error_page_200": (
        lambda good: (HTML, {"content_type": "application/octet-stream"}),
        "HTML page instead of a ZIP",
        (),
    ),
    "empty_response": (lambda good: (b"", {}), "empty response", ()),
    "tiny_response": (lambda good: (b"PK", {}), "did not send a ZIP", ()),
    "oversize_announced": (lambda good: (good, {}), "announces", ("--max-bytes", "1000")),
    "oversize_streamed": (
        lambda good: (good, {"send_length": False}),
        "passed the",
        ("--max-bytes", "1000"),
    ),
    "http_404": (
        lambda good: (b"gone", {"status": 404, "content_type": "text/plain"}),
        "HTTP 404",
        (),
    ),
    "http_500_retries_exhausted": (
        lambda good: (b"", {"fail_first": 100}),
        "gave up after 3 attempt(s): HTTP 500",
        ("--retries", "2"),
    ),
    "cut_short": (
        lambda good: (good, {"claimed_length": 10**6}),
        "gave up after 3 attempt(s)",
        ("--retries", "2", "--timeout", "5"),
    ),
    "redirect_to_plain_http": (
        lambda good: (
            b"",
            {"status": 302, "location": "http://example.org/x.zip", "content_type": None},
        ),
        "only https:// URLs are fetched",
        (),
    ),
    "redirect_to_file_url": (
        lambda good: (b"", {"status": 302, "location": "file:///etc/passwd", "content_type": None}),
        "HTTP 302",
        (),
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_SERVERS))
def test_hostile_server_rejected_and_raw_unchanged(
    kind: str,
    server: Any,
    zip_with: Callable[[dict[str, str | bytes | None]], bytes],
    assert_fetch_refused: Refused,
) -> None:
    answer, words, extra = HOSTILE_SERVERS[kind]
    body, options = answer(zip_with({}))
    url = server.serve(f"/{kind}.zip", body, **options)
    assert_fetch_refused(url, words, *extra)


def test_retries_are_counted(
    server: Any,
    work: Path,
    run_fetch: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = server.serve("/down.zip", fail_first=100)
    assert run_fetch(work, "2026", url, "--retries", "3") == 2
    assert server.hits["/down.zip"] == 4
    assert capsys.readouterr().err.count("retrying in 0 s") == 3
    url = server.serve("/missing.zip", status=404, content_type="text/plain")
    assert run_fetch(work, "2026", url, "--retries", "3") == 2
    assert server.hits["/missing.zip"] == 1  # a 404 is not retried


def test_connection_refused_is_retried_then_reported(
    assert_fetch_refused: Refused, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(releases.ENV_ALLOW_HTTP_LOCALHOST, "1")
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x.zip"
    assert_fetch_refused(url, "gave up after 2 attempt(s): cannot reach", "--retries", "1")


def test_slow_server_times_out(server: Any, assert_fetch_refused: Refused) -> None:
    url = server.serve("/slow.zip", b"PK", delay=1.0)
    words = ("gave up after 1 attempt(s)", "timed out")
    assert_fetch_refused(url, words, "--timeout", "0.2", "--retries", "0")


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("http://example.org/release.zip", "only https:// URLs are fetched"),
        ("ftp://example.org/release.zip", "not an https:// URL"),
        ("/nonexistent/release.zip", "not found"),
    ],
)
def test_refused_sources(source: str, words: str, assert_fetch_refused: Refused) -> None:
    assert_fetch_refused(source, words)


def test_download_options_are_checked(tmp_path: Path) -> None:
    assert releases.DownloadOptions().check() == releases.DownloadOptions()
    for bad in ({"timeout": 0}, {"retries": -1}, {"backoff": -1.0}, {"max_bytes": 0}):
        with pytest.raises(ParameterError, match="--timeout and --max-bytes must be positive"):
            releases.download(
                "https://example.org/x.zip", tmp_path / "x.zip", releases.DownloadOptions(**bad)
            )
    assert not (tmp_path / "x.zip").exists()


def test_local_source_checks(
    tmp_path: Path, release_zip: Callable[..., Path], assert_fetch_refused: Refused
) -> None:
    assert_fetch_refused(str(tmp_path), "a folder")
    page = tmp_path / "page.zip"
    page.write_bytes(HTML)
    assert_fetch_refused(str(page), "HTML page")
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    assert_fetch_refused(str(empty), "is empty")
    big = release_zip(tmp_path, "2026")
    assert_fetch_refused(str(big), "more than the 100-byte cap", "--max-bytes", "100")
