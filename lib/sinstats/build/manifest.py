"""``manifest.json``: the record of every run, read back as untrusted input.

The manifest says what produced every file of the reports folder (see ``docs/pipeline.md``). A
build trusts nothing it reads back: :func:`read_manifest` checks the document against
:data:`MANIFEST_JSON_SCHEMA` (jsonschema) and every entry for meaning (its id, its outputs inside
its own run folder, its failed copy where the build puts failed copies, its key figures as
:class:`~sinstats.present.key_figures.KeyFigure` records). An entry that fails is dropped with a
warning and its run is rebuilt; a document that fails as a whole is discarded and everything is
rebuilt. No path from the manifest is used unless it names a file inside the reports folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sinstats.build._helpers import inside, resolving_folders_once, schema_problem
from sinstats.build.folder import FAILED, FAILED_NAME, MANIFEST_NAME, MANIFEST_SCHEMA, OK, SKIPPED

_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_PERIOD = r"[0-9]{4}-[0-9]{2}"
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}"
_TEXT = {"type": "string", "maxLength": 2000}

_ENTRY: dict[str, Any] = {
    "type": "object",
    "required": ["id", "notebook", "period", "status", "outputs"],
    "properties": {
        "id": {"type": "string", "pattern": f"^{_PERIOD}/{_NAME}$"},
        "notebook": {"type": "string", "pattern": f"^{_NAME}$"},
        "period": {"type": "string", "pattern": f"^{_PERIOD}$"},
        "period_label": _TEXT,
        "title": {"type": "string", "maxLength": 500},
        "status": {"enum": [OK, FAILED, SKIPPED]},
        "reason": {"type": ["string", "null"], "maxLength": 2000},
        "key": {"oneOf": [_HEX64, {"type": "null"}]},
        "notebook_sha256": {"oneOf": [_HEX64, {"type": "null"}]},
        "library_sha256": {"oneOf": [_HEX64, {"type": "null"}]},
        "outputs": {"type": "array", "items": {"type": "string", "maxLength": 1000}},
        "output_files": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["sha256", "bytes"],
                "properties": {"sha256": _HEX64, "bytes": {"type": "integer", "minimum": 0}},
            },
        },
        "key_figures": {"type": "array", "maxItems": 100, "items": {"type": "object"}},
        "failed_notebook": {"type": ["string", "null"]},
        "parameters": {"type": "object"},
        "data_files": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
        "config_files": {"type": "object", "additionalProperties": {"type": ["string", "null"]}},
        "packages": {"type": "object", "additionalProperties": {"type": "string"}},
        "error": {"type": ["object", "null"]},
        "build_date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}"},
        "started": {"type": ["string", "null"]},
        "finished": {"type": ["string", "null"]},
        "duration_s": {"type": ["number", "null"]},
        "last_good": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/good"}]},
    },
}

MANIFEST_JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["schema", "runs"],
    "properties": {
        "schema": {"const": MANIFEST_SCHEMA},
        "generator": {"type": "string"},
        "build": {"type": "object"},
        "runs": {"type": "array"},
        "workbooks": {
            "type": "object",
            "propertyNames": {"pattern": f"^{_PERIOD}$"},
            "additionalProperties": {
                "type": "object",
                "required": ["key", "sha256"],
                "properties": {"key": _HEX64, "sha256": _HEX64},
            },
        },
        "index": {
            "type": ["object", "null"],
            "required": ["sha256"],
            "properties": {
                "sha256": _HEX64,
                "key": _HEX64,
                "glossary_sha256": {"oneOf": [_HEX64, {"type": "null"}]},
            },
        },
    },
}
"""JSON Schema of the document as a whole.

Each run entry is checked on its own: :data:`ENTRY_JSON_SCHEMA`.
"""

ENTRY_JSON_SCHEMA: dict[str, Any] = {
    **_ENTRY,
    "$defs": {
        "good": {
            **{k: v for k, v in _ENTRY.items() if k != "properties"},
            "properties": {
                **{k: v for k, v in _ENTRY["properties"].items() if k != "last_good"},
                "status": {"enum": [OK, SKIPPED]},
                "last_good": {"type": "null"},
            },
        }
    },
}
"""JSON Schema of one run entry (its ``last_good`` is an entry of a good build)."""


@dataclass
class Previous:
    """What the manifest on disk says, after validation.

    Parameters
    ----------
    runs : dict
        ``{run id: entry}`` of the valid entries.
    workbooks : dict
        ``{period: {"key", "sha256"}}``: what each ``tables.xlsx`` on disk was made from.
    index : dict or None
        ``{"sha256", "key", "glossary_sha256"}``: what ``index.html`` and ``glossary.html`` on
        disk were made from (:func:`sinstats.build.index.index_key`); None when not recorded.
    complete : bool
        False when the build that wrote it was interrupted before it finished.
    notes : list of str
        Warnings about what was discarded, for the console.
    """

    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    workbooks: dict[str, dict[str, str]] = field(default_factory=dict)
    index: dict[str, Any] | None = None
    complete: bool = True
    notes: list[str] = field(default_factory=list)


def failed_copy_path(period: str, notebook: str) -> str:
    """Return where the executed copy of a failed run is kept, relative to the reports folder.

    Parameters
    ----------
    period, notebook : str
        The run's period id and notebook name.

    Returns
    -------
    str
        ``_failed/<period>/<notebook>-<period>.ipynb``.
    """
    return f"{FAILED_NAME}/{period}/{notebook}-{period}.ipynb"


# Longest path a data_files entry may have (Linux's PATH_MAX).
_MAX_PATH = 4096


def _data_files_problem(record: Mapping[str, Any]) -> str | None:
    """Say what is wrong with a record's ``data_files`` paths (None when nothing is).

    Each is a file the run read, so it lies in the project, in the run's data folder, or is
    the claims file the run was given: the build hashes every one of them to decide whether the
    run is up to date, and a hand-edited entry must not make it read anything else (a device, a
    file elsewhere on the machine).
    """
    from sinstats import paths

    params = record.get("parameters") or {}
    roots = [str(paths.PROJ_ROOT)]
    data_dir = params.get("data_dir")
    if isinstance(data_dir, str) and os.path.isabs(data_dir):
        roots.append(os.path.normpath(data_dir))
    claims = params.get("claims_file")
    given = None
    if isinstance(claims, str) and claims:
        given = os.path.abspath(os.path.expanduser(claims))
    for key in record.get("data_files") or {}:
        if len(key) > _MAX_PATH or "\x00" in key or ".." in key.split("/"):
            return f"data file {key[:80]!r} is not a plain path"
        full = key if os.path.isabs(key) else os.path.join(str(paths.PROJ_ROOT), key)
        full = os.path.normpath(full)
        if full == given:
            continue
        if not any(full == r or full.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            return (
                f"data file {key[:80]!r} is outside the project and the run's data folder "
                "(and is not its claims_file)"
            )
    return None


def _entry_problem(out_dir: Path, entry: Mapping[str, Any]) -> str | None:
    """Return what is wrong with one entry (beyond its JSON Schema), or None."""
    from sinstats.errors import ParameterError
    from sinstats.present.key_figures import KeyFigure

    for record in (entry, entry.get("last_good")):
        if not isinstance(record, Mapping):
            continue
        if (
            record["id"] != f"{record['period']}/{record['notebook']}"
            or record["id"] != entry["id"]
        ):
            return "its id is not <period>/<notebook>"
        if record["status"] != FAILED and not record.get("key"):
            return "a good build without a key"
        run_dir = f"{record['id']}/"
        for rel in record["outputs"]:
            if not rel.startswith(run_dir):
                return f"output {rel!r} is outside the run's folder {run_dir}"
            try:
                inside(out_dir, rel)
            except ValueError as err:
                return f"output {err}"
        files = record.get("output_files")
        if files is not None and set(files) != set(record["outputs"]):
            return "output_files does not list the same files as outputs"
        problem = _data_files_problem(record)
        if problem is not None:
            return problem
        failed = record.get("failed_notebook")
        if failed is not None and failed != failed_copy_path(record["period"], record["notebook"]):
            return f"failed_notebook {failed!r} is not where this build keeps failed copies"
        for item in record.get("key_figures") or []:
            try:
                KeyFigure.from_json(item)
            except ParameterError as err:
                return f"a key figure is not valid: {err}"
    return None


def read_manifest(out_dir: Path) -> Previous:
    """Read and check ``<out>/manifest.json``.

    Parameters
    ----------
    out_dir : Path
        The reports folder.

    Returns
    -------
    Previous
        The valid entries (none when the file is missing or unusable), with a warning for
        everything left out: an entry that fails its checks is left out (its run is rebuilt); a
        file that is not valid JSON, or not a manifest of this layout, is left out as a whole.
    """
    path = out_dir / MANIFEST_NAME
    if not path.exists():
        return Previous()
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        reason = str(err) if not isinstance(err, RecursionError) else "nested too deeply"
        return Previous(
            notes=[
                f"warning: {path} is not valid JSON ({reason}); it is ignored and "
                "every run is rebuilt"
            ]
        )
    if isinstance(loaded, dict) and loaded.get("schema") == 1:
        return Previous(
            notes=[
                f"{path} was written by an earlier sinstats (manifest layout 1); every run is "
                "rebuilt"
            ]
        )
    problem = schema_problem(MANIFEST_JSON_SCHEMA, loaded)
    if problem is not None:
        return Previous(
            notes=[
                f"warning: {path} is not a manifest this build can use ({problem}); it is "
                "ignored and every run is rebuilt"
            ]
        )
    prev = Previous(
        workbooks=dict(loaded.get("workbooks") or {}),
        index=dict(loaded["index"]) if isinstance(loaded.get("index"), dict) else None,
        complete=bool((loaded.get("build") or {}).get("complete", True)),
    )
    for i, entry in enumerate(loaded["runs"]):
        problem = schema_problem(ENTRY_JSON_SCHEMA, entry)
        if problem is None:
            with resolving_folders_once():  # one entry's outputs share a few folders
                problem = _entry_problem(out_dir, entry)
        who = entry.get("id") if isinstance(entry, dict) else None
        label = f"run {who!r}" if isinstance(who, str) else f"runs[{i}]"
        if problem is None and entry["id"] in prev.runs:
            problem = "a second entry for the same run"
        if problem is not None:
            prev.notes.append(
                f"warning: {path}: {label} is not valid ({problem}); it is ignored and its run "
                "is rebuilt"
            )
            continue
        prev.runs[entry["id"]] = entry
    return prev


def manifest_text(manifest: Mapping[str, Any]) -> str:
    """Return the manifest as written: indented, keys sorted, a final newline.

    Parameters
    ----------
    manifest : mapping
        The whole document.

    Returns
    -------
    str
        JSON text.
    """
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"
