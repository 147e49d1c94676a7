"""Fixtures of the official-file tests: sample lines of the fixture files to break on purpose."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sinstats.data import official
from sinstats.errors import DataError

RY_FILE = "data/fixture_sin_nature_characteristics.csv"
SUB_FILE = "data/fixture_sin_subnational_context.csv"


@pytest.fixture(scope="session")
def samples(release_files: Callable[[str], dict[str, str]]) -> dict[str, str]:
    """Lines of the 2026 fixture files: headers and first, regional and local-authority rows.

    Keys: ``ry`` (the whole reporting-year nature file), ``ry_header``, ``ry_first``, ``sub``
    (the whole sub-national file), ``sub_header``, ``sub_first``, ``sub_region``, ``sub_la``.
    """
    files = release_files("2026")
    ry_header, ry_first, *_ = files[RY_FILE].splitlines()
    sub_header, sub_first, *sub_rest = files[SUB_FILE].splitlines()
    return {
        "ry": files[RY_FILE],
        "ry_header": ry_header,
        "ry_first": ry_first,
        "sub": files[SUB_FILE],
        "sub_header": sub_header,
        "sub_first": sub_first,
        "sub_region": next(line for line in sub_rest if ",Regional," in line),
        "sub_la": next(line for line in sub_rest if ",Local authority," in line),
    }


@pytest.fixture(scope="session")
def set_cell() -> Callable[[str, str, str, str], str]:
    """``set_cell(header, line, column, value)``: ``line`` with one cell replaced."""

    def replace(header: str, line: str, column: str, value: str) -> str:
        cells = line.split(",")
        cells[header.split(",").index(column)] = value
        return ",".join(cells)

    return replace


@pytest.fixture()
def fixture_file(
    release_files: Callable[[str], dict[str, str]], write_file: Callable[[str, str | bytes], Path]
) -> Callable[[str, str], Path]:
    """``fixture_file(slug, name)``: one data file of a fixture release, written to tmp_path."""

    def write(slug: str, name: str) -> Path:
        files = release_files(slug)
        entry = next(e for e in files if e.endswith(name))
        return write_file(Path(entry).name, files[entry])

    return write


@pytest.fixture()
def assert_refused(
    write_file: Callable[[str, str | bytes], Path],
) -> Callable[[str | bytes, str, str | None, str], None]:
    """``assert_refused(content, line, column, words)``: reading the file raises a located error.

    The :class:`~sinstats.errors.DataError` of :func:`sinstats.data.official.read_ees_file` must
    name the file, the line (``"line 2"``), the column when one is given, and hold ``words``.
    """

    def check(content: str | bytes, line: str, column: str | None, words: str) -> None:
        path = write_file("sin_file.csv", content)
        with pytest.raises(DataError) as info:
            official.read_ees_file(path)
        message = str(info.value)
        assert str(path) in message and line in message and words in message, message
        if column is not None:
            assert f"column '{column}'" in message, message

    return check
