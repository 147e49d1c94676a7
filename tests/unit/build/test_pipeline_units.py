"""Fast checks of the pipeline's and the report exporter's small parts (no kernel, no build)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import nbformat
import pytest

from sinstats.build import pipeline, report
from sinstats.errors import ParameterError
from sinstats.build.pipeline import DeclaredParameter, coerce_parameter




def _declared(type_name: str, default: str) -> DeclaredParameter:
    return DeclaredParameter(name="x", type_name=type_name, default=default, help="")


@pytest.mark.parametrize(
    ("type_name", "default", "text", "expected"),
    [
        ("int", "1", "42", 42),
        ("float", "0.5", "0.9", 0.9),
        ("bool", "False", "yes", True),
        ("bool", "False", "0", False),
        ("str", '""', "  spaced ", "  spaced "),
        ("None", "7", "8", 8),  # no annotation: the type of the default
        ("None", "'a'", "b", "b"),
        ("None", "[1, 2]", "anything", "anything"),  # no usable type: passed as given
        ("list[int]", "unparseable(", "z", "z"),
    ],
)
def test_command_line_values_are_converted(
    type_name: str, default: str, text: str, expected: object
) -> None:
    value = coerce_parameter("nb", _declared(type_name, default), text, from_text=True)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("type_name", "text", "message"),
    [
        ("int", "4.5", "an integer"),
        ("float", "high", "a number"),
        ("bool", "maybe", "true or false"),
    ],
)
def test_bad_command_line_values_are_refused(type_name: str, text: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        coerce_parameter("nb", _declared(type_name, "0"), text, from_text=True)


@pytest.mark.parametrize(
    ("type_name", "value", "expected"),
    [("int", 3, 3), ("float", 1, 1.0), ("bool", True, True), ("str", "s", "s")],
)
def test_yaml_values_are_checked(type_name: str, value: object, expected: object) -> None:
    assert coerce_parameter("nb", _declared(type_name, "0"), value, from_text=False) == expected


@pytest.mark.parametrize(
    ("type_name", "value"), [("int", True), ("int", 1.5), ("float", "1"), ("bool", 1)]
)
def test_wrong_yaml_types_are_refused(type_name: str, value: object) -> None:
    with pytest.raises(ParameterError):
        coerce_parameter("nb", _declared(type_name, "0"), value, from_text=False)


def test_parameter_options() -> None:
    assert pipeline.parse_parameter_options(["a=1", "b = x=y"]) == {"a": "1", "b": " x=y"}
    assert pipeline.parse_parameter_options(None) == {}
    for bad in ("=1", "1a=2", "no_equals"):
        with pytest.raises(ParameterError, match="write -p name=value"):
            pipeline.parse_parameter_options([bad])
    for reserved, hint in (("data_dir", "--data-dir"), ("output_dir", "--out")):
        with pytest.raises(ParameterError, match=hint):
            pipeline.parse_parameter_options([f"{reserved}=x"])


def test_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    when, fixed = pipeline.build_time()
    assert fixed and when.year == 1970
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ParameterError, match="SOURCE_DATE_EPOCH"):
        pipeline.build_time()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert pipeline.build_time()[1] is False


def test_git_state_outside_a_checkout(tmp_path: Path) -> None:
    assert pipeline.git_state(tmp_path) == {"commit": None, "dirty": None}


def test_error_summaries() -> None:
    class FakeCellError(Exception):
        ename = "ValueError"
        evalue = "bad conf_level"
        exec_count = 4
        cell_index = 6
        source = "\n\nparams = check(conf_level)\nmore()"

    summary = pipeline._error_summary(FakeCellError())
    assert summary["cell"] == 4 and summary["cell_source"] == "params = check(conf_level)"
    assert pipeline._one_line_error(summary) == "cell 4: ValueError: bad conf_level"
    plain = pipeline._error_summary(RuntimeError("x" * 400))
    assert plain["cell"] is None and plain["ename"] == "RuntimeError"
    assert pipeline._one_line_error(plain).endswith("...")
    assert pipeline._one_line_error({"stage": "export", "ename": "OSError", "evalue": "disk"}) == (
        "export: OSError: disk"
    )


def test_run_key_changes_with_each_input() -> None:
    base = {
        "notebook_sha": "n",
        "library_sha": "l",
        "parameters": {"year": "2025-26"},
        "packages": {"python": "3.11"},
        "data_files": {"a.csv": "1"},
        "sums_entries": {"a.csv": "1"},
        "config": {},
    }
    key = pipeline.run_key(**base)  # type: ignore[arg-type]
    assert pipeline.run_key(**base) == key  # type: ignore[arg-type]
    for name, changed in (
        ("notebook_sha", "m"),
        ("library_sha", "k"),
        ("parameters", {"year": "2024-25"}),
        ("packages", {"python": "3.12"}),
        ("data_files", {"a.csv": "2"}),
        ("sums_entries", {"a.csv": None}),
        ("config", {"data/assumptions.yml": "9"}),
    ):
        assert pipeline.run_key(**{**base, name: changed}) != key, name  # type: ignore[arg-type]


def test_title_of(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("intro\n# The title\n")]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert pipeline._title_of(path) == "The title"
    nb.metadata["title"] = "From metadata"
    nbformat.write(nb, path)
    assert pipeline._title_of(path) == "From metadata"
    (tmp_path / "broken.ipynb").write_text("{", encoding="utf-8")
    assert pipeline._title_of(tmp_path / "broken.ipynb") == "broken"


# --------------------------------------------------------------------------------------------
# report.py helpers
# --------------------------------------------------------------------------------------------

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'


def _image_output(alt: str | None = None, png: bool = False) -> dict:
    data = {"text/plain": "<Figure size 640x480 with 1 Axes>"}
    if png:
        data["image/png"] = base64.b64encode(b"\x89PNG fake").decode()
    else:
        data["image/svg+xml"] = SVG
    metadata = {"image/svg+xml": {"alt": alt}} if alt else {}
    return nbformat.v4.new_output("display_data", data=data, metadata=metadata)


def test_figures_paired_by_order_with_alt_files(tmp_path: Path) -> None:
    figs = tmp_path / "figures"
    figs.mkdir()
    for i, name in enumerate(("b_second", "a_first")):
        for ext in ("svg", "png"):
            path = figs / f"{name}.{ext}"
            path.write_text(SVG, encoding="utf-8")
        (figs / f"{name}.alt.txt").write_text(f"alt of {name}\n", encoding="utf-8")
        # b_second written first: pairing follows the order of writing, not of names
        import os

        os.utime(figs / f"{name}.svg", ns=(10**18 + i, 10**18 + i))
        os.utime(figs / f"{name}.png", ns=(10**18 + i, 10**18 + i))
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [_image_output(), _image_output()]
    nb.cells = [cell]
    found = report.prepare_figures(nb, tmp_path)
    assert [f["name"] for f in found] == ["b_second", "a_first"]
    assert [f["alt"] for f in found] == ["alt of b_second", "alt of a_first"]
    html = cell.outputs[0]["data"]["text/html"]
    assert 'src="figures/b_second.svg"' in html and 'alt="alt of b_second"' in html


def test_unmatched_figures_stay_embedded_with_their_alt(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [_image_output(alt="a chart of x"), _image_output(png=True)]
    nb.cells = [cell, nbformat.v4.new_markdown_cell("text")]
    found = report.prepare_figures(nb, tmp_path)
    assert found[0]["alt"] == "a chart of x" and found[1]["alt"] == report.NO_ALT
    assert "data:image/svg+xml;base64," in cell.outputs[0]["data"]["text/html"]
    assert "data:image/png;base64," in cell.outputs[1]["data"]["text/html"]


def test_named_figure_metadata_wins(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "trend.png").write_bytes(b"png")
    (tmp_path / "figures" / "trend.alt.txt").write_text("the trend", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    named = nbformat.v4.new_output(
        "display_data", data={"text/plain": "fig"}, metadata={"sinstats": {"figure": "trend"}}
    )
    missing = nbformat.v4.new_output(
        "display_data", data={"text/plain": "fig"}, metadata={"sinstats": {"figure": "gone"}}
    )
    cell.outputs = [named, missing]
    nb.cells = [cell]
    found = report.prepare_figures(nb, tmp_path)
    assert found == [{"name": "trend", "src": "figures/trend.png", "alt": "the trend"}]
    assert missing["data"] == {"text/plain": "fig"}  # nothing to show: left alone


def test_path_echoes_are_dropped() -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result", data={"text/plain": "PosixPath('/tmp/x/figures/a.svg')"}
        ),
        nbformat.v4.new_output("execute_result", data={"text/plain": "42"}),
    ]
    nb.cells = [cell, nbformat.v4.new_markdown_cell("x")]
    assert report._drop_path_echoes(nb) == 1
    assert [o["data"]["text/plain"] for o in cell.outputs] == ["42"]


def test_small_helpers(tmp_path: Path) -> None:
    assert report.date_in_words("2026-03-31T12:00:00Z") == "31 March 2026"
    units = report._units(["rate_per_100k", "share_pct", "notifications", "note", "conf_level"])
    assert units["notifications"] == "count of notifications" and "note" not in units
    assert report._humanise("method-sensitivity_table") == "Method sensitivity table"
    assert report.key_figures(tmp_path) == []
    (tmp_path / "key_figures.json").write_text(json.dumps([{"name": "a"}, 3]), encoding="utf-8")
    assert report.key_figures(tmp_path) == [{"name": "a"}]
    assert report._display("/elsewhere/x.csv") == "/elsewhere/x.csv"


def test_workbook_without_tables_is_removed(tmp_path: Path) -> None:
    (tmp_path / "2025-26").mkdir()
    stale = tmp_path / "2025-26" / "tables.xlsx"
    stale.write_bytes(b"old")
    meta = {"created": "2026-03-31T12:00:00Z", "build_date": "2026-03-31", "git_commit": None}
    assert (
        report.write_workbook(tmp_path, "2025-26", [{"status": "ok", "outputs": []}], meta) is None
    )
    assert not stale.exists()


def test_index_without_reports(tmp_path: Path) -> None:
    page = report.write_index(tmp_path, {"runs": [], "build": {}}).read_text(encoding="utf-8")
    assert "No report has been built yet" in page
