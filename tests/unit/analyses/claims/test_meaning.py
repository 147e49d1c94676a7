"""Meaning as well as number: the second verdict (sinstats.analyses.claims.meaning)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sinstats import data
from sinstats.analyses import claims
from sinstats.analyses.claims.meaning import DUTY_URL

ClaimFactory = Callable[..., dict[str, Any]]
Writer = Callable[..., Path]

ALMOST_400 = "panel-2021-almost-400-abused"
MISDESCRIBES = "misdescribes: counts notifications of suspected abuse, not children abused"


@pytest.fixture(scope="module")
def register() -> dict[str, claims.ClaimResult]:
    return {r.claim.id: r for r in claims.verify_files()}


def test_almost_400_children_reproduces_but_misdescribes(
    register: dict[str, claims.ClaimResult],
) -> None:
    r = register[ALMOST_400]
    assert r.claim.says == claims.register.Says(counts="children", abuse="proven")
    assert r.verdict == "reproduces" and r.meaning == "misdescribes"
    assert r.label() == f"reproduces, {MISDESCRIBES}"
    assert DUTY_URL in r.meaning_sources  # the notification guidance: "known or suspected"
    # Every format says it, with the register's explanation.
    results = [r]
    assert f"verdict: reproduces, {MISDESCRIBES}" in claims.to_table(results)
    md = claims.to_markdown(results)
    assert f"**reproduces**, {MISDESCRIBES}" in md
    assert "counts notifications (incidents), not children" in md  # the explanation
    doc = json.loads(claims.to_json(results))["claims"][0]
    assert doc["meaning"]["verdict"] == "misdescribes"
    assert doc["meaning"]["says"] == {"counts": "children", "abuse": "proven"}
    row = claims.verify_table(results).iloc[0]
    assert row["verdict_label"] == f"reproduces, {MISDESCRIBES}"


def test_the_same_figure_described_as_notifications_describes(
    register: dict[str, claims.ClaimResult],
) -> None:
    r = register["panel-2021-notifications"]
    assert r.meaning == "describes"
    assert r.meaning_text == "counts notifications of suspected abuse"


def test_children_who_died_describes_death_notifications(
    register: dict[str, claims.ClaimResult],
) -> None:
    # DfE: "Where child death is the reason for notification, each notification relates to one
    # child", so children who died where abuse was known or suspected is what the figure counts.
    r = register["panel-2021-150-children-died"]
    assert r.meaning == "describes" and r.not_a_test


@pytest.mark.parametrize(
    ("says", "numerator", "verdict", "text"),
    [
        # Died of abuse is not what a death notification counts.
        (
            {"counts": "children", "deaths": "caused_by_abuse"},
            {"dataset": "panel_notifications", "period": "2021", "category": "Child death"},
            "misdescribes",
            "counts notifications of child deaths where abuse or neglect was known or suspected "
            "(or the child was looked after), one child each, not children who died of abuse",
        ),
        # The Panel's count of children (2020: 514) counts children.
        (
            {"counts": "children", "abuse": "suspected"},
            {"dataset": "panel_notifications", "period": "2020", "measure": "number_children"},
            "describes",
            "counts children of suspected abuse",
        ),
        # A total does not count children: one notification can concern several.
        (
            {"counts": "children"},
            {"dataset": "sin_national", "period": "2020-21"},
            "misdescribes",
            "counts notifications of suspected abuse, not children",
        ),
        # A figure whose meaning is not declared is not compared (and says so).
        (
            {"counts": "children"},
            {"dataset": "characteristics", "period": "2015-16", "category": "Male",
             "measure": "percentage_of_notifications"},
            "not compared",
            "what characteristics percentage_of_notifications counts is not declared in "
            "sinstats (sinstats.analyses.claims.meaning.COUNTED)",
        ),
    ],
)  # fmt: skip
def test_meaning_verdicts(
    says: dict[str, str],
    numerator: dict[str, str],
    verdict: str,
    text: str,
    make_claim: ClaimFactory,
    write_claims: Writer,
) -> None:
    fig = data.figure(
        numerator["dataset"],
        numerator["period"],
        numerator.get("category", "Total"),
        measure=numerator.get("measure"),
    )
    claim = make_claim(says=says, numerator=numerator, published=fig.value, decimals=0)
    (r,) = claims.verify(claims.load_claims(write_claims([claim])))
    assert (r.meaning, r.meaning_text) == (verdict, text)


def test_a_claim_without_says_has_no_meaning_verdict(
    register: dict[str, claims.ClaimResult],
) -> None:
    r = register["panel-2020-notifications"]
    assert r.meaning == "" and r.label() == "reproduces"
    assert r.to_dict()["meaning"] is None


def test_says_is_checked_by_the_schema(make_claim: ClaimFactory, write_claims: Writer) -> None:
    with pytest.raises(claims.ClaimsError, match="says"):
        claims.load_claims(write_claims([make_claim(says={"counts": "kids"})]))
    with pytest.raises(claims.ClaimsError, match="says"):
        claims.load_claims(write_claims([make_claim(says={})]))


def test_schema_and_records_allow_the_same_values() -> None:
    props = claims.schema()["$defs"]["claim"]["properties"]["says"]["properties"]
    assert {k: tuple(v["enum"]) for k, v in props.items()} == dict(claims.register.SAYS)
    ref = json.dumps(claims.schema())
    assert all(f'"{r}"' in ref for r in claims.register.READINGS)
