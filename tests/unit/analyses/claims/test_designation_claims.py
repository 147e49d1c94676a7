"""Designation claims and denominators derived from a published change.

Mirrors :mod:`sinstats.analyses.claims.designation`, :mod:`~.designation_verdict` and the
``derive: earlier`` path of :mod:`sinstats.analyses.claims.verify`. Reference values of the
derived Fosterline claim: ``tests/reference/derived_claims.csv``, written by R
(``tests/reference/make_derived_claims.R``, the call beside each value).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sinstats import paths
from sinstats.analyses import claims
from sinstats.errors import ClaimsError

Factory = Callable[..., dict[str, Any]]
Writer = Callable[..., Path]
Runner = Callable[[list[str]], tuple[int, str, str]]
ById = dict[str, claims.ClaimResult]

REFERENCE = Path(__file__).parents[3] / "reference" / "derived_claims.csv"


def _designation(**changes: Any) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "id": "des",
        "statement": "these are experimental statistics",
        "source": "a user's notes",
        "url": "https://example.org/notes",
        "kind": "designation",
        "published": "experimental statistics",
        "releases": ["dfe-2020-21", "dfe-2021-22"],
    }
    for key, value in changes.items():
        if value is None:
            claim.pop(key, None)
        else:
            claim[key] = value
    return claim


# ---------------------------------------------------------------------------------------------
# The register's designation claim: the seed's statement
# ---------------------------------------------------------------------------------------------


def test_seed_statement_is_true_of_the_2021_figures_and_says_what_changed(by_id: ById) -> None:
    r = by_id["seed-2021-experimental-statistics"]
    assert r.claim.kind == "designation" and r.verdict == "reproduces" and r.expect_met
    assert r.claim.statement == "experimental statistics, with a wider degree of uncertainty"
    assert [d.release_id for d in r.designations] == ["dfe-2020-21", "dfe-2021-22"]
    assert {d.designation for d in r.designations} == {"experimental statistics"}
    # The note says the current release is not what the statement is about.
    assert "dfe-2026" in r.note and "carries official statistics" in r.note
    explanation = r.claim.explanation or ""
    assert "What changed in 2022-23" in explanation
    assert "published as official statistics for the first time" in explanation
    assert "none is accredited official statistics" in explanation
    assert r.method == claims.DESIGNATION_METHOD and r.recomputed is None


def test_fosterline_first_half_claim_is_checked_with_a_derived_denominator(by_id: ById) -> None:
    r = by_id["fosterline-h1-total-up-27pc"]
    assert r.verdict == "reproduces" and r.claim.expect is None
    (ref,) = list(csv.DictReader(REFERENCE.open(encoding="utf-8")))
    assert ref["id"] == r.claim.id
    num, den = r.figures
    assert num.figure.value == float(ref["later"])  # 285, DfE transparency data
    assert den.figure.value == float(ref["earlier"])  # 285 - 60: derived
    assert den.figure.period == "2019-20 H1" and den.figure.source_id == "EES_FY2020-21_release"
    assert float(r.recomputed or 0) == pytest.approx(float(ref["percent_change"]), rel=1e-12)
    # R: poisson.test(c(285, 225))
    assert r.lower == pytest.approx(float(ref["lower_pct"]), abs=1e-6)
    assert r.upper == pytest.approx(float(ref["upper_pct"]), abs=1e-6)
    assert r.p_value == pytest.approx(float(ref["p_value"]), rel=1e-6)
    assert "derived, not published: 285 - (+60) = 225" in r.note
    assert r.rounded == Decimal(27)


def test_reporting_year_2024_changes_reproduce(by_id: ById) -> None:
    down93 = by_id["dfe-2024-down-93-since-2019"]
    assert down93.verdict == "reproduces" and down93.computation.startswith("405 - 498 = -93")
    assert by_id["dfe-2024-down-51"].verdict == "reproduces"


# ---------------------------------------------------------------------------------------------
# Verdicts of user designation claims
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "releases", "verdict", "words"),
    [
        ("official statistics", ["dfe-2024", "dfe-2025", "dfe-2026"], "reproduces",
         "Every release named was published as official statistics"),
        ("Experimental  Statistics", ["ofsted-2015-16"], "reproduces", "experimental statistics"),
        ("experimental statistics", ["dfe-2026"], "differs",
         "the statement says experimental statistics; the releases carry dfe-2026: official"),
        ("official statistics", ["dfe-2021-22", "dfe-2022-23"], "differs",
         "dfe-2021-22: experimental statistics; dfe-2022-23: official statistics"),
        ("experimental statistics", ["dfe-2018-19", "dfe-2020-21"], "cannot check",
         "The designation of dfe-2018-19 is not known"),
    ],
)  # fmt: skip
def test_designation_verdicts(
    write_claims: Writer, published: str, releases: list[str], verdict: str, words: str
) -> None:
    path = write_claims([_designation(published=published, releases=releases)])
    (r,) = claims.verify(claims.load_claims(path))
    assert r.verdict == verdict and words in r.note
    assert r.lower is None and r.p_value is None and r.figures == ()


def test_designation_claims_in_every_output(write_claims: Writer, run_cli: Runner) -> None:
    path = write_claims([_designation(published="experimental statistics", releases=["dfe-2026"])])
    code, out, _ = run_cli(["verify", "--claims", str(path)])
    assert code == 1  # it differs
    row = next(line for line in out.splitlines() if line.startswith("des "))
    assert "experimental statistics" in row and "official statistics" in row and "differs" in row
    code, out, _ = run_cli(["verify", "--claims", str(path), "--format", "json"])
    (c,) = json.loads(out)["claims"]
    assert c["published"] == "experimental statistics" and c["kind"] == "designation"
    assert c["designations"][0]["release_id"] == "dfe-2026"
    assert "official statistics" in c["designations"][0]["quote"]
    code, out, _ = run_cli(["verify", "--claims", str(path), "--format", "markdown"])
    assert "| experimental statistics | official statistics | **differs** |" in out
    results = claims.verify(claims.load_claims(path))
    table = claims.verify_table(results)
    assert table["published_display"].iloc[0] == "experimental statistics"
    assert table["method"].iloc[0] == claims.DESIGNATION_METHOD


def test_expectations_of_designation_claims_are_reported(write_claims: Writer) -> None:
    path = write_claims(
        [
            _designation(id="a", releases=["dfe-2019-20"], expect="cannot check", reason="none"),
            _designation(id="b", expect="differs", reason="thought so"),
        ]
    )
    a, b = claims.verify(claims.load_claims(path))
    assert a.verdict == "cannot check" and a.expect_met and "Reason given: none" in a.note
    assert b.verdict == "reproduces" and not b.expect_met and "expected 'differs'" in b.note


def test_unknown_release_is_a_claims_file_error(write_claims: Writer, run_cli: Runner) -> None:
    path = write_claims([_designation(releases=["dfe-1999-00"])])
    with pytest.raises(ClaimsError, match="field 'releases'.*unknown release 'dfe-1999-00'"):
        claims.verify(claims.load_claims(path))
    code, _, err = run_cli(["verify", "--claims", str(path)])
    assert code == 2 and "unknown release" in err and "Traceback" not in err


HOSTILE: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "not a designation": (
        _designation(published="national statistics"),
        ("field 'published'", "not a designation", "official statistics"),
    ),
    "a number": (_designation(published=3), ("field 'published'", "must be text")),
    "no releases": (_designation(releases=None), ("field 'releases'", "missing")),
    "empty releases": (_designation(releases=[]), ("field 'releases'",)),
    "bad release id": (_designation(releases=["DfE 2020-21"]), ("field 'releases.0'",)),
    "named twice": (
        _designation(releases=["dfe-2020-21", "dfe-2020-21"]),
        ("field 'releases'", "named twice"),
    ),
    "with decimals": (_designation(decimals=0), ("field 'decimals'", "takes no decimals")),
    "with a numerator": (
        _designation(numerator={"dataset": "sin_national", "period": "2021"}),
        ("field 'numerator'", "takes no"),
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_designation_claims(case: str, write_claims: Writer) -> None:
    entry, words = HOSTILE[case]
    with pytest.raises(ClaimsError) as info:
        claims.load_claims(write_claims([entry]))
    message = str(info.value)
    assert "claim 'des'" in message and all(w in message for w in words), message


def test_numeric_claims_refuse_releases(make_claim: Factory, write_claims: Writer) -> None:
    with pytest.raises(ClaimsError, match="field 'releases'.*for kind 'designation' only"):
        claims.load_claims(write_claims([make_claim(releases=["dfe-2020-21"])]))
    with pytest.raises(ClaimsError, match="field 'numerator'.*missing"):
        claims.load_claims(write_claims([make_claim(numerator=None)]))


# ---------------------------------------------------------------------------------------------
# derive: earlier
# ---------------------------------------------------------------------------------------------

CHANGE = {
    "dataset": "characteristics",
    "period": "2020-21 H1",
    "measure": "change_vs_previous_year",
    "derive": "earlier",
}
LATER = {"dataset": "characteristics", "period": "2020-21 H1", "category": "Total"}


def test_derived_difference_and_ratio(make_claim: Factory, write_claims: Writer) -> None:
    up = make_claim(id="up", kind="difference", published=60, numerator=LATER, denominator=CHANGE)
    ratio = make_claim(id="rr", kind="ratio", published=1.27, decimals=2, numerator=LATER,
                       denominator=CHANGE)  # fmt: skip
    a, b = claims.verify(claims.load_claims(write_claims([up, ratio])))
    assert a.verdict == "reproduces" and a.computation == "285 - 225 = 60"
    assert b.verdict == "reproduces" and float(b.recomputed or 0) == pytest.approx(285 / 225)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        (dict(numerator={**LATER, "derive": "earlier"}), "field 'numerator.derive'"),
        (dict(kind="share", denominator=CHANGE), "derive is for kinds percent_change"),
        (dict(kind="count", denominator=None, numerator={**LATER, "derive": "later"}),
         "field 'numerator.derive'"),
    ],
)  # fmt: skip
def test_derive_is_refused_where_it_means_nothing(
    make_claim: Factory, write_claims: Writer, changes: dict[str, Any], words: str
) -> None:
    entry = make_claim(**{"id": "d", "published": 27, "numerator": LATER, **changes})
    with pytest.raises(ClaimsError, match=words):
        claims.load_claims(write_claims([entry]))


def test_derive_needs_a_published_change(make_claim: Factory, write_claims: Writer) -> None:
    not_a_change = {**LATER, "derive": "earlier"}  # a count, not a change
    entry = make_claim(id="d", kind="percent_change", published=27, numerator=LATER,
                       denominator=not_a_change)  # fmt: skip
    with pytest.raises(ClaimsError, match="derive: earlier needs a published change"):
        claims.verify(claims.load_claims(write_claims([entry])))


def test_register_schema_documents_the_new_fields() -> None:
    schema = claims.schema()
    props = schema["$defs"]["claim"]["properties"]
    assert "designation" in props["kind"]["enum"] and "releases" in props
    assert schema["$defs"]["figure"]["properties"]["derive"]["enum"] == ["earlier"]
    assert paths.claims_file().read_text(encoding="utf-8").count("\n  kind: designation\n") == 1
