"""The publication on EES and its release slugs: which period a release covers, its tag, its order.

A release of "Serious incident notifications" is named by its slug on
explore-education-statistics: ``2026`` (reporting year 2026, i.e. April 2025 to March 2026),
``2022-23`` (financial year) or ``2020-21-part-1-apr-to-sep`` (the first half of a financial
year). The slug is also the folder name under ``data/raw/`` and part of every ``source_id``.
"""

from __future__ import annotations

import re
from typing import Final

from sinstats.errors import ParameterError, PeriodError
from sinstats.periods import FINANCIAL_YEAR, Period, parse_period

PUBLICATION_URL: Final = (
    "https://explore-education-statistics.service.gov.uk/find-statistics/"
    "serious-incident-notifications"
)
"""The publication's page on EES; ``/{release slug}`` gives a release page."""

PUBLISHER: Final = "Department for Education"
"""Publisher of every official figure."""

_RELEASE_SLUG = re.compile(r"^(\d{4})(?:-(\d{2})(?:-part-([12])(?:-[a-z0-9]+)*)?)?$")


def release_page(slug: str) -> str:
    """Return the page of a release on EES.

    Parameters
    ----------
    slug : str
        The release slug (not checked).

    Returns
    -------
    str
        ``{PUBLICATION_URL}/{slug}``; the page holds the "Download all data (ZIP)" link.
    """
    return f"{PUBLICATION_URL}/{slug}"


def release_period(slug: str) -> Period:
    """Return the period a release slug covers (the latest period in that release).

    Parameters
    ----------
    slug : str
        ``"2026"`` (reporting year), ``"2022-23"`` (financial year) or
        ``"2020-21-part-1-apr-to-sep"`` (half year).

    Returns
    -------
    Period
        The reporting or financial year, or the half year, that the release names.

    Raises
    ------
    ParameterError
        If the slug is not one of those forms.
    """
    m = _RELEASE_SLUG.match(str(slug).strip())
    if not m:
        raise ParameterError(
            f"release {slug!r} is not an EES release slug; write e.g. '2026' (reporting year), "
            "'2022-23' (financial year) or '2020-21-part-1-apr-to-sep' (half year)"
        )
    try:
        if m.group(2) is None:
            return parse_period(m.group(1))
        fy = parse_period(f"{m.group(1)}-{m.group(2)}")
        if m.group(3) is None:
            return fy
        return parse_period(f"{fy.id} H{m.group(3)}")
    except PeriodError as err:
        raise ParameterError(f"release {slug!r} is not a valid release slug: {err}") from None


def release_tag(slug: str) -> str:
    """Return the short tag of a release used in ``source_id``.

    Parameters
    ----------
    slug : str
        The release a file came from (see :func:`release_period` for the forms).

    Returns
    -------
    str
        ``RY2026`` for a reporting-year release, ``FY2022-23`` for a financial-year release,
        ``FY2020-21P1`` for a half-year release.

    Raises
    ------
    ParameterError
        If the slug is not a release slug.
    """
    p = release_period(slug)
    if p.kind == FINANCIAL_YEAR:
        return f"RY{p.reporting_year}" if re.fullmatch(r"\d{4}", slug) else f"FY{p.id}"
    return f"FY{p.id.replace(' H', 'P')}"


def release_sort_key(slug: str) -> tuple[int, int, str]:
    """Return a key that orders releases by the end of the period they cover (newest last).

    Parameters
    ----------
    slug : str
        An installed or known release.

    Returns
    -------
    tuple of (int, int, str)
        End year, end month, slug.

    Raises
    ------
    ParameterError
        If the slug is not a release slug.
    """
    p = release_period(slug)
    return (p.end_year, p.end_month, slug)
