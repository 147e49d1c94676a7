"""The registry of component kinds: the ``kind`` key of ``data/assumptions.yml`` -> its class.

A ``definition`` entry with ``breakdowns`` is a :class:`~sinstats.stats.uncertainty.shares.
HierarchicalShare`; any other ``definition`` entry a plain
:class:`~sinstats.stats.uncertainty.components.Definition`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sinstats.stats.uncertainty.components import (
    Ascertainment,
    Chance,
    Component,
    Definition,
    Revision,
    Rounding,
    Timing,
)
from sinstats.stats.uncertainty.shares import Base, HierarchicalShare

#: Registry of component kinds: kind -> class.
KIND_CLASSES: Final[Mapping[str, type[Component]]] = {
    "chance": Chance,
    "rounding": Rounding,
    "timing": Timing,
    "revision": Revision,
    "base": Base,
    "definition": Definition,
    "ascertainment": Ascertainment,
}


def component_class(kind: str, keys: object) -> type[Component]:
    """Return the class for ``kind``; a definition with ``breakdowns`` is hierarchical.

    Parameters
    ----------
    kind : str
        A key of :data:`KIND_CLASSES`.
    keys : container of str
        The entry's keys.

    Returns
    -------
    type
        The component class.
    """
    if kind == "definition" and "breakdowns" in keys:  # type: ignore[operator]
        return HierarchicalShare
    return KIND_CLASSES[kind]
