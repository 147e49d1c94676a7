"""The reports folder: what the build keeps there, the build lock, commits and crash recovery.

Layout (see ``docs/pipeline.md``): ``<period>/<notebook>/`` per run, ``<period>/tables.xlsx``,
``index.html`` and ``manifest.json`` at the top, ``_failed/`` for executed copies of failed runs,
``.cache/`` (inspected parameter cells), ``.tmp/`` (work in progress) and ``.lock``.

Nothing the build makes becomes visible before the manifest describes it. Every change to the
folder is a **commit** (:func:`commit`): the new files and folders are first made under
``.tmp/``, the new manifest is written beside them (``.tmp/manifest.next.json``), and a journal
(``.tmp/journal.json``) listing the renames is written atomically; that write is the commit
point. The renames follow (each old copy is moved aside first, so nothing is ever deleted before
its replacement is in place), then the manifest is renamed into place and the journal removed.
A build killed at any moment (SIGKILL included) leaves either no journal (nothing visible has
changed; the next build discards ``.tmp/``) or a complete one, which the next build's
:func:`recover` finishes. Only renames follow the commit point, so a full disk cannot stop a
commit half-way. One build at a time writes to a folder (:func:`build_lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sinstats.build._helpers import (
    inside,
    kill_point,
    os_errors_as_output_errors,
    schema_problem,
    utc_now,
    write_atomic,
)
from sinstats.errors import BuildLockedError, OutputError

MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
LOCK_NAME = ".lock"
TMP_NAME = ".tmp"
CACHE_NAME = ".cache"
FAILED_NAME = "_failed"
CHECKS_NAME = "_checks"
JOURNAL_NAME = "journal.json"
"""The commit journal, inside ``.tmp/``."""
NEXT_MANIFEST_NAME = "manifest.next.json"
"""The manifest of the commit in progress, inside ``.tmp/``."""
TRASH_NAME = "trash"
"""Where a commit parks the old copies it replaces, inside ``.tmp/``."""
MANIFEST_SCHEMA = 2
"""Version of the manifest's layout (also part of every run's hash)."""

OK = "ok"
FAILED = "failed"
SKIPPED = "skipped"
"""The statuses of a run in the manifest: built now, failed now, or up to date."""

_TABLE_CSV = re.compile(r"/tables/[^/]+\.csv$")

JOURNAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "moves", "removals"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "moves": {
            "type": "array",
            "items": {
                "type": "array",
                "prefixItems": [
                    {"type": "string", "pattern": r"^\.tmp/[^/]"},
                    {"type": "string", "pattern": r"^[^./][^/]*(/[^/]+)*$"},
                ],
                "minItems": 2,
                "maxItems": 2,
            },
        },
        "removals": {"type": "array", "items": {"type": "string", "pattern": r"^[^./]"}},
    },
}
"""JSON Schema of ``.tmp/journal.json`` (every path is also checked to stay inside the folder)."""


def _lock_target(out_dir: Path) -> Path:
    """Make the reports folder; refuse a path that is not a folder, or cannot be written."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(
            "the reports folder must be a folder, but this is a file; choose a folder with --out",
            path=out_dir,
        )
    with os_errors_as_output_errors("creating the reports folder", out_dir):
        out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir / LOCK_NAME


@contextlib.contextmanager
def build_lock(out_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold ``<out>/.lock`` (``fcntl.flock``) for the duration of a build.

    Parameters
    ----------
    out_dir : Path
        The reports folder (created if missing).
    wait : float
        Seconds to wait for another build to finish before giving up.

    Yields
    ------
    None
        While the lock is held; the lock file names the holding process meanwhile.

    Raises
    ------
    BuildLockedError
        If another build still holds the lock after ``wait`` seconds.
    OutputError
        If ``out_dir`` is a file, or the folder cannot be written (read-only, no permission,
        full disk): a build records every run, so even one with nothing to rebuild writes.
    """
    lock_path = _lock_target(out_dir)
    with os_errors_as_output_errors("taking the reports folder's lock", lock_path):
        fh = open(lock_path, "a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    try:
                        holder = lock_path.read_text(encoding="utf-8").strip()
                    except OSError:
                        holder = ""
                    waited = f" after waiting {wait:g} s" if wait > 0 else ""
                    raise BuildLockedError(
                        f"another sinstats build is writing to {out_dir}{waited}"
                        + (f" ({holder})" if holder else "")
                        + "; let it finish, or pass --wait SECONDS to wait for it, "
                        "or build into another folder with --out"
                    ) from None
                time.sleep(0.1)
        with os_errors_as_output_errors("taking the reports folder's lock", lock_path):
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}, started {utc_now().isoformat(timespec='seconds')}\n")
            fh.flush()
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                fh.seek(0)
                fh.truncate()
                fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()


@dataclass(frozen=True)
class Change:
    """One commit to the reports folder (every path relative to it, POSIX).

    Parameters
    ----------
    manifest : str
        The whole new ``manifest.json``, which describes the folder after the change.
    moves : sequence of (str, str)
        ``(staged, final)``: something made under ``.tmp/`` and where it goes; an existing
        ``final`` is replaced.
    removals : sequence of str
        Files or folders that go.
    """

    manifest: str
    moves: Sequence[tuple[str, str]] = field(default_factory=tuple)
    removals: Sequence[str] = field(default_factory=tuple)


def commit(out_dir: Path, change: Change) -> None:
    """Apply ``change`` so that the folder and its manifest change together, or not at all.

    Parameters
    ----------
    out_dir : Path
        The reports folder (its lock held).
    change : Change
        What to move, remove and record.

    Raises
    ------
    OutputError
        If the new manifest or the journal cannot be written (full disk, read-only folder):
        nothing visible has changed then.
    ValueError
        If a path of ``change`` leaves the reports folder (a programming error).
    """
    tmp_root = out_dir / TMP_NAME
    journal = {
        "version": 1,
        "moves": [[src, dst] for src, dst in change.moves],
        "removals": list(change.removals),
    }
    _check_journal(out_dir, journal)
    with os_errors_as_output_errors("recording the build in the manifest", out_dir):
        tmp_root.mkdir(exist_ok=True)
        write_atomic(tmp_root / NEXT_MANIFEST_NAME, change.manifest)
        write_atomic(tmp_root / JOURNAL_NAME, json.dumps(journal, indent=1) + "\n")
    kill_point("commit-prepared")
    _apply(out_dir, journal)


def _check_journal(out_dir: Path, journal: object) -> dict[str, Any]:
    """Return a journal that fits :data:`JOURNAL_SCHEMA` with every path inside the folder."""
    problem = schema_problem(JOURNAL_SCHEMA, journal)
    if problem is not None:
        raise ValueError(problem)
    assert isinstance(journal, dict)
    for src, dst in journal["moves"]:
        inside(out_dir, src)
        inside(out_dir, dst)
    for rel in journal["removals"]:
        inside(out_dir, rel)
    return journal


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _discard(path: Path) -> None:
    """Delete a file or folder (a symbolic link itself, never what it points to)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _apply(out_dir: Path, journal: dict[str, Any]) -> None:
    """Carry out a written journal; safe to repeat after a crash part of the way through."""
    tmp_root = out_dir / TMP_NAME
    trash = tmp_root / TRASH_NAME
    trash.mkdir(exist_ok=True)
    for i, (src, dst) in enumerate(journal["moves"]):
        staged, final = out_dir / src, out_dir / dst
        if not _exists(staged):
            continue  # moved before a crash
        if _exists(final):
            aside = trash / f"m{i}"
            if _exists(aside):
                _discard(aside)
            os.rename(final, aside)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staged, final)
        kill_point("commit-moved")
    for i, rel in enumerate(journal["removals"]):
        gone = out_dir / rel
        if _exists(gone):
            os.rename(gone, trash / f"r{i}")
    next_manifest = tmp_root / NEXT_MANIFEST_NAME
    if next_manifest.exists():
        os.replace(next_manifest, out_dir / MANIFEST_NAME)
    kill_point("commit-recorded")
    (tmp_root / JOURNAL_NAME).unlink(missing_ok=True)
    _discard(trash)


def recover(out_dir: Path) -> list[str]:
    """Finish a commit a crash interrupted, then clear what an interrupted build left.

    Parameters
    ----------
    out_dir : Path
        The reports folder (its lock held).

    Returns
    -------
    list of str
        One line per repair, for the console (empty when there was nothing to do).

    Raises
    ------
    OutputError
        If the folder cannot be written.
    """
    notes: list[str] = []
    tmp_root = out_dir / TMP_NAME
    with os_errors_as_output_errors("repairing an interrupted build", out_dir):
        for stray in out_dir.glob(f".{MANIFEST_NAME}.*.tmp"):
            stray.unlink(missing_ok=True)
            notes.append(f"removed {stray.name}, left by an interrupted build")
        if not tmp_root.is_dir():
            return notes
        journal_path = tmp_root / JOURNAL_NAME
        if journal_path.is_file():
            try:
                journal = _check_journal(
                    out_dir, json.loads(journal_path.read_text(encoding="utf-8"))
                )
            except (ValueError, UnicodeDecodeError) as err:
                notes.append(
                    f"warning: discarded {TMP_NAME}/{JOURNAL_NAME}, which is not a journal this "
                    f"build wrote ({err}); the folder is checked against the manifest instead"
                )
            else:
                _apply(out_dir, journal)
                notes.append(
                    "finished recording a build that was interrupted while committing "
                    f"({len(journal['moves'])} item(s) moved into place)"
                )
        _legacy_recover(out_dir, tmp_root)
        if any(tmp_root.iterdir()):
            notes.append("discarded the unfinished work of an interrupted build")
        shutil.rmtree(tmp_root, ignore_errors=True)
    return notes


def _legacy_recover(out_dir: Path, tmp_root: Path) -> None:
    """Put back a run folder that sinstats before manifest layout 2 left as ``.tmp/*.old``."""
    for old in tmp_root.glob("*__*.old"):
        period, _, name = old.name[: -len(".old")].partition("__")
        try:
            target = inside(out_dir, f"{period}/{name}")
        except ValueError:
            continue
        if not _exists(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)


def _umask() -> int:
    """Return this process's umask (read from ``/proc`` where it can be, to leave it untouched)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def publish_mode(folder: Path) -> None:
    """Give a folder made by :func:`tempfile.mkdtemp` (mode 0700) the mode ``mkdir`` would give.

    Parameters
    ----------
    folder : Path
        The folder (typically ``0755`` afterwards, like every other folder of the reports).
    """
    os.chmod(folder, (stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO) & ~_umask())


def outputs_of(run_dir: Path, out_dir: Path) -> list[str]:
    """Return the files of a run folder, relative to the reports folder, sorted.

    Parameters
    ----------
    run_dir : Path
        ``<out>/<period>/<notebook>`` (or its staged copy under ``.tmp/``).
    out_dir : Path
        The folder the paths are relative to.

    Returns
    -------
    list of str
        POSIX paths of regular files; hidden files (``.name``) and symbolic links are left out.
    """
    return sorted(
        p.relative_to(out_dir).as_posix()
        for p in run_dir.rglob("*")
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".")
    )


def table_csvs(outputs: Iterable[str]) -> list[str]:
    """Return the run outputs that are CSV tables (``<period>/<notebook>/tables/<name>.csv``).

    Parameters
    ----------
    outputs : iterable of str
        A manifest entry's ``outputs``.

    Returns
    -------
    list of str
        Those outputs, in the given order.
    """
    return [o for o in outputs if _TABLE_CSV.search(o)]
