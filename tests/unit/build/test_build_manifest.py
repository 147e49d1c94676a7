"""sinstats.build.manifest: the manifest read back as untrusted input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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
            json.dumps({"schema": 2, "runs": [], "workbooks": {"../x": {"key": SHA, "sha256": SHA}}}),
            "does not match",
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
