"""Unknown names are claims-file errors that suggest the nearest valid ones (exit 2)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sinstats.analyses import claims
from sinstats.analyses.claims.names import unknown_name

ClaimFactory = Callable[..., dict[str, Any]]
Writer = Callable[..., Path]
Runner = Callable[[list[str]], tuple[int, str, str]]

NATURES = ["Child death", "Other", "Serious harm", "Total"]


def test_suggestion_names_the_nearest() -> None:
    # SequenceMatcher ratio 2*11/23 = 0.957 for 'child deaths' ~ 'child death'; the others are
    # below difflib's default cutoff of 0.6.
    assert difflib.SequenceMatcher(None, "child deaths", "child death").ratio() == 22 / 23
    assert claims.suggestion("Child deaths", NATURES) == "did you mean 'Child death'?"
    assert claims.suggestion("serious harm", NATURES) == "did you mean 'Serious harm'?"
    assert claims.suggestion("zzzz", NATURES) == ""


@given(st.sampled_from(NATURES))
def test_a_valid_name_is_its_own_nearest(name: str) -> None:
    assert claims.suggestion(name, NATURES).startswith(f"did you mean '{name}'")


def test_unknown_name_message_lists_the_valid_names() -> None:
    message = unknown_name("category", "Child deaths", NATURES, "sin_national")
    assert message == (
        "unknown category 'Child deaths' in sin_national; did you mean 'Child death'? "
        "(categories: Child death, Other, Serious harm, Total)"
    )
    assert unknown_name("area", "Atlantis", ["England"]) == (
        "unknown area 'Atlantis'; choose one of England"
    )


def _child_deaths_typo(make_claim: ClaimFactory) -> dict[str, object]:
    return make_claim(
        id="typo",
        published=223,
        numerator={"dataset": "sin_national", "period": "2020-21", "category": "Child deaths"},
    )


def test_child_deaths_typo_exits_2_with_the_suggestion(
    make_claim: ClaimFactory, write_claims: Writer, run_cli: Runner, tmp_path: Path
) -> None:
    path = write_claims([_child_deaths_typo(make_claim)])
    out_file = tmp_path / "out.md"
    code, out, err = run_cli(["verify", "--claims", str(path), "--output", str(out_file)])
    assert code == 2 and out == ""
    assert "did you mean 'Child death'?" in err
    assert "field 'numerator.category'" in err and "line " in err
    assert "Traceback" not in err and not out_file.exists()  # nothing written


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("dataset", "sin_nationl", "did you mean 'sin_national'?"),
        ("measure", "number_notification", "did you mean 'number_notifications'"),
        ("area", "Englnd", "did you mean 'England'?"),
        ("breakdown_topic", "Gendr", "did you mean 'Gender'?"),
    ],
)
def test_every_kind_of_name_is_checked(
    field: str,
    value: str,
    hint: str,
    make_claim: ClaimFactory,
    write_claims: Writer,
    run_cli: Runner,
) -> None:
    numerator = {"dataset": "characteristics", "period": "2020-21", "category": "Male"}
    numerator[field] = value
    path = write_claims([make_claim(numerator=numerator, published=1)])
    code, _, err = run_cli(["verify", "--claims", str(path)])
    assert code == 2 and hint in err, err


def test_every_unknown_name_in_a_file_is_listed_at_once(
    make_claim: ClaimFactory, write_claims: Writer
) -> None:
    bad = [
        _child_deaths_typo(make_claim),
        make_claim(
            id="typo-2",
            numerator={"dataset": "panel_notifications", "period": "2021", "category": "Totl"},
        ),  # fmt: skip
    ]
    with pytest.raises(claims.ClaimsError) as err:
        claims.verify(claims.load_claims(write_claims(bad)))
    text = str(err.value)
    assert "'Child deaths'" in text and "did you mean 'Total'?" in text


def test_a_figure_genuinely_not_published_stays_cannot_check(
    make_claim: ClaimFactory, write_claims: Writer, run_cli: Runner
) -> None:
    # Ofsted's 2017-18 figures were not found: the names are valid, the year has no figure.
    gap = make_claim(
        id="gap", published=100, numerator={"dataset": "sin_national", "period": "2017-18"}
    )
    path = write_claims([gap])
    code, out, _ = run_cli(["verify", "--claims", str(path)])
    assert code == 0 and "cannot check" in out
    code, out, _ = run_cli(["verify", "--strict", "--claims", str(path)])
    assert code == claims.STRICT_STATUS == 3
    assert "Exit status 3 (--strict: 1 cannot be checked: gap)." in out
