"""The releases' designations: the shipped file, the queries, and hostile designation files.

Mirrors :mod:`sinstats.data.statistics_designation`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from sinstats import cli, data, paths
from sinstats.data import statistics_designation as dsg
from sinstats.errors import DataError, ParameterError, PeriodError

FILE = paths.published_dir() / dsg.DESIGNATION_FILE


def _rows() -> list[dict[str, str]]:
    with FILE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(dsg.DESIGNATION_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_shipped_file_is_valid_and_covers_every_year_of_the_national_series() -> None:
    records, errors = dsg.read_designations(FILE)
    assert errors == [] and records is not None
    assert [r.release_id for r in records] == [r["release_id"] for r in _rows()]
    # Every April-March year with a national figure has its release's row (known or not).
    covered = {r.period for r in records}
    assert set(data.periods("sin_national")) <= covered
    assert cli.main(["validate", str(FILE)]) == 0


@pytest.mark.parametrize(
    ("period", "designation", "release_id"),
    [
        # As the releases themselves say (sources in the file): research notes, section C.
        ("2015-16", "experimental statistics", "ofsted-2015-16"),
        ("2016-17", "experimental statistics", "ofsted-2016-17"),
        ("2020-21 H1", "transparency data", "dfe-2020-21-part-1-apr-to-sep"),
        ("2020-21", "experimental statistics", "dfe-2020-21"),
        ("202122", "experimental statistics", "dfe-2021-22"),
        ("2022-23", "official statistics", "dfe-2022-23"),
        ("2024", "official statistics", "dfe-2024"),
        ("2025-26", "official statistics", "dfe-2026"),
        # Not found in any source: the file says so, never a guess.
        ("2013-14", "not known", "ofsted-2013-14"),
        ("2014-15", "not known", "ofsted-2014-15"),
        ("2018-19", "not known", "dfe-2018-19"),
        ("2019-20", "not known", "dfe-2019-20"),
        # No release of the series at all.
        ("2011-12", "not known", ""),
        ("2021-22 H1", "not known", ""),
    ],
)
def test_designation_of_a_period(period: str, designation: str, release_id: str) -> None:
    rec = data.designation(period)
    assert rec.designation == designation and rec.release_id == release_id
    assert rec.known == (designation != data.NOT_KNOWN)
    if rec.known:
        assert rec.quote and rec.source_url.startswith(("https://", "http://"))
        assert rec.describe().startswith(f"{rec.period_label}: {designation} (")
    else:
        assert not (rec.quote or rec.source_url)
        assert "designation not known" in rec.describe()


def test_no_release_is_called_accredited_and_2022_23_is_the_first_official() -> None:
    records = data.designations()
    assert "accredited official statistics" not in {r.designation for r in records}
    official = [r for r in records if r.designation == "official statistics"]
    assert official[0].release_id == "dfe-2022-23"
    assert "for the first time" in official[0].quote
    assert all(r.producer == "Department for Education" for r in official)


def test_release_by_id_and_unknown_ids() -> None:
    assert data.release("dfe-2021-22").period == "2021-22"
    with pytest.raises(ParameterError, match="unknown release 'dfe-1999'.*dfe-2020-21"):
        data.release("dfe-1999")
    with pytest.raises(PeriodError):
        data.designation("twenty twenty")


def test_summarise_groups_periods_in_the_order_of_the_designations() -> None:
    recs = [data.designation(p) for p in ("2022-23", "2020-21", "2018-19", "2021-22", "2020-21")]
    assert data.summarise(recs) == [
        ("experimental statistics", ["2020-21", "2021-22"]),
        ("official statistics", ["2022-23"]),
        ("not known", ["2018-19"]),
    ]
    assert data.summarise([]) == []


def _good_row(**changes: str) -> dict[str, str]:
    row = next(r for r in _rows() if r["release_id"] == "dfe-2022-23")
    row.update(changes)
    return row


HOSTILE = {
    "unknown designation": (dict(designation="national statistics"), "designation"),
    "known without its quote": (dict(quote=""), "quote"),
    "not known with a quote": (
        dict(designation="not known", source_id="", publisher="", source_url=""),
        "quote",
    ),
    "not known without a note": (
        dict(designation="not known", quote="", source_id="", publisher="", source_url="", note=""),
        "note",
    ),
    "mirror address": (
        dict(source_url="https://x.mirror.example/find-statistics/serious-incident-notifications/2022-23"),
        "source_url",
    ),
    "latest page": (
        dict(source_url="https://explore-education-statistics.service.gov.uk/find-statistics/serious-incident-notifications"),
        "source_url",
    ),
    "unmarked secondary": (
        dict(publisher="A blog", source_url="https://blog.example/x"),
        "publisher",
    ),
    "unknown producer": (dict(producer="A council"), "producer"),
    "bad release id": (dict(release_id="DfE 2022-23"), "release_id"),
    "bad period": (dict(time_period="2022-24"), "time_period"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_rows_are_refused_with_line_and_column(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changes, column = HOSTILE[case]
    path = _write(
        tmp_path / dsg.DESIGNATION_FILE, [_good_row(), _good_row(**{"release_id": "x", **changes})]
    )
    records, errors = dsg.read_designations(path)
    assert records is None and len(errors) >= 1
    assert errors[0].line == 3 and errors[0].column == column, str(errors[0])
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"line 3, column '{column}'" in err and "Traceback" not in err


def test_duplicate_release_and_period_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / dsg.DESIGNATION_FILE, [_good_row(), _good_row()])
    _, errors = dsg.read_designations(path)
    assert [(e.line, e.column) for e in errors] == [(3, "release_id"), (3, "time_period")]


def test_hostile_files(tmp_path: Path) -> None:
    assert "file not found" in str(dsg.read_designations(tmp_path / "none.csv")[1][0])
    header_only = tmp_path / "h.csv"
    header_only.write_text(",".join(dsg.DESIGNATION_COLUMNS) + "\n", encoding="utf-8")
    assert "no data rows" in str(dsg.read_designations(header_only)[1][0])
    extra = tmp_path / "e.csv"
    extra.write_text(",".join([*dsg.DESIGNATION_COLUMNS, "extra"]) + "\n", encoding="utf-8")
    (err,) = dsg.read_designations(extra)[1]
    assert err.line == 1 and err.column == "extra"
    missing = tmp_path / "m.csv"
    missing.write_text("release_id\nx\n", encoding="utf-8")
    assert "missing column(s) producer" in str(dsg.read_designations(missing)[1][0])
    html = tmp_path / "p.csv"
    html.write_bytes(b"<!DOCTYPE html><html></html>\n")
    assert "HTML page" in str(dsg.read_designations(html)[1][0])


def test_changed_file_fails_its_checksum(data_copy: Path) -> None:
    target = data_copy / "published" / dsg.DESIGNATION_FILE
    target.write_text(
        target.read_text(encoding="utf-8").replace("official statistics for the first", "x"),
        encoding="utf-8",
    )
    with pytest.raises(DataError, match="checksum does not match"):
        data.designations(data_copy)
    assert any("checksum" in str(e) for e in data.verify_checksums(data_copy))


def test_designations_are_recorded_as_read_and_cached(data_copy: Path) -> None:
    data.reset_files_read()
    first = data.designations(data_copy)
    assert any(p.endswith(dsg.DESIGNATION_FILE) for p in data.files_read())
    data.reset_files_read()
    assert data.designations(data_copy) == first  # from the cache, still recorded
    assert any(p.endswith(dsg.DESIGNATION_FILE) for p in data.files_read())
    (data_copy / "published" / dsg.DESIGNATION_FILE).unlink()
    with pytest.raises(DataError, match="file not found"):
        data.designations(data_copy)
