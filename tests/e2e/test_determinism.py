"""Determinism (issue 9, point 3): the same inputs give the same outputs.

The fixture matrix is built with ``--force`` into separate folders (same notebooks, data, git
state and ``SOURCE_DATE_EPOCH``): twice with warm kernels, and once with cold kernels (issue 19:
the two ways of starting a kernel give the same files). Every CSV and JSON output must be
byte-identical, except the times in ``manifest.json`` (start, end, duration), and every PDF must
have the same text. The HTML reports and SVG figures are checked byte for byte too. The
manifest's hash and size of each executed notebook (``*.ipynb``) may differ as well, and only
those: papermill records in the notebook when each cell ran.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pypdf
import pytest

from sinstats.build import kernels

if TYPE_CHECKING:
    from .conftest import Project

pytestmark = pytest.mark.slow

TIME_KEYS = frozenset({"started", "finished", "duration_s"})


def _without_times(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_times(v) for k, v in obj.items() if k not in TIME_KEYS}
    if isinstance(obj, list):
        return [_without_times(v) for v in obj]
    return obj


def _without_notebook_hashes(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest without the hash and size of executed notebooks (they record times)."""
    for entry in manifest.get("runs", []):
        files = entry.get("output_files") or {}
        for path in [p for p in files if p.endswith(".ipynb")]:
            files[path] = "executed notebook"
    return manifest


def _differences(a: Any, b: Any, at: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The key paths where two JSON documents differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: set[tuple[str, ...]] = set()
        for k in a.keys() | b.keys():
            out |= _differences(a.get(k), b.get(k), (*at, str(k)))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = set()
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out |= _differences(x, y, (*at, str(i)))
        return out
    return set() if a == b else {at}


def _files(root: Path, suffix: str) -> dict[str, Path]:
    return {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob(f"*{suffix}"))
        if p.is_file() and not p.name.startswith(".")
    }


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


@pytest.fixture(scope="module", params=["warm", "cold"])
def second(
    request: pytest.FixtureRequest,
    built: Project,
    tmp_path_factory: pytest.TempPathFactory,
    pin_build_inputs: Callable[[], contextlib.AbstractContextManager[None]],
) -> Path:
    """A second forced build of the same matrix into another folder, with warm or cold kernels.

    ``built`` starts its kernels warm (forked from a pre-imported template, the default where
    fork works); the ``cold`` build starts each kernel as a new interpreter
    (``SINSTATS_COLD_KERNELS=1``), so every test below also compares the two paths' outputs.
    """
    out = tmp_path_factory.mktemp(f"determinism-{request.param}") / "reports"
    with pin_build_inputs(), pytest.MonkeyPatch.context() as mp:
        if request.param == "cold":
            mp.setenv(kernels.COLD_ENV, "1")
        else:
            mp.delenv(kernels.COLD_ENV, raising=False)
        result = built.build(out=out, force=True, jobs=2)
    assert result.exit_code == 0
    used = {stats.get("warm_kernel") for stats in result.worker_stats.values()}
    want = 1.0 if request.param == "warm" and kernels.fork_available() else 0.0
    assert used == {want}, result.worker_stats
    return out


def test_same_files_in_both_builds(built: Project, second: Path) -> None:
    def listing(root: Path) -> list[str]:
        return sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and p.name != ".lock"
        )

    assert listing(built.out) == listing(second)


def test_csv_tables_are_byte_identical(built: Project, second: Path) -> None:
    first = _files(built.out, ".csv")
    assert first, "the build wrote no CSV"
    assert first.keys() == _files(second, ".csv").keys()
    for rel, path in first.items():
        assert path.read_bytes() == (second / rel).read_bytes(), rel


def test_json_outputs_are_identical_except_times(built: Project, second: Path) -> None:
    first = _files(built.out, ".json")
    assert "manifest.json" in first and len(first) > 1
    assert first.keys() == _files(second, ".json").keys()
    for rel, path in first.items():
        if rel == "manifest.json":
            a = _without_times(_without_notebook_hashes(json.loads(path.read_text("utf-8"))))
            b = _without_times(
                _without_notebook_hashes(json.loads((second / rel).read_text("utf-8")))
            )
            assert a == b
        else:
            assert path.read_bytes() == (second / rel).read_bytes(), rel


def test_manifests_differ_only_in_times(built: Project, second: Path) -> None:
    a = json.loads((built.out / "manifest.json").read_text(encoding="utf-8"))
    b = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    assert len(json.dumps(a, indent=2).splitlines()) == len(json.dumps(b, indent=2).splitlines())
    differing = _differences(a, b)
    times = {d for d in differing if d[-1] in TIME_KEYS}
    notebooks = {
        d
        for d in differing
        if len(d) == 5
        and d[2] == "output_files"
        and d[3].endswith(".ipynb")
        and d[4] in {"sha256", "bytes"}
    }
    assert differing - times - notebooks == set(), differing - times - notebooks


def test_pdf_text_is_identical(built: Project, second: Path) -> None:
    first = _files(built.out, ".pdf")
    assert len(first) == 3
    for rel, path in first.items():
        assert _pdf_text(path) == _pdf_text(second / rel), rel


def test_html_and_svg_are_byte_identical(built: Project, second: Path) -> None:
    for suffix in (".html", ".svg"):
        first = _files(built.out, suffix)
        assert first
        for rel, path in first.items():
            assert path.read_bytes() == (second / rel).read_bytes(), rel


def test_pdf_and_workbook_bytes_are_identical(built: Project, second: Path) -> None:
    """Stronger than required: with SOURCE_DATE_EPOCH set, the files themselves are identical."""
    for suffix in (".pdf", ".xlsx"):
        first = _files(built.out, suffix)
        assert first
        for rel, path in first.items():
            assert path.read_bytes() == (second / rel).read_bytes(), rel
