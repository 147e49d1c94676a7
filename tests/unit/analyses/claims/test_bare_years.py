"""Bare years and the ambiguity rule; periods in words (sinstats.analyses.claims.reading)."""

from __future__ import annotations

import calendar

from hypothesis import given
from hypothesis import strategies as st

from sinstats import data
from sinstats.analyses import claims
from sinstats.analyses.claims.reading import (
    FIRST_REPORTING_YEAR_LABEL,
    Reading,
    ambiguity_warning,
    read_period,
)
from sinstats.periods import CALENDAR_YEAR, FINANCIAL_YEAR, parse_period


def test_period_in_words_for_each_kind() -> None:
    # Written out by hand from the period's definition: an April-March year ends in the March of
    # its reporting year; a calendar year runs January to December; H1 is April to September.
    assert claims.period_in_words(parse_period("2020-21")) == (
        "2020-21, April 2020 to March 2021 (reporting year 2021)"
    )
    assert claims.period_in_words(parse_period("2021", CALENDAR_YEAR)) == (
        "2021, January to December 2021 (calendar year)"
    )
    assert claims.period_in_words(parse_period("2020-21 H1")) == (
        "2020-21 H1, April to September 2020 (first half of 2020-21)"
    )
    assert claims.period_in_words(parse_period("2020-21 H2")) == (
        "2020-21 H2, October 2020 to March 2021 (second half of 2020-21)"
    )
    # A year of population_0_17 is ONS's mid-year estimate (30 June).
    pop = parse_period("2024", CALENDAR_YEAR)
    assert claims.period_in_words(pop, "population_0_17") == (
        "mid-2024 (ONS estimate for 30 June 2024)"
    )


@given(st.integers(min_value=2001, max_value=2090))
def test_every_reporting_year_in_words(year: int) -> None:
    fy = f"{year - 1}-{year % 100:02d}"
    words = claims.period_in_words(parse_period(fy))
    # Month names from the standard library's calendar, not from the code under test.
    april, march = calendar.month_name[4], calendar.month_name[3]
    assert words == f"{fy}, {april} {year - 1} to {march} {year} (reporting year {year})"


def _read(dataset: str, written: str, reading: str | None = None) -> Reading:
    return read_period(data.load(dataset), written, reading, dataset)


def test_bare_year_before_2024_in_sin_national_warns_naming_both_readings() -> None:
    got = _read("sin_national", "2021")
    assert got.period.id == "2020-21" and got.period.kind == FINANCIAL_YEAR
    warning = got.warning
    assert warning.startswith(claims.AMBIGUOUS)
    # Both readings, each with how to write it.
    assert "2020-21, April 2020 to March 2021 (reporting year 2021)" in warning
    assert "calendar year 2021 (January to December 2021)" in warning
    assert "Write period '2020-21' for the reporting year" in warning
    assert "dataset panel_notifications with period '2021' for calendar 2021" in warning
    assert "reading: reporting_year" in warning


def test_no_warning_when_the_year_is_unambiguous_or_the_reading_is_stated() -> None:
    assert _read("sin_national", "2020-21").warning == ""  # written as an April-March year
    assert _read("sin_national", str(FIRST_REPORTING_YEAR_LABEL)).warning == ""  # DfE's own label
    assert _read("sin_national", "2026").warning == ""
    assert _read("panel_notifications", "2021").warning == ""  # calendar years live there
    stated = _read("sin_national", "2021", "reporting_year")
    assert stated.warning == "" and stated.period.id == "2020-21"
    calendar_2021 = _read("panel_notifications", "2021", "calendar_year")
    assert calendar_2021.period.kind == CALENDAR_YEAR and calendar_2021.warning == ""


@given(st.integers(min_value=2015, max_value=FIRST_REPORTING_YEAR_LABEL - 1))
def test_every_bare_year_before_2024_warns(year: int) -> None:
    period = parse_period(str(year))
    warning = ambiguity_warning(str(year), "sin_national", period)
    assert f"calendar year {year} (January to December {year})" in warning
    assert f"Write period '{year - 1}-{year % 100:02d}'" in warning
