"""sinstats: England's serious incident notifications, reproduced with honest uncertainty.

The library computes; notebooks narrate and call. The package is layered and imports run one way
(see ``docs/architecture.md``): base (:mod:`~sinstats.errors`, :mod:`~sinstats.periods`,
:mod:`~sinstats.paths`) -> :mod:`sinstats.data` -> :mod:`sinstats.stats` ->
:mod:`sinstats.present` -> :mod:`sinstats.analyses` -> :mod:`sinstats.build` ->
:mod:`sinstats.cli`. What a user of the library calls is in :mod:`sinstats.api`.
"""

__version__ = "0.2.0"
