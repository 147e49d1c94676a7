"""sinstats: England's serious incident notifications, reproduced with honest uncertainty.

The library computes; notebooks narrate and call. Data flows one way:
``data/`` -> :mod:`sinstats.data` (validated frames) -> statistical modules -> notebooks ->
:mod:`sinstats.report` -> ``reports/``.
"""

from __future__ import annotations

from sinstats.errors import (
    ConfigError,
    DataError,
    NoDataError,
    ParameterError,
    PeriodError,
    SinstatsError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "DataError",
    "NoDataError",
    "ParameterError",
    "PeriodError",
    "SinstatsError",
    "__version__",
]
