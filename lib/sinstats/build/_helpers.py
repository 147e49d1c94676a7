"""Small primitives shared by the build modules: atomic writes, paths, hashes, times, JSON.

Private to :mod:`sinstats.build` (statsmodels-style ``_helpers``): one atomic writer for every file
the build writes whole (manifest, parameter cache, index page, PDF, workbook), one way to show a
path, one file hash, one tolerant JSON reader, the check that a path from a state file stays
inside the reports folder, the conversion of a full disk or a read-only folder into an
:class:`~sinstats.errors.OutputError`, JSON Schema validation of state files, and the test hook
``SINSTATS_TEST_KILL_AT`` (:func:`kill_point`).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import json
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from sinstats import paths
from sinstats.errors import EXPECTED_OS_ERRORS, OutputError

KILL_AT_ENV = "SINSTATS_TEST_KILL_AT"
"""Test hook: ``<stage>`` or ``<stage>#<n>`` makes the build kill itself at that stage."""
KILL_SIGNAL_ENV = "SINSTATS_TEST_KILL_SIGNAL"
"""Test hook: the signal :func:`kill_point` sends (``KILL``, ``TERM`` or ``INT``; default KILL)."""

_KILL_COUNTS: Counter[str] = Counter()


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` when the block succeeds.

    Readers never see a partly written file: the new content appears at once (``os.replace`` on
    one file system), or, if the block raises, ``target`` is left as it was and the temporary file
    is removed.

    Parameters
    ----------
    target : Path
        The file to write; its folder must exist.

    Yields
    ------
    Path
        ``.<name>.<pid>.tmp`` in the same folder, for the caller (or a library) to write.
    """
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def write_atomic(target: Path, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8) to ``target`` through :func:`replacing`.

    Parameters
    ----------
    target : Path
        The file to write; its folder must exist.
    content : str or bytes
        The whole new content.

    Returns
    -------
    Path
        ``target``.
    """
    raw = content.encode("utf-8") if isinstance(content, str) else content
    with replacing(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    return target


@contextlib.contextmanager
def os_errors_as_output_errors(doing: str, path: Path | None = None) -> Iterator[None]:
    """Turn a full disk, a read-only folder or a wrong kind of path into an ``OutputError``.

    Parameters
    ----------
    doing : str
        What the block does, for the message (``"writing the manifest"``).
    path : Path, optional
        The path to name (default: the one in the error).

    Yields
    ------
    None
        While the block runs.

    Raises
    ------
    OutputError
        For an :class:`OSError` whose ``errno`` is in
        :data:`~sinstats.errors.EXPECTED_OS_ERRORS`; other errors pass through unchanged.
    """
    try:
        yield
    except OSError as err:
        if err.errno in EXPECTED_OS_ERRORS:
            raise OutputError.from_os_error(err, doing, path) from None
        raise


def inside(root: Path, rel: object) -> Path:
    """Return ``root / rel`` when ``rel`` is a plain relative path that stays inside ``root``.

    State files (the manifest, the commit journal) are input like any other: a path in them is
    used only through this check.

    Parameters
    ----------
    root : Path
        The reports folder.
    rel : object
        The path as the state file gives it.

    Returns
    -------
    Path
        ``root / rel`` (not resolved).

    Raises
    ------
    ValueError
        If ``rel`` is not text, is empty, absolute, has a backslash, NUL, ``.`` or ``..``
        component, or resolves (through symbolic links) outside ``root``.
    """
    if not isinstance(rel, str) or not rel or "\\" in rel or "\x00" in rel:
        raise ValueError(f"{rel!r} is not a relative path")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or any(part in ("", ".", "..") for part in rel.split("/")):
        raise ValueError(f"{rel!r} is not a plain relative path inside the reports folder")
    path = root / pure
    # Path.resolve() is os.path.realpath; on the strings, without building paths (this runs for
    # every output of every run on every build): the same component-wise containment test.
    memo = _RESOLVED.get()
    if memo is None:
        real_root = os.path.realpath(root)
        real = os.path.realpath(path)
    else:
        top = os.fspath(root)
        parent, _, name = rel.rpartition("/")
        real_root = _resolved_folder(memo, top)
        folder = _resolved_folder(memo, os.path.join(top, parent) if parent else top)
        candidate = os.path.join(folder, name)
        # realpath(folder/name) is realpath(realpath(folder)/name): only a link needs more.
        real = os.path.realpath(candidate) if os.path.islink(candidate) else candidate
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise ValueError(f"{rel!r} leads outside the reports folder")
    return path


_RESOLVED: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "sinstats_resolved_folders", default=None
)


def _resolved_folder(memo: dict[str, str], folder: str) -> str:
    if folder not in memo:
        memo[folder] = os.path.realpath(folder)
    return memo[folder]


@contextlib.contextmanager
def resolving_folders_once() -> Iterator[None]:
    """Within the block, :func:`inside` resolves each folder once, however many files it holds.

    A manifest lists some 800 outputs in about 80 folders; resolving every path component of
    every output (``os.path.realpath``, a ``stat`` per component) was a fifth of a no-change
    rebuild. Inside the block each folder's real path is remembered, and a file's is its
    folder's joined with its name, resolved further only when the file itself is a symbolic
    link: the same answer as ``realpath``. Use it around one pass over one state file (reading
    the manifest, keying the index), not across steps that could change the folder between.

    Yields
    ------
    None
        While the block runs.
    """
    token = _RESOLVED.set({})
    try:
        yield
    finally:
        _RESOLVED.reset(token)


@functools.cache
def validator(schema_json: str) -> Any:
    """Return a JSON Schema validator (Draft 2020-12) for a schema given as JSON text.

    jsonschema is imported here, with ``rfc3987_syntax`` kept out: it compiles a grammar for over
    a second on import and is needed only for IRI format checks, which no state file uses (so
    IRI formats are not checked in a process that imported jsonschema this way first).

    Parameters
    ----------
    schema_json : str
        The schema.

    Returns
    -------
    jsonschema.protocols.Validator
        Cached per schema.
    """
    with without_iri_grammar():
        import jsonschema
    return jsonschema.Draft202012Validator(json.loads(schema_json))


@contextlib.contextmanager
def without_iri_grammar() -> Iterator[None]:
    """Keep ``rfc3987_syntax`` out of the imports made inside (jsonschema's, nbformat's).

    jsonschema imports it, when it is installed, for IRI format checks, and it compiles a
    grammar for about a second of CPU; no file the build reads is checked for IRI formats, so a
    process whose first import of jsonschema happens inside this block does not check them.
    The block is undone after it (a later explicit import of ``rfc3987_syntax`` works).
    """
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if blocked:
            sys.modules.pop("rfc3987_syntax", None)


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_ANNOTATIONS = frozenset({"$schema", "$defs", "title", "description"})


def _all3(results: Iterator[bool | None]) -> bool | None:
    """Three-valued "and": False if any is False, else None if any is unknown, else True."""
    unknown = False
    for result in results:
        if result is False:
            return False
        unknown = unknown or result is None
    return None if unknown else True


def _same_json(a: object, b: object) -> bool | None:
    """JSON equality of two scalars (True is not 1; 1 is 1.0); None for anything else."""
    scalars = (str, int, float, bool, type(None))
    if not isinstance(a, scalars) or not isinstance(b, scalars):
        return None
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return type(a) is type(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    return a == b


def _check(schema: Mapping[str, Any], value: object, root: Mapping[str, Any]) -> bool | None:
    """Decide ``value`` against ``schema`` (Draft 2020-12): True, False, or None when unsure."""
    results: list[bool | None] = []
    for word, arg in schema.items():
        if word in _ANNOTATIONS:
            continue
        if word == "type":
            kinds = [arg] if isinstance(arg, str) else list(arg)
            if "integer" in kinds:
                if isinstance(value, float):
                    results.append(None)  # 1.0 is an integer to JSON Schema
                    continue
                kinds = [*kinds, "_int"]
            types = [_JSON_TYPES.get(k, (int,) if k == "_int" else ()) for k in kinds]
            ok = any(isinstance(value, t) for t in types)
            if isinstance(value, bool):
                ok = "boolean" in kinds
            results.append(ok)
        elif word == "const":
            results.append(_same_json(value, arg))
        elif word == "enum":
            found = [_same_json(value, option) for option in arg]
            results.append(True if True in found else (None if None in found else False))
        elif word == "$ref":
            if not isinstance(arg, str) or not arg.startswith("#/$defs/"):
                return None
            target = root.get("$defs", {}).get(arg.removeprefix("#/$defs/"))
            if not isinstance(target, Mapping):
                return None
            results.append(_check(target, value, root))
        elif word == "oneOf":
            found = [_check(option, value, root) for option in arg]
            if None in found:
                results.append(None)
            else:
                results.append(found.count(True) == 1)
        elif word in ("required", "properties", "additionalProperties", "propertyNames"):
            if not isinstance(value, dict):
                continue
            if word == "required":
                results.append(all(k in value for k in arg))
            elif word == "properties":
                results.append(
                    _all3(_check(sub, value[k], root) for k, sub in arg.items() if k in value)
                )
            elif word == "propertyNames":
                results.append(_all3(_check(arg, k, root) for k in value))
            else:
                if "patternProperties" in schema:
                    return None
                known = schema.get("properties", {})
                extra = [k for k in value if k not in known]
                if arg is False:
                    results.append(not extra)
                elif isinstance(arg, Mapping):
                    results.append(_all3(_check(arg, value[k], root) for k in extra))
                else:
                    results.append(None if arg is not True else True)
        elif word in ("items", "prefixItems", "minItems", "maxItems"):
            if not isinstance(value, list):
                continue
            if word == "minItems":
                results.append(len(value) >= arg)
            elif word == "maxItems":
                results.append(len(value) <= arg)
            elif word == "prefixItems":
                results.append(
                    _all3(_check(sub, v, root) for sub, v in zip(arg, value, strict=False))
                )
            else:
                rest = value[len(schema.get("prefixItems", ())) :]
                if isinstance(arg, bool):
                    results.append(arg or not rest)
                else:
                    results.append(_all3(_check(arg, v, root) for v in rest))
        elif word in ("pattern", "maxLength", "minLength"):
            if not isinstance(value, str):
                continue
            if word == "pattern":
                results.append(re.search(arg, value) is not None)
            elif word == "maxLength":
                results.append(len(value) <= arg)
            else:
                results.append(len(value) >= arg)
        elif word == "minimum":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                results.append(value >= arg)
        else:
            return None  # a keyword not decided here: jsonschema decides
    return _all3(iter(results))


def surely_valid(schema: Mapping[str, Any], value: object) -> bool:
    """Return True only if ``value`` is valid against ``schema`` as jsonschema would find it.

    The state files are checked on every build, and a no-change rebuild should not pay for
    importing jsonschema (with its format checkers, a good part of a second): this decides the
    keywords the build's schemas use (``type``, ``const``, ``enum``, ``$ref`` into ``$defs``,
    ``oneOf``, ``required``, ``properties``, ``additionalProperties``, ``propertyNames``,
    ``items``, ``prefixItems``, ``minItems``, ``maxItems``, ``pattern``, ``minLength``,
    ``maxLength``, ``minimum``) exactly as Draft 2020-12 defines them. Anything else (another
    keyword, ``1.0`` for an integer, a non-scalar ``const``), and every document that is not
    valid, is left to jsonschema, which gives the message; so the check is exactly as strict as
    jsonschema's (``tests/unit/build/test_build_helpers.py`` compares the two).

    Parameters
    ----------
    schema : mapping
        A JSON Schema.
    value : object
        The parsed document.

    Returns
    -------
    bool
        True when valid for certain; False when invalid or not decided here.
    """
    return _check(schema, value, schema) is True


def schema_problem(schema: Mapping[str, Any], value: object) -> str | None:
    """Return the first way ``value`` breaks ``schema`` as one line, or None when it is valid.

    Parameters
    ----------
    schema : mapping
        A JSON Schema.
    value : object
        The parsed state file (or one part of it).

    Returns
    -------
    str or None
        ``"runs/3/outputs/0: 'x' does not match ..."`` for the error deepest in the document.
    """
    if surely_valid(schema, value):
        return None  # what jsonschema would say, without importing it (a no-change rebuild)
    check = validator(json.dumps(schema, sort_keys=True))
    errors = sorted(check.iter_errors(value), key=lambda e: (-len(e.absolute_path), e.message))
    if not errors:
        return None
    err = errors[0]
    where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
    message = err.message if len(err.message) <= 200 else err.message[:197] + "..."
    return f"{where}: {message}"


def kill_point(stage: str) -> None:
    """Test hook: kill this process at ``stage`` when ``$SINSTATS_TEST_KILL_AT`` names it.

    ``SINSTATS_TEST_KILL_AT=<stage>`` kills the build the first time it reaches ``stage``,
    ``<stage>#<n>`` the n-th time; ``SINSTATS_TEST_KILL_SIGNAL`` chooses the signal (``KILL``,
    ``TERM``, ``INT``; default ``KILL``). Unset (always, outside the reliability tests), this does
    nothing. The stages are listed in ``docs/pipeline.md``.

    Parameters
    ----------
    stage : str
        The stage reached.
    """
    wanted = os.environ.get(KILL_AT_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition("#")
    if name != stage:
        return
    _KILL_COUNTS[stage] += 1
    if _KILL_COUNTS[stage] != (int(nth) if nth.isdigit() else 1):
        return
    sig = getattr(signal, "SIG" + os.environ.get(KILL_SIGNAL_ENV, "KILL").upper())
    os.kill(os.getpid(), sig)
    time.sleep(2)  # a handled signal (INT, TERM) raises in this thread meanwhile


def display_path(
    path: str | os.PathLike[str], base: Path | None = None, *, resolve: bool = True
) -> str:
    """Return a short, stable form of ``path`` (the same in every clone of the project).

    Parameters
    ----------
    path : path-like
        The path to show.
    base : Path, optional
        A folder to show it relative to first (e.g. the data folder).
    resolve : bool, default True
        Follow symbolic links. ``False`` keeps the path as it was opened (``..`` removed), as
        a run's cache key needs it: a link pointed at another file is then a change of the file
        the link names, not an unchanged old target.

    Returns
    -------
    str
        POSIX path relative to ``base`` or to the project root when inside either, else the
        absolute path.
    """
    p = Path(path).resolve() if resolve else Path(os.path.abspath(os.fspath(path)))
    for root in (base, paths.PROJ_ROOT):
        if root is not None and p.is_relative_to(root.resolve()):
            return p.relative_to(root.resolve()).as_posix()
    return p.as_posix()


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of the file at ``path``: :func:`sinstats.data.sha256_file`.

    :mod:`sinstats.data` loads pandas, so it is imported on first use rather than with this
    module: a build that has nothing to do stays light until it reads the data. The argument,
    the result (64 lower-case hex digits) and the errors are those of that function.
    """
    from sinstats.data import sha256_file as data_sha256_file

    return data_sha256_file(path)


def sha256_or_none(path: Path) -> str | None:
    """Return the SHA-256 of a file's bytes, or None when it is missing or cannot be read."""
    try:
        return sha256_file(path)
    except OSError:
        return None


def tree_sha256(folder: Path) -> dict[str, str | None]:
    """Return ``{relative path: sha256}`` of every file under ``folder`` (links followed).

    Parameters
    ----------
    folder : Path
        The folder (a missing one gives ``{}``).

    Returns
    -------
    dict
        Sorted by path; None for a file that cannot be read.
    """
    out: dict[str, str | None] = {}
    for root, dirs, files in os.walk(folder, followlinks=True):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            out[path.relative_to(folder).as_posix()] = sha256_or_none(path)
    return out


def read_json(path: Path) -> Any:
    """Return the JSON value in ``path``, or None when it is missing, unreadable or not JSON.

    Parameters
    ----------
    path : Path
        The file.

    Returns
    -------
    object or None
        What :func:`json.loads` gives.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def utc_now() -> dt.datetime:
    """Return the current time in UTC.

    Returns
    -------
    datetime
        Timezone-aware.
    """
    return dt.datetime.now(dt.UTC)


def iso(when: dt.datetime) -> str:
    """Return ``when`` in ISO 8601 to the millisecond, as the manifest records times.

    Parameters
    ----------
    when : datetime
        A timezone-aware time.

    Returns
    -------
    str
        E.g. ``2026-03-31T12:00:00.000+00:00``.
    """
    return when.isoformat(timespec="milliseconds")


def date_in_words(iso_date: str) -> str:
    """Return ``"29 November 2025"`` for ``"2025-11-29"`` (anything after the date is ignored).

    Parameters
    ----------
    iso_date : str
        An ISO date or date-time.

    Returns
    -------
    str
        Day, month name and year.

    Raises
    ------
    ValueError
        If the first ten characters are not an ISO date.
    """
    d = dt.date.fromisoformat(iso_date[:10])
    return f"{d.day} {d.strftime('%B')} {d.year}"


def cell_text(value: object) -> str:
    """Return a notebook's multi-line string (one string, or a list of lines) as one string.

    Parameters
    ----------
    value : str or list of str
        A cell's ``source`` or an output's ``data`` entry as nbformat stores it.

    Returns
    -------
    str
        The lines joined as stored (they keep their own newlines).
    """
    return "".join(value) if isinstance(value, list) else str(value)
