"""sinstats.build.designation: what the title page and the index say about the designation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from sinstats import data, paths
from sinstats.build import designation, export, index


@pytest.mark.parametrize(
    ("ids", "text"),
    [
        (["2022-23", "2023-24", "2024-25", "2025-26"], "2022-23 to 2025-26"),
        (["2015-16", "2016-17"], "2015-16, 2016-17"),
        (["2012-13", "2015-16", "2016-17", "2020-21", "2021-22"],
         "2012-13, 2015-16, 2016-17, 2020-21, 2021-22"),
        (["2013-14", "2014-15", "2015-16", "2018-19"], "2013-14 to 2015-16, 2018-19"),
        ([], ""),
    ],
)  # fmt: skip
def test_spans(ids: list[str], text: str) -> None:
    assert designation._spans(ids) == text


def test_2020_21_and_2025_26_reports_differ() -> None:
    old = designation.report_designation("2020-21", notebook="01-annual-overview")
    new = designation.report_designation("2026", notebook="01-annual-overview")
    assert old.year.designation == "experimental statistics"
    assert new.year.designation == "official statistics"
    assert (
        old.release_text()
        == "Department for Education, Serious incident notifications: financial year 2020-21"
    )
    assert (
        new.release_text()
        == "Department for Education, Serious incident notifications: reporting year 2026"
    )
    (label, text), (other_label, others) = old.lines()
    assert label == "Designation" and other_label == "Other years"
    assert text.startswith("2020-21 (reporting year 2021): experimental statistics. “These figures")
    assert "official statistics 2022-23 to 2025-26" in others
    assert "not known 2013-14, 2014-15, 2018-19, 2019-20" in others
    assert "2020-21" not in others.split("designation:")[1]  # the year itself is not "other"
    assert new.lines()[0][1].startswith("2025-26 (reporting year 2026): official statistics. “")
    assert not old.model and not old.panel


def test_a_year_whose_designation_is_not_known_says_so() -> None:
    facts = designation.report_designation("2018-19", notebook="01")
    assert facts.year.designation == data.NOT_KNOWN
    assert (facts.release_text() or "").endswith("March 2019 (its own page was not found)")
    text = facts.lines()[0][1]
    assert text.startswith("2018-19 (reporting year 2019): designation not known (No ")
    assert "“" not in text


def test_model_estimates_and_panel_figures_are_labelled() -> None:
    model = designation.report_designation("2025-26", notebook="03-what-the-numbers-measure.ipynb")
    assert model.model and ("Model estimates", "Model estimate: computed by sinstats from the "
        "published figures and the stated assumptions in data/assumptions.yml; not an official "
        "statistic of any designation.") in model.lines()  # fmt: skip
    panel = designation.report_designation(
        "2025-26", notebook="04", data_files=["published/panel_notifications.csv"]
    )
    assert panel.panel and ("Panel figures", designation.PANEL_NOTE) in panel.lines()
    fixture = designation.report_designation("2025-26", notebook="01-fixture-annual")
    assert not fixture.model and not fixture.panel


def test_designation_of_run_is_none_when_the_data_cannot_be_read(tmp_path: Path) -> None:
    meta = {
        "period": "2025-26",
        "notebook": "01-x.ipynb",
        "parameters": {"data_dir": str(tmp_path)},
    }
    assert designation.designation_of_run(meta, {}) is None
    assert designation.designation_of_run({"notebook": "01"}, {}) is None
    ok = designation.designation_of_run({**meta, "parameters": {}}, {})
    assert ok is not None and ok.year.release_id == "dfe-2026"


META: dict[str, Any] = {
    "title": "Annual X",
    "period": "2020-21",
    "period_label": "2020-21 (reporting year 2021)",
    "release": "Serious incident notifications, reporting year 2021",
    "build_date": "2026-03-31",
    "created": "2026-03-31T00:00:00",
    "sinstats_version": "0.1.0",
    "notebook": "01-annual-overview.ipynb",
    "run_id": "2020-21/01-annual-overview",
    "git_commit": None,
    "git_dirty": False,
    "packages": {"python": "3.11"},
    "config_files": {},
    "defaults": {},
}


def test_title_page_and_provenance_page_name_the_designation(
    notebook_factory: Callable[..., Path], tmp_path: Path
) -> None:
    nb = notebook_factory(nbformat.v4.new_markdown_cell("# Annual X\n\nBody."))
    meta = {**META, "parameters": {"data_dir": str(paths.data_dir())}}
    page = export.notebook_to_html(nb, tmp_path, meta, {"data_files": {}})
    title = page.split('<header class="title-page">')[1].split("</header>")[0]
    assert (
        "<dt>Release</dt><dd>Department for Education, Serious incident notifications: "
        "financial year 2020-21</dd>" in title
    )
    assert (
        '<dt>Designation</dt><dd class="designation">2020-21 (reporting year 2021): '
        "experimental statistics." in title
    )
    assert "<dt>Other years</dt>" in title and "official statistics 2022-23 to 2025-26" in title
    provenance = page.split('id="provenance"')[1]
    assert "data/published/designation.csv" in provenance
    assert "find-statistics/serious-incident-notifications/2020-21" in provenance
    # Without data to read, the title page says nothing about designation, not something wrong.
    bare = {**meta, "parameters": {"data_dir": str(tmp_path / "none")}}
    page = export.notebook_to_html(nb, tmp_path, bare, {})
    assert "<dt>Designation</dt>" not in page
    assert "<dt>Release</dt><dd>Serious incident notifications, reporting year 2021</dd>" in page


def test_index_names_each_years_designation(tmp_path: Path) -> None:
    runs = [
        {"id": f"{p}/{nb}", "period": p, "notebook": nb, "status": "ok", "parameters": {},
         "data_files": files}
        for p in ("2025-26", "2020-21")
        for nb, files in (
            ("01-annual-overview", {}),
            ("03-what-the-numbers-measure", {}),
            ("04-panel-and-dfe", {"published/panel_notifications.csv": "a" * 64}),
        )
    ]  # fmt: skip
    context = index._index_context(tmp_path, {"runs": runs, "build": {}})
    new, old = context["periods"]
    assert new["designation"].startswith("2025-26 (reporting year 2026): official statistics (")
    assert old["designation"].startswith("2020-21 (reporting year 2021): experimental statistics (")
    notes = {r["notebook"]: r["designation_notes"] for r in new["reports"]}
    assert notes["01-annual-overview.ipynb"] == []
    assert notes["03-what-the-numbers-measure.ipynb"] == [index._MODEL_NOTE]
    assert notes["04-panel-and-dfe.ipynb"] == [designation.PANEL_NOTE]
    page = index.write_index(tmp_path, {"runs": runs, "build": {}}).read_text(encoding="utf-8")
    assert "Designation of the year&#39;s figures" not in page  # the template's own words
    assert "Designation of the year's figures: 2020-21 (reporting year 2021): experimental" in page
