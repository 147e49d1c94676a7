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
    assert report["key_figures"] == [{"label": "Total", "text": "357", "model": False}]
    assert "the report shown is the previous good one" in report["status_note"]
    assert report["failed_notebook"] == "_failed/2025-26/01-x-2025-26.ipynb"
    assert report["built"] == "30 March 2026"
    (never,) = context["periods"][1]["reports"]
    assert "no earlier good report" in never["status_note"] and never["built"] == "never"
    assert context["build_date"] == "31 March 2026" and context["n_reports"] == 2
    page = index.write_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert "Annual X" in page and 'href="2025-26/01-x/01-x-2025-26.pdf"' in page


def test_figure_text_says_the_label_once_and_one_wording_for_intervals() -> None:
    assert (
        index.figure_text(
            "Serious incident notifications",
            "Serious incident notifications, 2025-26: 357 (95% interval 321 to 396)",
            "2025-26",
        )
        == "357 (95% interval 321 to 396)"
    )
    assert (
        index.figure_text("Change from 2024-25", "a rise of 19; 95% CI for the ratio 0.91-1.23")
        == "A rise of 19; 95% interval for the ratio 0.91-1.23"
    )
    assert (
        index.figure_text("Published", "160 (Department for Education, EES_RY2026_natchar)")
        == "160 (Department for Education)"
    )


def _site_manifest(non_default: dict) -> dict:
    def run(period: str, notebook: str, **extra: object) -> dict:
        return {
            "id": f"{period}/{notebook}",
            "period": period,
            "notebook": notebook,
            "title": notebook.split("-", 1)[1].title(),
            "status": "ok",
            **extra,
        }

    model = {"label": "Children who died", "text": "50 (95% interval 16 to 110)", "model": True}
    return {
        "build": {"build_date": "2026-03-31", "non_default": non_default},
        "runs": [
            run("2024-25", "01-annual", non_default=non_default),
            run("2025-26", "01-annual", non_default=non_default),
            run("2025-26", "03-measure", key_figures=[model]),
        ],
    }


def test_index_is_a_small_site_latest_year_first(tmp_path: Path) -> None:
    page = index.write_index(tmp_path, _site_manifest({})).read_text(encoding="utf-8")
    nav = page[page.index('<nav class="site"') : page.index("</nav>")]
    # By year, the latest first; by notebook, each with links to its years' entries.
    assert nav.index("2025-26 (reporting year 2026)") < nav.index("2024-25 (reporting year 2025)")
    assert 'href="#p-2025-26"' in nav and 'href="#2024-25-01-annual"' in nav
    assert "Annual: " in nav and "Measure: " in nav
    assert 'id="2025-26-03-measure"' in page
    # A model's estimate is labelled as one, and is not in the bold of official counts.
    assert '<span class="tag">model estimate</span></dt><dd class="model">' in page
    assert "glossary</a>" in page and "Not the default reports" not in page
    assert "CI" not in page.replace("CIT", "")


def test_index_marks_reports_built_with_other_parameters(tmp_path: Path) -> None:
    manifest = _site_manifest({"conf_level": 0.9})
    page = index.write_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert "Not the default reports." in page and "defaults: conf_level = 0.9." in page
    assert page.count("Built with parameters other than the defaults: conf_level = 0.9.") == 2


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
    # The glossary, the navigation (by year, by notebook), the title and "HTML report".
    assert hrefs == [
        "manifest.json",
        "glossary.html",
        "#p-2025-26",
        "#2025-26-01-x",
        report,
        report,
    ], hrefs
    assert "tables.xlsx" not in page, "no workbook is recorded for the period"


# --- index_key: what the index and glossary are made from (a no-change build rewrites neither) ---


def _keyed(tmp_path: Path) -> tuple[dict, Path]:
    """A manifest of one good run whose designation is read from a copy of the data folder."""
    import shutil

    from sinstats import paths

    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    out = tmp_path / "reports"
    run_dir = out / "2025-26" / "01-annual-overview"
    run_dir.mkdir(parents=True)
    (run_dir / "01-annual-overview-2025-26.html").write_text("x", encoding="utf-8")
    entry = {
        "id": "2025-26/01-annual-overview",
        "period": "2025-26",
        "notebook": "01-annual-overview",
        "title": "Annual overview",
        "status": "ok",
        "reason": "new",
        "started": "2026-03-31T10:00:00Z",
        "duration_s": 12.5,
        "build_date": "2026-03-31",
        "parameters": {"year": "2025-26", "data_dir": str(data)},
        "data_files": {str(data / "published" / "sin_national.csv"): "a" * 64},
        "outputs": ["2025-26/01-annual-overview/01-annual-overview-2025-26.html"],
        "key_figures": [{"label": "Total", "text": "357"}],
    }
    build = {"build_date": "2026-03-31", "finished": "2026-03-31T10:01:00Z", "duration_s": 70.0}
    return {"generator": "sinstats 0.2.0", "build": build, "runs": [entry]}, out


def _key(out: Path, manifest: dict, library: str = "a" * 64) -> str:
    return index.index_key(out, manifest, library=library, packages={"python": "3.11"})


def test_the_index_key_follows_what_the_pages_show_and_only_that(tmp_path: Path) -> None:
    import copy

    manifest, out = _keyed(tmp_path)
    key = _key(out, manifest)
    assert key == _key(out, copy.deepcopy(manifest)) and len(key) == 64

    def changed(edit: object) -> str:
        doc = copy.deepcopy(manifest)
        edit(doc)  # type: ignore[operator]
        return _key(out, doc)

    # What the page shows: a run's title, key figures, status, build date; the build's date.
    shown = [
        lambda d: d["runs"][0].update(title="Another title"),
        lambda d: d["runs"][0].update(key_figures=[{"label": "Total", "text": "358"}]),
        lambda d: d["runs"][0].update(status="failed", last_good=None),
        lambda d: d["runs"][0].update(build_date="2026-04-01"),
        lambda d: d["build"].update(build_date="2026-04-01"),
        lambda d: d["build"].update(git_commit="b" * 40),
        lambda d: d["runs"].append({**d["runs"][0], "id": "2024-25/01-annual-overview",
                                    "period": "2024-25"}),
    ]  # fmt: skip
    for edit in shown:
        assert changed(edit) != key
    # What it does not show: the build's and a run's timings, why a run was built.
    for edit in (
        lambda d: d["build"].update(finished="2026-03-31T11:00:00Z", duration_s=1.0),
        lambda d: d["runs"][0].update(started="2026-03-31T11:00:00Z", duration_s=1.0),
        lambda d: d["runs"][0].update(reason="up to date", status="skipped"),
    ):
        assert changed(edit) == key
    # The library (the designation code, the template), and a linked file that appears.
    assert _key(out, manifest, library="b" * 64) != key
    (out / "2025-26" / "01-annual-overview" / "01-annual-overview-2025-26.pdf").write_text("x")
    manifest["runs"][0]["outputs"].append(
        "2025-26/01-annual-overview/01-annual-overview-2025-26.pdf"
    )
    assert _key(out, manifest) != key


def test_the_index_key_follows_the_designation_data_and_the_glossary(
    tmp_path: Path, monkeypatch: object
) -> None:
    manifest, out = _keyed(tmp_path)
    key = _key(out, manifest)
    data = Path(manifest["runs"][0]["parameters"]["data_dir"])
    designation = data / "published" / "designation.csv"
    designation.write_text(designation.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    second = _key(out, manifest)
    assert second != key
    national = data / "published" / "sin_national.csv"
    national.write_text(national.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    third = _key(out, manifest)
    assert third not in (key, second)
    glossary = tmp_path / "glossary.md"
    glossary.write_text("# Glossary\n", encoding="utf-8")
    monkeypatch.setattr(index, "GLOSSARY_SOURCE", glossary)  # type: ignore[attr-defined]
    fourth = _key(out, manifest)
    assert fourth not in (key, second, third)
    glossary.write_text("# Glossary\n\nNotification: ...\n", encoding="utf-8")
    assert _key(out, manifest) not in (key, second, third, fourth)


def test_up_to_date_only_with_the_recorded_key_and_pages(tmp_path: Path) -> None:
    manifest, out = _keyed(tmp_path)
    key = _key(out, manifest)
    page = index.write_index(out, manifest)
    record = index.index_record(out, page, key)
    assert set(record) == {"sha256", "key", "glossary_sha256"}
    assert index.index_up_to_date(out, record, key)
    assert not index.index_up_to_date(out, record, "b" * 64)
    assert not index.index_up_to_date(out, {"sha256": record["sha256"]}, key)  # no key recorded
    assert not index.index_up_to_date(out, None, key)
    assert not index.index_up_to_date(out, "junk", key)
    page.write_text(page.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert not index.index_up_to_date(out, record, key)  # edited by hand
    index.write_index(out, manifest)
    assert index.index_up_to_date(out, record, key)  # the same page again: same bytes
    (out / "glossary.html").unlink()
    assert not index.index_up_to_date(out, record, key)
    index.write_index(out, manifest)
    page.unlink()
    assert not index.index_up_to_date(out, record, key)
