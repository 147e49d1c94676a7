"""Incremental builds: the hash of what a run depends on, and whether a run is up to date.

A run is skipped when the hash of its inputs (:func:`run_key`: the notebook's bytes, the library's
sources, the parameters, the package versions, every data, assumptions and claims file it read
(recorded as it ran) and a data file's line in ``SHA256SUMS``, and the designation and release
files) equals the hash recorded for its last good build in ``manifest.json``, and that build's
outputs are all still there, each with the size the manifest records (:func:`decide`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sinstats import paths
from sinstats.build import provenance
from sinstats.build._helpers import sha256_file
from sinstats.build.folder import FAILED, MANIFEST_SCHEMA, OK, SKIPPED
from sinstats.build.matrix import Run
from sinstats.errors import OutputError


@dataclass(frozen=True)
class SharedInputs:
    """What every run of one build depends on besides its notebook, parameters and data.

    Parameters
    ----------
    library_sha : str
        :func:`~sinstats.build.provenance.library_hash`.
    packages : dict
        :func:`~sinstats.build.provenance.package_versions`.
    config : dict
        :func:`~sinstats.build.provenance.config_files`.
    """

    library_sha: str
    packages: dict[str, str]
    config: dict[str, str | None]

    @classmethod
    def current(cls, data_dir: Path) -> SharedInputs:
        """Return the inputs as they are now.

        Parameters
        ----------
        data_dir : Path
            The data folder (for its assumptions, claims and release files).

        Returns
        -------
        SharedInputs
            Looked up through :mod:`sinstats.build.provenance`, where tests can pin them.
        """
        return cls(
            library_sha=provenance.library_hash(),
            packages=provenance.package_versions(),
            config=provenance.config_files(data_dir),
        )


@dataclass(frozen=True)
class Decision:
    """Whether to run one run, and why (shown on the console and kept in the manifest).

    Parameters
    ----------
    reason : str
        ``"new"``, ``"up to date"``, ``"forced (--force)"``, ``"data changed: ..."`` and so on.
    skip : bool
        True when the run is up to date.
    """

    reason: str
    skip: bool


def _absolute(display: str) -> Path:
    p = Path(display)
    return p if p.is_absolute() else paths.PROJ_ROOT / p


UNREADABLE = "unreadable"
""":meth:`HashCache.file`'s value for a file that exists but cannot be read (not a SHA-256)."""


class HashCache:
    """SHA-256 of files and ``SHA256SUMS`` lines, each computed once per build.

    A build makes one before any run executes and primes it with every run's notebook and data
    folder (:meth:`prime`), so the key a run is committed with is of the notebook and checksums
    as they were when the build decided to run it: a file edited while the build runs makes the
    next build run its readers again, never an output of one version recorded as of another.
    """

    def __init__(self) -> None:
        self.files: dict[str, str | None] = {}
        self.sums: dict[Path, dict[str, str] | None] = {}

    def prime(self, runs: Sequence[Run]) -> None:
        """Hash every run's notebook and read its data folder's ``SHA256SUMS`` now.

        Parameters
        ----------
        runs : sequence of Run
            The planned runs (each names its notebook and its ``data_dir`` parameter).
        """
        for run in runs:
            self.file(str(run.notebook.path))
            data_dir = run.parameters.get("data_dir")
            if isinstance(data_dir, str):
                self._sums_of(Path(data_dir))

    def file(self, display: str) -> str | None:
        """Return the SHA-256 of a file given as the manifest shows it.

        Parameters
        ----------
        display : str
            The path, relative to the project root or absolute.

        Returns
        -------
        str or None
            None when the file does not exist; :data:`UNREADABLE` when it cannot be read (a
            value no recorded hash equals, so whatever depends on it is rebuilt).
        """
        if display not in self.files:
            try:
                p = _absolute(display)
                self.files[display] = sha256_file(p) if p.is_file() else None
            except (OSError, ValueError):
                self.files[display] = UNREADABLE
        return self.files[display]

    def sums_entry(self, display: str) -> str | None:
        """Return the checksum ``SHA256SUMS`` lists for a published file.

        Parameters
        ----------
        display : str
            ``<data>/published/<file>`` as the manifest shows it; the list is
            ``<data>/SHA256SUMS``.

        Returns
        -------
        str or None
            None when there is no list or it does not name the file.
        """
        p = _absolute(display)
        base = p.parent.parent
        entries = self._sums_of(base)
        if entries is None:
            return None
        return entries.get(p.relative_to(base).as_posix() if p.is_relative_to(base) else "")

    def _sums_of(self, base: Path) -> dict[str, str] | None:
        """Read the ``{file: checksum}`` lines of ``<base>/SHA256SUMS`` once (None without one)."""
        base = _absolute(str(base))
        if base not in self.sums:
            sums_path = base / "SHA256SUMS"
            entries: dict[str, str] | None = None
            if sums_path.is_file():
                entries = {}
                for line in sums_path.read_text(encoding="utf-8", errors="replace").splitlines():
                    parts = line.split(maxsplit=1)
                    if len(parts) == 2 and not line.startswith("#"):
                        entries[parts[1].lstrip("*")] = parts[0]
            self.sums[base] = entries
        return self.sums[base]


def run_key(
    *,
    notebook_sha: str,
    library_sha: str,
    parameters: Mapping[str, Any],
    packages: Mapping[str, str],
    data_files: Mapping[str, str | None],
    sums_entries: Mapping[str, str | None],
    config: Mapping[str, str | None],
) -> str:
    """Return the hash of everything a run depends on.

    Parameters
    ----------
    notebook_sha, library_sha : str
        SHA-256 of the notebook's bytes and of the library sources
        (:func:`~sinstats.build.provenance.library_hash`).
    parameters : mapping
        Every papermill parameter except ``output_dir``.
    packages : mapping
        :func:`~sinstats.build.provenance.package_versions`.
    data_files : mapping
        ``{path: sha256}`` of every data file the run reads (None for a missing file).
    sums_entries : mapping
        ``{path: checksum listed in SHA256SUMS}`` for those files: a changed checksum list makes
        ``load`` accept or refuse a file, so it is a dependency too.
    config : mapping
        :func:`~sinstats.build.provenance.config_files`.

    Returns
    -------
    str
        Hex SHA-256 of the canonical JSON of all of the above.
    """
    payload = {
        "schema": MANIFEST_SCHEMA,
        "notebook": notebook_sha,
        "library": library_sha,
        "parameters": dict(parameters),
        "packages": dict(packages),
        "data_files": dict(sorted(data_files.items())),
        "sums": dict(sorted(sums_entries.items())),
        "config": dict(sorted(config.items())),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def key_of(
    run: Run, shared: SharedInputs, data_files: Mapping[str, str | None], hashes: HashCache
) -> str:
    """Return :func:`run_key` of ``run`` reading ``data_files`` (as its manifest entry records).

    Parameters
    ----------
    run : Run
        The run (its notebook's hash is looked up in ``hashes``: hashed now if not yet there).
    shared : SharedInputs
        The build's library, packages and config files.
    data_files : mapping
        ``{path: sha256}`` of the data files the run read.
    hashes : HashCache
        Where the notebook's hash and the ``SHA256SUMS`` lines of those files are looked up.

    Returns
    -------
    str
        Hex SHA-256.
    """
    notebook_sha = hashes.file(str(run.notebook.path))
    if notebook_sha is None:
        raise OutputError(f"{run.notebook.path}: the notebook is gone (it was planned to run)")
    return run_key(
        notebook_sha=notebook_sha,
        library_sha=shared.library_sha,
        parameters=run.parameters,
        packages=shared.packages,
        data_files=data_files,
        sums_entries={p: hashes.sums_entry(p) for p in data_files},
        config=shared.config,
    )


def last_good(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return (a copy of) the manifest entry of a run's last good build, or None.

    Parameters
    ----------
    entry : mapping or None
        A run's manifest entry: its own when it is ok or up to date, else its ``last_good``.

    Returns
    -------
    dict or None
        None when the run has never built successfully.
    """
    if not entry:
        return None
    if entry.get("status") in (OK, SKIPPED):
        return dict(entry)
    good = entry.get("last_good")
    return dict(good) if isinstance(good, dict) else None


def decide(
    runs: Sequence[Run],
    prev_runs: Mapping[str, Mapping[str, Any]],
    out: Path,
    shared: SharedInputs,
    force: bool,
    hashes: HashCache | None = None,
) -> list[Decision]:
    """Return one :class:`Decision` per run: skip when its hash matches the last good build.

    Parameters
    ----------
    runs : sequence of Run
        The planned runs.
    prev_runs : mapping
        The checked entries of the reports folder's manifest
        (:func:`sinstats.build.manifest.read_manifest`).
    out : Path
        The reports folder (every recorded output must still exist there, with its recorded
        size).
    shared : SharedInputs
        The build's library, packages and config files.
    force : bool
        Run everything (``--force``).
    hashes : HashCache, optional
        The build's hashes (a new one by default).

    Returns
    -------
    list of Decision
        In the order of ``runs``.
    """
    if force:
        return [Decision("forced (--force)", False) for _ in runs]
    hashes = hashes if hashes is not None else HashCache()
    decisions: list[Decision] = []
    for run in runs:
        good = last_good(prev_runs.get(run.id))
        if good is None:
            failed = prev_runs.get(run.id, {}).get("status") == FAILED
            decisions.append(Decision("failed last time" if failed else "new", False))
            continue
        outputs = good.get("outputs") or []
        if not outputs or not all((out / o).is_file() for o in outputs):
            decisions.append(Decision("outputs missing", False))
            continue
        if not _sizes_match(out, good.get("output_files") or {}):
            decisions.append(Decision("outputs changed on disk", False))
            continue
        data_files = {p: hashes.file(p) for p in (good.get("data_files") or {})}
        if key_of(run, shared, data_files, hashes) == good.get("key"):
            decisions.append(Decision("up to date", True))
        else:
            decisions.append(Decision(why_changed(good, run, data_files, shared), False))
    return decisions


def _sizes_match(out: Path, files: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether every recorded output still has its recorded size (a cheap check: no hashing)."""
    for rel, record in files.items():
        try:
            if (out / rel).stat().st_size != record.get("bytes"):
                return False
        except OSError:
            return False
    return True


def why_changed(
    good: Mapping[str, Any],
    run: Run,
    data_files: Mapping[str, str | None],
    shared: SharedInputs,
) -> str:
    """Return a short reason for the console and the manifest.

    Parameters
    ----------
    good : mapping
        The run's last good manifest entry.
    run : Run
        The run as planned now.
    data_files : mapping
        The current SHA-256 of the files the last good build read.
    shared : SharedInputs
        The build's library, packages and config files.

    Returns
    -------
    str
        The first difference found, in the order notebook, parameters, assumptions or claims
        files read, data files read, designation and release files, packages, library;
        ``"checksums changed (SHA256SUMS)"`` when it is none of those (the lines of
        ``SHA256SUMS`` for the files read, the one input of the key the entry does not record).
    """
    if good.get("notebook_sha256") != sha256_file(run.notebook.path):
        return "notebook changed"
    if good.get("parameters") != run.parameters:
        return "parameters changed"
    changed = [p for p, sha in data_files.items() if sha != good.get("data_files", {}).get(p)]
    configs = [p for p in changed if Path(p).suffix in (".yml", ".yaml")]
    if configs:
        return "assumptions/claims changed: " + ", ".join(Path(p).name for p in configs)
    if changed:
        return "data changed: " + ", ".join(Path(p).name for p in changed)
    if good.get("config_files") != dict(shared.config):
        return "assumptions/claims changed"
    if good.get("packages") != dict(shared.packages):
        return "packages changed"
    if good.get("library_sha256") == shared.library_sha:
        # Everything else in the key is the same: the checksums listed for the files it read.
        return "checksums changed (SHA256SUMS)"
    return "library changed"
