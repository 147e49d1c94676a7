"""Tests for sinstats.stats.segmented against R (tests/reference/segmented_trends.R).

The reference values were computed by R's own glm and MASS::glm.nb from the shipped CSV files
(tests/reference/segmented_trends.R, the call beside each value in segmented_trends.csv). Here
the same model is fitted by sinstats from the same files, read through sinstats.data, so the test
also checks the data path: the ONS mid-Y population for the year starting in April of Y, 2025-26
on mid-2024 (carried forward), 2017-18 left out.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats import data
from sinstats.errors import ParameterError
from sinstats.stats.segmented import (
    SegmentedResult,
    describe_segmented,
    fit_segmented,
    segmented_table,
)

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "segmented_trends.csv"


def _reference() -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with REFERENCE.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["model"], {})[row["quantity"]] = float(row["value"])
    return out


REF = _reference()


def _series() -> tuple[list[str], list[int], list[float]]:
    s = data.published_series("Total", start="2014-15")
    s = s[s["count"].notna()]
    periods = s["period"].tolist()
    pops = [data.population(p).value for p in periods]
    return periods, s["count"].astype(int).tolist(), pops


PERIODS, COUNTS, POPS = _series()

# name in the R file -> (steps, events, family, periods used)
MODELS = {
    "segmented_quasipoisson": ({"dfe": "2018-19"}, {}, "quasipoisson", None),
    "segmented_poisson": ({"dfe": "2018-19"}, {}, "poisson", None),
    "segmented_negbin": ({"dfe": "2018-19"}, {}, "negbin", None),
    "dfe_only_quasipoisson": ({}, {}, "quasipoisson", "2018-19"),
    "pandemic_quasipoisson": ({"dfe": "2018-19"}, {"pandemic": ["2020-21"]}, "quasipoisson", None),
    "pandemic2_quasipoisson": (
        {"dfe": "2018-19"},
        {"pandemic2": ["2020-21", "2021-22"]},
        "quasipoisson",
        None,
    ),
    "single_slope_quasipoisson": ({}, {}, "quasipoisson", None),
}


def _fit(model: str) -> SegmentedResult:
    steps, events, family, start = MODELS[model]
    keep = [i for i, p in enumerate(PERIODS) if start is None or p >= start]
    return fit_segmented(
        [PERIODS[i] for i in keep],
        [COUNTS[i] for i in keep],
        [POPS[i] for i in keep],
        steps=steps,
        events=events,
        family=family,
    )


def test_the_data_path_is_the_one_r_used() -> None:
    assert len(PERIODS) == 11 and "2017-18" not in PERIODS
    assert PERIODS[0] == "2014-15" and PERIODS[-1] == "2025-26"
    assert data.population("2025-26").mid_year == 2024  # carried forward, as the R file does
    assert data.population("2018-19").mid_year == 2018


@pytest.mark.parametrize("model", sorted(MODELS))
def test_fit_matches_r(model: str) -> None:
    ref = REF[model]
    r = _fit(model)
    assert r.intercept == pytest.approx(ref["intercept"], abs=1e-6)
    assert r.df_resid == int(ref["df_resid"])
    assert r.dispersion == pytest.approx(ref["dispersion"], abs=1e-6)
    assert r.deviance == pytest.approx(ref["deviance"], abs=1e-6)
    r_names = {"slope": "t"}
    for term in r.terms:
        name = r_names.get(term.name, term.name)
        assert term.coef == pytest.approx(ref[f"{name}.coef"], abs=1e-6), name
        assert term.se == pytest.approx(ref[f"{name}.se"], abs=1e-6), name
        assert term.rate_ratio.estimate == pytest.approx(ref[f"{name}.rate_ratio"], abs=1e-6)
        assert term.rate_ratio.lower == pytest.approx(ref[f"{name}.lower"], abs=1e-6), name
        assert term.rate_ratio.upper == pytest.approx(ref[f"{name}.upper"], abs=1e-6), name
        assert term.p_value == pytest.approx(ref[f"{name}.p"], abs=1e-6), name
    if "theta" in ref:
        assert r.theta == pytest.approx(ref["theta"], abs=1e-3)
        assert r.aic == pytest.approx(ref["aic"], abs=1e-6)
    assert r.reference == (f"t({r.df_resid})" if r.family == "quasipoisson" else "normal")


def test_quasipoisson_is_poisson_with_scaled_errors_and_t() -> None:
    q, p = _fit("segmented_quasipoisson"), _fit("segmented_poisson")
    for tq, tp in zip(q.terms, p.terms, strict=True):
        assert tq.coef == pytest.approx(tp.coef, rel=1e-12)
        assert tq.se == pytest.approx(tp.se * math.sqrt(q.dispersion), rel=1e-10)
    assert q.loglik != q.loglik and q.aic != q.aic  # nan: no likelihood


def test_fitted_counts_follow_the_model() -> None:
    r = _fit("segmented_quasipoisson")
    t = np.array([int(p[:4]) - 2014 for p in r.periods], dtype=float)
    dfe = (t >= 4).astype(float)
    eta = r.intercept + r.slope.coef * t + r.term("dfe").coef * dfe + np.log(POPS)
    assert np.allclose(r.fitted, np.exp(eta), rtol=1e-9)
    assert r.origin == pytest.approx(2014.75)


def test_an_event_fitted_to_one_year_absorbs_it() -> None:
    r = _fit("pandemic_quasipoisson")
    i = r.periods.index("2020-21")
    assert r.fitted[i] == pytest.approx(COUNTS[i], rel=1e-8)


def test_table_has_slope_step_event_dispersion_and_df_for_every_model() -> None:
    fits = {m: _fit(m) for m in MODELS}
    table = segmented_table(fits, step="dfe", event="pandemic")
    assert list(table["label"]) == list(MODELS)
    row = table.set_index("label").loc["segmented_quasipoisson"]
    assert row["slope"] == pytest.approx(REF["segmented_quasipoisson"]["t.rate_ratio"], abs=1e-9)
    assert row["step_upper"] == pytest.approx(REF["segmented_quasipoisson"]["dfe.upper"], abs=1e-9)
    assert math.isnan(row["event"])  # this model has no pandemic term
    assert table.set_index("label").loc["pandemic_quasipoisson", "event"] == pytest.approx(
        REF["pandemic_quasipoisson"]["pandemic.rate_ratio"], abs=1e-9
    )
    assert math.isnan(table.set_index("label").loc["dfe_only_quasipoisson", "step"])
    for col in ("df_resid", "dispersion", "method", "conf_level", "note"):
        assert table[col].notna().all()


def test_description_gives_slope_and_step_with_intervals() -> None:
    r = _fit("segmented_quasipoisson")
    text = describe_segmented(r, step="dfe")
    ref = REF["segmented_quasipoisson"]
    slope = 100 * (ref["t.rate_ratio"] - 1)
    assert f"{slope:+.1f}% a year" in text
    assert f"x{ref['dfe.rate_ratio']:.2f}" in text and f"x{ref['dfe.lower']:.2f}" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": {"s": "2030-31"}}, "no period from it"),
        ({"steps": {"s": "2010-11"}}, "no period before it"),
        ({"events": {"e": ["2017-18"]}}, "not among the periods fitted"),
        ({"events": {"e": []}}, "is empty"),
        ({"events": {"e": "2020-21"}}, "must be a list"),
        ({"steps": {"s": "banana"}}, "is not a period"),
        ({"family": "gaussian"}, "family"),
        ({"steps": {"a": "2018-19", "b": "2018-19"}}, "cannot be told apart"),
    ],
)
def test_bad_terms_are_refused_naming_them(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        fit_segmented(PERIODS, COUNTS, POPS, **kwargs)  # type: ignore[arg-type]


def test_too_few_periods_for_the_coefficients() -> None:
    with pytest.raises(ParameterError, match="at least one more period"):
        fit_segmented(PERIODS[2:5], COUNTS[2:5], steps={"s": "2018-19"})


def test_number_periods_and_steps() -> None:
    years = [int(p[:4]) for p in PERIODS]
    r = fit_segmented(years, COUNTS, POPS, steps={"dfe": 2018})
    assert r.term("dfe").coef == pytest.approx(REF["segmented_quasipoisson"]["dfe.coef"], abs=1e-6)
    with pytest.raises(ParameterError, match="is not a number"):
        fit_segmented(years, COUNTS, POPS, steps={"dfe": "2018-19"})


def test_table_refuses_other_records() -> None:
    with pytest.raises(ParameterError, match="not a SegmentedResult"):
        segmented_table([object()])  # type: ignore[list-item]
    unlabelled = segmented_table([_fit("segmented_poisson")])
    assert list(unlabelled["label"]) == ["model 1"]


@settings(max_examples=60)
@given(
    level=st.floats(min_value=2.0, max_value=9.0),
    slope=st.floats(min_value=-0.3, max_value=0.3),
    step=st.floats(min_value=-1.0, max_value=1.0),
)
def test_noise_free_counts_recover_slope_and_step(level: float, slope: float, step: float) -> None:
    """Counts lying on the model (to rounding) give back its slope and step."""
    t = np.arange(10.0)
    mu = np.exp(level + slope * t + step * (t >= 5)) * 1000
    r = fit_segmented(t.tolist(), np.round(mu).tolist(), steps={"s": 5.0}, family="poisson")
    assert r.slope.coef == pytest.approx(slope, abs=2e-3)
    assert r.term("s").coef == pytest.approx(step, abs=1e-2)
    assert r.slope.rate_ratio.lower <= r.slope.rate_ratio.estimate <= r.slope.rate_ratio.upper


def test_result_table_is_tidy() -> None:
    table = segmented_table({"a": _fit("segmented_negbin")})
    assert isinstance(table, pd.DataFrame) and table.loc[0, "theta"] > 0
