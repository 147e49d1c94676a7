"""Installed releases: SOURCE.json, checksums, files read, and load_ees on files and folders.

Every file here is a FORMAT FIXTURE, NOT REAL DATA (built by the fixtures in
``tests/unit/data/conftest.py``).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from sinstats import data
from sinstats.data import official
from sinstats.errors import DataError

Install = Callable[..., None]

# ---------------------------------------------------------------------------------------------
# load_ees
# ---------------------------------------------------------------------------------------------


def test_load_ees_file_and_plain_folder(
    tmp_path: Path, release_files: Callable[[str], dict[str, str]]
) -> None:
    folder = tmp_path / "unzipped"
    for entry, text in release_files("2022-23").items():
        target = folder / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (folder / "data" / "x.meta.csv").write_text("col_name,col_type\n", encoding="utf-8")
    data.reset_files_read()
    df = official.load_ees(folder)
    assert list(df.columns) == list(data.TIDY_COLUMNS)
    assert set(df["origin"]) == {
        "ees:data/fixture_sin_characteristics_2019_2023.csv",
        "ees:data/fixture_sin_la_region_2019_2023.csv",
    }
    read = data.files_read()
    assert any(p.endswith("fixture_sin_la_region_2019_2023.csv") for p in read)
    single = official.load_ees(folder / "data" / "fixture_sin_la_region_2019_2023.csv")
    assert len(single) == (df["origin"] == "ees:data/fixture_sin_la_region_2019_2023.csv").sum()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no EES data file"):
        official.load_ees(empty)


def test_load_ees_installed_release(data_copy: Path, install: Install) -> None:
    install(data_copy, "2026")
    df = official.load_ees(data_copy / "raw" / "2026")
    origins = set(df["origin"])
    assert "ees:2026/data/fixture_sin_nature_characteristics.csv" in origins
    assert len(origins) == 4
    assert set(df["source_id"]) >= {"EES_RY2026_fixture_sin_subnational_context"}


# ---------------------------------------------------------------------------------------------
# Provenance for the build: checksums and files read
# ---------------------------------------------------------------------------------------------


def test_release_checksums_and_files_read(data_copy: Path, install: Install) -> None:
    assert official.release_checksums(data_copy) == {}
    install(data_copy, "2026")
    sums = official.release_checksums(data_copy)
    assert "raw/2026/SOURCE.json" in sums
    assert "raw/2026/data/fixture_sin_nature_characteristics.csv" in sums
    source = json.loads((data_copy / "raw" / "2026" / "SOURCE.json").read_text())
    for rel, record in source["files"].items():
        assert sums[f"raw/2026/{rel}"] == record["sha256"]
    data.reset_files_read()
    data.load("sin_national", data_copy)
    read = data.files_read()
    one_file = str((data_copy / "raw/2026/data/fixture_sin_nature_characteristics.csv").resolve())
    assert read[one_file] == sums["raw/2026/data/fixture_sin_nature_characteristics.csv"]
    assert any(p.endswith("published/sin_national.csv") for p in read)


def test_changed_official_file_is_refused(data_copy: Path, install: Install) -> None:
    install(data_copy, "2026")
    target = data_copy / "raw/2026/data/fixture_sin_nature_characteristics.csv"
    target.write_text(target.read_text().replace(",357\n", ",358\n"), encoding="utf-8")
    with pytest.raises(DataError, match="checksum does not match SOURCE.json"):
        data.load("sin_national", data_copy)
    with pytest.raises(DataError, match="checksum does not match SOURCE.json"):
        official.release_checksums(data_copy)
    target.unlink()
    with pytest.raises(DataError, match="listed in SOURCE.json but missing"):
        data.load("sin_national", data_copy)


def test_hand_made_release_folder_is_refused(data_copy: Path) -> None:
    folder = data_copy / "raw" / "2026" / "data"
    folder.mkdir(parents=True)
    with pytest.raises(DataError, match="not installed by 'sinstats fetch'"):
        data.load("sin_national", data_copy)
    (data_copy / "raw" / "2026" / "SOURCE.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataError, match="not valid JSON"):
        data.load("sin_national", data_copy)
    (data_copy / "raw" / "2026" / "SOURCE.json").write_text('{"files": {}}', encoding="utf-8")
    with pytest.raises(DataError, match="records release None"):
        data.load("sin_national", data_copy)
    (data_copy / "raw" / "2026" / "SOURCE.json").write_text("[]", encoding="utf-8")
    with pytest.raises(DataError, match="no 'files' table"):
        data.load("sin_national", data_copy)
    shutil.rmtree(data_copy / "raw" / "2026")
    (data_copy / "raw" / "latest").mkdir()
    with pytest.raises(DataError, match="not an EES release slug"):
        data.load("sin_national", data_copy)


def test_dot_folders_are_ignored(data_copy: Path) -> None:
    (data_copy / "raw" / ".fetch-leftover").mkdir(parents=True)
    frame = data.load("sin_national", data_copy)
    assert set(frame["origin"]) == {"published"}
