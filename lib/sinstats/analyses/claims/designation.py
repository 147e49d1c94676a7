"""Claims about a release's designation: what such a claim holds, and how its fields are read.

A ``designation`` claim checks a statement such as "these are experimental statistics" against
``data/published/designation.csv`` (:mod:`sinstats.data.statistics_designation`): ``published``
is the designation the statement gives, and ``releases`` the ids of the releases it is about. It has
no numerator, denominator or rounding. The verdict is given by
:func:`sinstats.analyses.claims.designation_verdict.verify_designation`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from sinstats import data

__all__ = [
    "DESIGNATION_KIND",
    "designation_fields_refused",
    "designation_text",
    "release_ids",
]

DESIGNATION_KIND: Final = "designation"
"""The claim kind for statements about a release's designation."""

_REFUSED: Final = (
    "decimals",
    "numerator",
    "denominator",
    "qualifier",
    "interval_model",
    "model_target",
)
_RELEASE_ID: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")

# Problems found in one claim's meaning: (field, message) pairs.
_Found = list[tuple[str | None, str]]


def designation_fields_refused() -> tuple[str, ...]:
    """Return the fields a designation claim may not have (it has nothing to compute).

    Returns
    -------
    tuple of str
        ``decimals``, ``numerator``, ``denominator``, ``qualifier``, ``interval_model``,
        ``model_target``.
    """
    return _REFUSED


def designation_text(raw: object, problems: _Found) -> str:
    """Read a designation claim's ``published``: one of the designations a release can carry.

    Parameters
    ----------
    raw : object
        The field as written (the schema has already made it text).
    problems : list of (str, str)
        Where a problem is appended as ``("published", message)``.

    Returns
    -------
    str
        The designation, lower-cased and with single spaces (``"experimental statistics"``).
    """
    text = " ".join(str(raw).split()).lower()
    allowed = [d for d in data.DESIGNATIONS if d != data.NOT_KNOWN]
    if text not in allowed:
        problems.append(
            ("published", f"{str(raw)!r} is not a designation; allowed: {', '.join(allowed)}")
        )
    return text


def release_ids(raw: Sequence[object], problems: _Found) -> tuple[str, ...]:
    """Read a designation claim's ``releases``: release ids, each once.

    Parameters
    ----------
    raw : sequence
        The list as written (the schema has already checked its items are text).
    problems : list of (str, str)
        Where a problem is appended as ``("releases", message)``.

    Returns
    -------
    tuple of str
        The ids in the order given. Whether each names a release in the data is checked when
        the claim is verified (the data folder is known only then).
    """
    ids = tuple(str(r) for r in raw)
    bad = [r for r in ids if not _RELEASE_ID.match(r)]
    if bad:
        problems.append(("releases", f"{bad[0]!r} is not a release id (e.g. 'dfe-2020-21')"))
    elif len(set(ids)) != len(ids):
        problems.append(("releases", "a release is named twice"))
    return ids
