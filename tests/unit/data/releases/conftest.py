"""Fixtures of the ``sinstats fetch`` tests: a local HTTP server and data folders to fetch into.

No network: fixture ZIPs (FORMAT FIXTURES, NOT REAL DATA, built by the fixtures in
``tests/unit/data/conftest.py`` in the layout of each EES format era) are served from an HTTP
server on 127.0.0.1 in a thread, on an ephemeral port. Plain http:// to that server is allowed only
because the ``server`` fixture sets SINSTATS_ALLOW_HTTP_LOCALHOST=1. Every hostile case must exit
2 with a clear message and leave data/raw/ byte-for-byte unchanged (``assert_fetch_refused``).
"""

from __future__ import annotations

import http.server
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sinstats import cli, data, paths
from sinstats.data import releases


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
    """The local server: ``serve(path, body=..., **route options)`` returns the URL."""

    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)

    def serve(self, path: str, body: bytes = b"", **options: Any) -> str:
        self.routes[path] = Route(body=body, **options)
        return self.base + path

    def serve_file(self, path: str, zip_path: Path, **options: Any) -> str:
        return self.serve(path, zip_path.read_bytes(), **options)


@pytest.fixture()
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A threaded HTTP server on 127.0.0.1 answering the routes it is given."""
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


@pytest.fixture(scope="session")
def installed_template(
    tmp_path_factory: pytest.TempPathFactory, release_zip: Callable[..., Path]
) -> Path:
    """A data folder copy with fixture release 2026 installed (built once per session)."""
    root = tmp_path_factory.mktemp("template")
    work = root / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    (work / "raw").mkdir()
    shutil.copy(paths.raw_dir() / "README.md", work / "raw" / "README.md")
    releases.fetch("2026", release_zip(root, "2026"), data_dir=work, progress=False)
    return work


@pytest.fixture()
def work(tmp_path: Path, installed_template: Path) -> Path:
    """A fresh copy of the data folder holding a good release 2026."""
    target = tmp_path / "data"
    shutil.copytree(installed_template, target)
    return target


@pytest.fixture(scope="session")
def run_fetch() -> Callable[..., int]:
    """``run_fetch(work, release, source, *extra)``: ``sinstats fetch`` quietly, no back-off."""

    def run(work: Path, release: str, source: str, *extra: str) -> int:
        args = ["fetch", "--release", release, "--source", source, "--data-dir", str(work)]
        return cli.main([*args, "--no-progress", "--backoff", "0", *extra])

    return run


@pytest.fixture()
def assert_fetch_refused(
    work: Path,
    run_fetch: Callable[..., int],
    tree_state: Callable[[Path], dict[str, str]],
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., None]:
    """``assert_fetch_refused(source, words, *extra)``: fetching into ``work`` fails cleanly.

    ``sinstats fetch --release 2026`` must exit 2 with an ``error:`` line holding ``words`` (one
    string or several) and no traceback, leave ``work/raw`` byte-for-byte unchanged, and the good
    release must still load.
    """

    def check(source: str, words: str | tuple[str, ...], *extra: str) -> None:
        before = tree_state(work / "raw")
        status = run_fetch(work, "2026", source, *extra)
        err = capsys.readouterr().err
        assert status == 2, err
        assert "error: " in err, err
        for part in (words,) if isinstance(words, str) else words:
            assert part in err, err
        assert "Traceback" not in err
        assert tree_state(work / "raw") == before
        assert data.load("sin_national", work)["origin"].str.startswith("ees:2026/").any()

    return check


@pytest.fixture()
def zip_of(tmp_path: Path, write_zip: Callable[..., Path]) -> Callable[..., bytes]:
    """``zip_of(files)``: the bytes of a ZIP holding exactly ``{entry: content}``."""

    def build(files: dict[str, str | bytes], name: str = "hostile.zip") -> bytes:
        return write_zip(tmp_path / name, files).read_bytes()

    return build


@pytest.fixture()
def zip_with(
    zip_of: Callable[..., bytes], release_files: Callable[[str], dict[str, str]]
) -> Callable[[dict[str, str | bytes | None]], bytes]:
    """``zip_with(changes)``: the 2026 fixture ZIP, entries replaced, added or (None) dropped."""

    def build(changes: dict[str, str | bytes | None]) -> bytes:
        files: dict[str, str | bytes] = dict(release_files("2026"))
        for name, value in changes.items():
            if value is None:
                files.pop(name)
            else:
                files[name] = value
        return zip_of(files)

    return build
