"""sinstats.build.folder: the build lock, commits through a journal, crash recovery."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import tempfile
from pathlib import Path

import pytest

from sinstats.build import _helpers, folder
from sinstats.build.folder import Change
from sinstats.errors import BuildLockedError, OutputError


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


def test_lock_refuses_a_file_and_an_unwritable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_file = tmp_path / "reports"
    a_file.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="must be a folder, but this is a file"):
        with folder.build_lock(a_file):
            pass  # pragma: no cover - never reached
    assert a_file.read_text(encoding="utf-8") == "not a folder"

    real_open = open

    def read_only(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", read_only)
    with pytest.raises(OutputError, match="the file system is read-only") as caught:
        with folder.build_lock(tmp_path / "ro"):
            pass  # pragma: no cover - never reached
    assert caught.value.path is not None and caught.value.path.endswith(".lock")


def _staged(out: Path, name: str, files: dict[str, str]) -> str:
    staged = out / ".tmp" / name
    for rel, text in files.items():
        (staged / rel).parent.mkdir(parents=True, exist_ok=True)
        (staged / rel).write_text(text, encoding="utf-8")
    return staged.relative_to(out).as_posix()


def test_commit_replaces_removes_and_records_together(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    run = out / "2025-26" / "01-x"
    run.mkdir(parents=True)
    (run / "old.html").write_text("old", encoding="utf-8")
    gone = out / "_failed" / "2025-26" / "01-x-2025-26.ipynb"
    gone.parent.mkdir(parents=True)
    gone.write_text("{}", encoding="utf-8")
    src = _staged(out, "run-1", {"new.html": "new", "tables/t.csv": "a\n", ".hidden": "x"})
    folder.commit(
        out,
        Change(
            manifest='{"runs": []}\n',
            moves=[(src, "2025-26/01-x")],
            removals=["_failed/2025-26/01-x-2025-26.ipynb"],
        ),
    )
    assert folder.outputs_of(run, out) == ["2025-26/01-x/new.html", "2025-26/01-x/tables/t.csv"]
    assert not gone.exists() and not (out / src).exists()
    assert (out / "manifest.json").read_text(encoding="utf-8") == '{"runs": []}\n'
    assert sorted(p.name for p in (out / ".tmp").iterdir()) == [], "journal and trash removed"


@pytest.mark.parametrize("stage", ["commit-prepared", "commit-moved", "commit-recorded"])
def test_a_commit_cut_short_is_finished_by_recover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str
) -> None:
    out = tmp_path / "reports"
    for name in ("01-x", "02-y"):
        (out / "2025-26" / name).mkdir(parents=True)
        (out / "2025-26" / name / "r.html").write_text("old", encoding="utf-8")
    (out / "manifest.json").write_text("old manifest\n", encoding="utf-8")
    moves = [
        (_staged(out, "a", {"r.html": "new x"}), "2025-26/01-x"),
        (_staged(out, "b", {"r.html": "new y"}), "2025-26/02-y"),
    ]

    class Killed(BaseException):
        pass

    fired: list[str] = []

    def kill(at: str) -> None:  # as SINSTATS_TEST_KILL_AT does: the first time only
        if at == stage and not fired:
            fired.append(at)
            raise Killed(at)

    monkeypatch.setattr(folder, "kill_point", kill)
    with pytest.raises(Killed):
        folder.commit(out, Change(manifest="new manifest\n", moves=moves))
    assert (out / ".tmp" / "journal.json").is_file(), "the journal outlives the crash"
    notes = folder.recover(out)
    assert notes and "interrupted while committing" in notes[0]
    for name, text in (("01-x", "new x"), ("02-y", "new y")):
        assert (out / "2025-26" / name / "r.html").read_text(encoding="utf-8") == text
    assert (out / "manifest.json").read_text(encoding="utf-8") == "new manifest\n"
    assert not (out / ".tmp").exists()


def test_a_crash_before_the_journal_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    (out / "2025-26" / "01-x").mkdir(parents=True)
    (out / "2025-26" / "01-x" / "r.html").write_text("old", encoding="utf-8")
    _staged(out, "a", {"r.html": "new"})
    (out / ".tmp" / "manifest.next.json").write_text("half", encoding="utf-8")
    assert folder.recover(out) == ["discarded the unfinished work of an interrupted build"]
    assert (out / "2025-26" / "01-x" / "r.html").read_text(encoding="utf-8") == "old"
    assert not (out / "manifest.json").exists() and not (out / ".tmp").exists()


@pytest.mark.parametrize(
    "journal",
    [
        "{not json",
        json.dumps({"version": 1, "moves": [[".tmp/a", "../victim.txt"]], "removals": []}),
        json.dumps({"version": 1, "moves": [], "removals": ["/etc/passwd"]}),
        json.dumps({"version": 1, "moves": [], "removals": ["x/../../victim.txt"]}),
        json.dumps({"version": 1, "moves": [["/tmp/a", "x"]], "removals": []}),
        json.dumps({"version": 2, "moves": [], "removals": []}),
    ],
)
def test_a_crafted_journal_is_discarded_and_touches_nothing_outside(
    tmp_path: Path, journal: str
) -> None:
    out = tmp_path / "reports"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (out / ".tmp").mkdir(parents=True)
    (out / ".tmp" / "a").write_text("x", encoding="utf-8")
    (out / ".tmp" / "journal.json").write_text(journal, encoding="utf-8")
    notes = folder.recover(out)
    assert notes[0].startswith("warning: discarded .tmp/journal.json")
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not (out / ".tmp").exists()


def test_recover_puts_back_a_run_moved_out_by_an_older_sinstats(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    assert folder.recover(out) == []  # nothing to do
    old = out / ".tmp" / "2024-25__01-x.old"
    old.mkdir(parents=True)
    (old / "r.pdf").write_bytes(b"%PDF")
    kept = out / ".tmp" / "2025-26__01-x.old"
    kept.mkdir()
    (out / "2025-26" / "01-x").mkdir(parents=True)  # the new copy made it: the old one goes
    folder.recover(out)
    assert (out / "2024-25" / "01-x" / "r.pdf").read_bytes() == b"%PDF"
    assert not (out / ".tmp").exists()


def test_recover_removes_a_stray_temporary_manifest(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    stray = out / ".manifest.json.12345.tmp"
    stray.write_text("{", encoding="utf-8")
    notes = folder.recover(out)
    assert not stray.exists() and "removed .manifest.json.12345.tmp" in notes[0]


def test_replacing_leaves_no_temporary_file_when_the_write_fails(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    with pytest.raises(RuntimeError):
        with _helpers.replacing(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("disk full, say")
    assert list(tmp_path.iterdir()) == []


def test_published_run_folders_get_the_usual_mode(tmp_path: Path) -> None:
    made = Path(tempfile.mkdtemp(dir=tmp_path))
    assert stat.S_IMODE(made.stat().st_mode) == 0o700
    plain = tmp_path / "plain"
    old = os.umask(0o022)
    try:
        folder.publish_mode(made)
        plain.mkdir()
    finally:
        os.umask(old)
    assert stat.S_IMODE(made.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode) == 0o755


def test_outputs_leave_out_hidden_files_and_symbolic_links(tmp_path: Path) -> None:
    run = tmp_path / "2025-26" / "01-x"
    (run / "tables").mkdir(parents=True)
    (run / "r.html").write_text("r", encoding="utf-8")
    (run / ".hidden").write_text("h", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("s", encoding="utf-8")
    (run / "tables" / "leak.csv").symlink_to(tmp_path / "secret.txt")
    assert folder.outputs_of(run, tmp_path) == ["2025-26/01-x/r.html"]


def test_table_csvs() -> None:
    outputs = ["p/n/tables/a.csv", "p/n/b.csv", "p/n/tables/sub/c.csv", "p/n/tables/d.csv.bak"]
    assert folder.table_csvs(outputs) == ["p/n/tables/a.csv"]


@pytest.mark.parametrize(
    "rel", ["", "/etc/passwd", "../x", "a/../../x", "a//b", "./a", "a\\b", "a/./b", 3, None]
)
def test_inside_refuses_every_path_that_is_not_plainly_inside(tmp_path: Path, rel: object) -> None:
    with pytest.raises(ValueError):
        _helpers.inside(tmp_path, rel)


def test_inside_refuses_a_symbolic_link_out(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    root.mkdir()
    (root / "out").symlink_to(tmp_path)
    assert _helpers.inside(root, "a/b.csv") == root / "a" / "b.csv"
    with pytest.raises(ValueError, match="leads outside"):
        _helpers.inside(root, "out/victim.txt")


def test_a_recovery_cut_short_is_finished_by_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "reports"
    (out / "2025-26" / "01-x").mkdir(parents=True)
    (out / "2025-26" / "01-x" / "r.html").write_text("old", encoding="utf-8")
    moves = [(_staged(out, "a", {"r.html": "new"}), "2025-26/01-x")]

    class Killed(BaseException):
        pass

    calls: list[str] = []

    def kill(at: str) -> None:  # killed in the commit, then again in the first recovery
        if at == "commit-moved":
            calls.append(at)
            if len(calls) <= 2:
                raise Killed(at)

    monkeypatch.setattr(folder, "kill_point", kill)
    with pytest.raises(Killed):
        folder.commit(out, Change(manifest="m\n", moves=moves))
    (out / "2025-26" / "01-x").rename(out / ".tmp" / "a")  # as if killed between the renames
    with pytest.raises(Killed):
        folder.recover(out)
    folder.recover(out)
    assert (out / "2025-26" / "01-x" / "r.html").read_text(encoding="utf-8") == "new"
    assert (out / "manifest.json").read_text(encoding="utf-8") == "m\n"
    assert not (out / ".tmp").exists()
