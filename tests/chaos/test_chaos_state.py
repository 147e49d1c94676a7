"""State files the build wrote earlier are untrusted: crafted or corrupt ones are refused safely.

Issue 18, defects 2, 5 and 8: a ``failed_notebook`` in the manifest pointing outside the reports
folder made a no-change build delete that file; a structurally corrupt manifest or parameter cache
failed every build until deleted; an edited cache entry was blamed on ``reports.yml``; a stray
``.manifest.json.PID.tmp`` stayed; run folders were created mode 0700.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .conftest import Project

pytestmark = pytest.mark.slow

RUN = "2025-26/01-fixture-annual"


def _edit_manifest(project: Project, edit: Callable[[dict[str, Any]], None]) -> None:
    manifest = project.manifest()
    edit(manifest)
    (project.out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_a_crafted_failed_notebook_path_deletes_nothing(
    baseline_copy: Project,
    tmp_path: Path,
    integrity: Callable[[Project], dict[str, Any]],
    where: str,
) -> None:
    project = baseline_copy
    victim = tmp_path / "victim.txt" if where == "absolute" else project.out.parent / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    target = str(victim) if where == "absolute" else "../victim.txt"

    def craft(manifest: dict[str, Any]) -> None:
        entry = next(r for r in manifest["runs"] if r["id"] == RUN)
        good = dict(entry)
        entry.update(status="failed", key=None, failed_notebook=target, last_good=good)

    _edit_manifest(project, craft)
    done = project.build("--year", "2025-26")
    assert done.returncode == 0, done.stderr[-3000:]
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert f"run '{RUN}' is not valid (failed_notebook" in done.stderr
    assert "is ignored and its run is rebuilt" in done.stderr
    integrity(project)


@pytest.mark.parametrize(
    "content",
    ["{", "[" * 200_000],
    ids=["truncated", "deep"],  # more shapes in tests/unit/build/test_build_manifest.py
)
def test_a_corrupt_manifest_is_discarded_and_rebuilt(
    baseline_copy: Project, integrity: Callable[[Project], dict[str, Any]], content: str
) -> None:
    project = baseline_copy
    (project.out / "manifest.json").write_text(content, encoding="utf-8")
    done = project.build("--year", "2025-26")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "warning: " in done.stderr and "rebuilt" in done.stderr
    assert "built 2," in done.stdout
    integrity(project)


@pytest.mark.parametrize(
    "content",
    ["[1, 2]", '{"' + "0" * 64 + '": [1]}', "{" * 100_000],
    ids=["a-list", "entry-not-a-mapping", "deep"],
)
def test_a_corrupt_parameter_cache_is_discarded(baseline_copy: Project, content: str) -> None:
    project = baseline_copy
    cache = project.out / ".cache" / "parameters.json"
    cache.write_text(content, encoding="utf-8")
    done = project.build("--year", "2025-26")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "is not a parameter cache this build wrote" in done.stderr
    assert "built 0, up to date 2" in done.stdout
    assert json.loads(cache.read_text(encoding="utf-8")), "the cache is written again"


def test_an_edited_cache_entry_is_not_blamed_on_reports_yml(baseline_copy: Project) -> None:
    project = baseline_copy
    cache = project.out / ".cache" / "parameters.json"
    entries = json.loads(cache.read_text(encoding="utf-8"))
    for declared in entries.values():
        declared["conf_level"]["type"] = "int"  # reports.yml's 0.95 is then "not an integer"
    cache.write_text(json.dumps(entries), encoding="utf-8")
    done = project.build("--year", "2025-26")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "cached parameters cell of a notebook was out of date" in done.stderr
    fixed = json.loads(cache.read_text(encoding="utf-8"))
    assert {d["conf_level"]["type"] for d in fixed.values()} == {"float"}


def test_a_stray_temporary_manifest_is_removed(baseline_copy: Project) -> None:
    project = baseline_copy
    stray = project.out / ".manifest.json.4242.tmp"
    stray.write_text('{"half": ', encoding="utf-8")
    done = project.build("--year", "2025-26")
    assert done.returncode == 0 and not stray.exists()


def test_run_folders_have_the_same_mode_as_every_other_folder(baseline: Project) -> None:
    period = baseline.out / "2025-26"
    modes = {stat.S_IMODE(p.stat().st_mode) for p in [period, *period.iterdir()] if p.is_dir()}
    assert modes == {stat.S_IMODE(period.stat().st_mode)}, modes
