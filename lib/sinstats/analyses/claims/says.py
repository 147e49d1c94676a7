"""What a claim declares about its statement: what it says is counted, and how a year is read.

:class:`Says` is a claim's ``says`` (compared with what the figure counts by
:mod:`~sinstats.analyses.claims.meaning`); :data:`READINGS` are the values of a reference's
``reading`` (:mod:`~sinstats.analyses.claims.reading`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = ["READINGS", "SAYS", "Says"]

#: How a figure reference may state which year a bare year (``"2021"``) means (``reading``).
READINGS: Final = ("reporting_year", "calendar_year")

#: What a statement may say is counted (``says``): each aspect and its allowed values.
SAYS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "counts": ("children", "notifications", "serious_case_reviews"),
        "abuse": ("proven", "suspected"),
        "deaths": ("caused_by_abuse", "abuse_known_or_suspected"),
    }
)


@dataclass(frozen=True)
class Says:
    """What a statement says is counted (the claim's ``says``), as its author declares it.

    Attributes
    ----------
    counts : str or None
        ``"children"``, ``"notifications"`` or ``"serious_case_reviews"``.
    abuse : str or None
        ``"proven"`` (the statement says abuse happened) or ``"suspected"``.
    deaths : str or None
        ``"caused_by_abuse"`` or ``"abuse_known_or_suspected"`` (deaths where abuse or neglect
        was known or suspected, whatever caused them).

    Notes
    -----
    :mod:`sinstats.analyses.claims.meaning` compares it with what the figure counts.
    """

    counts: str | None = None
    abuse: str | None = None
    deaths: str | None = None

    def describe(self) -> str:
        """Return e.g. ``counts children, abuse proven``."""
        aspects = (("counts", self.counts), ("abuse", self.abuse), ("deaths", self.deaths))
        return ", ".join(f"{k} {v}" for k, v in aspects if v)
