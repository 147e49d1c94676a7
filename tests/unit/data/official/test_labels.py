"""Labels: the transcribed files name breakdowns exactly as the official files do.

The official-layout fixtures (``tests/unit/data/conftest.py``) carry the labels of DfE's files
(``CLA``, ``Gender``, ``Age group``, ``16 to 21``); every breakdown a DfE row of
``data/published`` names must appear there verbatim, and the official reader must give a fetched
file the same labels, so that a fetched release overlays the transcribed figure it replaces.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from sinstats import data, paths
from sinstats.data import official

SLUGS = ("2020-21-part-1-apr-to-sep", "2020-21", "2021-22", "2022-23", "2024", "2025", "2026")
# Where each official layout keeps the breakdown topic and its value (ees_format notes, s. 4).
TOPIC_VALUE = (
    ("breakdown_topic", "breakdown"),  # reporting-year files, care leavers
    ("characteristic", "characteristic_type"),  # FY2022-23
    ("characteristic", "category"),  # FY2020-21 'all', FY2021-22 characteristic totals
    ("sin_breakdown", "category"),  # Part 1 2020-21 transparency data
)
Files = Callable[[str], dict[str, str]]


def _official_pairs(release_files: Files) -> tuple[set[tuple[str, str]], set[str]]:
    """(topic, value) pairs and natures exactly as the official-layout files write them."""
    pairs: set[tuple[str, str]] = set()
    natures: set[str] = set()
    for slug in SLUGS:
        for name, text in release_files(slug).items():
            if not name.endswith(".csv"):
                continue
            for row in csv.DictReader(io.StringIO(text)):
                for topic, value in TOPIC_VALUE:
                    if topic in row and value in row:
                        pairs.add((row[topic], row[value]))
                        break
                if row.get("nature_of_notification"):
                    natures.add(row["nature_of_notification"])
    return pairs, natures


def _transcribed_dfe() -> list[dict[str, str]]:
    with (paths.published_dir() / "characteristics.csv").open(encoding="utf-8") as fh:
        return [
            r
            for r in csv.DictReader(fh)
            if r["series"] == "DfE" and r["breakdown_topic"] != "Total"
        ]


def test_transcribed_breakdowns_are_written_as_in_the_official_files(
    release_files: Files,
) -> None:
    pairs, natures = _official_pairs(release_files)
    rows = _transcribed_dfe()
    assert {r["breakdown_topic"] for r in rows} >= {"CLA", "Gender", "Age group"}
    for r in rows:
        assert (r["breakdown_topic"], r["breakdown"]) in pairs, r
    national = paths.published_dir() / "sin_national.csv"
    with national.open(encoding="utf-8") as fh:
        transcribed = {r["nature_of_notification"] for r in csv.DictReader(fh)}
    assert transcribed <= natures, transcribed - natures


@pytest.mark.parametrize(
    ("old", "official_label"),
    [
        ("CLA (child looked after)", "CLA"),
        ("Age 16 to 21", "16 to 21"),
        ("Age 22 to 24", "22 to 24"),
    ],
)
def test_paraphrased_labels_are_gone(old: str, official_label: str) -> None:
    text = (paths.published_dir() / "characteristics.csv").read_text(encoding="utf-8")
    assert f",{old}," not in text and f",{official_label}," in text


def test_the_reader_gives_fetched_files_the_transcribed_labels(
    release_files: Files, write_file: Callable[[str, str | bytes], Path]
) -> None:
    read: set[tuple[str, str]] = set()
    for slug in ("2024", "2025", "2026"):
        for name, text in release_files(slug).items():
            if name.endswith(".csv"):
                frame = official.read_ees_file(write_file(Path(name).name, text)).frame
                read |= set(zip(frame["breakdown_topic"], frame["breakdown"], strict=True))
    published = data.load("characteristics")
    for topic in ("CLA", "Age group"):
        shipped = published[published["breakdown_topic"] == topic]
        assert not shipped.empty, topic
        for value in set(shipped["breakdown"]):
            assert (topic, value) in read, (topic, value)
    # A label written '22-24' in some file still reads as the files' usual '22 to 24'.
    care = release_files("2026")["data/fixture_sin_care_leaver_deaths.csv"]
    frame = official.read_ees_file(write_file("c.csv", care.replace("22 to 24", "22-24"))).frame
    assert "22 to 24" in set(frame["breakdown"]) and "22-24" not in set(frame["breakdown"])
