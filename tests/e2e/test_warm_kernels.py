"""Warm kernels (issue 19): a kernel that crashes or hangs fails only its own run.

Kernels are forked from a pre-imported template (``sinstats.build.kernels``). These builds use
a copy of the fixture notebooks in which one notebook kills its own kernel (SIGKILL) or sleeps
past the cell timeout; the other runs of the same build, served by the same template, must
succeed with warm kernels, the failed run's previous good report must be kept, and no kernel
may be left running afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import psutil
import pytest

from sinstats.build import kernels

if TYPE_CHECKING:
    from .conftest import Project

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not kernels.fork_available(), reason="warm kernels need Linux fork"),
]

CRASH = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
HANG = "import time\ntime.sleep(600)"


def _notebooks_with(project: Project, dest: Path, code: str) -> Path:
    """A copy of the fixture notebooks in which 01-fixture-annual runs ``code`` early."""
    shutil.copytree(project.notebooks, dest)
    path = dest / "01-fixture-annual.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell(code))
    for cell in nb.cells:
        cell.pop("id", None)
    nbformat.write(nb, path)
    return dest


def _entry(out: Path, run_id: str) -> dict:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return next(r for r in manifest["runs"] if r["id"] == run_id)


def _below() -> set[int]:
    """Processes running below this one (workers, templates, kernels; zombies excluded)."""
    alive = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE:
                alive.add(child.pid)
        except psutil.NoSuchProcess:
            continue
    return alive


def _left_after(before: set[int], seconds: float = 10.0) -> set[int]:
    """Processes started since ``before`` that are still running after up to ``seconds``.

    (multiprocessing's resource tracker, started by the session's first pool, lives as long as
    the test process: it was there before.)
    """
    deadline = time.monotonic() + seconds
    while True:
        left = _below() - before
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("code", "ename"), [(CRASH, "DeadKernelError"), (HANG, "CellTimeoutError")]
)
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_crashed_or_hung_warm_kernel_fails_only_its_run(
    built_copy: Project,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    ename: str,
    jobs: int,
) -> None:
    project = built_copy
    monkeypatch.delenv(kernels.COLD_ENV, raising=False)
    bad = "2025-26/01-fixture-annual"
    good_pdf = project.out / bad / "01-fixture-annual-2025-26.pdf"
    good = good_pdf.read_bytes()
    notebooks = _notebooks_with(project, tmp_path / "nb", code)
    config = tmp_path / "reports.yml"
    # A short cell timeout, so that the hanging cell is stopped after 20 s.
    text = project.config.read_text(encoding="utf-8").replace("timeout: 180", "timeout: 20")
    assert "timeout: 20" in text
    config.write_text(text, encoding="utf-8")
    from sinstats.build import pipeline

    before = _below()
    result = pipeline.build(
        config_path=config,
        notebooks_dir=notebooks,
        data_dir=project.data,
        out_dir=project.out,
        years=["2025-26"],
        force=True,
        jobs=jobs,
        progress=False,
    )
    assert result.exit_code == 1
    by_id = {r["id"]: r for r in result.runs}
    assert by_id[bad]["status"] == "failed"
    error = _entry(project.out, bad)["error"]
    assert error["ename"] == ename, error
    # The previous good report is kept; the other run of the build succeeded, warm.
    assert good_pdf.read_bytes() == good
    other = "2025-26/02-fixture-population"
    assert by_id[other]["status"] == "ok"
    assert result.worker_stats[other]["warm_kernel"] == 1.0
    assert result.worker_stats[bad]["warm_kernel"] == 1.0
    # Nothing of the build is left running: no kernel, no template, no worker.
    assert _left_after(before) == set()


def _tagged(tag: str) -> dict[int, str]:
    """Processes whose environment holds ``I19_KILL_TAG=<tag>``: pid -> command line."""
    found = {}
    for proc in psutil.process_iter(["pid"]):
        try:
            environ = Path(f"/proc/{proc.pid}/environ").read_bytes()
            if f"I19_KILL_TAG={tag}".encode() in environ.split(b"\0"):
                cmd = Path(f"/proc/{proc.pid}/cmdline").read_bytes().replace(b"\0", b" ")
                if proc.status() != psutil.STATUS_ZOMBIE:
                    found[proc.pid] = cmd.decode("utf-8", "replace")
        except (OSError, psutil.Error):
            continue
    return found


def test_sigkill_of_a_serial_warm_build_leaves_no_template_or_kernel(
    built_copy: Project, tmp_path: Path
) -> None:
    # With --jobs 1 the build process itself owns the template, so this needs nothing from the
    # workers: the template dies with the build, and the kernel with the template.
    project = built_copy
    notebooks = _notebooks_with(project, tmp_path / "nb", HANG)
    args = project.cli_args()
    args[args.index("--notebooks-dir") + 1] = str(notebooks)
    tag = os.urandom(8).hex()
    env = {k: v for k, v in os.environ.items() if k != kernels.COLD_ENV}
    env["I19_KILL_TAG"] = tag
    build = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sinstats.cli",
            *args,
            "--year",
            "2025-26",
            "--force",
            "--jobs",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        seen: dict[int, str] = {}
        while time.monotonic() < deadline and build.poll() is None:
            seen = _tagged(tag)
            # the build, its template and a kernel forked from it (both run kernels.serve)
            if sum("sinstats.build.kernels" in cmd for cmd in seen.values()) >= 2:
                break
            time.sleep(0.2)
        assert sum("sinstats.build.kernels" in cmd for cmd in seen.values()) >= 2, seen
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=30)
        wait_until = time.monotonic() + 5
        alive = _tagged(tag)
        while alive and time.monotonic() < wait_until:
            time.sleep(0.2)
            alive = _tagged(tag)
    finally:
        for pid in _tagged(tag):  # leave nothing behind, whatever the outcome
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        if build.poll() is None:
            build.kill()
    assert alive == {}, f"alive 5 s after the build was killed: {alive}"


PROBE = """\
import os
import matplotlib
import numpy
from ipykernel.connect import get_connection_file
print("PROBE " + json.dumps({
    "font_size": matplotlib.rcParams["font.size"],
    "numpy_global": numpy.random.random(),
    "connection": get_connection_file(),
    "cwd": os.getcwd(),
}))
"""


def _probe(out: Path, run_id: str) -> dict:
    period, name = run_id.split("/")
    nb = nbformat.read(out / run_id / f"{name}-{period}.ipynb", as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            if text.startswith("PROBE "):
                return json.loads(text[len("PROBE ") :])
    raise AssertionError(f"no probe output in {run_id}")


def test_a_warm_kernel_is_started_as_a_cold_one_would_be_not_from_the_users_folder(
    built_copy: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A review found three ways a forked kernel differed from a new interpreter started in its
    # run's folder: the template imported matplotlib in the folder the build was run from, so a
    # matplotlibrc there reached warm reports only; NumPy's global generator was seeded once, in
    # the template, so every warm kernel drew the same numbers from it; and kernels wrote their
    # connection files (which hold their keys) to the system's temporary folder, where a killed
    # build left them. Each is checked here, warm against cold.
    project = built_copy
    users = tmp_path / "users-folder"
    users.mkdir()
    (users / "matplotlibrc").write_text("font.size: 21\n", encoding="utf-8")
    monkeypatch.chdir(users)
    notebooks = _notebooks_with(project, tmp_path / "nb", PROBE)
    from sinstats.build import pipeline

    runs = ("2025-26/01-fixture-annual", "2024-25/01-fixture-annual")
    probes = {}
    for mode in ("warm", "cold"):
        if mode == "cold":
            monkeypatch.setenv(kernels.COLD_ENV, "1")
        else:
            monkeypatch.delenv(kernels.COLD_ENV, raising=False)
        out = tmp_path / f"reports-{mode}"
        result = pipeline.build(
            config_path=project.config,
            notebooks_dir=notebooks,
            data_dir=project.data,
            out_dir=out,
            notebooks=["01"],
            force=True,
            jobs=1,
            progress=False,
        )
        assert result.exit_code == 0, [r.get("error") for r in result.runs]
        assert {result.worker_stats[r]["warm_kernel"] for r in runs} == {float(mode == "warm")}
        probes[mode] = {r: _probe(out, r) for r in runs}
    for mode, by_run in probes.items():
        for run_id, probe in by_run.items():
            assert probe["font_size"] == probes["cold"][run_id]["font_size"] != 21, (mode, probe)
            # Beside the run's folder, inside the build's temporary folder.
            assert probe["connection"] == probe["cwd"] + ".kernel.json", probe
            assert Path(probe["cwd"]).parent.name == ".tmp"
        first, second = (by_run[r]["numpy_global"] for r in runs)
        assert first != second, f"{mode} kernels drew the same number from NumPy's global generator"
