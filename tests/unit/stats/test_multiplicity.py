"""Tests for sinstats.stats.multiplicity: R's p.adjust, and the properties every adjustment keeps.

The reference values are R's ``p.adjust`` (tests/reference/multiplicity_and_changes.R; the call
beside each value in p_adjust.csv).
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats.errors import ParameterError
from sinstats.stats.multiplicity import ADJUST_METHODS, adjust_p_values

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "p_adjust.csv"


def _families() -> dict[tuple[int, str], list[tuple[float, float]]]:
    out: dict[tuple[int, str], list[tuple[float, float]]] = defaultdict(list)
    with REFERENCE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            raw = math.nan if row["raw"].strip() == "NA" else float(row["raw"])
            adj = math.nan if row["adjusted"].strip() == "NA" else float(row["adjusted"])
            out[(int(row["family"]), row["method"])].append((raw, adj))
    return out


FAMILIES = _families()


@pytest.mark.parametrize("key", sorted(FAMILIES))
def test_matches_r_p_adjust(key: tuple[int, str]) -> None:
    _, method = key
    raw = [r for r, _ in FAMILIES[key]]
    expected = [a for _, a in FAMILIES[key]]
    got = adjust_p_values(raw, method)
    assert np.allclose(got.p_values, expected, atol=1e-6, equal_nan=True)
    assert got.n == sum(not math.isnan(r) for r in raw)


def test_none_leaves_the_values_and_the_note_says_so() -> None:
    got = adjust_p_values([0.2, 0.01], "none")
    assert got.p_values.tolist() == [0.2, 0.01]
    assert "no adjustment" in got.note
    assert (
        "Holm" in adjust_p_values([0.2, 0.01]).note
        and "2 tests" in adjust_p_values([0.2, 0.01]).note
    )


@pytest.mark.parametrize(
    ("values", "method", "message"),
    [
        ([0.1, 1.2], "holm", r"p_values\[1\] = 1.2 is not a p-value"),
        ([-0.1], "bh", "not a p-value"),
        ([math.inf], "holm", "not a p-value"),
        ([0.1], "bonferroni", "adjust"),
        (["a"], "holm", "is not a number"),
    ],
)
def test_bad_input_is_refused(values: list[object], method: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        adjust_p_values(values, method)


def test_empty_and_all_missing_families() -> None:
    assert adjust_p_values([], "holm").n == 0
    got = adjust_p_values([math.nan, math.nan], "bh")
    assert got.n == 0 and np.isnan(got.p_values).all()


p_lists = st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=30)


@settings(max_examples=300)
@given(p=p_lists, method=st.sampled_from(sorted(ADJUST_METHODS)))
def test_adjusted_never_below_raw_and_monotone_in_the_raw_order(
    p: list[float], method: str
) -> None:
    raw = np.array(p)
    adj = adjust_p_values(raw, method).p_values
    assert np.all(adj >= raw - 1e-15)
    assert np.all(adj <= 1.0)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(adj[order]) >= -1e-15)  # a smaller raw p never gets a larger adjusted p


@settings(max_examples=200)
@given(p=p_lists)
def test_holm_is_at_least_bh(p: list[float]) -> None:
    """Holm (family-wise) is never less strict than BH (false discovery rate)."""
    holm = adjust_p_values(p, "holm").p_values
    bh = adjust_p_values(p, "bh").p_values
    assert np.all(holm >= bh - 1e-15)
