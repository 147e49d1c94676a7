"""Tests for sinstats.stats.uncertainty.observed: the published figure."""

from __future__ import annotations

from typing import Any

import pytest

from sinstats.errors import ParameterError
from sinstats.stats import uncertainty as u


def test_observed_from_loader_row() -> None:
    from sinstats import data

    panel = data.load("panel_notifications")
    row = panel[
        (panel["period"] == "2021")
        & (panel["category"] == "Child death")
        & (panel["measure"] == "number_notifications")
    ].iloc[0]
    obs = u.observed_from_row(row)
    assert (obs.value, obs.qualifier, obs.rounded_to) == (150.0, "over", 0)
    assert obs.describe() == "over 150"
    assert u.observed_from_row({"value": float("nan"), "rounded_to": 0}).suppressed


@pytest.mark.parametrize(
    "kwargs",
    [
        {"value": 150, "qualifier": "about"},
        {"value": 150, "qualifier": "over", "rounded_to": 10},
        {"value": 30, "rounded_to": -10},
        {"value": None, "suppressed_range": (5, 1)},
        {"value": 33, "rounded_to": 10},  # a figure rounded to 10 must be a multiple of 10
    ],
)
def test_observed_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ParameterError):
        u.Observed(**kwargs)
