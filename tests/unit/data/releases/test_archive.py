"""Archive safety: hostile archives are refused before anything is written; plain files only.

Every hostile archive is served by the local server and fetched with ``sinstats fetch``: it must
exit 2 with a clear message and leave data/raw/ unchanged (see ``conftest.py``).
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats.data import releases
from sinstats.errors import DataError

Refused = Callable[..., None]
ZipWith = Callable[[dict[str, str | bytes | None]], bytes]


def _with_entry(good: dict[str, str], entry: zipfile.ZipInfo | str, content: str | bytes) -> bytes:
    """The good files plus one entry written as given (links, pipes, flags, duplicates)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in good.items():
            zf.writestr(name, text)
        zf.writestr(entry, content)
    return buf.getvalue()


def _symlink_zip(good: dict[str, str], zip_with: ZipWith) -> bytes:
    link = zipfile.ZipInfo("data/link.csv")
    link.external_attr = 0o120777 << 16  # a symbolic link to /etc/passwd
    return _with_entry(good, link, "/etc/passwd")


def _fifo_zip(good: dict[str, str], zip_with: ZipWith) -> bytes:
    fifo = zipfile.ZipInfo("data/pipe.csv")
    fifo.external_attr = 0o010644 << 16  # a named pipe
    return _with_entry(good, fifo, "")


def _bomb_zip(good: dict[str, str], zip_with: ZipWith) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in good.items():
            zf.writestr(name, text)
        zf.writestr("data/zeros.csv", b"0" * (8 * 1024 * 1024))  # 8 MiB of zeros: ~1000x
    return buf.getvalue()


def _corrupt_zip(good: dict[str, str], zip_with: ZipWith) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, text in good.items():
            zf.writestr(name, text)
    raw = bytearray(buf.getvalue())
    marker = raw.index(b"time_period,time_identifier")
    raw[marker] ^= 0x01  # flip one bit of stored data: the CRC no longer matches
    return bytes(raw)


def _truncated_zip(good: dict[str, str], zip_with: ZipWith) -> bytes:
    whole = zip_with({})
    return whole[: len(whole) // 2]  # the end, with the archive's directory, is missing


def _encrypted_zip(good: dict[str, str], zip_with: ZipWith) -> bytes:
    info = zipfile.ZipInfo("data/secret.csv")
    info.flag_bits |= 0x1
    return _with_entry(good, info, b"encrypted?")


def _many_entries_zip(good: dict[str, str], zip_with: ZipWith) -> bytes:
    extra = {f"supporting-files/n{i}.txt": "x" for i in range(releases.ArchiveLimits().max_entries)}
    return zip_with(dict(extra))


def _duplicate_zip(good: dict[str, str], zip_with: ZipWith) -> bytes:
    with pytest.warns(UserWarning, match="Duplicate name"):
        return _with_entry(good, "data/fixture_sin_total_notifications.csv", "x")


def _empty_zip(good: dict[str, str], zip_with: ZipWith) -> bytes:
    buf = io.BytesIO()
    zipfile.ZipFile(buf, "w").close()
    return buf.getvalue()


# name: (archive builder from the good 2026 files, expected words in the message)
HOSTILE_ARCHIVES: dict[str, tuple[Callable[[dict[str, str], ZipWith], bytes], str]] = {
    "zip_slip": (lambda g, w: w({"../evil.csv": "time_period\n1\n"}), "contains '..'"),
    "zip_slip_nested": (lambda g, w: w({"data/../../evil.csv": "x"}), "zip slip"),
    "absolute_path": (lambda g, w: w({"/tmp/evil.csv": "x"}), "absolute path"),
    "windows_drive_path": (lambda g, w: w({"C:/evil.csv": "x"}), "absolute path"),
    "backslash_path": (lambda g, w: w({"data\\..\\evil.csv": "x"}), "backslashes"),
    "symlink": (_symlink_zip, "symbolic link"),
    "special_file": (_fifo_zip, "special file"),
    "zip_bomb": (_bomb_zip, "zip bomb"),
    "truncated": (_truncated_zip, "not a readable ZIP"),
    "corrupt_crc": (_corrupt_zip, "corrupt"),
    "encrypted": (_encrypted_zip, "encrypted"),
    "too_many_entries": (_many_entries_zip, "entries, more than"),
    "duplicate_entry": (_duplicate_zip, "appears twice"),
    "empty_zip": (_empty_zip, "empty ZIP"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_ARCHIVES))
def test_hostile_archive_rejected_and_raw_unchanged(
    kind: str,
    server: Any,
    release_files: Callable[[str], dict[str, str]],
    zip_with: ZipWith,
    assert_fetch_refused: Refused,
) -> None:
    build, words = HOSTILE_ARCHIVES[kind]
    url = server.serve(f"/{kind}.zip", build(release_files("2026"), zip_with))
    assert_fetch_refused(url, words)


def test_skipped_entries_and_wrapping_folder(
    tmp_path: Path,
    work: Path,
    release_files: Callable[[str], dict[str, str]],
    write_zip: Callable[..., Path],
) -> None:
    files: dict[str, str | bytes] = {
        f"sin-2026/{name}": text for name, text in release_files("2026").items()
    }
    files["sin-2026/tools/run.sh"] = "#!/bin/sh\necho never run\n"
    files["sin-2026/__MACOSX/._x.csv"] = b"\x00\x05"
    path = write_zip(tmp_path / "fixture-wrapped.zip", files)
    result = releases.fetch("2026", path, data_dir=work, progress=False)
    assert "tools/run.sh (file type .sh not kept)" in result.skipped
    assert any(s.startswith("__MACOSX") for s in result.skipped)
    folder = work / "raw" / "2026"
    assert (folder / "data" / "fixture_sin_nature_characteristics.csv").is_file()
    assert not (folder / "tools").exists()
    source = json.loads((folder / "SOURCE.json").read_text())
    assert "tools/run.sh (file type .sh not kept)" in source["skipped"]


def test_checked_entries_have_safe_paths(tmp_path: Path, release_zip: Callable[..., Path]) -> None:
    entries = releases.check_archive(release_zip(tmp_path, "2026"))
    assert all(isinstance(e, releases.Entry) for e in entries)
    paths = {e.path.as_posix() for e in entries}
    assert "data/fixture_sin_nature_characteristics.csv" in paths
    assert all(not p.startswith(("/", "..")) for p in paths)


def test_total_size_cap(tmp_path: Path, release_zip: Callable[..., Path]) -> None:
    path = release_zip(tmp_path, "2026")
    limits = releases.ArchiveLimits(max_total_bytes=5000)
    with pytest.raises(releases.ArchiveError, match="unpacks to more than 5,000 bytes in all"):
        releases.check_archive(path, limits)
    per_entry = releases.ArchiveLimits(max_entry_bytes=100)
    with pytest.raises(releases.ArchiveError, match="cap per file"):
        releases.check_archive(path, per_entry)


def test_entry_larger_than_declared_is_stopped(
    tmp_path: Path, write_zip: Callable[..., Path]
) -> None:
    path = write_zip(tmp_path / "lying.zip", {"data/a.csv": "x" * 5000})
    raw = bytearray(path.read_bytes())
    # Lower the uncompressed size recorded in the central directory (offset 24 in the record).
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 24 : central + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(releases.ArchiveError, match="more than it declared|corrupt"):
        releases.extract_archive(path, tmp_path / "out")


# ---------------------------------------------------------------------------------------------
# Fuzzing: a damaged archive is installed correctly or refused with a sinstats error
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_zip(release_files: Callable[[str], dict[str, str]]) -> bytes:
    """The 2026 fixture files in a ZIP written in memory (no fixed entry dates)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in release_files("2026").items():
            zf.writestr(name, text)
    return buf.getvalue()


@settings(max_examples=200, deadline=None)
@given(data=st.data(), value=st.integers(min_value=0, max_value=255), cut=st.booleans())
def test_fuzz_damaged_archive(data: st.DataObject, value: int, cut: bool, good_zip: bytes) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(good_zip) - 1), label="position")
    raw = bytearray(good_zip)
    raw[position] = value
    blob = bytes(raw[:position]) if cut else bytes(raw)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "damaged.zip"
        path.write_bytes(blob)
        try:
            releases.extract_archive(path, Path(tmp) / "out")
            files = releases.validate_release(Path(tmp) / "out", "2026")
        except (releases.ArchiveError, DataError) as err:
            assert str(err)
            return
        assert any(r["kind"] == "data" for r in files.values())
        for p in (Path(tmp) / "out").rglob("*"):
            assert p.resolve().is_relative_to((Path(tmp) / "out").resolve())
            assert not p.is_symlink()
