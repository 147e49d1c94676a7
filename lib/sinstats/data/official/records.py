"""One row of an official EES file -> tidy records (one per measure), checked cell by cell.

:func:`row_records` turns the cells of one row, read with the file's
:class:`~sinstats.data.official.eras.Layout`, into records of
:data:`sinstats.data.TIDY_COLUMNS`: canonical period (half years from ``time_breakdown``), area,
breakdown topic and value, nature (``Child Death`` -> ``Child death``), and one record per
indicator column (the count, the percentage, contextual measures) with EES symbols as a missing
value and a ``status``. A cell that breaks a rule raises a :class:`~sinstats.errors.DataError`
naming the file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sinstats.data import schema
from sinstats.data.official.eras import (
    AGE_RANGE,
    BASE_COLUMNS,
    CONTEXT_COLUMNS,
    CROSS_COLUMNS,
    Layout,
)
from sinstats.data.official.publication import (
    PUBLICATION_URL,
    PUBLISHER,
    release_page,
    release_tag,
)
from sinstats.errors import DataError, PeriodError
from sinstats.periods import FINANCIAL_YEAR, Period, from_ees, parse_period

TOPIC_ALIASES: Final[dict[str, str]] = {
    "total": "Total",
    "cla": "CLA",
    "cla (child looked after)": "CLA",
    "child looked after": "CLA",
    "looked after": "CLA",
    "gender": "Gender",
    "sex": "Sex",
    "age": "Age",
    "age group": "Age group",
    "ethnicity": "Ethnicity",
    "disability": "Disability",
    "quarter": "Quarter",
}
"""Lower-cased breakdown topics -> the label used in ``data/published`` (others kept as written).

The labels are the official files' own (``CLA``, ``Gender``, ``Age group``): the transcribed files
use them too, so a fetched release and the shipped figures name a breakdown the same way.
"""

NATURE_TOPICS: Final = frozenset(
    {"nature", "nature of notification", "nature of incident", "nature_of_notification"}
)
"""Topic labels under which a characteristic-era file lists the nature of notification."""

NATURE_ALIASES: Final[dict[str, str]] = {
    **schema.NATURE_ALIASES,
    "child death: abuse/neglect": "Child death: abuse/neglect",
    "child death: no abuse/neglect": "Child death: no abuse/neglect",
}
"""Lower-cased nature labels -> canonical label (``Child Death`` -> ``Child death``)."""


@dataclass(frozen=True)
class FileContext:
    """What every row of one official file shares: how to name it, its layout, its provenance.

    Parameters
    ----------
    label : str
        How to name the file in messages (its path, or ``archive.zip:data/x.csv``).
    layout : Layout
        Where the file keeps each part of a figure.
    source_id, source_url, origin : str
        Provenance columns of every record (see :meth:`of` for the defaults).
    """

    label: str
    layout: Layout
    source_id: str
    source_url: str
    origin: str

    @classmethod
    def of(
        cls,
        path: Path,
        label: str,
        layout: Layout,
        *,
        release: str | None,
        source_url: str | None,
        origin: str | None,
    ) -> FileContext:
        """Return the context of a file, with the default provenance where none is given.

        Parameters
        ----------
        path : Path
            The file: its stem names the ``source_id``, its name the default ``origin``.
        label, layout
            As for the class.
        release : str or None
            The release slug the file came from: ``source_id`` becomes
            ``EES_<release tag>_<file stem>`` (``EES_<file stem>`` without a release).
        source_url : str or None
            Default: the release page, or the publication page.
        origin : str or None
            Default: ``ees:<file name>``.

        Returns
        -------
        FileContext

        Raises
        ------
        ParameterError
            If ``release`` is not a release slug.
        """
        stem = _SAFE_ID.sub("_", path.stem).strip("_") or "file"
        return cls(
            label=label,
            layout=layout,
            source_id=f"EES_{release_tag(release)}_{stem}" if release else f"EES_{stem}",
            source_url=source_url or (release_page(release) if release else PUBLICATION_URL),
            origin=origin or f"ees:{path.name}",
        )


_LA_CODE = re.compile(r"^E\d{8}$")
_REGION_CODE = re.compile(r"^E12\d{6}$")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.\-]+")


class _CellError(Exception):
    """A broken rule in one cell, raised by the helpers and located by :func:`row_records`."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _squash(text: str) -> str:
    return " ".join(text.split())


def _canonical_topic(text: str) -> str:
    text = _squash(text)
    return TOPIC_ALIASES.get(text.lower(), text)


def _canonical_label(text: str) -> str:
    text = _squash(text)
    return "Total" if text.lower() == "total" else text


def _canonical_nature(text: str) -> str:
    text = _squash(text)
    return NATURE_ALIASES.get(text.lower(), text)


def _half_year(fy: Period, text: str) -> Period | None:
    """Map a ``time_breakdown`` value to the full year or one of its halves (None if unknown)."""
    t = " ".join(text.lower().split())
    if t in ("full year", "total", "year"):
        return fy
    if "part 1" in t or "april to september" in t or "first half" in t or t == "h1":
        return parse_period(f"{fy.id} H1")
    if "part 2" in t or "october to march" in t or "second half" in t or t == "h2":
        return parse_period(f"{fy.id} H2")
    return None


def _period(c: dict[str, str], lay: Layout, notes: list[str]) -> Period:
    """Return the row's period: ``time_period`` and ``time_identifier``, or a half year."""
    try:
        period = from_ees(c["time_period"], c["time_identifier"])
    except PeriodError as err:
        raise _CellError("time_period", str(err)) from None
    if lay.time_breakdown and c[lay.time_breakdown]:
        half = _half_year(period, c[lay.time_breakdown]) if period.kind == FINANCIAL_YEAR else None
        if half is None:
            raise _CellError(
                lay.time_breakdown,
                f"time_breakdown {c[lay.time_breakdown]!r} is not 'Full year' or a half year "
                "('Part 1 (April to September)', 'Part 2 (October to March)') of a financial year",
            )
        if half != period:
            notes.append(f"half year from time_breakdown {c[lay.time_breakdown]!r}")
        period = half
    return period


def _area(c: dict[str, str]) -> tuple[str, str, str]:
    """Return the row's geographic level, area code and area name."""
    level = _squash(c["geographic_level"])
    level = next((g for g in schema.GEOGRAPHIC_LEVELS if g.lower() == level.lower()), level)
    if level not in schema.GEOGRAPHIC_LEVELS:
        raise _CellError(
            "geographic_level",
            f"geographic level {level!r} is not one of {', '.join(schema.GEOGRAPHIC_LEVELS)}",
        )
    if c["country_code"] != schema.ENGLAND_CODE:
        raise _CellError("country_code", f"country {c['country_code']!r}: only England (E92000001)")
    if level == "National":
        return level, schema.ENGLAND_CODE, schema.ENGLAND_NAME
    if level == "Regional":
        code = c.get("region_code", "")
        if not _REGION_CODE.match(code) or not c.get("region_name"):
            raise _CellError(
                "region_code", f"a Regional row needs an E12 region code (got {code!r})"
            )
        return level, code, schema.REGIONS.get(code, c["region_name"])
    code = c.get("new_la_code", "")
    if not _LA_CODE.match(code) or not c.get("la_name"):
        raise _CellError(
            "new_la_code",
            f"a Local authority row needs new_la_code (E + 8 digits) and la_name (got {code!r})",
        )
    return level, code, _squash(c["la_name"])


def _nature_of(raw: str, notes: list[str]) -> str:
    """Return the canonical nature, noting a different spelling in the official file."""
    nature = _canonical_nature(raw)
    if nature != _squash(raw):
        notes.append(f"spelled {raw!r} in the official file")
    return nature


def _filters(c: dict[str, str], lay: Layout, notes: list[str]) -> tuple[str, str, str]:
    """Return the row's breakdown topic, breakdown and nature, from every filter column."""
    topic, breakdown, nature = "Total", "Total", "Total"
    if lay.topic and lay.value:
        raw_topic, raw_value = c[lay.topic], c[lay.value]
        if not raw_topic or not raw_value:
            raise _CellError(lay.topic if not raw_topic else lay.value, "empty filter value")
        if " ".join(raw_topic.lower().split()) in NATURE_TOPICS:
            nature = _nature_of(raw_value, notes)
        else:
            topic, breakdown = _canonical_topic(raw_topic), _canonical_label(raw_value)
            if topic == "Total" and breakdown != "Total":
                raise _CellError(lay.value, f"topic 'Total' with breakdown {raw_value!r}")
    elif lay.cross:
        parts = [(CROSS_COLUMNS[col], _canonical_label(c[col])) for col in lay.cross]
        if any(not value for _, value in parts):
            raise _CellError(lay.cross[0], "empty filter value")
        shown = [(t, v) for t, v in parts if v != "Total"]
        if shown:
            topic = " x ".join(t for t, _ in shown)
            breakdown = " x ".join(v for _, v in shown)
    if lay.nature:
        raw = c[lay.nature]
        if not raw:
            raise _CellError(lay.nature, "nature_of_notification is empty")
        if _canonical_nature(raw) != "Total":
            if nature != "Total":
                raise _CellError(
                    lay.nature, "nature given twice (in the breakdown and this column)"
                )
            nature = _nature_of(raw, notes)
    if lay.quarter:
        q = _squash(c[lay.quarter])
        if not q:
            raise _CellError(lay.quarter, "quarter is empty; annual rows say 'Total'")
        if q.lower() != "total":
            if topic == "Total":
                topic, breakdown = "Quarter", q
            elif topic == "Quarter":
                breakdown = q
            else:
                topic, breakdown = f"{topic} x Quarter", f"{breakdown} x {q}"
    if lay.era == "care_leaver":
        nature = ""
        m = AGE_RANGE.match(breakdown) if topic == "Age group" else None
        if m:
            breakdown = f"{m.group(1)} to {m.group(2)}"  # "22-24" as the files write "22 to 24"
        notes.append("voluntary notifications: treat their representativeness with caution")
    return topic, breakdown, nature


def _indicators(lay: Layout, nature: str) -> list[tuple[str, str, str, str]]:
    """Return (column, measure, unit, nature) of every figure a row of this layout holds."""
    if lay.era == "care_leaver":
        count_measure = "care_leaver_death_notifications"
    else:
        count_measure = "number_notifications"
    indicators = [(lay.count, count_measure, "count", nature)]
    if lay.percent:
        indicators.append((lay.percent, "percentage_of_notifications", "percent", nature))
    for col in lay.context:
        measure, unit = CONTEXT_COLUMNS[col]
        indicators.append((col, measure, unit, ""))
    return indicators


def _figure(cell: str, column: str, unit: str) -> tuple[float, str]:
    """Return (value, status) of one indicator cell, checked against its unit."""
    if not cell:
        raise _CellError(
            column, "empty value; EES files show a symbol (c, x, :) for a missing figure"
        )
    parsed = schema.parse_value(cell)
    if parsed is None:
        raise _CellError(column, schema.not_a_value(cell))
    value, status = parsed
    if not status:
        if unit in ("count", "persons"):
            if value < 0:
                raise _CellError(column, f"a count cannot be negative (got {cell})")
            if value != int(value):
                raise _CellError(column, f"a count must be a whole number (got {cell})")
        elif unit == "percent" and not 0 <= value <= 100:
            raise _CellError(column, f"a percentage must lie in 0-100 (got {cell})")
        elif unit == "score" and not 0 <= value <= 1:
            raise _CellError(column, f"an IDACI score must lie in 0-1 (got {cell})")
    return value, status


def row_records(line: int, c: dict[str, str], ctx: FileContext) -> list[dict[str, object]]:
    """Turn one row of an official file into tidy records, one per measure.

    Parameters
    ----------
    line : int
        The row's line in the file (for messages and the ``line`` column).
    c : dict of str to str
        ``{column: cell}`` of the row (white space removed).
    ctx : FileContext
        The file's layout and provenance.

    Returns
    -------
    list of dict
        Records of :data:`sinstats.data.TIDY_COLUMNS`. ``dataset`` is ``sin_national`` for a
        national April-March count by nature and ``characteristics`` for everything else.

    Raises
    ------
    DataError
        Naming the file, line and column of the first broken rule: an empty base cell, an
        unparseable period or half year, an unknown level, a country other than England, a bad
        region or local-authority code, an empty filter, a nature given twice, an empty or
        unknown value, a negative or fractional count, a percentage or score out of range.
    """
    try:
        for col in BASE_COLUMNS:
            if not c[col]:
                raise _CellError(col, f"'{col}' is empty; every EES row needs it")
        notes: list[str] = []
        period = _period(c, ctx.layout, notes)
        level, area_code, area_name = _area(c)
        topic, breakdown, nature = _filters(c, ctx.layout, notes)
        figures = [
            (col, measure, unit, row_nature, _figure(c[col], col, unit))
            for col, measure, unit, row_nature in _indicators(ctx.layout, nature)
        ]
    except _CellError as err:
        raise DataError(err.message, path=ctx.label, line=line, column=err.column) from None
    records: list[dict[str, object]] = []
    for col, measure, unit, row_nature, (value, status) in figures:
        row_notes = list(notes)
        rounded = 0
        if (measure == "number_notifications" and level == "Regional") or (
            measure == "cin_31march" and level in ("National", "Regional")
        ):
            rounded = 10
            row_notes.append("rounded to the nearest 10 by DfE")
        if col == "idaci_avgscore_2019":
            row_notes.append("IDACI 2019 (column idaci_avgscore_2019)")
        category = breakdown if breakdown != "Total" else (row_nature or "Total")
        is_national_series = (
            level == "National"
            and period.kind == FINANCIAL_YEAR
            and topic == "Total"
            and breakdown == "Total"
            and measure == "number_notifications"
            and row_nature in schema.NATURES
        )
        records.append(
            {
                "dataset": "sin_national" if is_national_series else "characteristics",
                **schema.period_columns(period),
                "time_period": c["time_period"],
                "time_identifier": c["time_identifier"],
                "geographic_level": level,
                "area_code": area_code,
                "area_name": area_name,
                "breakdown_topic": topic,
                "breakdown": breakdown,
                "nature": row_nature,
                "category": category,
                "measure": measure,
                "value": value,
                "unit": unit,
                "status": status,
                "qualifier": "",
                "rounded_to": rounded,
                "series": "Ofsted" if period.start_year < 2018 else "DfE",
                "source_id": ctx.source_id,
                "publisher": PUBLISHER,
                "source_url": ctx.source_url,
                "note": "; ".join(row_notes),
                "origin": ctx.origin,
                "line": line,
            }
        )
    return records
