"""The ``chromium`` fixture: a minimal headless-Chromium driver over the DevTools protocol.

Chromium is started with ``--remote-debugging-pipe``: it reads protocol messages from file
descriptor 3 and writes to 4, each a JSON object followed by a NUL byte. This is enough to open a
page, wait for it to load, read what its links and images are, collect console errors and take a
full-page screenshot, without websocket or browser-automation packages (standard library only).

The fixture (module-scoped) skips, printing the reason, when no Chromium-family binary is on
PATH; ``.ci/run`` installs Debian's ``chromium`` when it can.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


def find_chromium() -> str | None:
    """Return the path of a Chromium-family binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageCheck:
    """What a page showed: its links, its images, console errors and the screenshot path."""

    url: str
    links: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None


_PAGE_FACTS = """JSON.stringify({
  links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
  images: Array.from(document.images).map(i => ({
    src: i.currentSrc || i.src, alt: i.getAttribute('alt'),
    complete: i.complete, naturalWidth: i.naturalWidth})),
  title: document.title
})"""


class Chromium:
    """One headless Chromium process driven through ``--remote-debugging-pipe``."""

    def __init__(self, binary: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="sinstats-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Move the child's ends above 9 so that putting them on 3 and 4 cannot clobber each other.
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def child_fds() -> None:  # in the child, before exec: Chromium reads 3 and writes 4
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--window-size=1200,900",
            f"--user-data-dir={self._profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        self._proc = subprocess.Popen(
            [binary, *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # descriptors 3 and 4 must survive; Python's own are close-on-exec
            preexec_fn=child_fds,
        )
        os.close(high_r)
        os.close(high_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    # -- protocol -----------------------------------------------------------------------------

    def _send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        return self._next_id

    def _read_message(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        loaded: dict[str, Any] = json.loads(raw)
        return loaded

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Send a command and return its result (events received meanwhile are kept)."""
        msg_id = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            msg = self._read_message(deadline)
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            self.events.append(msg)

    def wait_for(self, method: str, session: str) -> dict[str, Any]:
        """Wait for an event of the session (events already received count)."""
        deadline = time.monotonic() + self.timeout
        for ev in self.events:
            if ev.get("method") == method and ev.get("sessionId") == session:
                return ev
        while True:
            msg = self._read_message(deadline)
            self.events.append(msg)
            if msg.get("method") == method and msg.get("sessionId") == session:
                return msg

    # -- high level ---------------------------------------------------------------------------

    def screenshot_url(self, url: str, screenshot: Path, ready: str, timeout: float = 90) -> bool:
        """Open ``url``, wait until the JavaScript expression ``ready`` is true, save a screenshot.

        Returns whether ``ready`` became true before ``timeout`` seconds (the screenshot is taken
        either way, so a failure can be looked at).
        """
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self.call("Page.enable", session=session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self.call("Page.navigate", {"url": url}, session=session)
        deadline, done = time.monotonic() + timeout, False
        while time.monotonic() < deadline and not done:
            value = self.call(
                "Runtime.evaluate", {"expression": f"!!({ready})", "returnByValue": True},
                session=session,
            )["result"].get("value")  # fmt: skip
            done = bool(value)
            if not done:
                time.sleep(0.5)
        time.sleep(2.0 if done else 0)  # let the page settle (fonts, the kernel indicator)
        shot = self.call("Page.captureScreenshot", {"format": "png"}, session=session)
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        self.call("Target.closeTarget", {"targetId": target})
        return done

    def check_page(self, path: Path, screenshot: Path | None = None) -> PageCheck:
        """Open ``path``, wait for ``load``, and report links, images and console errors."""
        url = path.resolve().as_uri()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.call(domain, session=session)
        start = len(self.events)
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        facts = json.loads(
            self.call(
                "Runtime.evaluate",
                {"expression": _PAGE_FACTS, "returnByValue": True},
                session=session,
            )["result"]["value"]
        )
        check = PageCheck(url=url, links=facts["links"], images=facts["images"])
        if screenshot is not None:
            shot = self.call(
                "Page.captureScreenshot",
                {"format": "png", "captureBeyondViewport": True},
                session=session,
            )
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            check.screenshot = screenshot
        for ev in self.events[start:]:
            if ev.get("sessionId") != session:
                continue
            method, params = ev.get("method"), ev.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                check.errors.append(f"exception: {details.get('text')} {details.get('url', '')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                args = [
                    str(a.get("value", a.get("description", ""))) for a in params.get("args", [])
                ]
                check.errors.append("console.error: " + " ".join(args))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                check.errors.append(f"log: {entry.get('text')} {entry.get('url', '')}")
        self.call("Target.closeTarget", {"targetId": target})
        return check

    def close(self) -> None:
        """Stop Chromium and remove its profile."""
        try:
            self._send("Browser.close")
        except OSError:
            pass
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=10)
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    """One headless Chromium for the module's tests (skipped when none is installed)."""
    binary = find_chromium()
    if binary is None:
        reason = "no chromium, chromium-browser or google-chrome binary on PATH"
        print(f"SKIPPED browser check: {reason}")
        pytest.skip(reason)
    browser = Chromium(binary)
    try:
        yield browser
    finally:
        browser.close()


# ---------------------------------------------------------------------------------------------
# A JupyterLab server on the project's notebooks (copies, in a temporary folder)
# ---------------------------------------------------------------------------------------------


@dataclass
class JupyterServer:
    """A running JupyterLab server: its base URL, token and root folder."""

    url: str
    token: str
    root: Path

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the server's REST API and return the decoded JSON (None for an empty reply)."""
        import urllib.request

        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            text = reply.read().decode()
        return json.loads(text) if text else None


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """JupyterLab (as ``make lab`` starts it) on copies of the notebooks, stopped afterwards."""
    import secrets
    import sys
    import urllib.request

    from sinstats import paths

    root = tmp_path_factory.mktemp("lab")
    for nb in sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb")):
        shutil.copy(nb, root / nb.name)
    port, token = _free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [
        str(jupyter), "lab", f"--ServerApp.root_dir={root}", "--no-browser", "--ip=127.0.0.1",
        f"--port={port}", f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = root / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    server = JupyterServer(f"http://127.0.0.1:{port}", token, root)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                server.api("GET", "/api/status")
                break
            except (OSError, urllib.error.URLError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log.read_text(errors="replace")[-3000:]) from None
                time.sleep(0.5)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
