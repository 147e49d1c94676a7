"""Rounding half away from zero, in decimal arithmetic, and the number formats.

Mirrors :mod:`sinstats.analyses.claims.rounding`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from sinstats.analyses import claims
from sinstats.analyses.claims import rounding
from sinstats.errors import ParameterError


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2.5, 0, "3"),
        (-2.5, 0, "-3"),
        (3.5, 0, "4"),
        (0.5, 0, "1"),
        (-0.5, 0, "-1"),
        (0.125, 2, "0.13"),  # Python's round(0.125, 2) gives 0.12 (half to even)
        ("0.125", 2, "0.13"),
        (2.675, 2, "2.68"),  # the float is 2.67499999...; taken as written
        (-21.369, 0, "-21"),
        (57.761, 0, "58"),
        (43.2127, 1, "43.2"),
        (-0.4, 0, "0"),  # no negative zero
        (Decimal("1.0005"), 3, "1.001"),
        (7, 2, "7.00"),
    ],
)
def test_round_half_away_from_zero(value: object, decimals: int, expected: str) -> None:
    got = claims.round_half_away(value, decimals)  # type: ignore[arg-type]
    assert str(got) == expected
    assert got == Decimal(expected)


def test_python_round_differs_and_is_not_used() -> None:
    assert round(0.125, 2) == 0.12 and round(2.5) == 2
    assert claims.round_half_away(0.125, 2) == Decimal("0.13")
    assert claims.round_half_away(2.5, 0) == Decimal(3)


@pytest.mark.parametrize(
    ("value", "decimals"), [(1.0, -1), (1.0, 1.5), (float("nan"), 0), ("x", 0), (True, 0)]
)
def test_round_half_away_rejects_bad_input(value: object, decimals: object) -> None:
    with pytest.raises(ValueError):
        claims.round_half_away(value, decimals)  # type: ignore[arg-type]


def test_numbers_are_read_exactly_as_written() -> None:
    assert rounding.to_decimal(0.1) == Decimal("0.1")  # not the binary 0.1000000000000000055...
    assert rounding.to_decimal(7) == Decimal(7) and rounding.to_decimal("1.50") == Decimal("1.50")
    with pytest.raises(TypeError, match="boolean"):
        rounding.to_decimal(True)
    assert [rounding.places_of(Decimal(t)) for t in ("43.20", "150", "0", "1E+2")] == [1, 0, 0, 0]


def test_rounding_errors_name_the_argument() -> None:
    with pytest.raises(ParameterError, match="^decimals must be a whole number"):
        claims.round_half_away(1, -1)
    with pytest.raises(ParameterError, match="^value must be finite"):
        claims.round_half_away(float("inf"), 0)
    with pytest.raises(ParameterError, match="^value must be a number"):
        claims.round_half_away("1,000", 0)


@pytest.mark.parametrize(
    ("value", "kind", "qualifier", "expected"),
    [
        (Decimal(-21), "percent_change", None, "-21%"),
        (Decimal(87), "difference", None, "+87"),
        (Decimal(14), "percent_change", "about", "about +14%"),
        (Decimal(150), "count", "over", "over 150"),
        (Decimal("43.2"), "share", None, "43.2%"),
        (Decimal("2.9"), "rate", None, "2.9 per 100,000"),
        (Decimal("1.07"), "ratio", None, "1.07"),
        (Decimal("-0"), "difference", None, "0"),
    ],
)
def test_display(value: Decimal, kind: str, qualifier: str | None, expected: str) -> None:
    assert rounding.display(value, kind, qualifier) == expected


def test_output_number_formats() -> None:
    assert rounding.plain(Decimal("1E+2")) == "100" and rounding.plain(Decimal("-0.0")) == "0.0"
    assert rounding.brief(Decimal("-21.3692946"), 3) == "-21.369"
    assert rounding.brief(Decimal("87.000"), 3) == "87"
    assert rounding.json_number(Decimal("0.12345650")) == 0.123457
    assert rounding.json_number(None) is None
    assert rounding.json_number(float("inf")) is None
    assert rounding.json_number(Decimal("NaN")) is None
    assert rounding.significant(0.00050163) == 0.0005016
    assert rounding.significant(None) is None and rounding.significant(float("nan")) is None
    assert rounding.fixed(None, 1) == "-" and rounding.fixed(2.25, 1) == "2.3"
    assert rounding.fixed(float("inf"), 1) == "inf" and rounding.fixed(-float("inf"), 1) == "-inf"
    assert rounding.unit_suffix("count") == "" and rounding.unit_suffix("rate") == " per 100,000"
