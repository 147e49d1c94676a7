"""Notebook 06's verification table: raw and adjusted p-values, and the changes not tested."""

from __future__ import annotations

import pandas as pd
import pytest

from sinstats.analyses import verification
from sinstats.stats.multiplicity import adjust_p_values


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return verification.verify()


def test_raw_and_adjusted_p_values_are_shown(table: pd.DataFrame) -> None:
    shown = verification.changes_display(table)
    assert len(shown) == int(table["p_value"].notna().sum()), "one row per change claim"
    for header in (
        "P-value, chance alone (Poisson)",
        "P-value, series' scatter",
        "P-value, adjusted",
    ):
        assert header in shown.columns
    tested = table[table["p_adjusted"].notna()]
    used = tested["p_overdispersed"].fillna(tested["p_value"])
    expected = adjust_p_values(used.to_numpy(), "holm").p_values
    assert tested["p_adjusted"].to_numpy() == pytest.approx(expected, rel=1e-12)
    assert set(tested["n_adjusted"]) == {len(tested)} and len(tested) >= 10
    deaths = table.set_index("id").loc["ofsted-2016-17-child-deaths-rise-23pc"]
    row = shown[shown["Claim"] == "ofsted-2016-17-child-deaths-rise-23pc"].iloc[0]
    assert (
        row["P-value, chance alone (Poisson)"] == "p = 0.046"
        and row["P-value, series' scatter"] == "p = 0.36"
    )
    assert deaths["chance_alone"] is True


def test_sentence_says_how_many_and_which_were_not_tested(table: pd.DataFrame) -> None:
    text = verification.multiplicity_sentence(table)
    n = int(table["p_adjusted"].notna().sum())
    assert f"**{n} change claims were tested together**" in text and "Holm" in text
    assert "step change" in text and "swt-2014-to-2021-up-151" in text
    shown = verification.register_display(table)
    assert shown.set_index("Claim").loc["swt-2014-to-2021-up-151", "Chance alone?"] == "step change"
    bh = verification.verify(adjust="bh")
    assert "Benjamini-Hochberg" in verification.multiplicity_sentence(bh)
