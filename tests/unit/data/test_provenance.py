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
