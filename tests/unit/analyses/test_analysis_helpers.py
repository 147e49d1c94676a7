"""The primitives the notebook modules share (sinstats.analyses._helpers)."""

from __future__ import annotations

import math

import pytest

from sinstats import data
from sinstats.analyses import _helpers
from sinstats.errors import PeriodError
from sinstats.stats import intervals


def test_published_count_is_the_figure_and_its_source() -> None:
    frame = data.load("sin_national")
    value, source = _helpers.published_count("2025-26", "Total", frame)
    fig = data.count("2025-26", "Total", frame=frame)
    assert (value, source) == (fig.value, fig.source_id) and source


def test_a_year_never_published_is_nan_without_a_source() -> None:
    value, source = _helpers.published_count("2017-18", "Total", data.load("sin_national"))
    assert math.isnan(value) and source == ""


def test_count_and_rate_gives_the_columns_of_a_row_in_order() -> None:
    pop = data.population("2025-26")
    fields = _helpers.count_and_rate(357.0, pop, 0.95, "exact")
    assert list(fields) == [
        "count",
        "lower",
        "upper",
        "population",
        "population_mid_year",
        "rate",
        "rate_lower",
        "rate_upper",
    ]
    ci = intervals.poisson_ci(357, 0.95, "exact")
    assert (fields["lower"], fields["upper"]) == (float(ci.lower), float(ci.upper))
    assert fields["rate"] == pytest.approx(357 / pop.value * data.PER, rel=1e-12)
    assert fields["rate_lower"] == pytest.approx(fields["lower"] / pop.value * data.PER)
    assert fields["population_mid_year"] == pop.mid_year


def test_count_and_rate_of_a_missing_count_is_missing() -> None:
    fields = _helpers.count_and_rate(math.nan, data.population("2025-26"), 0.95, "exact")
    assert all(math.isnan(fields[k]) for k in ("count", "lower", "upper", "rate", "rate_upper"))
    assert fields["population"] > 0


def test_count_and_rate_checks_its_method() -> None:
    with pytest.raises(ValueError, match="method"):
        _helpers.count_and_rate(10.0, data.population("2025-26"), 0.95, "nonsense")


def test_previous_year() -> None:
    assert _helpers.previous_year("2026").id == "2024-25"
    assert _helpers.previous_year(2019).id == "2017-18"
    with pytest.raises(PeriodError):
        _helpers.previous_year("not a year")
