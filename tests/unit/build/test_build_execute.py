"""sinstats.build.execute: error summaries, the kernels' environment, outcomes of failed runs."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sinstats.build import execute
from sinstats.build.execute import Job, error_summary, one_line_error


class FakeCellError(Exception):
    ename = "ValueError"
    evalue = "bad conf_level"
    exec_count = 4
    cell_index = 6
    source = "\n\nparams = check(conf_level)\nmore()"


def test_error_summaries() -> None:
    summary = error_summary(FakeCellError())
    assert summary["cell"] == 4 and summary["cell_source"] == "params = check(conf_level)"
    assert summary["stage"] == "execute"
    assert one_line_error(summary) == "cell 4: ValueError: bad conf_level"
    plain = error_summary(RuntimeError("x" * 400))
    assert plain["cell"] is None and plain["ename"] == "RuntimeError"
    assert one_line_error(plain).endswith("...")
    assert one_line_error({"stage": "export", "ename": "OSError", "evalue": "disk"}) == (
        "export: OSError: disk"
    )
    assert error_summary(OSError("disk"), stage="export")["stage"] == "export"


def _job(tmp_path: Path, notebook: Path) -> Job:
    return Job(
        id="2025-26/01-x",
        notebook=str(notebook),
        tmp_dir=str(tmp_path),
        executed_name="01-x-2025-26.ipynb",
        parameters={"year": "2025-26"},
        timeout=10,
        report={},
    )


def test_worker_failure_outcome(tmp_path: Path) -> None:
    outcome = execute._worker_failed(_job(tmp_path, tmp_path / "nb.ipynb"), RuntimeError("gone"))
    assert outcome.status == "failed" and outcome.inputs is None
    assert outcome.error is not None
    assert outcome.error["stage"] == "worker"
    assert outcome.error["evalue"] == "the worker process failed: gone"
    assert outcome.started == outcome.finished and outcome.duration_s == 0.0
    assert outcome.tmp_dir == str(tmp_path) and outcome.executed_name == "01-x-2025-26.ipynb"


def test_a_run_that_cannot_start_fails_with_a_summary(tmp_path: Path) -> None:
    outcome = execute.execute_run(_job(tmp_path, tmp_path / "missing.ipynb"))
    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error["stage"] == "execute"
    assert outcome.inputs is None
    assert outcome.duration_s >= 0 and outcome.started <= outcome.finished


def test_kernel_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    env = execute.kernel_environment()
    assert env["PYTHONHASHSEED"] == "0" and env["TZ"] == "UTC"
    assert "SOURCE_DATE_EPOCH" not in env
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "12")
    assert execute.kernel_environment()["SOURCE_DATE_EPOCH"] == "12"


def test_environment_is_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SINSTATS_TEST_KEPT", "before")
    monkeypatch.delenv("SINSTATS_TEST_NEW", raising=False)
    with execute._environment({"SINSTATS_TEST_KEPT": "during", "SINSTATS_TEST_NEW": "x"}):
        assert os.environ["SINSTATS_TEST_KEPT"] == "during"
        assert os.environ["SINSTATS_TEST_NEW"] == "x"
    assert os.environ["SINSTATS_TEST_KEPT"] == "before"
    assert "SINSTATS_TEST_NEW" not in os.environ


def test_execute_all_prints_one_line_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert execute.execute_all([], 2, progress=False, log=io.StringIO()) == {}

    def fail(job: Job) -> execute.RunOutcome:
        return execute._worker_failed(job, RuntimeError("no kernel here"))

    monkeypatch.setattr(execute, "execute_run", fail)
    log = io.StringIO()
    results = execute.execute_all([_job(tmp_path, tmp_path / "nb.ipynb")], 4, False, log)
    assert list(results) == ["2025-26/01-x"]
    line = log.getvalue()
    assert line.startswith("[1/1] 2025-26/01-x ") and "    0.0 s  failed" in line
    assert "(RuntimeError: the worker process failed: no kernel here)" in line


def test_each_finished_run_is_handed_over_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        execute, "execute_run", lambda job: execute._worker_failed(job, RuntimeError("x"))
    )
    handed: list[str] = []
    jobs = [_job(tmp_path, tmp_path / "nb.ipynb")]
    execute.execute_all(jobs, 1, False, io.StringIO(), on_finished=lambda o: handed.append(o.id))
    assert handed == ["2025-26/01-x"]


def test_a_worker_is_tied_to_its_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    # This ties the test process to its own parent too (it dies if that dies): harmless.
    exits: list[int] = []
    monkeypatch.setattr(execute.os, "_exit", exits.append)
    how = execute.die_with_parent(os.getppid())
    assert how == ("prctl" if execute.sys.platform.startswith("linux") else "watchdog")
    assert exits == []
    execute.die_with_parent(os.getppid() + 10_000_000)  # not the parent: gone already
    assert exits == [1]


def test_the_watchdog_ends_a_worker_whose_parent_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    exited = threading.Event()
    monkeypatch.setattr(execute.sys, "platform", "darwin")  # no prctl: the watchdog thread
    monkeypatch.setattr(execute.os, "_exit", lambda code: exited.set())
    parent = [os.getppid()]
    monkeypatch.setattr(execute.os, "getppid", lambda: parent[0])
    assert execute.die_with_parent(parent[0]) == "watchdog"
    time.sleep(0.3)
    assert not exited.is_set()
    parent[0] = 1  # the parent died: the worker was re-parented
    assert exited.wait(5)


def test_stopping_a_pool_kills_its_workers_and_cancels_the_queue() -> None:
    class Process:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def kill(self) -> None:
            self.calls.append("kill")

        def join(self, timeout: float) -> None:
            self.calls.append("join")

    class Pool:
        def __init__(self) -> None:
            self._processes = {1: Process(), 2: Process()}
            self.shutdown_args: tuple[bool, bool] | None = None

        def shutdown(self, wait: bool, cancel_futures: bool) -> None:
            self.shutdown_args = (wait, cancel_futures)
            self._processes = None  # as concurrent.futures does

    pool = Pool()
    processes = list(pool._processes.values())
    execute._stop_workers(pool)
    assert pool.shutdown_args == (False, True)
    assert [p.calls for p in processes] == [["kill", "join"], ["kill", "join"]]


def test_a_run_that_started_cold_says_why_on_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cold(job: Job) -> execute.RunOutcome:
        outcome = execute._worker_failed(job, RuntimeError("x"))
        outcome.status, outcome.error = "ok", None
        outcome.kernel_note = "environment differs from the template's in TZ"
        return outcome

    monkeypatch.setattr(execute, "execute_run", cold)
    log = io.StringIO()
    execute.execute_all([_job(tmp_path, tmp_path / "nb.ipynb")], 1, False, log)
    assert "ok  [cold kernel: environment differs from the template's in TZ]" in log.getvalue()


def test_a_failed_warm_start_falls_back_to_a_cold_kernel_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The template cannot serve the run: the run still executes (cold) and its outcome says why.
    from sinstats.build import kernels

    monkeypatch.setattr(kernels, "kernel_mode", lambda: "warm")

    class Broken:
        class process:  # stands in for a Popen
            pid = -1

    monkeypatch.setattr(kernels, "template", lambda env=None, cwd=None: Broken())

    def papermill(job: Job, executed: Path, params: dict, warm: bool = False) -> None:
        assert warm
        kernels._FALLBACKS.append("the template exited")
        raise RuntimeError("stop here")

    monkeypatch.setattr(execute, "_papermill", papermill)
    outcome = execute.execute_run(_job(tmp_path, tmp_path / "nb.ipynb"))
    assert outcome.status == "failed"
    assert outcome.stages["warm_kernel"] == 0.0
    assert outcome.kernel_note == "the template exited"


def test_a_worker_ends_at_once_when_let_go_and_writes_what_it_printed() -> None:
    # The worker's last atexit step skips the interpreter's teardown (issue 19) but must not lose
    # what is still buffered in the standard streams; atexit steps registered later (by code the
    # runs imported) still run first.
    code = (
        "import atexit, sys\n"
        "from sinstats.build import execute\n"
        "atexit.register(execute._exit_without_teardown)\n"
        "atexit.register(lambda: sys.stdout.write('registered later, ran first;'))\n"
        "class Slow:\n"
        "    def __del__(self):\n"
        "        sys.stderr.write('torn down')\n"
        "keep = Slow()\n"
        "sys.stdout.write('buffered;')\n"
        "sys.stderr.write('also buffered')\n"
        "sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": ""},
    )
    assert done.stdout == "buffered;registered later, ran first;"
    assert done.stderr == "also buffered", "teardown (the object's __del__) was skipped"
    assert done.returncode == 0


# A child that touches 160 MB for a moment, lets it go, then idles: its resident size is back
# down before the sampler's next look, but its high-water mark keeps the peak.
_SPIKE = (
    "import sys, time\n"
    "block = bytearray(160 * 2**20)\n"
    "block[:: 4096] = b'x' * len(block[:: 4096])\n"
    "del block\n"
    "sys.stdout.write('done\\n'); sys.stdout.flush()\n"
    "time.sleep(1.0)\n"
)


def test_the_memory_sampler_sees_a_peak_that_came_and_went_between_two_looks() -> None:
    assert execute._high_water_rss(os.getpid()) >= 1  # type: ignore[operator]
    with execute._MemorySampler() as sampler:
        child = subprocess.Popen([sys.executable, "-c", _SPIKE], stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline() == "done\n"
        time.sleep(0.5)  # at least two looks after the memory was let go
        child.wait(timeout=10)
    assert sampler.peak >= 160 * 2**20


def test_no_high_water_mark_for_a_process_that_is_not_there() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=10)
    assert execute._high_water_rss(child.pid) is None


_HOLD = (
    "import sys, time\n"
    "block = bytearray(100 * 2**20)\n"
    "block[:: 4096] = b'x' * len(block[:: 4096])\n"
    "sys.stdout.write('held\\n'); sys.stdout.flush()\n"
    "time.sleep(0.8)\n"
)


def test_the_memory_sampler_reports_the_largest_process_not_a_sum() -> None:
    # Two children holding 100 MB each at the same time: the kernel's peak is one process's,
    # so a process forked for a moment (holding its parent's pages until it execs) is not
    # counted on top of the kernel.
    with execute._MemorySampler() as sampler:
        children = [
            subprocess.Popen([sys.executable, "-c", _HOLD], stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        for child in children:
            assert child.stdout is not None and child.stdout.readline() == "held\n"
        for child in children:
            child.wait(timeout=10)
    assert 100 * 2**20 <= sampler.peak < 180 * 2**20


def test_a_dead_worker_fails_the_runs_of_its_pool_and_the_rest_start_in_a_fresh_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first run kills its worker at once; the two handed out with it are still running
    # (they wait a second after it died), so the pool fails all three. Python's pool then
    # refuses new runs: the other three must start in a new pool, and every run must be
    # handed over once, in this process, whatever became of it.
    import pool_stand_ins

    from sinstats.build import kernels

    monkeypatch.setattr(execute, "execute_run", pool_stand_ins.die_on_the_first_run)
    ids = ["2025-26/dies", *(f"2025-26/run-{k}" for k in range(1, 6))]
    jobs = [dataclasses.replace(_job(tmp_path, tmp_path / "nb.ipynb"), id=i) for i in ids]
    handed: list[execute.RunOutcome] = []
    execute._execute_pool(jobs, 2, {kernels.COLD_ENV: "1"}, handed.append)
    assert sorted(o.id for o in handed) == sorted(ids)
    status = {o.id: o.status for o in handed}
    assert status == {
        "2025-26/dies": "failed",
        "2025-26/run-1": "failed",
        "2025-26/run-2": "failed",
        "2025-26/run-3": "ok",
        "2025-26/run-4": "ok",
        "2025-26/run-5": "ok",
    }
    for outcome in (o for o in handed if o.status == "failed"):
        assert outcome.error is not None and outcome.error["stage"] == "worker"
        assert outcome.error["evalue"].startswith("the worker process failed: ")
