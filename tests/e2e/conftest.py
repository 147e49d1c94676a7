"""End-to-end fixtures: a small test configuration of the whole pipeline in temporary folders.

Like ploomber's ``env.test.yaml``: two fixture notebooks (``tests/e2e/notebooks/``) that follow
the notebook/pipeline contract, a three-run matrix (one year-specific notebook for 2024-25 and
2025-26, one other notebook for the latest year), a copy of ``data/`` (the real one is never
modified) and a reports folder in ``tmp_path``. One build is shared by the read-only tests;
tests that change things copy it first.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from sinstats import paths
from sinstats.build import pipeline

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


def make_project(root: Path) -> Project:
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


def copy_reports(project: Project, dest: Path) -> Project:
    """A project sharing notebooks and data with ``project`` but with a copy of its reports."""
    shutil.copytree(project.out, dest, ignore=shutil.ignore_patterns(".lock"))
    return Project(
        root=project.root,
        config=project.config,
        notebooks=project.notebooks,
        data=project.data,
        out=dest,
    )


# Other people edit lib/sinstats while these tests run in a shared checkout; every such edit
# changes the library hash and would make "nothing changed" tests rebuild. The hash is pinned here
# and its effect is tested on its own (test_library_change_rebuilds_every_run).
# Likewise commits made while the tests run would change the git state between two builds; it
# is read once per session (a fresh clone in CI has one commit and a clean tree throughout).
PINNED_LIBRARY_HASH = "0" * 64
REAL_LIBRARY_HASH = pipeline.library_hash
REAL_GIT_STATE = pipeline.git_state
PINNED_GIT_STATE = pipeline.git_state()


def _pin(mp: pytest.MonkeyPatch) -> None:
    mp.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)
    mp.setattr(pipeline, "library_hash", lambda: PINNED_LIBRARY_HASH)
    mp.setattr(pipeline, "git_state", lambda root=None: dict(PINNED_GIT_STATE))


@pytest.fixture(autouse=True)
def _fixed_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    _pin(monkeypatch)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """One forced build of the test matrix, with 2 worker processes. Treat as read-only."""
    mp = pytest.MonkeyPatch()
    _pin(mp)  # only while building: each test pins the same values again (autouse fixture)
    try:
        project = make_project(tmp_path_factory.mktemp("e2e-built"))
        result = project.build(force=True, jobs=2)
    finally:
        mp.undo()
    assert result.exit_code == 0, [r.get("error") for r in result.runs]
    yield project


@pytest.fixture
def no_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any run is executed (bad input must be refused before a kernel starts)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a run was executed: bad input must be refused before any kernel")

    monkeypatch.setattr(pipeline, "_execute_all", refuse)
    monkeypatch.setattr(pipeline, "execute_run", refuse)
