"""sinstats.build.folder: the build lock, crash recovery, moving a run into place."""

from __future__ import annotations

import fcntl
from pathlib import Path

import pytest

from sinstats.build import folder
from sinstats.errors import BuildLockedError


def test_lock_names_its_holder_and_refuses_a_second_build(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with folder.build_lock(out):
        holder = (out / ".lock").read_text(encoding="utf-8")
        assert holder.startswith("pid ")
        with pytest.raises(BuildLockedError, match=r"after waiting 0.2 s \(pid "):
            with folder.build_lock(out, wait=0.2):
                pass  # pragma: no cover - never reached
    assert (out / ".lock").read_text(encoding="utf-8") == "", "released and emptied"
    with open(out / ".lock", encoding="utf-8") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again


def test_move_into_place_replaces_the_old_run(tmp_path: Path) -> None:
    out, tmp_root = tmp_path / "reports", tmp_path / "reports" / ".tmp"
    target = out / "2025-26" / "01-x"
    target.mkdir(parents=True)
    (target / "old.html").write_text("old", encoding="utf-8")
    new = tmp_root / "run-1"
    (new / "tables").mkdir(parents=True)
    (new / "new.html").write_text("new", encoding="utf-8")
    (new / "tables" / "t.csv").write_text("a\n", encoding="utf-8")
    (new / ".hidden").write_text("x", encoding="utf-8")
    folder.move_into_place(new, target, tmp_root)
    assert folder.outputs_of(target, out) == ["2025-26/01-x/new.html", "2025-26/01-x/tables/t.csv"]
    assert not new.exists() and list(tmp_root.iterdir()) == []


def test_recover_puts_back_a_run_moved_out_by_a_crash(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    folder.recover(out)  # nothing to do
    old = out / ".tmp" / "2024-25__01-x.old"
    old.mkdir(parents=True)
    (old / "r.pdf").write_bytes(b"%PDF")
    kept = out / ".tmp" / "2025-26__01-x.old"
    kept.mkdir()
    (out / "2025-26" / "01-x").mkdir(parents=True)  # the new copy made it: the old one goes
    folder.recover(out)
    assert (out / "2024-25" / "01-x" / "r.pdf").read_bytes() == b"%PDF"
    assert not (out / ".tmp").exists()


def test_table_csvs() -> None:
    outputs = ["p/n/tables/a.csv", "p/n/b.csv", "p/n/tables/sub/c.csv", "p/n/tables/d.csv.bak"]
    assert folder.table_csvs(outputs) == ["p/n/tables/a.csv"]
