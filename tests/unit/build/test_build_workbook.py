"""sinstats.build.workbook: units, sheet titles and a period without tables."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from sinstats.build import workbook
from sinstats.errors import DataError

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


def _hostile_table(tmp_path: Path, rows: str) -> dict[str, object]:
    tables = tmp_path / "2025-26" / "06-x" / "tables"
    tables.mkdir(parents=True)
    (tables / "claims.csv").write_text(rows, encoding="utf-8")
    return {
        "id": "2025-26/06-x",
        "status": "ok",
        "title": "Title $$note$$ [t](javascript:alert(1))",
        "notebook": "06-x",
        "outputs": ["2025-26/06-x/tables/claims.csv"],
    }


def test_hostile_text_is_written_as_inert_text(tmp_path: Path) -> None:
    # Issue 18, defect 3: "=..." became a formula cell and "[t](url)" a live link.
    entry = _hostile_table(
        tmp_path,
        "statement,url,count,note\n"
        '"=HYPERLINK(""https://evil.example/"",""x"")",https://www.gov.uk/a,1,plain\n'
        "\"=cmd|' /C calc'!A0\",https://www.gov.uk/b,2,[t](javascript:alert(1))\n"
        "+1,https://www.gov.uk/c,3,-2+3\n"
        '@SUM(A1),https://www.gov.uk/d,4,"\tTab"\n',
    )
    target = workbook.write_workbook(tmp_path, "2025-26", [entry], META)
    assert target is not None
    with zipfile.ZipFile(target) as xlsx:
        parts = {n: xlsx.read(n).decode("utf-8") for n in xlsx.namelist()}
    assert not [n for n, body in parts.items() if "<f>" in body or "<f " in body]
    strings = parts["xl/sharedStrings.xml"]
    assert "=HYPERLINK" in strings and "[t](javascript:alert(1))" in strings
    assert 'quotePrefix="1"' in parts["xl/styles.xml"]
    rels = "".join(body for n, body in parts.items() if n.startswith("xl/worksheets/_rels/"))
    external = re.findall(r'Target="([^"]+)"[^>]*TargetMode="External"', rels)
    assert sorted(external) == [f"https://www.gov.uk/{c}" for c in "abcd"], external
    assert "javascript" not in rels


def test_a_bad_url_names_the_file_row_and_column(tmp_path: Path) -> None:
    entry = _hostile_table(tmp_path, "statement,url\nok,https://www.gov.uk/a\nbad,javascript:x\n")
    with pytest.raises(DataError) as caught:
        workbook.write_workbook(tmp_path, "2025-26", [entry], META)
    message = str(caught.value)
    assert message.startswith("2025-26/06-x/tables/claims.csv, column 'url': row 2:")
    assert "'javascript:x' is not an http(s) address" in message


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("https://www.gov.uk/x", True),
        ("http://a.b/c?d=e", True),
        ("javascript:alert(1)", False),
        ("https:///nohost", False),
        ("https://a.b/ space", False),
        ("ftp://a.b/", False),
        ("https://a.b/\x00", False),
        ("https://[bad", False),
    ],
)
def test_is_http_url(value: str, ok: bool) -> None:
    assert workbook.is_http_url(value) is ok


def test_literal_breaks_gptables_markup() -> None:
    text = workbook.literal("a $$note$$ [t](u)")
    assert "$$" not in text and "](" not in text
    assert text.replace("\u200b", "") == "a $$note$$ [t](u)"


def test_workbook_key_follows_the_tables(tmp_path: Path) -> None:
    entry = {
        "id": "2025-26/01-x",
        "title": "X",
        "notebook": "01-x",
        "status": "ok",
        "outputs": ["2025-26/01-x/tables/a.csv"],
        "output_files": {"2025-26/01-x/tables/a.csv": {"sha256": "1" * 64, "bytes": 3}},
    }
    key = workbook.workbook_key("2025-26", [entry])
    assert workbook.workbook_key("2025-26", [dict(entry)]) == key
    changed = {**entry, "output_files": {"2025-26/01-x/tables/a.csv": {"sha256": "2" * 64}}}
    assert workbook.workbook_key("2025-26", [changed]) != key
    assert workbook.workbook_key("2024-25", [entry]) != key


def test_tables_outside_the_reports_folder_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "tables" / "secret.csv"
    secret.parent.mkdir()
    secret.write_text("a,method,conf_level,note\n1,x,0.95,\n", encoding="utf-8")
    out = tmp_path / "reports"
    (out / "2025-26" / "01-x").mkdir(parents=True)
    (out / "2025-26" / "01-x" / "tables").symlink_to(secret.parent)
    outputs = ["../tables/secret.csv", str(secret), "2025-26/01-x/tables/secret.csv"]
    assert all(workbook.table_csvs([o]) for o in outputs), "each looks like a table"
    entry = {"status": "ok", "notebook": "01-x", "outputs": outputs}
    assert workbook.write_workbook(out, "2025-26", [entry], META) is None
