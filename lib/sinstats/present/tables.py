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

The rules a reader's table keeps (and :func:`reader_problems` checks, for tests):

* years as years (``2014``, ``2014-15``), never ``2,014``; counts as whole numbers (``91``, never
  ``91.00``); intervals as "a to b", headed "95% interval" (never "CI");
* plain words for every internal name: a column's ``labels`` map codes such as
  ``period_basis`` to words, and no header or cell shows a ``snake_case`` name or an internal id;
* a note that applies to every row is said once, as a footnote under the table
  (``Display(..., notes="note")``); different notes are numbered, "[note 1]", and listed once.
  The footnotes travel with the formatted frame in ``frame.attrs["notes"]``, where
  :func:`sinstats.present.outputs.table_html` finds them.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from sinstats.errors import ParameterError
from sinstats.present.words import (
    count_text,
    interval_text,
    level_text,
    number_text,
    p_text,
    trimmed,
)

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
    return "-" if _missing(value) else f"{value:g}"


def _trimmed(value: float, *, decimals: int = 4) -> str:
    return "-" if _missing(value) else trimmed(float(value), decimals)


def _year(value: object, *, decimals: int = 0) -> str:
    """Write a year as a year: ``2014`` (never ``2,014`` or ``2014.0``); a period id as it is."""
    if _missing(value):
        return "-"
    if isinstance(value, (int, float)) and float(value).is_integer():
        return str(int(value))
    return str(value)


FORMATS: Final[Mapping[str, Formatter]] = {
    "count": _count,
    "number": _number,
    "interval": _interval,
    "p": _p,
    "percent_of_one": _percent_of_one,
    "general": _general,
    "year": _year,
    "trimmed": _trimmed,
}
"""Column formats by name: ``count`` (``1,234``; "not published" when missing), ``number``
(fixed decimals), ``interval`` (``"a to b"``, from two fields), ``p`` (``p = 0.04``),
``percent_of_one`` (a share of 1 as a percentage), ``general`` (``%g``), ``year`` (``2014``,
without a thousands separator), ``trimmed`` (at most ``decimals`` decimals, trailing zeros
dropped: ``0.3028``, ``33``); ``text`` (not listed) shows the field as it is, through the
column's ``labels`` when it has them."""


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
    labels : mapping, optional
        Plain words for internal names (``{"period_basis": "Different periods"}``), for a
        ``text`` column: a value found here is shown as its words, any other as it is.
    """

    header: str
    field: str | tuple[str, ...]
    format: str | Formatter = "text"
    decimals: int = 0
    labels: Mapping[str, str] | None = None

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
            if self.labels is None:
                return sources[0]
            labels = self.labels
            return ["-" if _missing(v) else labels.get(str(v), str(v)) for v in sources[0]]
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
    notes : str, optional
        A field of notes said once, under the table, rather than on every row
        (:func:`footnotes`); the formatted frame carries them in ``attrs["notes"]``.
    """

    def __init__(
        self,
        source: str,
        *columns: Column,
        where: Callable[[pd.DataFrame], pd.Series] | None = None,
        notes: str | None = None,
    ) -> None:
        self.source = source
        self.columns: Sequence[Column] = columns
        self.where = where
        self.notes = notes
        headers = ", ".join(c.header.replace("{level}", "95%") for c in columns)
        said = " Notes under the table." if notes else ""
        self.__doc__ = f"Format :func:`{source}` for readers: {headers}.{said}"

    def __call__(self, table: pd.DataFrame) -> pd.DataFrame:
        """Return ``table`` formatted for readers (one column per :class:`Column`)."""
        if self.where is not None:
            table = table[self.where(table)]
        out = pd.DataFrame({_header(c.header, table): c.values(table) for c in self.columns})
        if self.notes is not None and self.notes in table and len(out.columns):
            markers, lines = footnotes(table[self.notes])
            if any(markers):
                first = out.columns[0]
                out[first] = [
                    f"{cell} {marker}" if marker else cell
                    for cell, marker in zip(out[first], markers, strict=True)
                ]
            out.attrs["notes"] = lines
        return out

    def __repr__(self) -> str:
        return f"Display({self.source!r}, {len(self.columns)} columns)"


def footnotes(notes: Iterable[object]) -> tuple[list[str], list[str]]:
    """Return each row's note marker and the notes said once, for under a table.

    One note shared by every row is said once, without markers ("Note: ..."); otherwise each
    different note is numbered in the order it first appears, the rows that carry it are marked
    "[note 1]", and it is listed once ("Note 1: ...").

    Parameters
    ----------
    notes : iterable
        One note per row; empty text, None and NaN mean no note.

    Returns
    -------
    tuple of (list of str, list of str)
        The marker for each row ("" for none) and the footnote lines.

    Examples
    --------
    >>> footnotes(["mid-2024 population", "mid-2024 population"])
    (['', ''], ['Note: Mid-2024 population'])
    >>> footnotes(["a", "", "b", "a"])
    (['[note 1]', '', '[note 2]', '[note 1]'], ['Note 1: A', 'Note 2: B'])
    """
    texts = ["" if _missing(n) else str(n).strip() for n in notes]
    distinct = list(dict.fromkeys(t for t in texts if t))
    if not distinct:
        return [""] * len(texts), []
    if len(distinct) == 1 and all(texts):
        return [""] * len(texts), [f"Note: {_sentence(distinct[0])}"]
    number = {text: i for i, text in enumerate(distinct, start=1)}
    markers = [f"[note {number[t]}]" if t else "" for t in texts]
    return markers, [f"Note {i}: {_sentence(text)}" for text, i in number.items()]


def _sentence(text: str) -> str:
    """Text as a footnote: a capital first letter (a code span or URL is left as it is)."""
    if text[:1].islower() and not text.startswith(("http", "p ", "p-")):
        text = text[0].upper() + text[1:]
    return text


# ---------------------------------------------------------------------------------------------
# What a reader's table must not show
# ---------------------------------------------------------------------------------------------

_URL = re.compile(r"https?://\S+|doi:\S+|\b10\.\d{4,}/\S+")
# An internal name: letters and digits joined by underscores (period_basis, EES_RY2026_natchar).
_INTERNAL = re.compile(r"(?<![\w.@/-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
_WHOLE_WITH_DECIMALS = re.compile(r"^[-+\u2212]?\d[\d,]*\.0+$")
_YEAR_WITH_COMMA = re.compile(r"^(1,9|2,0)\d\d$")
_LONG_DECIMALS = re.compile(r"\d\.\d{5,}")
_RAW_MISSING = frozenset({"nan", "NaN", "None", "<NA>", "NaT", "inf", "-inf"})
_CI = re.compile(r"\bC\.?I\.?\b")
_NOTE_HEADER = re.compile(r"^notes?$", re.IGNORECASE)
# Headers that may start with a lower-case letter.
_LOWER_HEADERS = ("p-value", "p value")


def _internal_names(text: str) -> list[str]:
    return _INTERNAL.findall(_URL.sub(" ", text))


def reader_problems(frame: pd.DataFrame, name: str = "table") -> list[str]:
    """Return what a reader should not see in a displayed table (empty when it reads well).

    The checks: a header that is an internal name (``snake_case``, or starting with a lower-case
    letter, like a field name); any internal name or id in a header or cell (``period_basis``,
    ``EES_RY2026_natchar``; URLs are left alone); a column of whole numbers written with decimals
    (``91.00``, ``33.0``); years written with a thousands separator (``2,014``); more than four
    decimals (``0.857143``); a raw missing value (``nan``, ``None``); "CI" for an interval (the
    reports write "95% interval"); and one note repeated on every row (say it once, as a
    footnote).

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as a reader sees it (the formatted frame, or one read back from HTML).
    name : str
        The table's name or caption, for the messages.

    Returns
    -------
    list of str
        One sentence per problem, naming the table, the column and the value.

    Examples
    --------
    >>> bad = pd.DataFrame({"period_basis": ["2,014"], "Count": ["91.00"]})
    >>> for problem in reader_problems(bad, "demo"):
    ...     print(problem)
    demo: header 'period_basis' is an internal name; give it a plain-words header
    demo, column 'period_basis': years written with a thousands separator ('2,014'); write 2014
    demo, column 'Count': whole numbers written with decimals ('91.00'); write them as whole numbers
    """
    problems: list[str] = []
    for column in frame.columns:
        header = str(column)
        if _internal_names(header):
            problems.append(
                f"{name}: header {header!r} is an internal name; give it a plain-words header"
            )
        elif header[:1].islower() and not header.startswith(_LOWER_HEADERS):
            problems.append(
                f"{name}: header {header!r} reads like a field name; start it with a capital "
                "letter in plain words"
            )
        if _CI.search(header):
            problems.append(f"{name}: header {header!r} says CI; write '95% interval'")
        values = [str(v).strip() for v in frame[column] if not _missing(v)]
        problems.extend(_column_problems(name, header, values))
    return problems


def _column_problems(name: str, header: str, values: list[str]) -> list[str]:
    """Return the problems of one column's displayed values."""
    where = f"{name}, column {header!r}"
    problems: list[str] = []
    shown = [v for v in values if v not in ("", "-")]
    if shown and all(_WHOLE_WITH_DECIMALS.match(v) for v in shown):
        problems.append(
            f"{where}: whole numbers written with decimals ({shown[0]!r}); write them as whole "
            "numbers"
        )
    if shown and all(_YEAR_WITH_COMMA.match(v) for v in shown):
        year = shown[0].replace(",", "")
        problems.append(
            f"{where}: years written with a thousands separator ({shown[0]!r}); write {year}"
        )
    for value in values:
        internal = _internal_names(value)
        if internal:
            problems.append(f"{where}: internal name {internal[0]!r} in {value[:60]!r}")
            break
    for value in values:
        if value in _RAW_MISSING:
            problems.append(f"{where}: a raw missing value ({value!r}); write '-' or say why")
            break
    for value in values:
        if _LONG_DECIMALS.search(_URL.sub(" ", value)):
            problems.append(f"{where}: more than four decimals in {value[:60]!r}")
            break
    for value in values:
        if _CI.search(value):
            problems.append(f"{where}: 'CI' in {value[:60]!r}; write '95% interval'")
            break
    if _NOTE_HEADER.match(header) and len(values) > 1 and len(set(values)) == 1 and values[0]:
        problems.append(
            f"{where}: the same note on every row; say it once, as a footnote "
            "(Display(..., notes=...))"
        )
    return problems
