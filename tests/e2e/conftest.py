"""End-to-end fixtures: a small test configuration of the whole pipeline in temporary folders.

Like ploomber's ``env.test.yaml``: two fixture notebooks (``tests/e2e/notebooks/``) that follow
the notebook/pipeline contract, a three-run matrix (one year-specific notebook for 2024-25 and
2025-26, one other notebook for the latest year), a copy of ``data/`` (the real one is never
modified) and a reports folder in ``tmp_path``. One build is shared by the read-only tests
(``built``); tests that change things work on ``built_copy`` or a fresh ``project_factory()``.

Fixtures
--------
project_factory
    ``project_factory(name="p")``: a fresh project (notebooks, data, ``reports.yml``) in tmp_path.
built
    One forced build of the test matrix (session-wide, read-only).
built_copy
    A project sharing ``built``'s notebooks and data, with a copy of its reports in tmp_path.
run_ids
    The ids of the test matrix's three runs, in report order.
pin_build_inputs
    A context manager that pins the build inputs (below) for a module- or session-wide build.
real_library_hash
    The unpinned :func:`sinstats.build.provenance.library_hash`.
no_kernel
    Fails the test if any run is executed.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest

from sinstats import paths
from sinstats.build import execute, pipeline, provenance

E2E_DIR = Path(__file__).resolve().parent
FIXTURE_NOTEBOOKS = E2E_DIR / "notebooks"
# Fixed build date: determinism is defined for a given SOURCE_DATE_EPOCH (2026-03-31 12:00 UTC).
SOURCE_DATE_EPOCH = "1774958400"

CONFIG = """\
# Test matrix: fixture notebooks, two years.
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


def execute_cells(cells: Sequence[str], out: Path, **options: Any) -> None:
    """Run a notebook of these code cells through papermill as the build starts its kernels.

    The notebook is written beside ``out`` (``in-<name>``) and run in that folder with the
    build's kernel and kernel options; ``options`` go to ``papermill.execute_notebook`` (a
    kernel manager, an engine, a timeout). Its errors are raised as papermill raises them.
    """
    import papermill

    source = out.with_name(f"in-{out.name}")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in cells]
    nbformat.write(nb, source)
    papermill.execute_notebook(
        str(source),
        str(out),
        kernel_name=execute.KERNEL_NAME,
        cwd=str(out.parent),
        progress_bar=False,
        log_output=False,
        shutdown_kernel="immediate",
        extra_arguments=list(execute.KERNEL_ARGUMENTS),
        **options,
    )


RUN_IDS = (
    "2025-26/01-fixture-annual",
    "2025-26/02-fixture-population",
    "2024-25/01-fixture-annual",
)


@dataclass
class Project:
    """A temporary copy of everything a build needs."""

    root: Path
    config: Path
    notebooks: Path
    data: Path
    out: Path
    last: pipeline.BuildResult | None = field(default=None)

    def build(self, out: Path | None = None, **kwargs: Any) -> pipeline.BuildResult:
        """Build with this project's config, notebooks and data (quietly)."""
        kwargs.setdefault("progress", False)
        kwargs.setdefault("jobs", 2)
        result = pipeline.build(
            config_path=self.config,
            notebooks_dir=self.notebooks,
            data_dir=self.data,
            out_dir=out or self.out,
            **kwargs,
        )
        self.last = result
        return result

    def cli_args(self, out: Path | None = None) -> list[str]:
        """The ``sinstats build`` options that point at this project."""
        return [
            "build",
            "--config",
            str(self.config),
            "--notebooks-dir",
            str(self.notebooks),
            "--data-dir",
            str(self.data),
            "--out",
            str(out or self.out),
        ]

    def with_reports_copy(self, dest: Path) -> Project:
        """A project sharing these notebooks and data but with a copy of the reports at ``dest``."""
        shutil.copytree(self.out, dest, ignore=shutil.ignore_patterns(".lock"))
        return Project(
            root=self.root, config=self.config, notebooks=self.notebooks, data=self.data, out=dest
        )


def _make_project(root: Path) -> Project:
    """Copy the fixture notebooks and the data (without fetched raw releases) under ``root``."""
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
    config.write_text(CONFIG, encoding="utf-8")
    return Project(root=root, config=config, notebooks=notebooks, data=data, out=root / "reports")


# Other people edit lib/sinstats while these tests run in a shared checkout; every such edit
# changes the library hash and would make "nothing changed" tests rebuild. The hash is pinned here
# and its effect is tested on its own (test_library_change_rebuilds_every_run).
# Likewise commits made while the tests run would change the git state between two builds; it
# is read once per session (a fresh clone in CI has one commit and a clean tree throughout).
# Both are patched in sinstats.build.provenance, where the build looks them up.
PINNED_LIBRARY_HASH = "0" * 64
REAL_LIBRARY_HASH = provenance.library_hash
PINNED_GIT_STATE = provenance.git_state()


def _pin(mp: pytest.MonkeyPatch) -> None:
    mp.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    mp.setattr(provenance, "library_hash", lambda: PINNED_LIBRARY_HASH)
    mp.setattr(provenance, "git_state", lambda root=None: PINNED_GIT_STATE)


@contextlib.contextmanager
def _pinned() -> Iterator[None]:
    mp = pytest.MonkeyPatch()
    _pin(mp)
    try:
        yield
    finally:
        mp.undo()


@pytest.fixture(autouse=True)
def _fixed_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test sees the pinned SOURCE_DATE_EPOCH, library hash and git state."""
    _pin(monkeypatch)


@pytest.fixture(scope="session")
def pin_build_inputs() -> Callable[[], contextlib.AbstractContextManager[None]]:
    """``with pin_build_inputs(): ...`` pins the build inputs for a build shared across tests.

    Function-scoped tests are pinned by an autouse fixture; module- and session-wide builds run
    before it, so they pin the same values only while they build.
    """
    return _pinned


@pytest.fixture(scope="session")
def real_library_hash() -> Callable[[], str]:
    """The library hash function as it is, not the pinned one."""
    return REAL_LIBRARY_HASH


@pytest.fixture(scope="session")
def run_ids() -> tuple[str, ...]:
    """The ids of the test matrix's runs, in report order (latest year first)."""
    return RUN_IDS


@pytest.fixture
def project_factory(tmp_path: Path) -> Callable[..., Project]:
    """``project_factory(name="p")``: a fresh project under ``tmp_path / name``."""

    def make(name: str = "p") -> Project:
        return _make_project(tmp_path / name)

    return make


@pytest.fixture(scope="session")
def built(
    tmp_path_factory: pytest.TempPathFactory,
    pin_build_inputs: Callable[[], contextlib.AbstractContextManager[None]],
) -> Project:
    """One forced build of the test matrix, with 2 worker processes. Treat as read-only."""
    with pin_build_inputs():
        project = _make_project(tmp_path_factory.mktemp("e2e-built"))
        result = project.build(force=True, jobs=2)
    assert result.exit_code == 0, [r.get("error") for r in result.runs]
    return project


@pytest.fixture
def built_copy(built: Project, tmp_path: Path) -> Project:
    """``built`` with a copy of its reports in ``tmp_path / "reports"``, free to change."""
    return built.with_reports_copy(tmp_path / "reports")


@pytest.fixture
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any run is executed (bad input must be refused before a kernel starts)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a run was executed: bad input must be refused before any kernel")

    monkeypatch.setattr(execute, "execute_all", refuse)
    monkeypatch.setattr(execute, "execute_run", refuse)
