"""Installing a release: fetch -> validation -> SOURCE.json -> atomic install, for every era.

No network: fixture ZIPs (FORMAT FIXTURES, NOT REAL DATA) from the shared fixtures, served by the
local server of ``conftest.py`` or read from a local file. A release that fails validation must
exit 2 with a clear message and leave data/raw/ unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sinstats import cli, data, paths
from sinstats.data import official, releases
from sinstats.data.releases import catalogue, install
from sinstats.errors import DataError

Refused = Callable[..., None]
ZipWith = Callable[[dict[str, str | bytes | None]], bytes]
NATURE = "data/fixture_sin_nature_characteristics.csv"
HTML = b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Sorry</body></html>\n"

# ---------------------------------------------------------------------------------------------
# End to end: fetch -> validation -> install -> load_ees -> overlay, for every era
# ---------------------------------------------------------------------------------------------

ERAS_BY_RELEASE = {
    "2020-21-part-1-apr-to-sep": {"transparency"},
    "2020-21": {"fy_category", "subnational"},
    "2021-22": {"fy_category", "totals", "cross_characteristics"},
    "2022-23": {"fy_characteristic", "subnational"},
    "2024": {"ry_breakdown", "subnational"},
    "2025": {"ry_breakdown", "subnational", "care_leaver"},
    "2026": {"ry_breakdown", "subnational", "care_leaver", "totals"},
}


@pytest.mark.parametrize("slug", list(releases.KNOWN_RELEASES))
def test_fetch_every_era_from_local_server(
    slug: str,
    server: Any,
    tmp_path: Path,
    data_copy: Path,
    release_zip: Callable[..., Path],
    run_fetch: Callable[..., int],
    fixture_label: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = data_copy
    zip_path = release_zip(tmp_path, slug)
    url = server.serve_file(f"/releases/{slug}/files", zip_path)
    assert run_fetch(work, slug, url) == 0
    out = capsys.readouterr().out
    assert f"fetched release {slug} from {url}" in out
    folder = work / "raw" / slug
    source = json.loads((folder / "SOURCE.json").read_text())
    assert source["release"] == slug and source["source"] == url
    assert source["source_kind"] == "url" and source["source_url"] == url
    assert source["retrieved_utc"].endswith("Z") and source["sinstats_version"]
    assert source["archive"]["sha256"] == hashlib.sha256(zip_path.read_bytes()).hexdigest()
    assert source["http"]["content_type"] == "application/zip"
    for rel, record in source["files"].items():
        content = (folder / rel).read_bytes()
        assert record["sha256"] == hashlib.sha256(content).hexdigest()
        assert record["bytes"] == len(content)
    eras = {r["era"] for r in source["files"].values() if r["kind"] == "data"}
    assert eras == ERAS_BY_RELEASE[slug]
    assert fixture_label in (folder / "README-FORMAT-FIXTURES.txt").read_text()
    frame = official.load_ees(folder)
    assert set(frame["source_url"]) == {url}
    assert frame["origin"].str.startswith(f"ees:{slug}/data/fixture_").all()
    assert official.release_period(slug).id in set(frame["period"])
    national = data.load("sin_national", work)
    assert national["origin"].str.startswith(f"ees:{slug}/").any() == (
        slug != next(iter(releases.KNOWN_RELEASES))
    )
    assert not list((work / "raw").glob(".*"))  # no temporary folder left behind


def test_fetch_local_zip_offline(
    tmp_path: Path,
    data_copy: Path,
    release_zip: Callable[..., Path],
    run_fetch: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = data_copy
    zip_path = release_zip(tmp_path, "2024")
    assert run_fetch(work, "2024", str(zip_path)) == 0
    source = json.loads((work / "raw" / "2024" / "SOURCE.json").read_text())
    assert source["source_kind"] == "file" and source["source"] == str(zip_path.resolve())
    assert source["source_url"] == f"{official.PUBLICATION_URL}/2024"
    assert "http" not in source
    # file:// URLs are local files too.
    assert run_fetch(work, "2024", zip_path.resolve().as_uri()) == 0
    assert "replaced the previous copy of release 2024" in capsys.readouterr().out


def test_fetch_default_url_is_used(
    server: Any,
    tmp_path: Path,
    data_copy: Path,
    release_zip: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = data_copy
    url = server.serve_file("/api/releases/id/files", release_zip(tmp_path, "2026"))
    asked: list[str] = []

    def fake_release_url(slug: str) -> str:
        asked.append(slug)
        return url

    monkeypatch.setattr(catalogue, "release_url", fake_release_url)  # where fetch looks it up
    args = ["fetch", "--release", "2026", "--data-dir", str(work), "--no-progress"]
    assert cli.main(args) == 0
    assert asked == ["2026"] and server.hits["/api/releases/id/files"] == 1


def test_replacing_a_release_keeps_no_backup(
    server: Any,
    work: Path,
    tmp_path: Path,
    release_zip: Callable[..., Path],
    fixture_label: str,
) -> None:
    changed = release_zip(
        tmp_path, "2026", changes={"supporting-files/fixture-notes.txt": f"{fixture_label}\n"}
    )
    url = server.serve_file("/v2.zip", changed)
    result = releases.fetch("2026", url, data_dir=work, progress=False)
    assert result.replaced
    assert (work / "raw" / "2026" / "supporting-files" / "fixture-notes.txt").is_file()
    assert sorted(p.name for p in (work / "raw").iterdir()) == ["2026", "README.md"]
    assert result.periods[0] == "2014-15" and result.periods[-1] == "2025-26"


def test_archive_named_from_content_disposition(
    server: Any, work: Path, tmp_path: Path, release_zip: Callable[..., Path]
) -> None:
    disposition = 'attachment; filename="../serious-incident-notifications_2026.zip"'
    url = server.serve_file(
        "/api/releases/x/files",
        release_zip(tmp_path, "2026"),
        headers={"Content-Disposition": disposition},
    )
    releases.fetch("2026", url, data_dir=work, progress=False, allow_insecure_localhost=True)
    source = json.loads((work / "raw" / "2026" / "SOURCE.json").read_text())
    assert source["archive"]["name"] == "serious-incident-notifications_2026.zip"
    plain = server.serve_file("/api/releases/y/files", release_zip(tmp_path, "2026"))
    releases.fetch("2026", plain, data_dir=work, progress=False)
    source = json.loads((work / "raw" / "2026" / "SOURCE.json").read_text())
    assert source["archive"]["name"] == "serious-incident-notifications_2026.zip"


# ---------------------------------------------------------------------------------------------
# Archives that are safe but are not a valid release: exit 2, a clear message, data/raw unchanged
# ---------------------------------------------------------------------------------------------

PUPILS = (
    "time_period,time_identifier,geographic_level,country_code,country_name,pupil_count,"
    "number_notifications\n2026,Reporting year,National,E92000001,England,7,3\n"
)

# name: (archive from the fixture files: the good 2026 ZIP with changes, or other files; words)
INVALID_RELEASES: dict[
    str, tuple[Callable[[Callable[[str], dict[str, str]], ZipWith, Any], bytes], str]
] = {
    "missing_sin_files": (
        lambda files, zip_with, zip_of: zip_of(
            {name: text for name, text in files("2026").items() if not name.startswith("data/")}
        ),
        "holds no serious incident notifications data file",
    ),
    "only_unkept_files": (
        lambda files, zip_with, zip_of: zip_of({"setup.exe": b"MZ", "run.sh": "echo"}),
        "holds no file sinstats keeps",
    ),
    "wrong_columns": (
        lambda files, zip_with, zip_of: zip_with({"data/fixture_pupils.csv": PUPILS}),
        "fixture_pupils.csv, line 1, column 'pupil_count': unknown column",
    ),
    "html_saved_as_csv": (
        lambda files, zip_with, zip_of: zip_with({NATURE: HTML}),
        "fixture_sin_nature_characteristics.csv, line 1: this is an HTML page",
    ),
    "negative_count_in_csv": (
        lambda files, zip_with, zip_of: zip_with(
            {NATURE: files("2026")[NATURE].replace(",357\n", ",-357\n")}
        ),
        "a count cannot be negative",
    ),
    "bad_meta_file": (
        lambda files, zip_with, zip_of: zip_with({"data/x.meta.csv": "name,type\n"}),
        "col_name,col_type",
    ),
    "another_release": (
        lambda files, zip_with, zip_of: zip_of(dict(files("2025"))),
        "is this the ZIP of another release?",
    ),
}


@pytest.mark.parametrize("kind", sorted(INVALID_RELEASES))
def test_invalid_release_rejected_and_raw_unchanged(
    kind: str,
    server: Any,
    release_files: Callable[[str], dict[str, str]],
    zip_with: ZipWith,
    zip_of: Callable[..., bytes],
    assert_fetch_refused: Refused,
) -> None:
    build, words = INVALID_RELEASES[kind]
    url = server.serve(f"/{kind}.zip", build(release_files, zip_with, zip_of))
    assert_fetch_refused(url, words)


def test_argument_errors_exit_2(
    work: Path, run_fetch: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["fetch", "--data-dir", str(work)]) == 2
    assert "--release is required" in capsys.readouterr().err
    assert cli.main(["fetch", "--release", "../x", "--data-dir", str(work)]) == 2
    assert "not an EES release slug" in capsys.readouterr().err
    assert run_fetch(work, "2026", "x.zip", "--retries", "-1") == 2
    assert "--retries" in capsys.readouterr().err
    missing = work.parent / "nowhere"
    assert cli.main(["fetch", "--release", "2026", "--data-dir", str(missing)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["fetch", "--release", "2024", "--data-dir", str(work)]) == 2
    assert "Download all data (ZIP)" in capsys.readouterr().err


def test_failed_install_restores_previous_release(
    tmp_path: Path,
    work: Path,
    release_zip: Callable[..., Path],
    run_fetch: Callable[..., int],
    tree_state: Callable[[Path], dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = tree_state(work / "raw")
    real_rename = os.rename

    def failing_rename(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(src).name == "release":  # moving the new release into place
            raise OSError("disk full (simulated)")
        real_rename(src, dst)

    monkeypatch.setattr(install.os, "rename", failing_rename)  # what _install calls
    assert run_fetch(work, "2026", str(release_zip(tmp_path, "2026"))) == 2
    assert "disk full (simulated)" in capsys.readouterr().err
    monkeypatch.setattr(install.os, "rename", real_rename)
    assert tree_state(work / "raw") == before


def test_validation_error_names_the_archive_entry(
    tmp_path: Path,
    work: Path,
    release_files: Callable[[str], dict[str, str]],
    release_zip: Callable[..., Path],
) -> None:
    bad = release_files("2026")[NATURE].replace(",357\n", ",35.7\n")
    path = release_zip(tmp_path, "2026", changes={NATURE: bad}, name="fixture-bad.zip")
    with pytest.raises(DataError) as info:
        releases.fetch("2026", path, data_dir=work, progress=False)
    assert info.value.path == f"fixture-bad.zip:{NATURE}"
    assert info.value.column == "number_notifications" and info.value.line is not None


def test_fetch_creates_missing_raw_folder_and_cleans_up(
    tmp_path: Path, data_copy: Path, release_zip: Callable[..., Path]
) -> None:
    work = data_copy
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(releases.ArchiveError):
        releases.fetch("2026", bad, data_dir=work, progress=False)
    assert not (work / "raw").exists()  # created for the attempt, removed again
    releases.fetch("2026", release_zip(tmp_path, "2026"), data_dir=work, progress=False)
    assert (work / "raw" / "2026" / "SOURCE.json").is_file()


# ---------------------------------------------------------------------------------------------
# Acceptance 3: after fetching a fixture release, `sinstats build` uses it and the manifest
# names its checksums. Runs one notebook for one year from a minimal run matrix (about 10 s).
# ---------------------------------------------------------------------------------------------

MINIMAL_MATRIX = """\
version: 1
timeout: 600
years: ["2025-26"]
first_year: "2014-15"
defaults:
  conf_level: 0.95
notebooks:
  01-annual-overview:
    year_specific: true
"""


@pytest.mark.slow
def test_build_uses_fetched_release_and_manifest_names_checksums(
    tmp_path: Path,
    data_copy: Path,
    release_zip: Callable[..., Path],
    run_fetch: Callable[..., int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not (paths.NOTEBOOKS_DIR / "01-annual-overview.ipynb").is_file():
        pytest.skip("notebook 01 is not in this checkout")
    work = data_copy
    assert run_fetch(work, "2026", str(release_zip(tmp_path, "2026"))) == 0
    config = tmp_path / "reports.yml"
    config.write_text(MINIMAL_MATRIX, encoding="utf-8")
    out = tmp_path / "reports"
    args = ["build", "--config", str(config), "--out", str(out), "--data-dir", str(work)]
    assert cli.main([*args, "--jobs", "1"]) == 0, capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (run,) = [r for r in manifest["runs"] if r["status"] == "ok"]
    sums = official.release_checksums(work)
    files = {path: sha for path, sha in run["data_files"].items() if "/raw/2026/data/" in path}
    assert files, run["data_files"]
    for path, sha in files.items():
        rel = "raw/" + path.split("/raw/", 1)[1]
        assert sums[rel] == sha
    # The nature file holds the national figures the overview reads.
    assert any(p.endswith("fixture_sin_nature_characteristics.csv") for p in files)
    source_json = [p for p in run["config_files"] if p.endswith("raw/2026/SOURCE.json")]
    assert len(source_json) == 1
    assert run["config_files"][source_json[0]] == sums["raw/2026/SOURCE.json"]
    capsys.readouterr()
