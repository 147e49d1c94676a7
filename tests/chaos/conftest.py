"""Fixtures of the reliability suite: builds run as the ``sinstats`` command, then broken.

Every scenario runs ``sinstats`` in a subprocess (so that it can be killed), on a fresh copy of the
e2e fixture notebooks (``tests/e2e/notebooks``) and of ``data/`` in ``tmp_path``: the project's own
files are never touched. A build that the test wants killed gets the test hook
``SINSTATS_TEST_KILL_AT=<stage>[#n]`` and ``SINSTATS_TEST_KILL_SIGNAL`` (``docs/pipeline.md``).

Fixtures
--------
project_factory
    ``project_factory(name="p", slow=False)``: a fresh :class:`Project` (``slow`` adds a third
    notebook whose run sleeps 60 s, to have a kernel alive when the build is killed).
baseline
    A project whose 2025-26 reports were built once (session-wide; use ``baseline_copy``).
baseline_copy
    ``baseline`` with a private copy of its reports in ``tmp_path`` (notebooks and data shared:
    do not change them).
integrity
    ``integrity(project)``: asserts that every file the manifest lists matches its recorded
    SHA-256, that each workbook and the index match theirs, that the workbook is the one its runs'
    tables make, and that each CSV table's ``conf_level`` is the run's parameter; returns the
    manifest.
tagged_processes
    ``tagged_processes(tag)``: the live processes (pid, command line) whose environment carries
    ``SINSTATS_CHAOS_TAG=<tag>``.
needs_root
    Skips (with the reason printed) where the test cannot mount file systems.
tiny_mount
    ``tiny_mount(path, size="1m", read_only=False)``: a tmpfs mounted at ``path`` (root only),
    unmounted after the test; ``remount(path, options)`` changes it.
release_zip
    ``release_zip(folder)``: a minimal, made-up ZIP of release 2026 (format fixture, not data).
sinstats
    ``sinstats(*args, env=None, timeout=900)``: run any ``sinstats`` command in a subprocess.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest

from sinstats import paths

CHAOS_DIR = Path(__file__).resolve().parent
FIXTURE_NOTEBOOKS = CHAOS_DIR.parent / "e2e" / "notebooks"
SOURCE_DATE_EPOCH = "1774958400"  # 2026-03-31 12:00 UTC, as in the e2e suite
TAG_ENV = "SINSTATS_CHAOS_TAG"

CONFIG = """\
version: 1
timeout: 180
years: ["2024-25", "2025-26"]
first_year: "2014-15"
defaults:
  conf_level: 0.95
notebooks:
  01-fixture-annual:
    year_specific: true
  02-fixture-population:
    year_specific: false
"""

SLOW = """\
  03-fixture-slow:
    year_specific: false
"""


@dataclass
class Project:
    """A temporary copy of everything a build needs, built with the ``sinstats`` command."""

    root: Path
    config: Path
    notebooks: Path
    data: Path
    out: Path

    def build_args(self, *extra: str) -> list[str]:
        """The ``sinstats build`` command line for this project (two workers)."""
        return [
            sys.executable,
            "-m",
            "sinstats.cli",
            "build",
            "--config",
            str(self.config),
            "--notebooks-dir",
            str(self.notebooks),
            "--data-dir",
            str(self.data),
            "--out",
            str(self.out),
            "--jobs",
            "2",
            *extra,
        ]

    def sinstats(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run ``sinstats ARGS`` (any subcommand) and return what it did."""
        return run_sinstats(*args, env=env, timeout=timeout)

    def build(
        self, *extra: str, env: dict[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run ``sinstats build`` for this project with ``extra`` options."""
        return subprocess.run(
            self.build_args(*extra),
            capture_output=True,
            text=True,
            env=command_env(env),
            timeout=timeout,
            check=False,
        )

    def start_build(self, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start ``sinstats build`` in the background (stdout dropped, stderr piped)."""
        return subprocess.Popen(
            self.build_args(*extra),
            env=command_env(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def manifest(self) -> dict[str, Any]:
        """The manifest as it is on disk."""
        loaded: dict[str, Any] = json.loads((self.out / "manifest.json").read_text("utf-8"))
        return loaded


def command_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a ``sinstats`` subprocess: fixed date and hash seed, no stray hooks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SINSTATS_TEST_")}
    env.update(
        {
            "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH,
            "PYTHONHASHSEED": "0",
            "MPLBACKEND": "Agg",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(extra or {})
    return env


def run_sinstats(
    *args: str, env: dict[str, str] | None = None, timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """Run ``sinstats ARGS`` in a subprocess with :func:`command_env`."""
    return subprocess.run(
        [sys.executable, "-m", "sinstats.cli", *args],
        capture_output=True,
        text=True,
        env=command_env(env),
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def sinstats() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``sinstats(*args, env=None, timeout=900)``: see :func:`run_sinstats`."""
    return run_sinstats


def _slow_notebook(notebooks: Path) -> None:
    """``03-fixture-slow``: the population fixture with a 60-second sleep before its outputs."""
    nb = nbformat.read(notebooks / "02-fixture-population.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell("import time\n\ntime.sleep(60)"))
    for cell in nb.cells:
        cell.pop("id", None)
    nbformat.write(nb, notebooks / "03-fixture-slow.ipynb")


def make_project(root: Path, *, slow: bool = False) -> Project:
    """Copy the fixture notebooks and the data (without fetched releases) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    notebooks = root / "notebooks"
    shutil.copytree(FIXTURE_NOTEBOOKS, notebooks)
    data = root / "data"
    shutil.copytree(
        paths.data_dir(),
        data,
        ignore=lambda d, names: [n for n in names if n == "raw" and Path(d) == paths.data_dir()],
    )
    config = root / "reports.yml"
    text = CONFIG
    if slow:
        _slow_notebook(notebooks)
        text += SLOW
    config.write_text(text, encoding="utf-8")
    return Project(root=root, config=config, notebooks=notebooks, data=data, out=root / "reports")


@pytest.fixture
def project_factory(tmp_path: Path) -> Callable[..., Project]:
    """``project_factory(name="p", slow=False)``: a fresh project under ``tmp_path / name``."""

    def make(name: str = "p", slow: bool = False) -> Project:
        return make_project(tmp_path / name, slow=slow)

    return make


@pytest.fixture(scope="session")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The fixture project with its 2025-26 reports built once (treat as read-only)."""
    project = make_project(tmp_path_factory.mktemp("chaos-baseline"))
    done = project.build("--year", "2025-26")
    assert done.returncode == 0, done.stderr
    return project


@pytest.fixture
def baseline_copy(baseline: Project, tmp_path: Path) -> Project:
    """``baseline`` with a private copy of its reports (sharing its notebooks and data, so that
    the copied runs stay up to date: the data folder is one of their parameters)."""
    root = tmp_path / "copy"
    shutil.copytree(baseline.out, root / "reports", ignore=shutil.ignore_patterns(".lock"))
    return Project(
        root=root,
        config=baseline.config,
        notebooks=baseline.notebooks,
        data=baseline.data,
        out=root / "reports",
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_integrity(project: Project) -> dict[str, Any]:
    """Assert that the reports folder is exactly what its manifest says; return the manifest."""
    from sinstats.build.workbook import workbook_key

    out = project.out
    manifest = project.manifest()
    assert manifest["build"]["complete"] is True
    assert not (out / ".tmp").exists(), "a finished build leaves no work in progress"
    by_period: dict[str, list[dict[str, Any]]] = {}
    for entry in manifest["runs"]:
        good = entry if entry["status"] != "failed" else entry["last_good"]
        by_period.setdefault(entry["period"], []).append(entry)
        if good is None:
            continue
        assert sorted(good["output_files"]) == good["outputs"]
        for rel, record in good["output_files"].items():
            path = out / rel
            assert path.is_file(), f"{rel} is in the manifest but not on disk"
            assert _sha(path) == record["sha256"], f"{rel} differs from the manifest"
            if "/tables/" in rel and rel.endswith(".csv"):
                with path.open(encoding="utf-8", newline="") as fh:
                    levels = {row["conf_level"] for row in csv.DictReader(fh)}
                expected = float(good["parameters"]["conf_level"])
                assert {float(x) for x in levels} <= {expected}, f"{rel}: {levels} != {expected}"
        on_disk = sorted(
            p.relative_to(out).as_posix()
            for p in (out / good["id"]).rglob("*")
            if p.is_file() and not p.name.startswith(".")
        )
        assert on_disk == good["outputs"], f"{good['id']}: files on disk differ from the manifest"
    for period, record in manifest["workbooks"].items():
        workbook = out / period / "tables.xlsx"
        assert _sha(workbook) == record["sha256"], f"{period}/tables.xlsx differs"
        assert record["key"] == workbook_key(period, by_period[period]), "a stale workbook"
    assert _sha(out / "index.html") == manifest["index"]["sha256"], "index.html differs"
    return manifest


@pytest.fixture(scope="session")
def integrity() -> Callable[[Project], dict[str, Any]]:
    """``integrity(project)``: see :func:`check_integrity`."""
    return check_integrity


def live_tagged(tag: str) -> list[tuple[int, str]]:
    """Live (not zombie) processes whose environment holds ``SINSTATS_CHAOS_TAG=tag``."""
    needle = f"{TAG_ENV}={tag}".encode()
    found = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if needle in environ.split(b"\0") and state not in ("Z", "X"):
            found.append((int(pid), cmdline.strip()))
    return found


@pytest.fixture(scope="session")
def tagged_processes() -> Callable[[str], list[tuple[int, str]]]:
    """``tagged_processes(tag)``: see :func:`live_tagged` (Linux ``/proc``)."""
    if not Path("/proc/self/environ").exists():  # pragma: no cover - Linux CI
        pytest.skip("needs Linux /proc to list a build's processes")
    return live_tagged


@pytest.fixture
def needs_root() -> None:
    """Skip, printing why, where file systems cannot be mounted (not root, or no mount)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        reason = "mounting a tiny or read-only file system needs root (CI runs as root)"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)


@pytest.fixture
def tiny_mount(needs_root: None) -> Iterator[Callable[..., Path]]:
    """``tiny_mount(path, size="1m")``: a tmpfs at ``path``; all are unmounted afterwards."""
    mounted: list[Path] = []

    def mount(path: Path, size: str = "1m") -> Path:
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            reason = f"cannot mount a tmpfs here: {done.stderr.strip()}"
            print(f"SKIPPED: {reason}")
            pytest.skip(reason)
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@pytest.fixture
def remount() -> Callable[[Path, str], None]:
    """``remount(path, "ro")``: change the options of a tmpfs from ``tiny_mount``."""

    def run(path: Path, options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)

    return run


_RY_HEADER = [
    "time_period",
    "time_identifier",
    "quarter",
    "geographic_level",
    "country_code",
    "country_name",
    "breakdown_topic",
    "breakdown",
    "nature_of_notification",
    "number_notifications",
]


@pytest.fixture
def release_zip() -> Callable[[Path], Path]:
    """``release_zip(folder)``: a minimal ZIP of release 2026 (FORMAT FIXTURE, NOT REAL DATA)."""

    def make(folder: Path) -> Path:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(_RY_HEADER)
        for year in (2025, 2026):
            for nature, n in (("Total", 400), ("Child death", 200), ("Serious harm", 180)):
                writer.writerow(
                    [year, "Reporting year", "Total", "National", "E92000001", "England", "Total",
                     "Total", nature, n + year % 10]
                )  # fmt: skip
        path = folder / "fixture-2026-FORMAT-FIXTURE-NOT-REAL-DATA.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("data/fixture_sin_nature_characteristics.csv", buf.getvalue())
            zf.writestr("README.txt", "FORMAT FIXTURE, NOT REAL DATA: made up for a test.\n")
        return path

    return make
