"""Fuzzing the period parser and the data loader with hostile input.

The only outcomes allowed are a correct result or the documented error type with a message:
``PeriodError`` for periods, a list of ``DataError`` for files. Never another exception, a hang or
a wrong silent result.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sinstats import data, paths
from sinstats.data import schema
from sinstats.errors import DataError, PeriodError
from sinstats.periods import CALENDAR_YEAR, KINDS, Period, parse_period

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

GOOD_TEXT = (paths.published_dir() / "sin_national.csv").read_text(encoding="utf-8")
GOOD_ROWS = list(csv.reader(io.StringIO(GOOD_TEXT)))
HEADER = GOOD_ROWS[0]


def _write(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


period_like = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.from_regex(r"\A\d{4}([-/]\d{2,4})?( H[12])?\Z", fullmatch=True),
    st.from_regex(r"\A\d{6}\Z", fullmatch=True),
    st.from_regex(r"\A\d{4}-\d{2}/\d{4}-\d{2}\Z", fullmatch=True),
)


@FUZZ
@given(value=period_like, kind=st.sampled_from([None, *KINDS]))
def test_period_parser_returns_period_or_period_error(value: object, kind: str | None) -> None:
    try:
        p = parse_period(value, kind)
    except PeriodError as err:
        assert str(err)
        return
    assert isinstance(p, Period)
    # A parsed period must survive a round trip through its canonical id.
    back = parse_period(p.id, CALENDAR_YEAR if p.kind == CALENDAR_YEAR else None)
    assert back == p
    assert 1 <= p.start_month <= 12 and p.months >= 1


@FUZZ
@given(raw=st.binary(max_size=2000))
def test_loader_on_random_bytes(raw: bytes, tmp_path_factory: object) -> None:
    tmp = Path(str(tmp_path_factory.mktemp("fz")))  # type: ignore[attr-defined]
    path = tmp / "sin_national.csv"
    path.write_bytes(raw)
    frame, errors = data.read_published(path)
    assert (frame is None) == bool(errors)
    assert all(isinstance(e, DataError) and str(e) for e in errors)


cell_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["c", "x", ":", "z", "low", "u", "-1", "1.5", "1e3", "nan", "inf", ""]),
    st.integers(min_value=-1000, max_value=100000).map(str),
)


@FUZZ
@given(
    row=st.integers(min_value=1, max_value=len(GOOD_ROWS) - 1),
    column=st.sampled_from(HEADER),
    text=cell_text,
)
def test_loader_on_mutated_cell(row: int, column: str, text: str, tmp_path_factory: object) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[row][HEADER.index(column)] = text
    tmp = Path(str(tmp_path_factory.mktemp("fz")))  # type: ignore[attr-defined]
    path = tmp / "sin_national.csv"
    path.write_text(_write(rows), encoding="utf-8")
    frame, errors = data.read_published(path)
    if errors:
        assert frame is None
        assert all(isinstance(e, DataError) for e in errors)
        # The error points at the mutated line, or at a line the mutation now duplicates.
        assert any(
            e.line == row + 1 or f"duplicates the figure on line {row + 1}" in str(e)
            for e in errors
        )
        return
    assert frame is not None
    # Accepted: the loaded figure must be exactly what the file says (no silent change).
    loaded = frame[frame["line"] == row + 1].iloc[0]
    value_cell = rows[row][HEADER.index("value")].strip()
    if value_cell in data.SYMBOLS:
        assert math.isnan(loaded["value"]) and loaded["status"] == value_cell
    else:
        assert loaded["value"] == float(value_cell) and loaded["status"] == ""
        assert loaded["value"] >= 0 and loaded["value"] == int(loaded["value"])
    assert loaded["source_url"].startswith(("http://", "https://"))


@FUZZ
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["drop", "dup", "swap", "truncate"]),
            st.integers(min_value=0, max_value=len(GOOD_ROWS) - 1),
        ),
        max_size=4,
    )
)
def test_loader_on_structural_mutations(
    ops: list[tuple[str, int]], tmp_path_factory: object
) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    for op, i in ops:
        i = min(i, len(rows) - 1)
        if op == "drop" and len(rows) > 1:
            rows.pop(i)
        elif op == "dup":
            rows.insert(i, list(rows[i]))
        elif op == "swap" and i + 1 < len(rows):
            rows[i], rows[i + 1] = rows[i + 1], rows[i]
        elif op == "truncate":
            rows[i] = rows[i][: max(0, len(rows[i]) - 3)]
    tmp = Path(str(tmp_path_factory.mktemp("fz")))  # type: ignore[attr-defined]
    path = tmp / "sin_national.csv"
    path.write_text(_write(rows), encoding="utf-8")
    frame, errors = data.read_published(path)
    assert (frame is None) == bool(errors)
    if frame is not None:
        # Every accepted row is one of the original figures, unchanged, and none is repeated.
        originals = {tuple(r) for r in GOOD_ROWS[1:]}
        assert len(frame) == len(set(frame["line"]))
        for line in frame["line"]:
            assert tuple(rows[int(line) - 1]) in originals


@FUZZ
@given(
    cell=st.one_of(
        cell_text,
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.from_regex(r"\A\s*[+-]?\d{0,6}(\.\d{0,4})?([eE][+-]?\d{1,4})?\s*\Z", fullmatch=True),
    )
)
def test_value_rule_is_a_finite_number_or_a_symbol(cell: str) -> None:
    # The one number-or-symbol rule of transcribed and official files (sinstats.data.schema).
    parsed = schema.parse_value(cell)
    text = cell.strip()
    if text in data.SYMBOLS:
        assert parsed is not None and math.isnan(parsed[0]) and parsed[1] == text
        return
    try:
        number = float(text)
    except ValueError:
        number = None
    if parsed is None:
        # Refused: not a number, not finite (nan, inf, 1e400), or digits grouped with "_".
        assert number is None or not math.isfinite(number) or "_" in text
        return
    assert number is not None and math.isfinite(number)
    assert parsed == (number, "")
