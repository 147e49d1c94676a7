"""The format eras of official EES files: which columns each era has, told from a file's header.

DfE has published "Serious incident notifications" on EES in several *format eras* (see
``data/raw/README.md``). :func:`detect_layout` reads a header and returns the file's
:class:`Layout`: its era (a key of :data:`ERAS`) and which column holds the topic, the value, the
nature, the count, the percentage, the quarter, the half year and any contextual or
cross-characteristic filters. A header that fits no era raises a
:class:`~sinstats.errors.DataError` naming the column that is missing or not allowed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final

from sinstats.data._reading import CsvRow, header_error
from sinstats.data.schema import EES_BASE_COLUMNS

ERAS: Final[dict[str, str]] = {
    "transparency": "Part 1 2020-21 transparency file (sin_breakdown/category, number/percentage)",
    "fy_category": "financial-year file of 2020-21 or 2021-22 (characteristic/category, "
    "number/percentage)",
    "fy_characteristic": "financial-year 2022-23 file (characteristic/characteristic_type, "
    "number_notifications)",
    "ry_breakdown": "reporting-year file from 2024 (breakdown_topic/breakdown, "
    "nature_of_notification, number_notifications)",
    "care_leaver": "care leaver death notifications file (breakdown_topic/breakdown, "
    "number_notifications, no nature)",
    "cross_characteristics": "2021-22 cross-characteristics file (age_group/ethnicity/gender)",
    "subnational": "sub-national file with contextual data (region and local-authority columns, "
    "cin_31march, idaci_avgscore, ons_midyear_population)",
    "totals": "national totals file (no breakdown columns)",
}
"""Format eras :func:`~sinstats.data.official.read_ees_file` recognises, by name."""

ERA_PRIORITY: Final[dict[str, int]] = {
    "subnational": 0,
    "totals": 1,
    "cross_characteristics": 2,
    "transparency": 3,
    "fy_category": 4,
    "fy_characteristic": 4,
    "care_leaver": 4,
    "ry_breakdown": 4,
}
"""When one release gives the same figure in several files, the file of the higher era wins."""

BASE_COLUMNS: Final = EES_BASE_COLUMNS
"""Columns every EES data file has."""

GEOGRAPHY_COLUMNS: Final = ("region_code", "region_name", "old_la_code", "new_la_code", "la_name")
"""Geography columns a file may have beyond the country."""

TIME_COLUMNS: Final = ("quarter", "time_breakdown")
"""Columns that split a period (quarters, half years)."""

COUNT_COLUMNS: Final = ("number_notifications", "number")
"""Count column from 2022-23 and before it; a file has exactly one."""

PERCENT_COLUMN: Final = "percentage"
NATURE_COLUMN: Final = "nature_of_notification"

CONTEXT_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "cin_31march": ("cin_31march", "count"),
    "ons_midyear_population": ("ons_midyear_population", "persons"),
    "idaci_avgscore": ("idaci_avgscore", "score"),
    "idaci_avgscore_2019": ("idaci_avgscore", "score"),
}
"""Contextual columns of sub-national files -> (measure, unit). IDACI 2019 becomes one measure."""

CROSS_COLUMNS: Final[dict[str, str]] = {
    "age_group": "Age group",
    "ethnicity": "Ethnicity",
    "gender": "Gender",
    "sex": "Sex",
}
"""Filter columns of the 2021-22 cross-characteristics file (inferred) -> topic label."""

AGE_RANGE: Final = re.compile(r"^(\d+)\s*(?:to|-)\s*(\d+)$")
"""An age band such as ``16 to 21`` or ``22-24``."""


@dataclass(frozen=True)
class Layout:
    """Where an official file keeps each part of a figure.

    Parameters
    ----------
    era : str
        A key of :data:`ERAS`.
    topic, value : str or None
        Columns of the breakdown topic and its value (None for files without a breakdown).
    nature : str or None
        The ``nature_of_notification`` column, when there is one.
    count : str
        The count column (``number_notifications`` or ``number``).
    percent : str or None
        The ``percentage`` column, when there is one.
    context : tuple of str
        Contextual columns of a sub-national file (keys of :data:`CONTEXT_COLUMNS`).
    cross : tuple of str
        Filter columns of a cross-characteristics file (keys of :data:`CROSS_COLUMNS`).
    quarter, time_breakdown : str or None
        Columns that split a period into quarters or half years.
    """

    era: str
    topic: str | None = None
    value: str | None = None
    nature: str | None = None
    count: str = "number_notifications"
    percent: str | None = None
    context: tuple[str, ...] = ()
    cross: tuple[str, ...] = ()
    quarter: str | None = None
    time_breakdown: str | None = None

    def columns(self) -> set[str]:
        """Return every column a file of this layout may have.

        Returns
        -------
        set of str
            The base and geography columns and every column the layout uses.
        """
        allowed = {*BASE_COLUMNS, *GEOGRAPHY_COLUMNS, self.count}
        for col in (self.topic, self.value, self.nature, self.percent, self.quarter):
            if col:
                allowed.add(col)
        allowed.update(self.context, self.cross)
        if self.time_breakdown:
            allowed.add(self.time_breakdown)
        return allowed


def _count_column(header: list[str], path: str) -> str:
    counts = [c for c in COUNT_COLUMNS if c in header]
    if len(counts) != 1:
        problem = "no count column" if not counts else "two count columns"
        raise header_error(
            f"{problem}: expected exactly one of number_notifications (from 2022-23) or number "
            "(earlier releases)",
            path,
            counts[1] if counts else None,
        )
    return counts[0]


def detect_layout(header: list[str], path: str) -> Layout:
    """Work out the era and layout of an official file from its header.

    Parameters
    ----------
    header : list of str
        The column names (each once).
    path : str
        The file, for messages.

    Returns
    -------
    Layout
        The layout; a nature-less ``ry_breakdown`` file may still turn out to be a
        ``care_leaver`` file once its rows are read (see :func:`looks_care_leaver`).

    Raises
    ------
    DataError
        If a base column is missing, there is not exactly one count column, a column an era
        needs is missing, or a column is not allowed in the era (line 1, naming the column).
    """
    missing = [c for c in BASE_COLUMNS if c not in header]
    if missing:
        raise header_error(
            f"missing column {missing[0]!r}: every EES data file has {', '.join(BASE_COLUMNS)}; "
            "is this a serious incident notifications file?",
            path,
            missing[0],
        )
    count = _count_column(header, path)
    quarter = "quarter" if "quarter" in header else None
    time_breakdown = "time_breakdown" if "time_breakdown" in header else None
    nature = NATURE_COLUMN if NATURE_COLUMN in header else None
    percent = PERCENT_COLUMN if PERCENT_COLUMN in header else None
    context = tuple(c for c in header if c in CONTEXT_COLUMNS)

    def need(column: str, why: str) -> None:
        if column not in header:
            raise header_error(
                f"missing column {column!r}: a file with {why} needs it", path, column
            )

    common = Layout("totals", nature=nature, count=count, percent=percent, quarter=quarter)
    if context or "new_la_code" in header or "la_name" in header:
        for column in ("region_code", "region_name", "new_la_code", "la_name"):
            need(column, "local-authority or contextual columns")
        layout = Layout("subnational", count=count, context=context, quarter=quarter)
    elif "sin_breakdown" in header:
        need("category", "a 'sin_breakdown' column")
        layout = replace(common, era="transparency", topic="sin_breakdown", value="category")
    elif "breakdown_topic" in header:
        need("breakdown", "a 'breakdown_topic' column")
        layout = replace(common, era="ry_breakdown", topic="breakdown_topic", value="breakdown")
    elif "characteristic" in header:
        if "characteristic_type" in header:
            value, era = "characteristic_type", "fy_characteristic"
        else:
            need("category", "a 'characteristic' column (or 'characteristic_type')")
            value, era = "category", "fy_category"
        layout = replace(common, era=era, topic="characteristic", value=value)
    elif any(c in CROSS_COLUMNS for c in header):
        cross = tuple(c for c in header if c in CROSS_COLUMNS)
        layout = replace(common, era="cross_characteristics", cross=cross)
    else:
        layout = common
    if time_breakdown and layout.era != "subnational":
        layout = replace(layout, time_breakdown=time_breakdown)

    allowed = layout.columns()
    unknown = [c for c in header if c not in allowed]
    if unknown:
        raise header_error(
            f"unknown column(s) {', '.join(repr(u) for u in unknown)} for a "
            f"{ERAS[layout.era]}; allowed here: {', '.join(sorted(allowed))}",
            path,
            unknown[0],
        )
    return layout


def looks_care_leaver(path: Path, rows: Sequence[CsvRow], layout: Layout) -> bool:
    """Tell whether a nature-less breakdown file is about care leavers.

    Parameters
    ----------
    path : Path
        The file: a name containing "care leaver" is enough.
    rows : sequence of CsvRow
        Its rows: an age band reaching 18 or more also tells.
    layout : Layout
        Its layout (must have a value column).

    Returns
    -------
    bool
        True for a care leaver death notifications file.
    """
    stem = re.sub(r"[^a-z]", "", path.stem.lower())
    if "careleaver" in stem:
        return True
    assert layout.value is not None
    for _, cells in rows:
        m = AGE_RANGE.match(cells[layout.value].lower().removeprefix("age ").strip())
        if m and int(m.group(2)) >= 18:
            return True
    return False
