"""Unknown names in a claims file, and the nearest valid names to suggest.

A name that is not one of the valid ones (a dataset, or a category, measure, breakdown topic,
nature or area that its dataset holds in no period) is a mistake in the claims file: the message
(:func:`unknown_name`) suggests the nearest valid names (:func:`suggestion`, by
:func:`difflib.get_close_matches`), e.g. "did you mean 'Child death'?" for ``Child deaths``.
The checks themselves are :func:`sinstats.analyses.claims.figures.reference_problems` (names in
the data) and :mod:`~sinstats.analyses.claims.register` (dataset names).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Final

__all__ = ["suggestion", "unknown_name"]

# How many names a message lists when none is close to the one written.
_LISTED: Final = 12

# Plain words for each field in messages.
_WORDS: Final = {
    "category": "category",
    "measure": "measure",
    "breakdown_topic": "breakdown topic",
    "nature": "nature",
    "area": "area",
    "dataset": "dataset",
}


def suggestion(name: str, valid: Iterable[str]) -> str:
    """Return ``did you mean 'Child death'?`` for the names nearest ``name``, or ``""``.

    Parameters
    ----------
    name : str
        The name as written.
    valid : iterable of str
        The names it should have been one of.

    Returns
    -------
    str
        Up to three names, nearest first (compared without regard to case), or empty when none
        is close (:func:`difflib.get_close_matches`, cutoff 0.6).

    Examples
    --------
    >>> suggestion("Child deaths", ["Child death", "Serious harm", "Total"])
    "did you mean 'Child death'?"
    """
    options = sorted({v for v in valid if v})
    by_lower: dict[str, str] = {}
    for v in options:
        by_lower.setdefault(v.lower(), v)
    close = difflib.get_close_matches(name.strip().lower(), list(by_lower), n=3, cutoff=0.6)
    if not close:
        return ""
    quoted = [f"'{by_lower[c]}'" for c in close]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
    return f"did you mean {listed}?"


def unknown_name(what: str, name: str, valid: Sequence[str], where: str = "") -> str:
    """Return the message for a name that is not one of ``valid``.

    Parameters
    ----------
    what : str
        The field (``"category"``, ``"dataset"``...).
    name : str
        The name as written.
    valid : sequence of str
        The valid names.
    where : str
        The dataset, for the message (``"in panel_notifications"``).

    Returns
    -------
    str
        ``unknown category 'Child deaths' in sin_national; did you mean 'Child death'? (its
        categories: Child death, Other, Serious harm, Total)``.
    """
    word = _WORDS.get(what, what)
    options = sorted({v for v in valid if v})
    hint = suggestion(name, options)
    listed = ", ".join(options[:_LISTED]) + (", ..." if len(options) > _LISTED else "")
    plural = "categories" if word == "category" else f"{word}s"
    head = f"unknown {word} '{name}'" + (f" in {where}" if where else "")
    return f"{head}; {hint} ({plural}: {listed})" if hint else f"{head}; choose one of {listed}"
