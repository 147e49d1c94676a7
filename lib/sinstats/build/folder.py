"""The reports folder: what the build keeps there, the build lock, crash recovery and moves.

Layout (see ``docs/pipeline.md``): ``<period>/<notebook>/`` per run, ``<period>/tables.xlsx``,
``index.html`` and ``manifest.json`` at the top, ``_failed/`` for executed copies of failed runs,
``.cache/`` (inspected parameter cells), ``.tmp/`` (runs in progress) and ``.lock``.

A run's outputs appear all at once or not at all: it is executed in a folder under ``.tmp/`` and
moved into place with two renames (:func:`move_into_place`); a crash between them is repaired by
:func:`recover` at the start of the next build. One build at a time writes to a folder
(:func:`build_lock`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from sinstats.build._helpers import utc_now
from sinstats.errors import BuildLockedError

MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
LOCK_NAME = ".lock"
TMP_NAME = ".tmp"
CACHE_NAME = ".cache"
FAILED_NAME = "_failed"
CHECKS_NAME = "_checks"
MANIFEST_SCHEMA = 1
"""Version of the manifest's layout (also part of every run's hash)."""

OK = "ok"
FAILED = "failed"
SKIPPED = "skipped"
"""The statuses of a run in the manifest: built now, failed now, or up to date."""

_TABLE_CSV = re.compile(r"/tables/[^/]+\.csv$")


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
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir / LOCK_NAME
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
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {utc_now().isoformat(timespec='seconds')}\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()


def _old_copy(tmp_root: Path, target: Path) -> Path:
    """Where :func:`move_into_place` parks ``<period>/<notebook>`` during the swap."""
    return tmp_root / f"{target.parent.name}__{target.name}.old"


def recover(out_dir: Path) -> None:
    """Finish or undo a move interrupted by a crash, then clear temporary folders.

    Parameters
    ----------
    out_dir : Path
        The reports folder; an ``.old`` copy left in ``.tmp/`` whose run folder is missing is put
        back, then ``.tmp/`` is removed.
    """
    tmp_root = out_dir / TMP_NAME
    if not tmp_root.is_dir():
        return
    for old in tmp_root.glob("*.old"):
        period, _, name = old.name[: -len(".old")].partition("__")
        target = out_dir / period / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
    shutil.rmtree(tmp_root, ignore_errors=True)


def move_into_place(tmp: Path, target: Path, tmp_root: Path) -> None:
    """Replace the folder ``target`` by ``tmp`` with two renames on one file system.

    The old copy is kept until the new one is in place (and restored by :func:`recover` after a
    crash in between).

    Parameters
    ----------
    tmp : Path
        The finished run's folder under ``tmp_root``.
    target : Path
        ``<out>/<period>/<notebook>``.
    tmp_root : Path
        ``<out>/.tmp``.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    old = _old_copy(tmp_root, target)
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    if old.exists():
        shutil.rmtree(old)


def outputs_of(run_dir: Path, out_dir: Path) -> list[str]:
    """Return the files of a run folder, relative to the reports folder, sorted.

    Parameters
    ----------
    run_dir : Path
        ``<out>/<period>/<notebook>``.
    out_dir : Path
        The reports folder.

    Returns
    -------
    list of str
        POSIX paths; hidden files (``.name``) are left out.
    """
    return sorted(
        p.relative_to(out_dir).as_posix()
        for p in run_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".")
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
