"""One row -> tidy records: every broken cell rule is refused with its line and column."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sinstats.data import official
from sinstats.data.official import records
from sinstats.errors import DataError

Refused = Callable[[str | bytes, str, str | None, str], None]

# name: (row of the 2026 fixture files, column changed, new value, expected column, words).
# Every message names line 2.
BAD_CELLS: dict[str, tuple[str, str, str, str, str]] = {
    "bad_period": ("ry_first", "time_period", "202223", "time_period", "not a reporting year"),
    "unknown_time_identifier": (
        "ry_first",
        "time_identifier",
        "Fiscal year",
        "time_period",
        "unknown time_identifier",
    ),
    "negative_count": (
        "ry_first",
        "number_notifications",
        "-3",
        "number_notifications",
        "negative",
    ),
    "fractional_count": (
        "ry_first",
        "number_notifications",
        "3.5",
        "number_notifications",
        "whole number",
    ),
    "unknown_symbol": (
        "ry_first",
        "number_notifications",
        "n/a",
        "number_notifications",
        "neither a number nor an EES symbol",
    ),
    "empty_value": ("ry_first", "number_notifications", "", "number_notifications", "empty value"),
    "empty_nature": ("ry_first", "nature_of_notification", "", "nature_of_notification", "empty"),
    "unknown_level": ("ry_first", "geographic_level", "Ward", "geographic_level", "not one of"),
    "not_england": ("ry_first", "country_code", "W92000004", "country_code", "only England"),
    "bad_la_code": ("sub_la", "new_la_code", "999", "new_la_code", "new_la_code"),
    "bad_region_code": ("sub_region", "region_code", "", "region_code", "region code"),
    "idaci_out_of_range": ("sub_la", "idaci_avgscore", "3.2", "idaci_avgscore", "0-1"),
    "empty_base_cell": ("ry_first", "country_name", "", "country_name", "empty"),
    "total_topic_with_value": ("ry_first", "breakdown", "Male", "breakdown", "topic 'Total'"),
}


@pytest.mark.parametrize("kind", sorted(BAD_CELLS))
def test_bad_cell_rejected_with_location(
    kind: str,
    samples: dict[str, str],
    set_cell: Callable[[str, str, str, str], str],
    assert_refused: Refused,
) -> None:
    row, column, value, expected_column, words = BAD_CELLS[kind]
    header = samples[f"{row.split('_')[0]}_header"]
    content = header + "\n" + set_cell(header, samples[row], column, value) + "\n"
    assert_refused(content, "line 2", expected_column, words)


def test_bad_time_breakdown_and_percentage(
    release_files: Callable[[str], dict[str, str]],
    set_cell: Callable[[str, str, str, str], str],
    write_file: Callable[[str, str | bytes], Path],
) -> None:
    text = release_files("2020-21")["data/fixture_serious_incident_notifications_all.csv"]
    header, first, *_ = text.splitlines()
    bad = write_file(
        "a.csv", header + "\n" + set_cell(header, first, "time_breakdown", "Q5") + "\n"
    )
    with pytest.raises(DataError, match=r"column 'time_breakdown'.*not 'Full year'"):
        official.read_ees_file(bad)
    pct = write_file("b.csv", header + "\n" + set_cell(header, first, "percentage", "140") + "\n")
    with pytest.raises(DataError, match=r"column 'percentage'.*0-100"):
        official.read_ees_file(pct)


def test_nature_given_twice_and_empty_filter(
    samples: dict[str, str],
    set_cell: Callable[[str, str, str, str], str],
    assert_refused: Refused,
) -> None:
    header, first = samples["ry_header"], samples["ry_first"]
    twice = set_cell(header, first, "breakdown_topic", "Nature of notification")
    twice = set_cell(header, twice, "breakdown", "Child death")
    twice = set_cell(header, twice, "nature_of_notification", "Serious harm")
    assert_refused(header + "\n" + twice + "\n", "line 2", "nature_of_notification", "twice")
    empty = set_cell(header, first, "breakdown_topic", "")
    assert_refused(header + "\n" + empty + "\n", "line 2", "breakdown_topic", "empty filter")
    quarter = set_cell(header, first, "quarter", "")
    assert_refused(header + "\n" + quarter + "\n", "line 2", "quarter", "quarter is empty")


def test_file_context_defaults() -> None:
    layout = official.Layout("totals")
    ctx = records.FileContext.of(
        Path("/x/My file (1).csv"), "label", layout, release=None, source_url=None, origin=None
    )
    assert ctx.source_id == "EES_My_file_1" and ctx.source_url == official.PUBLICATION_URL
    assert ctx.origin == "ees:My file (1).csv"
    ctx = records.FileContext.of(
        Path("x.csv"), "label", layout, release="2026", source_url=None, origin="o"
    )
    assert ctx.source_id == "EES_RY2026_x" and ctx.source_url == official.release_page("2026")
