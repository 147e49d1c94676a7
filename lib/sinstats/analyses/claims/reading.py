"""Which period a figure reference means: bare years, the ambiguity rule, periods in words.

DfE and Ofsted count April-March years. Until 2022-23 DfE wrote them ``2022-23``; from its 2024
release it names each by the March it ends in (*reporting year 2024* is April 2023 to March
2024), and its later releases read earlier years the same way ("between 2019 and 2024" is
2018-19 to 2023-24). The Panel's first annual reports count calendar years (2020, 2021).

So a bare year before 2024 in a dataset of April-March years (``"2021"`` in ``sin_national``)
has two readings: the reporting year (April 2020 to March 2021, 2020-21) or the calendar year
(January to December 2021, the Panel's count, in ``panel_notifications``). It is read as the
reporting year, as DfE's later releases read it, and :func:`read_period` returns a warning that
names both readings and how to write each. A reference's ``reading`` states which is meant and
silences the warning; ``sinstats verify --strict`` makes an unsilenced one fail.

:func:`period_in_words` writes a resolved period for readers: ``2020-21, April 2020 to March
2021 (reporting year 2021)``.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

import pandas as pd

from sinstats import data
from sinstats.periods import (
    CALENDAR_YEAR,
    FINANCIAL_YEAR,
    HALF_YEAR,
    Period,
    parse_period,
)

__all__ = [
    "FIRST_REPORTING_YEAR_LABEL",
    "AMBIGUOUS",
    "Reading",
    "ambiguity_warning",
    "period_in_words",
    "read_period",
]

#: The first year DfE itself labelled as a reporting year (its 2024 release): a bare year before
#: it, in a dataset of April-March years, may also be meant as a calendar year.
FIRST_REPORTING_YEAR_LABEL: Final = 2024

#: How every ambiguity warning starts (tests and readers can find them by it).
AMBIGUOUS: Final = "Ambiguous period"

_BARE_YEAR: Final = re.compile(r"^\d{4}$")
_MONTHS: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class Reading(NamedTuple):
    """A reference's period as read, and the warning when the year written is ambiguous.

    Attributes
    ----------
    period : Period
        The period the figure is looked up for.
    warning : str
        ``""``, or the ambiguity warning (:func:`ambiguity_warning`).
    """

    period: Period
    warning: str


def _span(p: Period) -> str:
    """``April 2020 to March 2021``, or ``April to September 2020`` within one year."""
    first, last = _MONTHS[p.start_month - 1], _MONTHS[p.end_month - 1]
    if p.start_year == p.end_year:
        return f"{first} to {last} {p.end_year}"
    return f"{first} {p.start_year} to {last} {p.end_year}"


def period_in_words(period: Period, dataset: str = "") -> str:
    """Write a resolved period in words, with its id first.

    Parameters
    ----------
    period : Period
        As resolved for a figure.
    dataset : str
        The figure's dataset: a year of ``population_0_17`` is an ONS mid-year estimate.

    Returns
    -------
    str
        ``2020-21, April 2020 to March 2021 (reporting year 2021)``; ``2021, January to
        December 2021 (calendar year)``; ``2020-21 H1, April to September 2020 (first half of
        2020-21)``; ``2018-07/2019-11, July 2018 to November 2019``; ``mid-2024 (ONS estimate
        for 30 June 2024)``.

    Examples
    --------
    >>> from sinstats.periods import parse_period
    >>> period_in_words(parse_period("2020-21"))
    '2020-21, April 2020 to March 2021 (reporting year 2021)'
    """
    if dataset == "population_0_17" and period.kind == CALENDAR_YEAR:
        return f"mid-{period.start_year} (ONS estimate for 30 June {period.start_year})"
    text = f"{period.id}, {_span(period)}"
    if period.kind == FINANCIAL_YEAR:
        return f"{text} (reporting year {period.reporting_year})"
    if period.kind == CALENDAR_YEAR:
        return f"{text} (calendar year)"
    if period.kind == HALF_YEAR:
        year = period.id.split()[0]
        return f"{text} ({'first' if period.start_month == 4 else 'second'} half of {year})"
    return text


def ambiguity_warning(written: str, dataset: str, period: Period) -> str:
    """Return the warning for a bare year read as a reporting year.

    Parameters
    ----------
    written : str
        The year as the claim wrote it (``"2021"``).
    dataset : str
        The dataset of April-March years it was looked up in.
    period : Period
        The reporting year it was read as.

    Returns
    -------
    str
        Both readings, and how to write each.
    """
    year = written.strip()
    return (
        f"{AMBIGUOUS}: '{year}' in {dataset} is read as {period_in_words(period)}, as "
        f"DfE's releases from 2024 read their earlier years. It "
        f"may instead mean calendar year {year} (January to December {year}), which {dataset} "
        f"does not hold: the Panel's calendar-year counts are in panel_notifications. Write "
        f"period '{period.id}' for the reporting year, or dataset panel_notifications with "
        f"period '{year}' for calendar {year}; to keep this reading without the warning, add "
        "reading: reporting_year to the reference."
    )


def read_period(frame: pd.DataFrame, written: str, reading: str | None, dataset: str) -> Reading:
    """Read a reference's period in its dataset, with the ambiguity rule.

    Parameters
    ----------
    frame : pandas.DataFrame
        The dataset (its ``period_kind`` column says whether it holds calendar years).
    written : str
        The period as the claim wrote it.
    reading : str or None
        The claim's ``reading`` (``"reporting_year"`` or ``"calendar_year"``), if stated.
    dataset : str
        The dataset's name (for the warning).

    Returns
    -------
    Reading
        The period, and a warning when a bare year before
        :data:`FIRST_REPORTING_YEAR_LABEL` in a dataset of April-March years was read as the
        reporting year without a stated ``reading``.

    Raises
    ------
    PeriodError
        If the period cannot be read.
    """
    text = str(written).strip()
    if _BARE_YEAR.match(text) and reading is not None:
        kind = CALENDAR_YEAR if reading == "calendar_year" else FINANCIAL_YEAR
        return Reading(parse_period(text, kind), "")
    period = data.resolve_period(frame, text)
    ambiguous = (
        reading is None
        and _BARE_YEAR.match(text) is not None
        and period.kind == FINANCIAL_YEAR
        and int(text) < FIRST_REPORTING_YEAR_LABEL
    )
    return Reading(period, ambiguity_warning(text, dataset, period) if ambiguous else "")
