"""Provenance: every shipped row names its source, checksums guard the files, reads are recorded."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from sinstats import cli, data, paths
from sinstats.errors import DataError

PUBLISHED = sorted(paths.published_dir().glob("*.csv"))
GOOD = (paths.published_dir() / "sin_national.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: p.name)
def test_every_row_has_provenance(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for i, row in enumerate(rows, start=2):
        if row.get("designation") == data.NOT_KNOWN:
            # A release whose designation no source states cites nothing, and says so.
            assert not (row["quote"] or row["source_url"] or row["publisher"]), f"line {i}"
            assert "found" in row["note"], f"line {i}"  # what was searched for and not found
            continue
        assert row["source_url"].startswith(("https://", "http://")), f"line {i}"
        assert row["source_id"], f"line {i}"
        assert row["publisher"], f"line {i}"


def test_shipped_files_match_checksums() -> None:
    assert data.verify_checksums() == []
    assert {f"published/{p.name}" for p in PUBLISHED} == set(data.read_checksums())


def test_changed_file_fails_checksum(data_copy: Path) -> None:
    work = data_copy
    target = work / "published" / "sin_national.csv"
    target.write_text(target.read_text().replace(",357,", ",358,"))
    problems = data.verify_checksums(work)
    assert len(problems) == 1 and "checksum does not match" in str(problems[0])
    with pytest.raises(DataError, match="checksum"):
        data.load("sin_national", work)


def test_files_read_records_hashes() -> None:
    data.reset_files_read()
    data.load("sin_national")
    recorded = data.files_read()
    assert any(p.endswith("sin_national.csv") for p in recorded)
    assert all(len(h) == 64 for h in recorded.values())


def test_wrong_checksum_rejected(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = data_copy
    target = work / "published" / "sin_national.csv"
    target.write_text(target.read_text().replace(",357,", ",358,"))
    assert cli.main(["validate", str(target)]) == 2
    assert "checksum does not match" in capsys.readouterr().err


def test_checksums_command(data_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = data_copy
    assert cli.main(["checksums", "--data-dir", str(work)]) == 0
    (work / "published" / "population_0_17.csv").write_text(GOOD)
    assert cli.main(["checksums", "--data-dir", str(work)]) == 2
    assert cli.main(["checksums", "--update", "--data-dir", str(work)]) == 0
    assert cli.main(["checksums", "--data-dir", str(work)]) == 0
    capsys.readouterr()


def test_a_file_read_through_a_link_is_recorded_by_the_links_path(tmp_path: Path) -> None:
    # A link pointed at another file is a change of the file the link names: recorded by the
    # resolved target, the old target would still hash the same and the run would be skipped.
    target = tmp_path / "v1.csv"
    target.write_text("x\n", encoding="utf-8")
    link = tmp_path / "published" / "sin_national.csv"
    link.parent.mkdir()
    link.symlink_to(target)
    data.reset_files_read()
    data.record_read(tmp_path / "published" / ".." / "published" / "sin_national.csv", SHA)
    assert data.files_read() == {str(link): SHA}


def test_a_fallback_is_recorded_with_the_absence_of_the_folders_own_file(tmp_path: Path) -> None:
    own, project = tmp_path / "data" / "assumptions.yml", tmp_path / "assumptions.yml"
    project.write_text("a: 1\n", encoding="utf-8")
    data.reset_files_read()
    assert data.own_or_fallback(own, project) == project
    assert data.files_absent() == [str(own)]
    own.parent.mkdir()
    own.write_text("a: 2\n", encoding="utf-8")
    data.reset_files_read()
    assert data.own_or_fallback(own, project) == own
    assert data.files_absent() == []
    # A file recorded absent and then read (it appeared meanwhile) is not reported absent.
    data.record_absent(own)
    data.record_read(own, SHA)
    assert data.files_absent() == [] and data.files_read() == {str(own): SHA}
    data.reset_files_read()


SHA = "a" * 64
