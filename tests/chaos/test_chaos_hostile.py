"""Hostile text in data and claims files reaches no output live (issue 18, defect 3).

A copy of ``data/`` gets a formula, a script, an event handler and a ``javascript:`` link in
every ``note`` of the published CSVs (their checksums updated, as after a reviewed change) and in
every claim's statement, source and explanation. The real notebooks 05 (breakdowns and areas,
which show data notes) and 06 (verification, which shows claims) are built from it, and
``sinstats verify`` writes every format. Then every workbook's XML must hold no formula cell
(``<f>``) and only http(s) links, every cell starting with a formula character must carry Excel's
quote prefix, and no HTML or Markdown output may hold a ``<script>`` element, an event-handler
attribute or a ``javascript:`` link, while the hostile text itself is there, escaped (so that a
pass means something).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from sinstats import paths

if TYPE_CHECKING:
    from .conftest import Project

pytestmark = pytest.mark.slow

FORMULA = '=HYPERLINK("https://evil.example/","click")'
DDE = "@SUM(1+1)*cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script>"
HANDLER = "<img src=x onerror=alert(2)>"
LINK = "[click](javascript:alert(3))"
HOSTILE = f"{FORMULA} {SCRIPT} {HANDLER} {LINK}"

_SCRIPT_TAG = re.compile(r"<\s*script", re.I)
_HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
_JS_URL = re.compile(r"""(href|src)\s*=\s*["']?\s*javascript:""", re.I)


def _hostile_data(data: Path) -> None:
    """Put hostile text into every note of the published CSVs and every claim's text."""
    for path in sorted((data / "published").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            row["note"] = f"{HOSTILE} {row['note']}"
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    claims_path = data / "claims" / "published.yml"
    claims = yaml.safe_load(claims_path.read_text(encoding="utf-8"))
    for claim in claims:
        claim["statement"] = f"{FORMULA} {SCRIPT} {claim['statement']}"
        claim["source"] = f"{DDE} {LINK} {claim['source']}"
        claim["explanation"] = f"-2+3 {HANDLER} {SCRIPT}"
    claims_path.write_text(yaml.safe_dump(claims, sort_keys=False), encoding="utf-8")


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _check_workbook(path: Path) -> int:
    """Assert a workbook has no formula and no link but http(s); return the quote-prefixed cells."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as xlsx:
        parts = {name: xlsx.read(name) for name in xlsx.namelist()}
    styles = ElementTree.fromstring(parts["xl/styles.xml"])
    cell_xfs = styles.find(f"{_NS}cellXfs")
    assert cell_xfs is not None
    prefixed_styles = {i for i, xf in enumerate(cell_xfs) if xf.get("quotePrefix") == "1"}
    shared = [
        "".join(si.itertext())
        for si in ElementTree.fromstring(parts["xl/sharedStrings.xml"]).iter(f"{_NS}si")
    ]
    prefixed = 0
    for name, body in parts.items():
        assert not re.search(rb"<f[ >/]", body), f"{path}: a formula cell in {name}"
        if name.startswith("xl/worksheets/_rels/"):
            for rel in ElementTree.fromstring(body):
                if rel.get("TargetMode") == "External":
                    assert re.match(r"https?://", rel.get("Target", "")), (name, rel.attrib)
        if re.match(r"xl/worksheets/sheet\d+\.xml$", name):
            for cell in ElementTree.fromstring(body).iter(f"{_NS}c"):
                assert cell.find(f"{_NS}f") is None, f"{name}: formula"
                value = cell.find(f"{_NS}v")
                if cell.get("t") != "s" or value is None or value.text is None:
                    continue
                text = shared[int(value.text)]
                if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    style = int(cell.get("s", "0"))
                    assert style in prefixed_styles, f"{name}: {text[:40]!r} has no quote prefix"
                    prefixed += 1
    return prefixed


def _check_html(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    assert not _SCRIPT_TAG.search(text), f"{path}: <script>"
    assert not _HANDLER_ATTR.search(text), f"{path}: event handler"
    assert not _JS_URL.search(text), f"{path}: javascript: link"
    return text


@pytest.fixture(scope="module")
def hostile(
    tmp_path_factory: pytest.TempPathFactory, sinstats: Callable[..., Any]
) -> dict[str, Any]:
    """Notebooks 05 and 06 for 2025-26 built from the hostile copy, and verify's outputs."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(
        paths.data_dir(),
        data,
        ignore=lambda d, names: [n for n in names if n == "raw" and Path(d) == paths.data_dir()],
    )
    _hostile_data(data)
    assert sinstats("checksums", "--update", "--data-dir", str(data)).returncode == 0
    out = root / "reports"
    built = sinstats(
        "build", "--data-dir", str(data), "--out", str(out), "--year", "2025-26",
        "--notebook", "05", "--notebook", "06", "--jobs", "2",
    )  # fmt: skip
    formats = {}
    for fmt in ("markdown", "json", "table"):
        target = root / f"verify.{fmt}"
        done = sinstats("verify", "--data-dir", str(data), "--format", fmt, "--output", str(target))
        assert done.returncode in (0, 1), done.stderr[-2000:]
        formats[fmt] = target.read_text(encoding="utf-8")
    return {"root": root, "data": data, "out": out, "built": built, "verify": formats}


def test_the_build_with_hostile_data_succeeds(hostile: dict[str, Any]) -> None:
    built = hostile["built"]
    assert built.returncode == 0, built.stderr[-3000:]


def test_no_formula_cell_and_no_foreign_link_in_any_workbook(hostile: dict[str, Any]) -> None:
    workbooks = sorted(hostile["out"].rglob("*.xlsx"))
    assert workbooks
    prefixed = sum(_check_workbook(path) for path in workbooks)
    assert prefixed > 0, "the hostile text reached the workbook, made inert"
    with zipfile.ZipFile(workbooks[0]) as xlsx:
        strings = xlsx.read("xl/sharedStrings.xml").decode("utf-8")
    assert "HYPERLINK" in strings and "javascript:alert(3)" in strings, "the text is kept as text"


def test_no_script_in_any_html_output(hostile: dict[str, Any]) -> None:
    pages = sorted(hostile["out"].rglob("*.html"))
    assert len(pages) == 3  # the index and two reports
    texts = {p.name: _check_html(p) for p in pages}
    report_06 = texts["06-verify-published-figures-2025-26.html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report_06, "the claims text is shown, escaped"
    report_05 = texts["05-breakdowns-and-areas-2025-26.html"]
    assert "&lt;script&gt;" in report_05, "the data notes are shown, escaped"


def test_verify_outputs_pass_no_html_or_link_through(hostile: dict[str, Any]) -> None:
    markdown = hostile["verify"]["markdown"]
    assert not _SCRIPT_TAG.search(markdown) and not _HANDLER_ATTR.search(markdown)
    assert "](javascript:" not in markdown.replace("\\](", "")  # no live javascript: link
    assert "&lt;script&gt;" in markdown and "\\[click\\]" in markdown
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rendered = markdown2html_mistune(markdown)
    assert not _SCRIPT_TAG.search(rendered) and not _JS_URL.search(rendered)
    assert not _HANDLER_ATTR.search(rendered)
    links = re.findall(r'href="([^"]+)"', rendered)
    assert links and all(link.startswith(("https://", "http://")) for link in links)
    claims = json.loads(hostile["verify"]["json"])["claims"]
    assert SCRIPT in claims[0]["statement"], "JSON keeps the text exactly (it is data)"
    table = hostile["verify"]["table"]
    assert not any(ord(ch) < 32 and ch not in "\n" for ch in table)


def test_hostile_titles_in_the_manifest_reach_no_output_live(
    baseline_copy: Project, integrity: Callable[[Project], dict[str, Any]]
) -> None:
    project = baseline_copy
    manifest = project.manifest()
    for entry in manifest["runs"]:
        entry["title"] = f"{SCRIPT} $$note$$ {LINK} {FORMULA}"
    manifest["workbooks"] = {}  # make the workbook stale, so that it is written with the titles
    (project.out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    done = project.build("--year", "2025-26")
    assert done.returncode == 0, done.stderr[-3000:]
    index = _check_html(project.out / "index.html")
    assert "&lt;script&gt;" in index
    _check_workbook(project.out / "2025-26" / "tables.xlsx")
    integrity(project)
