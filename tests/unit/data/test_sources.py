"""Canonical sources: the one allow-list of publishers' sites, mirrors, 'latest' pages, secondaries.

Mirrors :func:`sinstats.data.schema.source_problem` and its use by ``sinstats validate``; also
checks every shipped file (data, claims, assumptions, docs, notebooks, code) for a cited mirror.
"""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pytest

from sinstats import cli, data, paths
from sinstats.data import schema

PANEL = "Child Safeguarding Practice Review Panel"
DFE = "Department for Education"
EES = "https://explore-education-statistics.service.gov.uk"
SIN = f"{EES}/find-statistics/serious-incident-notifications"
DATA_SET = f"{EES}/data-catalogue/data-set/66ade6b1-822f-4fca-837a-04c41f7db1f4"
NEWS = "/government/news/expert-panel-calls-for-stronger-child-protection-measures"
SECONDARY = "Community Care (secondary report of Ofsted, statistics for April 2013 to March 2014)"


@pytest.mark.parametrize(
    ("publisher", "url", "column", "words"),
    [
        # Publishers' own sites, a release page, a data set, the content API, a DOI: accepted.
        (PANEL, f"https://www.gov.uk{NEWS}", None, ""),
        (DFE, f"{SIN}/2020-21", None, ""),
        (DFE, f"{SIN}/2026/explore", None, ""),
        (DFE, f"{SIN}/2020-21-part-1-apr-to-sep", None, ""),
        (DFE, DATA_SET, None, ""),
        (
            DFE,
            "https://content.explore-education-statistics.service.gov.uk/api/releases/"
            "dcae45e2-138e-4cbf-3e31-08de9f91561e/files?fromPage=x",
            None,
            "",
        ),
        ("Office for National Statistics", "https://doi.org/10.1000/182", None, ""),
        ("Archives of Disease in Childhood, Sidebotham et al. 2016;101(Suppl 1):A161",
         "https://adc.bmj.com/content/101/Suppl_1/A161.2", None, ""),
        ("Archives of Disease in Childhood, a paper", "https://blog.example/x", "source_url",
         "not a site of Archives of Disease in Childhood"),
        (SECONDARY, "https://www.communitycare.co.uk/2014/09/26/x/", None, ""),
        ("WhatDoTheyKnow (copy of Child Safeguarding Practice Review Panel, a PDF)",
         "https://www.whatdotheyknow.com/request/x", None, ""),
        # A mirror: a canonical site's path on another host, whoever the publisher.
        (PANEL, f"https://mirror.example{NEWS}", "source_url", f"cite https://www.gov.uk{NEWS}"),
        (f"X (copy of {DFE}, a release)", "https://a.b.example/find-statistics/x/2025",
         "source_url", "a mirror"),
        # The publication's own page always shows the latest release.
        (DFE, SIN, "source_url", "must name the release"),
        (DFE, f"{SIN}/data-guidance", "source_url", "must name the release"),
        (DFE, f"{EES}/data-catalogue/data-set/not-an-id", "source_url", "a data set"),
        (DFE, "https://content.explore-education-statistics.service.gov.uk/x", "source_url",
         "must name the release"),
        (DFE, "https://[::1/x", "source_url", "not a valid address"),
        # A publisher with a canonical site cites it.
        ("Ofsted", "https://www.communitycare.co.uk/x", "source_url", "not a site of Ofsted"),
        # Anyone else is a secondary source and says so, naming a primary with a canonical site.
        ("Community Care (reporting Ofsted statistics)", "https://www.communitycare.co.uk/x",
         "publisher", "nor marked as secondary"),
        ("Community Care (secondary report of Somebody, a page)", "https://c.example/x",
         "publisher", "PRIMARY one of those publishers"),
        ("Somebody", "https://c.example/x", "publisher", "nor marked as secondary"),
    ],
)  # fmt: skip
def test_source_problem(publisher: str, url: str, column: str | None, words: str) -> None:
    got = schema.source_problem(publisher, url)
    if column is None:
        assert got is None
        return
    assert got is not None
    assert got[0] == column and words in got[1]


def test_the_allow_list_is_kept_in_one_place() -> None:
    # The data layer exposes the schema's table itself, not a copy.
    assert data.CANONICAL_HOSTS is schema.CANONICAL_HOSTS
    assert data.source_problem is schema.source_problem
    for name, hosts in schema.CANONICAL_HOSTS.items():
        assert hosts and all(h == h.lower() and "/" not in h for h in hosts), name
    for hosts, prefixes in schema.MIRRORED_SITES:
        assert all(p.startswith("/") and p.endswith("/") for p in prefixes), hosts


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("path", sorted(paths.published_dir().glob("*.csv")), ids=lambda p: p.name)
def test_every_shipped_row_is_primary_or_a_marked_secondary(path: Path) -> None:
    for line, row in enumerate(_rows(path), start=2):
        if not row["source_url"]:  # a release whose designation is not known cites nothing
            continue
        assert schema.source_problem(row["publisher"], row["source_url"]) is None, line
        primary = schema.primary_publisher(row["publisher"]) is not None
        marked = " of " in row["publisher"] and row["publisher"].endswith(")")
        assert primary or marked, (line, row["publisher"])


def test_rows_read_on_a_copy_cite_the_original_and_say_so() -> None:
    panel = _rows(paths.published_dir() / "panel_notifications.csv")
    news = [r for r in panel if r["source_id"] == "PANEL_AR2021"]
    assert len(news) == 3
    for row in news:
        assert row["source_url"] == f"https://www.gov.uk{NEWS}"
        assert "read on a copy of this gov.uk page" in row["note"]
    national = _rows(paths.published_dir() / "sin_national.csv")
    headline = [r for r in national if r["source_id"] == "EES_FY2020-21_release"]
    assert {r["source_url"] for r in headline} == {f"{SIN}/2020-21"}
    assert all(
        "unversioned page while 2020-21 was its latest release" in r["note"] for r in headline
    )


def test_planted_mirror_url_fails_validate_naming_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = paths.published_dir() / "panel_notifications.csv"
    planted = tmp_path / "panel_notifications.csv"
    text = src.read_text(encoding="utf-8")
    assert text.count(f"https://www.gov.uk{NEWS}") == 3
    planted.write_text(
        text.replace(f"https://www.gov.uk{NEWS}", f"https://copy.mirror.example{NEWS}", 1),
        encoding="utf-8",
    )
    line = next(
        i for i, row in enumerate(text.splitlines(), start=1) if f"https://www.gov.uk{NEWS}" in row
    )
    assert cli.main(["validate", str(planted)]) == 2
    err = capsys.readouterr().err
    assert f"{planted}, line {line}, column 'source_url'" in err
    assert "(a mirror)" in err and f"cite https://www.gov.uk{NEWS}" in err
    assert "Traceback" not in err


# Text files of the project that may cite an address (generated and third-party folders left out).
_SKIP = (".venv", ".git", "reports", "__pycache__", ".hypothesis", ".mypy_cache", ".ruff_cache")
_URL = re.compile(r"https?://[^\s\"'<>()`,\]\\]+")


def _shipped_text_files() -> list[Path]:
    root = paths.PROJ_ROOT
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files"], capture_output=True, text=True, check=True
        ).stdout.split()
        files = [root / f for f in listed]
    except (OSError, subprocess.CalledProcessError):  # not a checkout: walk the tree
        files = [p for p in root.rglob("*") if not set(p.parts) & set(_SKIP)]
    suffixes = {".py", ".md", ".csv", ".yml", ".yaml", ".json", ".ipynb", ".j2", ".txt", ".R"}
    return [f for f in files if f.is_file() and f.suffix in suffixes]


def test_no_shipped_file_cites_a_mirror() -> None:
    files = _shipped_text_files()
    assert any(f.name == "published.yml" for f in files)
    cited = []
    for f in files:
        for url in _URL.findall(f.read_text(encoding="utf-8", errors="replace")):
            problem = schema.source_problem("Somebody (copy of Ofsted, a page)", url)
            if problem is not None and "(a mirror)" in problem[1]:
                cited.append(f"{f.relative_to(paths.PROJ_ROOT)}: {url}")
    # The only mirror-shaped addresses allowed are this test's planted examples.
    assert all("mirror.example" in c or "a.b.example" in c for c in cited), cited


# The figures issue 13 brought in: (file, source_id, period, measure, category) and the value
# the quoted passage in the row's note gives.
SN, CH, PN = "sin_national", "characteristics", "panel_notifications"
FIRST = "2018-07/2019-11"
NEW_FIGURES = [
    (SN, "NEWS_SIMPLYCHILDSAFE_2013", "2012-13", "number_notifications", "Child death", 170),
    (CH, "NEWS_SIMPLYCHILDSAFE_2013", "2012-13", "number_children", "Serious harm", 74),
    (CH, "NEWS_COMMCARE_2015-10-29", "2014-15", "number_councils_notifying", "Total", 117),
    (CH, "NSPCC_2015-16", "2015-16", "percentage_of_notifications", "Male", 56),
    (CH, "NSPCC_2015-16", "2015-16", "percentage_of_notifications", "Female", 44),
    (CH, "NSPCC_2015-16", "2014-15", "percentage_of_notifications", "Male", 47),
    (CH, "NSPCC_2015-16", "2014-15", "percentage_of_notifications", "Female", 53),
    (CH, "EES_FY2020-21_release", "2020-21 H1", "change_vs_previous_year", "Total", 60),
    (CH, "EES_FY2020-21_release", "2020-21 H2", "change_vs_previous_year", "Total", 27),
    (CH, "EES_RY2024_release", "2023-24", "change_vs_reporting_year_2019", "Total", -93),
    (PN, "NEWS_ITV_2020-03-04", FIRST, "number_rapid_reviews", "Child death", 244),
    (PN, "NEWS_ITV_2020-03-04", FIRST, "number_rapid_reviews", "Under 1", 144),
    (PN, "NEWS_ITV_2020-03-04", FIRST, "number_rapid_reviews", "Yes", 289),
    (PN, "PANEL_AR2023-24", "2023-24", "percentage_of_rapid_reviews", "Child death", 49),
    (PN, "PANEL_AR2023-24", "2023-24", "percentage_of_rapid_reviews", "Serious harm", 48),
    (PN, "PANEL_AR2023-24", "2023-24", "percentage_of_rapid_reviews", "Other", 3),
]


@pytest.mark.parametrize(
    ("dataset", "source_id", "period", "measure", "category", "value"), NEW_FIGURES
)
def test_new_figures_are_held_with_their_source_and_quote(
    dataset: str, source_id: str, period: str, measure: str, category: str, value: int
) -> None:
    frame = data.load(dataset)
    (row,) = frame[
        (frame["source_id"] == source_id)
        & (frame["period"] == period)
        & (frame["measure"] == measure)
        & (frame["category"] == category)
    ].to_dict("records")
    assert row["value"] == value
    assert schema.source_problem(str(row["publisher"]), str(row["source_url"])) is None
    quoted = re.findall(r"'([^']*\d[^']*)'", str(row["note"]))  # the source's words, in quotes
    shown = str(abs(value))
    assert any(shown in q for q in quoted), (row["note"], value)


def test_first_report_period_is_stated_as_published() -> None:
    panel = data.load("panel_notifications")
    first = panel[panel["period"] == FIRST]
    assert len(first) == 4
    for note in first["note"]:
        assert "first 17 months of operation, from its first meeting in July 2018" in note
        assert "not a date the report gives" in note
