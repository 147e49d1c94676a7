"""The releases of "Serious incident notifications" known to sinstats, and their download URLs.

A release on explore-education-statistics (EES) offers a "Download all data (ZIP)" link. The EES
front end builds it as::

    https://content.explore-education-statistics.service.gov.uk/api/releases/{release_id}/files?fromPage=ReleaseDownloads

where ``release_id`` is the content-API id of the release version (:data:`RELEASE_URL_TEMPLATE`).
The ids of releases 2025 and 2026 are known (:data:`KNOWN_RELEASES`); for the others, and whenever
the pattern changes, pass the link from the release page with ``--source URL`` or a ZIP saved by
hand with ``--source FILE.zip``. **This URL pattern could not be checked against the live service
from the machine this was written on (no network)**: it comes from the EES front-end source code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sinstats.data.official.publication import release_page, release_period
from sinstats.errors import FetchError

RELEASE_URL_TEMPLATE: Final = (
    "https://content.explore-education-statistics.service.gov.uk/api/releases/{release_id}/files"
    "?fromPage=ReleaseDownloads"
)
"""The "Download all data (ZIP)" link of an EES release version (from the EES front end)."""


@dataclass(frozen=True)
class KnownRelease:
    """A release of "Serious incident notifications" known to sinstats.

    Parameters
    ----------
    slug : str
        The release slug (``2026``); also the folder under ``data/raw/``.
    label : str
        The release title on EES.
    release_id : str or None
        The content-API release (version) id, when known.
    """

    slug: str
    label: str
    release_id: str | None = None

    @property
    def page(self) -> str:
        """The release page on EES (holds the "Download all data (ZIP)" link)."""
        return release_page(self.slug)

    @property
    def url(self) -> str | None:
        """The download-all ZIP URL, when the release id is known."""
        return RELEASE_URL_TEMPLATE.format(release_id=self.release_id) if self.release_id else None


KNOWN_RELEASES: Final[dict[str, KnownRelease]] = {
    r.slug: r
    for r in (
        KnownRelease("2020-21-part-1-apr-to-sep", "Part 1 (April to September) 2020-21"),
        KnownRelease("2020-21", "Financial year 2020-21"),
        KnownRelease("2021-22", "Financial year 2021-22"),
        KnownRelease("2022-23", "Financial year 2022-23"),
        KnownRelease("2024", "Reporting year 2024"),
        KnownRelease("2025", "Reporting year 2025", "a1cb5e60-b70f-488a-29ae-08dd78f4be84"),
        KnownRelease("2026", "Reporting year 2026", "dcae45e2-138e-4cbf-3e31-08de9f91561e"),
    )
}
"""Releases seen on EES, oldest first, with content-API ids where they were found."""


def check_release(slug: str) -> str:
    """Check a release slug.

    Parameters
    ----------
    slug : str
        ``2026``, ``2022-23``, ``2020-21-part-1-apr-to-sep``, ...

    Returns
    -------
    str
        The slug, without surrounding white space.

    Raises
    ------
    ParameterError
        If it is not a release slug (see :func:`sinstats.data.official.release_period`).
    """
    slug = str(slug).strip()
    release_period(slug)
    return slug


def release_label(slug: str) -> str:
    """Return the title of a release: its EES title when known, else ``release <slug>``.

    Parameters
    ----------
    slug : str
        The release, known to sinstats or not.

    Returns
    -------
    str
        For example ``Reporting year 2026``.
    """
    known = KNOWN_RELEASES.get(slug)
    return known.label if known else f"release {slug}"


def release_url(slug: str) -> str:
    """Return the default download URL of a release.

    Parameters
    ----------
    slug : str
        The release to download (see :data:`KNOWN_RELEASES`).

    Returns
    -------
    str
        The "Download all data (ZIP)" URL (:data:`RELEASE_URL_TEMPLATE` with the release id).

    Raises
    ------
    ParameterError
        If ``slug`` is not a release slug.
    FetchError
        If the release's content-API id is not known; the message says how to fetch it anyway.
    """
    slug = check_release(slug)
    known = KNOWN_RELEASES.get(slug)
    if known is not None and known.url:
        return known.url
    have = ", ".join(s for s, r in KNOWN_RELEASES.items() if r.url)
    raise FetchError(
        f"the download URL of release {slug} is not known (release ids are known for {have}); "
        f"open {release_page(slug)}, copy the 'Download all data (ZIP)' link and run "
        f"'sinstats fetch --release {slug} --source URL', or save the ZIP and pass "
        "'--source FILE.zip'"
    )
