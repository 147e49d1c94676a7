"""Funnel plots: the overdispersion check's degrees of freedom, multiplicative limits, and the
interpolated limits a funnel is drawn with.

References: base R on the shipped regional counts (tests/reference/funnel_overdispersion.R, the
call beside each value in funnel_overdispersion.csv).
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats.analyses import areas
from sinstats.errors import ParameterError
from sinstats.present.plots import funnel_plot
from sinstats.stats import funnel

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "funnel_overdispersion.csv"


def _reference() -> dict[tuple[str, str, str], float]:
    with REFERENCE.open(encoding="utf-8") as fh:
        return {
            (r["year"], r["case"], r["quantity"]): float(r["value"]) for r in csv.DictReader(fh)
        }


REF = _reference()
YEARS = ("2024-25", "2025-26")


def _regions(year: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    t = areas.area_table(year).table
    target = areas.england_rate(year)
    e = t["population"].to_numpy(dtype=float) * target / 1e5
    return t["count"].to_numpy(dtype=int), e, t["area_name"].astype(str).tolist()


@pytest.mark.parametrize("year", YEARS)
def test_check_with_an_external_target_has_k_degrees_of_freedom(year: str) -> None:
    o, e, _ = _regions(year)
    external = funnel.funnel_overdispersion(o, e, target_estimated=False)
    assert external.df == len(o) == int(REF[(year, "external", "df")])
    assert external.phi == pytest.approx(REF[(year, "external", "phi")], abs=1e-9)
    assert external.p_value == pytest.approx(REF[(year, "external", "p_value")], abs=1e-9)
    assert external.tau2 == pytest.approx(REF[(year, "external", "tau2")], abs=1e-9)
    pooled = funnel.funnel_overdispersion(o, e)  # the default: a target pooled from the units
    assert pooled.df == len(o) - 1
    assert pooled.p_value == pytest.approx(REF[(year, "pooled", "p_value")], abs=1e-9)
    assert pooled.tau2 == pytest.approx(REF[(year, "pooled", "tau2")], abs=1e-9)


@pytest.mark.parametrize("year", YEARS)
def test_notebook_05_uses_the_external_degrees_of_freedom(year: str) -> None:
    data_areas = areas.area_table(year)
    _, check = areas.funnel_result(data_areas, year)
    assert check is not None and check.df == len(data_areas.table)
    assert check.p_value == pytest.approx(REF[(year, "external", "p_value")], abs=1e-9)


@pytest.mark.parametrize("year", YEARS)
def test_multiplicative_limits_match_r(year: str) -> None:
    o, e, names = _regions(year)
    phi = REF[(year, "external", "phi")]
    for level in (0.95, 0.998):
        lo, hi = funnel.multiplicative_limits(e, phi, level)
        for i, name in enumerate(names):
            assert lo[i] == pytest.approx(
                REF[(year, name, f"multiplicative_lower_{level:g}")], abs=1e-9
            )
            assert hi[i] == pytest.approx(
                REF[(year, name, f"multiplicative_upper_{level:g}")], abs=1e-9
            )


def test_overdispersion_table_sets_three_models_side_by_side() -> None:
    data_areas = areas.area_table("2025-26")
    table = areas.overdispersion_table(data_areas, "2025-26")
    assert list(table["adjustment"].unique()) == list(areas.ADJUSTMENTS.values())
    assert set(table["df"]) == {4}
    mult = table[table["adjustment"].str.startswith("multiplicative")]
    name = "North East"
    assert float(mult.loc[mult["area"] == name, "upper_99.8"].iloc[0]) == pytest.approx(
        REF[("2025-26", name, "multiplicative_upper_0.998")], abs=1e-9
    )
    poisson = table[table["adjustment"].str.startswith("Poisson")]
    # Widened limits never flag more: a unit within the Poisson limits stays within them.
    for adjusted in ("multiplicative", "additive"):
        rows = table[table["adjustment"].str.startswith(adjusted)]
        for p_flag, a_flag in zip(poisson["flag"], rows["flag"], strict=True):
            assert p_flag != "within" or a_flag == "within"
    assert len(areas.overdispersion_display(table)) == len(table)
    few = areas.Areas(data_areas.table.iloc[:2], data_areas.level, data_areas.official)
    assert areas.overdispersion_table(few, "2025-26").empty


def test_funnel_table_multiplicative_option() -> None:
    o = [20, 70, 30, 20, 41]
    e = [15.0, 45.0, 33.0, 29.0, 30.0]
    table = funnel.funnel_table(o, e, denominator="expected", overdispersion="multiplicative",
                                target=1.0)  # fmt: skip
    check = funnel.funnel_overdispersion(o, e, target_estimated=False)
    assert (table["method"] == "multiplicative").all() and check.phi > 1
    lo, hi = funnel.multiplicative_limits(np.array(e), check.phi, 0.998)
    np.testing.assert_allclose(table["count_upper_99.8"], hi)
    assert table.attrs["funnel"]["draw_method"] == "multiplicative"
    assert "widened by sqrt(phi)" in table["note"].iloc[0] and "on 5 df" in table["note"].iloc[0]
    calm = funnel.funnel_table([30, 31, 29], [30.0] * 3, denominator="expected",
                               overdispersion="multiplicative")  # fmt: skip
    assert (calm["method"] == "exact").all() and "phi <= 1" in calm["note"].iloc[0]


def test_multiplicative_limits_refuse_bad_arguments() -> None:
    with pytest.raises(ParameterError, match="phi"):
        funnel.multiplicative_limits([10.0], -1.0)
    with pytest.raises(ParameterError, match="expected"):
        funnel.multiplicative_limits([0.0], 2.0)


@settings(max_examples=100)
@given(
    e=st.floats(min_value=1.0, max_value=5000.0),
    phi=st.floats(min_value=1.0, max_value=30.0),
    level=st.sampled_from([0.95, 0.998]),
)
def test_multiplicative_limits_contain_the_sqrt_scale_poisson_ones(
    e: float, phi: float, level: float
) -> None:
    lo, hi = funnel.multiplicative_limits([e], phi, level)
    plo, phi_ = funnel.additive_limits([e], 0.0, level)  # tau2 = 0: the Poisson sqrt-scale limits
    assert lo[0] <= plo[0] + 1e-9 and hi[0] >= phi_[0] - 1e-9


def test_funnel_is_drawn_with_interpolated_limits_and_flagged_with_exact_ones() -> None:
    """The exact limits are a step function of the expected count; the drawn curves are smooth."""
    o = [3, 9, 14, 30, 60]
    pop = [20_000.0, 55_000.0, 90_000.0, 200_000.0, 420_000.0]
    table = funnel.funnel_table(o, pop, rate_per=1e5, target=13.0)
    assert table.attrs["funnel"]["method"] == "exact"
    assert table.attrs["funnel"]["draw_method"] == "interpolated"
    exact = funnel.funnel_limits(np.array(pop) * 13.0 / 1e5, 0.998, "exact")
    np.testing.assert_array_equal(table["count_upper_99.8"], exact[1])  # flags: exact limits
    fig, ax = plt.subplots()
    funnel_plot(table, ax=ax)
    curves = [line for line in ax.get_lines() if len(line.get_xdata()) > 100]
    assert len(curves) == 4  # lower and upper at two levels
    x = np.asarray(curves[-1].get_xdata(), dtype=float)
    y = np.asarray(curves[-1].get_ydata(), dtype=float)  # the upper 99.8% curve (rate scale)
    _, interp_hi = funnel.funnel_limits(x * 13.0 / 1e5, 0.998, "interpolated")
    np.testing.assert_allclose(y, interp_hi / x * 1e5, rtol=1e-12)
    # Continuous: on a fine grid the drawn (interpolated) limit never jumps, while the exact
    # limit jumps by a whole count, the sawtooth the plot avoids.
    fine = np.linspace(10.0, 11.0, 20_001)
    _, smooth = funnel.funnel_limits(fine, 0.998, "interpolated")
    _, steps = funnel.funnel_limits(fine, 0.998, "exact")
    assert np.max(np.abs(np.diff(smooth))) < 1e-3
    assert np.max(np.abs(np.diff(steps))) == 1.0
    plt.close(fig)


def test_chart_and_sentence_say_which_areas_are_shown() -> None:
    data_areas = areas.area_table("2025-26")
    table, check = areas.funnel_result(data_areas, "2025-26")
    chart = areas.funnel_chart(table, data_areas, "2025-26")
    texts = " ".join(t.get_text() for t in chart.figure.axes[0].texts)
    assert "Only the 4 of England's 9 regions with published counts are shown" in texts
    assert "rounded to the nearest 10" in texts and "rounded to the nearest 10" in chart.alt
    sentence = areas.funnel_sentence(table, check, data_areas)
    assert sentence.startswith("Only the 4 of England's 9 regions")
    assert "on 4 df because England's rate is a target from outside the areas" in sentence
    assert "interpolated" in sentence
    plt.close(chart.figure)
