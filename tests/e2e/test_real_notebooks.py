"""The project's own matrix: ``reports.yml`` is valid and the annual report holds the headline.

Issue 6, acceptance 1: every PDF opens, has the title page, and its text contains the year's
headline figures as computed by the library; checked here for three years (2025-26, 2024-25 and
2020-21) with the real ``01-annual-overview`` notebook and the real data (read only; the reports
go to a temporary folder). Issue 13, acceptance 2: the title page names the designation of the
year's release, so the 2020-21 report (experimental statistics) and the 2025-26 report (official
statistics) differ.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path

import pypdf
import pytest

from sinstats import data, paths
from sinstats.build import load_config, pipeline, plan, typeset

pytestmark = pytest.mark.slow

ANNUAL = paths.NOTEBOOKS_DIR / "01-annual-overview.ipynb"
YEARS = ("2025-26", "2024-25", "2020-21")


def test_repository_reports_yml_is_valid_and_plans_the_default_matrix() -> None:
    config = load_config()
    runs = plan(config)
    latest = data.latest_period().id
    names = [nb.name for nb in config.notebooks]
    assert sorted(names) == sorted(p.stem for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))
    # Every notebook runs for the latest year; year-specific ones for every year from 2014-15.
    assert {r.notebook.name for r in runs if r.period.id == latest} == set(names)
    assert any(nb.year_specific for nb in config.notebooks)
    expected_years = [
        p for p in data.periods("sin_national") if len(p) == 7 and p >= config.first_year.id
    ]
    for nb in config.notebooks:
        planned = sorted(r.period.id for r in runs if r.notebook.name == nb.name)
        if not nb.year_specific:
            assert planned == [latest]
        elif nb.years is None:
            assert planned == expected_years
        else:
            assert planned == sorted({*nb.years, latest})


@pytest.fixture(scope="module")
def annual(
    tmp_path_factory: pytest.TempPathFactory,
    pin_build_inputs: Callable[[], contextlib.AbstractContextManager[None]],
) -> Path:
    if not ANNUAL.is_file():
        pytest.skip(f"{ANNUAL} does not exist yet")
    out = tmp_path_factory.mktemp("real") / "reports"
    with pin_build_inputs():
        result = pipeline.build(
            out_dir=out,
            notebooks=["01-annual-overview"],
            years=list(YEARS),
            jobs=2,
            progress=False,
        )
    assert result.exit_code == 0, [r.get("error") for r in result.runs]
    return out


@pytest.mark.parametrize("year", YEARS)
def test_annual_pdf_has_title_page_and_headline_figures(annual: Path, year: str) -> None:
    pdf = annual / year / "01-annual-overview" / f"01-annual-overview-{year}.pdf"
    reader = pypdf.PdfReader(pdf)
    title_page = reader.pages[0].extract_text()
    assert "Annual overview" in title_page
    assert "Release" in title_page and "Build date" in title_page
    assert f"{year} (reporting year" in title_page
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for nature in ("Total", "Child death", "Serious harm"):
        value = data.count(year, nature).value
        assert f"{value:,.0f}" in text, (year, nature, value)
    assert "How this report was produced" in reader.pages[-1].extract_text()
    page = pdf.with_suffix(".html").read_text(encoding="utf-8")
    assert typeset.html_to_typst(page).unknown == ()  # the PDF engine knows every element


@pytest.mark.parametrize(
    ("year", "release", "designation"),
    [
        ("2020-21", "Serious incident notifications: financial year 2020-21",
         "experimental statistics"),
        ("2025-26", "Serious incident notifications: reporting year 2026", "official statistics"),
    ],
)  # fmt: skip
def test_annual_title_page_shows_the_designation_of_its_release(
    annual: Path, year: str, release: str, designation: str
) -> None:
    pdf = annual / year / "01-annual-overview" / f"01-annual-overview-{year}.pdf"
    title_page = " ".join(pypdf.PdfReader(pdf).pages[0].extract_text().split())
    assert f"Department for Education, {release}" in title_page
    expected = data.designation(year)
    assert expected.designation == designation
    assert f"{expected.period_label}: {designation}." in title_page
    assert " ".join(expected.quote.split()) in title_page
    other = {"experimental statistics", "official statistics"} - {designation}
    assert f"{expected.period_label}: {other.pop()}" not in title_page
    assert "Where this report shows other years" in title_page
    index = (annual / "index.html").read_text(encoding="utf-8")
    assert f"Designation of the year's figures: {expected.period_label}: {designation}" in index


def test_annual_key_figures_match_the_library(annual: Path) -> None:
    for year in YEARS:
        figures = json.loads(
            (annual / year / "01-annual-overview" / "key_figures.json").read_text(encoding="utf-8")
        )
        total = next(k for k in figures if k["name"] == "total")
        assert total["value"] == data.count(year).value
    index = (annual / "index.html").read_text(encoding="utf-8")
    assert "357" in index and "338" in index
