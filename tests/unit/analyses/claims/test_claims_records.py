"""The typed records of a verification and their JSON form.

Mirrors :mod:`sinstats.analyses.claims.records`.
"""

from __future__ import annotations

import math

from sinstats import data
from sinstats.analyses import claims

Results = list[claims.ClaimResult]
ById = dict[str, claims.ClaimResult]


def held(**changes: object) -> data.Figure:
    fig = data.figure("panel_notifications", "2021")
    return fig._replace(**changes)


def test_figure_used_holds_the_data_figure(by_id: ById) -> None:
    fall = by_id["panel-2021-fall-21pc"]
    num, den = fall.figures
    assert (num.role, den.role) == ("numerator", "denominator")
    assert isinstance(num.figure, data.Figure)
    assert num.figure == data.figure("panel_notifications", "2021")
    assert num.available and num.value_text() == "379" and num.shown() == "379"


def test_figure_used_shows_bounds_rounding_and_gaps() -> None:
    bound = claims.FigureUsed("numerator", held(value=150.0, qualifier="over"))
    assert bound.shown() == "over 150"
    rounded = claims.FigureUsed("numerator", held(value=30.0, rounded_to=10))
    assert rounded.shown() == "30 (nearest 10)"
    suppressed = claims.FigureUsed("numerator", held(value=math.nan, status="c"))
    assert not suppressed.available and suppressed.shown() == "[c]"
    assert suppressed.to_dict()["value"] is None and suppressed.to_dict()["status"] == "c"
    infinite = claims.FigureUsed("numerator", held(value=math.inf))
    assert not infinite.available and infinite.shown() == "[missing]"


def test_figure_used_json_record() -> None:
    fig = held(value=1 / 3)
    record = claims.FigureUsed("denominator", fig).to_dict()
    assert record["role"] == "denominator" and record["value"] == 0.333333
    for name in ("dataset", "period", "period_label", "category", "measure", "area", "unit"):
        assert record[name] == getattr(fig, name)
    # The publisher is named (every format names each figure's source); note and origin stay out.
    assert record["publisher"] == fig.publisher and record["source_url"] == fig.source_url
    assert not {"note", "origin"} & set(record)
    assert record["period_words"] == "2021, January to December 2021 (calendar year)"


def test_claim_result_and_model_records(by_id: ById, results: Results) -> None:
    r = by_id["panel-2021-150-children-died"]
    assert r.model is not None
    model = r.model.to_dict()
    assert model["target"] == "deaths_maltreatment_or_assault" and model["conf_level"] == 0.95
    assert model["lower"] < model["central"] < model["upper"]
    record = r.to_dict()
    assert record["model_interval"] == model and record["expect_met"] is True
    assert record["interval"]["method"] == "exact Poisson (Garwood)"
    counts = claims.summary(results)
    assert isinstance(counts, claims.VerdictCounts)
    assert counts.claims == len(results) == counts.reproduces + counts.differs + counts.cannot_check
    assert counts.to_dict() == {
        "claims": counts.claims,
        "reproduces": counts.reproduces,
        "differs": 1,
        "cannot check": counts.cannot_check,
    }
