"""Numbers in words."""

from __future__ import annotations

import math

import pytest

from sinstats.present import words


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"), (13, "13th"),
     (21, "21st"), (22, "22nd"), (101, "101st"), (111, "111th")],
)  # fmt: skip
def test_ordinal(n: int, expected: str) -> None:
    assert words.ordinal(n) == expected


def test_numbers() -> None:
    assert words.count_text(1234.0) == "1,234"
    assert words.count_text(math.nan) == "not published"
    assert words.number_text(2.345, 2) == "2.35"  # round-half-even on the binary value
    assert words.number_text(math.nan) == "-"
    assert words.number_text(math.inf) == "infinite"
    assert words.interval_text(0.9077, 1.2293, 2, sep="-") == "0.91-1.23"
    assert words.level_text(0.95) == "95%" and words.level_text(0.998) == "99.8%"


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.4948, "p = 0.49"),
        (0.0042, "p = 0.004"),
        (0.0004, "p < 0.001"),
        (math.nan, "p not available"),
    ],
)
def test_p_text(p: float, expected: str) -> None:
    assert words.p_text(p) == expected


def test_join_words() -> None:
    assert words.join_words([]) == ""
    assert words.join_words(["a"]) == "a"
    assert words.join_words(["a", "b"]) == "a and b"
    assert words.join_words(["a", "b", "c"]) == "a, b and c"


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0.0005016, "0.0005"), (0.86123, "0.8612"), (0.05, "0.05"), (1.0, "1"), (0.99999, "1"),
     (3.2e-06, "3.2e-06"), (0.0001, "0.0001")],
)  # fmt: skip
def test_p_number(p: float, expected: str) -> None:
    assert words.p_number(p) == expected


def test_trimmed() -> None:
    assert words.trimmed(0.05000000000000004) == "0.05"
    assert words.trimmed(95.0) == "95" and words.trimmed(99.8) == "99.8"
    assert words.trimmed(12.34567, 2) == "12.35"
