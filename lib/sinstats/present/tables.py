"""Tables for readers: one declared description of how each column of a result is shown.

An analysis returns tidy tables (numbers as numbers, with ``method``, ``conf_level`` and
``note``); a reader sees the same table formatted: counts as whole numbers with thousands
separators, intervals as "a to b", p-values in words, a missing value as "-". Rather than one
hand-written formatting function per table, each analysis module declares a :class:`Display`
(its columns: header, source field(s), format) and calls it like a function::

    headline_display = Display(
        "headline_table",
        Column("Nature of notification", "nature"),
        Column("Notifications", "count", "count"),
        Column("{level} interval", ("lower", "upper"), "interval"),
    )
    headline_display(headline)   # -> the formatted DataFrame

so every table shares one set of formatting rules (:data:`FORMATS`, built on
:mod:`sinstats.present.words`), and a header may name the table's confidence level as
``{level}`` ("95%"), read from its ``conf_level`` column.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from sinstats.errors import ParameterError
from sinstats.present.words import count_text, interval_text, level_text, number_text, p_text

Formatter = Callable[..., str]
"""A format: called with one value per source field and ``decimals=``; returns the text."""


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _count(value: float, *, decimals: int = 0) -> str:
    return count_text(value)  # a count that was never published says so


def _number(value: float, *, decimals: int = 0) -> str:
    return number_text(float(value), decimals) if not _missing(value) else "-"


def _interval(lower: float, upper: float, *, decimals: int = 0) -> str:
    return "-" if _missing(lower) or _missing(upper) else interval_text(lower, upper, decimals)


def _p(value: float, *, decimals: int = 0) -> str:
    return "-" if _missing(value) else p_text(float(value))


def _percent_of_one(value: float, *, decimals: int = 1) -> str:
    return "" if _missing(value) else f"{100 * float(value):.{decimals}f}"


def _general(value: float, *, decimals: int = 0) -> str:
    return f"{value:g}"


FORMATS: Final[Mapping[str, Formatter]] = {
    "count": _count,
    "number": _number,
    "interval": _interval,
    "p": _p,
    "percent_of_one": _percent_of_one,
    "general": _general,
}
"""Column formats by name: ``count`` (``1,234``; "not published" when missing), ``number``
(fixed decimals), ``interval`` (``"a to b"``, from two fields), ``p`` (``p = 0.04``),
``percent_of_one`` (a share of 1 as a percentage), ``general`` (``%g``); ``text`` (not listed)
shows the field as it is."""


@dataclass(frozen=True)
class Column:
    """One column of a reader's table.

    Attributes
    ----------
    header : str
        The column's header; ``{level}`` is replaced by the table's confidence level ("95%"),
        and ``{name}`` by the first value of the table's column ``name`` (e.g. ``{period}``).
    field : str or tuple of str
        The source column, or several (``("lower", "upper")`` for an interval).
    format : str or callable, default "text"
        A name from :data:`FORMATS`, ``"text"`` for the field as it is, or a function called
        with one value per field and ``decimals=`` for a format of this table only.
    decimals : int, default 0
        Decimals for ``number``, ``interval`` and ``percent_of_one``.
    """

    header: str
    field: str | tuple[str, ...]
    format: str | Formatter = "text"
    decimals: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.format, str) and self.format != "text" and self.format not in FORMATS:
            raise ParameterError(
                f"column {self.header!r}: unknown format {self.format!r}; choose text or one of "
                f"{', '.join(FORMATS)}"
            )

    @property
    def fields(self) -> tuple[str, ...]:
        """The source fields, as a tuple."""
        return (self.field,) if isinstance(self.field, str) else tuple(self.field)

    def values(self, table: pd.DataFrame) -> Any:
        """Return this column's values for ``table``, formatted."""
        sources = [table[f] for f in self.fields]
        if self.format == "text":
            return sources[0]
        fmt = FORMATS[self.format] if isinstance(self.format, str) else self.format
        return [fmt(*row, decimals=self.decimals) for row in zip(*sources, strict=True)]


def _header(template: str, table: pd.DataFrame) -> str:
    """Fill a header's ``{level}`` and ``{column}`` fields from the table's first row."""
    names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
    if not names:
        return template
    values: dict[str, str] = {}
    for name in names:
        if name == "level":
            level = table["conf_level"].iloc[0] if "conf_level" in table and len(table) else None
            values[name] = level_text(float(level)) if level is not None else ""
        else:
            values[name] = str(table[name].iloc[0]) if len(table) else name
    return template.format_map(values)


class Display:
    """A table's formatting for readers, called like a function: ``display(table)``.

    Parameters
    ----------
    source : str
        The name of the function whose table this formats (for the docstring).
    *columns : Column
        The columns, in order.
    where : callable, optional
        Keeps only the rows for which it is True (called with the table).
    """

    def __init__(
        self,
        source: str,
        *columns: Column,
        where: Callable[[pd.DataFrame], pd.Series] | None = None,
    ) -> None:
        self.source = source
        self.columns: Sequence[Column] = columns
        self.where = where
        headers = ", ".join(c.header.replace("{level}", "95%") for c in columns)
        self.__doc__ = f"Format :func:`{source}` for readers: {headers}."

    def __call__(self, table: pd.DataFrame) -> pd.DataFrame:
        """Return ``table`` formatted for readers (one column per :class:`Column`)."""
        if self.where is not None:
            table = table[self.where(table)]
        return pd.DataFrame({_header(c.header, table): c.values(table) for c in self.columns})

    def __repr__(self) -> str:
        return f"Display({self.source!r}, {len(self.columns)} columns)"
