"""Rounding as published statistics round, and the number formats of the claims outputs.

Every number the claims verifier compares or writes passes through here: published numbers are
read exactly as written (:func:`to_decimal`), recomputed values are rounded half away from zero
in decimal arithmetic (:func:`round_half_away`), and the outputs write numbers without exponents
(:func:`plain`), with their unit (:func:`display`), rounded for JSON (:func:`json_number`,
:func:`significant`) or for the text table (:func:`fixed`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from types import MappingProxyType
from typing import Final

from sinstats.errors import ParameterError

__all__ = [
    "JSON_PLACES",
    "brief",
    "display",
    "fixed",
    "json_number",
    "places_of",
    "plain",
    "round_half_away",
    "signed",
    "significant",
    "to_decimal",
    "unit_suffix",
]

#: Decimal places of every number in the JSON output.
JSON_PLACES: Final = 6

# The unit written after a number of each kind of claim (none for counts, differences, ratios).
_UNIT_SUFFIXES: Final[Mapping[str, str]] = MappingProxyType(
    {"share": "%", "percent_change": "%", "rate": " per 100,000"}
)

# Kinds whose numbers are changes, written with a sign: "+87", "+14%".
_SIGNED_KINDS: Final = ("percent_change", "difference")


def to_decimal(value: object) -> Decimal:
    """Convert a number exactly as written.

    Parameters
    ----------
    value : object
        A :class:`~decimal.Decimal`, an int, a float (taken through its shortest repr, so
        ``0.1`` is ``Decimal("0.1")``, not the binary value) or text.

    Returns
    -------
    decimal.Decimal

    Raises
    ------
    TypeError
        For a boolean (YAML's ``yes`` is not a number).
    decimal.InvalidOperation
        For text that is not a number.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def places_of(value: Decimal) -> int:
    """Return the decimal places written in ``value`` beyond trailing zeros.

    Parameters
    ----------
    value : decimal.Decimal

    Returns
    -------
    int
        ``43.20 -> 1``, ``150 -> 0``, ``0 -> 0``.
    """
    if value == 0:
        return 0
    exponent = value.normalize().as_tuple().exponent
    return max(0, -int(exponent))


def round_half_away(value: Decimal | int | float | str, decimals: int) -> Decimal:
    """Round to ``decimals`` places, halves away from zero, in decimal arithmetic.

    Parameters
    ----------
    value : Decimal, int, float or str
        A float is taken as written (its shortest repr), so ``0.125`` is exactly 0.125 and
        rounds to ``0.13`` at 2 places (Python's ``round(0.125, 2)`` gives 0.12: it rounds
        half to even).
    decimals : int
        Places, 0 or more.

    Returns
    -------
    decimal.Decimal
        ``2.5 -> 3``, ``-2.5 -> -3``, ``0.125 -> 0.13`` (2 places); ``-0`` is returned as 0.

    Raises
    ------
    ParameterError
        (a ``ValueError``) for a ``decimals`` that is not a whole number >= 0, or a ``value``
        that is not a finite number.

    Notes
    -----
    This is the rounding used in published statistics ("round half up" in the schoolbook sense,
    applied to magnitudes): ``decimal.ROUND_HALF_UP``, which rounds ties away from zero.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ParameterError(f"decimals must be a whole number >= 0; got {decimals!r}")
    try:
        d = to_decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ParameterError(f"value must be a number; got {value!r}") from None
    if not d.is_finite():
        raise ParameterError(f"value must be finite; got {value!r}")
    with localcontext() as ctx:
        ctx.prec = 60
        out = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return out + Decimal(0) if out.is_zero() else out  # -0 -> 0


def plain(value: Decimal) -> str:
    """Write ``value`` without an exponent, keeping the places it carries; ``-0`` as ``0``.

    Parameters
    ----------
    value : decimal.Decimal
        Finite.

    Returns
    -------
    str
        ``Decimal("43.20") -> "43.20"``, ``Decimal("1E+2") -> "100"``.
    """
    if value.is_zero():
        value = abs(value)
    return f"{value:f}"


def brief(value: Decimal, places: int) -> str:
    """Write a recomputed value: a whole number without places, any other rounded to ``places``.

    Parameters
    ----------
    value : decimal.Decimal
    places : int

    Returns
    -------
    str
        ``Decimal("-21.3692946") -> "-21.369"`` at 3 places, ``Decimal("87.000") -> "87"``.
    """
    if value == value.to_integral_value():
        return plain(value.quantize(Decimal(1)))
    return plain(round_half_away(value, places))


def unit_suffix(kind: str) -> str:
    """Return the unit written after a number of this kind of claim.

    Parameters
    ----------
    kind : str
        A claim kind (see :data:`sinstats.analyses.claims.KINDS`).

    Returns
    -------
    str
        ``"%"`` for shares and percent changes, ``" per 100,000"`` for rates, else ``""``.
    """
    return _UNIT_SUFFIXES.get(kind, "")


def signed(text: str, value: Decimal, kind: str) -> str:
    """Prefix ``+`` to a positive change (``percent_change`` and ``difference`` claims).

    Parameters
    ----------
    text : str
        The number as already written.
    value : decimal.Decimal
        The number itself (its sign decides).
    kind : str
        The claim's kind.

    Returns
    -------
    str
    """
    return "+" + text if kind in _SIGNED_KINDS and value > 0 else text


def display(value: Decimal, kind: str, qualifier: str | None) -> str:
    """Write a published number with its sign, unit and qualifier.

    Parameters
    ----------
    value : decimal.Decimal
        The number as published.
    kind : str
        The claim's kind: a change is signed, a share or change has ``%``, a rate
        ``per 100,000``.
    qualifier : str or None
        ``"over"``, ``"under"`` or ``"about"``, written first.

    Returns
    -------
    str
        ``-21%``, ``over 150``, ``+87``.
    """
    text = signed(plain(value), value, kind) + unit_suffix(kind)
    return f"{qualifier} {text}" if qualifier else text


def json_number(value: float | Decimal | None, places: int = JSON_PLACES) -> float | None:
    """Round a number for the JSON output (half away from zero).

    Parameters
    ----------
    value : float, Decimal or None
    places : int, default 6

    Returns
    -------
    float or None
        None for a missing or infinite value (JSON has no infinity).
    """
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return float(round_half_away(value, places))


def significant(value: float | None, digits: int = 4) -> float | None:
    """Round to ``digits`` significant digits (p-values in the JSON output).

    Parameters
    ----------
    value : float or None
    digits : int, default 4

    Returns
    -------
    float or None
        None for a missing or infinite value.
    """
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def fixed(value: float | Decimal | None, places: int) -> str:
    """Write an interval limit for the text outputs, rounded half away from zero.

    Parameters
    ----------
    value : float, Decimal or None
    places : int

    Returns
    -------
    str
        ``"-"`` when missing, ``"inf"``/``"-inf"`` for an infinite limit.
    """
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return plain(round_half_away(value, places))
