"""The claims register and `sinstats verify`: format, verdicts, intervals, output, hostile files."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinstats import cli, data, paths
from sinstats.analyses import claims
from sinstats.errors import ConfigError, ParameterError

REGISTER = paths.claims_file()

# A valid claim to build user files and hostile variants from.
BASE: dict[str, Any] = {
    "id": "user-claim",
    "statement": "379 serious incident notifications in 2021",
    "source": "a user's notes",
    "url": "https://example.org/source",
    "published": 379,
    "decimals": 0,
    "kind": "count",
    "numerator": {"dataset": "panel_notifications", "period": "2021", "category": "Total"},
}


def claim(**changes: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(BASE))
    changes = json.loads(json.dumps(changes))  # no shared objects (YAML would anchor them)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    assert isinstance(out, dict)
    return out


def write(tmp_path: Path, content: object, name: str = "claims.yml") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def results() -> list[claims.ClaimResult]:
    return claims.verify_files()


@pytest.fixture(scope="module")
def by_id(results: list[claims.ClaimResult]) -> dict[str, claims.ClaimResult]:
    return {r.claim.id: r for r in results}


# ---------------------------------------------------------------------------------------------
# The project's register
# ---------------------------------------------------------------------------------------------


def test_register_has_at_least_15_claims_each_with_a_source_url() -> None:
    register = claims.load_claims(REGISTER)
    assert len(register) >= 15
    cited = set()
    for name in data.list_datasets():
        cited |= set(data.load(name)["source_url"])
    for c in register:
        assert c.url.startswith(("https://", "http://")), c.id
        assert c.statement.strip() and c.source.strip(), c.id
        # Statements come only from sources the data already cite (no new, unreviewed sources).
        assert c.url in cited, f"{c.id}: {c.url} is not a source_url in data/published"


def test_register_refers_only_to_figures_the_data_hold(
    results: list[claims.ClaimResult],
) -> None:
    # Acceptance 5: a claim that cannot be checked must say so, with a reason.
    for r in results:
        if r.verdict == "cannot check":
            assert r.claim.expect == "cannot check", f"{r.claim.id}: {r.note}"
            assert r.claim.reason and len(r.claim.reason) > 20, r.claim.id
        else:
            assert r.recomputed is not None, r.claim.id
            assert {f.role for f in r.figures} == (
                {"numerator"} if r.claim.kind == "count" else {"numerator", "denominator"}
            )
        assert r.expect_met, f"{r.claim.id}: expected {r.claim.expect}, got {r.verdict}"


def test_register_verdicts(by_id: dict[str, claims.ClaimResult]) -> None:
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


def test_register_recomputed_values(by_id: dict[str, claims.ClaimResult]) -> None:
    fall = by_id["panel-2021-fall-21pc"]
    assert float(fall.recomputed or 0) == pytest.approx(100 * (379 - 482) / 482)
    assert fall.rounded == Decimal(-21)
    assert fall.computation.startswith("100 * (379 - 482) / 482 = -21.369")
    share = by_id["dfe-2021-22-child-death-share"]
    assert share.rounded == Decimal("43.2")
    assert float(share.recomputed or 0) == pytest.approx(100 * 191 / 442)
    ofsted = by_id["ofsted-2015-16-fall-2pc"]
    assert ofsted.rounded == Decimal(-2)


def test_register_intervals_and_chance(by_id: dict[str, claims.ClaimResult]) -> None:
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
    assert small.chance_alone is True and "Chance alone could explain" in small.note
    assert small.lower is not None and small.upper is not None
    assert small.lower < 0 < small.upper


def test_150_claim_says_what_it_counts(by_id: dict[str, claims.ClaimResult]) -> None:
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


def test_cli_register_prints_one_row_per_claim(
    capsys: pytest.CaptureFixture[str], results: list[claims.ClaimResult]
) -> None:
    code, out, _ = run(["verify"], capsys)
    # Acceptance 1: honest exit status (the register holds one claim that differs).
    assert code == claims.exit_status(results) == 1
    table = out.split("\nNotes\n")[0].splitlines()[2:]
    ids = [line.split()[0] for line in table if line.strip()]
    assert ids == [r.claim.id for r in results]
    assert "differs" in out and "cannot check" in out


def test_cannot_check_alone_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gap = claim(
        id="ofsted-2017-18",
        numerator={"dataset": "sin_national", "period": "2017-18", "category": "Total"},
    )
    path = write(tmp_path, [claim(), gap])
    code, out, _ = run(["verify", "--claims", str(path)], capsys)
    assert code == 0
    assert "cannot check" in out
    assert "sin_national has no published figure for 2017-18" in out
    assert "not marked" not in out


# ---------------------------------------------------------------------------------------------
# A user's own claims file (acceptance 2)
# ---------------------------------------------------------------------------------------------


def user_file(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere" / "review"
    folder.mkdir(parents=True)
    content = """\
# A reviewer's own claims, written outside the project.
- id: my-count
  statement: "379 notifications in 2021"
  source: "my review"
  url: https://example.org/review
  published: 379
  decimals: 0
  kind: count
  numerator: {dataset: panel_notifications, period: 2021, category: Total}

- id: my-ratio
  statement: "514 children in 482 notifications, 1.07 children per notification"
  source: "my review"
  url: https://example.org/review
  published: 1.07
  decimals: 2
  kind: ratio
  numerator: {dataset: panel_notifications, period: "2020", measure: number_children}
  denominator: {dataset: panel_notifications, period: "2020", category: Total}

- id: my-rate
  statement: "2.9 notifications per 100,000 children in 2025-26"
  source: "my review"
  url: https://example.org/review
  published: 2.9
  decimals: 1
  kind: rate
  numerator: {dataset: sin_national, period: "2026", category: Total}
  denominator: {population: England}

- id: my-rate-explicit
  statement: "3.2 notifications per 100,000 children in calendar 2021"
  source: "my review"
  url: https://example.org/review
  published: 3.2
  decimals: 1
  kind: rate
  numerator: {dataset: panel_notifications, period: "2021", category: Total}
  denominator: {dataset: population_0_17, period: "2021", category: Children aged 0 to 17 years}
"""
    path = folder / "mine.yaml"
    path.write_text(content, encoding="utf-8")
    return path


def test_user_claims_file_in_another_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = user_file(tmp_path)
    code, out, _ = run(["verify", "--claims", str(path), "--format", "json"], capsys)
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


def test_population_shorthand_uses_calendar_year_for_panel(tmp_path: Path) -> None:
    result = claims.verify(claims.load_claims(user_file(tmp_path)))
    by = {r.claim.id: r for r in result}
    pop = by["my-rate"].figures[1]
    assert pop.period == "2024" and pop.unit == "persons"


# ---------------------------------------------------------------------------------------------
# Output: JSON, markdown, table, atomic files
# ---------------------------------------------------------------------------------------------


def test_json_output_is_stable_and_machine_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        code, stdout, err = run(["verify", "--format", "json", "--output", str(out)], capsys)
        assert code == 1 and stdout == "" and "wrote" in err
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n" == text
    assert doc["conf_level"] == 0.95 and doc["exit_status"] == 1
    assert doc["summary"]["claims"] == len(doc["claims"])
    for c in doc["claims"]:
        for key in ("id", "recomputed", "published", "verdict", "interval", "note"):
            assert key in c
        assert set(c["interval"]) >= {"lower", "upper", "conf_level"}
        assert c["verdict"] in claims.VERDICTS
        for value in (c["recomputed"], c["interval"]["lower"], c["interval"]["upper"]):
            # Fixed formatting: at most 6 decimal places.
            assert value is None or round(value, 6) == value
    assert not list(tmp_path.glob(".*.tmp"))


def test_conf_level_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write(tmp_path, [claim()])
    _, out95, _ = run(["verify", "--claims", str(path), "--format", "json"], capsys)
    _, out90, _ = run(
        ["verify", "--claims", str(path), "--format", "json", "--conf-level", "0.9"], capsys
    )
    c95, c90 = json.loads(out95)["claims"][0], json.loads(out90)["claims"][0]
    assert c90["interval"]["conf_level"] == 0.9
    assert c95["interval"]["lower"] < c90["interval"]["lower"]
    assert c90["interval"]["upper"] < c95["interval"]["upper"]
    for bad in ("95", "0", "abc"):
        with pytest.raises(SystemExit) as exc:
            cli.main(["verify", "--claims", str(path), "--conf-level", bad])
        assert exc.value.code == 2
    capsys.readouterr()
    with pytest.raises(ParameterError, match="conf_level"):
        claims.verify([], conf_level=1.5)


def test_markdown_and_table_formats(
    results: list[claims.ClaimResult], capsys: pytest.CaptureFixture[str]
) -> None:
    md = claims.to_markdown(results)
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(rows) == len(results)
    assert all(line.count(" | ") >= 7 for line in rows)
    assert "**differs**" in md and "What the numbers count" in md
    code, out, _ = run(["verify", "--format", "markdown"], capsys)
    assert code == 1 and out == md
    assert claims.render(results, "table") == claims.to_table(results)
    with pytest.raises(ParameterError, match="format"):
        claims.render(results, "html")


def test_verify_table_for_the_notebook(results: list[claims.ClaimResult]) -> None:
    table = claims.verify_table(results)
    assert isinstance(table, pd.DataFrame)
    assert len(table) == len(results)
    for column in ("id", "verdict", "recomputed", "published", "lower", "upper"):
        assert column in table.columns
    assert {"method", "conf_level", "note"} <= set(table.columns)
    assert table["id"].is_unique
    row = table.set_index("id").loc["panel-2021-150-children-died"]
    assert row["model_lower"] < row["model_upper"] < 150
    gap = table.set_index("id").loc["dfe-2020-21-child-deaths-up-35", "recomputed"]
    assert isinstance(gap, float) and math.isnan(gap)
    empty = claims.verify_table([])
    assert list(empty.columns) == list(table.columns)


def test_output_to_missing_folder_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, [claim()])
    target = tmp_path / "no" / "such" / "out.json"
    code, _, err = run(["verify", "--claims", str(path), "--output", str(target)], capsys)
    assert code == 2 and "does not exist" in err
    assert not target.exists()


def test_output_replaces_an_existing_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    claims.write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_ids_must_be_unique_across_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write(tmp_path, [claim()], "a.yml")
    b = write(tmp_path, [claim()], "b.yml")
    code, _, err = run(["verify", "--claims", str(a), str(b)], capsys)
    assert code == 2
    assert "duplicate id 'user-claim'" in err and "a.yml" in err


def test_expect_mismatch_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, [claim(expect="differs", reason="thought it was wrong")])
    (result,) = claims.verify(claims.load_claims(path))
    assert result.verdict == "reproduces" and not result.expect_met
    assert "expected 'differs'" in result.note


# ---------------------------------------------------------------------------------------------
# Rounding: half away from zero, in decimal arithmetic
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (2.5, 0, "3"),
        (-2.5, 0, "-3"),
        (3.5, 0, "4"),
        (0.5, 0, "1"),
        (-0.5, 0, "-1"),
        (0.125, 2, "0.13"),  # Python's round(0.125, 2) gives 0.12 (half to even)
        ("0.125", 2, "0.13"),
        (2.675, 2, "2.68"),  # the float is 2.67499999...; taken as written
        (-21.369, 0, "-21"),
        (57.761, 0, "58"),
        (43.2127, 1, "43.2"),
        (-0.4, 0, "0"),  # no negative zero
        (Decimal("1.0005"), 3, "1.001"),
        (7, 2, "7.00"),
    ],
)
def test_round_half_away_from_zero(value: object, decimals: int, expected: str) -> None:
    got = claims.round_half_away(value, decimals)  # type: ignore[arg-type]
    assert str(got) == expected
    assert got == Decimal(expected)


def test_python_round_differs_and_is_not_used() -> None:
    assert round(0.125, 2) == 0.12 and round(2.5) == 2
    assert claims.round_half_away(0.125, 2) == Decimal("0.13")
    assert claims.round_half_away(2.5, 0) == Decimal(3)


@pytest.mark.parametrize(
    ("value", "decimals"), [(1.0, -1), (1.0, 1.5), (float("nan"), 0), ("x", 0), (True, 0)]
)
def test_round_half_away_rejects_bad_input(value: object, decimals: object) -> None:
    with pytest.raises(ValueError):
        claims.round_half_away(value, decimals)  # type: ignore[arg-type]


def test_verdict_rounds_ties_away_from_zero(tmp_path: Path) -> None:
    # 97 reporting councils / 20 'Other' notifications = 4.85 exactly: a tie at 1 decimal.
    base = {
        "kind": "ratio",
        "decimals": 1,
        "numerator": {
            "dataset": "characteristics",
            "period": "2012-13",
            "measure": "number_reporting_councils",
        },
        "denominator": {"dataset": "sin_national", "period": "2023-24", "category": "Other"},
    }
    up = claim(id="tie-up", published=4.9, **base)
    down = claim(id="tie-down", published=4.8, **base)
    res = claims.verify(claims.load_claims(write(tmp_path, [up, down])))
    assert [r.verdict for r in res] == ["reproduces", "differs"]
    assert res[0].recomputed == Decimal("4.85")


# ---------------------------------------------------------------------------------------------
# Hostile claims files (acceptance 4): exit 2, a message naming claim and field, no output
# ---------------------------------------------------------------------------------------------

HOSTILE: dict[str, tuple[object, tuple[str, ...]]] = {
    "syntax error": (
        "- id: a\n  statement: [unclosed\n  kind: count\n",
        ("not valid YAML", "line"),
    ),
    "unknown kind": (
        [claim(id="bad-kind", kind="median")],
        ("claim 'bad-kind'", "field 'kind'", "'median' is not allowed", "percent_change"),
    ),
    "missing field": ([claim(id="no-url", url=None)], ("claim 'no-url'", "field 'url'", "missing")),
    "missing id": ([claim(id=None)], ("entry 1", "field 'id'", "missing")),
    "unknown dataset": (
        [claim(id="bad-ds", numerator={"dataset": "sin_regional", "period": "2021"})],
        ("claim 'bad-ds'", "field 'numerator.dataset'", "unknown dataset 'sin_regional'"),
    ),
    "unparseable period": (
        [claim(id="bad-period", numerator={"dataset": "sin_national", "period": "2019-21"})],
        ("claim 'bad-period'", "field 'numerator.period'", "cannot be read as a period"),
    ),
    "division by zero": (
        [
            claim(
                id="div-zero",
                kind="share",
                published=10,
                numerator={"dataset": "characteristics", "period": "2020-21 H1"},
                denominator={
                    "dataset": "characteristics",
                    "period": "2020-21 H1",
                    "category": "Transgender",
                },
            )
        ],
        ("claim 'div-zero'", "field 'denominator'", "division by zero"),
    ),
    "duplicate id": (
        [claim(id="twice"), claim(id="twice")],
        ("claim 'twice' (entry 2", "field 'id'", "duplicate id"),
    ),
    "python tag": (
        "- !!python/object/apply:os.system ['echo pwned']\n",
        ("YAML tag", "not allowed", "line 1"),
    ),
    "python tag in a value": (
        yaml.safe_dump([claim(id="tagged")], sort_keys=False).replace(
            "published: 379", "published: !!python/name:os.getcwd ''"
        ),
        ("YAML tag", "line 5"),
    ),
    "non-numeric published": (
        [claim(id="pct", published="21%")],
        ("claim 'pct'", "field 'published'", "must be number"),
    ),
    "boolean published": (
        [claim(id="yes", published=True)],
        ("claim 'yes'", "field 'published'", "must be number"),
    ),
    "infinite published": (
        "- id: inf\n  statement: s\n  source: s\n  url: https://x.org\n  published: .inf\n"
        "  decimals: 0\n  kind: count\n  numerator: {dataset: sin_national, period: '2021'}\n",
        ("claim 'inf'", "field 'published'", "finite"),
    ),
    "negative decimals": (
        [claim(id="neg", decimals=-1)],
        ("claim 'neg'", "field 'decimals'", "0 to 6"),
    ),
    "too many decimals": (
        [claim(id="seven", decimals=7)],
        ("claim 'seven'", "field 'decimals'", "0 to 6"),
    ),
    "published has more places than decimals": (
        [claim(id="places", published=21.5)],
        ("claim 'places'", "field 'published'", "1 decimal place"),
    ),
    "bad url": (
        [claim(id="ftp", url="ftp://example.org/x")],
        ("claim 'ftp'", "field 'url'", "http"),
    ),
    "url without host": (
        [claim(id="nohost", url="https://")],
        ("claim 'nohost'", "field 'url'"),
    ),
    "non-list top level": (
        {"claims": [claim()]},
        ("top level must be a list", "mapping"),
    ),
    "list of strings": (["just a sentence"], ("entry 1", "must be a mapping")),
    "empty file": ("", ("empty",)),
    "only a comment": ("# nothing here\n", ("no claims",)),
    "empty list": ("[]\n", ("list of claims is empty",)),
    "count with a denominator": (
        [claim(id="count-den", denominator={"dataset": "sin_national", "period": "2021"})],
        ("claim 'count-den'", "field 'denominator'", "takes no denominator"),
    ),
    "share without a denominator": (
        [claim(id="share-no-den", kind="share", published=37)],
        ("claim 'share-no-den'", "field 'denominator'", "needs a denominator"),
    ),
    "unknown field": (
        [claim(id="typo", numerater={"dataset": "sin_national", "period": "2021"})],
        ("claim 'typo'", "field 'numerater'", "unknown field"),
    ),
    "unknown field in a reference": (
        [claim(id="typo2", numerator={"dataset": "sin_national", "period": "2021", "cat": "x"})],
        ("claim 'typo2'", "field 'numerator.cat'", "unknown field"),
    ),
    "duplicate key": (
        "- id: dup-key\n  id: again\n  statement: s\n",
        ("duplicate key 'id'", "line 2"),
    ),
    "anchor and alias": (
        "- &c {id: a}\n- *c\n",
        ("YAML anchor", "not allowed"),
    ),
    "ambiguous reference": (
        [
            claim(
                id="ambiguous",
                numerator={"dataset": "characteristics", "period": "2013-14", "category": "Total"},
            )
        ],
        ("claim 'ambiguous'", "field 'numerator'", "matches 2 figures"),
    ),
    "rate over a count": (
        [
            claim(
                id="rate-count",
                kind="rate",
                published=1,
                denominator={"dataset": "sin_national", "period": "2020-21"},
            )
        ],
        ("claim 'rate-count'", "field 'denominator'", "population"),
    ),
    "population for a share": (
        [claim(id="pop-share", kind="share", published=1, denominator={"population": "England"})],
        ("claim 'pop-share'", "field 'denominator'", "kind 'rate' only"),
    ),
    "expect without reason": (
        [claim(id="no-reason", expect="cannot check")],
        ("claim 'no-reason'", "field 'reason'", "needs a reason"),
    ),
    "unknown model target": (
        [claim(id="model", interval_model="uncertainty", model_target="everything")],
        ("claim 'model'", "field 'model_target'", "unknown target"),
    ),
    "not utf-8": (b"- id: caf\xe9\n", ("not UTF-8", "line 1")),
    "two documents": ("- id: a\n---\n- id: b\n", ("not valid YAML",)),
}


@pytest.mark.parametrize("case", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_claims_file_is_rejected(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, expected = HOSTILE[case]
    path = tmp_path / "hostile.yml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write(tmp_path, content, "hostile.yml")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "verify.json"
    code, stdout, err = run(
        ["verify", "--claims", str(path), "--format", "json", "--output", str(target)], capsys
    )
    assert code == 2, err
    assert err.startswith("error: ") and str(path) in err
    for text in expected:
        assert text in err, f"{text!r} not in {err!r}"
    assert stdout == ""
    assert not target.exists() and list(out_dir.iterdir()) == []


def test_claims_error_carries_claim_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, [claim(), claim(id="bad", kind="median", url="x")])
    with pytest.raises(claims.ClaimsError) as exc:
        claims.load_claims(path)
    err = exc.value
    assert isinstance(err, ConfigError)
    assert err.claim_id == "bad" and err.field == "kind" and err.key == "bad.kind"
    assert len(err.problems) == 2  # every problem is listed, not only the first
    assert {p.field for p in err.problems} == {"kind", "url"}
    assert all(p.line is not None and p.line > 1 for p in err.problems)


def test_missing_claims_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(["verify", "--claims", str(tmp_path / "none.yml")], capsys)
    assert code == 2 and "file not found" in err


def test_schema_file_is_valid_and_matches_the_kinds() -> None:
    import jsonschema

    schema = claims.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$defs"]["claim"]["properties"]["kind"]["enum"] == list(claims.KINDS)
    # The register itself passes the schema alone.
    register = yaml.safe_load(REGISTER.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(register)


# ---------------------------------------------------------------------------------------------
# Fuzzing the reader: a valid result or a ConfigError, never another exception
# ---------------------------------------------------------------------------------------------

FIELDS = [*BASE, "denominator", "qualifier", "expect", "reason", "explanation", "interval_model"]
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(["2021", "2025-26", "2020-21 H1", "Total", "count", "share", "sin_national"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from([*FIELDS, "dataset", "period", "x"]), inner, max_size=5)
    ),
    max_leaves=12,
)


def check_reader(call: Any) -> None:
    try:
        result = call()
    except ConfigError as err:
        assert str(err)
    else:
        assert isinstance(result, list) and result
        assert all(isinstance(c, claims.Claim) for c in result)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_text(text: str) -> None:
    check_reader(lambda: claims.loads_claims(text))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_bytes(raw: bytes) -> None:
    check_reader(lambda: claims.loads_claims(raw))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_fuzz_structures(obj: object) -> None:
    check_reader(lambda: claims.parse_claims(obj))
    text = yaml.safe_dump(obj, allow_unicode=True)
    check_reader(lambda: claims.loads_claims(text))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), json_values, st.sampled_from(["replace", "numerator", "drop"]))
def test_fuzz_one_field_of_a_valid_claim(field: str, value: object, where: str) -> None:
    entry = claim()
    if where == "drop":
        entry.pop(field, None)
    elif where == "numerator" and isinstance(value, dict | str | int):
        entry["numerator"] = {**entry["numerator"], "period": value}
    else:
        entry[field] = value
    check_reader(lambda: claims.parse_claims([entry]))


HOSTILE_FRAGMENTS = [
    "!!python/object/apply:os.system ['ls']",
    "&a [*a, *a]",
    "[" * 200,
    "{" * 200,
    "- " * 200,
    "? [a, b]\n: c",
    "%TAG ! tag:x,2000:\n---\n- !x 1",
    "<<: {id: a}",
    "'\\x00'",
    "\t- id: a",
    "9" * 5000,
    "2021-01-01",
    ".nan",
    "- {id: a, id: b}",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(HOSTILE_FRAGMENTS), min_size=1, max_size=4),
    st.sampled_from(FIELDS),
)
def test_fuzz_hostile_fragments(fragments: list[str], field: str) -> None:
    body = yaml.safe_dump([claim()], sort_keys=False)
    for fragment in fragments:
        variants = [
            fragment,
            body + fragment,
            body.replace(f"  {field}:", f"  {field}: {fragment}\n  x{field}:", 1),
        ]
        for text in variants:
            check_reader(lambda text=text: claims.loads_claims(text))


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
def test_fuzz_verify_valid_claims(kind: str, num: dict[str, Any], den: Any, decimals: int) -> None:
    entry = claim(kind=kind, numerator=num, decimals=decimals, published=1)
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


def test_no_interval_is_explained_not_invented(tmp_path: Path) -> None:
    percent = claim(
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
    too_big = claim(
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
    regional = claim(
        id="regional",
        published=30,
        numerator={"dataset": "characteristics", "period": "2026", "area": "North East"},
    )
    res = claims.verify(claims.load_claims(write(tmp_path, [percent, too_big, regional])))
    by = {r.claim.id: r for r in res}
    assert by["percent-figure"].verdict == "reproduces"
    assert by["percent-figure"].lower is None and by["percent-figure"].method == "none"
    assert "not a count" in by["percent-figure"].note
    assert by["children-share"].verdict == "reproduces" and by["children-share"].lower is None
    assert "exceeds the denominator" in by["children-share"].note
    assert by["regional"].lower is not None
    assert "rounded to the nearest 10" in by["regional"].note
