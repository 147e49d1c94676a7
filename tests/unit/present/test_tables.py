"""Tests for sinstats.present.tables: the declared formatting of readers' tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sinstats.errors import ParameterError
from sinstats.present import outputs
from sinstats.present.tables import FORMATS, Column, Display, footnotes, reader_problems


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


def test_years_labels_and_trimmed_numbers() -> None:
    frame = pd.DataFrame(
        {
            "year": [2014.0, 2015, "2024-25", math.nan],
            "code": ["period_basis", "other", None, "period_basis"],
            "share": [0.302814, 33.0, 0.05, math.nan],
        }
    )
    show = Display(
        "t",
        Column("Year", "year", "year"),
        Column("Reason", "code", labels={"period_basis": "Different periods"}),
        Column("Default", "share", "trimmed", 4),
    )
    out = show(frame)
    # A year is written as it is ("2014", never "2,014" or "2014.0"); a code through its label;
    # trimmed = f"{x:.4f}" without trailing zeros.
    assert out["Year"].tolist() == ["2014", "2015", "2024-25", "-"]
    assert out["Reason"].tolist() == ["Different periods", "other", "-", "Different periods"]
    assert out["Default"].tolist() == ["0.3028", "33", "0.05", "-"]
    assert reader_problems(out, "t") == []


def test_footnotes_say_one_note_once_and_number_several() -> None:
    assert footnotes(["mid-2024 population"] * 3) == ([""] * 3, ["Note: Mid-2024 population"])
    markers, lines = footnotes(["a", None, "b", "a", math.nan])
    assert markers == ["[note 1]", "", "[note 2]", "[note 1]", ""]
    assert lines == ["Note 1: A", "Note 2: B"]
    assert footnotes(["", None]) == (["", ""], [])
    # A note that is a web address keeps its case.
    assert footnotes(["https://x.org/a"] * 2)[1] == ["Note: https://x.org/a"]


@given(st.lists(st.sampled_from(["", "first note", "second note", "third"]), max_size=12))
def test_footnotes_property_every_note_listed_once(notes: list[str]) -> None:
    markers, lines = footnotes(notes)
    assert len(markers) == len(notes)
    distinct = list(dict.fromkeys(n for n in notes if n))
    assert len(lines) == len(distinct)
    for note, marker in zip(notes, markers, strict=True):
        assert (marker == "") == (note == "" or len(distinct) == 1 and all(notes))


def test_display_notes_go_under_the_table_once() -> None:
    frame = pd.DataFrame({"n": [91.0, 66.0], "note": ["see https://ex.org/a <b>", ""]})
    show = Display("t", Column("Notifications", "n", "count"), notes="note")
    out = show(frame)
    assert "note" not in [c.lower() for c in out.columns]
    assert out["Notifications"].tolist() == ["91 [note 1]", "66"]
    assert out.attrs["notes"] == ["Note 1: See https://ex.org/a <b>"]
    html = outputs.table_html(out, "Caption", "t")
    # The note is escaped and its web address is a link.
    assert '<a href="https://ex.org/a">https://ex.org/a</a> &lt;b&gt;' in html
    assert html.count("Note 1:") == 1
    assert (show.__doc__ or "").endswith("Notes under the table.")


# The planted examples: each is a table a reader should not see, and the check names it.
PLANTED = [
    ({"conf_level": ["0.95"]}, "header 'conf_level' is an internal name"),
    ({"count": ["91"]}, "header 'count' reads like a field name"),
    ({"Notifications": ["91.00", "66.00"]}, "whole numbers written with decimals ('91.00')"),
    ({"Notifications": ["33.0"]}, "whole numbers written with decimals ('33.0')"),
    ({"Year": ["2,014", "2,015"]}, "years written with a thousands separator ('2,014')"),
    ({"Reason": ["period_basis"]}, "internal name 'period_basis'"),
    ({"Source": ["DfE, EES_RY2026_natchar"]}, "internal name 'EES_RY2026_natchar'"),
    ({"Share": ["0.857143"]}, "more than four decimals in '0.857143'"),
    ({"Count": ["nan"]}, "a raw missing value ('nan')"),
    ({"95% CI": ["1 to 2"]}, "says CI"),
    ({"Note": ["same", "same"]}, "the same note on every row"),
]


@pytest.mark.parametrize(("columns", "problem"), PLANTED)
def test_reader_problems_catch_each_planted_example(columns: dict, problem: str) -> None:
    found = reader_problems(pd.DataFrame(columns), "planted")
    assert any(problem in p for p in found), found


def test_reader_problems_leave_good_tables_and_urls_alone() -> None:
    good = pd.DataFrame(
        {
            "Year": ["2014-15", "2025-26"],
            "Notifications": ["1,234", "not published"],
            "95% interval": ["321 to 396", "-"],
            "p-value": ["p = 0.04", "p < 0.001"],
            "Source": ["https://ex.org/a_b_c", "doi:10.1000/x_y"],
        }
    )
    assert reader_problems(good, "good") == []
