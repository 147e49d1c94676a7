"""Reading a data file's text, header and rows: the primitives shared by every file reader."""

from __future__ import annotations

import pytest

from sinstats.data import _reading
from sinstats.errors import DataError


def test_read_table_checks_the_header_first() -> None:
    seen: list[list[str]] = []

    def check(header: list[str]) -> int:
        seen.append(header)
        return len(header)

    width, rows = _reading.read_table(" a , b \n1, 2\n\n,\n3,4\n", "f.csv", check)
    assert width == 2 and seen == [["a", "b"]]
    assert rows == [
        _reading.CsvRow(2, {"a": "1", "b": "2"}),
        _reading.CsvRow(5, {"a": "3", "b": "4"}),
    ]


def test_read_table_refused_header_stops_before_rows() -> None:
    def refuse(header: list[str]) -> None:
        raise _reading.header_error("no good", "f.csv", header[0])

    with pytest.raises(DataError, match=r"f.csv, line 1, column 'a': no good"):
        _reading.read_table("a,b\n1\n", "f.csv", refuse)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", "line 1", "cannot read the header line"),
        ("a,b\n", "line 2", "no data rows"),
        ("a,b\n1,2\n3\n", "line 3", "has 1 fields but the header has 2"),
        ('a,b\n"1,2\n', "line 2", "has 1 fields"),  # an unclosed quote runs to the end
        ("a\n" + "x" * 200_000 + "\n", "line 2", "malformed CSV: field larger than field limit"),
    ],
)
def test_read_table_problems_name_the_line(text: str, line: str, words: str) -> None:
    with pytest.raises(DataError) as info:
        _reading.read_table(text, "f.csv", lambda header: None)
    assert f"f.csv, {line}" in str(info.value) and words in str(info.value)


def test_repeated_column_is_named() -> None:
    _reading.check_unique_columns(["a", "b"], "f.csv")
    with pytest.raises(DataError, match=r"line 1, column 'b': column 'b' appears twice"):
        _reading.check_unique_columns(["a", "b", "c", "b"], "f.csv")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"  \n", "file is empty; expected an EES CSV"),
        (b"a,b\n\xff\n", r"line 2: bytes that are not UTF-8 \(byte 0xff\)"),
        (b"  <html><body>x</body></html>", "HTML page, not an EES CSV"),
        (b"a,b\n1,\x002\n", "NUL byte: not an EES CSV"),
    ],
)
def test_decode_text_refuses_what_is_not_text(raw: bytes, words: str) -> None:
    with pytest.raises(DataError, match=words):
        _reading.decode_text(raw, "f.csv", "an EES CSV")


def test_decode_text_drops_the_byte_order_mark() -> None:
    assert _reading.decode_text("\ufeffa,b\n1,2\n".encode(), "f.csv") == "a,b\n1,2\n"
