"""Canonical periods for DfE/Ofsted April-March years and the Panel's calendar years.

DfE and Ofsted count notifications received in an April-March year. Until 2022-23 DfE called it
the *financial year* (EES codes such as ``202223``); from the 2024 release the same April-March
period is labelled *reporting year* by the year it ends (``2024`` = April 2023 to March 2024).
One canonical id is used for all of them: ``"YYYY-YY"`` (``"2025-26"``). Every public function and
CLI option accepts ``"2025-26"``, ``"2026"`` (reporting year) and ``"202526"`` (EES code) and
resolves them to the same :class:`Period`.

The Child Safeguarding Practice Review Panel published calendar years (2020, 2021) and then
April-March years. A calendar year is parsed with ``kind="calendar_year"``; in a dataset that holds
calendar years a bare ``"2021"`` means the calendar year (see :func:`parse_period`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sinstats._docstrings import fill_doc
from sinstats.errors import PeriodError

FINANCIAL_YEAR: Final = "financial_year"
CALENDAR_YEAR: Final = "calendar_year"
HALF_YEAR: Final = "half_year"
MONTH_SPAN: Final = "month_span"
KINDS: Final = (FINANCIAL_YEAR, CALENDAR_YEAR, HALF_YEAR, MONTH_SPAN)

# Years outside this range are rejected: the series starts in 2012-13 and a typo such as "20255"
# should fail loudly rather than become the year 20255.
MIN_YEAR: Final = 1990
MAX_YEAR: Final = 2100

_FY_DASH = re.compile(r"^(\d{4})\s*[-/–]\s*(\d{2}|\d{4})$")
_FY_CODE = re.compile(r"^(\d{4})(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})-(\d{2})\s+H([12])$")
_SPAN = re.compile(r"^(\d{4})-(\d{2})/(\d{4})-(\d{2})$")
_PREFIXED = re.compile(r"^(?:ry|reporting\s+year)\s*(\d{4})$", re.IGNORECASE)
_FY_PREFIXED = re.compile(r"^(?:fy|financial\s+year)\s*(.+)$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Period:
    """A period of notifications.

    Parameters
    ----------
    kind : str
        One of ``"financial_year"`` (April-March; also "reporting year"), ``"calendar_year"``,
        ``"half_year"`` (April-September or October-March) and ``"month_span"`` (an irregular span
        of whole months, used for some Panel figures).
    start_year : int
        The calendar year in which the period starts.
    start_month : int
        The first month (1-12).
    months : int
        Length in months.
    """

    start_year: int
    start_month: int
    months: int
    kind: str

    @property
    def end_year(self) -> int:
        """Calendar year of the last month in the period."""
        return self.start_year + (self.start_month - 1 + self.months - 1) // 12

    @property
    def end_month(self) -> int:
        """The last month (1-12)."""
        return (self.start_month - 1 + self.months - 1) % 12 + 1

    @property
    def id(self) -> str:
        """Canonical id: ``2025-26``, ``2021``, ``2020-21 H1`` or ``2018-07/2019-11``."""
        if self.kind == FINANCIAL_YEAR:
            return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"
        if self.kind == CALENDAR_YEAR:
            return f"{self.start_year}"
        if self.kind == HALF_YEAR:
            fy_start = self.start_year if self.start_month >= 4 else self.start_year - 1
            half = 1 if self.start_month == 4 else 2
            return f"{fy_start}-{(fy_start + 1) % 100:02d} H{half}"
        return f"{self.start_year}-{self.start_month:02d}/{self.end_year}-{self.end_month:02d}"

    @property
    def reporting_year(self) -> int | None:
        """The DfE reporting year (the year the April-March period ends), or None."""
        return self.start_year + 1 if self.kind == FINANCIAL_YEAR else None

    @property
    def ees_code(self) -> str:
        """The EES ``time_period`` code: ``202526`` (financial year era) or ``2021``."""
        if self.kind == FINANCIAL_YEAR:
            return f"{self.start_year}{(self.start_year + 1) % 100:02d}"
        return self.id

    @property
    def label(self) -> str:
        """Human label, e.g. ``2025-26 (reporting year 2026)`` or ``calendar year 2021``."""
        if self.kind == CALENDAR_YEAR:
            return f"calendar year {self.start_year}"
        detail = {
            FINANCIAL_YEAR: f"reporting year {self.reporting_year}",
            HALF_YEAR: "April-September" if self.start_month == 4 else "October-March",
        }.get(self.kind, f"{self.months} months")
        return f"{self.id} ({detail})"

    @property
    def midpoint(self) -> float:
        """Decimal year of the middle of the period (used as the time axis in trend fits)."""
        start = self.start_year + (self.start_month - 1) / 12.0
        return start + self.months / 24.0

    def __str__(self) -> str:
        return self.id


def financial_year(start_year: int) -> Period:
    """Return the April-March period starting in April of ``start_year``."""
    _check_year(start_year, str(start_year))
    return Period(start_year, 4, 12, FINANCIAL_YEAR)


def calendar_year(year: int) -> Period:
    """Return the January-December period of ``year``."""
    _check_year(year, str(year))
    return Period(year, 1, 12, CALENDAR_YEAR)


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            f"period {text!r}: year {year} is outside {MIN_YEAR}-{MAX_YEAR}; "
            "write a year such as '2025-26', '2026' or '202526'"
        )


def _fy_from_pair(first: int, second_text: str, text: str) -> Period:
    second = int(second_text)
    expected = (first + 1) % 100 if len(second_text) == 2 else first + 1
    if second != expected:
        raise PeriodError(
            f"period {text!r}: the second year must follow the first "
            f"(did you mean '{first}-{(first + 1) % 100:02d}'?)"
        )
    return financial_year(first)


@fill_doc
def parse_period(value: object, kind: str | None = None) -> Period:
    """Parse a period in any accepted form.

    Parameters
    ----------
    value : str, int or Period
        ``"2025-26"``, ``"2025/26"``, ``"2025-2026"``, ``"202526"`` (EES code), ``"2026"`` or
        ``2026`` (reporting year), ``"RY2026"``, ``"FY2025-26"``; ``"2020-21 H1"`` for a half year;
        ``"2018-07/2019-11"`` for a span of months. A :class:`Period` is returned unchanged.
    kind : str, optional
        ``"calendar_year"`` makes a bare four-digit year a calendar year (the Panel's 2020 and
        2021 reports). ``"financial_year"`` (or None, the default) makes it a reporting year.

    %(period_result)s
    """
    if isinstance(value, Period):
        return value
    if kind is not None and kind not in KINDS:
        raise PeriodError(f"unknown period kind {kind!r}; choose one of {', '.join(KINDS)}")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PeriodError(
            f"period {value!r} is not a string or integer; write e.g. '2025-26' or '2026'"
        )
    text = str(value).strip()
    if len(text) > 40:
        raise PeriodError(f"period {text[:40]!r}... is too long to be a period")
    m = _PREFIXED.match(text)
    if m:
        year = int(m.group(1))
        _check_year(year, text)
        return financial_year(year - 1)
    m = _FY_PREFIXED.match(text)
    if m:
        return parse_period(m.group(1), kind=FINANCIAL_YEAR)
    m = _FY_DASH.match(text)
    if m:
        first = int(m.group(1))
        _check_year(first, text)
        return _fy_from_pair(first, m.group(2), text)
    m = _FY_CODE.match(text)
    if m:
        first = int(m.group(1))
        _check_year(first, text)
        return _fy_from_pair(first, m.group(2), text)
    m = _YEAR.match(text)
    if m:
        year = int(m.group(1))
        _check_year(year, text)
        if kind == CALENDAR_YEAR:
            return calendar_year(year)
        return financial_year(year - 1)
    m = _HALF.match(text)
    if m:
        first = int(m.group(1))
        _check_year(first, text)
        _fy_from_pair(first, m.group(2), text)
        if m.group(3) == "1":
            return Period(first, 4, 6, HALF_YEAR)
        return Period(first, 10, 6, HALF_YEAR)
    m = _SPAN.match(text)
    if m:
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        _check_year(y1, text)
        _check_year(y2, text)
        months = (y2 - y1) * 12 + (m2 - m1) + 1
        if not (1 <= m1 <= 12 and 1 <= m2 <= 12) or months < 1:
            raise PeriodError(f"period {text!r}: not a valid span of months (YYYY-MM/YYYY-MM)")
        return Period(y1, m1, months, MONTH_SPAN)
    raise PeriodError(
        f"cannot read {text!r} as a period; accepted forms: '2025-26', '2026' (reporting year), "
        "'202526' (EES code), '2020-21 H1' (half year), '2018-07/2019-11' (span of months)"
    )


@fill_doc
def previous_year(period: object) -> Period:
    """Return the April-March year before ``period`` (``"2025-26"`` gives 2024-25).

    Parameters
    ----------
    period : str, int or Period
        An April-March year in any form :func:`parse_period` accepts.

    %(period_result)s
    """
    return financial_year(parse_period(period).start_year - 1)


def period_id(value: object, kind: str | None = None) -> str:
    """Return the canonical id of ``value`` (see :func:`parse_period`)."""
    return parse_period(value, kind).id


def period_label(value: object, kind: str | None = None) -> str:
    """Return the human label of ``value``, e.g. ``2025-26 (reporting year 2026)``."""
    return parse_period(value, kind).label


def from_ees(time_period: str, time_identifier: str) -> Period:
    """Parse an EES ``time_period``/``time_identifier`` pair.

    Parameters
    ----------
    time_period : str
        E.g. ``"202223"``, ``"2026"``, ``"2020-21"``, ``"2021"``.
    time_identifier : str
        E.g. ``"Financial year"``, ``"Reporting year"``, ``"Calendar year"``,
        ``"Part 1 (April to September)"``, ``"Month range"``.

    Returns
    -------
    Period
    """
    ident = time_identifier.strip().lower()
    tp = str(time_period).strip()
    if ident in ("financial year", "reporting year"):
        if ident == "reporting year" and not _YEAR.match(tp):
            raise PeriodError(f"time_period {tp!r} is not a reporting year (YYYY)")
        if ident == "financial year" and not (_FY_CODE.match(tp) or _FY_DASH.match(tp)):
            raise PeriodError(f"time_period {tp!r} is not a financial year (YYYYYY or YYYY-YY)")
        return parse_period(tp, FINANCIAL_YEAR)
    if ident == "calendar year":
        if not _YEAR.match(tp):
            raise PeriodError(f"time_period {tp!r} is not a calendar year (YYYY)")
        return parse_period(tp, CALENDAR_YEAR)
    if ident.startswith("part 1") or ident.startswith("part 2"):
        half = "H1" if ident.startswith("part 1") else "H2"
        fy = parse_period(tp, FINANCIAL_YEAR)
        return parse_period(f"{fy.id} {half}")
    if ident == "month range":
        p = parse_period(tp)
        if p.kind != MONTH_SPAN:
            raise PeriodError(f"time_period {tp!r} is not a month range (YYYY-MM/YYYY-MM)")
        return p
    raise PeriodError(
        f"unknown time_identifier {time_identifier!r}; expected 'Financial year', "
        "'Reporting year', 'Calendar year', 'Part 1 (April to September)' or 'Month range'"
    )
