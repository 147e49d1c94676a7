"""Key figures: the few numbers of a report that its index entry shows, as typed records.

Every analysis module returns its key figures as :class:`KeyFigure` records; a notebook records
them with :func:`sinstats.present.outputs.key_figure`, the run writes them to
``key_figures.json`` exactly as :meth:`KeyFigure.as_json` gives them, and the build reads them back
with :meth:`KeyFigure.from_json` (a file the project wrote earlier is input too: it is validated).

One unit for ``value``, ``lower`` and ``upper``: the interval is always an interval for the value,
in the value's unit. A change from the previous year carries its difference as the value (unit
``"difference in count"``, no interval) and its rate ratio with the ratio's interval in the
separate ``ratio``, ``ratio_lower`` and ``ratio_upper`` fields. A figure that compares across a
break declared in ``data/breaks.yml`` names the break in ``flags`` (a record without the field,
written before it existed, reads as unflagged). This module is light (no pandas) so
that the build's parent process can read key figures cheaply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Final

from sinstats.errors import ParameterError

_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")

_NUMBER_FIELDS: Final = (
    "value",
    "lower",
    "upper",
    "conf_level",
    "ratio",
    "ratio_lower",
    "ratio_upper",
)
_TEXT_FIELDS: Final = ("name", "label", "text", "unit")
_FLAG: Final = re.compile(r"^[a-z0-9][a-z0-9\-]{0,59}$")


def json_number(value: float | None) -> float | int | None:
    """Return ``value`` as written to JSON: None for missing, NaN or infinite; ints stay ints.

    Parameters
    ----------
    value : float or None

    Returns
    -------
    float, int or None
        Rounded to 10 decimals, so that two runs give identical bytes.
    """
    if value is None:
        return None
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        return None
    return int(v) if v.is_integer() else round(v, 10)


@dataclass(frozen=True)
class KeyFigure:
    """One key figure of a report.

    Attributes
    ----------
    name : str
        Stable identifier (lower-case letters, digits, ``-`` and ``_``): ``"total"``.
    label : str
        Short human label: ``"Serious incident notifications"``.
    value : float or None
        The figure in ``unit``; None (or NaN) when it was not published.
    text : str
        One sentence saying it with its interval.
    unit : str
        Unit of ``value``, ``lower`` and ``upper``: ``"count"``, ``"per 100,000 children"``,
        ``"percent"``, ``"percent per year"``, ``"difference in count"``...
    lower, upper : float or None
        The interval for ``value``, in the same unit; None when there is none.
    conf_level : float or None
        The interval's confidence level (of ``lower``/``upper``, or of the ratio's interval).
    ratio, ratio_lower, ratio_upper : float or None
        For a change: the rate ratio (current / previous) and its interval; None otherwise.
    flags : tuple of str
        The ids of the breaks in ``data/breaks.yml`` the figure compares across (e.g.
        ``("earlier-ofsted-definition",)``): such a figure is not a like-for-like comparison, and
        its ``text`` says so. Empty for every other figure.
    model : bool, default False
        True for a model's estimate (not a published statistic): the index labels it
        "model estimate".

    Raises
    ------
    ParameterError
        For a bad name, an interval without its level, an interval that does not contain its
        value, ratio fields given without the ratio, or a flag that is not a break id.
    """

    name: str
    label: str
    value: float | None
    text: str
    unit: str = ""
    lower: float | None = None
    upper: float | None = None
    conf_level: float | None = None
    ratio: float | None = None
    ratio_lower: float | None = None
    ratio_upper: float | None = None
    flags: tuple[str, ...] = ()
    model: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.model, bool):
            raise ParameterError(f"key figure {self.name!r}: model must be true or false")
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise ParameterError(
                f"key figure name {self.name!r} is not allowed; use lower-case letters, digits, "
                "'-' and '_'"
            )
        for f in _TEXT_FIELDS:
            if not isinstance(getattr(self, f), str):
                raise ParameterError(f"key figure {self.name!r}: {f} must be text")
        for f in _NUMBER_FIELDS:
            v = getattr(self, f)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                try:
                    v = float(v)
                except (TypeError, ValueError):
                    raise ParameterError(
                        f"key figure {self.name!r}: {f} must be a number or None; got {v!r}"
                    ) from None
            object.__setattr__(self, f, None if v is None else float(v))
        flags = self.flags
        if isinstance(flags, str) or not isinstance(flags, (tuple, list)):
            raise ParameterError(f"key figure {self.name!r}: flags must be a list of break ids")
        for flag in flags:
            if not isinstance(flag, str) or not _FLAG.match(flag):
                raise ParameterError(
                    f"key figure {self.name!r}: flag {flag!r} is not a break id (lower-case "
                    "letters, digits and '-')"
                )
        object.__setattr__(self, "flags", tuple(flags))
        self._check_interval("lower", "upper", "value")
        self._check_interval("ratio_lower", "ratio_upper", "ratio")
        if (self.ratio_lower is not None or self.ratio_upper is not None) and self.ratio is None:
            raise ParameterError(f"key figure {self.name!r}: a ratio interval needs its ratio")
        if self.conf_level is not None and not 0 < self.conf_level < 1:
            raise ParameterError(
                f"key figure {self.name!r}: conf_level must be in (0, 1); got {self.conf_level}"
            )

    def _check_interval(self, lo_name: str, hi_name: str, of: str) -> None:
        lo, hi, est = getattr(self, lo_name), getattr(self, hi_name), getattr(self, of)
        if lo is None and hi is None:
            return
        if self.conf_level is None:
            raise ParameterError(f"key figure {self.name!r}: an interval needs its conf_level")
        if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
            return
        if lo > hi:
            raise ParameterError(
                f"key figure {self.name!r}: {lo_name} {lo} is above {hi_name} {hi}"
            )
        if est is not None and not math.isnan(est) and not lo <= est <= hi:
            raise ParameterError(
                f"key figure {self.name!r}: the interval {lo} to {hi} does not contain {of} {est}"
            )

    @property
    def available(self) -> bool:
        """True when the value is a number (not a figure that was never published)."""
        return self.value is not None and not math.isnan(self.value)

    def as_json(self) -> dict[str, Any]:
        """Return the record as written to ``key_figures.json``: every field, numbers rounded."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name in _NUMBER_FIELDS:
                out[f.name] = json_number(v)
            elif f.name == "flags":
                out[f.name] = list(v)
            else:
                out[f.name] = v
        return out

    @classmethod
    def from_row(
        cls,
        row: Any,
        column: str,
        bounds: tuple[str, str] = ("lower", "upper"),
        *,
        name: str,
        label: str,
        text: str,
        unit: str,
        conf_level: float | None = None,
    ) -> KeyFigure:
        """Make the key figure of one table row: a value and its interval, read by column name.

        Parameters
        ----------
        row : mapping or pandas.Series
            One row of an analysis table (anything indexed by column name).
        column : str
            The column of the value (``"count"``, ``"rate"``, ``"percent"``...).
        bounds : (str, str), default ("lower", "upper")
            The columns of the value's interval.
        name, label, text, unit : str
            As for :class:`KeyFigure`.
        conf_level : float, optional
            The interval's level; default the row's ``conf_level``.

        Returns
        -------
        KeyFigure
            With ``value``, ``lower`` and ``upper`` read from ``row`` as floats.

        Raises
        ------
        ParameterError
            As for :class:`KeyFigure` (e.g. an interval that does not contain its value).
        """
        lower, upper = bounds
        return cls(
            name=name,
            label=label,
            value=float(row[column]),
            text=text,
            unit=unit,
            lower=float(row[lower]),
            upper=float(row[upper]),
            conf_level=float(row["conf_level"]) if conf_level is None else conf_level,
        )

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> KeyFigure:
        """Rebuild a record from :meth:`as_json` output, validating it.

        Parameters
        ----------
        record : mapping
            One element of ``key_figures.json``.

        Returns
        -------
        KeyFigure

        Raises
        ------
        ParameterError
            If a field is unknown, missing or of the wrong type.
        """
        if not isinstance(record, Mapping):
            raise ParameterError(f"a key figure must be a mapping; got {type(record).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(record) - known)
        if unknown:
            raise ParameterError(f"key figure: unknown field(s) {', '.join(map(str, unknown))}")
        missing = [f for f in ("name", "label", "value", "text") if f not in record]
        if missing:
            raise ParameterError(f"key figure: missing field(s) {', '.join(missing)}")
        return cls(**{k: record[k] for k in record})
