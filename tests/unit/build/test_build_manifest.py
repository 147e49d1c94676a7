"""sinstats.build.manifest: the manifest read back as untrusted input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats.build import manifest
from sinstats.build.manifest import failed_copy_path, read_manifest

SHA = "0" * 64


def _entry(**changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": "2025-26/01-x",
        "notebook": "01-x",
        "period": "2025-26",
        "status": "ok",
        "key": SHA,
        "title": "X",
        "outputs": ["2025-26/01-x/r.html"],
        "output_files": {"2025-26/01-x/r.html": {"sha256": SHA, "bytes": 1}},
        "key_figures": [],
        "failed_notebook": None,
    }
    entry.update(changes)
    return entry


def _write(out: Path, runs: list[Any], **top: Any) -> None:
    out.mkdir(parents=True, exist_ok=True)
    doc = {"schema": 2, "runs": runs, **top}
    (out / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")


def test_a_valid_manifest_is_read_whole(tmp_path: Path) -> None:
    failed = _entry(
        status="failed",
        key=None,
        failed_notebook=failed_copy_path("2025-26", "01-x"),
        last_good=_entry(),
    )
    _write(tmp_path, [failed], workbooks={"2025-26": {"key": SHA, "sha256": SHA}})
    prev = read_manifest(tmp_path)
    assert prev.notes == [] and prev.complete
    assert prev.runs == {"2025-26/01-x": failed}
    assert prev.workbooks == {"2025-26": {"key": SHA, "sha256": SHA}}
    assert read_manifest(tmp_path / "none").runs == {}


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        # Defect 2 of issue 18: a crafted failed_notebook made a no-change build delete any file.
        ({"failed_notebook": "/tmp/victim.txt"}, "not where this build keeps failed copies"),
        ({"failed_notebook": "../victim.txt"}, "not where this build keeps failed copies"),
        ({"outputs": ["../../etc/passwd"]}, "outside the run's folder"),
        ({"outputs": ["2025-26/01-x/../../../victim.txt"]}, "not a plain relative path"),
        ({"outputs": ["/etc/passwd"]}, "outside the run's folder"),
        ({"id": "2025-26/../x"}, "does not match"),
        ({"id": "2024-25/01-x"}, "its id is not <period>/<notebook>"),
        ({"status": "done"}, "is not one of"),
        ({"key": None}, "a good build without a key"),
        ({"output_files": {"2025-26/01-x/other": {"sha256": SHA, "bytes": 1}}}, "output_files"),
        ({"key_figures": [{"name": "BAD NAME", "label": "x", "text": "y"}]}, "key figure"),
        ({"title": 5}, "is not of type 'string'"),
        ({"last_good": {"id": "2025-26/01-x", "status": "failed"}}, "is not valid under"),
        # A run's data files are hashed to decide whether it is up to date: a hand-edited path
        # must not make the build read a device or a file elsewhere (a review of the cache).
        ({"data_files": {"/proc/self/mem": None}}, "outside the project and the run's data"),
        ({"data_files": {"/etc/passwd": SHA}}, "outside the project and the run's data"),
        ({"data_files": {"data/../../../etc/passwd": SHA}}, "is not a plain path"),
        ({"data_files": {"d/" * 3000: SHA}}, "is not a plain path"),
        (
            {"parameters": {"data_dir": "/srv/d"}, "data_files": {"/srv/dd/x.csv": SHA}},
            "outside the project and the run's data",
        ),
    ],
)
def test_an_invalid_entry_is_dropped_with_a_warning(
    tmp_path: Path, changes: dict[str, Any], problem: str
) -> None:
    other = _entry(id="2025-26/02-y", notebook="02-y", outputs=[], output_files={})
    _write(tmp_path, [_entry(**changes), other])
    prev = read_manifest(tmp_path)
    assert list(prev.runs) == ["2025-26/02-y"], "the valid entry is kept"
    (note,) = prev.notes
    assert note.startswith("warning: ") and "is ignored and its run is rebuilt" in note
    assert problem in note, note


def test_data_files_in_the_project_the_data_folder_or_the_claims_file_given_are_kept(
    tmp_path: Path,
) -> None:
    from sinstats import paths

    files = {
        "data/published/sin_national.csv": SHA,
        str(paths.PROJ_ROOT / "data" / "assumptions.yml"): None,
        "/srv/d/published/sin_national.csv": SHA,
        "/home/reviewer/claims.yml": SHA,
    }
    params = {"data_dir": "/srv/d", "claims_file": "/home/reviewer/claims.yml"}
    _write(tmp_path, [_entry(parameters=params, data_files=files)])
    prev = read_manifest(tmp_path)
    assert prev.notes == [] and list(prev.runs) == ["2025-26/01-x"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "is not valid JSON (nested too deeply)"),
        ('{"schema": 2, "runs": {}}', "runs: {} is not of type 'array'"),
        ('{"schema": 2}', "'runs' is a required property"),
        ('{"schema": 3, "runs": []}', "schema: 2 was expected"),
        ('"a string"', "is not of type 'object'"),
        (
            json.dumps(
                {"schema": 2, "runs": [], "workbooks": {"../x": {"key": SHA, "sha256": SHA}}}
            ),
            "does not match",
        ),
        (json.dumps({"schema": 2, "runs": [], "index": {"sha256": SHA, "key": "x"}}), "match"),
        (
            json.dumps({"schema": 2, "runs": [], "index": {"sha256": SHA, "glossary_sha256": 1}}),
            "is not valid under any of the given schemas",
        ),
    ],
)
def test_a_structurally_corrupt_manifest_is_discarded(
    tmp_path: Path, text: str, problem: str
) -> None:
    tmp_path.joinpath("manifest.json").write_text(text, encoding="utf-8")
    prev = read_manifest(tmp_path)
    assert prev.runs == {} and prev.workbooks == {}
    (note,) = prev.notes
    assert note.startswith("warning: ") and "every run is rebuilt" in note and problem in note


def test_an_older_layout_is_rebuilt_without_a_warning(tmp_path: Path) -> None:
    tmp_path.joinpath("manifest.json").write_text('{"schema": 1, "runs": []}', encoding="utf-8")
    (note,) = read_manifest(tmp_path).notes
    assert "manifest layout 1" in note and not note.startswith("warning")


def test_duplicate_entries_and_interrupted_builds(tmp_path: Path) -> None:
    _write(tmp_path, [_entry(), _entry(title="second")], build={"complete": False})
    prev = read_manifest(tmp_path)
    assert prev.runs["2025-26/01-x"]["title"] == "X" and not prev.complete
    assert "a second entry for the same run" in prev.notes[0]


def test_manifest_text_is_stable() -> None:
    assert manifest.manifest_text({"b": 1, "a": [2]}) == '{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'


# --- the quick check decides as jsonschema does (a no-change rebuild imports no jsonschema) ---

_SCHEMAS = {
    "entry": manifest.ENTRY_JSON_SCHEMA,
    "document": manifest.MANIFEST_JSON_SCHEMA,
}


def _jsonschema_valid(schema: dict[str, Any], value: object) -> bool:
    import jsonschema

    return jsonschema.Draft202012Validator(schema).is_valid(value)


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-2, 2, allow_nan=False),
    st.just(1.0),
    st.sampled_from(["", "ok", "skipped", "failed", "2025-26", "2025-26/01-x", SHA, "x" * 70]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["sha256", "bytes", "key", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[str, object]:
    """A valid entry or document with one field replaced, removed or added."""
    which = draw(st.sampled_from(sorted(_SCHEMAS)))
    base: dict[str, Any] = (
        _entry(last_good=_entry(status="skipped"), started=None, duration_s=1.5)
        if which == "entry"
        else {
            "schema": 2,
            "runs": [],
            "workbooks": {"2025-26": {"key": SHA, "sha256": SHA}},
            "index": {"sha256": SHA, "key": SHA, "glossary_sha256": None},
        }
    )
    target = base
    if which == "entry" and draw(st.booleans()):
        target = base["last_good"]
    field = draw(st.sampled_from(sorted(target) + ["extra"]))
    action = draw(st.sampled_from(["replace", "remove", "keep"]))
    if action == "remove":
        target.pop(field, None)
    elif action == "replace":
        target[field] = draw(_VALUES)
    return which, base


@settings(max_examples=400, deadline=None)
@given(_mutated())
def test_the_quick_check_never_passes_what_jsonschema_refuses(case: tuple[str, object]) -> None:
    from sinstats.build._helpers import schema_problem, surely_valid

    which, value = case
    schema = _SCHEMAS[which]
    expected = _jsonschema_valid(schema, value)
    if surely_valid(schema, value):
        assert expected, value
    # And the problem reported is jsonschema's, whichever way it was decided.
    assert (schema_problem(schema, value) is None) == expected


def test_the_quick_check_decides_the_usual_documents_itself() -> None:
    from sinstats.build import folder, parameters
    from sinstats.build._helpers import surely_valid

    entry = _entry(last_good=None, started="2026-01-01T00:00:00Z", duration_s=2)
    assert _jsonschema_valid(manifest.ENTRY_JSON_SCHEMA, entry)
    assert surely_valid(manifest.ENTRY_JSON_SCHEMA, entry)
    doc = {"schema": 2, "runs": [entry], "workbooks": {}, "index": None}
    assert surely_valid(manifest.MANIFEST_JSON_SCHEMA, doc)
    journal = {"version": 1, "moves": [[".tmp/a", "2025-26/x"]], "removals": ["2025-26/y"]}
    assert surely_valid(folder.JOURNAL_SCHEMA, journal)
    cell = {"type": "str", "default": "''", "help": ""}
    assert surely_valid(parameters.CACHE_JSON_SCHEMA, {SHA: {"year": cell}})
    # Refused, each for one reason jsonschema also gives.
    assert not surely_valid(manifest.ENTRY_JSON_SCHEMA, _entry(status="done"))
    assert not surely_valid(folder.JOURNAL_SCHEMA, {**journal, "moves": [["a", "b"]]})
    assert not surely_valid(parameters.CACHE_JSON_SCHEMA, {"x": {}})
    # A keyword it does not decide is left to jsonschema (never taken as valid).
    assert not surely_valid({"type": "string", "format": "date"}, "2026-01-01")
