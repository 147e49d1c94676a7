"""Change claims in `sinstats verify`: break flags, the series' scatter and multiplicity.

A claim comparing 2014-15 with 2013-14 (the Ofsted collection under its earlier definition)
must carry the break warning in every output (table, Markdown, JSON ``break``) and never be
called more than chance; the change claims tested together are adjusted (Holm by default).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

from sinstats.analyses import claims
from sinstats.stats.multiplicity import adjust_p_values

# Community Care, 29 October 2015 (a secondary report of Ofsted's 2014-15 statistics).
RISE_FROM_2013_14: dict[str, Any] = {
    "id": "commcare-2014-15-rise-29pc",
    "statement": "The watchdog was notified of 385 serious incidents involving children in "
    "2014-15, a 29% increase on 2013-14.",
    "source": "Community Care (29 October 2015)",
    "url": "https://www.communitycare.co.uk/2015/10/29/rise-number-serious-incidents-involving-"
    "children-reported-ofsted/",
    "published": 29,
    "decimals": 0,
    "kind": "percent_change",
    "numerator": {"dataset": "sin_national", "period": "2014-15", "category": "Total"},
    "denominator": {"dataset": "sin_national", "period": "2013-14", "category": "Total"},
}
DEATHS_2016_17: dict[str, Any] = {
    **RISE_FROM_2013_14,
    "id": "deaths-2016-17",
    "statement": "211 cases of child deaths were notified, compared with 171",
    "published": 23,
    "numerator": {"dataset": "sin_national", "period": "2016-17", "category": "Child death"},
    "denominator": {"dataset": "sin_national", "period": "2015-16", "category": "Child death"},
}
PANEL_FALL: dict[str, Any] = {
    **RISE_FROM_2013_14,
    "id": "panel-fall",
    "statement": "a 21% reduction",
    "published": -21,
    "numerator": {"dataset": "panel_notifications", "period": "2021", "category": "Total"},
    "denominator": {"dataset": "panel_notifications", "period": "2020", "category": "Total"},
}


@pytest.fixture
def claims_file(write_claims: Any) -> Path:
    path: Path = write_claims([RISE_FROM_2013_14, DEATHS_2016_17, PANEL_FALL])
    return path


def test_a_change_across_the_earlier_definition_is_flagged_in_every_output(
    claims_file: Path, run_cli: Any
) -> None:
    code, table, _ = run_cli(["verify", "--claims", str(claims_file)])
    assert code == 0
    row = next(line for line in table.splitlines() if line.startswith("commcare-2014-15"))
    assert row.split()[-1] == "comparable" and "not comparable" in row
    assert "BREAK: 2013-14 to 2014-15 crosses a declared series break" in table
    assert "earlier Ofsted definition, not comparable" in table
    code, md, _ = run_cli(["verify", "--claims", str(claims_file), "--format", "markdown"])
    line = next(x for x in md.splitlines() if "`commcare-2014-15-rise-29pc`" in x)
    assert "| not comparable |" in line and "crosses a declared series break" in line
    code, text, _ = run_cli(["verify", "--claims", str(claims_file), "--format", "json"])
    doc = json.loads(text)
    rise = next(c for c in doc["claims"] if c["id"] == "commcare-2014-15-rise-29pc")
    assert rise["break"]["flag"] == "not comparable"
    assert rise["break"]["ids"] == ["earlier-ofsted-definition"]
    assert "no change is called more than chance" in rise["break"]["warning"]
    assert rise["chance_alone"] is None and rise["p_adjusted"] is None
    assert rise["verdict"] == "reproduces"  # the arithmetic reproduces; the comparison is flagged
    assert "More than chance" not in rise["note"] and "more than the series" not in rise["note"]
    others = [c for c in doc["claims"] if c["id"] != "commcare-2014-15-rise-29pc"]
    assert all(c["break"] is None for c in others)


def test_verify_shows_raw_and_adjusted_p_values(claims_file: Path) -> None:
    results = {r.claim.id: r for r in claims.verify_files([claims_file])}
    deaths = results["deaths-2016-17"]
    # 211 vs 171: chance alone (Poisson) p about 0.046; allowing for the series' scatter 0.36.
    assert deaths.p_value == pytest.approx(stats.binomtest(211, 382, 0.5).pvalue, rel=1e-6)
    assert deaths.p_overdispersed == pytest.approx(0.3606, abs=1e-4)
    panel = results["panel-fall"]
    assert panel.p_overdispersed is None and "Poisson only" in panel.note
    # Two changes were tested together (the flagged one is not): Holm over them, checked
    # against the adjustment that tests/unit/stats/test_multiplicity.py checks against R.
    expected = adjust_p_values([deaths.p_overdispersed, panel.p_value], "holm").p_values
    assert [deaths.p_adjusted, panel.p_adjusted] == pytest.approx(list(expected), rel=1e-12)
    assert deaths.n_adjusted == panel.n_adjusted == 2 and deaths.adjust == "holm"
    assert deaths.chance_alone is True and panel.chance_alone is False
    assert "Holm-adjusted over 2 changes" in deaths.note
    assert "Chance alone (Poisson): exact conditional test of no change p = 0.0459" in deaths.note


@pytest.mark.parametrize("method", ["holm", "bh", "none"])
def test_adjust_option(claims_file: Path, run_cli: Any, method: str) -> None:
    code, text, _ = run_cli(["verify", "--claims", str(claims_file), "--format", "json",
                             "--adjust", method])  # fmt: skip
    doc = json.loads(text)
    assert doc["adjustment"] == {"method": method, "n": 2}
    deaths = next(c for c in doc["claims"] if c["id"] == "deaths-2016-17")
    raw = deaths["p_overdispersed"]
    assert deaths["adjustment"] == {"method": method, "n": 2}
    if method == "none":
        assert deaths["p_adjusted"] == raw
    else:
        assert deaths["p_adjusted"] >= raw
    code, table, _ = run_cli(["verify", "--claims", str(claims_file), "--adjust", method])
    header = {"holm": "p Holm", "bh": "p BH", "none": "p unadjusted"}[method]
    assert header in table.splitlines()[0]
    assert "Change claims tested together: 2" in table
    assert "1 change across a declared break (breaks.yml) flagged and not tested" in table


def test_bad_adjust_is_refused(claims_file: Path, run_cli: Any) -> None:
    with pytest.raises(SystemExit):
        run_cli(["verify", "--claims", str(claims_file), "--adjust", "bonferroni"])
    with pytest.raises(ValueError, match="adjust must be one of"):
        claims.verify_files([claims_file], adjust="bonferroni")


def test_the_register_flags_its_change_across_the_dfe_step() -> None:
    results = {r.claim.id: r for r in claims.verify_files()}
    step = results["swt-2014-to-2021-up-151"]
    assert step.break_flag == "step change" and step.breaks == ("dfe-collection",)
    assert step.chance_alone is None and step.p_adjusted is None
    tested = [r for r in results.values() if r.p_adjusted is not None]
    assert len({r.n_adjusted for r in tested}) == 1 and tested[0].n_adjusted == len(tested)
    table = claims.verify_table(list(results.values()))
    row = table[table["id"] == "swt-2014-to-2021-up-151"].iloc[0]
    assert row["break_flag"] == "step change" and math.isnan(row["p_adjusted"])


@pytest.mark.parametrize("method", ["holm", "bh"])
def test_the_registers_adjusted_p_values_match_r(method: str) -> None:
    """Every tested change claim of the register, recomputed and adjusted in R (p.adjust)."""
    reference = Path(__file__).resolve().parents[3] / "reference" / "verify_family.csv"
    with reference.open(encoding="utf-8") as fh:
        expected = {row["id"]: row for row in csv.DictReader(fh)}
    results = {r.claim.id: r for r in claims.verify_files(adjust=method)}
    tested = {i: r for i, r in results.items() if r.p_adjusted is not None}
    assert set(tested) == set(expected)
    for claim_id, row in expected.items():
        r = tested[claim_id]
        used = r.p_overdispersed if r.p_overdispersed is not None else r.p_value
        assert used == pytest.approx(float(row["used"]), abs=1e-6), claim_id
        assert r.p_adjusted == pytest.approx(float(row[method]), abs=1e-6), claim_id
        assert r.n_adjusted == len(expected)


def test_a_lone_change_says_there_is_nothing_to_adjust(write_claims: Any) -> None:
    (result,) = claims.verify_files([write_claims([DEATHS_2016_17])])
    assert result.n_adjusted == 1 and result.p_adjusted == result.p_overdispersed
    assert "the only change tested (nothing to adjust)" in result.note
    assert "over 1 changes" not in result.note
