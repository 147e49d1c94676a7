"""Format eras: the layout told from a header, and headers that fit no era."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sinstats.data import official
from sinstats.data.official import eras
from sinstats.errors import DataError

Refused = Callable[[str | bytes, str, str | None, str], None]

# name: (file, header text replaced (or "" to append), replacement, cell appended to the first
# row, expected column, expected words). Every message names line 1.
BAD_HEADERS: dict[str, tuple[str, str, str, str, str | None, str]] = {
    "unknown_column": ("ry", "", ",pupil_count", ",3", "pupil_count", "unknown column"),
    "missing_base_column": (
        "ry",
        "time_identifier",
        "time_label",
        "",
        "time_identifier",
        "missing column",
    ),
    "no_count_column": ("ry", "number_notifications", "pupils", "", None, "no count column"),
    "two_count_columns": ("ry", "", ",number", ",3", "number", "two count columns"),
    "characteristic_without_value": (
        "ry",
        "breakdown_topic,breakdown",
        "characteristic,breakdown",
        "",
        "category",
        "missing column",
    ),
    "subnational_without_la_name": ("sub", "la_name", "la_title", "", "la_name", "missing column"),
    "duplicate_column": ("ry", "", ",quarter", ",Total", "quarter", "appears twice"),
}


@pytest.mark.parametrize("kind", sorted(BAD_HEADERS))
def test_bad_header_rejected_with_location(
    kind: str, samples: dict[str, str], assert_refused: Refused
) -> None:
    file, old, new, extra, column, words = BAD_HEADERS[kind]
    header = samples[f"{file}_header"]
    header = header.replace(old, new) if old else header + new
    content = header + "\n" + samples[f"{file}_first"] + extra + "\n"
    assert_refused(content, "line 1", column, words)


@pytest.mark.parametrize(
    ("columns", "era"),
    [
        ("sin_breakdown,category,number,percentage", "transparency"),
        ("characteristic,category,number,percentage", "fy_category"),
        ("characteristic,characteristic_type,nature_of_notification,number_notifications", None),
        ("breakdown_topic,breakdown,nature_of_notification,number_notifications", None),
        ("age_group,ethnicity,gender,number", "cross_characteristics"),
        ("number_notifications", "totals"),
    ],
)
def test_era_told_from_header(columns: str, era: str | None) -> None:
    header = [*official.BASE_COLUMNS, *columns.split(",")]
    layout = official.detect_layout(header, "x.csv")
    expected = era or ("fy_characteristic" if "characteristic" in columns else "ry_breakdown")
    assert layout.era == expected
    assert set(header) <= layout.columns()
    assert layout.era in official.ERAS and layout.era in official.ERA_PRIORITY


def test_subnational_layout_and_allowed_columns() -> None:
    header = [
        *official.BASE_COLUMNS,
        *official.GEOGRAPHY_COLUMNS,
        "number",
        "cin_31march",
        "idaci_avgscore_2019",
        "time_breakdown",
    ]
    with pytest.raises(DataError, match="unknown column.*'time_breakdown'"):
        official.detect_layout(header, "x.csv")  # half years are not split sub-nationally
    layout = official.detect_layout(header[:-1], "x.csv")
    assert layout.era == "subnational" and layout.count == "number"
    assert layout.context == ("cin_31march", "idaci_avgscore_2019")
    assert layout.columns() == set(header[:-1])


def test_every_era_has_a_priority_and_a_description() -> None:
    assert set(eras.ERAS) == set(eras.ERA_PRIORITY)
    assert eras.ERA_PRIORITY["subnational"] < eras.ERA_PRIORITY["ry_breakdown"]
