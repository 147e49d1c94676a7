"""sinstats.build.provenance: package versions, library hash, config files, git, build time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sinstats import data, paths
from sinstats.build import provenance
from sinstats.build.provenance import GitState
from sinstats.errors import ParameterError


def test_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    when, fixed = provenance.build_time()
    assert fixed and when.year == 1970
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ParameterError, match="SOURCE_DATE_EPOCH"):
        provenance.build_time()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert provenance.build_time()[1] is False


def test_git_state_outside_a_checkout(tmp_path: Path) -> None:
    assert provenance.git_state(tmp_path) == GitState(commit=None, dirty=None)


def test_git_state_of_a_checkout(tmp_path: Path) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "f.txt").write_text("a\n", encoding="utf-8")
    git("add", "f.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "first")
    state = provenance.git_state(tmp_path)
    assert state.commit is not None and re.fullmatch(r"[0-9a-f]{40}", state.commit)
    assert state.dirty is False
    (tmp_path / "f.txt").write_text("b\n", encoding="utf-8")
    assert provenance.git_state(tmp_path).dirty is True


def test_package_versions_name_python_and_every_listed_package() -> None:
    versions = provenance.package_versions()
    assert set(versions) == {"python", *provenance.PACKAGES}
    assert versions["sinstats"] != "not installed"


def test_library_hash_is_stable() -> None:
    first = provenance.library_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert provenance.library_hash() == first


def test_config_files_are_found_by_pattern(tmp_path: Path) -> None:
    (tmp_path / "claims").mkdir()
    (tmp_path / "raw" / "release-1").mkdir(parents=True)
    (tmp_path / "assumptions.yml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "claims" / "published.yml").write_text("[]\n", encoding="utf-8")
    (tmp_path / "raw" / "release-1" / "SOURCE.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "claims" / "notes.txt").write_text("not a register\n", encoding="utf-8")
    (tmp_path / "published").mkdir()
    (tmp_path / "published" / "designation.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "breaks.yml").write_text("breaks: []\n", encoding="utf-8")
    found = provenance.config_files(tmp_path)
    # Every run depends on these; the assumptions and claims files only when it reads them.
    assert [Path(p).name for p in found] == ["breaks.yml", "designation.csv", "SOURCE.json"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", str(sha)) for sha in found.values())
    recorded = provenance.recorded_files(tmp_path)
    assert [Path(p).name for p in recorded] == ["assumptions.yml", "published.yml"]
    assert all(Path(p).is_absolute() for p in recorded)
    real = provenance.config_files(paths.data_dir())
    assert "data/published/designation.csv" in real  # shown relative to the project root
    assert "data/breaks.yml" in real  # every run consults the declared breaks
    assert "data/assumptions.yml" not in real


def test_a_data_folder_without_breaks_depends_on_the_projects_and_on_its_own_absence(
    tmp_path: Path,
) -> None:
    # The folder's runs read the project's breaks.yml (sinstats.data.breaks_path): a change to
    # it, or a breaks.yml added to the folder, changes the config every run's key covers.
    (tmp_path / "published").mkdir()
    found = provenance.config_files(tmp_path)
    own = str(tmp_path / "breaks.yml")
    assert found == {
        own: None,
        "data/breaks.yml": provenance.sha256_file(paths.breaks_file(paths.PROJ_ROOT / "data")),
    }
    assert data.breaks_path(tmp_path) == paths.breaks_file(paths.PROJ_ROOT / "data")
    (tmp_path / "breaks.yml").write_text("breaks: []\n", encoding="utf-8")
    after = provenance.config_files(tmp_path)
    assert after != found and after[own] is not None and "data/breaks.yml" not in after


def test_distribution_version_is_importlib_metadatas_for_every_installed_distribution() -> None:
    import importlib.metadata

    names = {d.metadata["Name"] for d in importlib.metadata.distributions()} | set(
        provenance.PACKAGES
    )
    names.discard(None)
    checked = 0
    for name in sorted(names):
        try:
            expected = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            with pytest.raises(importlib.metadata.PackageNotFoundError):
                provenance.distribution_version(name)
            continue
        assert provenance.distribution_version(name) == expected, name
        checked += 1
    assert checked > 50


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ("Metadata-Version: 2.1\nName: x\nVersion: 1.2.3\n\nbody\nVersion: 9\n", "1.2.3"),
        ("Name: x\nversion:\t2.0rc1\r\n\r\n", "2.0rc1"),
        ("Name: x\nVersion: 1.0 \n", "1.0 "),  # trailing space kept, as the e-mail parser does
        ("Name: x\nVersion: 1.0\nVersion: 2.0\n", "1.0"),
        ("Name: x\nVersion: 1.0\n  .post1\n", None),  # folded: importlib.metadata's reading
        ("Name: x\n\nVersion: 1.0\n", None),  # not a header: no version
    ],
)
def test_distribution_version_reads_headers_as_the_email_parser(
    tmp_path: Path, headers: str, expected: str | None
) -> None:
    """A fake distribution on the path: each form gives what importlib.metadata gives."""
    import importlib.metadata
    import sys

    info = tmp_path / "fakedist_q-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_bytes(headers.replace("Name: x", "Name: fakedist_q").encode())
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.invalidate_caches()
        reference = importlib.metadata.version("fakedist_q")
        if expected is not None:
            assert reference == expected
        assert provenance.distribution_version("fakedist_q") == reference
    finally:
        sys.path.remove(str(tmp_path))
        importlib.invalidate_caches()


def test_installed_version_says_not_installed_and_matches_importlib_metadata() -> None:
    import importlib.metadata

    assert provenance.installed_version("no-such-distribution-q") == "not installed"
    for name in provenance.PACKAGES:
        try:
            expected = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            expected = "not installed"
        assert provenance.installed_version(name) == expected, name


def test_another_distribution_finder_leaves_the_look_up_to_importlib_metadata(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    class Finder:
        def find_distributions(self, context: object = None) -> list[object]:
            return []

    assert provenance._metadata_text("numpy") is not None
    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    assert provenance._metadata_text("numpy") is None  # it might know another numpy


def test_package_versions_do_not_import_importlib_metadata() -> None:
    # importlib.metadata (with the e-mail package) was a fifth of a no-change rebuild (issue 19).
    import subprocess
    import sys

    code = (
        "import sys\nfrom sinstats.build import provenance\nprovenance.package_versions()\n"
        "print('importlib.metadata' in sys.modules, 'email' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert proc.stdout.split() == ["False", "False"]
