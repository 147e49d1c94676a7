"""Unit tests of sinstats.build.kernels: the choice of path, the fork checks, the refusals.

No kernel is started here (the warm path end to end is in tests/e2e/test_warm_kernels.py and
tests/e2e/test_determinism.py); one test starts a real template and sends it requests it must
refuse.
"""

from __future__ import annotations

import ast
import inspect
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from sinstats import paths
from sinstats.build import execute, kernels


@pytest.mark.parametrize(
    ("value", "cold"), [(None, False), ("", False), ("0", False), ("1", True), ("yes", True)]
)
def test_cold_requested_reads_the_variable(value: str | None, cold: bool) -> None:
    env = {} if value is None else {kernels.COLD_ENV: value}
    assert kernels.cold_requested(env) is cold


def test_kernel_mode_is_cold_when_asked_or_without_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(kernels.COLD_ENV, "1")
    assert kernels.kernel_mode() == "cold"
    monkeypatch.delenv(kernels.COLD_ENV)
    monkeypatch.setattr(kernels, "fork_available", lambda: False)
    assert kernels.kernel_mode() == "cold"
    monkeypatch.setattr(kernels, "fork_available", lambda: True)
    assert kernels.kernel_mode() == "warm"


def test_fork_available_only_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels.sys, "platform", "darwin")
    assert kernels.fork_available() is False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc (Linux)")
def test_fork_blockers_name_threads_and_sockets() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    import socket

    sock = socket.socket()
    try:
        problems = kernels.fork_blockers()
    finally:
        stop.set()
        thread.join()
        sock.close()
    assert any("threads" in p for p in problems), problems
    assert any("socket" in p for p in problems), problems


def test_fork_blockers_name_modules_imported_too_early(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib_inline.backend_inline", object())  # type: ignore[arg-type]
    assert any("imported too early" in p for p in kernels.fork_blockers())


def _request(**over: object) -> dict[str, object]:
    env = {**os.environ}
    request: dict[str, object] = {
        "cmd": [sys.executable, "-m", "ipykernel_launcher", "-f", "/nonexistent.json"],
        "env": env,
        "cwd": str(paths.PROJ_ROOT),
    }
    request.update(over)
    return request


@pytest.mark.parametrize(
    ("request_over", "says"),
    [
        ({"cmd": ["python", "-c", "pass"]}, "not an ipykernel command line"),
        ({"cmd": ["/bin/true", "-m", "ipykernel_launcher"]}, "is not the template's"),
        ({"env": {"PYTHONHASHSEED": "12345"}}, "environment differs"),
    ],
)
def test_fork_kernel_refuses_what_a_cold_kernel_would_do_differently(
    request_over: dict[str, object], says: str
) -> None:
    reply = kernels._fork_kernel(_request(**request_over), io.StringIO())
    assert "pid" not in reply
    assert says in reply["error"]


def test_fork_kernel_refuses_when_the_project_root_would_differ(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = {**os.environ, "SINSTATS_ROOT": str(tmp_path)}
    monkeypatch.setattr(kernels, "STARTUP_VARIABLES", ("PYTHONHASHSEED",))
    reply = kernels._fork_kernel(_request(env=env), io.StringIO())
    assert "project root" in reply["error"]
    # the check leaves this process's folder and environment as they were
    assert os.environ.get("SINSTATS_ROOT") != str(tmp_path)


def test_project_root_check_agrees_in_any_folder_for_this_install(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SINSTATS_ROOT"}
    assert kernels._project_root_in(str(tmp_path), env) is None


def test_serve_answers_each_request_and_never_forks_a_refused_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kernels, "_tie_to_parent", lambda pid: None)
    monkeypatch.setattr(kernels, "_preload", lambda: ["sinstats: ImportError: for the test"])
    monkeypatch.setattr(kernels, "fork_blockers", lambda: [])
    monkeypatch.setattr(kernels.signal, "signal", lambda *args: None)

    def no_fork() -> int:
        raise AssertionError("a refused request must not fork")

    monkeypatch.setattr(kernels.os, "fork", no_fork)
    lines = [
        "not json\n",
        json.dumps(_request(cmd=["python", "-c", "pass"])) + "\n",
    ]
    monkeypatch.setattr(kernels.sys, "stdin", io.StringIO("".join(lines)))
    read_fd, write_fd = os.pipe()
    kernels.serve(os.getppid(), write_fd)
    with os.fdopen(read_fd, encoding="utf-8") as replies:
        out = [json.loads(line) for line in replies.read().splitlines()]
    assert out[0]["ready"] is True
    assert out[0]["not_imported"] == ["sinstats: ImportError: for the test"]
    assert "error" in out[1] and "error" in out[2]
    assert "not an ipykernel command line" in out[2]["error"]


def test_serve_reports_not_ready_when_it_may_not_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels, "_tie_to_parent", lambda pid: None)
    monkeypatch.setattr(kernels, "_preload", list)
    monkeypatch.setattr(kernels, "fork_blockers", lambda: ["3 threads"])
    monkeypatch.setattr(kernels.signal, "signal", lambda *args: None)
    read_fd, write_fd = os.pipe()
    kernels.serve(os.getppid(), write_fd)
    with os.fdopen(read_fd, encoding="utf-8") as replies:
        (ready,) = [json.loads(line) for line in replies.read().splitlines()]
    assert ready["ready"] is False and ready["problems"] == ["3 threads"]


@pytest.mark.skipif(not kernels.fork_available(), reason="warm kernels need Linux fork")
def test_a_real_template_starts_ready_and_refuses_a_bad_request() -> None:
    tpl = kernels.Template(execute.kernel_environment())
    try:
        status = tpl.ready()
        assert status["ready"] is True, status
        assert status["not_imported"] == []
        assert tpl.usable()
        with pytest.raises(RuntimeError, match="not an ipykernel command line"):
            tpl.fork(["python", "-c", "pass"], dict(os.environ), str(paths.PROJ_ROOT))
        assert tpl.usable()  # a refused request does not stop the template
    finally:
        tpl.close()
    assert tpl.process.poll() is not None
    assert not tpl.usable()


def test_a_template_that_dies_is_reported_not_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels.sys, "executable", "/bin/false")
    tpl = kernels.Template()
    try:
        assert tpl.ready() == {"ready": False, "problems": ["the template exited"]}
        with pytest.raises(RuntimeError, match="the template exited"):
            tpl.fork(["x"], {}, ".")
    finally:
        tpl.close()


def test_a_template_that_cannot_start_is_not_usable_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No process to be had (EAGAIN under a limit on processes): the worker's template is not
    # usable and its runs start cold, instead of the error escaping the run as a traceback.
    def refuse(*args: object, **kwargs: object) -> None:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(kernels.subprocess, "Popen", refuse)
    tpl = kernels.template(cwd=None)
    try:
        assert not tpl.usable() and not tpl.alive() and tpl.process is None
        (problem,) = tpl.ready()["problems"]
        assert problem.startswith("the template did not start: ") and "unavailable" in problem
        with pytest.raises(RuntimeError, match="the template did not start"):
            tpl.fork(["x"], {}, ".")
        assert kernels.template() is not tpl  # tried again for the next run
    finally:
        kernels.close_template()
        tpl.close()


def test_a_template_starts_in_the_folder_it_is_given_or_an_empty_one_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Never in the user's working folder, whose matplotlibrc or modules would reach the
    # template's imports (and so every warm kernel) but not a cold kernel.
    started: list[str] = []

    class Recorder:
        def __init__(self, *args: object, cwd: str, **kwargs: object) -> None:
            started.append(cwd)
            raise OSError("recorded")

    monkeypatch.setattr(kernels.subprocess, "Popen", Recorder)
    kernels.Template(cwd=str(tmp_path)).close()
    own = kernels.Template()
    own.close()
    assert started[0] == str(tmp_path)
    assert started[1] != os.getcwd() and Path(started[1]).name.startswith("sinstats-template-")
    assert not Path(started[1]).exists()  # removed with the template


def test_the_process_template_is_reused_and_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kernels.sys, "executable", "/bin/false")
    first = kernels.template()
    first.process.wait(timeout=10)
    second = kernels.template()  # the first has exited: a new one is started
    assert second is not first
    kernels.close_template()
    assert "template" not in kernels._TEMPLATE


def test_forked_kernel_tracks_a_process_it_did_not_start() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    kernel = kernels.ForkedKernel(child.pid)
    assert kernel.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        kernel.wait(timeout=0.05)
    kernel.terminate()
    child.wait(timeout=10)  # here the test is the parent, so it reaps the child itself
    assert kernel.poll() == -1
    assert kernel.wait() == -1
    kernel.kill()  # a finished kernel: nothing to signal, no error
    kernel.send_signal(signal.SIGTERM)


def test_the_warm_manager_class_is_built_once() -> None:
    from jupyter_client.manager import AsyncKernelManager

    cls = kernels.warm_kernel_manager_class()
    assert issubclass(cls, AsyncKernelManager)
    assert kernels.warm_kernel_manager_class() is cls


def test_kernel_environment_pins_one_blas_thread() -> None:
    env = execute.kernel_environment()
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert env[name] == "1"
        assert name in kernels.STARTUP_VARIABLES


def test_debugpy_is_preloaded_with_the_kernels_setting_of_its_import_check() -> None:
    # debugpy (preloaded through ipykernel.debugger) reads this at import and otherwise warns
    # on standard error: a run whose environment differs must not be forked from the template.
    assert "ipykernel.debugger" in kernels.PRELOAD
    assert execute.kernel_environment()["PYDEVD_DISABLE_FILE_VALIDATION"] == "1"
    assert "PYDEVD_DISABLE_FILE_VALIDATION" in kernels.STARTUP_VARIABLES


def test_preload_imports_exactly_the_listed_modules() -> None:
    source = textwrap.dedent(inspect.getsource(kernels._preload))
    imported = {
        alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported == set(kernels.PRELOAD)
    assert not imported & set(kernels.NOT_PRELOADED)


def test_the_ready_client_retries_a_refused_connection_every_few_milliseconds() -> None:
    import zmq

    client = kernels.ready_client_class()()
    try:
        socket = client.context.socket(zmq.DEALER)
        try:
            assert socket.getsockopt(zmq.RECONNECT_IVL) == kernels.RECONNECT_MS < 100
        finally:
            socket.close(linger=0)
    finally:
        client.context.destroy(linger=0)


def test_every_preloaded_module_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # as in the kernels' environment
    assert kernels._preload() == []
    assert all(name in sys.modules for name in kernels.PRELOAD)
