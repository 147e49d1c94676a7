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


def _verdict(root: Path, rel: str) -> str:
    try:
        return str(_helpers.inside(root, rel))
    except ValueError as err:
        return f"refused: {err}"


def test_resolving_each_folder_once_gives_the_same_verdicts_as_realpath(tmp_path: Path) -> None:
    # A reports folder with links that stay inside and links that lead out, at the folder and
    # at the file level, relative and absolute, and one link to a link; the root itself is
    # reached through a link too.
    real_root = tmp_path / "real-reports"
    outside = tmp_path / "elsewhere"
    (real_root / "2025-26" / "01" / "tables").mkdir(parents=True)
    (real_root / "2025-26" / "01" / "tables" / "a.csv").write_text("x")
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "secret.csv").write_text("s")
    root = tmp_path / "reports"
    root.symlink_to(real_root)
    run = real_root / "2025-26" / "01"
    (run / "in-file.csv").symlink_to("tables/a.csv")
    (run / "out-file.csv").symlink_to(outside / "deep" / "secret.csv")
    (run / "out-relative.csv").symlink_to("../../../elsewhere/deep/secret.csv")
    (run / "chain.csv").symlink_to("out-file.csv")
    (run / "in-folder").symlink_to("tables")
    (run / "out-folder").symlink_to(outside / "deep")
    (run / "up").symlink_to("..")
    rels = [
        "2025-26/01/tables/a.csv",
        "2025-26/01/in-file.csv",
        "2025-26/01/out-file.csv",
        "2025-26/01/out-relative.csv",
        "2025-26/01/chain.csv",
        "2025-26/01/in-folder/a.csv",
        "2025-26/01/out-folder/secret.csv",
        "2025-26/01/out-folder/missing.csv",
        "2025-26/01/up/01/tables/a.csv",
        "2025-26/01/missing/deeper/x.csv",
        "2025-26/01/tables",
        "index.html",
        "../elsewhere/deep/secret.csv",
        "/etc/passwd",
        "2025-26/./01/tables/a.csv",
    ]
    plain = {rel: _verdict(root, rel) for rel in rels}
    with _helpers.resolving_folders_once():
        remembered = {rel: _verdict(root, rel) for rel in rels}
        again = {rel: _verdict(root, rel) for rel in reversed(rels)}  # from the memo
    assert remembered == plain and again == plain
    refused = {rel for rel, verdict in plain.items() if verdict.startswith("refused")}
    assert refused == {
        "2025-26/01/out-file.csv",
        "2025-26/01/out-relative.csv",
        "2025-26/01/chain.csv",
        "2025-26/01/out-folder/secret.csv",
        "2025-26/01/out-folder/missing.csv",
        "../elsewhere/deep/secret.csv",
        "/etc/passwd",
        "2025-26/./01/tables/a.csv",
    }
    assert _helpers._RESOLVED.get() is None, "the memo ends with its block"
