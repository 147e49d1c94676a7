"""A build killed at any stage: the next plain build repairs it; no process outlives it.

Each scenario takes a copy of the baseline (2025-26 built at the default ``conf_level`` 0.95),
starts ``sinstats build --year 2025-26 -p conf_level=0.9`` with the test hook
``SINSTATS_TEST_KILL_AT`` so that the build kills itself at one stage, then runs the plain
``sinstats build --year 2025-26`` (no ``--force``). That build must exit 0 and leave a folder that
matches its manifest file by file (SHA-256), with every table at the ``conf_level`` its manifest
entry records (0.95) and a workbook made from those tables; a second plain build must then find
everything up to date and change nothing. This is issue 18's defect 1: the old pipeline moved
runs into place before writing the workbook and the manifest, so a kill after the last "ok" line
left 90% reports that the next build called up to date, beside a 95% workbook and manifest.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conftest import Project

pytestmark = pytest.mark.slow

# (stage[#occurrence], what is interrupted). A 2025-26 build has two runs (two run commits) and
# one final commit (the workbook, then the index, with the manifest). The hook's stages are listed
# in docs/pipeline.md; "commit-prepared" (journal written, nothing moved) and "index-staged" are
# tested below and in test_a_kill_before_the_final_commit_leaves_the_old_index_in_place.
STAGES = [
    ("run-executed#1", "the first run has executed, nothing is committed"),
    ("commit-moved#1", "the first run's folder is in place, the manifest not yet"),
    ("run-landed#1", "the first run is committed, between runs"),
    ("commit-recorded#2", "the second run's manifest is in place, its journal not yet removed"),
    ("workbooks-staged", "after the last 'ok': the workbook is staged, the index not yet"),
    ("commit-moved#3", "final commit: the workbook is in place, the index and manifest not yet"),
    ("build-committed", "everything is committed, the work folder not yet removed"),
]
HANDLED = [("TERM", "commit-moved#1"), ("INT", "workbooks-staged")]
"""SIGTERM and SIGINT (which the build handles, stopping its workers) at some of the stages."""

SCENARIOS = [pytest.param(stage, "KILL", id=f"KILL-{stage}") for stage, _ in STAGES] + [
    pytest.param(stage, sig, id=f"{sig}-{stage}") for sig, stage in HANDLED
]
EXIT = {"KILL": -signal.SIGKILL, "TERM": 128 + signal.SIGTERM, "INT": 128 + signal.SIGINT}


def _killed(project: Project, stage: str, sig: str) -> subprocess.CompletedProcess[str]:
    env = {"SINSTATS_TEST_KILL_AT": stage, "SINSTATS_TEST_KILL_SIGNAL": sig}
    done = project.build("--year", "2025-26", "-p", "conf_level=0.9", env=env)
    assert done.returncode == EXIT[sig], (stage, done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    return done


@pytest.mark.parametrize(("stage", "sig"), SCENARIOS)
def test_after_a_kill_the_next_plain_build_repairs_everything(
    baseline_copy: Project,
    integrity: Callable[[Project], dict[str, Any]],
    stage: str,
    sig: str,
) -> None:
    project = baseline_copy
    _killed(project, stage, sig)
    repair = project.build("--year", "2025-26")
    assert repair.returncode == 0, repair.stderr[-3000:]
    manifest = integrity(project)
    assert all(r["parameters"]["conf_level"] == 0.95 for r in manifest["runs"])
    workbook = (project.out / "2025-26" / "tables.xlsx").read_bytes()
    # Nothing is left to repair: the next plain build changes nothing and says so.
    again = project.build("--year", "2025-26")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "built 0, up to date 2, failed 0" in again.stdout, again.stdout
    integrity(project)
    assert (project.out / "2025-26" / "tables.xlsx").read_bytes() == workbook


def test_a_kill_before_the_final_commit_leaves_the_old_index_in_place(
    baseline_copy: Project, integrity: Callable[[Project], dict[str, Any]]
) -> None:
    # Issue 18, defect 8: the index used to be written before the manifest.
    project = baseline_copy
    index = (project.out / "index.html").read_bytes()
    _killed(project, "index-staged", "KILL")
    assert (project.out / "index.html").read_bytes() == index
    manifest = project.manifest()
    assert manifest["build"]["complete"] is False, "the manifest says the build did not finish"
    # What it does record is true: each run as it is on disk (both runs committed at 0.9).
    assert {r["parameters"]["conf_level"] for r in manifest["runs"]} == {0.9}
    assert project.build("--year", "2025-26").returncode == 0
    integrity(project)


def test_a_kill_with_the_journal_written_but_nothing_moved(
    baseline_copy: Project, integrity: Callable[[Project], dict[str, Any]]
) -> None:
    project = baseline_copy
    before = project.manifest()["runs"]
    _killed(project, "commit-prepared#1", "KILL")
    assert (project.out / ".tmp" / "journal.json").is_file()
    assert project.manifest()["runs"] == before, "nothing visible has changed yet"
    repair = project.build("--year", "2025-26")
    assert repair.returncode == 0 and "interrupted while committing" in repair.stderr
    integrity(project)


def _ppid(pid: int) -> int | None:
    """The parent of ``pid`` (from ``/proc``), None if it has gone."""
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


@pytest.mark.parametrize("kernels", ["warm", "cold"])
@pytest.mark.parametrize("sig", ["KILL", "TERM", "INT"])
def test_no_process_of_a_killed_build_is_alive_five_seconds_later(
    project_factory: Callable[..., Project],
    tagged_processes: Callable[[str], list[tuple[int, str]]],
    sig: str,
    kernels: str,
) -> None:
    # Issue 18, defect 4: workers, their kernels and the resource tracker outlived the build.
    # The build is killed from outside, as a user would, once the first fast run has finished:
    # the slow run's kernel is then sleeping (60 s), and a worker waits for the next job.
    # Issue 19: both ways of starting kernels. A warm kernel is forked by its worker's template
    # (both run ``sinstats.build.kernels``; the kernel's parent is the template); a cold one is
    # ``python -m ipykernel_launcher``.
    project = project_factory(slow=True)
    tag = uuid.uuid4().hex
    env = {"SINSTATS_CHAOS_TAG": tag, "SINSTATS_COLD_KERNELS": "1" if kernels == "cold" else "0"}
    proc = project.start_build("--year", "2025-26", env=env)
    parents: dict[int, int | None] = {}
    assert proc.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True)
    reader.start()
    seen: dict[int, str] = {}
    stderr: list[str] = []
    deadline = time.monotonic() + 300

    def look() -> None:
        for pid, cmd in tagged_processes(tag):
            if pid not in seen:
                seen[pid] = cmd
                parents[pid] = _ppid(pid)

    while time.monotonic() < deadline and proc.poll() is None:
        look()
        try:
            stderr.append(lines.get(timeout=0.05))
        except queue.Empty:
            continue
        if re.search(r"\s(ok|failed)\s*$", stderr[-1]):  # a run finished
            look()
            proc.send_signal(getattr(signal, f"SIG{sig}"))
            break
    proc.wait(timeout=60)
    reader.join(timeout=5)
    while not lines.empty():  # what the build said after the signal (a traceback, if any)
        stderr.append(lines.get_nowait())
    assert proc.returncode == EXIT[sig], (proc.returncode, "".join(stderr)[-4000:])
    forked = {pid for pid, cmd in seen.items() if "sinstats.build.kernels" in cmd}
    if kernels == "cold":
        kernel_pids = [pid for pid, cmd in seen.items() if "ipykernel" in cmd]
        assert not forked, f"a cold build started a template: {seen}"
    else:
        kernel_pids = [pid for pid in forked if parents.get(pid) in forked]  # forked by a template
    workers = [cmd for cmd in seen.values() if "multiprocessing" in cmd]
    assert kernel_pids and workers, f"the test must see a kernel and a worker alive: {seen}"
    alive = tagged_processes(tag)
    wait_until = time.monotonic() + 5.0
    while alive and time.monotonic() < wait_until:
        time.sleep(0.2)
        alive = tagged_processes(tag)
    for pid, _ in alive:  # leave nothing behind, whatever the outcome
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert alive == [], f"alive 5 s after the build was killed: {alive}"
