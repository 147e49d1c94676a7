"""The names of the interval methods, without the methods: a registry's keys, cheap to import.

The registries themselves (:data:`sinstats.stats.intervals.POISSON_METHODS` and the others) map
these names to functions that need SciPy, whose import is the larger part of a build's start-up.
The build checks a ``method`` parameter before any kernel starts, and each report's title page
asks which notebook it is, in processes that never compute an interval: they read the names
here. Each registry is made by :func:`registry` from its tuple, so that a name added to one and
not the other stops the import (``tests/unit/stats/test_method_names.py`` also compares them).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, TypeVar

POISSON: Final[tuple[str, ...]] = ("exact", "midp", "byar", "normal", "phe")
"""Keys of :data:`sinstats.stats.intervals.POISSON_METHODS`, in its order."""

PROPORTION: Final[tuple[str, ...]] = (
    "wilson",
    "wilson_cc",
    "clopper_pearson",
    "jeffreys",
    "agresti_coull",
)
"""Keys of :data:`sinstats.stats.intervals.PROPORTION_METHODS`, in its order."""

RATE_RATIO: Final[tuple[str, ...]] = ("exact", "midp", "score")
"""Keys of :data:`sinstats.stats.intervals.RATE_RATIO_METHODS` (and ``RATE_RATIO_TESTS``)."""

T = TypeVar("T")


def registry(names: tuple[str, ...], methods: Mapping[str, T]) -> Mapping[str, T]:
    """Return ``methods`` as a read-only registry, checking that its keys are ``names``.

    Parameters
    ----------
    names : tuple of str
        The declared names, in order (:data:`POISSON`, :data:`PROPORTION`, :data:`RATE_RATIO`).
    methods : mapping
        Name to function.

    Returns
    -------
    Mapping
        A read-only view, in the order of ``names``.

    Raises
    ------
    RuntimeError
        If the keys are not exactly ``names`` in that order (a library defect, found at import).
    """
    if tuple(methods) != names:
        raise RuntimeError(f"interval registry {tuple(methods)} does not match its names {names}")
    return MappingProxyType(dict(methods))
