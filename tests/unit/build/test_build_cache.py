"""sinstats.build.cache: run keys, the last good entry and the skip-or-run decision."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sinstats.build import cache
from sinstats.build._helpers import sha256_file
from sinstats.build.cache import Decision, HashCache, SharedInputs
from sinstats.build.config import NotebookConfig
from sinstats.build.matrix import Run
from sinstats.periods import parse_period

BASE: dict[str, Any] = {
    "notebook_sha": "n",
    "library_sha": "l",
    "parameters": {"year": "2025-26"},
    "packages": {"python": "3.11"},
    "data_files": {"a.csv": "1"},
    "sums_entries": {"a.csv": "1"},
    "config": {},
}


def test_run_key_changes_with_each_input() -> None:
    key = cache.run_key(**BASE)
    assert cache.run_key(**BASE) == key
    for name, changed in (
        ("notebook_sha", "m"),
        ("library_sha", "k"),
        ("parameters", {"year": "2024-25"}),
        ("packages", {"python": "3.12"}),
        ("data_files", {"a.csv": "2"}),
        ("sums_entries", {"a.csv": None}),
        ("config", {"data/assumptions.yml": "9"}),
    ):
        assert cache.run_key(**{**BASE, name: changed}) != key, name


def test_last_good() -> None:
    assert cache.last_good(None) is None and cache.last_good({}) is None
    ok = {"status": "ok", "key": "k"}
    assert cache.last_good(ok) == ok and cache.last_good(ok) is not ok  # a copy
    assert cache.last_good({"status": "skipped", "key": "s"}) == {"status": "skipped", "key": "s"}
    assert cache.last_good({"status": "failed", "last_good": ok}) == ok
    assert cache.last_good({"status": "failed", "last_good": None}) is None


def test_sums_entries(tmp_path: Path) -> None:
    published = tmp_path / "data" / "published"
    published.mkdir(parents=True)
    csv = published / "a.csv"
    csv.write_text("x\n", encoding="utf-8")
    (tmp_path / "data" / "SHA256SUMS").write_text(
        "# comment\n" + "ab" * 32 + "  published/a.csv\n", encoding="utf-8"
    )
    hashes = HashCache()
    assert hashes.sums_entry(str(csv)) == "ab" * 32
    assert hashes.sums_entry(str(published / "b.csv")) is None
    assert hashes.file(str(csv)) == hashes.file(str(csv)) is not None
    assert hashes.file(str(published / "missing.csv")) is None
    assert HashCache().sums_entry(str(tmp_path / "x" / "y" / "z.csv")) is None  # no SHA256SUMS


@pytest.fixture
def run(tmp_path: Path) -> Run:
    notebook = tmp_path / "01-x.ipynb"
    notebook.write_text("{}", encoding="utf-8")
    nb = NotebookConfig(
        name="01-x", path=notebook, year_specific=True, parameters={}, timeout=60, years=None
    )
    return Run(notebook=nb, period=parse_period("2025-26"), parameters={"year": "2025-26"})


SHARED = SharedInputs(library_sha="l", packages={"python": "3.11"}, config={})


def _good_entry(run: Run, out: Path, data_file: Path) -> dict[str, Any]:
    output = out / "2025-26" / "01-x" / "r.html"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("r", encoding="utf-8")
    hashes = HashCache()
    data_files = {str(data_file): hashes.file(str(data_file))}
    return {
        "id": run.id,
        "status": "ok",
        "outputs": ["2025-26/01-x/r.html"],
        "data_files": data_files,
        "notebook_sha256": sha256_file(run.notebook.path),
        "parameters": dict(run.parameters),
        "packages": dict(SHARED.packages),
        "config_files": dict(SHARED.config),
        "key": cache.key_of(run, SHARED, data_files, hashes),
    }


def test_decide(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    data_file = tmp_path / "a.csv"
    data_file.write_text("1\n", encoding="utf-8")
    good = _good_entry(run, out, data_file)
    assert cache.decide([run], {}, out, SHARED, force=True) == [Decision("forced (--force)", False)]
    assert cache.decide([run], {}, out, SHARED, False) == [Decision("new", False)]
    failed = {run.id: {"status": "failed", "last_good": None}}
    assert cache.decide([run], failed, out, SHARED, False) == [Decision("failed last time", False)]
    assert cache.decide([run], {run.id: good}, out, SHARED, False) == [Decision("up to date", True)]
    other = SharedInputs(library_sha="changed", packages=SHARED.packages, config=SHARED.config)
    assert cache.decide([run], {run.id: good}, out, other, False) == [
        Decision("library changed", False)
    ]
    # The manifest records each output's size: a truncated or edited output is rebuilt.
    sized = {**good, "output_files": {"2025-26/01-x/r.html": {"sha256": "0" * 64, "bytes": 1}}}
    assert cache.decide([run], {run.id: sized}, out, SHARED, False) == [
        Decision("up to date", True)
    ]
    (out / "2025-26" / "01-x" / "r.html").write_text("", encoding="utf-8")  # truncated: 0 bytes
    assert cache.decide([run], {run.id: sized}, out, SHARED, False) == [
        Decision("outputs changed on disk", False)
    ]
    data_file.write_text("2\n", encoding="utf-8")
    assert cache.decide([run], {run.id: good}, out, SHARED, False) == [
        Decision("data changed: a.csv", False)
    ]
    (out / "2025-26" / "01-x" / "r.html").unlink()
    assert cache.decide([run], {run.id: good}, out, SHARED, False) == [
        Decision("outputs missing", False)
    ]


def test_why_changed_names_the_first_difference(run: Run, tmp_path: Path) -> None:
    data_file = tmp_path / "a.csv"
    data_file.write_text("1\n", encoding="utf-8")
    good = _good_entry(run, tmp_path / "reports", data_file)
    files = dict(good["data_files"])

    def why(**changes: Any) -> str:
        return cache.why_changed({**good, **changes}, run, files, SHARED)

    assert why(notebook_sha256="other") == "notebook changed"
    assert why(parameters={"year": "2024-25"}) == "parameters changed"
    assert why(config_files={"data/assumptions.yml": "9"}) == "assumptions/claims changed"
    assert why(packages={"python": "3.12"}) == "packages changed"
    assert why() == "library changed"  # the entry records no library hash, or another one
    assert why(library_sha256="1" * 64) == "library changed"
    # The same library and everything else: only the SHA256SUMS lines can differ.
    assert why(library_sha256=SHARED.library_sha) == "checksums changed (SHA256SUMS)"


def test_a_file_that_cannot_be_read_is_a_change_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A manifest is input: a path it names that cannot be hashed (too long, a device that
    # refuses reads) makes its run rebuild rather than stop the build.
    hashes = HashCache()
    assert hashes.file("d/" * 3000 + "x.csv") == cache.UNREADABLE
    readable = tmp_path / "x.csv"
    readable.write_text("x\n", encoding="utf-8")

    def refuse(path: object) -> str:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(cache, "sha256_file", refuse)
    assert hashes.file(str(readable)) == cache.UNREADABLE
    assert hashes.file(str(tmp_path / "missing.csv")) is None


def test_a_runs_recorded_files_keep_links_and_absences_and_a_repointed_link_is_a_change(
    run: Run, tmp_path: Path
) -> None:
    # inputs.json records a file read through a link by the link's path, and a data folder's
    # own file that was looked for and absent: the key keeps both (the absent one with no
    # hash), so pointing the link elsewhere, or adding the file, changes the run's key.
    from sinstats.build.execute import RunOutcome
    from sinstats.build.pipeline import _data_files_read

    v1, v2 = tmp_path / "v1.csv", tmp_path / "v2.csv"
    v1.write_text("482\n", encoding="utf-8")
    v2.write_text("481\n", encoding="utf-8")
    link = tmp_path / "data" / "published" / "panel_notifications.csv"
    link.parent.mkdir(parents=True)
    link.symlink_to(v1)
    absent = tmp_path / "data" / "assumptions.yml"
    inputs = {"data_files": {str(link): sha256_file(link)}, "absent_files": [str(absent)]}
    outcome = RunOutcome(run.id, "ok", None, inputs, str(tmp_path), "x.ipynb", "", "")
    files = _data_files_read(run, outcome)
    assert files == {str(link): sha256_file(v1), str(absent): None}
    key = cache.key_of(run, SHARED, files, HashCache())

    def key_now() -> str:
        hashes = HashCache()
        return cache.key_of(run, SHARED, {p: hashes.file(p) for p in files}, hashes)

    assert key_now() == key  # nothing changed
    link.unlink()
    link.symlink_to(v2)
    assert key_now() != key  # the link now names other bytes
    link.unlink()
    link.symlink_to(v1)
    absent.write_text("a: 1\n", encoding="utf-8")
    assert key_now() != key  # the folder's own file appeared
