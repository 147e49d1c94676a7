"""Transcribed files in data/published/: symbols, hostile files, ``sinstats validate``."""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest

from sinstats import cli, data, paths

PUBLISHED = sorted(paths.published_dir().glob("*.csv"))


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


def test_evidence_source_type_must_agree_with_publisher(tmp_path: Path) -> None:
    src = paths.published_dir() / "external_evidence.csv"
    rows = list(csv.DictReader(src.open(encoding="utf-8", newline="")))
    row = next(r for r in rows if r["source_type"] == "secondary report")
    row["source_type"] = "publisher"
    row["canonical_url"] = ""
    bad = tmp_path / "external_evidence.csv"
    with bad.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerow(row)
    (err,) = data.validate_file(bad)
    assert err.line == 2 and err.column == "source_type" and "disagrees with publisher" in str(err)


# ---------------------------------------------------------------------------------------------
# Validated frames are remembered by the bytes read (read_published, Notes)
# ---------------------------------------------------------------------------------------------


def test_a_remembered_frame_is_a_copy_equal_to_a_fresh_validation(tmp_path: Path) -> None:
    from sinstats.data import published

    path = tmp_path / "sin_national.csv"
    path.write_text(GOOD, encoding="utf-8")
    first, errors = data.read_published(path)
    assert errors == [] and first is not None
    published._VALIDATED.clear()
    fresh, _ = data.read_published(path)
    first.loc[0, "value"] = -1.0  # a caller's change reaches neither the memo nor the next read
    again, errors = data.read_published(path)
    assert errors == [] and again is not None and again is not fresh
    assert again.equals(fresh) and not again.equals(first)


def test_a_file_changed_since_it_was_validated_is_validated_again(tmp_path: Path) -> None:
    path = tmp_path / "sin_national.csv"
    path.write_text(GOOD, encoding="utf-8")
    assert data.read_published(path)[1] == []
    bad = _replace_cell(FIRST, "geographic_level", "Ward")
    path.write_text("\n".join([HEADER, bad, *REST]) + "\n", encoding="utf-8")
    frame, errors = data.read_published(path)
    assert frame is None
    assert [(e.line, e.column) for e in errors] == [(2, "geographic_level")]


def test_the_checksum_is_checked_on_every_read(data_copy: Path) -> None:
    from sinstats.data import provenance

    path = paths.published_dir(data_copy) / "sin_national.csv"
    assert data.read_published(path)[1] == []
    sums = data_copy / "SHA256SUMS"
    sha = provenance.sha256_bytes(path.read_bytes())
    sums.write_text(sums.read_text(encoding="utf-8").replace(sha, "0" * 64), encoding="utf-8")
    frame, errors = data.read_published(path)
    assert frame is None and len(errors) == 1 and "sin_national.csv" in str(errors[0])


@pytest.mark.parametrize("name", ["sin_national.csv", "designation.csv"])
def test_the_checksum_checked_is_that_of_the_bytes_validated(
    data_copy: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # The file is changed (bytes not in SHA256SUMS, still valid) and put back between the read
    # and the checksum check: the check must be of the bytes that were read and validated, so
    # the changed bytes are refused even though the file on disk matches again by then.
    from sinstats.data import provenance, published, statistics_designation

    path = paths.published_dir(data_copy) / name
    reviewed = path.read_bytes()
    changed = reviewed.replace(b"\n", b"\r\n")  # the same rows, other bytes
    assert changed != reviewed
    path.write_bytes(changed)
    published._VALIDATED.clear()
    module = published if name != "designation.csv" else statistics_designation
    real = provenance.check_one_checksum

    def put_back_then_check(p: Path, *args: object) -> object:
        path.write_bytes(reviewed)
        return real(p, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "check_one_checksum", put_back_then_check)
    if name == "designation.csv":
        frame, errors = statistics_designation.read_designations(path)
    else:
        frame, errors = data.read_published(path)
    assert frame is None
    assert len(errors) == 1 and "checksum does not match" in str(errors[0]), errors
    assert name in str(errors[0])
