"""Say what was compared: figures named in every format, ambiguity warnings, --strict, bounds."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sinstats import data
from sinstats.analyses import claims

ClaimFactory = Callable[..., dict[str, Any]]
Writer = Callable[..., Path]
Runner = Callable[[list[str]], tuple[int, str, str]]

PANEL_2021_URL = (
    "https://www.gov.uk/government/news/expert-panel-calls-for-stronger-child-protection-measures"
)
CALENDAR_2021 = "2021, January to December 2021 (calendar year)"
REPORTING_2021 = "2020-21, April 2020 to March 2021 (reporting year 2021)"


def _379(make_claim: ClaimFactory, dataset: str, **ref: str) -> dict[str, Any]:
    return make_claim(
        id=f"379-{dataset}",
        numerator={"dataset": dataset, "period": "2021", "category": "Total", **ref},
    )


def test_379_in_2021_against_sin_national_warns_and_fails_under_strict(
    make_claim: ClaimFactory, write_claims: Writer, run_cli: Runner
) -> None:
    path = write_claims([_379(make_claim, "sin_national")])
    for fmt in ("table", "markdown", "json"):
        code, out, _ = run_cli(["verify", "--claims", str(path), "--format", fmt])
        assert code == 1  # read as 2020-21: 536, which differs
        flat = " ".join(out.split())
        said = claims.markdown_text if fmt == "markdown" else str  # Markdown escapes '_'
        assert said("Ambiguous period: '2021' in sin_national is read as " + REPORTING_2021) in flat
        assert said("calendar year 2021 (January to December 2021)") in flat
        assert said("dataset panel_notifications with period '2021'") in flat
    doc = json.loads(out)
    assert doc["claims"][0]["warnings"][0].startswith(claims.AMBIGUOUS)
    assert doc["claims"][0]["figures"][0]["period_words"] == REPORTING_2021
    code, out, _ = run_cli(["verify", "--strict", "--claims", str(path)])
    assert code != 0


def test_an_unsilenced_ambiguity_fails_only_under_strict(
    make_claim: ClaimFactory, write_claims: Writer, run_cli: Runner
) -> None:
    dfe = data.figure("sin_national", "2020-21", "Total").value  # 536
    claim = make_claim(id="dfe-2021", published=dfe, numerator={"dataset": "sin_national",
                                                                "period": "2021"})  # fmt: skip
    path = write_claims([claim])
    code, out, _ = run_cli(["verify", "--claims", str(path)])
    assert code == 0 and "reproduces" in out and "WARNING: Ambiguous period" in out
    code, out, _ = run_cli(["verify", "--strict", "--claims", str(path)])
    assert code == 3
    assert "Exit status 3 (--strict: 1 rest on an ambiguous period: dfe-2021)." in out
    # Stating the reading silences the warning, and --strict passes.
    claim["numerator"]["reading"] = "reporting_year"
    path = write_claims([claim], "stated.yml")
    code, out, _ = run_cli(["verify", "--strict", "--claims", str(path)])
    assert code == 0 and "Ambiguous" not in out


def test_379_in_2021_against_panel_notifications_reproduces_naming_period_and_source(
    make_claim: ClaimFactory, write_claims: Writer, run_cli: Runner
) -> None:
    path = write_claims([_379(make_claim, "panel_notifications")])
    named = (
        f"numerator: panel_notifications, {CALENDAR_2021}, 'Total' (number_notifications, "
        f"England) = 379; source: Child Safeguarding Practice Review Panel, {PANEL_2021_URL}"
    )
    for fmt in ("table", "markdown"):
        code, out, _ = run_cli(["verify", "--strict", "--claims", str(path), "--format", fmt])
        assert code == 0 and "reproduces" in out and "Ambiguous" not in out
        assert (claims.markdown_text(named) if fmt == "markdown" else named) in out
    code, out, _ = run_cli(["verify", "--claims", str(path), "--format", "json"])
    figure = json.loads(out)["claims"][0]["figures"][0]
    assert figure["period_words"] == CALENDAR_2021 and figure["source_url"] == PANEL_2021_URL
    assert figure["publisher"] == "Child Safeguarding Practice Review Panel"


def test_calendar_reading_in_an_april_march_dataset_is_an_error(
    make_claim: ClaimFactory, write_claims: Writer, run_cli: Runner
) -> None:
    path = write_claims([_379(make_claim, "sin_national", reading="calendar_year")])
    code, _, err = run_cli(["verify", "--claims", str(path)])
    assert code == 2 and "panel_notifications" in err and "numerator.reading" in err
    path = write_claims([make_claim(numerator={"dataset": "panel_notifications",
                                               "period": "2020-21", "reading": "calendar_year"})],
                        "b.yml")  # fmt: skip
    code, _, err = run_cli(["verify", "--claims", str(path)])
    assert code == 2 and "reading is for a bare year" in err


def test_every_figure_of_a_change_is_named(run_cli: Runner) -> None:
    code, out, _ = run_cli(["verify"])
    assert code == 1
    block = out.split("  panel-2021-fall-21pc:")[1].split("\n  panel-2022")[0]
    assert f"uses numerator: panel_notifications, {CALENDAR_2021}, 'Total'" in block
    assert "uses denominator: panel_notifications, 2020, January to December 2020" in block


@pytest.mark.parametrize(
    ("qualifier", "published", "verdict", "not_a_test"),
    [
        ("over", 150, "reproduces", True),  # the same bound: cannot fail
        ("over", 140, "reproduces", False),  # over 150 implies over 140
        ("over", 160, "cannot check", False),  # over 150 does not decide over 160
        ("under", 150, "differs", False),  # over 150 contradicts under 150
        ("under", 400, "cannot check", False),  # over 150 does not decide under 400
    ],
)
def test_bounds_against_a_stored_bound(
    qualifier: str,
    published: int,
    verdict: str,
    not_a_test: bool,
    make_claim: ClaimFactory,
    write_claims: Writer,
) -> None:
    stored = data.figure("panel_notifications", "2021", "Child death")
    assert (stored.qualifier, stored.value) == ("over", 150)
    claim = make_claim(
        qualifier=qualifier,
        published=published,
        numerator={"dataset": "panel_notifications", "period": "2021", "category": "Child death"},
    )
    (r,) = claims.verify(claims.load_claims(write_claims([claim])))
    assert (r.verdict, r.not_a_test) == (verdict, not_a_test)
    if not_a_test:
        assert r.label() == "reproduces (consistent, not a test)"
        assert "(consistent, not a test)" in claims.to_markdown([r])
