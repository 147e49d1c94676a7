"""sinstats.build.pipeline: titles, key figures, the summary and the result's exit code."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from sinstats.build import pipeline
from sinstats.build.pipeline import BuildResult
from sinstats.present.key_figures import KeyFigure


def test_title_of(tmp_path: Path, notebook_factory: Callable[..., Path]) -> None:
    path = notebook_factory(nbformat.v4.new_markdown_cell(["intro\n", "# The title\n"]))
    assert pipeline._title_of(path) == "The title"
    path = notebook_factory(nbformat.v4.new_markdown_cell("# Ignored"), title="From metadata")
    assert pipeline._title_of(path) == "From metadata"
    untitled = notebook_factory(nbformat.v4.new_code_cell("# a comment"), name="untitled")
    assert pipeline._title_of(untitled) == "untitled"
    (tmp_path / "broken.ipynb").write_text("{", encoding="utf-8")
    assert pipeline._title_of(tmp_path / "broken.ipynb") == "broken"


def test_key_figures(tmp_path: Path) -> None:
    assert pipeline.key_figures(tmp_path) == []
    good = KeyFigure("total", "Total", 357, "357 notifications", "count", 321, 396, 0.95)
    bad_interval = {**good.as_json(), "lower": 400}
    records = [good.as_json(), {"name": "a"}, 3, bad_interval, {**good.as_json(), "x": 1}]
    (tmp_path / "key_figures.json").write_text(json.dumps(records), encoding="utf-8")
    assert pipeline.key_figures(tmp_path) == [good.as_json()]
    (tmp_path / "key_figures.json").write_text('{"name": "a"}', encoding="utf-8")
    assert pipeline.key_figures(tmp_path) == []


def test_summary_and_exit_code(tmp_path: Path) -> None:
    runs = [
        {
            "id": "2025-26/01-a",
            "status": "ok",
            "duration_s": 12.34,
            "reason": "assumptions/claims changed: assumptions.yml",
        },
        {"id": "2025-26/02-b", "status": "skipped", "duration_s": 3.0, "reason": "up to date"},
        {
            "id": "2024-25/01-a",
            "status": "failed",
            "duration_s": 1.0,
            "error": {"stage": "execute", "cell": 3, "ename": "ValueError", "evalue": "bad"},
            "failed_notebook": "_failed/2024-25/01-a-2024-25.ipynb",
        },
    ]
    result = BuildResult(out_dir=tmp_path, runs=runs, duration_s=20.0, errors=["index.html: x"])
    assert result.exit_code == 1 and [r["id"] for r in result.failed] == ["2024-25/01-a"]
    out = io.StringIO()
    pipeline._print_summary(result, out)
    lines = out.getvalue().splitlines()
    assert lines[1] == "run           status    seconds  note"
    assert (
        lines[2] == "2025-26/01-a  ok           12.3  assumptions/claims changed: assumptions.yml"
    )
    assert lines[3] == "2025-26/02-b  skipped         -  up to date"
    assert lines[4] == (
        "2024-25/01-a  failed        1.0  cell 3: ValueError: bad "
        "[executed copy: _failed/2024-25/01-a-2024-25.ipynb]"
    )
    assert lines[5].startswith("built 1, up to date 1, failed 1 in 20.0 s; reports in ")
    assert lines[6] == "build step failed: index.html: x"
    quiet = io.StringIO()
    pipeline._print_summary(BuildResult(out_dir=tmp_path, runs=[], duration_s=0.0), quiet)
    assert quiet.getvalue() == ""
    assert BuildResult(out_dir=tmp_path, runs=runs[:2], duration_s=1.0).exit_code == 0


def test_the_runs_to_build_are_listed_with_their_reasons(
    config_factory: Callable[..., Any], tmp_path: Path
) -> None:
    from sinstats.build.matrix import plan

    runs = plan(config_factory("version: 1\nnotebooks:\n  01-a: {year_specific: false}\n"))
    out = io.StringIO()
    pipeline._print_to_build([(runs[0], "assumptions/claims changed: assumptions.yml")], 25, out)
    assert out.getvalue().splitlines() == [
        "1 of 25 run(s) to build:",
        f"  {runs[0].id:<45} assumptions/claims changed: assumptions.yml",
    ]
    quiet = io.StringIO()
    pipeline._print_to_build([], 25, quiet)
    assert quiet.getvalue() == "all 25 run(s) up to date\n"
