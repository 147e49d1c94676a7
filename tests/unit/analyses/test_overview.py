"""The annual overview's computations against values computed here independently."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from sinstats import data
from sinstats.analyses import overview
from sinstats.stats import intervals


def _row(table: pd.DataFrame, nature: str) -> pd.Series:
    return table[table["nature"] == nature].iloc[0]


def test_headline_counts_are_the_published_counts_with_exact_intervals() -> None:
    table = overview.headline_table("2026")
    assert list(table["nature"]) == ["Total", "Child death", "Serious harm", "Other"]
    for nature in overview.NATURES:
        r = _row(table, nature)
        x = data.count("2026", nature).value
        assert r["count"] == x
        # Garwood interval from the chi-square distribution, computed here.
        assert r.lower == pytest.approx(stats.chi2.ppf(0.025, 2 * x) / 2, rel=1e-9)
        assert r.upper == pytest.approx(stats.chi2.ppf(0.975, 2 * x + 2) / 2, rel=1e-9)


def test_rate_is_count_over_population_times_100000() -> None:
    table = overview.headline_table("2026")
    pop = data.population("2026")
    r = _row(table, "Total")
    assert pop.mid_year == 2024  # mid-2025 not yet published: the latest earlier is used
    assert r["rate"] == pytest.approx(357 / 12_183_016 * 1e5, rel=1e-12)
    assert r["rate_lower"] == pytest.approx(r.lower / 12_183_016 * 1e5, rel=1e-12)
    assert "mid-2024" in r["note"]


def test_unpublished_natures_are_rows_with_missing_values() -> None:
    table = overview.headline_table("2018-19")
    assert _row(table, "Total")["count"] == 498
    for nature in ("Child death", "Serious harm", "Other"):
        r = _row(table, nature)
        assert math.isnan(r["count"]) and r["note"] == "not published for 2018-19"


def test_shares_use_wilson_intervals() -> None:
    r = _row(overview.shares_table("2026"), "Child death")
    n, x, z = 357, 160, stats.norm.ppf(0.975)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert r["percent"] == pytest.approx(100 * p)
    assert r["percent_lower"] == pytest.approx(100 * (centre - half), rel=1e-9)
    assert r["percent_upper"] == pytest.approx(100 * (centre + half), rel=1e-9)


def test_change_in_words_for_known_inputs() -> None:
    ratio = intervals.RateRatio(1.056, 0.9077, 1.2293, 0.4948)
    assert overview.change_in_words(357, 338, ratio) == (
        "a rise of 19, 6%; 95% CI for the ratio 0.91-1.23 (p = 0.49): consistent with no change"
    )
    ratio = intervals.RateRatio(0.888, 0.776, 1.016, 0.085)
    assert overview.change_in_words(405, 456, ratio) == (
        "a fall of 51, 11%; 95% CI for the ratio 0.78-1.02 (p = 0.09): consistent with no change"
    )
    ratio = intervals.RateRatio(1.19, 1.05, 1.36, 0.004)
    assert overview.change_in_words(536, 449, ratio).endswith(
        "(p = 0.004): more than chance alone would usually produce"
    )
    ratio = intervals.RateRatio(1.0, 0.35, 2.84, 1.0)
    assert overview.change_in_words(9, 9, ratio).startswith("no change; ")


def test_change_from_previous_matches_poisson_test() -> None:
    change = overview.change_from_previous("2026")
    assert (change.current, change.before, change.difference) == (357, 338, 19)
    assert change.percent == pytest.approx(100 * 19 / 338)
    # R: poisson.test(c(357, 338)) is binom.test(357, 695); its p-value computed here.
    p = stats.binomtest(357, 695, 0.5).pvalue
    assert change.ratio is not None and change.ratio.p_value == pytest.approx(p, rel=1e-6)
    assert change.significant is False
    assert change.text.startswith("notifications: a rise of 19, 6%")


def test_change_when_previous_year_not_published() -> None:
    change = overview.change_from_previous("2018-19")
    assert change.ratio is None and change.significant is None
    assert "2017-18 has no figure held (not held; Ofsted published 2017-18" in change.text


def test_change_table_has_rate_row() -> None:
    table = overview.change_table("2026")
    rate = table[table["measure"].str.contains("rate")].iloc[0]
    assert rate["current"] == pytest.approx(357 / 12_183_016 * 1e5)
    assert rate["before"] == pytest.approx(338 / 12_183_016 * 1e5)  # both years use mid-2024
    assert {"method", "conf_level", "note"} <= set(table.columns)


def test_series_position_says_rank_and_gap() -> None:
    text = overview.series_position("2020-21")
    assert text.startswith("2020-21 (536) is the 1st highest of the 11 published years")
    assert "2017-18 was not published." in text
    assert text.endswith("so years on either side are not like-for-like.")
    assert "from 2018-19: the move to DfE's collection" in text
    assert overview.series_position("2017-18") == "2017-18 has no published figure for total."


def test_method_sensitivity_covers_every_method_and_flags() -> None:
    long = overview.method_sensitivity("2026")
    counts = long[long["kind"] == "count"]
    assert set(counts["method"]) == set(overview.SENSITIVITY_COUNT_METHODS)
    assert set(long.loc[long["kind"] == "share", "method"]) == {
        "wilson",
        "clopper_pearson",
        "jeffreys",
    }
    normal = counts[(counts["quantity"] == "Total (count)") & (counts["method"] == "normal")].iloc[
        0
    ]
    assert normal["lower"] == pytest.approx(357 - stats.norm.ppf(0.975) * math.sqrt(357))
    assert overview.sensitive_conclusions(long) == []
    assert "No conclusion changes" in overview.sensitivity_sentence(long)


def test_sensitivity_summary_flags_a_split_conclusion() -> None:
    long = pd.DataFrame(
        {
            "period": "x",
            "quantity": ["Other (count)"] * 2,
            "kind": "count",
            "method": ["exact", "normal"],
            "estimate": 9.0,
            "lower": [4.1, 3.1],
            "upper": [17.1, 14.9],
            "reference": 16.0,
            "reference_label": "last year",
            "excludes_reference": [False, True],
            "conf_level": 0.95,
            "note": "",
        }
    )
    summary = overview.sensitivity_summary(long)
    assert summary.loc[0, "Normal approximation"] == "3.1 to 14.9 *"
    assert summary.loc[0, "Conclusion"].startswith(
        "CHANGES WITH METHOD: excluded by Normal approximation"
    )
    assert overview.sensitive_conclusions(long) == ["Other (count)"]


def test_key_figures_records() -> None:
    headline = overview.headline_table("2015-16")
    records = overview.key_figures(headline, overview.change_from_previous("2015-16"))
    names = [r.name for r in records]
    assert names == [
        "total",
        "child_deaths",
        "serious_harm",
        "other",
        "rate_per_100k",
        "change_total",
    ]
    other = records[3]
    assert not other.available and "not published" in other.text
    change = records[5]
    assert change.unit == "difference in count" and change.lower is None
    assert change.ratio is not None and change.ratio_lower is not None
    assert change.ratio_lower <= change.ratio <= (change.ratio_upper or 0)
    now, before = data.count("2015-16").value, data.count("2014-15").value
    assert change.value == now - before  # the difference, in counts
    assert change.ratio == pytest.approx(now / before)  # the ratio, on its own scale


def test_every_public_name_is_reachable_through_overview() -> None:
    from sinstats.analyses import _sensitivity

    assert all(hasattr(overview, name) for name in overview.__all__)
    for name in _sensitivity.__all__:  # the notebook calls overview.method_sensitivity etc.
        assert getattr(overview, name) is getattr(_sensitivity, name)
    assert overview.NATURES is data.NATURES


def test_change_without_a_ratio_has_no_difference() -> None:
    change = overview.change_from_previous("2018-19")  # 2017-18 was not published
    assert change.ratio is None and change.significant is None
    assert math.isnan(change.difference) and math.isnan(change.percent)
    assert "2017-18 has no figure held (not held; Ofsted published 2017-18" in change.text


# ---------------------------------------------------------------------------------------------
# Changes: both tests, multiplicity, breaks (issue: inference that respects the series)
# ---------------------------------------------------------------------------------------------

PHI = 4.43873146689957  # tests/reference/segmented_trends.csv, segmented_quasipoisson dispersion


def _measure(table: pd.DataFrame, measure: str) -> pd.Series:
    return table[table["measure"] == measure].iloc[0]


def test_child_death_rise_of_2016_17_shows_both_p_values_and_says_the_overdispersed_one() -> None:
    table = overview.change_table("2016-17")
    deaths = _measure(table, "Child death (count)")
    assert (deaths["before"], deaths["current"]) == (171, 211)
    # R: poisson.test(c(211, 171))$p.value = binom.test(211, 382)$p.value
    assert deaths["p_value"] == pytest.approx(stats.binomtest(211, 382, 0.5).pvalue, rel=1e-6)
    assert deaths["p_value"] == pytest.approx(0.0459, abs=1e-4)
    # Wald on t(8): log(211/171) / sqrt(phi (1/211 + 1/171)), computed here.
    t = math.log(211 / 171) / math.sqrt(PHI * (1 / 211 + 1 / 171))
    assert deaths["p_overdispersed"] == pytest.approx(2 * stats.t.sf(t, 8), rel=1e-6)
    assert deaths["p_overdispersed"] == pytest.approx(0.36, abs=0.005)
    assert deaths["phi"] == pytest.approx(PHI, rel=1e-6) and deaths["phi_df"] == 8
    text = deaths["text"]
    assert "p = 0.36" in text and "within the series' usual year-to-year movement" in text
    assert "Chance alone (Poisson) gives p = 0.046" in text
    assert "more than" not in text
    assert deaths["excludes_no_change"] is False


def test_changes_tested_together_are_holm_adjusted() -> None:
    table = overview.change_table("2021-22")
    tested = table[table["p_overdispersed"].notna()]
    assert len(tested) == 5 and set(tested["n_adjusted"]) == {5}
    raw = tested["p_overdispersed"].to_numpy()
    order = raw.argsort(kind="stable")
    # Holm written out: running maximum of (m - i) p_(i), capped at 1.
    expected = [0.0] * len(raw)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(raw) - rank) * raw[i]))
        expected[i] = running
    assert tested["p_adjusted"].to_numpy() == pytest.approx(expected, rel=1e-12)
    assert (tested["p_adjusted"] >= tested["p_overdispersed"]).all()
    assert all("Holm-adjusted over 5 changes" in text for text in tested["text"])
    # Chance alone (Poisson) would call the fall in notifications more than chance; the verdict,
    # on the series' scatter and adjusted, does not.
    total = _measure(table, "Total (count)")
    assert total["p_value"] < 0.05 and total["verdict"].startswith("within")
    bh = overview.change_table("2021-22", adjust="bh")
    assert set(bh["adjust"]) == {"bh"}


def test_change_across_the_earlier_ofsted_definition_is_flagged_never_more_than_chance() -> None:
    table = overview.change_table("2014-15")
    total = _measure(table, "Total (count)")
    assert (total["before"], total["current"]) == (298, 385)
    assert total["break_flag"] == "not comparable"
    assert total["breaks"] == "earlier-ofsted-definition"
    assert math.isnan(total["p_adjusted"]) and total["excludes_no_change"] is None
    assert total["verdict"].startswith("not comparable")
    for text in table["text"]:
        assert "more than chance alone would usually produce" not in text
        assert "more than the series' usual" not in text
    assert "earlier Ofsted definition, not comparable" in total["text"]
    change = overview.change_from_previous("2014-15")
    record = overview.key_figures(overview.headline_table("2014-15"), change)[-1]
    assert record.name == "change_total" and record.flags == ("earlier-ofsted-definition",)
    assert "not a like-for-like comparison" in record.text
    assert record.as_json()["flags"] == ["earlier-ofsted-definition"]


def test_sensitivity_has_no_reference_across_a_break() -> None:
    long = overview.method_sensitivity("2014-15")
    assert (long["kind"] != "ratio").all()
    assert long["excludes_reference"].isna().all()


def test_rate_with_a_carried_forward_population_says_so() -> None:
    table = overview.change_table("2026")
    rate = _measure(table, "Total (rate per 100,000 children)")
    assert "both years use the ONS mid-2024 estimate" in rate["note"]
    assert "does not allow for any change in the number of children" in rate["note"]
    assert rate["ratio"] == pytest.approx(_measure(table, "Total (count)")["ratio"])


def test_pandemic_year_changes_carry_the_event_note() -> None:
    change = overview.change_from_previous("2020-21")
    assert "COVID-19 pandemic year" in change.text and change.flags == ()


def test_unknown_nature_is_refused() -> None:
    with pytest.raises(ValueError, match="nature must be one of"):
        overview.change_from_previous("2026", "Deaths")
