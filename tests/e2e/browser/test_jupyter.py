"""JupyterLab works as the README says: the project's kernel, a notebook run through the server.

A JupyterLab server is started the way ``make lab`` starts it (``--allow-root`` when root) on
copies of the notebooks. Through its REST API the test lists the kernels, opens
``01-annual-overview.ipynb``, starts a session on the notebook's own kernelspec (``sinstats``,
"Python (sinstats)") and runs every code cell of the notebook over the kernel's websocket, checking
each reply. A headless Chromium then opens the notebook in JupyterLab and saves a screenshot in
``reports/_checks/jupyterlab.png`` (git-ignored; look at it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest

from sinstats import paths

if TYPE_CHECKING:
    from .conftest import Chromium, JupyterServer

pytestmark = [pytest.mark.slow]

NOTEBOOK = "01-annual-overview.ipynb"


def _message(code: str, session: str) -> dict[str, Any]:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "username": "test",
            "session": session,
            "msg_type": "execute_request",
            "version": "5.3",
            "date": dt.datetime.now(dt.UTC).isoformat(),
        },
        "parent_header": {},
        "metadata": {},
        "content": {"code": code, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        "channel": "shell",
        "buffers": [],
    }  # fmt: skip


async def _run_cells(
    server: JupyterServer, kernel_id: str, cells: list[str]
) -> list[tuple[dict[str, Any], str]]:
    """Execute each cell over the server's websocket; return each reply with the cell's stdout."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    ws_url = server.url.replace("http", "ws", 1) + f"/api/kernels/{kernel_id}/channels"
    request = HTTPRequest(ws_url, headers={"Authorization": f"token {server.token}"})
    conn = await websocket_connect(request)
    session = uuid.uuid4().hex
    replies = []
    try:
        for code in cells:
            msg = _message(code, session)
            await conn.write_message(json.dumps(msg))
            stdout = ""
            done: dict[str, Any] | None = None
            idle = False
            # The reply comes on the shell channel and the output on iopub, in no fixed order
            # between them; iopub's "idle" status follows the cell's last output.
            while done is None or not idle:
                raw = await asyncio.wait_for(conn.read_message(), timeout=300)
                assert raw is not None, "the kernel's websocket closed"
                reply = json.loads(raw)
                if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                    continue
                kind = reply.get("msg_type")
                if kind == "stream" and reply["content"]["name"] == "stdout":
                    stdout += reply["content"]["text"]
                elif kind == "execute_reply":
                    done = reply
                elif kind == "status" and reply["content"]["execution_state"] == "idle":
                    idle = True
            replies.append((done, stdout))
    finally:
        conn.close()
    return replies


def test_notebook_runs_on_the_projects_kernel_through_the_server(
    jupyter_lab: JupyterServer,
) -> None:
    specs = jupyter_lab.api("GET", "/api/kernelspecs")
    assert "sinstats" in specs["kernelspecs"], list(specs["kernelspecs"])
    assert specs["kernelspecs"]["sinstats"]["spec"]["display_name"] == "Python (sinstats)"

    model = jupyter_lab.api("GET", f"/api/contents/{NOTEBOOK}?content=1")
    nb = nbformat.from_dict(model["content"])
    assert nb.metadata["kernelspec"]["name"] == "sinstats"
    session = jupyter_lab.api(
        "POST",
        "/api/sessions",
        {"path": NOTEBOOK, "type": "notebook", "kernel": {"name": nb.metadata.kernelspec.name}},
    )
    kernel = session["kernel"]
    assert kernel["name"] == "sinstats"
    try:
        cells = [c.source for c in nb.cells if c.cell_type == "code"]
        probe = "import sys; print(sys.executable)"
        replies = asyncio.run(_run_cells(jupyter_lab, kernel["id"], [probe, *cells]))
        failed = [
            (i, r["content"].get("ename"), r["content"].get("evalue"))
            for i, (r, _) in enumerate(replies)
            if r["content"]["status"] != "ok"
        ]
        assert failed == [], failed
        assert len(replies) == len(cells) + 1
    finally:
        jupyter_lab.api("DELETE", f"/api/sessions/{session['id']}")
    # The kernel is the project's environment: the interpreter its kernelspec names, which is
    # the one running these tests.
    interpreter = replies[0][1].strip()
    assert interpreter == specs["kernelspecs"]["sinstats"]["spec"]["argv"][0]
    assert Path(interpreter).resolve() == Path(sys.executable).resolve()


@pytest.mark.browser
def test_jupyterlab_opens_a_notebook_in_a_real_browser(
    jupyter_lab: JupyterServer, chromium: Chromium
) -> None:
    shot = paths.reports_dir() / "_checks" / "jupyterlab.png"
    url = f"{jupyter_lab.url}/lab/tree/{NOTEBOOK}?token={jupyter_lab.token}"
    ready = (
        "document.querySelector('.jp-Notebook .jp-Cell') &&"
        " document.body.innerText.includes('Python (sinstats)')"
    )
    assert chromium.screenshot_url(url, shot, ready), f"JupyterLab did not show {NOTEBOOK}: {shot}"
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
