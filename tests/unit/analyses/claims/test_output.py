"""Writing results: the text table, JSON, Markdown, the tidy table, atomic files.

Mirrors :mod:`sinstats.analyses.claims.output`.
"""

from __future__ import annotations

import html as html_module
import json
import math
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sinstats.analyses import claims
from sinstats.errors import OutputError, ParameterError

Factory = Callable[..., dict[str, Any]]
Writer = Callable[..., Path]
Runner = Callable[[list[str]], tuple[int, str, str]]
Results = list[claims.ClaimResult]


def test_cli_register_prints_one_row_per_claim(run_cli: Runner, results: Results) -> None:
    code, out, _ = run_cli(["verify"])
    # Acceptance 1: honest exit status (the register holds one claim that differs).
    assert code == claims.exit_status(results) == 1
    table = out.split("\nNotes\n")[0].splitlines()[2:]
    ids = [line.split()[0] for line in table if line.strip()]
    assert ids == [r.claim.id for r in results]
    assert "differs" in out and "cannot check" in out


def test_json_output_is_stable_and_machine_readable(run_cli: Runner, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for out in (first, second):
        code, stdout, err = run_cli(["verify", "--format", "json", "--output", str(out)])
        assert code == 1 and stdout == "" and "wrote" in err
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n" == text
    assert doc["conf_level"] == 0.95 and doc["exit_status"] == 1
    assert doc["summary"]["claims"] == len(doc["claims"])
    for c in doc["claims"]:
        for key in ("id", "recomputed", "published", "verdict", "interval", "note"):
            assert key in c
        assert set(c["interval"]) >= {"lower", "upper", "conf_level"}
        assert c["verdict"] in claims.VERDICTS
        for value in (c["recomputed"], c["interval"]["lower"], c["interval"]["upper"]):
            # Fixed formatting: at most 6 decimal places.
            assert value is None or round(value, 6) == value
    assert not list(tmp_path.glob(".*.tmp"))


def test_markdown_and_table_formats(results: Results, run_cli: Runner) -> None:
    md = claims.to_markdown(results)
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(rows) == len(results)
    assert all(line.count(" | ") >= 7 for line in rows)
    assert "**differs**" in md and "What the numbers count" in md
    code, out, _ = run_cli(["verify", "--format", "markdown"])
    assert code == 1 and out == md
    assert claims.render(results, "table") == claims.to_table(results)
    with pytest.raises(ParameterError, match="format"):
        claims.render(results, "html")


def test_verify_table_for_the_notebook(results: Results) -> None:
    table = claims.verify_table(results)
    assert isinstance(table, pd.DataFrame)
    assert len(table) == len(results)
    for column in ("id", "verdict", "recomputed", "published", "lower", "upper"):
        assert column in table.columns
    assert {"method", "conf_level", "note"} <= set(table.columns)
    assert table["id"].is_unique
    row = table.set_index("id").loc["panel-2021-150-children-died"]
    assert row["model_lower"] < row["model_upper"] < 150
    gap = table.set_index("id").loc["dfe-2020-21-child-deaths-up-35", "recomputed"]
    assert isinstance(gap, float) and math.isnan(gap)
    empty = claims.verify_table([])
    assert list(empty.columns) == list(table.columns)


def test_output_to_missing_folder_is_an_error(
    make_claim: Factory, write_claims: Writer, run_cli: Runner, tmp_path: Path
) -> None:
    path = write_claims([make_claim()])
    target = tmp_path / "no" / "such" / "out.json"
    code, _, err = run_cli(["verify", "--claims", str(path), "--output", str(target)])
    assert code == 2 and "does not exist" in err
    assert not target.exists()


def test_output_replaces_an_existing_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    claims.write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


# The keys of the JSON output: a change to any of them changes `sinstats verify --format json`.
CLAIM_KEYS = {
    "id", "statement", "source", "url", "kind", "published", "published_display", "qualifier",
    "decimals", "recomputed", "rounded", "verdict", "difference", "interval", "p_value",
    "chance_alone", "computation", "note", "explanation", "expect", "expect_met", "reason",
    "figures", "model_interval", "designations",
}  # fmt: skip
DESIGNATION_KEYS = {
    "release_id", "release_title", "period", "designation", "quote", "source_url",
}  # fmt: skip
FIGURE_KEYS = {
    "role", "dataset", "period", "period_label", "category", "measure", "area", "value", "unit",
    "status", "qualifier", "rounded_to", "source_id", "source_url",
}  # fmt: skip
MODEL_KEYS = {
    "target", "description", "unit", "central", "lower", "upper", "conf_level", "n_draws",
    "seed", "note",
}  # fmt: skip


def test_json_keys_are_those_of_the_documented_format(results: Results) -> None:
    doc = json.loads(claims.to_json(results))
    assert set(doc) == {"sinstats_version", "conf_level", "summary", "exit_status", "claims"}
    assert set(doc["summary"]) == {"claims", "reproduces", "differs", "cannot check"}
    assert sum(doc["summary"][v] for v in claims.VERDICTS) == doc["summary"]["claims"]
    for c in doc["claims"]:
        assert set(c) == CLAIM_KEYS, c["id"]
        assert set(c["interval"]) == {"lower", "upper", "conf_level", "method"}
        for f in c["figures"]:
            assert set(f) == FIGURE_KEYS, c["id"]
        assert c["model_interval"] is None or set(c["model_interval"]) == MODEL_KEYS
        for d in c["designations"]:
            assert set(d) == DESIGNATION_KEYS, c["id"]
        assert bool(c["designations"]) == (c["kind"] == "designation"), c["id"]
    fall = next(c for c in doc["claims"] if c["id"] == "panel-2021-fall-21pc")
    assert [f["value"] for f in fall["figures"]] == [379.0, 482.0]
    assert fall["figures"][0]["period_label"] == "calendar year 2021"
    assert fall["p_value"] == 0.0005016 and fall["recomputed"] == -21.369295


def test_every_format_renders_through_render(results: Results) -> None:
    writers = {"table": claims.to_table, "json": claims.to_json, "markdown": claims.to_markdown}
    assert set(writers) == set(claims.FORMATS)
    for fmt, writer in writers.items():
        assert claims.render(results, fmt) == writer(results)
    with pytest.raises(ParameterError, match="table, json, markdown; got 'tab'"):
        claims.render(results, "tab")  # no prefix matching


def test_summary_line_counts_in_words(results: Results) -> None:
    one = [r for r in results if r.verdict == "reproduces"][:1]
    assert claims.summary_line(one) == (
        "1 claim: 1 reproduces, 0 differ, 0 cannot be checked. Exit status 0 (nothing differs)."
    )
    line = claims.summary_line(results)
    assert "1 differs" in line and line.endswith("(a published figure does not reproduce).")


def test_text_outputs_write_the_level_interval_and_chance(results: Results) -> None:
    table = claims.to_table(results)
    assert "95% interval" in table.splitlines()[0]
    fall = next(line for line in table.splitlines() if line.startswith("panel-2021-fall-21pc "))
    # Recomputed to two places more than published, limits to one more.
    assert fall.split()[1:] == ["-21%", "-21.37%", "reproduces", "-31.5", "to", "-9.9%", "no",
                                "(p=0.0005)"]  # fmt: skip
    md = claims.to_markdown(results)
    assert "| 95% interval |" in md and "`panel-2021-fall-21pc`" in md


def test_verify_table_columns(results: Results) -> None:
    table = claims.verify_table(results)
    assert tuple(table.columns) == claims.TABLE_COLUMNS
    assert table["chance_alone"].dtype == object
    assert set(table["chance_alone"]) <= {True, False, None}


def test_write_atomic_refuses_an_unwritable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**_: Any) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(ParameterError, match="cannot write in .*Permission denied"):
        claims.write_atomic(tmp_path / "out.txt", "x")


def test_write_atomic_leaves_nothing_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")

    def fail(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OutputError, match="no space left on the device"):
        claims.write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_write_atomic_refuses_a_folder_or_a_fifo(tmp_path: Path) -> None:
    # Issue 18, defect 5: ``verify --output DIR`` ended in IsADirectoryError (a traceback).
    folder = tmp_path / "dir"
    folder.mkdir()
    with pytest.raises(ParameterError, match="is a folder; give a file name inside it"):
        claims.write_atomic(folder, "x")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ParameterError, match="is not a regular file"):
        claims.write_atomic(fifo, "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "pipe"]


HOSTILE = "<script>alert(1)</script> <b>x</b> [t](javascript:alert(1)) | `c` *e* _u_ ~s~ \\ &amp;"


def test_markdown_text_is_inert() -> None:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    text = claims.markdown_text(HOSTILE)
    html = markdown2html_mistune(text)
    assert "<script" not in html and "<b>" not in html and "<a " not in html
    assert "<em>" not in html and "<code>" not in html and "<del>" not in html
    # What the reader sees is the text as written.
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", html)).strip()
    assert shown == HOSTILE


def test_markdown_output_escapes_claims_text(make_claim: Any) -> None:
    raw = make_claim(statement=HOSTILE, source=HOSTILE, explanation=HOSTILE)
    results = claims.verify(claims.parse_claims([raw]))
    md = claims.to_markdown(results)
    assert "<script" not in md and "<b>" not in md
    assert not re.search(r"(?<!\\)\]\(javascript", md), "no live javascript: link"
    assert "](<https://example.org/source>)" in md, "the claim's own url is the only link"
    row = next(line for line in md.splitlines() if line.startswith("| `user-claim`"))
    assert row.count(" | ") == 7, "an escaped '|' does not add a column"
