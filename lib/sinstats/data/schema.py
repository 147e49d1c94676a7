"""The tidy schema shared by transcribed and official files: columns, symbols, natures, datasets.

Every dataset is a tidy CSV under ``data/published/`` in the style of the official
explore-education-statistics (EES) files: ``time_period``/``time_identifier``, geography columns,
filter columns (``breakdown_topic``, ``breakdown``, ``nature_of_notification``), one figure per row
(``measure``, ``value``, ``unit``) and the provenance of that figure (``source_id``, ``publisher``,
``source_url``, ``note``). EES symbols (``c``, ``x``, ``:``, ``z``, ``low``, ``u``) stay in the
``value`` cell of the file and become a missing value with a ``status`` column on loading: never a
zero, never a dropped row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import pandas as pd

from sinstats.periods import CALENDAR_YEAR, FINANCIAL_YEAR, Period

EES_BASE_COLUMNS: tuple[str, ...] = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
)
"""Columns every EES data file starts with (the period and the country)."""

PROVENANCE_COLUMNS: tuple[str, ...] = ("series", "source_id", "publisher", "source_url", "note")
"""Columns that say where a figure comes from (in transcribed files and the tidy frame)."""

COLUMNS: tuple[str, ...] = (
    *EES_BASE_COLUMNS,
    "region_code",
    "region_name",
    "breakdown_topic",
    "breakdown",
    "nature_of_notification",
    "measure",
    "value",
    "unit",
    "qualifier",
    "rounded_to",
    *PROVENANCE_COLUMNS,
)
"""Columns of every file in ``data/published/``, in order."""

REQUIRED_NON_EMPTY: tuple[str, ...] = (
    *EES_BASE_COLUMNS,
    "breakdown_topic",
    "breakdown",
    "measure",
    "value",
    "unit",
    *PROVENANCE_COLUMNS[:-1],
)
"""Columns of a transcribed file that no row may leave empty (``note`` may be empty)."""

SYMBOLS: dict[str, str] = {
    "c": "confidential (suppressed to protect confidentiality)",
    "x": "not available",
    ":": "not available",
    "z": "not applicable",
    "low": "rounds to zero but is not zero",
    "u": "low reliability",
}
"""EES symbols and their meaning. A symbol in a value cell becomes a missing value."""

NATURES: tuple[str, ...] = ("Total", "Child death", "Serious harm", "Other")
"""Canonical natures of notification in the national series."""

NATURE_ALIASES: dict[str, str] = {
    "total": "Total",
    "child death": "Child death",
    "serious harm": "Serious harm",
    "other": "Other",
    "serious harm and other": "Serious harm and other",
}
"""Lower-cased spellings seen in official files (``Child Death`` in 2021-22) -> canonical label."""

GEOGRAPHIC_LEVELS: tuple[str, ...] = ("National", "Regional", "Local authority")
"""Geographic levels of EES files, national first (also the order of sub-national tables)."""

REGIONS: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}
"""England's nine regions (ONS codes) as named in EES files."""

PER: int = 100_000
"""Rates are per this many children aged 0 to 17."""

SERIES_START: str = "2014-15"
"""First year of the comparable series (Ofsted's definition from 2014-15)."""

UNITS: tuple[str, ...] = ("count", "percent", "persons")
"""Units of a transcribed figure (official files also have ``score`` for IDACI)."""

CHANGE_PREFIX: str = "change_"
"""Measures named ``change_...`` are published changes in a count (``-93``): whole, signed."""

QUALIFIERS: tuple[str, ...] = ("", "over", "under", "about")
"""How a transcribed figure was worded ("over 150"); empty for an exact figure."""

ENGLAND_CODE: str = "E92000001"
ENGLAND_NAME: str = "England"
"""The only country covered: England's ONS code and name."""

KEY_COLUMNS: tuple[str, ...] = (
    "period",
    "area_code",
    "breakdown_topic",
    "breakdown",
    "nature",
    "measure",
)
"""Columns of the tidy frame that identify one figure: a file holds each at most once."""

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

# ---------------------------------------------------------------------------------------------
# Canonical sources: the one allow-list of publishers' own sites
# ---------------------------------------------------------------------------------------------

CANONICAL_HOSTS: dict[str, tuple[str, ...]] = {
    "Department for Education": (
        "explore-education-statistics.service.gov.uk",
        "content.explore-education-statistics.service.gov.uk",
        "www.gov.uk",
        "gov.uk",
    ),
    "Ofsted": ("www.gov.uk", "gov.uk"),
    "Child Safeguarding Practice Review Panel": (
        "www.gov.uk",
        "gov.uk",
        "childsafeguarding.independent-panel.uk",
    ),
    "Office for National Statistics": ("www.ons.gov.uk", "ons.gov.uk", "cy.ons.gov.uk"),
    "Home Office": ("www.gov.uk", "gov.uk"),
    "UK Parliament": (
        "questions-statements.parliament.uk",
        "hansard.parliament.uk",
        "publications.parliament.uk",
    ),
    "National Child Mortality Database": ("www.ncmd.info", "ncmd.info"),
    "Archives of Disease in Childhood": ("adc.bmj.com",),
    "Child Abuse & Neglect": ("www.sciencedirect.com",),
}
"""Publishers with a canonical site, and the hosts of that site (the one allow-list).

A row whose ``publisher`` is one of these names (or ``NAME, PUBLICATION``, e.g. ``Archives of
Disease in Childhood, Sidebotham et al. 2016;101(Suppl 1):A161``) is a primary row: its
``source_url`` must be on one of the publisher's hosts (or a DOI, :data:`DOI_HOSTS`). Every other
row is a secondary row and must say so in ``publisher`` (see :data:`SECONDARY_KINDS`), naming
the primary it reports.
"""

DOI_HOSTS: tuple[str, ...] = ("doi.org", "dx.doi.org")
"""Hosts of a DOI: the canonical address of a journal article, for any publisher."""

MIRRORED_SITES: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("www.gov.uk", "gov.uk"), ("/government/",)),
    (
        ("explore-education-statistics.service.gov.uk",),
        ("/find-statistics/", "/data-catalogue/"),
    ),
    (("www.ons.gov.uk", "ons.gov.uk", "cy.ons.gov.uk"), ("/peoplepopulationandcommunity/",)),
)
"""Canonical sites whose pages are copied by mirrors: (the site's hosts, its page paths).

A mirror serves another site's pages at the same paths under its own host, so an address with
one of these paths on any other host is a mirror and is never cited: the row cites the
canonical address (the same path on the site's first host) and its note says where the text
was read.
"""

SECONDARY_KINDS: tuple[str, ...] = ("secondary report", "summary", "copy")
"""How a secondary row's ``publisher`` says what it is: ``NAME (KIND of PRIMARY, PUBLICATION)``.

For example ``Community Care (secondary report of Ofsted, Serious incident notifications from
local authority children's services 2013 to 2014)``: who published the page at ``source_url``,
then that it reports (``secondary report``), summarises (``summary``) or reproduces (``copy``)
a publication of a publisher in :data:`CANONICAL_HOSTS`, and which publication.
"""

_SECONDARY = re.compile(
    r"^(?P<name>[^()]+?) \((?P<kind>" + "|".join(SECONDARY_KINDS) + r") of (?P<primary>.+)\)$"
)
_EES_HOST = "explore-education-statistics.service.gov.uk"
_EES_CONTENT_HOST = "content.explore-education-statistics.service.gov.uk"
# A release page (or a page under it: /explore, /data-guidance): the release slug starts with
# its year, so the unversioned publication page (which always shows the latest release) and
# its unversioned sub-pages (/data-guidance) do not match.
_EES_RELEASE_PATH = re.compile(r"^/find-statistics/[a-z0-9-]+/\d{4}[a-z0-9-]*(/[a-z0-9-]*)*$")
_UUID = r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"
_EES_DATA_SET_PATH = re.compile(rf"^/data-catalogue/data-set/{_UUID}$")
_EES_API_RELEASE_PATH = re.compile(rf"^/api/releases/{_UUID}/")


def _ees_problem(host: str, path: str) -> str | None:
    """Say why an EES address does not name one release or one data set (None when it does)."""
    if host == _EES_HOST and (_EES_RELEASE_PATH.match(path) or _EES_DATA_SET_PATH.match(path)):
        return None
    if host == _EES_CONTENT_HOST and _EES_API_RELEASE_PATH.match(path):
        return None
    return (
        "an explore-education-statistics address must name the release "
        "(/find-statistics/<publication>/<release>, e.g. .../serious-incident-notifications/"
        "2020-21) or a data set (/data-catalogue/data-set/<id>); the publication's own page "
        "always shows its latest release, not the one the figure is from"
    )


def primary_publisher(publisher: str) -> str | None:
    """Return the publisher with a canonical site that a ``publisher`` cell names, if any.

    Parameters
    ----------
    publisher : str
        A ``publisher`` cell: ``NAME`` or ``NAME, PUBLICATION`` for a primary row.

    Returns
    -------
    str or None
        The name in :data:`CANONICAL_HOSTS`, or None for a secondary (or unknown) publisher.
    """
    for name in CANONICAL_HOSTS:
        if publisher == name or publisher.startswith(name + ", "):
            return name
    return None


def source_problem(publisher: str, url: str) -> tuple[str, str] | None:
    """Check a row's publisher and source address against the canonical-host allow-list.

    Parameters
    ----------
    publisher : str
        The row's ``publisher``: a name in :data:`CANONICAL_HOSTS`, alone or followed by
        ``, PUBLICATION`` (a primary row), or
        ``NAME (KIND of PRIMARY, PUBLICATION)`` with KIND in :data:`SECONDARY_KINDS` and
        PRIMARY a name in :data:`CANONICAL_HOSTS` (a secondary row).
    url : str
        The row's ``source_url`` (an http(s) address).

    Returns
    -------
    tuple of (str, str) or None
        ``(column, message)`` naming the column at fault (``publisher`` or ``source_url``) and
        what is wrong, or None when the row's source is acceptable.

    Notes
    -----
    The rules, in order: a mirror (a canonical site's path on another host,
    :data:`MIRRORED_SITES`) is never acceptable; an
    explore-education-statistics address must name a release or a data set, never the
    publication's "latest" page; a primary row's address must be on its publisher's own site
    (or a DOI); any other row must be marked as secondary and name the primary it reports.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError as err:  # e.g. an unbalanced "[" in the host
        return "source_url", f"{url!r} is not a valid address: {err}"
    for hosts, prefixes in MIRRORED_SITES:
        if host not in hosts and parts.path.startswith(prefixes):
            return (
                "source_url",
                f"{host} serves a copy of {hosts[0]}'s page at this path (a mirror); cite "
                f"https://{hosts[0]}{parts.path} and say in note where the text was read",
            )
    if host in (_EES_HOST, _EES_CONTENT_HOST):
        problem = _ees_problem(host, parts.path)
        if problem is not None:
            return "source_url", problem
    name = primary_publisher(publisher)
    if name is not None:
        hosts = CANONICAL_HOSTS[name]
        if host in hosts or host in DOI_HOSTS:
            return None
        return (
            "source_url",
            f"{host} is not a site of {name} (allowed: {', '.join(hosts)}, or a DOI); "
            "cite the publisher's own page, or mark the row as secondary in publisher: "
            f"'NAME ({SECONDARY_KINDS[0]} of {name}, PUBLICATION)'",
        )
    m = _SECONDARY.match(publisher)
    primary = m.group("primary") if m else ""
    if m and any(primary.startswith(name + ", ") for name in CANONICAL_HOSTS):
        return None
    return (
        "publisher",
        f"publisher {publisher!r} is neither a publisher with a canonical site "
        f"({', '.join(CANONICAL_HOSTS)}) nor marked as secondary; write "
        f"'NAME (KIND of PRIMARY, PUBLICATION)' with KIND one of {', '.join(SECONDARY_KINDS)} "
        "and PRIMARY one of those publishers",
    )


@dataclass(frozen=True)
class DatasetSchema:
    """What one shipped dataset may contain.

    Parameters
    ----------
    name : str
        Dataset name used by :func:`load`.
    file : str
        File name under ``data/published/``.
    description : str
        One line for ``sinstats list``.
    measures : tuple of str
        Allowed values of ``measure``.
    natures : tuple of str
        Allowed values of ``nature_of_notification`` ("" allowed when listed).
    series : tuple of str
        Allowed values of ``series``.
    levels : tuple of str
        Allowed geographic levels.
    period_kinds : tuple of str
        Allowed period kinds (see :mod:`sinstats.periods`).
    countries : tuple of (str, str)
        Allowed country codes and names (England only, except for external evidence).
    units : tuple of str
        Allowed units (default :data:`UNITS`).
    extra_columns : tuple of str
        Columns beyond :data:`COLUMNS` that every row of the file has (see
        :data:`EVIDENCE_COLUMNS`).
    """

    name: str
    file: str
    description: str
    measures: tuple[str, ...]
    natures: tuple[str, ...]
    series: tuple[str, ...]
    levels: tuple[str, ...] = ("National",)
    period_kinds: tuple[str, ...] = (FINANCIAL_YEAR,)
    countries: tuple[tuple[str, str], ...] = (("E92000001", "England"),)
    units: tuple[str, ...] = ("count", "percent", "persons")
    extra_columns: tuple[str, ...] = ()


EVIDENCE_COLUMNS: tuple[str, ...] = ("quote", "source_type", "canonical_url")
"""Extra columns of ``external_evidence.csv``: the exact quote the figure was read in, whether
``source_url`` is the ``publisher``'s own page, a ``copy`` or a ``secondary report``, and the
publisher's own URL where known (empty when not found)."""

SOURCE_TYPES: tuple[str, ...] = ("publisher", "copy", "secondary report")
"""Kinds of page a piece of external evidence was read on."""


SCHEMAS: dict[str, DatasetSchema] = {
    s.name: s
    for s in (
        DatasetSchema(
            name="sin_national",
            file="sin_national.csv",
            description="DfE/Ofsted national notifications by April-March year and nature",
            measures=("number_notifications",),
            natures=NATURES,
            series=("Ofsted (before 2014-15)", "Ofsted", "DfE"),
        ),
        DatasetSchema(
            name="panel_notifications",
            file="panel_notifications.csv",
            description="Child Safeguarding Practice Review Panel annual-report figures",
            measures=(
                "number_notifications",
                "number_children",
                "number_rapid_reviews",
                "number_notified_deaths",
                "number_lcsprs_considered",
                "percentage_of_fatal_incidents",
                "percentage_of_non_fatal_incidents",
                "percentage_of_school_age_children",
                "percentage_of_children_reviewed",
                "percentage_of_rapid_reviews",
                "pct_change_vs_previous_year",
            ),
            natures=NATURES,
            series=("Panel",),
            period_kinds=(CALENDAR_YEAR, FINANCIAL_YEAR, "month_span"),
        ),
        DatasetSchema(
            name="population_0_17",
            file="population_0_17.csv",
            description="ONS mid-year population estimates, children aged 0 to 17",
            measures=("population_estimate",),
            natures=("",),
            series=("ONS mid-year estimates",),
            levels=("National", "Regional"),
            period_kinds=(CALENDAR_YEAR,),
        ),
        DatasetSchema(
            name="characteristics",
            file="characteristics.csv",
            description="Published breakdowns: looked-after children, sex, age, care leavers, "
            "regions, half years, councils notifying, published changes",
            measures=(
                "number_notifications",
                "percentage_of_notifications",
                "care_leaver_death_notifications",
                "cin_31march",
                "ons_midyear_population",
                "percentage_of_child_death_notifications",
                "number_serious_case_reviews_planned",
                "percentage_with_serious_case_review",
                "number_councils_notifying",
                "number_serious_case_reviews",
                "number_children",
                "change_vs_previous_year",
                "change_vs_reporting_year_2019",
            ),
            natures=(*NATURES, "Serious harm and other", ""),
            series=("Ofsted (before 2014-15)", "Ofsted", "DfE"),
            levels=("National", "Regional"),
            period_kinds=(FINANCIAL_YEAR, "half_year"),
        ),
        DatasetSchema(
            name="external_evidence",
            file="external_evidence.csv",
            description="Independent estimates of child deaths from maltreatment or assault "
            "(ONS homicide, serious case review studies), with quotes, for triangulation",
            measures=(
                "homicide_victims",
                "homicide_victims_killed_by_parent_or_step_parent",
                "homicide_victims_as_revised_2017",
                "violent_and_maltreatment_related_deaths_per_year",
                "violent_and_maltreatment_related_deaths_rate",
                "directly_caused_deaths_per_year_low",
                "directly_caused_deaths_per_year_high",
                "contributory_deaths_per_year_low",
                "contributory_deaths_per_year_high",
                "fatal_maltreatment_cases",
                "fatal_maltreatment_rate",
                "deaths_related_not_directly_caused",
                "maltreatment_fatalities_notified",
                "serious_case_reviews_obtained",
                "deaths_not_related_to_maltreatment",
                "deaths_perpetrated_outside_family",
                "deaths_not_classified",
                "deaths_classified_within_family",
                "deaths_directly_caused",
                "population_estimate",
                "child_deaths_all_causes",
            ),
            natures=("",),
            series=(
                "ONS homicide",
                "Serious case review studies",
                "ONS mid-year estimates",
                "NCMD",
            ),
            period_kinds=(FINANCIAL_YEAR, CALENDAR_YEAR, "month_span"),
            countries=(
                ("E92000001", "England"),
                ("W92000004", "Wales"),
                ("K04000001", "England and Wales"),
            ),
            units=("persons", "rate_per_100000"),
            extra_columns=EVIDENCE_COLUMNS,
        ),
    )
}
"""Every dataset the project ships, by name."""

TIDY_COLUMNS: tuple[str, ...] = (
    "dataset",
    "period",
    "period_label",
    "period_kind",
    "period_start",
    "time_period",
    "time_identifier",
    "geographic_level",
    "area_code",
    "area_name",
    "breakdown_topic",
    "breakdown",
    "nature",
    "category",
    "measure",
    "value",
    "unit",
    "status",
    "qualifier",
    "rounded_to",
    *PROVENANCE_COLUMNS,
    "origin",
    "line",
)
"""Columns of the frame returned by :func:`load` (the tidy schema shared with official files)."""


def list_datasets() -> list[str]:
    """Return the names of the datasets :func:`sinstats.data.load` knows.

    Returns
    -------
    list of str
        The keys of :data:`SCHEMAS`, in a stable order.
    """
    return list(SCHEMAS)


def period_columns(period: Period) -> dict[str, object]:
    """Return the tidy schema's period columns for ``period``.

    Shared by the loaders of transcribed and official files, so both describe a period the
    same way.

    Parameters
    ----------
    period : Period
        A canonical period (see :mod:`sinstats.periods`).

    Returns
    -------
    dict
        ``period`` (canonical id), ``period_label``, ``period_kind`` and ``period_start`` (the
        decimal-year midpoint used for ordering).
    """
    return {
        "period": period.id,
        "period_label": period.label,
        "period_kind": period.kind,
        "period_start": period.midpoint,
    }


def parse_value(cell: str) -> tuple[float, str] | None:
    """Read a value cell: a finite number, or an EES symbol that stands for a missing figure.

    The one rule for transcribed and official files alike.

    Parameters
    ----------
    cell : str
        The cell's text (surrounding white space is ignored).

    Returns
    -------
    tuple of (float, str) or None
        ``(value, "")`` for a number; ``(nan, symbol)`` for a key of :data:`SYMBOLS`; None when
        the cell is neither (a word, an empty cell, ``nan``, ``inf`` or an overflowing number).
    """
    text = cell.strip()
    if text in SYMBOLS:
        return math.nan, text
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return (value, "") if math.isfinite(value) else None


def not_a_value(cell: str) -> str:
    """Return the message for a value cell that :func:`parse_value` refuses.

    Parameters
    ----------
    cell : str
        The cell's text.

    Returns
    -------
    str
        A sentence naming the cell and the EES symbols that are allowed.
    """
    return f"value {cell!r} is neither a number nor an EES symbol ({', '.join(SYMBOLS)})"


def record_key(record: Mapping[str, object]) -> str:
    """Return the identity of one tidy record (its :data:`KEY_COLUMNS`, joined by ``|``).

    Parameters
    ----------
    record : mapping
        A row of the tidy schema.

    Returns
    -------
    str
        The same text :func:`frame_keys` gives for that row.
    """
    return "|".join(str(record[col]) for col in KEY_COLUMNS)


def frame_keys(frame: pd.DataFrame) -> pd.Series:
    """Return the identity of every row of a tidy frame (see :func:`record_key`).

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame with the :data:`KEY_COLUMNS`.

    Returns
    -------
    pandas.Series
        One ``|``-joined key per row, on the frame's index.
    """
    key = frame[KEY_COLUMNS[0]].astype(str)
    for col in KEY_COLUMNS[1:]:
        key = key + "|" + frame[col].astype(str)
    return key
