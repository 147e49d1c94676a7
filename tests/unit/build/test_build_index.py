"""sinstats.build.index: the index page from a manifest."""

from __future__ import annotations

import re
from pathlib import Path

from sinstats.build import index


def test_index_without_reports(tmp_path: Path) -> None:
    page = index.write_index(tmp_path, {"runs": [], "build": {}}).read_text(encoding="utf-8")
    assert "No report has been built yet" in page


def test_index_shows_the_previous_good_report_of_a_failed_run(tmp_path: Path) -> None:
    run_dir = tmp_path / "2025-26" / "01-x"
    (run_dir / "tables").mkdir(parents=True)
    for name in ("01-x-2025-26.html", "01-x-2025-26.pdf", "tables/headline.csv"):
        (run_dir / name).write_text("x", encoding="utf-8")
    (tmp_path / "_failed" / "2025-26").mkdir(parents=True)
    (tmp_path / "_failed" / "2025-26" / "01-x-2025-26.ipynb").write_text("{}", encoding="utf-8")
    good = {
        "status": "ok",
        "build_date": "2026-03-30",
        "outputs": [
            "2025-26/01-x/01-x-2025-26.html",
            "2025-26/01-x/01-x-2025-26.pdf",
            "2025-26/01-x/gone.ipynb",
            "2025-26/01-x/tables/headline.csv",
        ],
        "key_figures": [{"label": "Total", "text": "357"}, "junk"],
    }
    manifest = {
        "generator": "sinstats 0.2.0",
        "build": {"build_date": "2026-03-31", "git_commit": "a" * 40, "git_dirty": False},
        "runs": [
            {
                "id": "2025-26/01-x",
                "period": "2025-26",
                "notebook": "01-x",
                "title": "Annual X",
                "status": "failed",
                "failed_notebook": "_failed/2025-26/01-x-2025-26.ipynb",
                "last_good": good,
            },
            {"id": "2024-25/02-y", "period": "2024-25", "notebook": "02-y", "status": "failed"},
        ],
    }
    context = index._index_context(tmp_path, manifest)
    assert [p["id"] for p in context["periods"]] == ["2025-26", "2024-25"]
    (report,) = context["periods"][0]["reports"]
    assert report["html"] == "2025-26/01-x/01-x-2025-26.html"
    assert [link["text"] for link in report["links"]] == [
        "HTML report",
        "PDF report",
        "headline.csv (CSV)",
    ]
    assert report["key_figures"] == [{"label": "Total", "text": "357"}]
    assert "the report shown is the previous good one" in report["status_note"]
    assert report["failed_notebook"] == "_failed/2025-26/01-x-2025-26.ipynb"
    assert report["built"] == "30 March 2026"
    (never,) = context["periods"][1]["reports"]
    assert "no earlier good report" in never["status_note"] and never["built"] == "never"
    assert context["build_date"] == "31 March 2026" and context["n_reports"] == 2
    page = index.write_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert "Annual X" in page and 'href="2025-26/01-x/01-x-2025-26.pdf"' in page


def test_index_escapes_what_it_shows_and_links_only_files_inside(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    run_dir = out / "2025-26" / "01-x"
    run_dir.mkdir(parents=True)
    (run_dir / "01-x-2025-26.html").write_text("x", encoding="utf-8")
    (tmp_path / "outside.pdf").write_text("x", encoding="utf-8")
    entry = {
        "id": "2025-26/01-x",
        "period": "2025-26",
        "notebook": "01-x",
        "title": "<script>alert(1)</script>",
        "status": "ok",
        "outputs": [
            "2025-26/01-x/01-x-2025-26.html",
            "javascript:alert(2)/x.pdf",
            "../outside.pdf",
            str(tmp_path / "outside.pdf"),
        ],
        "key_figures": [{"label": '<img src=x onerror="alert(3)">', "text": "&"}],
    }
    manifest = {"build": {}, "runs": [entry], "workbooks": {}}
    page = index.write_index(out, manifest).read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&amp;" in page
    hrefs = re.findall(r'href="([^"]+)"', page)
    report = "2025-26/01-x/01-x-2025-26.html"
    assert hrefs == ["manifest.json", report, report], hrefs  # the title and "HTML report"
    assert "tables.xlsx" not in page, "no workbook is recorded for the period"
