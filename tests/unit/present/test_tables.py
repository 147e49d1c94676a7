"""Tests for sinstats.present.tables: the declared formatting of readers' tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sinstats.errors import ParameterError
from sinstats.present.tables import FORMATS, Column, Display


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "nature": ["Total", "Other"],
            "count": [1234.0, math.nan],
            "lower": [1164.6, math.nan],
            "upper": [1306.4, math.nan],
            "p_value": [0.0004, 0.27],
            "share": [0.1234, math.nan],
            "period": ["2025-26", "2025-26"],
            "conf_level": [0.9, 0.9],
        }
    )


def test_formats_headers_and_missing_values() -> None:
    show = Display(
        "headline_table",
        Column("Nature", "nature"),
        Column("Notifications, {period}", "count", "count"),
        Column("{level} interval", ("lower", "upper"), "interval", 1),
        Column("p", "p_value", "p"),
        Column("Share (%)", "share", "percent_of_one", 1),
        Column("Upper", "upper", "number", 2),
        Column("Conf", "conf_level", "general"),
    )
    out = show(_table())
    assert list(out.columns) == [
        "Nature", "Notifications, 2025-26", "90% interval", "p", "Share (%)", "Upper", "Conf",
    ]  # fmt: skip
    assert out.iloc[0].tolist() == [
        "Total", "1,234", "1,164.6 to 1,306.4", "p < 0.001", "12.3", "1,306.40", "0.9",
    ]  # fmt: skip
    assert out.iloc[1].tolist() == ["Other", "not published", "-", "p = 0.27", "", "-", "0.9"]


def test_custom_formats_and_row_filter() -> None:
    show = Display(
        "t",
        Column("Nature", "nature", lambda n, decimals: n.upper()),
        Column("Both", ("nature", "period"), lambda n, p, decimals: f"{n} in {p}"),
        where=lambda t: t["nature"] != "Other",
    )
    out = show(_table())
    assert out.to_dict("records") == [{"Nature": "TOTAL", "Both": "Total in 2025-26"}]
    assert "Format :func:`t` for readers: Nature, Both." == show.__doc__
    assert repr(show) == "Display('t', 2 columns)"


def test_unknown_format_is_refused_with_the_choices() -> None:
    with pytest.raises(ParameterError, match="unknown format 'cnt'.*count"):
        Column("x", "count", "cnt")
    assert set(FORMATS) >= {"count", "number", "interval", "p"}


def test_empty_table_keeps_headers_without_a_level() -> None:
    show = Display("t", Column("{level} interval", ("lower", "upper"), "interval"))
    out = show(_table().iloc[0:0])
    assert list(out.columns) == [" interval"] and out.empty
