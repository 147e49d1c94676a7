"""A fetch killed between its two renames loses no release (issue 18, defect 6).

``sinstats fetch`` installs a release by renaming the installed copy aside and the new one in.
Here a fetch is killed with SIGKILL right after the first rename (the release is then missing
from ``data/raw/``) or right after the second (both copies exist): the next fetch, and the next
load, must restore the release or remove the leftover, and clean the abandoned work folder; where
the data folder is read-only, loading warns instead of silently using the transcribed figures.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conftest import Project

pytestmark = pytest.mark.slow

KILLED_FETCH = """\
import os, signal, sys
from pathlib import Path

real_rename = os.rename
when = sys.argv[3]

def rename(src, dst, *args, **kwargs):
    real_rename(src, dst, *args, **kwargs)
    aside = Path(dst).name.startswith(".2026.previous-")
    installed = Path(dst).name == "2026" and ".fetch-" in str(src)
    if (when == "aside" and aside) or (when == "installed" and installed):
        os.kill(os.getpid(), signal.SIGKILL)

os.rename = rename
from sinstats.data import releases
releases.fetch("2026", sys.argv[1], data_dir=sys.argv[2], progress=False)
"""

LOAD = """\
import sys, warnings
warnings.simplefilter("always")
from sinstats import data
frame = data.load("sin_national", data_dir=sys.argv[1])
print(sorted(set(frame["origin"].str.split(":").str[0])))
"""


def _killed_fetch(zip_path: Path, data: Path, when: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_FETCH, str(zip_path), str(data), when],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]


def _source(data: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((data / "raw" / "2026" / "SOURCE.json").read_text("utf-8"))
    return loaded


def _leftovers(data: Path) -> list[str]:
    return sorted(p.name for p in (data / "raw").iterdir() if p.name.startswith("."))


@pytest.fixture
def installed(
    project_factory: Callable[..., Project],
    release_zip: Callable[[Path], Path],
    sinstats: Callable[..., subprocess.CompletedProcess[str]],
    tmp_path: Path,
) -> tuple[Project, Path]:
    """A project with release 2026 fetched once, and the ZIP to fetch again."""
    project = project_factory()
    zip_path = release_zip(tmp_path)
    done = sinstats(
        "fetch", "--release", "2026", "--source", str(zip_path), "--data-dir", str(project.data)
    )
    assert done.returncode == 0, done.stderr
    return project, zip_path


def test_a_fetch_killed_between_its_renames_is_repaired_by_the_next_fetch(
    installed: tuple[Project, Path], sinstats: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    project, zip_path = installed
    _killed_fetch(zip_path, project.data, "aside")
    assert not (project.data / "raw" / "2026").exists(), "the kill left the release missing"
    assert any(n.startswith(".2026.previous-") for n in _leftovers(project.data))
    assert any(n.startswith(".fetch-") for n in _leftovers(project.data))
    done = sinstats(
        "fetch", "--release", "2026", "--source", str(zip_path), "--data-dir", str(project.data)
    )
    assert done.returncode == 0, done.stderr
    assert "restored release 2026" in done.stderr and "removed .fetch-" in done.stderr
    assert _source(project.data)["release"] == "2026"
    assert _leftovers(project.data) == []


@pytest.mark.parametrize("when", ["aside", "installed"])
def test_loading_after_a_killed_fetch_restores_the_release_and_says_so(
    installed: tuple[Project, Path], when: str
) -> None:
    project, zip_path = installed
    before = _source(project.data)
    _killed_fetch(zip_path, project.data, when)
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(project.data)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ees" in done.stdout, "the official figures are used, not only the transcribed ones"
    if when == "aside":
        assert "restored release 2026" in done.stderr
        assert _source(project.data) == before
    else:
        assert "removed .2026.previous-" in done.stderr
        assert _source(project.data)["retrieved_utc"] >= before["retrieved_utc"]
    assert _leftovers(project.data) == []


def test_loading_warns_when_a_read_only_folder_cannot_be_repaired(
    installed: tuple[Project, Path],
    tiny_mount: Callable[..., Path],
    remount: Callable[[Path, str], None],
) -> None:
    project, zip_path = installed
    disk = tiny_mount(project.root / "disk", size="64m")
    shutil.copytree(project.data, disk / "data")
    _killed_fetch(zip_path, disk / "data", "aside")
    remount(disk, "ro")
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(disk / "data")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "release 2026 is missing" in done.stderr and "could not be restored" in done.stderr
    assert "the transcribed figures are used instead" in done.stderr
