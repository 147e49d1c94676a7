"""The published figure: its value, how it was rounded or withheld, its base and its dating.

A figure is measured on a **base**: the Child Safeguarding Practice Review Panel's count
(``"panel"``) or the Department for Education's (``"dfe"``, which continues Ofsted's series of local
authority notifications). It is **dated** by the date the notification was received (DfE) or the
date the incident happened (the Panel: "482 serious incident notifications which occurred in
2020"). Components use both: a share measured on one base is converted before it is applied to a
count on the other, and the timing component applies only to counts dated by receipt.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from sinstats.errors import ParameterError
from sinstats.stats._validation import is_number, whole_pair

#: Bases a count or a share can be measured on: the Panel's count and DfE's (with Ofsted's).
BASES: Final = ("panel", "dfe")
#: How a count is dated: by the date a notification was received, or the date of the incident.
DATINGS: Final = ("receipt", "incident")
#: The base and dating of each series of the shipped data (``series`` column).
SERIES_BASES: Final = {
    "Panel": ("panel", "incident"),
    "DfE": ("dfe", "receipt"),
    "Ofsted": ("dfe", "receipt"),
    "Ofsted (earlier definition)": ("dfe", "receipt"),
}


#: The base and dating of each shipped dataset's counts.
DATASET_BASES: Final = {"panel_notifications": ("panel", "incident")}


def figure_base(dataset: str) -> tuple[str, str]:
    """Return the base and dating of a count from ``dataset`` (DfE's unless the Panel's).

    Parameters
    ----------
    dataset : str
        A dataset name of :func:`sinstats.data.list_datasets`.

    Returns
    -------
    tuple of str
        ``(base, dated_by)``: ``("panel", "incident")`` for the Panel's annual-report figures,
        else ``("dfe", "receipt")``.
    """
    return DATASET_BASES.get(dataset, ("dfe", "receipt"))


@dataclass(frozen=True)
class Observed:
    """A published figure, with what is known about how it was rounded or withheld.

    Parameters
    ----------
    value : float or None
        The figure as published (``150`` for "over 150", ``30`` for a regional 30 rounded to the
        nearest 10). ``None`` (or NaN) for a suppressed cell (``"c"``).
    rounded_to : int, default 0
        ``10`` if the figure was rounded to the nearest 10, 0 if exact.
    qualifier : {"", "over"}, default ""
        ``"over"`` if the figure is a lower bound ("over 150 children").
    suppressed_range : tuple of int, optional
        The stated range of a suppressed cell, e.g. ``(0, 2)``; when absent, the rounding
        component's ``suppressed_range`` is used.
    label : str, default ""
        A description used in tables, e.g. ``"2025-26 child death notifications"``.
    base : {"dfe", "panel"}, default "dfe"
        Whose count it is: DfE's national series (with Ofsted's earlier years) or the Panel's.
    dated_by : {"receipt", "incident"}, default "receipt"
        DfE counts notifications when received; the Panel's annual reports count incidents that
        occurred in the period.

    Raises
    ------
    ParameterError
        For a negative, fractional or infinite value, an unknown qualifier, a negative
        ``rounded_to``, a rounded lower bound, a bad ``suppressed_range``, or an unknown base or
        dating.
    """

    value: float | None
    rounded_to: int = 0
    qualifier: str = ""
    suppressed_range: tuple[int, int] | None = None
    label: str = ""
    base: str = "dfe"
    dated_by: str = "receipt"

    def __post_init__(self) -> None:
        if self.base not in BASES:
            raise ParameterError(f"base {self.base!r} must be one of {', '.join(BASES)}")
        if self.dated_by not in DATINGS:
            raise ParameterError(f"dated_by {self.dated_by!r} must be one of {', '.join(DATINGS)}")
        value = self.value
        if value is not None and isinstance(value, float) and math.isnan(value):
            object.__setattr__(self, "value", None)
            value = None
        if value is not None:
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise ParameterError(f"observed value {value!r} is not a number")
            if not math.isfinite(float(value)) or float(value) < 0:
                raise ParameterError(f"observed value {value!r} must be a non-negative count")
            if float(value) != round(float(value)):
                raise ParameterError(
                    f"observed value {value!r} is not a whole number; counts are whole numbers"
                )
            object.__setattr__(self, "value", float(value))
        if isinstance(self.rounded_to, bool) or not isinstance(self.rounded_to, (int, np.integer)):
            raise ParameterError(f"rounded_to {self.rounded_to!r} must be a whole number (0 or 10)")
        if self.rounded_to < 0 or self.rounded_to == 1:
            raise ParameterError(f"rounded_to {self.rounded_to!r} must be 0 (exact) or at least 2")
        if self.qualifier not in ("", "over"):
            raise ParameterError(f"qualifier {self.qualifier!r} must be '' or 'over'")
        if self.qualifier == "over" and self.rounded_to:
            raise ParameterError("a figure cannot be both a lower bound ('over') and rounded")
        if self.qualifier == "over" and value is None:
            raise ParameterError("a lower bound ('over') needs a value")
        if self.rounded_to and value is not None and float(value) % self.rounded_to != 0:
            raise ParameterError(
                f"observed value {value!r} is said to be rounded to the nearest "
                f"{self.rounded_to} but is not a multiple of {self.rounded_to}"
            )
        if self.suppressed_range is not None:
            object.__setattr__(
                self, "suppressed_range", whole_pair(self.suppressed_range, "suppressed_range")
            )

    @property
    def suppressed(self) -> bool:
        """True if the cell was withheld (published as ``"c"``)."""
        return self.value is None

    def describe(self) -> str:
        """Return the figure as published: ``"160"``, ``"over 150"``, ``"30 (nearest 10)"``."""
        if self.value is None:
            return "suppressed ('c')"
        text = f"{self.value:g}"
        if self.qualifier == "over":
            return f"over {text}"
        if self.rounded_to:
            return f"{text} (rounded to nearest {self.rounded_to})"
        return text


def observed_from_row(row: Mapping[str, Any] | pd.Series, label: str | None = None) -> Observed:
    """Build an :class:`Observed` from one row of a :func:`sinstats.data.load` frame.

    Parameters
    ----------
    row : mapping or pandas.Series
        Needs ``value``; uses ``rounded_to`` and ``qualifier`` when present (NaN and empty
        strings mean exact). A NaN value is a suppressed cell. ``series`` gives the base and
        dating (:data:`SERIES_BASES`; DfE's when absent).
    label : str, optional
        Defaults to ``"<period_label> <category>"`` when those columns are present.

    Returns
    -------
    Observed

    Raises
    ------
    ParameterError
        For a value that is not a valid figure (see :class:`Observed`).
    """
    get = row.get
    raw = get("value")
    value = None if raw is None or pd.isna(raw) else float(raw)
    rounded = get("rounded_to")
    rounded_to = 0 if rounded is None or pd.isna(rounded) or rounded == "" else int(rounded)
    qual = get("qualifier")
    qualifier = "" if qual is None or (not isinstance(qual, str) and pd.isna(qual)) else str(qual)
    if label is None:
        parts = [str(get(k)) for k in ("period_label", "category") if get(k) not in (None, "")]
        label = " ".join(p for p in parts if p != "nan")
    series = get("series")
    base, dated_by = SERIES_BASES.get(str(series), ("dfe", "receipt"))
    return Observed(
        value,
        rounded_to=rounded_to,
        qualifier=qualifier.strip(),
        label=label,
        base=base,
        dated_by=dated_by,
    )


def as_observed(observed: Observed | float | int) -> Observed:
    """Return ``observed`` as an :class:`Observed`; a bare number is an exact count.

    Parameters
    ----------
    observed : Observed, int or float
        The published figure.

    Returns
    -------
    Observed

    Raises
    ------
    ParameterError
        If ``observed`` is neither a number nor an :class:`Observed`.
    """
    if isinstance(observed, Observed):
        return observed
    if not is_number(observed):
        raise ParameterError(
            f"observed {observed!r} must be a count or an Observed(...) describing the figure"
        )
    return Observed(float(observed))
