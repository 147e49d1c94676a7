"""The data layer: shipped files, provenance, checksums, queries and hostile files."""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sinstats import cli, data, paths
from sinstats.errors import DataError, NoDataError, ParameterError

PUBLISHED = sorted(paths.published_dir().glob("*.csv"))


def test_every_dataset_loads() -> None:
    for name in data.list_datasets():
        df = data.load(name)
        assert list(df.columns) == list(data.TIDY_COLUMNS)
        assert len(df) > 0


@pytest.mark.parametrize("path", PUBLISHED, ids=lambda p: p.name)
def test_every_row_has_provenance(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    for i, row in enumerate(rows, start=2):
        assert row["source_url"].startswith(("https://", "http://")), f"line {i}"
        assert row["source_id"], f"line {i}"
        assert row["publisher"], f"line {i}"


def test_shipped_files_match_checksums() -> None:
    assert data.verify_checksums() == []
    assert {f"published/{p.name}" for p in PUBLISHED} == set(data.read_checksums())


def test_changed_file_fails_checksum(tmp_path: Path) -> None:
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    target = work / "published" / "sin_national.csv"
    target.write_text(target.read_text().replace(",357,", ",358,"))
    problems = data.verify_checksums(work)
    assert len(problems) == 1 and "checksum does not match" in str(problems[0])
    with pytest.raises(DataError, match="checksum"):
        data.load("sin_national", work)


def test_missing_year_is_absent_not_estimated() -> None:
    df = data.load("sin_national")
    assert "2017-18" not in set(df["period"])
    with pytest.raises(
        NoDataError, match=r"no published figure for 2017-18 \(reporting year 2018\)"
    ):
        data.count("2017-18")
    gaps = data.series(with_gaps=True)
    row = gaps[gaps["period"] == "2017-18"].iloc[0]
    assert math.isnan(row["value"]) and row["status"] == "not published"


@pytest.mark.parametrize("form", ["2026", "2025-26", "202526"])
def test_period_forms_give_same_count(form: str) -> None:
    fig = data.count(form)
    assert fig.period == "2025-26"
    assert fig.period_label == "2025-26 (reporting year 2026)"
    # The RY2026 total as shipped in data/published/sin_national.csv.
    assert fig.value == 357 and fig.source_id == "EES_RY2026_natchar"


def test_national_natures_add_up_where_all_published() -> None:
    df = data.load("sin_national")
    for period, grp in df.groupby("period"):
        by = dict(zip(grp["category"], grp["value"], strict=True))
        if {"Child death", "Serious harm", "Other", "Total"} <= set(by):
            parts = by["Child death"] + by["Serious harm"] + by["Other"]
            assert parts == by["Total"], period


def test_2019_20_keeps_official_figure_and_notes_conflict() -> None:
    fig = data.count("2019-20")
    assert fig.value == 449
    assert "448" in fig.note


def test_panel_calendar_year_and_lower_bound() -> None:
    fig = data.figure("panel_notifications", "2021", "Child death")
    assert fig.period == "2021" and fig.qualifier == "over" and fig.value == 150
    assert fig.describe().startswith("over 150")
    total = data.figure("panel_notifications", "2021", "Total")
    assert total.value == 379


def test_population_rule() -> None:
    pop = data.population("2023-24")
    assert pop.mid_year == 2023 and "mid-2023" in pop.note
    latest = data.population("2025-26")  # mid-2025 is not in the shipped ONS series
    assert latest.mid_year == 2024 and "not yet published" in latest.note
    with pytest.raises(NoDataError):
        data.population("2025-26", area="Atlantis")


def test_ambiguous_request_lists_options() -> None:
    with pytest.raises(ParameterError, match="matches"):
        data.figure("characteristics", "2025-26", "Total", area="England")


def test_unknown_dataset() -> None:
    with pytest.raises(ParameterError, match="choose one of"):
        data.load("nope")


def test_files_read_records_hashes() -> None:
    data.reset_files_read()
    data.load("sin_national")
    recorded = data.files_read()
    assert any(p.endswith("sin_national.csv") for p in recorded)
    assert all(len(h) == 64 for h in recorded.values())


def test_symbols_become_missing_with_status(tmp_path: Path) -> None:
    src = paths.published_dir() / "characteristics.csv"
    lines = src.read_text().splitlines()
    header = lines[0].split(",")
    vi = header.index("value")
    cells = next(csv.reader([lines[1]]))
    cells[vi] = "c"
    bad = tmp_path / "characteristics.csv"
    with bad.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerow(cells)
    df, errors = data.read_published(bad)
    assert errors == [] and df is not None
    assert len(df) == 1 and math.isnan(df["value"].iloc[0]) and df["status"].iloc[0] == "c"


# ---------------------------------------------------------------------------------------------
# Hostile files: each must be rejected by `sinstats validate` with exit 2 and a message naming
# the file and the line (and the column where there is one).
# ---------------------------------------------------------------------------------------------

GOOD = (paths.published_dir() / "sin_national.csv").read_text(encoding="utf-8")
HEADER, FIRST, *REST = GOOD.splitlines()


def _replace_cell(line: str, column: str, value: str) -> str:
    cells = next(csv.reader([line]))
    cells[HEADER.split(",").index(column)] = value
    out = []
    for c in cells:
        out.append(f'"{c}"' if ("," in c or '"' in c) else c)
    return ",".join(out)


def _drop_column(text: str, column: str) -> str:
    rows = list(csv.reader(text.splitlines()))
    i = rows[0].index(column)
    return "\n".join(
        ",".join(f'"{c}"' if "," in c else c for c in r[:i] + r[i + 1 :]) for r in rows
    )


HOSTILE: dict[str, tuple[bytes, str, str | None]] = {
    # name: (content, expected line text, expected column or None)
    "missing_column": (_drop_column(GOOD, "source_url").encode(), "line 1", "source_url"),
    "unknown_column": ((HEADER + ",extra\n" + FIRST + ",x\n").encode(), "line 1", "extra"),
    "unknown_category": (
        (
            HEADER + "\n" + _replace_cell(FIRST, "nature_of_notification", "Bad harm") + "\n"
        ).encode(),
        "line 2",
        "nature_of_notification",
    ),
    "negative_count": (
        (HEADER + "\n" + FIRST + "\n" + _replace_cell(REST[0], "value", "-4") + "\n").encode(),
        "line 3",
        "value",
    ),
    "fractional_count": (
        (HEADER + "\n" + _replace_cell(FIRST, "value", "230.5") + "\n").encode(),
        "line 2",
        "value",
    ),
    "unparseable_period": (
        (HEADER + "\n" + _replace_cell(FIRST, "time_period", "2012-14") + "\n").encode(),
        "line 2",
        "time_period",
    ),
    "empty_file": (b"", "line 1", None),
    "non_utf8": ((HEADER + "\n" + FIRST + "\n").encode() + b"\xff\xfe,bad\n", "line 3", None),
    "html_page": (
        b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>\n",
        "line 1",
        None,
    ),
    "header_only": ((HEADER + "\n").encode(), "line 2", None),
    "short_row": (
        (HEADER + "\n" + ",".join(next(csv.reader([REST[8]]))[:-2]) + "\n").encode(),
        "line 2",
        None,
    ),
    "missing_source_url": (
        (HEADER + "\n" + _replace_cell(FIRST, "source_url", "") + "\n").encode(),
        "line 2",
        "source_url",
    ),
    "bad_url": (
        (HEADER + "\n" + _replace_cell(FIRST, "source_url", "ftp://x") + "\n").encode(),
        "line 2",
        "source_url",
    ),
    "unknown_symbol": (
        (HEADER + "\n" + _replace_cell(FIRST, "value", "n/a") + "\n").encode(),
        "line 2",
        "value",
    ),
    "duplicate_figure": (
        (HEADER + "\n" + FIRST + "\n" + FIRST + "\n").encode(),
        "line 3",
        "measure",
    ),
    "unknown_measure": (
        (HEADER + "\n" + _replace_cell(FIRST, "measure", "number_of_cats") + "\n").encode(),
        "line 2",
        "measure",
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_file_rejected(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, line, column = HOSTILE[kind]
    path = tmp_path / "sin_national.csv"
    path.write_bytes(content)
    status = cli.main(["validate", str(path)])
    err = capsys.readouterr().err
    assert status == 2
    assert str(path) in err
    assert line in err
    if column is not None:
        assert f"column '{column}'" in err
    assert "Traceback" not in err


def test_wrong_checksum_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    target = work / "published" / "sin_national.csv"
    target.write_text(target.read_text().replace(",357,", ",358,"))
    assert cli.main(["validate", str(target)]) == 2
    assert "checksum does not match" in capsys.readouterr().err


def test_unknown_file_name_needs_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mystery.csv"
    path.write_text(GOOD)
    assert cli.main(["validate", str(path)]) == 2
    assert "--schema" in capsys.readouterr().err
    assert cli.main(["validate", "--schema", "sin_national", str(path)]) == 0


def test_validate_shipped_files_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["validate", *map(str, PUBLISHED)]) == 0
    assert capsys.readouterr().out.count("valid:") == len(PUBLISHED)


def test_cli_process_prints_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "sin_national.csv"
    path.write_bytes(b"<html>oops</html>")
    proc = subprocess.run(
        [sys.executable, "-m", "sinstats.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "HTML page" in proc.stderr and "Traceback" not in proc.stderr


def test_list_shows_datasets_and_years(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    for name in data.list_datasets():
        assert name in out
    assert "2025-26" in out and "2014-15" in out


def test_checksums_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "data"
    shutil.copytree(paths.data_dir(), work, ignore=shutil.ignore_patterns("raw"))
    assert cli.main(["checksums", "--data-dir", str(work)]) == 0
    (work / "published" / "population_0_17.csv").write_text(GOOD)
    assert cli.main(["checksums", "--data-dir", str(work)]) == 2
    assert cli.main(["checksums", "--update", "--data-dir", str(work)]) == 0
    assert cli.main(["checksums", "--data-dir", str(work)]) == 0
    capsys.readouterr()
