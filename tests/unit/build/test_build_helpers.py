"""sinstats.build._helpers: the atomic writer, paths, JSON, dates and notebook text."""

from __future__ import annotations

from pathlib import Path

import pytest

from sinstats import paths
from sinstats.build import _helpers


def test_write_atomic_replaces_whole_files(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    assert _helpers.write_atomic(target, "first\n") == target
    assert target.read_text(encoding="utf-8") == "first\n"
    _helpers.write_atomic(target, b"\xc3\xa9")
    assert target.read_text(encoding="utf-8") == "é"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"], "no temporary file is left"


def test_replacing_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), _helpers.replacing(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".report.pdf.")
        tmp.write_bytes(b"half")
        raise RuntimeError("the renderer crashed")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_display_path(tmp_path: Path) -> None:
    assert _helpers.display_path("/elsewhere/x.csv") == "/elsewhere/x.csv"
    assert _helpers.display_path(paths.PROJ_ROOT / "data" / "x.csv") == "data/x.csv"
    assert _helpers.display_path(tmp_path / "a" / "b.csv", base=tmp_path) == "a/b.csv"
    assert _helpers.display_path(tmp_path / "b.csv", base=tmp_path / "other") == (
        (tmp_path / "b.csv").resolve().as_posix()
    )


def test_read_json(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    assert _helpers.read_json(path) is None
    path.write_text("[1, 2]", encoding="utf-8")
    assert _helpers.read_json(path) == [1, 2]
    path.write_bytes(b"\xff\xfe{")
    assert _helpers.read_json(path) is None


def test_dates_and_text() -> None:
    assert _helpers.date_in_words("2026-03-31T12:00:00Z") == "31 March 2026"
    assert _helpers.date_in_words("2025-11-09") == "9 November 2025"
    assert _helpers.iso(_helpers.utc_now()).endswith("+00:00")
    assert _helpers.cell_text(["a\n", "b"]) == "a\nb" and _helpers.cell_text("c") == "c"
