"""The modules behind notebooks 03 to 06: measure, panel, areas and verification."""

from __future__ import annotations

import math

import pytest

from sinstats import data
from sinstats.analyses import areas, measure, panel, verification
from sinstats.errors import NoDataError, ParameterError
from sinstats.present import plots


def test_measure_model_starts_from_the_published_figure() -> None:
    model = measure.load_model("2026", "deaths_maltreatment_or_assault")
    assert model.figure.value == data.count("2026", "Child death").value == 160
    assert model.observed.value == 160 and model.observed.rounded_to == 0
    with pytest.raises(NoDataError):
        measure.load_model("2018-19", "deaths_maltreatment_or_assault")


def test_measure_comparison_and_conclusion() -> None:
    model = measure.load_model("2026", "deaths_maltreatment_or_assault")
    result = measure.simulate(model, n_draws=20_000, seed=1)
    table = measure.comparison_table(model, result)
    assert table["row"].iloc[0] == "published" and table["row"].iloc[-1] == "total"
    assert table["estimate"].iloc[0] == 160
    assert (table["lower"] <= table["estimate"]).all() and (
        table["estimate"] <= table["upper"]
    ).all()
    lo, hi = result.interval(0.95)
    assert table["lower"].iloc[-1] == lo and hi < 160
    text = measure.conclusion(model, result)
    assert "**160** child death notifications" in text and f"**{result.central:,.0f}**" in text
    again = measure.simulate(model, n_draws=20_000, seed=1)
    assert again.central == result.central  # seeded: same draws


def test_measure_realised_row_switches_chance_off() -> None:
    model = measure.load_model("2026", "deaths_maltreatment_or_assault")
    result = measure.simulate(model, n_draws=20_000, seed=1)
    realised = measure.simulate_realised(model, n_draws=20_000, seed=1)
    assert "chance" not in {c.kind for c in realised.components if c.enabled}
    table = measure.comparison_table(model, result, realised=realised)
    last = table.iloc[-1]
    assert last["row"] == "realised" and last["scope"] == "realised"
    total = table[table["row"] == "total"].iloc[0]
    # The year's own number keeps the binomial split of this year's deaths and the deaths never
    # notified: it is not narrower than the underlying rate (the old model's "chance off" was).
    assert last["upper"] - last["lower"] >= 0.95 * (total["upper"] - total["lower"])
    assert abs(last["estimate"] - total["estimate"]) < 0.1 * total["estimate"]
    assert last["lower"] <= last["estimate"] <= last["upper"]
    assert (last["lower"], last["upper"]) == realised.interval(0.95, "total")


def test_measure_assumptions_are_the_targets_components() -> None:
    model = measure.load_model("2026", "all_notifications")
    table = measure.assumptions_table(model)
    assert set(table["component"]) == {c.name for c in model.target.components}
    assert set(table["rag"]) <= {"red", "amber", "green"}


def test_panel_reconciliation_codes_and_summary() -> None:
    table = panel.reconciliation()
    assert all(isinstance(c, str) and "," not in c.split(", ")[0] for c in table["reason_codes"])
    same = table[(table["panel_period"] == "2022-23") & (table["category"] == "Total")].iloc[0]
    assert (same["panel_value"], same["dfe_value"], same["difference"]) == (393, 456, -63)
    text = panel.summary(table)
    assert "2022-23 total: Panel 393 vs DfE 456" in text
    assert "not independent samples" in text
    chart = panel.comparison_chart(table)
    assert "Panel 2022-23 total 393" in chart.alt
    plots.close(chart)


def test_areas_regional_fragments_and_rounding() -> None:
    result = areas.area_table("2026")
    assert result.level == "Regional" and not result.official
    t = result.table
    ne = t[t["area_name"] == "North East"].iloc[0]
    assert (ne["count"], ne["count_low"], ne["count_high"]) == (30, 25, 34)
    pop = data.population("2026", area="North East").value
    assert ne["rate"] == pytest.approx(30 / pop * 1e5)
    assert ne["rate_low"] == pytest.approx(25 / pop * 1e5)
    assert "Only fragments" in areas.areas_sentence(result, "2025-26")


def test_areas_funnel_uses_englands_rate() -> None:
    result = areas.area_table("2026")
    table, check = areas.funnel_result(result, "2026")
    assert table["target"].iloc[0] == pytest.approx(357 / data.population("2026").value * 1e5)
    assert {"flag", "flag_at_lowest", "flag_at_highest"} <= set(table.columns)
    assert check is not None and check.n == 4
    text = areas.funnel_sentence(table, check)
    assert "Overdispersion check" in text


def test_breakdown_shares_use_the_years_total() -> None:
    table = areas.breakdown_table()
    cla = table[(table["topic"] == "Looked-after child") & (table["period"] == "2025-26")].iloc[0]
    assert cla["count"] == 113 and cla["total"] == 357
    assert cla["percent"] == pytest.approx(100 * 113 / 357)
    assert areas.breakdown_table(end="2019-20").empty


def test_verification_register() -> None:
    table = verification.verify()
    assert table.attrs["claims_file"].endswith("published.yml")
    row = table[table["id"] == "panel-2021-150-children-died"].iloc[0]
    assert row["published_display"] == "over 150"
    text = verification.explanation(table)
    assert "lower bound" in text and "*Model:*" in text
    summary = verification.summary_sentence(table)
    assert summary.startswith(f"Of {len(table)} published claims")
    display = verification.register_display(table)
    assert list(display.columns)[:3] == ["Claim", "Statement", "Published"]
    assert not math.isnan(float(verification.key_figures(table)[0].value or 0))


def test_verification_method_changes_only_count_intervals() -> None:
    exact = verification.verify()
    midp = verification.verify(method="midp")
    counts = exact["kind"] == "count"
    assert (exact.loc[~counts, "lower"].fillna(-1) == midp.loc[~counts, "lower"].fillna(-1)).all()
    assert (exact.loc[counts, "lower"] < midp.loc[counts, "lower"]).all()
    assert (exact["verdict"] == midp["verdict"]).all()


def test_verification_bad_claims_file() -> None:
    with pytest.raises(ParameterError, match="^claims_file"):
        verification.claims_path("/no/such/claims.yml")


def test_measure_displays_for_readers() -> None:
    model = measure.load_model("2026", "deaths_maltreatment_or_assault")
    result = measure.simulate(model, n_draws=5_000, seed=1)
    table = measure.comparison_table(model, result)
    shown = measure.comparison_display(table)
    assert list(shown.columns) == ["What varies", "Estimate", "95% interval", "Note"]
    first = table.iloc[0]
    assert shown["95% interval"].iloc[0] == f"{first['lower']:,.1f} to {first['upper']:,.1f}"
    log = measure.assumptions_display(measure.assumptions_table(model))
    urls = [s for s in log["Source"] if s.startswith("http")]
    assert urls and all("\u200b" in s for s in urls)  # breakable in print, exact in the CSV
    assert all(s.replace("\u200b", "") in set(model.assumptions.log()["source"]) for s in urls)
