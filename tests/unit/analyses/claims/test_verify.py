"""Verifying claims: the register's verdicts, recomputed values, intervals and notes.

Mirrors :mod:`sinstats.analyses.claims.verify` (and the records it returns,
:mod:`sinstats.analyses.claims.records`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinstats import data
from sinstats.analyses import claims
from sinstats.errors import ConfigError, ParameterError

Factory = Callable[..., dict[str, Any]]
Writer = Callable[..., Path]
Runner = Callable[[list[str]], tuple[int, str, str]]
Results = list[claims.ClaimResult]
ById = dict[str, claims.ClaimResult]


# ---------------------------------------------------------------------------------------------
# The project's register
# ---------------------------------------------------------------------------------------------


def test_register_refers_only_to_figures_the_data_hold(
    results: Results,
) -> None:
    # Acceptance 5: a claim that cannot be checked must say so, with a reason.
    for r in results:
        if r.verdict == "cannot check":
            assert r.claim.expect == "cannot check", f"{r.claim.id}: {r.note}"
            assert r.claim.reason and len(r.claim.reason) > 20, r.claim.id
        elif r.claim.kind == "designation":
            # Checked against the releases it names, not against figures.
            assert r.recomputed is None and r.figures == ()
            assert [d.release_id for d in r.designations] == list(r.claim.releases)
        else:
            assert r.recomputed is not None, r.claim.id
            assert {f.role for f in r.figures} == (
                {"numerator"} if r.claim.kind == "count" else {"numerator", "denominator"}
            )
        assert r.expect_met, f"{r.claim.id}: expected {r.claim.expect}, got {r.verdict}"


def test_register_verdicts(by_id: ById) -> None:
    verdicts = {k: r.verdict for k, r in by_id.items()}
    assert verdicts["panel-2021-notifications"] == "reproduces"
    assert verdicts["panel-2021-fall-21pc"] == "reproduces"
    assert verdicts["dfe-2020-21-up-87"] == "reproduces"
    assert verdicts["swt-2019-20-fall-49"] == "reproduces"
    assert verdicts["ofsted-2015-16-fall-2pc"] == "reproduces"
    assert verdicts["ofsted-2016-17-rise-14pc"] == "reproduces"
    assert verdicts["panel-2022-23-serious-harm-share"] == "reproduces"
    assert verdicts["dfe-2021-22-child-death-share"] == "reproduces"
    assert verdicts["dfe-2020-21-child-deaths-up-35"] == "cannot check"
    # Social Work Today printed 448; the data hold 449: reported, never hidden.
    swt = by_id["swt-2019-20-448"]
    assert swt.verdict == "differs"
    assert swt.difference == Decimal(1)
    assert "449" in swt.note and "448" in swt.note


def test_register_recomputed_values(by_id: ById) -> None:
    fall = by_id["panel-2021-fall-21pc"]
    assert float(fall.recomputed or 0) == pytest.approx(100 * (379 - 482) / 482)
    assert fall.rounded == Decimal(-21)
    assert fall.computation.startswith("100 * (379 - 482) / 482 = -21.369")
    share = by_id["dfe-2021-22-child-death-share"]
    assert share.rounded == Decimal("43.2")
    assert float(share.recomputed or 0) == pytest.approx(100 * 191 / 442)
    ofsted = by_id["ofsted-2015-16-fall-2pc"]
    assert ofsted.rounded == Decimal(-2)


def test_register_intervals_and_chance(by_id: ById) -> None:
    count = by_id["panel-2021-notifications"]
    assert count.method == "exact Poisson (Garwood)"
    # R: poisson.test(379)$conf.int -> 341.7..., 419.2...
    assert count.lower == pytest.approx(341.75, abs=0.05)
    assert count.upper == pytest.approx(419.15, abs=0.05)
    share = by_id["panel-2022-23-child-death-share"]
    assert share.method == "Wilson score"
    assert share.lower is not None and share.upper is not None
    assert share.lower < 100 * 146 / 393 < share.upper
    fall = by_id["panel-2021-fall-21pc"]
    assert fall.upper is not None and fall.upper < 0
    assert fall.chance_alone is False and fall.p_value is not None and fall.p_value < 0.05
    small = by_id["ofsted-2015-16-fall-2pc"]
    assert small.chance_alone is True
    assert "Within the series' usual year-to-year movement" in small.note
    assert small.lower is not None and small.upper is not None
    assert small.lower < 0 < small.upper


def test_150_claim_says_what_it_counts(by_id: ById) -> None:
    r = by_id["panel-2021-150-children-died"]
    assert r.claim.qualifier == "over"
    assert r.verdict == "reproduces"
    assert "bound" in r.note
    explanation = r.claim.explanation or ""
    assert "known or suspected" in explanation and "150 children died of abuse" in explanation
    assert r.model is not None
    assert r.model.target == "deaths_maltreatment_or_assault"
    assert r.model.central is not None and r.model.lower is not None and r.model.upper is not None
    assert r.model.lower < r.model.central < r.model.upper < 150
    assert "data/assumptions.yml" in r.model.note


def test_cannot_check_alone_exits_0(
    make_claim: Factory, write_claims: Writer, run_cli: Runner
) -> None:
    gap = make_claim(
        id="ofsted-2017-18",
        numerator={"dataset": "sin_national", "period": "2017-18", "category": "Total"},
    )
    path = write_claims([make_claim(), gap])
    code, out, _ = run_cli(["verify", "--claims", str(path)])
    assert code == 0
    assert "cannot check" in out
    assert "sin_national has no published figure for 2017-18" in out
    assert "not marked" not in out


# ---------------------------------------------------------------------------------------------
# A user's own claims file (acceptance 2)
# ---------------------------------------------------------------------------------------------


def test_user_claims_file_in_another_folder(user_claims_file: Path, run_cli: Runner) -> None:
    path = user_claims_file
    code, out, _ = run_cli(["verify", "--claims", str(path), "--format", "json"])
    assert code == 0
    doc = json.loads(out)
    rows = {c["id"]: c for c in doc["claims"]}
    assert list(rows) == ["my-count", "my-ratio", "my-rate", "my-rate-explicit"]
    assert all(c["verdict"] == "reproduces" for c in rows.values())
    # Ratio of children to notifications: different measures, so no rate-ratio interval.
    assert rows["my-ratio"]["interval"]["lower"] is None
    assert "different things" in rows["my-ratio"]["note"]
    # Rate: 357 / mid-2024 population (mid-2025 not yet published), exact Poisson scaled.
    rate = rows["my-rate"]
    assert rate["recomputed"] == pytest.approx(357 / 12_183_016 * 100_000, abs=1e-6)
    assert rate["interval"]["lower"] < rate["recomputed"] < rate["interval"]["upper"]
    assert "mid-2024" in rate["note"]
    explicit = rows["my-rate-explicit"]
    assert explicit["recomputed"] == pytest.approx(379 / 11_762_878 * 100_000, abs=1e-6)


def test_population_shorthand_uses_calendar_year_for_panel(user_claims_file: Path) -> None:
    result = claims.verify(claims.load_claims(user_claims_file))
    by = {r.claim.id: r for r in result}
    pop = by["my-rate"].figures[1]
    assert pop.role == "denominator" and isinstance(pop.figure, data.Figure)
    assert pop.figure.period == "2024" and pop.figure.unit == "persons"
    assert pop.figure.period_label == "mid-2024" and "mid-2025" in pop.figure.note


def test_conf_level_option(make_claim: Factory, write_claims: Writer, run_cli: Runner) -> None:
    path = write_claims([make_claim()])
    _, out95, _ = run_cli(["verify", "--claims", str(path), "--format", "json"])
    _, out90, _ = run_cli(
        ["verify", "--claims", str(path), "--format", "json", "--conf-level", "0.9"]
    )
    c95, c90 = json.loads(out95)["claims"][0], json.loads(out90)["claims"][0]
    assert c90["interval"]["conf_level"] == 0.9
    assert c95["interval"]["lower"] < c90["interval"]["lower"]
    assert c90["interval"]["upper"] < c95["interval"]["upper"]
    for bad in ("95", "0", "abc"):
        with pytest.raises(SystemExit) as exc:
            run_cli(["verify", "--claims", str(path), "--conf-level", bad])
        assert exc.value.code == 2
    with pytest.raises(ParameterError, match="conf_level"):
        claims.verify([], conf_level=1.5)


def test_ids_must_be_unique_across_files(
    make_claim: Factory, write_claims: Writer, run_cli: Runner
) -> None:
    a = write_claims([make_claim()], "a.yml")
    b = write_claims([make_claim()], "b.yml")
    code, _, err = run_cli(["verify", "--claims", str(a), str(b)])
    assert code == 2
    assert "duplicate id 'user-claim'" in err and "a.yml" in err


def test_expect_mismatch_is_reported(make_claim: Factory, write_claims: Writer) -> None:
    path = write_claims([make_claim(expect="differs", reason="thought it was wrong")])
    (result,) = claims.verify(claims.load_claims(path))
    assert result.verdict == "reproduces" and not result.expect_met
    assert "expected 'differs'" in result.note


def test_verdict_rounds_ties_away_from_zero(make_claim: Factory, write_claims: Writer) -> None:
    # 97 councils notifying / 20 'Other' notifications = 4.85 exactly: a tie at 1 decimal.
    base = {
        "kind": "ratio",
        "decimals": 1,
        "numerator": {
            "dataset": "characteristics",
            "period": "2012-13",
            "measure": "number_councils_notifying",
        },
        "denominator": {"dataset": "sin_national", "period": "2023-24", "category": "Other"},
    }
    up = make_claim(id="tie-up", published=4.9, **base)
    down = make_claim(id="tie-down", published=4.8, **base)
    res = claims.verify(claims.load_claims(write_claims([up, down])))
    assert [r.verdict for r in res] == ["reproduces", "differs"]
    assert res[0].recomputed == Decimal("4.85")


def test_no_interval_is_explained_not_invented(make_claim: Factory, write_claims: Writer) -> None:
    percent = make_claim(
        id="percent-figure",
        published=43.2,
        decimals=1,
        numerator={
            "dataset": "characteristics",
            "period": "2021-22",
            "category": "Child death",
            "measure": "percentage_of_notifications",
        },
    )
    too_big = make_claim(
        id="children-share",
        kind="share",
        published=107,
        numerator={
            "dataset": "panel_notifications",
            "period": "2020",
            "measure": "number_children",
        },
        denominator={"dataset": "panel_notifications", "period": "2020"},
    )
    regional = make_claim(
        id="regional",
        published=30,
        numerator={"dataset": "characteristics", "period": "2026", "area": "North East"},
    )
    res = claims.verify(claims.load_claims(write_claims([percent, too_big, regional])))
    by = {r.claim.id: r for r in res}
    assert by["percent-figure"].verdict == "reproduces"
    assert by["percent-figure"].lower is None and by["percent-figure"].method == "none"
    assert "not a count" in by["percent-figure"].note
    assert by["children-share"].verdict == "reproduces" and by["children-share"].lower is None
    assert "exceeds the denominator" in by["children-share"].note
    assert by["regional"].lower is not None
    assert "rounded to the nearest 10" in by["regional"].note


# ---------------------------------------------------------------------------------------------
# Fuzzing verify: a verdict or a claims-file error naming the claim, never another exception
# ---------------------------------------------------------------------------------------------

refs = st.fixed_dictionaries(
    {
        "dataset": st.sampled_from(data.list_datasets()),
        "period": st.sampled_from(
            ["2021", "2020", "2017-18", "2020-21", "2026", "2020-21 H1", "2018-07/2019-11", 2024]
        ),
    },
    optional={
        "category": st.sampled_from(["Total", "Child death", "Male", "Transgender", "Nope"]),
        "measure": st.sampled_from(["number_notifications", "number_children", "x"]),
        "area": st.sampled_from(["England", "North East", "E12000007", "Narnia"]),
    },
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(list(claims.KINDS)),
    refs,
    refs | st.just({"population": "England"}) | st.just({"population": "Narnia"}),
    st.integers(min_value=0, max_value=3),
)
def test_fuzz_verify_valid_claims(
    make_claim: Factory, kind: str, num: dict[str, Any], den: Any, decimals: int
) -> None:
    entry = make_claim(kind=kind, numerator=num, decimals=decimals, published=1)
    if kind != "count":
        entry["denominator"] = den
    try:
        parsed = claims.parse_claims([entry])
        (result,) = claims.verify(parsed)
    except ConfigError as err:
        assert "claim 'user-claim'" in str(err)
    else:
        assert result.verdict in claims.VERDICTS
        assert (result.recomputed is None) == (result.verdict == "cannot check")
        json.loads(claims.to_json([result]))
