"""Breaks and events in the national series, read from ``data/breaks.yml`` and validated.

The series of serious incident notifications is not one seamless run of comparable years: the
earlier Ofsted years use an earlier definition, 2017-18 is not held, the collection moved from
Ofsted to DfE in 2018-19, the April-March year was relabelled "reporting year" from 2024, and
2020-21 was the pandemic year. :func:`load_breaks` reads the declarations (one entry per break or
event, each with its sources) into a :class:`Breaks` record; :meth:`Breaks.compare` says what a
comparison of two periods crosses (:class:`Crossing`), and the analyses use it for every change,
trend, key figure and verdict. The kinds and what they do to a comparison are in :data:`KINDS`.

A breaks file is an input like any other: an unknown kind or field, a period that does not parse
or is not an April-March year, an entry without a source, or a break outside the years the data
hold is refused with a :class:`~sinstats.errors.ConfigError` naming the file, the line, the
entry and the field.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import yaml

from sinstats import paths
from sinstats._typing import DataDir, PathLike
from sinstats.data.queries import load
from sinstats.data.schema import SCHEMAS
from sinstats.errors import ConfigError, PeriodError
from sinstats.periods import FINANCIAL_YEAR, Period, financial_year, parse_period

__all__ = [
    "BREAKS_FILE",
    "DEFAULT_DATASETS",
    "KINDS",
    "Break",
    "BreakSource",
    "Breaks",
    "Crossing",
    "april_march_year",
    "breaks_path",
    "load_breaks",
]

#: The breaks file's name in a data folder.
BREAKS_FILE: Final = "breaks.yml"

#: What each kind means for a comparison.
KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "not_comparable": "the years are not comparable with the years outside them",
        "gap": "no figure is held for the years: they stay missing and cannot be compared",
        "step": "the collection changed: a comparison across it is a step change",
        "label": "the periods were relabelled: the same period under a new name, not a break",
        "event": "unusual years: comparisons with them carry a note",
    }
)

#: Kinds that make a comparison across them not like-for-like (flagged, never "more than chance").
BLOCKING_KINDS: Final = ("not_comparable", "step")

#: Datasets a break applies to when its entry does not say (the Ofsted and DfE collection).
DEFAULT_DATASETS: Final = ("sin_national", "characteristics")

_FIELDS: Final = ("id", "kind", "from", "to", "meaning", "short", "note", "datasets", "sources")
_REQUIRED: Final = ("id", "kind", "from", "meaning", "short", "sources")
_SOURCE_FIELDS: Final = ("publisher", "url", "quote", "secondary", "canonical")
_SOURCE_REQUIRED: Final = ("publisher", "url", "quote")
_ID: Final = re.compile(r"^[a-z0-9][a-z0-9\-]{0,59}$")
_URL: Final = re.compile(r"^https?://[^\s/]+\.[^\s]+$")


@dataclass(frozen=True)
class BreakSource:
    """One source of a break: the page read and the words copied from it.

    Attributes
    ----------
    publisher : str
        Who published the page read (a copy or a secondary report says so).
    url : str
        The page read.
    quote : str
        Words copied from that page.
    secondary : bool
        True for a copy or a secondary report of the publisher's statement.
    canonical : str
        The publisher's own URL when the page read is a copy ("" when not known or the same).
    """

    publisher: str
    url: str
    quote: str
    secondary: bool = False
    canonical: str = ""


@dataclass(frozen=True)
class Break:
    """One declared break or event in the national series.

    Attributes
    ----------
    id : str
        Stable name, e.g. ``"dfe-collection"``.
    kind : str
        One of :data:`KINDS`.
    first : Period
        The first April-March year concerned.
    last : Period or None
        The last April-March year; None when the entry runs to the latest year.
    meaning : str
        A few plain words shown beside every flagged comparison.
    short : str
        A label of a few words for charts.
    note : str
        What the sources say.
    datasets : tuple of str
        The datasets it applies to.
    sources : tuple of BreakSource
        At least one.
    """

    id: str
    kind: str
    first: Period
    last: Period | None
    meaning: str
    short: str
    note: str
    datasets: tuple[str, ...]
    sources: tuple[BreakSource, ...]

    def covers(self, period: Period) -> bool:
        """Return True when the April-March year ``period`` lies in this entry's years."""
        if period.start_year < self.first.start_year:
            return False
        return self.last is None or period.start_year <= self.last.start_year

    @property
    def span(self) -> str:
        """The years in words: ``"2012-13 to 2013-14"``, ``"2017-18"``, ``"from 2018-19"``."""
        if self.last is None:
            return f"from {self.first.id}"
        if self.last == self.first:
            return self.first.id
        return f"{self.first.id} to {self.last.id}"

    def applies_to(self, dataset: str) -> bool:
        """Return True when the entry applies to ``dataset``."""
        return dataset in self.datasets


@dataclass(frozen=True)
class Crossing:
    """What a comparison of two periods meets in the declared breaks.

    Attributes
    ----------
    earlier, later : str
        The two periods compared (canonical ids), earlier first.
    blocking : tuple of Break
        ``not_comparable`` and ``step`` entries the comparison crosses: it is not like-for-like.
    gaps : tuple of Break
        ``gap`` entries covering either period (no figure is held for it).
    events : tuple of Break
        ``event`` entries covering either period (a note, not a break).
    """

    earlier: str
    later: str
    blocking: tuple[Break, ...] = ()
    gaps: tuple[Break, ...] = ()
    events: tuple[Break, ...] = ()

    @property
    def comparable(self) -> bool:
        """False when the comparison crosses a ``not_comparable`` or ``step`` entry."""
        return not self.blocking

    @property
    def flags(self) -> tuple[str, ...]:
        """The ids of the blocking entries crossed (empty for a like-for-like comparison)."""
        return tuple(b.id for b in self.blocking)

    @property
    def flag(self) -> str:
        """``"not comparable"``, ``"step change"`` or ``""`` (what a table's flag column shows)."""
        kinds = {b.kind for b in self.blocking}
        if "not_comparable" in kinds:
            return "not comparable"
        if "step" in kinds:
            return "step change"
        return ""

    def warning(self) -> str:
        """Return the sentence every flagged comparison carries ("" when like-for-like).

        Returns
        -------
        str
            E.g. ``"2013-14 to 2014-15 crosses a declared series break (2012-13 to 2013-14:
            earlier Ofsted definition, not comparable): not a like-for-like comparison, so no
            change is called more than chance."``
        """
        if not self.blocking:
            return ""
        what = "; ".join(f"{b.span}: {b.meaning}" for b in self.blocking)
        kind = "a step change" if self.flag == "step change" else "not a like-for-like comparison"
        return (
            f"{self.earlier} to {self.later} crosses a declared series break ({what}): {kind}, "
            "so no change is called more than chance."
        )

    def event_note(self) -> str:
        """Return a sentence naming the events either period falls in ("" when none)."""
        if not self.events:
            return ""
        what = "; ".join(f"{b.span}: {b.meaning}" for b in self.events)
        return f"An event in the comparison ({what}): the change may reflect it."


@dataclass(frozen=True)
class Breaks:
    """The declared breaks and events (what :func:`load_breaks` returns).

    Attributes
    ----------
    path : str
        The file read.
    entries : tuple of Break
        In file order.
    """

    path: str
    entries: tuple[Break, ...]

    def get(self, break_id: str) -> Break:
        """Return the entry with id ``break_id``.

        Parameters
        ----------
        break_id : str
            An entry's id.

        Returns
        -------
        Break

        Raises
        ------
        KeyError
            If no entry has that id.
        """
        for b in self.entries:
            if b.id == break_id:
                return b
        raise KeyError(break_id)

    def of_kind(self, kind: str, dataset: str = "sin_national") -> tuple[Break, ...]:
        """Return the entries of one kind that apply to ``dataset``, in file order.

        Parameters
        ----------
        kind : str
            One of :data:`KINDS`.
        dataset : str, default "sin_national"
            The dataset the entries must apply to.

        Returns
        -------
        tuple of Break
        """
        return tuple(b for b in self.entries if b.kind == kind and b.applies_to(dataset))

    def compare(self, earlier: object, later: object, dataset: str = "sin_national") -> Crossing:
        """Say what a comparison of two periods crosses.

        Parameters
        ----------
        earlier, later : str, int or Period
            The periods compared (in either order; half years count as their April-March year).
        dataset : str, default "sin_national"
            The dataset the figures come from; entries that do not apply to it are ignored
            (the Panel's own counts are not affected by the Ofsted and DfE collection's breaks).

        Returns
        -------
        Crossing
            The blocking entries crossed, and the gaps and events either period falls in. A
            period that is not April-March based (a calendar year, an irregular span) crosses
            nothing.

        Raises
        ------
        PeriodError
            If a period cannot be parsed.
        """
        a, b = (p if isinstance(p, Period) else parse_period(p) for p in (earlier, later))
        if april_march_year(a) is not None and april_march_year(b) is not None:
            ya, yb = april_march_year(a), april_march_year(b)
            assert ya is not None and yb is not None
            if yb < ya:
                a, b, ya, yb = b, a, yb, ya
        else:
            return Crossing(a.id, b.id)
        fa, fb = financial_year(ya), financial_year(yb)
        blocking: list[Break] = []
        gaps: list[Break] = []
        events: list[Break] = []
        for entry in self.entries:
            if not entry.applies_to(dataset):
                continue
            if entry.kind == "not_comparable" and entry.covers(fa) != entry.covers(fb):
                blocking.append(entry)
            elif entry.kind == "step" and ya < entry.first.start_year <= yb:
                blocking.append(entry)
            elif entry.kind == "gap" and (entry.covers(fa) or entry.covers(fb)):
                gaps.append(entry)
            elif entry.kind == "event" and (entry.covers(fa) or entry.covers(fb)):
                events.append(entry)
        return Crossing(a.id, b.id, tuple(blocking), tuple(gaps), tuple(events))

    def not_comparable(self, period: object, dataset: str = "sin_national") -> Break | None:
        """Return the ``not_comparable`` entry covering an April-March year, if any.

        Parameters
        ----------
        period : str, int or Period
            The year.
        dataset : str, default "sin_national"
            The dataset concerned.

        Returns
        -------
        Break or None

        Raises
        ------
        PeriodError
            If ``period`` cannot be parsed.
        """
        p = period if isinstance(period, Period) else parse_period(period)
        year = april_march_year(p)
        if year is None:
            return None
        for entry in self.of_kind("not_comparable", dataset):
            if entry.covers(financial_year(year)):
                return entry
        return None

    def first_comparable(self, dataset: str = "sin_national") -> Period | None:
        """Return the first year after the ``not_comparable`` entry that opens the series.

        Parameters
        ----------
        dataset : str, default "sin_national"
            The dataset concerned.

        Returns
        -------
        Period or None
            ``2014-15`` for the shipped file (the year after the earlier Ofsted definition's
            last year); None when no ``not_comparable`` entry is declared.
        """
        spans = sorted(self.of_kind("not_comparable", dataset), key=lambda b: b.first.start_year)
        if not spans:
            return None
        last = spans[0].last
        assert last is not None  # a not_comparable entry always has its last year
        return financial_year(last.start_year + 1)

    def chart_lines(self, dataset: str = "sin_national") -> tuple[tuple[str, str], ...]:
        """Return ``(year, label)`` of the lines a series chart draws: steps and labels.

        Parameters
        ----------
        dataset : str, default "sin_national"
            The dataset concerned.

        Returns
        -------
        tuple of (str, str)
            Each drawn before the year named, e.g. ``("2018-19", "move to DfE's collection")``.
        """
        return tuple(
            (b.first.id, b.short)
            for b in self.entries
            if b.kind in ("step", "label") and b.applies_to(dataset)
        )

    def chart_spans(self, dataset: str = "sin_national") -> tuple[tuple[str, str, str], ...]:
        """Return ``(first, last, label)`` of the spans a series chart shades: the events.

        Parameters
        ----------
        dataset : str, default "sin_national"
            The dataset concerned.

        Returns
        -------
        tuple of (str, str, str)
        """
        return tuple(
            (b.first.id, (b.last or b.first).id, b.short) for b in self.of_kind("event", dataset)
        )


def april_march_year(period: Period) -> int | None:
    """Return the start year of the April-March year a period lies in, or None.

    Parameters
    ----------
    period : Period
        An April-March year or a half of one; other kinds are not April-March based.

    Returns
    -------
    int or None
        ``2020`` for ``2020-21`` and for ``2020-21 H2``; None for a calendar year or a span.
    """
    if period.kind == FINANCIAL_YEAR:
        return period.start_year
    if period.kind == "half_year":
        return period.start_year if period.start_month >= 4 else period.start_year - 1
    return None


def breaks_path(data_dir: DataDir = None) -> Path:
    """Return the breaks file of a data folder, or the project's when the folder has none.

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder (default ``data/``).

    Returns
    -------
    pathlib.Path
        ``<data_dir>/breaks.yml`` when it exists, otherwise the project's ``data/breaks.yml``
        (a folder that holds only ``published/`` describes the same collection).
    """
    own = paths.breaks_file(data_dir)
    return own if own.is_file() else paths.breaks_file(paths.PROJ_ROOT / "data")


# ---------------------------------------------------------------------------------------------
# Reading and validating
# ---------------------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys (a repeated key would silently win)."""


def _mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[object] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


class _Where:
    """Builds errors that name the file, the line, the entry and the field."""

    def __init__(self, path: str, lines: Mapping[tuple[int, str], int]) -> None:
        self.path = path
        self.lines = lines

    def error(self, index: int, entry_id: object, fld: str, message: str) -> ConfigError:
        line = self.lines.get((index, fld), self.lines.get((index, "")))
        who = f"entry {index + 1}" + (
            f" (id '{entry_id}')" if isinstance(entry_id, str) and entry_id else ""
        )
        where = f"{self.path}" + (f", line {line}" if line else "")
        err = ConfigError(f"{who}, field '{fld}': {message}", path=where)
        err.key = f"breaks[{index}].{fld}"
        return err


def _line_map(text: str) -> dict[tuple[int, str], int]:
    """Return ``{(entry index, field): line}`` for the entries under ``breaks:`` (1-based lines)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[tuple[int, str], int] = {}
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key, value in root.value:
        if getattr(key, "value", None) != "breaks" or not isinstance(value, yaml.SequenceNode):
            continue
        for i, item in enumerate(value.value):
            lines[(i, "")] = item.start_mark.line + 1
            if isinstance(item, yaml.MappingNode):
                for k, v in item.value:
                    lines[(i, str(getattr(k, "value", "")))] = v.start_mark.line + 1
    return lines


def _text(where: _Where, i: int, entry_id: object, fld: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(i, entry_id, fld, f"must be non-empty text; got {value!r}")
    return " ".join(value.split())


# Characters that would be markup in the Markdown and HTML outputs the meaning is written into
# (or a formula in a spreadsheet cell): the meaning and the short label are plain words.
_MARKUP: Final = re.compile(r"[<>*_`\[\]|\\#~]|^[=+\-@]")


def _plain(where: _Where, i: int, entry_id: object, fld: str, value: object) -> str:
    text = _text(where, i, entry_id, fld, value)
    found = _MARKUP.search(text)
    if found:
        raise where.error(
            i, entry_id, fld,
            f"{found.group(0)!r} is not allowed: the {fld} is shown in reports and tables as "
            "plain words (no markup, no leading =, +, - or @)",
        )  # fmt: skip
    return text


def _year(where: _Where, i: int, entry_id: object, fld: str, value: object) -> Period:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise where.error(
            i, entry_id, fld, f"must be an April-March year such as '2018-19'; got {value!r}"
        )
    try:
        period = parse_period(value)
    except PeriodError as err:
        raise where.error(i, entry_id, fld, f"the period does not parse: {err}") from None
    if period.kind != FINANCIAL_YEAR:
        raise where.error(
            i, entry_id, fld, f"{period.id} is not an April-March year; write e.g. '2018-19'"
        )
    return period


def _sources(where: _Where, i: int, entry_id: object, value: object) -> tuple[BreakSource, ...]:
    if not isinstance(value, list) or not value:
        raise where.error(
            i, entry_id, "sources", "every break needs at least one source (publisher, url, quote)"
        )
    out = []
    for j, item in enumerate(value):
        fld = f"sources[{j}]"
        if not isinstance(item, dict):
            raise where.error(i, entry_id, fld, "must be a mapping with publisher, url and quote")
        unknown = sorted(str(k) for k in item if k not in _SOURCE_FIELDS)
        if unknown:
            raise where.error(
                i, entry_id, f"{fld}.{unknown[0]}",
                f"unknown field; a source has {', '.join(_SOURCE_FIELDS)}",
            )  # fmt: skip
        for req in _SOURCE_REQUIRED:
            if req not in item:
                raise where.error(
                    i,
                    entry_id,
                    f"{fld}.{req}",
                    "missing: a source names its publisher, url and quote",
                )
        url = _text(where, i, entry_id, f"{fld}.url", item["url"])
        if not _URL.match(url):
            raise where.error(i, entry_id, f"{fld}.url", f"{url!r} is not a web address")
        canonical = item.get("canonical", "")
        if canonical and not _URL.match(str(canonical)):
            raise where.error(
                i, entry_id, f"{fld}.canonical", f"{canonical!r} is not a web address"
            )
        secondary = item.get("secondary", False)
        if not isinstance(secondary, bool):
            raise where.error(
                i, entry_id, f"{fld}.secondary", f"must be true or false; got {secondary!r}"
            )
        out.append(
            BreakSource(
                publisher=_text(where, i, entry_id, f"{fld}.publisher", item["publisher"]),
                url=url,
                quote=_text(where, i, entry_id, f"{fld}.quote", item["quote"]),
                secondary=secondary,
                canonical=str(canonical),
            )
        )
    return tuple(out)


def _datasets(where: _Where, i: int, entry_id: object, value: object) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_DATASETS
    if not isinstance(value, list) or not value:
        raise where.error(i, entry_id, "datasets", "must be a list of dataset names")
    for name in value:
        if name not in SCHEMAS:
            raise where.error(
                i, entry_id, "datasets",
                f"unknown dataset {name!r}; choose from {', '.join(SCHEMAS)}",
            )  # fmt: skip
    return tuple(str(v) for v in value)


def _entry(where: _Where, i: int, item: object) -> Break:
    if not isinstance(item, dict):
        raise where.error(i, None, "", f"must be a mapping with {', '.join(_REQUIRED)}")
    entry_id = item.get("id")
    unknown = sorted(str(k) for k in item if k not in _FIELDS)
    if unknown:
        raise where.error(
            i, entry_id, unknown[0], f"unknown field; an entry has {', '.join(_FIELDS)}"
        )
    for req in _REQUIRED:
        if req not in item:
            what = (
                "every break needs at least one source (publisher, url, quote)"
                if req == "sources"
                else "missing"
            )
            raise where.error(i, entry_id, req, what)
    if not isinstance(entry_id, str) or not _ID.match(entry_id):
        raise where.error(
            i, entry_id, "id", f"{entry_id!r} is not an id (lower-case letters, digits and '-')"
        )
    kind = item["kind"]
    if kind not in KINDS:
        raise where.error(
            i, entry_id, "kind", f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}"
        )
    first = _year(where, i, entry_id, "from", item["from"])
    last = _year(where, i, entry_id, "to", item["to"]) if item.get("to") is not None else None
    if last is not None and last.start_year < first.start_year:
        raise where.error(i, entry_id, "to", f"{last.id} is before 'from' ({first.id})")
    if kind in ("not_comparable", "gap", "event") and last is None:
        raise where.error(i, entry_id, "to", f"a {kind} entry needs its last year")
    if kind in ("step", "label") and last is not None:
        raise where.error(
            i, entry_id, "to", f"a {kind} happens at one year ('from'); leave 'to' out"
        )
    return Break(
        id=entry_id,
        kind=str(kind),
        first=first,
        last=last,
        meaning=_plain(where, i, entry_id, "meaning", item["meaning"]),
        short=_plain(where, i, entry_id, "short", item["short"]),
        note=_text(where, i, entry_id, "note", item["note"]) if "note" in item else "",
        datasets=_datasets(where, i, entry_id, item.get("datasets")),
        sources=_sources(where, i, entry_id, item["sources"]),
    )


def _data_years(data_dir: DataDir) -> tuple[Period, Period]:
    """Return the first and last April-March years the national series holds."""
    frame = load("sin_national", data_dir)
    ids = frame.loc[frame["period_kind"] == FINANCIAL_YEAR, "period"]
    years = sorted({parse_period(str(p)).start_year for p in ids})
    return financial_year(years[0]), financial_year(years[-1])


def _check_coverage(
    where: _Where, entries: Sequence[Break], lines_data: tuple[Period, Period]
) -> None:
    first, last = lines_data
    span = f"{first.id} to {last.id}"
    for i, b in enumerate(entries):
        for fld, p in (("from", b.first), ("to", b.last)):
            if p is None:
                continue
            if not first.start_year <= p.start_year <= last.start_year:
                raise where.error(
                    i, b.id, fld,
                    f"{p.id} is outside the years the data hold ({span}); a break must lie "
                    "inside the series it describes",
                )  # fmt: skip


def parse_breaks(text: str, path: str = "<breaks>", data_dir: DataDir = None) -> Breaks:
    """Parse and validate the text of a breaks file.

    Parameters
    ----------
    text : str
        The YAML text.
    path : str, default "<breaks>"
        The file's name, for messages.
    data_dir : path-like, optional
        The data folder whose national series every break must lie within.

    Returns
    -------
    Breaks

    Raises
    ------
    ConfigError
        Naming the file, the line, the entry and the field: invalid YAML, a duplicate key, an
        unknown version, kind or field, a missing field or source, a period that does not parse
        or is not an April-March year, a repeated id, or a break outside the data's years.
    DataError
        If the national series cannot be loaded.
    """
    try:
        doc = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"invalid YAML: {problem}", path=f"{path}{line}") from None
    if not isinstance(doc, dict):
        raise ConfigError("must be a mapping with 'version' and 'breaks'", path=path)
    unknown = sorted(str(k) for k in doc if k not in ("version", "breaks"))
    if unknown:
        raise ConfigError(
            "unknown top-level key; the file has version and breaks", path=path, key=unknown[0]
        )
    if doc.get("version") != 1:
        raise ConfigError(
            f"version must be 1; got {doc.get('version')!r}", path=path, key="version"
        )
    items = doc.get("breaks")
    if not isinstance(items, list) or not items:
        raise ConfigError("must be a non-empty list of entries", path=path, key="breaks")
    where = _Where(path, _line_map(text))
    entries = [_entry(where, i, item) for i, item in enumerate(items)]
    seen: set[str] = set()
    for i, b in enumerate(entries):
        if b.id in seen:
            raise where.error(i, b.id, "id", f"the id '{b.id}' is used twice; ids must be unique")
        seen.add(b.id)
    _check_coverage(where, entries, _data_years(data_dir))
    return Breaks(path=path, entries=tuple(entries))


@functools.lru_cache(maxsize=16)
def _load_cached(path: str, text: str, data_dir: str, stamp: tuple[int, int]) -> Breaks:
    """Parse once per file text, data folder and state of its national series (``stamp``)."""
    return parse_breaks(text, path, data_dir)


def _stamp(data_dir: Path) -> tuple[int, int]:
    """Return the national series file's modification time and size (-1, -1 if absent)."""
    try:
        st = (paths.published_dir(data_dir) / SCHEMAS["sin_national"].file).stat()
    except OSError:
        return (-1, -1)
    return (st.st_mtime_ns, st.st_size)


def load_breaks(data_dir: DataDir = None, path: PathLike | None = None) -> Breaks:
    """Read and validate the breaks file.

    Parameters
    ----------
    data_dir : path-like, optional
        The data folder: its ``breaks.yml`` (the project's when it has none, see
        :func:`breaks_path`), checked against the national series it holds.
    path : path-like, optional
        A breaks file to read instead (checked against ``data_dir``'s series).

    Returns
    -------
    Breaks

    Raises
    ------
    ConfigError
        If the file is missing or invalid (see :func:`parse_breaks`); the message names the file,
        the line, the entry and the field.
    """
    file = Path(path) if path is not None else breaks_path(data_dir)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"cannot read the breaks file: {err.strerror}", path=str(file)) from None
    except UnicodeDecodeError:
        raise ConfigError("the breaks file is not UTF-8 text", path=str(file)) from None
    check_dir = data_dir
    if path is None and file != paths.breaks_file(data_dir):
        check_dir = paths.PROJ_ROOT / "data"  # the project's file describes the project's data
    folder = paths.data_dir(check_dir)
    return _load_cached(str(file), text, str(folder), _stamp(folder))
