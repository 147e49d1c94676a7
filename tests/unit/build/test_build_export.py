"""sinstats.build.export: figures as images with alt text, path echoes, the provenance page."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from sinstats.build import export
from sinstats.errors import OutputError

ImageOutput = Callable[..., Any]


def test_figures_paired_by_order_with_alt_files(
    tmp_path: Path, svg: str, image_output: ImageOutput
) -> None:
    figs = tmp_path / "figures"
    figs.mkdir()
    for i, name in enumerate(("b_second", "a_first")):
        for ext in ("svg", "png"):
            (figs / f"{name}.{ext}").write_text(svg, encoding="utf-8")
            # b_second written first: pairing follows the order of writing, not of names
            os.utime(figs / f"{name}.{ext}", ns=(10**18 + i, 10**18 + i))
        (figs / f"{name}.alt.txt").write_text(f"alt of {name}\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [image_output(), image_output()]
    nb.cells = [cell]
    found = export.prepare_figures(nb, tmp_path)
    assert [f["name"] for f in found] == ["b_second", "a_first"]
    assert [f["alt"] for f in found] == ["alt of b_second", "alt of a_first"]
    html = cell.outputs[0]["data"]["text/html"]
    assert 'src="figures/b_second.svg"' in html and 'alt="alt of b_second"' in html


def test_unmatched_figures_stay_embedded_with_their_alt(
    tmp_path: Path, image_output: ImageOutput
) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [image_output(alt="a chart of x"), image_output(png=True)]
    nb.cells = [cell, nbformat.v4.new_markdown_cell("text")]
    found = export.prepare_figures(nb, tmp_path)
    assert found[0]["alt"] == "a chart of x" and found[1]["alt"] == export.NO_ALT
    assert "data:image/svg+xml;base64," in cell.outputs[0]["data"]["text/html"]
    assert "data:image/png;base64," in cell.outputs[1]["data"]["text/html"]


def test_named_figure_metadata_wins(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "trend.png").write_bytes(b"png")
    (tmp_path / "figures" / "trend.alt.txt").write_text("the trend", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    named = nbformat.v4.new_output(
        "display_data", data={"text/plain": "fig"}, metadata={"sinstats": {"figure": "trend"}}
    )
    missing = nbformat.v4.new_output(
        "display_data", data={"text/plain": "fig"}, metadata={"sinstats": {"figure": "gone"}}
    )
    cell.outputs = [named, missing]
    nb.cells = [cell]
    found = export.prepare_figures(nb, tmp_path)
    assert found == [{"name": "trend", "src": "figures/trend.png", "alt": "the trend"}]
    assert missing["data"] == {"text/plain": "fig"}  # nothing to show: left alone


def test_path_echoes_are_dropped() -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "PosixPath('/tmp/x/figures/a.svg')"}
        ),
        nbformat.v4.new_output("execute_result", data={"text/plain": "42"}),
    ]
    nb.cells = [cell, nbformat.v4.new_markdown_cell("x")]
    assert export._drop_path_echoes(nb) == 1
    assert [o["data"]["text/plain"] for o in cell.outputs] == ["42"]


def test_title_heading_is_dropped_once() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_markdown_cell("# The title\nintro"),
        nbformat.v4.new_markdown_cell("# The title"),
    ]
    export._drop_title_heading(nb, "The title")
    assert nb.cells[1].source == "intro" and nb.cells[2].source == "# The title"


META: dict[str, Any] = {
    "build_date": "2026-03-31",
    "sinstats_version": "0.2.0",
    "notebook": "01-x.ipynb",
    "period_label": "2025-26 (reporting year 2026)",
    "run_id": "2025-26/01-x",
    "git_commit": "a" * 40,
    "git_dirty": False,
    "from_source_date_epoch": True,
    "packages": {"python": "3.11.2", "pandas": "2.2"},
    "config_files": {"data/published/designation.csv": "c" * 64},
    "defaults": {"method": "'exact'"},
}


def test_provenance_page_in_words(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    meta = {**META, "parameters": {"year": "2025-26", "data_dir": str(data_dir), "n": 3}}
    inputs = {
        "data_files": {
            str(data_dir / "published" / "a.csv"): "b" * 64,
            str(data_dir / "assumptions.yml"): "d" * 64,
        }
    }
    page = export.provenance_html(meta, inputs)
    assert "on 31 March 2026 (the date fixed by SOURCE_DATE_EPOCH)" in page
    assert f'git commit <span class="hash">{"a" * 40}</span>. ' in page
    assert "working tree matched that commit" in page
    assert f'<li>published/a.csv: SHA-256 <span class="hash">{"b" * 64}</span></li>' in page
    assert "It read 2 data, assumptions or claims files (paths" in page
    assert f'<li>assumptions.yml: SHA-256 <span class="hash">{"d" * 64}</span></li>' in page
    assert "Designation and release files present" in page
    assert "<li>data/published/designation.csv: SHA-256" in page
    assert "<li>year = &#x27;2025-26&#x27;</li>" in page and "<li>n = 3</li>" in page
    assert "left at the notebook's defaults: method = &#x27;exact&#x27;." in page
    assert "Software: Python 3.11.2; pandas 2.2." in page
    assert "<code>2025-26/01-x</code>" in page


def test_provenance_page_without_git_or_record_of_files() -> None:
    meta = {**META, "git_commit": None, "config_files": {}, "defaults": {}, "parameters": {}}
    page = export.provenance_html(meta, {})
    assert "not a git checkout, so no commit can be named" in page
    assert "did not record which data files it read" in page
    assert "Designation and release" not in page and "defaults" not in page
    dirty = export.provenance_html({**META, "git_dirty": True, "parameters": {}}, {})
    assert "had uncommitted changes" in dirty


@pytest.mark.parametrize(
    ("fragment", "found"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ("<SCRIPT src=x></SCRIPT>", "<script>"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ('<a href=" javascript:alert(1)">x</a>', "javascript:"),
        ('<a href="vbscript:x">x</a>', "vbscript:"),
        ('<iframe src="https://e.example"></iframe>', "<iframe>"),
        ('<meta http-equiv="refresh" content="0;url=https://e.example">', "refresh"),
        ('<svg><a xlink:href="javascript:x">y</a></svg>', "javascript:"),
    ],
)
def test_active_content_is_refused(fragment: str, found: str) -> None:
    with pytest.raises(OutputError, match="active content") as caught:
        export.check_inert(f"<html><body><p>text</p>{fragment}</body></html>", "r.html")
    assert found in str(caught.value) and str(caught.value).startswith("r.html: ")


def test_ordinary_reports_pass_the_check() -> None:
    export.check_inert(
        "<html><head><style>p {color: red}</style></head><body>"
        '<a href="https://www.gov.uk/x">a</a> <a href="../../index.html">b</a> '
        '<a href="#cell-3">c</a> <a href="mailto:a@b.c">d</a> '
        '<img src="figures/f.svg" alt="&lt;script&gt;"> <img src="data:image/png;base64,AAAA">'
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; onerror=x javascript:y</p></body></html>",
        "r.html",
    )


def test_the_reused_html_exporter_gives_the_same_page_as_a_fresh_one(
    notebook_factory: Callable[..., Path], tmp_path: Path
) -> None:
    # One long-lived exporter per worker (issue 19, point 3): converting another notebook first
    # must not change the next page.
    first = notebook_factory(nbformat.v4.new_markdown_cell("# First\n\nOne."), name="a")
    second = notebook_factory(nbformat.v4.new_markdown_cell("# Second\n\nTwo."), name="b")
    meta = {
        **META,
        "title": "Second",
        "period": "2025-26",
        "release": "Serious incident notifications, reporting year 2026",
        "created": "2026-03-31T00:00:00",
        "parameters": {},
    }
    export._EXPORTERS.clear()
    fresh = export.notebook_to_html(second, tmp_path, meta, {})
    assert len(export._EXPORTERS) == 1
    exporter = next(iter(export._EXPORTERS.values()))
    export.notebook_to_html(first, tmp_path, {**meta, "title": "First"}, {})
    reused = export.notebook_to_html(second, tmp_path, meta, {})
    assert next(iter(export._EXPORTERS.values())) is exporter  # made once, reused
    assert reused == fresh


def test_the_pdf_uses_each_figures_print_copy_where_there_is_one(tmp_path: Path) -> None:
    document = (
        '<img src="figures/with_copy.svg" alt="a"> <img src="figures/without.svg" alt="b"> '
        '<img src="figures/with_copy.png" alt="c"> <img src="data:image/png;base64,AAAA">'
    )
    assert export.print_figures(document, tmp_path) == document  # no figures/print/ at all
    (tmp_path / "figures" / "print").mkdir(parents=True)
    (tmp_path / "figures" / "print" / "with_copy.svg").write_text("<svg/>", encoding="utf-8")
    got = export.print_figures(document, tmp_path)
    assert got == document.replace(
        'src="figures/with_copy.svg"', 'src="figures/print/with_copy.svg"'
    )
    assert 'src="figures/without.svg"' in got and 'src="figures/with_copy.png"' in got
