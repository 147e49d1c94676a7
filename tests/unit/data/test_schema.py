"""The tidy schema: columns, the number-or-symbol rule, the identity of a figure."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sinstats import data
from sinstats.data import schema
from sinstats.periods import parse_period


def test_column_lists_share_their_parts() -> None:
    assert schema.COLUMNS[:5] == schema.EES_BASE_COLUMNS
    assert schema.COLUMNS[-5:] == schema.PROVENANCE_COLUMNS
    assert schema.TIDY_COLUMNS[-7:-2] == schema.PROVENANCE_COLUMNS
    assert set(schema.REQUIRED_NON_EMPTY) <= set(schema.COLUMNS)
    assert "note" not in schema.REQUIRED_NON_EMPTY and "value" in schema.REQUIRED_NON_EMPTY
    assert set(schema.KEY_COLUMNS) <= set(schema.TIDY_COLUMNS)
    assert len(set(schema.TIDY_COLUMNS)) == len(schema.TIDY_COLUMNS)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("357", (357.0, "")),
        (" 12.5 ", (12.5, "")),
        ("-3", (-3.0, "")),
        ("+.5", (0.5, "")),
        ("1e3", (1000.0, "")),
        ("c", (math.nan, "c")),
        (":", (math.nan, ":")),
        ("low", (math.nan, "low")),
        ("", None),
        ("n/a", None),
        ("nan", None),
        ("inf", None),
        ("1e400", None),
        ("1,000", None),
        ("C", None),
    ],
)
def test_parse_value_number_or_symbol(cell: str, expected: tuple[float, str] | None) -> None:
    got = schema.parse_value(cell)
    if expected is None:
        assert got is None
        assert repr(cell) in schema.not_a_value(cell)
        assert all(symbol in schema.not_a_value(cell) for symbol in schema.SYMBOLS)
        return
    assert got is not None
    value, status = got
    assert status == expected[1]
    assert (math.isnan(value) and math.isnan(expected[0])) or value == expected[0]


def test_record_and_frame_keys_agree() -> None:
    record: dict[str, object] = dict.fromkeys(schema.TIDY_COLUMNS, "")
    record.update(
        period="2025-26",
        area_code="E92000001",
        breakdown_topic="Total",
        breakdown="Total",
        nature="Child death",
        measure="number_notifications",
    )
    key = schema.record_key(record)
    assert key == "2025-26|E92000001|Total|Total|Child death|number_notifications"
    frame = pd.DataFrame([record, {**record, "nature": ""}], index=[5, 9])
    keys = schema.frame_keys(frame)
    assert list(keys.index) == [5, 9]
    assert keys.iloc[0] == key and keys.iloc[1].endswith("|Total||number_notifications")


def test_period_columns_describe_a_period() -> None:
    p = parse_period("2026")
    assert schema.period_columns(p) == {
        "period": "2025-26",
        "period_label": "2025-26 (reporting year 2026)",
        "period_kind": "financial_year",
        "period_start": p.midpoint,
    }


def test_datasets_are_listed_in_schema_order() -> None:
    assert data.list_datasets() == list(schema.SCHEMAS)
    assert {s.file for s in schema.SCHEMAS.values()} == {f"{name}.csv" for name in schema.SCHEMAS}
