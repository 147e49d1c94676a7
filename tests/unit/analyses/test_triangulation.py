"""Tests for notebook 03's triangulation: external evidence adjusted openly, and leave-one-out.

Reference values are recomputed here from the shipped data with the arithmetic the notebook states
(population shares, ages, years), not by calling the functions under test.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sinstats import data
from sinstats.analyses import _triangulation as tri
from sinstats.analyses import measure
from sinstats.errors import DataError


@pytest.fixture(scope="module")
def evidence() -> pd.DataFrame:
    return tri.evidence_table()


@pytest.fixture(scope="module")
def model() -> measure.Model:
    return measure.load_model("2026", "deaths_maltreatment_or_assault")


def _held(source_id: str, measure_name: str, area: str = "") -> float:
    ev = data.load("external_evidence")
    sel = ev[(ev["source_id"] == source_id) & (ev["measure"] == measure_name)]
    if area:
        sel = sel[sel["area_code"] == area]
    return float(sel["value"].iloc[0])


def test_every_estimate_has_a_url_held_in_the_evidence_data(evidence: pd.DataFrame) -> None:
    held = set(data.load("external_evidence")["source_url"])
    assert len(evidence) == 5
    assert set(evidence["url"]) <= held
    assert (evidence["per_year_low"] <= evidence["per_year_high"]).all()


def test_homicide_is_adjusted_to_england_and_ages_0_to_17(evidence: pd.DataFrame) -> None:
    # 2015-16: 38 victims under 16 in England and Wales (ONS), x England's share of under-16s
    # (StatsWales tabulation of ONS mid-2016), x England's 0-17 over under-16 population.
    eng = _held("STATSWALES_MYE", "population_estimate", "E92000001")  # first: mid-2014
    ev = data.load("external_evidence")
    mid16 = ev[(ev["source_id"] == "STATSWALES_MYE") & (ev["period"] == "2016")]
    eng16 = float(mid16.loc[mid16["area_code"] == "E92000001", "value"].iloc[0])
    wal16 = float(mid16.loc[mid16["area_code"] == "W92000004", "value"].iloc[0])
    pop = data.population("2016-17").value  # ONS mid-2016, England, 0 to 17
    expected = 38 * eng16 / (eng16 + wal16) * pop / eng16
    row = evidence[evidence["period"] == "2015-16"].iloc[0]
    assert row["per_year_low"] == pytest.approx(expected, rel=1e-12)
    assert row["published"] == "38" and eng > 0
    assert "assumption rated red" in row["adjustment"]


def test_case_review_studies_are_put_per_year_as_stated(evidence: pd.DataFrame) -> None:
    by = evidence.set_index("estimate")
    # Sidebotham et al. 2011: 276 cases in April 2005 to March 2009, 138 not directly caused.
    assert by.loc["Sidebotham et al. 2011, directly caused", "per_year_low"] == (276 - 138) / 4
    # Brandon et al. 2012: 50 to 55 a year, as published.
    row = by.loc["Brandon et al. 2012, directly caused"]
    assert (row["per_year_low"], row["per_year_high"]) == (50, 55)
    # Sidebotham et al. 2016: 194 notified x (59/112 + 6/126) over 33 months.
    s16 = by.loc["Sidebotham et al. 2016, directly caused", "per_year_low"]
    assert s16 == pytest.approx(194 * (59 / 112 + 6 / 126) / (33 / 12), rel=1e-12)
    assert list(evidence["notified_only"]) == [False, False, False, True, True]


def test_counts_for_a_rounded_percent() -> None:
    assert tri._counts_for_percent(11, 171) == (18, 19)  # 10.5% and 11.1% round to 11
    assert tri._counts_for_percent(21, 190) == (39, 40)  # 20.5% and 21.1%
    with pytest.raises(DataError, match="rounds to"):
        tri._counts_for_percent(50, 1)


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=0, max_value=100))
def test_counts_for_percent_are_exactly_those_that_round_to_it(n: int, pct: int) -> None:
    ks = [k for k in range(n + 1) if math.floor(100 * k / n + 0.5) == pct]
    if not ks:
        with pytest.raises(DataError):
            tri._counts_for_percent(pct, n)
        return
    lo, hi = tri._counts_for_percent(pct, n)
    assert (lo, hi) == (ks[0], ks[-1]) and ks == list(range(lo, hi + 1))


def test_implied_ascertainment_is_a_share_from_the_held_figures() -> None:
    table = tri.implied_ascertainment()
    assert (table["low"] <= table["high"]).all()
    assert ((table["low"] > 0) & (table["high"] <= 1)).all()
    parents = _held("BBC_2017_HOMICIDE", "homicide_victims_killed_by_parent_or_step_parent")
    second = table.iloc[1]
    assert "11% of 171" in second["notified"]
    assert second["high"] > second["low"] and second["low"] > 18 / parents  # England's share < 1


def test_triangulation_table_and_chart(model: measure.Model, evidence: pd.DataFrame) -> None:
    table = tri.triangulation_table(model, evidence, n_draws=4_000, seed=3)
    assert len(table) == len(evidence)
    for r in table.itertuples(index=False):
        assert r.model_lower <= r.model_central <= r.model_upper
        inside = r.model_lower <= r.per_year_low and r.per_year_high <= r.model_upper
        assert r.relation == ("inside" if inside else "outside") + " the model's interval"
    notified = table[table["model_quantity"] == "notified target deaths"]
    assert set(notified["estimate"]) == set(evidence.loc[evidence["notified_only"], "estimate"])
    assert notified["note"].str.contains("ascertainment off").all()
    shown = tri.triangulation_display(table)
    assert list(shown.columns)[0] == "Independent estimate" and len(shown) == len(table)
    chart = tri.triangulation_chart(table, 0.95)
    assert "independent estimates" in chart.alt and "model" in chart.alt


def test_leave_one_out_reports_the_move_of_the_headline(model: measure.Model) -> None:
    table = tri.leave_one_out(model, n_draws=4_000, seed=3)
    assert table["left_out"].iloc[0] == "none" and table["change"].iloc[0] == 0
    assert len(table) >= 3  # the full fit and one row per published breakdown in it
    base = table["central"].iloc[0]
    assert (table["change"] == table["central"] - base).all()
    assert (table["lower"] <= table["central"]).all() and (table["central"] <= table["upper"]).all()
    assert table["note"].iloc[1:].str.contains("left out of the fit").all()
    shown = tri.leave_one_out_display(table)
    assert list(shown.columns) == [
        "Breakdown left out", "Mean share", "Central", "95% interval", "Change in central",
    ]  # fmt: skip
