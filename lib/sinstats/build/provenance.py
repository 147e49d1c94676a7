"""What a build records about itself: package versions, the library's hash, git, the build time.

These facts enter every run's hash (:func:`sinstats.build.cache.run_key`), the manifest and the
last page of every report. (The provenance of the *data*, checksums and the record of the files a
run read, is :mod:`sinstats.data.provenance`.)

The build calls these through the module (``provenance.library_hash()``), so a test that pins the
library hash or the git state patches them here, where they are looked up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from sinstats import paths
from sinstats.build._helpers import display_path, sha256_file, utc_now
from sinstats.errors import ParameterError

PACKAGES: tuple[str, ...] = (
    "afcharts",
    "gptables",
    "ipykernel",
    "jsonschema",
    "jupyter_client",
    "matplotlib",
    "nbclient",
    "nbconvert",
    "nbformat",
    "numpy",
    "pandas",
    "papermill",
    "pyyaml",
    "scipy",
    "sinstats",
    "statsmodels",
    "typst",
    "xlsxwriter",
)
"""Packages whose versions enter every run's hash and the manifest."""

CONFIG_PATTERNS: tuple[str, ...] = (
    "breaks.yml",
    "published/designation.csv",
    "raw/*/SOURCE.json",
)
"""Files of the data folder every run depends on besides the data files it reads."""

RECORDED_PATTERNS: tuple[str, ...] = (
    "assumptions.yml",
    "claims/*.yml",
    "claims/*.yaml",
)
"""Configuration files a run depends on only if it reads them.

The library records reading them as it records data files
(:func:`sinstats.data.files_read`: :func:`sinstats.stats.uncertainty.load_assumptions`,
:func:`sinstats.analyses.claims.load_claims`), so they are in each run's ``data_files`` and an
edit rebuilds only the runs that read the file. A run that recorded nothing depends on all of
them (:func:`recorded_files`)."""


@dataclass(frozen=True)
class GitState:
    """The project checkout's state at build time.

    Parameters
    ----------
    commit : str or None
        ``HEAD``'s SHA-1, or None outside a git checkout (or without git).
    dirty : bool or None
        Whether tracked files have uncommitted changes; None when ``commit`` is None.
    """

    commit: str | None
    dirty: bool | None


def package_versions() -> dict[str, str]:
    """Return the versions of :data:`PACKAGES` and of Python.

    Returns
    -------
    dict
        ``{"python": version, package: version or "not installed", ...}``.
    """
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        out[name] = installed_version(name)
    return out


def installed_version(name: str) -> str:
    """Return :func:`distribution_version` of ``name``, or ``"not installed"``.

    Parameters
    ----------
    name : str
        The distribution's name.

    Returns
    -------
    str
        Its version, or ``"not installed"`` when no distribution of that name is found.
    """
    try:
        return distribution_version(name)
    except Exception as err:
        import importlib.metadata  # imported already by the look-up that raised

        if isinstance(err, importlib.metadata.PackageNotFoundError):
            return "not installed"
        raise


_PLAIN_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+!_-]*")


def distribution_version(name: str) -> str:
    """Return ``importlib.metadata.version(name)``, reading the metadata's headers directly.

    ``importlib.metadata`` parses a distribution's whole ``METADATA`` with the e-mail parser
    to return one header, and importing it (with the e-mail package) is itself a fifth of a
    no-change rebuild. This finds the same distribution the same way, without importing it
    when it can (:func:`_metadata_text`), and reads its header block: when it holds exactly one
    ``Version`` header, on one line, with a plain version, that is the answer (the one the
    e-mail parser gives); anything else is left to ``importlib.metadata``
    (``tests/unit/build/test_build_provenance.py`` compares the two over every installed
    distribution).

    Parameters
    ----------
    name : str
        The distribution's name.

    Returns
    -------
    str
        Its version.

    Raises
    ------
    importlib.metadata.PackageNotFoundError
        If it is not installed.
    """
    text = _metadata_text(name)
    if text is not None:
        version = _header_version(text)
        if version is not None:
            return version
    import importlib.metadata  # the general case: only when the plain reading cannot answer

    dist = importlib.metadata.distribution(name)
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO")
    if text:
        version = _header_version(text)
        if version is not None:
            return version
    return dist.version


def _header_version(text: str) -> str | None:
    """Return the ``Version`` header of a metadata file when the plain reading is certain."""
    lines = text.split("\n")
    found: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip():
            break  # the end of the headers
        field, colon, value = line.partition(":")
        if colon and field.lower() == "version":
            folded = i + 1 < len(lines) and lines[i + 1][:1] in (" ", "\t")
            # As the e-mail parser takes a header's value (compat32): spaces before it
            # dropped, the line end dropped; a value folded onto more lines is left to it.
            found.append("" if folded else value.lstrip(" \t").rstrip("\r\n"))
    if len(found) == 1 and _PLAIN_VERSION.fullmatch(found[0]):
        return found[0]
    return None


_SEPARATORS = re.compile(r"[-_.]+")


def _normalized(name: str) -> str:
    """Return a distribution name as ``importlib.metadata`` compares it (``Prepared.normalize``)."""
    return _SEPARATORS.sub("-", name).lower().replace("-", "_")


def _is_path_finder(finder: object) -> bool:
    """Return True for the standard path finder (``importlib.machinery.PathFinder``) itself."""
    return getattr(finder, "__qualname__", None) == "PathFinder" and getattr(
        finder, "__module__", None
    ) in ("_frozen_importlib_external", "importlib._bootstrap_external")


def _metadata_text(name: str) -> str | None:
    """Return the text of the metadata file ``importlib.metadata.distribution(name)`` reads.

    ``importlib.metadata`` asks every finder on ``sys.meta_path`` that can find distributions;
    the standard one (:class:`importlib.machinery.PathFinder`) lists each ``sys.path`` folder in
    order and takes the first ``<name>-*.dist-info`` or ``.egg-info`` entry whose name,
    normalised, is the name asked for, then reads its ``METADATA`` (else ``PKG-INFO``). This
    does the same for the plain case only: it returns None (leave it to ``importlib.metadata``)
    when another finder could answer, a ``sys.path`` entry is not a folder that can be listed
    (a zip file, an egg), the first match is not a folder with a metadata file, or nothing
    matches.
    """
    if not name:
        return None
    for finder in sys.meta_path:
        if hasattr(finder, "find_distributions") and not _is_path_finder(finder):
            return None
    wanted = _normalized(name)
    for entry in sys.path:
        root = entry or "."
        if root.lower().endswith(".egg"):
            return None
        try:
            children = os.listdir(root)
        except FileNotFoundError:
            continue  # importlib.metadata finds nothing there either
        except OSError:
            return None  # a file (a zip) or a folder it may read differently
        for child in children:
            low = child.lower()
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            if _normalized(low.rpartition(".")[0].partition("-")[0]) != wanted:
                continue
            for filename in ("METADATA", "PKG-INFO"):
                try:
                    with open(os.path.join(root, child, filename), encoding="utf-8") as fh:
                        text = fh.read()
                except OSError:
                    continue
                except UnicodeDecodeError:
                    return None
                return text or None
            return None
    return None


def library_hash() -> str:
    """Return one SHA-256 over every ``sinstats`` source file and template (sorted by path).

    Returns
    -------
    str
        Hex SHA-256 of each file's relative path and bytes (compiled files left out).
    """
    root = paths.PACKAGE_DIR
    h = hashlib.sha256()
    files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for p in sorted(files, key=lambda x: x.relative_to(root).as_posix()):
        if p.suffix in (".pyc", ".pyo"):
            continue
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def config_files(data_dir: Path) -> dict[str, str | None]:
    """Return ``{path: sha256}`` of the files every run depends on besides what it reads.

    These are ``breaks.yml`` (every run consults the declared breaks), ``published/designation.csv``
    (every title page shows it) and the ``SOURCE.json`` of every fetched official release under
    ``raw/`` (a newly fetched release changes what ``load`` returns). A data folder without a
    ``breaks.yml`` of its own uses the project's (:func:`sinstats.data.breaks_path`): that file
    is listed, and the folder's own with no hash, so that adding it rebuilds every run. The
    assumptions and claims files are not among them: a run depends on those only when it reads
    them (:data:`RECORDED_PATTERNS`).

    Parameters
    ----------
    data_dir : Path
        The data folder.

    Returns
    -------
    dict
        Paths as :func:`~sinstats.build._helpers.display_path` shows them, in sorted order.
    """
    found: list[Path] = []
    for pattern in CONFIG_PATTERNS:
        found.extend(p for p in data_dir.glob(pattern) if p.is_file())
    files: dict[str, str | None] = {display_path(p): sha256_file(p) for p in found}
    own = paths.breaks_file(data_dir)
    if not own.is_file():
        # sinstats.data.breaks_path's fallback, written out here: importing sinstats.data
        # loads pandas, which a build with nothing to do never imports.
        files[display_path(own)] = None
        project = paths.breaks_file(paths.PROJ_ROOT / "data")
        if project.is_file():
            files[display_path(project)] = sha256_file(project)
    return dict(sorted(files.items()))


def recorded_files(data_dir: Path) -> dict[str, str]:
    """Return ``{path: sha256}`` of the assumptions and claims files (:data:`RECORDED_PATTERNS`).

    A run that recorded what it read depends on those it read; one that recorded nothing is
    taken to depend on every one of these files, as on every published data file.

    Parameters
    ----------
    data_dir : Path
        The data folder.

    Returns
    -------
    dict
        Absolute paths, in sorted order.
    """
    found: list[Path] = []
    for pattern in RECORDED_PATTERNS:
        found.extend(p for p in data_dir.glob(pattern) if p.is_file())
    return {str(p): sha256_file(p) for p in sorted(found)}


def _git(root: Path, *args: str) -> str:
    import subprocess

    return subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        timeout=20,
        check=True,
    ).stdout


def git_state(root: Path | None = None) -> GitState:
    """Return the commit and dirtiness of the project checkout.

    Parameters
    ----------
    root : Path, optional
        The checkout (default: the project root).

    Returns
    -------
    GitState
        ``GitState(None, None)`` when ``root`` is not a git checkout or git cannot run.
    """
    import subprocess  # here: only a build that executes a run records git

    root = root or paths.PROJ_ROOT
    try:
        commit = _git(root, "rev-parse", "HEAD").strip()
        status = _git(root, "status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return GitState(commit=None, dirty=None)
    return GitState(commit=commit or None, dirty=bool(status.strip()))


def build_time() -> tuple[dt.datetime, bool]:
    """Return the build's reference time and whether it came from ``SOURCE_DATE_EPOCH``.

    Returns
    -------
    tuple of (datetime, bool)
        A UTC time, and True when ``SOURCE_DATE_EPOCH`` fixed it.

    Raises
    ------
    ParameterError
        If ``SOURCE_DATE_EPOCH`` is set but is not a whole number of seconds.
    """
    sde = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if sde:
        try:
            return dt.datetime.fromtimestamp(int(sde), dt.UTC), True
        except (ValueError, OverflowError, OSError):
            raise ParameterError(
                f"SOURCE_DATE_EPOCH={sde!r} is not a whole number of seconds since 1970"
            ) from None
    return utc_now(), False
