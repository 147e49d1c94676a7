"""sinstats.build.workbook: units, sheet titles and a period without tables."""

from __future__ import annotations

import zipfile
from pathlib import Path

from sinstats.build import workbook

META = {"created": "2026-03-31T12:00:00Z", "build_date": "2026-03-31", "git_commit": None}


def test_units_and_titles() -> None:
    units = workbook._units(["rate_per_100k", "share_pct", "notifications", "note", "conf_level"])
    assert units["notifications"] == "count of notifications" and "note" not in units
    assert units["rate_per_100k"] == "per 100,000 children aged 0 to 17"
    assert units["conf_level"] == "proportion (0 to 1)"
    assert workbook._humanise("method-sensitivity_table") == "Method sensitivity table"


def test_workbook_without_tables_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "2025-26").mkdir()
    stale = tmp_path / "2025-26" / "tables.xlsx"
    stale.write_bytes(b"old")
    assert (
        workbook.write_workbook(tmp_path, "2025-26", [{"status": "ok", "outputs": []}], META)
        is None
    )
    # Removing a stale workbook is the build's job, in the same commit as the manifest.
    assert stale.read_bytes() == b"old"


def test_workbook_takes_the_last_good_tables(tmp_path: Path) -> None:
    tables = tmp_path / "2025-26" / "01-x" / "tables"
    tables.mkdir(parents=True)
    (tables / "headline.csv").write_text(
        "notifications,method,conf_level,note\n357,exact,0.95,\n", encoding="utf-8"
    )
    (tables / "empty.csv").write_text("a\n", encoding="utf-8")
    good = {
        "status": "ok",
        "title": "X",
        "notebook": "01-x",
        "outputs": ["2025-26/01-x/tables/headline.csv", "2025-26/01-x/tables/empty.csv"],
    }
    failed = {"status": "failed", "notebook": "01-x", "last_good": good}
    target = workbook.write_workbook(tmp_path, "2025-26", [failed], {**META, "git_commit": "abc"})
    assert target == tmp_path / "2025-26" / "tables.xlsx"
    with zipfile.ZipFile(target) as xlsx:
        sheets = xlsx.read("xl/workbook.xml").decode()
        strings = xlsx.read("xl/sharedStrings.xml").decode()
    assert 'name="Table_1"' in sheets and 'name="Table_2"' not in sheets
    # the sheet title names the entry given (here the failed one, without a title of its own)
    assert "Headline, 2025-26 (01-x)" in strings and "at git commit abc" in strings
    assert [p.name for p in target.parent.iterdir() if p.is_file()] == ["tables.xlsx"]
