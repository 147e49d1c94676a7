"""`sinstats fetch`: download from a local server, archive safety, validation, atomic install.

No network: fixture ZIPs (FORMAT FIXTURES, NOT REAL DATA, built by _ees_fixtures.py in the layout
of each EES format era) are served from an HTTP server on 127.0.0.1 in a thread, on an ephemeral
port. Plain http:// to that server is allowed only because the tests set
SINSTATS_ALLOW_HTTP_LOCALHOST=1. Every hostile case must exit 2 with a clear message and leave
data/raw/ byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import _ees_fixtures as fx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats import cli, data, paths
from sinstats.data import official, releases
from sinstats.errors import DataError, ParameterError

# ---------------------------------------------------------------------------------------------
# A local HTTP server
# ---------------------------------------------------------------------------------------------


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/zip"
    send_length: bool = True
    claimed_length: int | None = None  # a Content-Length that differs from the body
    delay: float = 0.0
    location: str | None = None
    fail_first: int = 0  # answer 500 to the first N requests
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Server:
    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)

    def serve(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.base + path

    def serve_file(self, path: str, zip_path: Path, **kwargs: object) -> str:
        return self.serve(path, Route(body=zip_path.read_bytes(), **kwargs))  # type: ignore[arg-type]


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv(releases.ENV_ALLOW_HTTP_LOCALHOST, "1")
    state = Server(base="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            state.hits[path] += 1
            route = state.routes.get(path)
            if route is None:
                self.send_error(404, "Not Found")
                return
            if route.delay:
                time.sleep(route.delay)
            if route.fail_first and state.hits[path] <= route.fail_first:
                self.send_error(500, "Internal Server Error")
                return
            self.send_response(route.status)
            if route.location:
                self.send_header("Location", route.location)
            if route.content_type:
                self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if route.send_length:
                length = route.claimed_length or len(route.body)
                self.send_header("Content-Length", str(length))
            self.end_headers()
            try:
                self.wfile.write(route.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---------------------------------------------------------------------------------------------
# Data folders
# ---------------------------------------------------------------------------------------------


def tree_state(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` with the SHA-256 of each file."""
    state: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        state[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<dir>"
    return state


@pytest.fixture(scope="module")
def installed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder copy with fixture release 2026 installed (built once per module)."""
    root = tmp_path_factory.mktemp("template")
    work = root / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    (work / "raw").mkdir()
    shutil.copy(paths.raw_dir() / "README.md", work / "raw" / "README.md")
    releases.fetch("2026", fx.release_zip(root, "2026"), data_dir=work, progress=False)
    return work


@pytest.fixture()
def work(tmp_path: Path, installed_template: Path) -> Path:
    """A fresh copy of the data folder holding a good release 2026."""
    target = tmp_path / "data"
    shutil.copytree(installed_template, target)
    return target


def run_fetch(work: Path, release: str, source: str, *extra: str) -> int:
    args = ["fetch", "--release", release, "--source", source, "--data-dir", str(work)]
    return cli.main([*args, "--no-progress", "--backoff", "0", *extra])


# ---------------------------------------------------------------------------------------------
# Known releases and URLs
# ---------------------------------------------------------------------------------------------


def test_known_releases_and_url_template() -> None:
    assert list(releases.KNOWN_RELEASES) == list(fx.FIXTURE_SLUGS)
    url = releases.release_url("2026")
    assert url == (
        "https://content.explore-education-statistics.service.gov.uk/api/releases/"
        "dcae45e2-138e-4cbf-3e31-08de9f91561e/files?fromPage=ReleaseDownloads"
    )
    assert releases.KNOWN_RELEASES["2025"].url and "a1cb5e60" in releases.KNOWN_RELEASES["2025"].url
    with pytest.raises(releases.FetchError, match=r"--source URL.*--source FILE.zip"):
        releases.release_url("2024")
    with pytest.raises(releases.FetchError, match="not known"):
        releases.release_url("2027")
    with pytest.raises(ParameterError):
        releases.release_url("../../etc")


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


# ---------------------------------------------------------------------------------------------
# End to end: fetch -> validation -> install -> load_ees -> overlay, for every era
# ---------------------------------------------------------------------------------------------

ERAS_BY_RELEASE = {
    "2020-21-part-1-apr-to-sep": {"transparency"},
    "2020-21": {"fy_category", "subnational"},
    "2021-22": {"fy_category", "totals", "cross_characteristics"},
    "2022-23": {"fy_characteristic", "subnational"},
    "2024": {"ry_breakdown", "subnational"},
    "2025": {"ry_breakdown", "subnational", "care_leaver"},
    "2026": {"ry_breakdown", "subnational", "care_leaver", "totals"},
}


@pytest.mark.parametrize("slug", fx.FIXTURE_SLUGS)
def test_fetch_every_era_from_local_server(
    slug: str, server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    zip_path = fx.release_zip(tmp_path, slug)
    url = server.serve_file(f"/releases/{slug}/files", zip_path)
    assert run_fetch(work, slug, url) == 0
    out = capsys.readouterr().out
    assert f"fetched release {slug} from {url}" in out
    folder = work / "raw" / slug
    source = json.loads((folder / "SOURCE.json").read_text())
    assert source["release"] == slug and source["source"] == url
    assert source["source_kind"] == "url" and source["source_url"] == url
    assert source["retrieved_utc"].endswith("Z") and source["sinstats_version"]
    assert source["archive"]["sha256"] == hashlib.sha256(zip_path.read_bytes()).hexdigest()
    assert source["http"]["content_type"] == "application/zip"
    for rel, record in source["files"].items():
        content = (folder / rel).read_bytes()
        assert record["sha256"] == hashlib.sha256(content).hexdigest()
        assert record["bytes"] == len(content)
    eras = {r["era"] for r in source["files"].values() if r["kind"] == "data"}
    assert eras == ERAS_BY_RELEASE[slug]
    assert fx.LABEL in (folder / "README-FORMAT-FIXTURES.txt").read_text()
    frame = official.load_ees(folder)
    assert set(frame["source_url"]) == {url}
    assert frame["origin"].str.startswith(f"ees:{slug}/data/fixture_").all()
    assert official.release_period(slug).id in set(frame["period"])
    national = data.load("sin_national", work)
    assert national["origin"].str.startswith(f"ees:{slug}/").any() == (slug != fx.FIXTURE_SLUGS[0])
    assert not list((work / "raw").glob(".*"))  # no temporary folder left behind


def test_fetch_local_zip_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    zip_path = fx.release_zip(tmp_path, "2024")
    assert run_fetch(work, "2024", str(zip_path)) == 0
    source = json.loads((work / "raw" / "2024" / "SOURCE.json").read_text())
    assert source["source_kind"] == "file" and source["source"] == str(zip_path.resolve())
    assert source["source_url"] == f"{official.PUBLICATION_URL}/2024"
    assert "http" not in source
    # file:// URLs are local files too.
    assert run_fetch(work, "2024", zip_path.resolve().as_uri()) == 0
    assert "replaced the previous copy of release 2024" in capsys.readouterr().out


def test_fetch_default_url_is_used(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    url = server.serve_file("/api/releases/id/files", fx.release_zip(tmp_path, "2026"))
    asked: list[str] = []

    def fake_release_url(slug: str) -> str:
        asked.append(slug)
        return url

    monkeypatch.setattr(releases, "release_url", fake_release_url)
    args = ["fetch", "--release", "2026", "--data-dir", str(work), "--no-progress"]
    assert cli.main(args) == 0
    assert asked == ["2026"] and server.hits["/api/releases/id/files"] == 1


def test_replacing_a_release_keeps_no_backup(server: Server, work: Path, tmp_path: Path) -> None:
    changed = fx.release_zip(
        tmp_path, "2026", changes={"supporting-files/fixture-notes.txt": f"{fx.LABEL}\n"}
    )
    url = server.serve_file("/v2.zip", changed)
    result = releases.fetch("2026", url, data_dir=work, progress=False)
    assert result.replaced
    assert (work / "raw" / "2026" / "supporting-files" / "fixture-notes.txt").is_file()
    assert sorted(p.name for p in (work / "raw").iterdir()) == ["2026", "README.md"]
    assert result.periods[0] == "2014-15" and result.periods[-1] == "2025-26"


def test_retry_then_success_with_progress_bar(
    server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve_file("/flaky.zip", fx.release_zip(tmp_path, "2026"), fail_first=2)
    lines: list[str] = []
    info = releases.download(
        url, tmp_path / "x.zip", retries=3, backoff=0, progress=True, report=lines.append
    )
    assert info.attempts == 3 and server.hits["/flaky.zip"] == 3
    assert len(lines) == 2 and "HTTP 500" in lines[0] and "retrying" in lines[0]
    assert info.sha256 == hashlib.sha256((tmp_path / "x.zip").read_bytes()).hexdigest()
    capsys.readouterr()


def test_archive_named_from_content_disposition(server: Server, work: Path, tmp_path: Path) -> None:
    disposition = 'attachment; filename="../serious-incident-notifications_2026.zip"'
    url = server.serve_file(
        "/api/releases/x/files",
        fx.release_zip(tmp_path, "2026"),
        headers={"Content-Disposition": disposition},
    )
    releases.fetch("2026", url, data_dir=work, progress=False, allow_insecure_localhost=True)
    source = json.loads((work / "raw" / "2026" / "SOURCE.json").read_text())
    assert source["archive"]["name"] == "serious-incident-notifications_2026.zip"
    plain = server.serve_file("/api/releases/y/files", fx.release_zip(tmp_path, "2026"))
    releases.fetch("2026", plain, data_dir=work, progress=False)
    source = json.loads((work / "raw" / "2026" / "SOURCE.json").read_text())
    assert source["archive"]["name"] == "serious-incident-notifications_2026.zip"


def test_redirect_to_local_server_is_followed(server: Server, tmp_path: Path) -> None:
    target = server.serve_file("/real.zip", fx.release_zip(tmp_path, "2026"))
    url = server.serve("/moved", Route(status=302, location=target, content_type=None))
    info = releases.download(url, tmp_path / "x.zip", backoff=0, progress=False)
    assert info.final_url == target


def test_skipped_entries_and_wrapping_folder(tmp_path: Path, work: Path) -> None:
    files: dict[str, str | bytes] = {
        f"sin-2026/{name}": text for name, text in fx.release_files("2026").items()
    }
    files["sin-2026/tools/run.sh"] = "#!/bin/sh\necho never run\n"
    files["sin-2026/__MACOSX/._x.csv"] = b"\x00\x05"
    path = fx.write_zip(tmp_path / "fixture-wrapped.zip", files)
    result = releases.fetch("2026", path, data_dir=work, progress=False)
    assert "tools/run.sh (file type .sh not kept)" in result.skipped
    assert any(s.startswith("__MACOSX") for s in result.skipped)
    folder = work / "raw" / "2026"
    assert (folder / "data" / "fixture_sin_nature_characteristics.csv").is_file()
    assert not (folder / "tools").exists()
    source = json.loads((folder / "SOURCE.json").read_text())
    assert "tools/run.sh (file type .sh not kept)" in source["skipped"]


def test_fetch_list(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fetch", "--list", "--data-dir", str(work)]) == 0
    out = capsys.readouterr().out
    for slug in fx.FIXTURE_SLUGS:
        assert slug in out
    assert "installed" in out and "URL not known: use --source" in out


# ---------------------------------------------------------------------------------------------
# Hostile archives and servers: exit 2, a clear message, data/raw unchanged
# ---------------------------------------------------------------------------------------------


def _good(tmp_path: Path) -> dict[str, str | bytes]:
    return dict(fx.release_files("2026"))


def _zip_bytes(files: dict[str, str | bytes], tmp_path: Path, name: str = "hostile.zip") -> bytes:
    return fx.write_zip(tmp_path / name, files).read_bytes()


def _symlink_zip(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in _good(tmp_path).items():
            zf.writestr(name, text)
        link = zipfile.ZipInfo("data/link.csv")
        link.external_attr = 0o120777 << 16  # a symbolic link to /etc/passwd
        zf.writestr(link, "/etc/passwd")
    return buf.getvalue()


def _fifo_zip(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in _good(tmp_path).items():
            zf.writestr(name, text)
        fifo = zipfile.ZipInfo("data/pipe.csv")
        fifo.external_attr = 0o010644 << 16  # a named pipe
        zf.writestr(fifo, "")
    return buf.getvalue()


def _bomb_zip(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in _good(tmp_path).items():
            zf.writestr(name, text)
        zf.writestr("data/zeros.csv", b"0" * (8 * 1024 * 1024))  # 8 MiB of zeros: ~1000x
    return buf.getvalue()


def _corrupt_zip(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, text in _good(tmp_path).items():
            zf.writestr(name, text)
    raw = bytearray(buf.getvalue())
    marker = raw.index(b"time_period,time_identifier")
    raw[marker] ^= 0x01  # flip one bit of stored data: the CRC no longer matches
    return bytes(raw)


def _truncated_zip(tmp_path: Path) -> bytes:
    whole = _zip_bytes(_good(tmp_path), tmp_path)
    return whole[: len(whole) // 2]  # the end, with the archive's directory, is missing


def _encrypted_zip(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in _good(tmp_path).items():
            zf.writestr(name, text)
        info = zipfile.ZipInfo("data/secret.csv")
        info.flag_bits |= 0x1
        zf.writestr(info, b"encrypted?")
    return buf.getvalue()


def _many_entries_zip(tmp_path: Path) -> bytes:
    files = _good(tmp_path)
    for i in range(releases.ArchiveLimits().max_entries):
        files[f"supporting-files/n{i}.txt"] = "x"
    return _zip_bytes(files, tmp_path)


def _with(tmp_path: Path, changes: dict[str, str | bytes | None]) -> bytes:
    files = _good(tmp_path)
    for name, value in changes.items():
        if value is None:
            files.pop(name)
        else:
            files[name] = value
    return _zip_bytes(files, tmp_path)


def _duplicate_zip(tmp_path: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in _good(tmp_path).items():
            zf.writestr(name, text)
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("data/fixture_sin_total_notifications.csv", "x")
    return buf.getvalue()


NATURE = "data/fixture_sin_nature_characteristics.csv"
HTML = b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Sorry</body></html>\n"

# name: (route builder, expected words in the message)
HOSTILE: dict[str, tuple[Callable[[Path], Route], str]] = {
    "zip_slip": (
        lambda t: Route(_with(t, {"../evil.csv": "time_period\n1\n"})),
        "contains '..'",
    ),
    "zip_slip_nested": (
        lambda t: Route(_with(t, {"data/../../evil.csv": "x"})),
        "zip slip",
    ),
    "absolute_path": (
        lambda t: Route(_with(t, {"/tmp/evil.csv": "x"})),
        "absolute path",
    ),
    "windows_drive_path": (
        lambda t: Route(_with(t, {"C:/evil.csv": "x"})),
        "absolute path",
    ),
    "backslash_path": (
        lambda t: Route(_with(t, {"data\\..\\evil.csv": "x"})),
        "backslashes",
    ),
    "symlink": (lambda t: Route(_symlink_zip(t)), "symbolic link"),
    "special_file": (lambda t: Route(_fifo_zip(t)), "special file"),
    "zip_bomb": (lambda t: Route(_bomb_zip(t)), "zip bomb"),
    "truncated": (lambda t: Route(_truncated_zip(t)), "not a readable ZIP"),
    "corrupt_crc": (lambda t: Route(_corrupt_zip(t)), "corrupt"),
    "encrypted": (lambda t: Route(_encrypted_zip(t)), "encrypted"),
    "too_many_entries": (lambda t: Route(_many_entries_zip(t)), "entries, more than"),
    "duplicate_entry": (lambda t: Route(_duplicate_zip(t)), "appears twice"),
    "empty_zip": (lambda t: Route(_zip_bytes({}, t)), "empty ZIP"),
    "not_a_zip": (
        lambda t: Route(b"time_period,time_identifier\n2026,Reporting year\n"),
        "did not send a ZIP",
    ),
    "wrong_content_type": (
        lambda t: Route(_zip_bytes(_good(t), t), content_type="text/html; charset=utf-8"),
        "sent an HTML page (Content-Type text/html)",
    ),
    "json_content_type": (
        lambda t: Route(b'{"error": "no"}', content_type="application/json"),
        "Content-Type 'application/json', not a ZIP",
    ),
    "html_error_page_200": (
        lambda t: Route(HTML, content_type="application/octet-stream"),
        "HTML page instead of a ZIP",
    ),
    "empty_response": (lambda t: Route(b""), "empty response"),
    "tiny_response": (lambda t: Route(b"PK"), "did not send a ZIP"),
    "missing_sin_files": (
        lambda t: Route(
            _zip_bytes({"data-guidance/data-guidance.txt": fx.GUIDANCE, "README.txt": fx.README}, t)
        ),
        "holds no serious incident notifications data file",
    ),
    "only_unkept_files": (
        lambda t: Route(_zip_bytes({"setup.exe": b"MZ", "run.sh": "echo"}, t)),
        "holds no file sinstats keeps",
    ),
    "wrong_columns": (
        lambda t: Route(
            _with(
                t,
                {
                    "data/fixture_pupils.csv": "time_period,time_identifier,geographic_level,"
                    "country_code,country_name,pupil_count,number_notifications\n"
                    "2026,Reporting year,National,E92000001,England,7,3\n"
                },
            )
        ),
        "fixture_pupils.csv, line 1, column 'pupil_count': unknown column",
    ),
    "html_saved_as_csv": (
        lambda t: Route(_with(t, {NATURE: HTML})),
        "fixture_sin_nature_characteristics.csv, line 1: this is an HTML page",
    ),
    "negative_count_in_csv": (
        lambda t: Route(
            _with(t, {NATURE: fx.release_files("2026")[NATURE].replace(",357\n", ",-357\n")})
        ),
        "a count cannot be negative",
    ),
    "bad_meta_file": (
        lambda t: Route(_with(t, {"data/x.meta.csv": "name,type\n"})),
        "col_name,col_type",
    ),
    "another_release": (
        lambda t: Route(_zip_bytes(dict(fx.release_files("2025")), t)),
        "is this the ZIP of another release?",
    ),
    "oversize_announced": (
        lambda t: Route(_zip_bytes(_good(t), t)),
        "announces",
    ),
    "oversize_streamed": (
        lambda t: Route(_zip_bytes(_good(t), t), send_length=False),
        "passed the",
    ),
    "http_404": (lambda t: Route(b"gone", status=404, content_type="text/plain"), "HTTP 404"),
    "http_500_retries_exhausted": (
        lambda t: Route(b"", fail_first=100),
        "gave up after 3 attempt(s): HTTP 500",
    ),
    "cut_short": (
        lambda t: Route(_zip_bytes(_good(t), t), claimed_length=10**6),
        "gave up after 3 attempt(s)",
    ),
    "redirect_to_plain_http": (
        lambda t: Route(status=302, location="http://example.org/x.zip", content_type=None),
        "only https:// URLs are fetched",
    ),
    "redirect_to_file_url": (
        lambda t: Route(status=302, location="file:///etc/passwd", content_type=None),
        "HTTP 302",
    ),
}

# Size caps that make the two oversize cases trip without large downloads.
EXTRA_ARGS: dict[str, tuple[str, ...]] = {
    "oversize_announced": ("--max-bytes", "1000"),
    "oversize_streamed": ("--max-bytes", "1000"),
    "http_500_retries_exhausted": ("--retries", "2"),
    "cut_short": ("--retries", "2", "--timeout", "5"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_source_rejected_and_raw_unchanged(
    kind: str,
    server: Server,
    work: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    build, words = HOSTILE[kind]
    url = server.serve(f"/{kind}.zip", build(tmp_path))
    before = tree_state(work / "raw")
    status = run_fetch(work, "2026", url, *EXTRA_ARGS.get(kind, ()))
    err = capsys.readouterr().err
    assert status == 2, err
    assert "error: " in err and words in err, err
    assert "Traceback" not in err
    assert tree_state(work / "raw") == before
    # The previous good release still loads.
    assert data.load("sin_national", work)["origin"].str.startswith("ees:2026/").any()


def test_retries_are_counted(
    server: Server, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve("/down.zip", Route(b"", fail_first=100))
    assert run_fetch(work, "2026", url, "--retries", "3") == 2
    assert server.hits["/down.zip"] == 4
    assert capsys.readouterr().err.count("retrying in 0 s") == 3
    url = server.serve("/missing.zip", Route(b"", status=404, content_type="text/plain"))
    assert run_fetch(work, "2026", url, "--retries", "3") == 2
    assert server.hits["/missing.zip"] == 1  # a 404 is not retried


def test_connection_refused_is_retried_then_reported(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(releases.ENV_ALLOW_HTTP_LOCALHOST, "1")
    with socket.socket() as sock:  # find a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    before = tree_state(work / "raw")
    assert run_fetch(work, "2026", f"http://127.0.0.1:{port}/x.zip", "--retries", "1") == 2
    err = capsys.readouterr().err
    assert "gave up after 2 attempt(s): cannot reach" in err
    assert tree_state(work / "raw") == before


def test_slow_server_times_out(
    server: Server, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.serve("/slow.zip", Route(b"PK", delay=1.0))
    before = tree_state(work / "raw")
    assert run_fetch(work, "2026", url, "--timeout", "0.2", "--retries", "0") == 2
    err = capsys.readouterr().err
    assert "gave up after 1 attempt(s)" in err and "timed out" in err
    assert tree_state(work / "raw") == before


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("http://example.org/release.zip", "only https:// URLs are fetched"),
        ("ftp://example.org/release.zip", "not an https:// URL"),
        ("/nonexistent/release.zip", "not found"),
    ],
)
def test_refused_sources(
    source: str, words: str, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_state(work / "raw")
    assert run_fetch(work, "2026", source) == 2
    assert words in capsys.readouterr().err
    assert tree_state(work / "raw") == before


def test_local_source_checks(
    work: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_state(work / "raw")
    assert run_fetch(work, "2026", str(tmp_path)) == 2
    assert "a folder" in capsys.readouterr().err
    page = tmp_path / "page.zip"
    page.write_bytes(HTML)
    assert run_fetch(work, "2026", str(page)) == 2
    assert "HTML page" in capsys.readouterr().err
    empty = tmp_path / "empty.zip"
    empty.write_bytes(b"")
    assert run_fetch(work, "2026", str(empty)) == 2
    assert "is empty" in capsys.readouterr().err
    big = fx.release_zip(tmp_path, "2026")
    assert run_fetch(work, "2026", str(big), "--max-bytes", "100") == 2
    assert "more than the 100-byte cap" in capsys.readouterr().err
    assert tree_state(work / "raw") == before


def test_argument_errors_exit_2(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fetch", "--data-dir", str(work)]) == 2
    assert "--release is required" in capsys.readouterr().err
    assert cli.main(["fetch", "--release", "../x", "--data-dir", str(work)]) == 2
    assert "not an EES release slug" in capsys.readouterr().err
    assert run_fetch(work, "2026", "x.zip", "--retries", "-1") == 2
    assert "--retries" in capsys.readouterr().err
    missing = work.parent / "nowhere"
    assert cli.main(["fetch", "--release", "2026", "--data-dir", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["fetch", "--release", "2024", "--data-dir", str(work)]) == 2
    assert "Download all data (ZIP)" in capsys.readouterr().err


def test_total_size_cap(tmp_path: Path) -> None:
    path = fx.release_zip(tmp_path, "2026")
    limits = releases.ArchiveLimits(max_total_bytes=5000)
    with pytest.raises(releases.ArchiveError, match="unpacks to more than 5,000 bytes in all"):
        releases.check_archive(path, limits)
    per_entry = releases.ArchiveLimits(max_entry_bytes=100)
    with pytest.raises(releases.ArchiveError, match="cap per file"):
        releases.check_archive(path, per_entry)


def test_entry_larger_than_declared_is_stopped(tmp_path: Path) -> None:
    path = fx.write_zip(tmp_path / "lying.zip", {"data/a.csv": "x" * 5000})
    raw = bytearray(path.read_bytes())
    # Lower the uncompressed size recorded in the central directory (offset 24 in the record).
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(releases.ArchiveError, match="more than it declared|corrupt"):
        releases.extract_archive(path, tmp_path / "out")


def test_failed_install_restores_previous_release(
    tmp_path: Path, work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree_state(work / "raw")
    real_rename = os.rename

    def failing_rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(src).name == "release":  # moving the new release into place
            raise OSError("disk full (simulated)")
        real_rename(src, dst)

    monkeypatch.setattr(releases.os, "rename", failing_rename)
    assert run_fetch(work, "2026", str(fx.release_zip(tmp_path, "2026"))) == 2
    assert "disk full (simulated)" in capsys.readouterr().err
    monkeypatch.setattr(releases.os, "rename", real_rename)
    assert tree_state(work / "raw") == before


def test_validation_error_names_the_archive_entry(tmp_path: Path, work: Path) -> None:
    bad = fx.release_files("2026")[NATURE].replace(",357\n", ",35.7\n")
    path = fx.release_zip(tmp_path, "2026", changes={NATURE: bad}, name="fixture-bad.zip")
    with pytest.raises(DataError) as info:
        releases.fetch("2026", path, data_dir=work, progress=False)
    assert info.value.path == f"fixture-bad.zip:{NATURE}"
    assert info.value.column == "number_notifications" and info.value.line is not None


def test_fetch_creates_missing_raw_folder_and_cleans_up(tmp_path: Path) -> None:
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(releases.ArchiveError):
        releases.fetch("2026", bad, data_dir=work, progress=False)
    assert not (work / "raw").exists()  # created for the attempt, removed again
    releases.fetch("2026", fx.release_zip(tmp_path, "2026"), data_dir=work, progress=False)
    assert (work / "raw" / "2026" / "SOURCE.json").is_file()


# ---------------------------------------------------------------------------------------------
# Acceptance 3: after fetching a fixture release, `sinstats build` uses it and the manifest
# names its checksums. Runs one notebook for one year from a minimal run matrix (about 10 s).
# ---------------------------------------------------------------------------------------------

MINIMAL_MATRIX = """\
version: 1
timeout: 600
years: ["2025-26"]
first_year: "2014-15"
defaults:
  conf_level: 0.95
notebooks:
  01-annual-overview:
    year_specific: true
"""


@pytest.mark.slow
def test_build_uses_fetched_release_and_manifest_names_checksums(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not (paths.NOTEBOOKS_DIR / "01-annual-overview.ipynb").is_file():
        pytest.skip("notebook 01 is not in this checkout")
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    assert run_fetch(work, "2026", str(fx.release_zip(tmp_path, "2026"))) == 0
    config = tmp_path / "reports.yml"
    config.write_text(MINIMAL_MATRIX, encoding="utf-8")
    out = tmp_path / "reports"
    args = ["build", "--config", str(config), "--out", str(out), "--data-dir", str(work)]
    assert cli.main([*args, "--jobs", "1"]) == 0, capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (run,) = [r for r in manifest["runs"] if r["status"] == "ok"]
    sums = official.release_checksums(work)
    files = {path: sha for path, sha in run["data_files"].items() if "/raw/2026/data/" in path}
    assert files, run["data_files"]
    for path, sha in files.items():
        rel = "raw/" + path.split("/raw/", 1)[1]
        assert sums[rel] == sha
    # The nature file holds the national figures the overview reads.
    assert any(p.endswith("fixture_sin_nature_characteristics.csv") for p in files)
    source_json = [p for p in run["config_files"] if p.endswith("raw/2026/SOURCE.json")]
    assert len(source_json) == 1
    assert run["config_files"][source_json[0]] == sums["raw/2026/SOURCE.json"]
    capsys.readouterr()


# ---------------------------------------------------------------------------------------------
# Fuzzing: a damaged archive is installed correctly or refused with a sinstats error
# ---------------------------------------------------------------------------------------------

GOOD_ZIP = io.BytesIO()
with zipfile.ZipFile(GOOD_ZIP, "w", compression=zipfile.ZIP_DEFLATED) as _zf:
    for _name, _text in fx.release_files("2026").items():
        _zf.writestr(_name, _text)


@settings(max_examples=200, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=len(GOOD_ZIP.getvalue()) - 1),
    value=st.integers(min_value=0, max_value=255),
    cut=st.booleans(),
)
def test_fuzz_damaged_archive(position: int, value: int, cut: bool) -> None:
    raw = bytearray(GOOD_ZIP.getvalue())
    raw[position] = value
    blob = bytes(raw[:position]) if cut else bytes(raw)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "damaged.zip"
        path.write_bytes(blob)
        try:
            releases.extract_archive(path, Path(tmp) / "out")
            files = releases.validate_release(Path(tmp) / "out", "2026")
        except (releases.ArchiveError, DataError) as err:
            assert str(err)
            return
        assert any(r["kind"] == "data" for r in files.values())
        for p in (Path(tmp) / "out").rglob("*"):
            assert p.resolve().is_relative_to((Path(tmp) / "out").resolve())
            assert not p.is_symlink()
