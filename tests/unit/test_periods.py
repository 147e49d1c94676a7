from __future__ import annotations

import pytest

from sinstats.errors import PeriodError
from sinstats.periods import CALENDAR_YEAR, from_ees, parse_period, previous_year


@pytest.mark.parametrize("text", ["2026", "2025-26", "202526", "RY2026", "FY2025-26", "2025/26"])
def test_forms_resolve_to_same_period(text: str) -> None:
    p = parse_period(text)
    assert p.id == "2025-26"
    assert p.reporting_year == 2026
    assert p.label == "2025-26 (reporting year 2026)"


def test_integer_reporting_year() -> None:
    assert parse_period(2026) == parse_period("2025-26")


def test_calendar_year_kind() -> None:
    p = parse_period("2021", kind=CALENDAR_YEAR)
    assert p.id == "2021"
    assert p.label == "calendar year 2021"
    assert p != parse_period("2021")


@pytest.mark.parametrize("bad", ["2025-27", "20252", "banana", "", "2025-26-27", "1800", "2025-13"])
def test_bad_periods_raise(bad: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_ees_pairs() -> None:
    assert from_ees("202223", "Financial year").id == "2022-23"
    assert from_ees("2024", "Reporting year").id == "2023-24"
    assert from_ees("2020-21", "Part 1 (April to September)").id == "2020-21 H1"
    assert from_ees("2018-07/2019-11", "Month range").months == 17


def test_half_years() -> None:
    h1 = parse_period("2020-21 H1")
    h2 = parse_period("2020-21 H2")
    assert (h1.start_year, h1.start_month, h1.months) == (2020, 4, 6)
    assert (h2.start_year, h2.start_month, h2.months) == (2020, 10, 6)
    assert h1.id == "2020-21 H1" and h2.id == "2020-21 H2"
    assert from_ees("2020-21", "Part 2 (October to March)").id == "2020-21 H2"


@pytest.mark.parametrize(("text", "before"), [("2025-26", "2024-25"), (2026, "2024-25")])
def test_previous_year(text: object, before: str) -> None:
    assert previous_year(text).id == before
    assert previous_year(parse_period(text)).kind == "financial_year"


def test_labels_of_every_kind() -> None:
    assert parse_period("2020-21 H1").label == "2020-21 H1 (April-September)"
    assert parse_period("2020-21 H2").label == "2020-21 H2 (October-March)"
    assert parse_period("2018-07/2019-11").label == "2018-07/2019-11 (17 months)"
