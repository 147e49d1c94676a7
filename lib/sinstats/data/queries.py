"""Load the datasets and resolve published figures: the queries every analysis uses.

:func:`load` returns one tidy frame per dataset with canonical periods (see
:mod:`sinstats.periods`): the transcribed figures of ``data/published/``, with figures from fetched
official releases (:mod:`sinstats.data.official`) preferred where present. :func:`figure` resolves
one published figure and says clearly when a valid period has no published figure (e.g. 2017-18).
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

import pandas as pd

from sinstats import paths
from sinstats._docstrings import fill_doc
from sinstats._typing import DataDir
from sinstats.data import official
from sinstats.data.provenance import CHECKSUMS_FILE
from sinstats.data.published import read_published
from sinstats.data.schema import SCHEMAS, SERIES_START, SYMBOLS, TIDY_COLUMNS, period_columns
from sinstats.errors import DataError, NoDataError, ParameterError, PeriodError
from sinstats.periods import CALENDAR_YEAR, FINANCIAL_YEAR, Period, parse_period


def load(name: str, data_dir: DataDir = None) -> pd.DataFrame:
    """Load one dataset as a validated tidy frame.

    Parameters
    ----------
    name : str
        One of :func:`list_datasets`.
    data_dir : path-like, optional
        The data folder (default ``<project>/data`` or ``$SINSTATS_DATA_DIR``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TIDY_COLUMNS`; ``value`` is float with NaN where the source shows an EES
        symbol (``status`` says which); ``origin`` says where each figure came from.

    Raises
    ------
    DataError
        If the file is missing, malformed, fails validation or its checksum does not match.
    ParameterError
        If ``name`` is not a known dataset.
    """
    if name not in SCHEMAS:
        raise ParameterError(f"unknown dataset {name!r}; choose one of {', '.join(SCHEMAS)}")
    schema = SCHEMAS[name]
    path = paths.published_dir(data_dir) / schema.file
    if not (paths.data_dir(data_dir) / CHECKSUMS_FILE).is_file():
        raise DataError(
            "checksum file is missing; published data must be listed in data/SHA256SUMS",
            path=str(paths.data_dir(data_dir) / CHECKSUMS_FILE),
        )
    frame, errors = read_published(path, schema)
    if errors:
        raise errors[0]
    assert frame is not None
    frame = official.overlay(name, frame, data_dir)
    return frame.sort_values(["period_start", "area_code", "line"], kind="stable").reset_index(
        drop=True
    )


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------


class Figure(NamedTuple):
    """One published figure with its provenance (what :func:`figure` returns).

    Parameters
    ----------
    dataset, period, period_label : str
        Where it was found: dataset name, canonical period id and its label.
    category, measure, area : str
        What it counts (breakdown or nature), the measure and the area name.
    value : float
        The figure; NaN when the source shows an EES symbol.
    unit, status, qualifier : str
        ``count``/``percent``/``persons``; the EES symbol ("" for a number); ``over``/``under``/
        ``about`` ("" for an exact figure).
    rounded_to : int
        The base the publisher rounded to (0 when not rounded).
    source_id, publisher, source_url, note, origin : str
        Provenance: ``origin`` is ``published`` or ``ees:<release>/<file>``.
    """

    dataset: str
    period: str
    period_label: str
    category: str
    measure: str
    area: str
    value: float
    unit: str
    status: str
    qualifier: str
    rounded_to: int
    source_id: str
    publisher: str
    source_url: str
    note: str
    origin: str

    @property
    def available(self) -> bool:
        """True when the figure is a number (not a suppressed or unavailable cell)."""
        return not self.status and not math.isnan(self.value)

    def describe(self) -> str:
        """Return one line for reports: value (with qualifier or symbol), period, source.

        Returns
        -------
        str
            For example ``over 150 (2021; <publisher>, <source_id>)``.
        """
        if not self.available:
            shown = f"[{self.status}: {SYMBOLS.get(self.status, 'missing')}]"
        else:
            shown = f"{self.value:,.0f}" if self.value == int(self.value) else f"{self.value:,}"
            if self.qualifier:
                shown = f"{self.qualifier} {shown}"
        return f"{shown} ({self.period_label}; {self.publisher}, {self.source_id})"


@fill_doc
def resolve_period(frame: pd.DataFrame, period: object) -> Period:
    """Parse ``period`` in the context of a dataset.

    In a dataset that holds calendar years (the Panel's 2020 and 2021), a bare four-digit year is
    a calendar year; elsewhere it is a reporting year (``"2026"`` = 2025-26).

    Parameters
    ----------
    frame : pandas.DataFrame
        The loaded dataset (its ``period_kind`` column decides).
    period : str, int or Period
        Any accepted period form; a :class:`Period` is returned as it is.

    %(period_result)s
    """
    if isinstance(period, Period):
        return period
    text = str(period).strip()
    if re.fullmatch(r"\d{4}", text) and (frame["period_kind"] == CALENDAR_YEAR).any():
        return parse_period(text, CALENDAR_YEAR)
    return parse_period(text)


def _no_period_message(dataset: str, p: Period, frame: pd.DataFrame) -> str:
    have = ", ".join(dict.fromkeys(frame["period"].tolist()))
    extra = ""
    if dataset == "sin_national" and p.id == "2017-18":
        extra = (
            " Ofsted's 2017-18 figures were not found in any stored source, so the year is "
            "left missing rather than estimated."
        )
    return f"{dataset} has no published figure for {p.label}.{extra} Periods with figures: {have}."


def figure(
    dataset: str,
    period: object,
    category: str = "Total",
    *,
    measure: str | None = None,
    breakdown_topic: str | None = None,
    nature: str | None = None,
    area: str = "England",
    data_dir: DataDir = None,
    frame: pd.DataFrame | None = None,
) -> Figure:
    """Resolve exactly one published figure.

    Parameters
    ----------
    dataset : str
        Dataset name (see :func:`list_datasets`).
    period : str, int or Period
        Any accepted period form (``"2025-26"``, ``"2026"``, ``"202526"``); in datasets with
        calendar years a bare year is a calendar year.
    category : str
        The breakdown value, or the nature when the breakdown is the total (``"Child death"``).
    measure : str, optional
        Defaults to ``number_notifications`` when several measures match.
    breakdown_topic, nature : str, optional
        Narrow the match when a category appears under several topics or natures.
    area : str
        ``"England"`` (default), a region name or an area code.
    data_dir : path-like, optional
        Data folder.
    frame : pandas.DataFrame, optional
        An already loaded dataset (avoids re-reading the file).

    Returns
    -------
    Figure

    Raises
    ------
    NoDataError
        If the period is valid but the dataset has no such figure (e.g. 2017-18).
    ParameterError
        If the request matches several figures; the message lists them.
    """
    df = load(dataset, data_dir) if frame is None else frame
    try:
        p = resolve_period(df, period)
    except PeriodError as err:
        raise ParameterError(f"period: {err}") from None
    in_period = df[df["period"] == p.id]
    if in_period.empty:
        raise NoDataError(_no_period_message(dataset, p, df))
    sel = in_period[in_period["category"].str.lower() == str(category).strip().lower()]
    sel = sel[(sel["area_name"] == area) | (sel["area_code"] == area)]
    if measure is not None:
        sel = sel[sel["measure"] == measure]
    if breakdown_topic is not None:
        sel = sel[sel["breakdown_topic"] == breakdown_topic]
    if nature is not None:
        sel = sel[sel["nature"] == nature]
    if len(sel) > 1 and measure is None and (sel["measure"] == "number_notifications").any():
        sel = sel[sel["measure"] == "number_notifications"]
    if len(sel) > 1 and nature is None and (sel["nature"] == "Total").any():
        sel = sel[sel["nature"] == "Total"]
    if sel.empty:
        cats = sorted(set(in_period["category"]))
        raise NoDataError(
            f"{dataset} has no figure for {category!r} (measure {measure or 'any'}, area {area}) "
            f"in {p.label}; categories published for that period: {', '.join(cats)}"
        )
    if len(sel) > 1:
        options = "; ".join(
            f"{r.breakdown_topic}/{r.category}/{r.nature}/{r.measure}" for r in sel.itertuples()
        )
        raise ParameterError(
            f"{dataset} {p.id} {category!r} matches {len(sel)} figures ({options}); "
            "add measure, breakdown_topic or nature"
        )
    r = sel.iloc[0]
    return Figure(
        dataset=dataset,
        period=str(r["period"]),
        period_label=str(r["period_label"]),
        category=str(r["category"]),
        measure=str(r["measure"]),
        area=str(r["area_name"]),
        value=float(r["value"]),
        unit=str(r["unit"]),
        status=str(r["status"]),
        qualifier=str(r["qualifier"]),
        rounded_to=int(r["rounded_to"]),
        source_id=str(r["source_id"]),
        publisher=str(r["publisher"]),
        source_url=str(r["source_url"]),
        note=str(r["note"]),
        origin=str(r["origin"]),
    )


def count(
    period: object,
    nature: str = "Total",
    *,
    data_dir: DataDir = None,
    frame: pd.DataFrame | None = None,
) -> Figure:
    """Return the national notification count for an April-March year and nature.

    This is :func:`figure` of ``sin_national`` with ``measure="number_notifications"``.

    Parameters
    ----------
    period : str, int or Period
        The April-March year (``"2025-26"``, ``"2026"``, ...).
    nature : str
        ``Total``, ``Child death``, ``Serious harm`` or ``Other``.
    data_dir : path-like, optional
        Where ``published/sin_national.csv`` is read from.
    frame : pandas.DataFrame, optional
        ``sin_national`` already loaded.

    Returns
    -------
    Figure
        The ``number_notifications`` figure.

    Raises
    ------
    NoDataError
        If no figure has been published for that year (e.g. ``"2017-18"``) or nature.
    """
    return figure(
        "sin_national",
        period,
        nature,
        measure="number_notifications",
        data_dir=data_dir,
        frame=frame,
    )


def series(
    dataset: str = "sin_national",
    category: str = "Total",
    *,
    measure: str = "number_notifications",
    area: str = "England",
    with_gaps: bool = False,
    data_dir: DataDir = None,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return one series in period order.

    Parameters
    ----------
    dataset : str
        Dataset name (see :func:`list_datasets`).
    category : str
        The breakdown value, or the nature when the breakdown is the total.
    measure : str
        The measure to keep.
    area : str
        ``"England"`` (default), a region name or an area code.
    with_gaps : bool
        Add a row with ``value`` NaN and ``status`` ``"not published"`` for every April-March
        year between the first and last that has no figure, so a missing year is shown as
        missing, never estimated.
    data_dir : path-like, optional
        Folder the dataset is loaded from when ``frame`` is not given.
    frame : pandas.DataFrame, optional
        The dataset already loaded.

    Returns
    -------
    pandas.DataFrame
        Rows of :data:`TIDY_COLUMNS` sorted by ``period_start`` (empty when nothing matches).

    Raises
    ------
    DataError
        If the dataset cannot be loaded.
    ParameterError
        If ``dataset`` is not a known dataset.
    """
    df = load(dataset, data_dir) if frame is None else frame
    sel = df[
        (df["category"] == category)
        & (df["measure"] == measure)
        & ((df["area_name"] == area) | (df["area_code"] == area))
    ].copy()
    if with_gaps and not sel.empty:
        fy = sel[sel["period_kind"] == FINANCIAL_YEAR]
        if not fy.empty:
            first = parse_period(fy["period"].iloc[0]).start_year
            last = parse_period(fy["period"].iloc[-1]).start_year
            have = set(fy["period"])
            gaps = []
            for year in range(first, last + 1):
                p = parse_period(f"{year}-{(year + 1) % 100:02d}")
                if p.id not in have:
                    gap: dict[str, object] = {col: "" for col in TIDY_COLUMNS}
                    gap.update(
                        dataset=dataset,
                        **period_columns(p),
                        category=category,
                        measure=measure,
                        area_name=area,
                        value=math.nan,
                        status="not published",
                        rounded_to=0,
                        line=0,
                        note="no published figure: left missing, not estimated",
                    )
                    gaps.append(gap)
            if gaps:
                sel = pd.concat([sel, pd.DataFrame(gaps, columns=list(TIDY_COLUMNS))])
    return sel.sort_values("period_start", kind="stable").reset_index(drop=True)


def periods(
    dataset: str = "sin_national",
    *,
    data_dir: DataDir = None,
    frame: pd.DataFrame | None = None,
) -> list[str]:
    """Return the periods of a dataset that hold at least one figure.

    Parameters
    ----------
    dataset : str
        Dataset name.
    data_dir : path-like, optional
        Folder it is loaded from when ``frame`` is not given.
    frame : pandas.DataFrame, optional
        The dataset already loaded.

    Returns
    -------
    list of str
        Canonical period ids, in time order, each once.
    """
    df = load(dataset, data_dir) if frame is None else frame
    ordered = df.sort_values("period_start", kind="stable")["period"]
    return list(dict.fromkeys(ordered.tolist()))


def latest_period(dataset: str = "sin_national", *, data_dir: DataDir = None) -> Period:
    """Return the latest April-March year with a published total in a dataset.

    Parameters
    ----------
    dataset : str
        Dataset name.
    data_dir : path-like, optional
        Folder it is loaded from.

    Returns
    -------
    Period

    Raises
    ------
    NoDataError
        If the dataset holds no April-March year.
    """
    df = load(dataset, data_dir)
    fy = df[(df["period_kind"] == FINANCIAL_YEAR) & (df["category"] == "Total")]
    if fy.empty:
        raise NoDataError(f"{dataset} holds no April-March year")
    return parse_period(fy.sort_values("period_start")["period"].iloc[-1])


class Population(NamedTuple):
    """A child population (0 to 17) used as a rate denominator (what :func:`population` returns).

    Parameters
    ----------
    value : float
        The ONS mid-year estimate.
    mid_year : int
        The year of the estimate used.
    area : str
        The area's name.
    note : str
        Which estimate was used and why.
    source_id, source_url : str
        Provenance of the estimate.
    """

    value: float
    mid_year: int
    area: str
    note: str
    source_id: str
    source_url: str


def population(
    period: object,
    area: str = "England",
    *,
    frame: pd.DataFrame | None = None,
    data_dir: DataDir = None,
) -> Population:
    """Return the ONS child population to use for a period's rate.

    For an April-March year starting in April of year Y the mid-Y estimate is used (30 June Y is
    the mid-year estimate nearest the period's centre, 1 October Y); for a calendar year Y,
    mid-Y. When that estimate is not yet published the latest earlier one is used and the note
    says so (this is also what DfE's files do, with a lag): the choice is reported, never hidden.

    Parameters
    ----------
    period : str, int or Period
        The period whose rate needs a denominator.
    area : str
        ``"England"`` (default), a region name or an area code.
    frame : pandas.DataFrame, optional
        ``population_0_17`` already loaded.
    data_dir : path-like, optional
        Folder it is loaded from when ``frame`` is not given.

    Returns
    -------
    Population

    Raises
    ------
    NoDataError
        If no estimate at or before the wanted mid-year exists for the area.
    """
    p = parse_period(period) if not isinstance(period, Period) else period
    df = load("population_0_17", data_dir) if frame is None else frame
    sel = df[((df["area_name"] == area) | (df["area_code"] == area))]
    if sel.empty:
        areas = sorted(set(df["area_name"]))
        raise NoDataError(f"no population for area {area!r}; areas: {', '.join(areas)}")
    wanted = p.start_year
    years = sorted(int(y) for y in sel["period"])
    usable = [y for y in years if y <= wanted]
    if not usable:
        raise NoDataError(
            f"no ONS estimate at or before mid-{wanted} for {area} (first is mid-{years[0]})"
        )
    used = usable[-1]
    row = sel[sel["period"] == str(used)].iloc[0]
    if used == wanted:
        note = f"ONS mid-{used} estimate, children aged 0 to 17"
    else:
        note = (
            f"ONS mid-{wanted} estimate not yet published; latest available (mid-{used}) used, "
            "as DfE's own files do"
        )
    return Population(
        value=float(row["value"]),
        mid_year=used,
        area=str(row["area_name"]),
        note=note,
        source_id=str(row["source_id"]),
        source_url=str(row["source_url"]),
    )


def summary(data_dir: DataDir = None) -> pd.DataFrame:
    """Describe every dataset (for ``sinstats list``).

    Parameters
    ----------
    data_dir : path-like, optional
        Folder the datasets are loaded from.

    Returns
    -------
    pandas.DataFrame
        One row per dataset: ``dataset``, ``file``, ``rows``, ``periods``, ``description`` and
        ``origins``.

    Raises
    ------
    DataError
        If a dataset cannot be loaded.
    """
    out = []
    for name, schema in SCHEMAS.items():
        df = load(name, data_dir)
        out.append(
            {
                "dataset": name,
                "file": f"published/{schema.file}",
                "rows": len(df),
                "periods": ", ".join(periods(name, frame=df)),
                "description": schema.description,
                "origins": ", ".join(sorted(set(df["origin"]))),
            }
        )
    return pd.DataFrame(out)


def published_series(
    nature: str = "Total",
    *,
    start: object = SERIES_START,
    end: object | None = None,
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Return one nature's national counts by April-March year, gaps shown as missing.

    Parameters
    ----------
    nature : str
        ``Total``, ``Child death``, ``Serious harm`` or ``Other``.
    start, end : str, int or Period, optional
        First and last April-March years (``end`` default: the latest).
    data_dir : path-like, optional
        Folder ``sin_national`` is loaded from.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``period_label``, ``count`` (NaN where not published), ``series`` (the
        collection: Ofsted or DfE), ``status``, ``source_id`` and ``note``, from ``start`` to
        ``end`` (default: the latest year).
    """
    frame = load("sin_national", data_dir)
    s = series("sin_national", nature, with_gaps=True, frame=frame)
    s = s[s["period_kind"] == FINANCIAL_YEAR]
    first = parse_period(start).start_year
    last = parse_period(end).start_year if end is not None else math.inf
    years = s["period"].map(lambda x: parse_period(x).start_year)
    s = s[(years >= first) & (years <= last)]
    return pd.DataFrame(
        {
            "period": s["period"].to_numpy(),
            "period_label": s["period_label"].to_numpy(),
            "count": s["value"].astype(float).to_numpy(),
            "series": s["series"].to_numpy(),
            "status": s["status"].to_numpy(),
            "source_id": s["source_id"].to_numpy(),
            "note": s["note"].to_numpy(),
        }
    )
