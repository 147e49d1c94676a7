"""Tests for sinstats.analyses.panel.reconcile: the Panel's and DfE's counts side by side."""

from __future__ import annotations

import pandas as pd
import pytest

from sinstats.analyses.panel import reconcile
from sinstats.errors import ParameterError


def _frame(rows: list[tuple[str, str, str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "period": period,
                "period_kind": kind,
                "geographic_level": "National",
                "breakdown_topic": "Total",
                "category": category,
                "measure": measure,
                "value": value,
                "qualifier": qualifier,
                "source_id": f"SRC_{period}",
            }
            for period, kind, category, measure, value, qualifier in rows
        ]
    )


FY, CY, N_ = "financial_year", "calendar_year", "number_notifications"


DFE = _frame(
    [
        ("2019-20", FY, "Total", N_, 449, ""),
        ("2020-21", FY, "Total", N_, 536, ""),
        ("2020-21", FY, "Child death", N_, 223, ""),
        ("2021-22", FY, "Total", N_, 442, ""),
        ("2021-22", FY, "Child death", N_, 191, ""),
        ("2022-23", FY, "Total", N_, 456, ""),
        ("2022-23", FY, "Child death", N_, 201, ""),
        ("2022-23", FY, "Serious harm", N_, 244, ""),
    ]
)


PANEL = _frame(
    [
        ("2020", CY, "Total", N_, 482, ""),
        ("2020", CY, "Child death", N_, 206, ""),
        ("2021", CY, "Total", N_, 379, ""),
        ("2021", CY, "Child death", N_, 150, "over"),
        ("2022-23", FY, "Total", N_, 393, ""),
        ("2022-23", FY, "Child death", N_, 146, ""),
        ("2022-23", FY, "Serious harm", N_, 227, ""),
        ("2020", CY, "Total", "percentage_of_fatal_incidents", 17, ""),  # not a count: ignored
    ]
)


@pytest.fixture(scope="module")
def reconciled() -> pd.DataFrame:
    return reconcile(DFE, PANEL)


def _row(table: pd.DataFrame, panel: str, category: str, dfe: str) -> pd.Series:
    hit = table[
        (table["panel_period"] == panel)
        & (table["category"] == category)
        & (table["dfe_period"] == dfe)
    ]
    assert len(hit) == 1, (panel, category, dfe)
    return hit.iloc[0]


def test_reconcile_side_by_side(reconciled: pd.DataFrame) -> None:
    row = _row(reconciled, "2020", "Total", "2019-20")
    assert (row["panel_value"], row["dfe_value"], row["overlap_months"]) == (482, 449, 3)
    assert row["difference"] == 33
    assert row["dfe_value_basis"] == "published"
    assert "period_basis" in row["reason_codes"]
    assert "calendar year" in row["reasons"] and "April-March" in row["reasons"]
    same = _row(reconciled, "2022-23", "Child death", "2022-23")
    assert (same["panel_value"], same["dfe_value"], same["difference"]) == (146, 201, -55)
    assert "period_basis" not in same["reason_codes"]
    assert "rapid reviews" in same["reasons"]
    assert same["overlap_months"] == 12
    assert _row(reconciled, "2022-23", "Serious harm", "2022-23")["difference"] == -17
    assert {"method", "note"} <= set(reconciled.columns)


def test_reconcile_calendar_equivalent_is_labelled_estimate(reconciled: pd.DataFrame) -> None:
    est = _row(reconciled, "2020", "Total", "2020 (calendar-year equivalent)")
    assert est["dfe_value"] == pytest.approx(0.25 * 449 + 0.75 * 536)
    assert est["method"] == "pro_rata_estimate"
    assert est["dfe_value_basis"].startswith("estimate: pro rata")
    assert "not a published figure" in est["dfe_value_basis"]
    assert "estimate" in est["reason_codes"]
    # Every row called "published" carries a value that is in the DfE input.
    published = reconciled[reconciled["dfe_value_basis"] == "published"]
    assert set(published["dfe_value"]) <= set(DFE["value"])
    estimates = reconciled[reconciled["method"] == "pro_rata_estimate"]
    assert estimates["dfe_value_basis"].str.contains("not a published figure").all()


def test_reconcile_lower_bound_and_partial_cover(reconciled: pd.DataFrame) -> None:
    over = reconciled[
        (reconciled["panel_period"] == "2021") & (reconciled["category"] == "Child death")
    ]
    assert len(over) == 3  # 2020-21, 2021-22 and the estimate 0.25*223 + 0.75*191 = 199
    assert over["reason_codes"].str.contains("lower_bound").all()
    assert over["note"].str.contains("lower bound").all()
    assert _row(reconciled, "2021", "Child death", "2021 (calendar-year equivalent)")[
        "dfe_value"
    ] == pytest.approx(199)
    partial = _row(reconciled, "2020", "Child death", "2020-21")
    assert "cover only 9 of 12 months" in partial["note"]
    assert not (
        (reconciled["panel_period"] == "2020")
        & (reconciled["category"] == "Child death")
        & (reconciled["method"] == "pro_rata_estimate")
    ).any()


def test_reconcile_rejects_frames_without_columns() -> None:
    with pytest.raises(ParameterError, match="lacks column"):
        reconcile(DFE.drop(columns=["period_kind"]), PANEL)


def test_reconcile_on_the_project_data() -> None:
    from sinstats import data

    table = reconcile(data.load("sin_national"), data.load("panel_notifications"))
    row = _row(table, "2022-23", "Total", "2022-23")
    assert (row["panel_value"], row["dfe_value"]) == (393, 456)
    est = table[table["method"] == "pro_rata_estimate"]
    assert not est.empty
    assert est["dfe_value_basis"].str.contains("not a published figure").all()
