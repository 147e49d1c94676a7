"""Shared primitives for reading a data file: its text, its header and its rows.

Transcribed files (:mod:`sinstats.data.published`) and official EES files
(:mod:`sinstats.data.official`) are read the same way up to the point where their columns mean
something: the bytes must be UTF-8 text (not an HTML page, no NUL byte), the header must be
readable and name each column once, and every non-blank row must have as many fields as the
header. Every problem is a :class:`~sinstats.errors.DataError` naming the file and line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from sinstats.errors import DataError

T = TypeVar("T")


class CsvRow(NamedTuple):
    """One data row of a CSV file.

    Parameters
    ----------
    line : int
        Line number of the row in the file (the header is line 1).
    cells : dict of str to str
        ``{column: cell}`` with surrounding white space removed.
    """

    line: int
    cells: dict[str, str]


def decode_text(raw: bytes, path: str, kind: str = "a CSV") -> str:
    """Decode a data file's bytes as UTF-8 text, refusing what is clearly not a text CSV.

    Parameters
    ----------
    raw : bytes
        The file's content.
    path : str
        Where it came from (for messages).
    kind : str
        What was expected, for messages (``"a CSV"``, ``"an EES CSV"``).

    Returns
    -------
    str
        The text, without a byte-order mark.

    Raises
    ------
    DataError
        For an empty file, bytes that are not UTF-8, an HTML page saved in place of the data, or
        a NUL byte, naming the file and line.
    """
    if not raw.strip():
        raise DataError(f"file is empty; expected {kind} with a header line", path=path, line=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            f"bytes that are not UTF-8 (byte 0x{raw[err.start]:02x}); save the file as UTF-8",
            path=path,
            line=line,
        ) from None
    head = text.lstrip()[:512].lower()
    if head.startswith("<") or "<html" in head or "<!doctype" in head:
        raise DataError(
            f"this is an HTML page, not {kind} (an error page saved in place of the data?)",
            path=path,
            line=1,
        )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataError(f"contains a NUL byte: not {kind}", path=path, line=line)
    return text


def header_error(message: str, path: str, column: str | None = None) -> DataError:
    """Return the error for a header that is refused (line 1 of ``path``).

    Parameters
    ----------
    message : str
        What is wrong and what is allowed.
    path : str
        The file, for the message.
    column : str, optional
        The column to name.

    Returns
    -------
    DataError
        To be raised by the caller.
    """
    return DataError(message, path=path, line=1, column=column)


def check_unique_columns(header: list[str], path: str) -> None:
    """Refuse a header that names a column twice.

    Parameters
    ----------
    header : list of str
        The column names.
    path : str
        The file, for the message.

    Raises
    ------
    DataError
        Naming the first repeated column (line 1).
    """
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise header_error(f"column {dup!r} appears twice", path, dup)


def read_table(
    text: str, path: str, check_header: Callable[[list[str]], T]
) -> tuple[T, list[CsvRow]]:
    """Read a CSV's header and data rows, checking the header before any row.

    Parameters
    ----------
    text : str
        The file's text (see :func:`decode_text`).
    path : str
        The file, for messages.
    check_header : callable
        Called with the column names (white space removed) before the rows are read; it raises
        :class:`DataError` for a header it refuses. Its result is returned with the rows.

    Returns
    -------
    checked : object
        What ``check_header`` returned.
    rows : list of CsvRow
        Every row that is not blank, in file order.

    Raises
    ------
    DataError
        If the header cannot be read, ``check_header`` refuses it, a row has more or fewer
        fields than the header, the CSV is malformed, or there is no data row.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as err:
        raise DataError(f"cannot read the header line: {err}", path=path, line=1) from None
    checked = check_header(header)
    rows: list[CsvRow] = []
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise DataError(
                    f"has {len(record)} fields but the header has {len(header)}",
                    path=path,
                    line=reader.line_num,
                )
            cells = dict(zip(header, (cell.strip() for cell in record), strict=True))
            rows.append(CsvRow(reader.line_num, cells))
    except csv.Error as err:
        raise DataError(f"malformed CSV: {err}", path=path, line=reader.line_num) from None
    if not rows:
        raise DataError("has a header but no data rows", path=path, line=2)
    return checked, rows
