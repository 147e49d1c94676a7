"""Archive safety: check a release ZIP before anything is written, then extract plain files.

The archive is checked before extraction: no absolute paths, no ``..``, no links or other
special files, no encrypted entries, no duplicate names, at most
:attr:`ArchiveLimits.max_entries` entries, each entry and the total below an uncompressed-size
cap and a compression-ratio cap (zip bombs); a truncated or corrupt archive (bad CRC) fails.
Entries are then extracted as plain files, only of known document types (:data:`KEPT_SUFFIXES`);
others are skipped and listed. Nothing extracted is ever executed.
"""

from __future__ import annotations

import lzma
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final, NamedTuple

from sinstats._typing import PathLike
from sinstats.errors import ArchiveError

KEPT_SUFFIXES: Final = frozenset(
    {".csv", ".txt", ".md", ".pdf", ".xlsx", ".xls", ".ods", ".odt", ".docx", ".json"}
)
"""Document types extracted from an archive; any other entry is skipped and listed."""

DATA_FOLDERS: Final = ("data", "data-guidance", "supporting-files")
"""Top-level folders of an EES release archive (a single other wrapping folder is removed)."""

_CHUNK = 64 * 1024
_COMPRESSIONS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)


class Entry(NamedTuple):
    """One checked archive entry.

    Parameters
    ----------
    info : zipfile.ZipInfo
        The entry as the archive describes it.
    path : PurePosixPath
        Its safe path relative to the release folder.
    """

    info: zipfile.ZipInfo
    path: PurePosixPath


@dataclass(frozen=True)
class ArchiveLimits:
    """Caps applied to an archive before and while it is extracted.

    Parameters
    ----------
    max_entries : int
        Most entries (files and folders) allowed.
    max_entry_bytes : int
        Largest uncompressed size of one entry.
    max_total_bytes : int
        Largest uncompressed size of all entries together.
    max_ratio : float
        Largest compression ratio (uncompressed / compressed) of an entry larger than
        ``ratio_floor_bytes``; real CSVs compress 5-20 times, zip bombs thousands of times.
    ratio_floor_bytes : int
        Entries at most this large are not ratio-checked (tiny files compress oddly).
    """

    max_entries: int = 1000
    max_entry_bytes: int = 200 * 1024 * 1024
    max_total_bytes: int = 500 * 1024 * 1024
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1024 * 1024


def _entry_path(info: zipfile.ZipInfo, archive: str) -> PurePosixPath:
    """Return the safe relative path of an entry, or raise :class:`ArchiveError`."""
    name = info.filename
    if not name or "\x00" in name or any(ord(ch) < 32 for ch in name):
        raise ArchiveError(f"{archive}: entry {name!r} has an empty or control-character name")
    if "\\" in name:
        raise ArchiveError(f"{archive}: entry {name!r} uses backslashes; refusing the archive")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise ArchiveError(
            f"{archive}: entry {name!r} has an absolute path; refusing the archive (it could "
            "write outside the release folder)"
        )
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(
            f"{archive}: entry {name!r} contains '..'; refusing the archive (it could write "
            "outside the release folder: 'zip slip')"
        )
    if not parts:
        raise ArchiveError(f"{archive}: entry {name!r} has no file name")
    return PurePosixPath(*parts)


def _check_entry(info: zipfile.ZipInfo, archive: str, limits: ArchiveLimits) -> None:
    """Refuse a link, a special file, an unknown compression, encryption or a zip bomb."""
    mode = (info.external_attr >> 16) & 0xFFFF
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        raise ArchiveError(
            f"{archive}: entry {info.filename!r} is a symbolic link; refusing the archive "
            "(links can point outside the release folder)"
        )
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise ArchiveError(
            f"{archive}: entry {info.filename!r} is a special file (mode {oct(mode)}); "
            "only plain files and folders are allowed"
        )
    if info.compress_type not in _COMPRESSIONS:
        raise ArchiveError(
            f"{archive}: entry {info.filename!r} uses compression method "
            f"{info.compress_type}, which sinstats does not read (the archive may be damaged)"
        )
    if info.flag_bits & 0x1:
        raise ArchiveError(f"{archive}: entry {info.filename!r} is encrypted; EES archives are not")
    if info.file_size > limits.max_entry_bytes:
        raise ArchiveError(
            f"{archive}: entry {info.filename!r} unpacks to {info.file_size:,} bytes, more "
            f"than the {limits.max_entry_bytes:,}-byte cap per file (zip bomb?)"
        )
    if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
        info.compress_size, 1
    ):
        ratio = info.file_size / max(info.compress_size, 1)
        raise ArchiveError(
            f"{archive}: entry {info.filename!r} expands {ratio:,.0f} times "
            f"({info.compress_size:,} -> {info.file_size:,} bytes), beyond the "
            f"{limits.max_ratio:g}x cap: a zip bomb, not data"
        )


def check_archive(
    zip_path: PathLike, limits: ArchiveLimits | None = None, *, label: str = ""
) -> list[Entry]:
    """Check an archive's directory before anything is extracted.

    Parameters
    ----------
    zip_path : path-like
        The ZIP file.
    limits : ArchiveLimits, optional
        Caps (default :class:`ArchiveLimits`).
    label : str
        Name of the archive in messages.

    Returns
    -------
    list of Entry
        Every entry with its safe relative path (a single wrapping folder removed).

    Raises
    ------
    ArchiveError
        For a truncated or corrupt archive, an absolute path, a ``..`` entry, a link or other
        special file, an encrypted entry, a duplicate name, too many entries, an entry or total
        beyond the size cap, or a compression ratio beyond the cap.
    """
    limits = limits or ArchiveLimits()
    archive = label or Path(zip_path).name
    try:
        with zipfile.ZipFile(zip_path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as err:
        raise ArchiveError(
            f"{archive} is not a readable ZIP archive ({err}); the download may be truncated or "
            "corrupt: fetch it again"
        ) from None
    if not infos:
        raise ArchiveError(f"{archive} is an empty ZIP archive: no release files in it")
    if len(infos) > limits.max_entries:
        raise ArchiveError(
            f"{archive} has {len(infos):,} entries, more than the {limits.max_entries:,} allowed; "
            "not a release archive"
        )
    entries: list[Entry] = []
    total = 0
    for info in infos:
        rel = _entry_path(info, archive)
        _check_entry(info, archive, limits)
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveError(
                f"{archive} unpacks to more than {limits.max_total_bytes:,} bytes in all "
                "(zip bomb?)"
            )
        entries.append(Entry(info, rel))
    files = [rel for info, rel in entries if not info.is_dir()]
    names = [str(rel).lower() for rel in files]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ArchiveError(f"{archive}: entry {dup!r} appears twice; refusing an ambiguous archive")
    tops = {rel.parts[0] for rel in files}
    if len(tops) == 1 and all(len(rel.parts) > 1 for rel in files):
        top = next(iter(tops))
        if top not in DATA_FOLDERS:  # a ZIP re-made around a folder: drop the wrapper
            entries = [
                Entry(info, PurePosixPath(*rel.parts[1:]))
                for info, rel in entries
                if len(rel.parts) > 1
            ]
    return entries


def extract_archive(
    zip_path: PathLike,
    dest: PathLike,
    limits: ArchiveLimits | None = None,
    *,
    label: str = "",
) -> tuple[list[str], list[str]]:
    """Check and extract an archive into ``dest`` (which must not exist).

    Files are written as plain files (mode 0644); nothing is executed. Only entries whose
    suffix is in :data:`KEPT_SUFFIXES` are extracted; ``__MACOSX`` and others are skipped.

    Parameters
    ----------
    zip_path : path-like
        The archive.
    dest : path-like
        The folder to create and extract into.
    limits : ArchiveLimits, optional
        Caps checked before and while extracting (default :class:`ArchiveLimits`).
    label : str
        How to name the archive in messages (default: its file name).

    Returns
    -------
    extracted : list of str
        Relative paths written.
    skipped : list of str
        Entries not extracted, with the reason.

    Raises
    ------
    ArchiveError
        See :func:`check_archive`; also for a bad CRC, or an entry larger than it declared.
    """
    limits = limits or ArchiveLimits()
    archive = label or Path(zip_path).name
    entries = check_archive(zip_path, limits, label=archive)
    root = Path(dest)
    root.mkdir(parents=False, exist_ok=False)
    extracted: list[str] = []
    skipped: list[str] = []
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for info, rel in entries:
                if info.is_dir():
                    continue
                if rel.parts[0] == "__MACOSX" or rel.name.startswith("."):
                    skipped.append(f"{rel} (system file)")
                    continue
                if rel.suffix.lower() not in KEPT_SUFFIXES:
                    skipped.append(f"{rel} (file type {rel.suffix or 'none'} not kept)")
                    continue
                target = root.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, target.open("xb") as out:
                    while True:
                        chunk = src.read(_CHUNK)
                        if not chunk:
                            break
                        written += len(chunk)
                        if written > info.file_size or written > limits.max_entry_bytes:
                            raise ArchiveError(
                                f"{archive}: entry {info.filename!r} unpacks to more than it "
                                "declared; refusing the archive"
                            )
                        out.write(chunk)
                os.chmod(target, 0o644)
                extracted.append(rel.as_posix())
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as err:
        raise ArchiveError(
            f"{archive} is corrupt ({err}); fetch it again (the download may be damaged)"
        ) from None
    except OSError as err:
        raise ArchiveError(f"{archive}: cannot extract ({err})") from None
    return extracted, skipped
