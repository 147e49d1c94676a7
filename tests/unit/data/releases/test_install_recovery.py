"""What a killed ``sinstats fetch`` leaves is repaired: a release is never silently missing.

The kill itself (SIGKILL between the two renames of the install) is in
``tests/chaos/test_chaos_fetch.py``; here the leftovers are made by hand, to test each rule of
:func:`sinstats.data.official.repair_interrupted_fetches` in this process.
"""

from __future__ import annotations

import errno
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from sinstats.data import official, releases
from sinstats.data.official import installed
from sinstats.errors import OutputError


@pytest.fixture
def fetched(data_copy: Path, install: Callable[..., None]) -> Path:
    """A data folder with release 2026 installed."""
    install(data_copy, "2026")
    return data_copy


def _crashed_between_renames(data: Path) -> Path:
    """Leave what a fetch killed after its first rename leaves: the release moved aside."""
    raw = data / "raw"
    backup = raw / ".2026.previous-0123abcd"
    os.rename(raw / "2026", backup)
    work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=raw))
    (work / installed.WORK_LOCK).write_bytes(b"")
    return backup


def test_a_release_moved_aside_is_put_back(fetched: Path) -> None:
    backup = _crashed_between_renames(fetched)
    notes = official.repair_interrupted_fetches(fetched)
    assert any(n.startswith("restored release 2026") for n in notes)
    assert any("the work folder of an interrupted 'sinstats fetch'" in n for n in notes)
    assert (fetched / "raw" / "2026" / "SOURCE.json").is_file() and not backup.exists()
    assert [p.name for p in (fetched / "raw").iterdir() if p.name.startswith(".")] == []
    assert official.repair_interrupted_fetches(fetched) == []  # nothing left to do


def test_an_old_copy_beside_the_new_one_is_removed(fetched: Path) -> None:
    backup = fetched / "raw" / ".2026.previous-feedbeef"
    backup.mkdir()
    (backup / "SOURCE.json").write_text("{}", encoding="utf-8")
    notes = official.repair_interrupted_fetches(fetched)
    assert notes == [
        "removed .2026.previous-feedbeef, the old copy of release 2026 left by an interrupted "
        "'sinstats fetch' (the new copy is installed)"
    ]
    assert not backup.exists()


def test_the_work_folder_of_a_running_fetch_is_left_alone(fetched: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=fetched / "raw"))
    claim = installed.claim_work_folder(work)
    try:
        assert official.repair_interrupted_fetches(fetched) == []
        assert work.is_dir()
    finally:
        claim.close()
    assert official.repair_interrupted_fetches(fetched) and not work.exists()


def test_loading_repairs_and_warns(fetched: Path) -> None:
    _crashed_between_renames(fetched)
    with pytest.warns(UserWarning, match="restored release 2026"):
        releases_found = official.installed_releases(fetched)
    assert [r.slug for r in releases_found] == ["2026"]


def test_a_folder_that_cannot_be_written_gets_a_warning(
    fetched: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crashed_between_renames(fetched)

    def read_only(src: object, dst: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(installed.os, "rename", read_only)
    (note,) = official.repair_interrupted_fetches(fetched)
    assert note.startswith("warning: release 2026 is missing from")
    assert "could not be restored because the data folder cannot be written" in note
    assert "the transcribed figures are used instead" in note
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert installed.release_dirs(fetched / "raw") == []
    assert any("release 2026 is missing" in str(w.message) for w in caught)


def test_a_lock_held_too_long_gets_a_warning(
    fetched: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crashed_between_renames(fetched)
    real = installed.install_lock
    monkeypatch.setattr(installed, "install_lock", lambda raw, wait=30.0: real(raw, wait=0.1))
    with real(fetched / "raw") as held:
        assert held
        (note,) = official.repair_interrupted_fetches(fetched)
    assert "because another 'sinstats fetch' is installing" in note


def test_fetch_into_a_folder_that_cannot_be_written_is_a_clear_error(
    data_copy: Path,
    release_zip: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def read_only(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "mkdir", read_only)
    with pytest.raises(OutputError, match="the file system is read-only"):
        releases.fetch("2026", release_zip(tmp_path, "2026"), data_dir=data_copy, progress=False)
