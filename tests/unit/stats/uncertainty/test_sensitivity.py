"""Tests for sinstats.stats.uncertainty.sensitivity: the tornado table (and its drawing)."""

from __future__ import annotations

import dataclasses

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sinstats.present import plots
from sinstats.stats import uncertainty as u

SEED = 20260601
N = 200_000
Z4 = 4.0  # standard errors allowed for a Monte Carlo quantity


# Reporting year 2026 (April 2025 - March 2026): 160 child death notifications (DfE, EES).
RY2026_DEATHS = u.Observed(160, label="2025-26 child death notifications")


# Calendar 2021: the Panel's "over 150 children who tragically died".
CAL2021_DEATHS = u.Observed(
    150,
    qualifier="over",
    label="calendar 2021 child deaths (Panel)",
    base="panel",
    dated_by="incident",
)


@pytest.fixture(scope="module")
def tornado_2021(deaths: u.Target) -> pd.DataFrame:
    return u.tornado(CAL2021_DEATHS, deaths, n_draws=40_000, seed=SEED)


def deaths_components(table: pd.DataFrame) -> tuple[u.Component, ...]:
    """The components of the project's deaths target (as the tornado used them)."""
    return u.load_assumptions().target("deaths_maltreatment_or_assault").components


def test_tornado_sorted_and_directional(tornado_2021: pd.DataFrame) -> None:
    table = tornado_2021
    assert list(table["swing"]) == sorted(table["swing"], reverse=True)
    assert "chance" not in set(table["kind"])
    rows = table.set_index("kind")
    # More of the deaths meet the definition -> more deaths; more are notified -> fewer unseen.
    assert "timing" not in set(table["kind"])  # the Panel's count is dated by incident
    for kind, sign in (("definition", 1), ("revision", 1), ("rounding", 1)):
        row = rows.loc[kind]
        for stat in ("central", "lower", "upper"):
            assert sign * (row[f"{stat}_at_high"] - row[f"{stat}_at_low"]) > 0, (kind, stat)
    asc = rows.loc["ascertainment"]
    assert asc["central_at_high"] < asc["base_central"] < asc["central_at_low"]
    # Everything notified (mean share 1): the central value is the notified share alone.
    share = next(c for c in deaths_components(table) if c.kind == "definition")
    assert asc["central_at_high"] == pytest.approx(155 * share.central(), rel=0.05)
    # The base conversion acts on a Panel count through Ofsted's breakdowns: if DfE's extra
    # notifications hold no maltreatment deaths (w = 0), Ofsted's shares map to higher shares
    # on the Panel's base, and the estimate rises.
    base = rows.loc["base"]
    assert (base["low_value"], base["high_value"]) == (0.0, 1.0)
    assert base["central_at_low"] > base["central_at_high"]
    # Rounding: true count pinned at 151 and 159.
    assert (rows.loc["rounding", "low_value"], rows.loc["rounding", "high_value"]) == (151, 159)
    assert rows.loc["definition", "swing"] == table["swing"].max()
    assert {"method", "conf_level", "note"} <= set(table.columns)


def test_tornado_exact_figure_rounding_has_no_swing(deaths: u.Target) -> None:
    table = u.tornado(RY2026_DEATHS, deaths, n_draws=5_000, seed=SEED).set_index("kind")
    assert table.loc["rounding", "swing"] == 0.0
    assert "exact" in table.loc["rounding", "note"]


def test_ascertainment_mean_moves_estimate_monotonically(deaths: u.Target) -> None:
    comp = next(c for c in deaths.components if c.kind == "ascertainment")
    medians = []
    for mean in (0.75, 0.8, 0.85, 0.9, 0.95, 1.0):
        comps = tuple(comp.at(mean) if c is comp else c for c in deaths.components)
        target = dataclasses.replace(deaths, components=comps)
        medians.append(u.simulate(RY2026_DEATHS, target, n_draws=20_000, seed=SEED).median)
    assert all(b < a for a, b in zip(medians, medians[1:], strict=False))


def test_tornado_plot(tornado_2021: pd.DataFrame) -> None:
    ax = plots.tornado_plot(tornado_2021)
    try:
        assert ax.get_title()
        assert "deaths" in ax.get_xlabel()
        assert ax.get_ylabel()
        legend = ax.get_legend()
        assert legend is not None
        assert len(legend.get_texts()) == 4
        bars = [p for p in ax.patches]
        assert len(bars) == 2 * len(tornado_2021)
        assert any(p.get_hatch() for p in bars)  # greyscale-distinguishable
        assert len(ax.get_yticklabels()) == len(tornado_2021)
    finally:
        plt.close(ax.figure)
