"""Run every notebook with papermill and check what it produces, and how the files are committed.

The runs (every notebook for the latest year, the year-specific ones for an early year too, and
three bad parameters) execute once per module in a pool of worker processes, each in its own
temporary working directory with its own ``output_dir``.
"""

from __future__ import annotations

import ast
import json
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
import papermill
import pytest

from sinstats import data, paths
from sinstats.present import params

pytestmark = pytest.mark.slow

NOTEBOOKS_DIR = paths.NOTEBOOKS_DIR
NOTEBOOK_FILES = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb"))
LATEST = "2026"
EARLY = "2015-16"

# What each run must write (besides key_figures.json and inputs.json).
EXPECTED = {
    "01": (["headline", "shares", "change", "method-sensitivity"], ["headline", "series"]),
    "02": (["series", "trend"], ["series", "series-rate", "trend"]),
    "03": (["assumptions", "estimate", "decomposition", "tornado"], ["estimate", "tornado"]),
    "04": (["reconciliation"], ["comparison"]),
    "05": (["breakdowns", "care-leavers", "areas", "funnel", "funnel-overdispersion"], ["funnel"]),
    "06": (["claims"], []),
}

# The first comparable year: its previous year is across the earlier Ofsted definition.
FIRST = "2014-15"

GOOD_RUNS = [
    ("01", LATEST),
    ("01", EARLY),
    ("01", FIRST),
    ("02", LATEST),
    ("03", LATEST),
    ("03", EARLY),
    ("04", LATEST),
    ("05", LATEST),
    ("06", LATEST),
]

BAD_RUNS = {
    "year": ("01", {"year": "2031"}),
    "conf_level": ("01", {"conf_level": 95}),
    "method": ("01", {"method": "magic"}),
    "target": ("03", {"target": "everything"}),
    "earlier": ("01", {"year": "2013-14"}),
}


def _file(nb: str) -> Path:
    return NOTEBOOKS_DIR / params.NOTEBOOKS[nb].file


def _execute(job: tuple[str, str, dict[str, Any], str]) -> dict[str, Any]:
    """Run one notebook in its own folder; return what happened (runs in a worker process)."""
    key, nb, parameters, workdir = job
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    out_nb = work / "executed.ipynb"
    parameters = {"output_dir": str(work / "out"), **parameters}
    error = ""
    for attempt in range(2):  # a parallel kernel launch can rarely fail once (known race)
        try:
            papermill.execute_notebook(
                str(_file(nb)),
                str(out_nb),
                parameters=parameters,
                kernel_name="python3",
                cwd=str(work),
                progress_bar=False,
                log_output=False,
                shutdown_kernel="immediate",
            )
            error = ""
            break
        except papermill.PapermillExecutionError as err:
            error = f"{err.ename}: {err.evalue}"
            break
        except RuntimeError as err:  # kernel died before replying: retry once
            error = f"RuntimeError: {err}"
            if attempt:
                break
    return {
        "key": key,
        "notebook": nb,
        "error": error,
        "executed": str(out_nb),
        "out": str(work / "out"),
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("notebook-runs")
    jobs = [
        (f"{nb}:{year}", nb, {"year": year}, str(base / f"{nb}-{year}")) for nb, year in GOOD_RUNS
    ]
    jobs += [
        (f"bad:{name}", nb, {"year": LATEST, **bad}, str(base / f"bad-{name}"))
        for name, (nb, bad) in BAD_RUNS.items()
    ]
    env_backend = os.environ.get("MPLBACKEND")
    os.environ.pop("MPLBACKEND", None)  # let the kernel use its inline backend
    try:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=4, mp_context=ctx) as pool:
            results = list(pool.map(_execute, jobs))
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    return {r["key"]: r for r in results}


# ---------------------------------------------------------------------------------------------
# Runs succeed and write what the build pipeline collects
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("nb", "year"), GOOD_RUNS)
def test_notebook_runs_and_writes_outputs(
    runs: dict[str, dict[str, Any]], nb: str, year: str
) -> None:
    run = runs[f"{nb}:{year}"]
    assert run["error"] == "", run["error"]
    out = Path(run["out"])
    tables, figures = EXPECTED[nb]
    for name in tables:
        text = (out / "tables" / f"{name}.csv").read_text(encoding="utf-8")
        header = text.splitlines()[0].split(",")
        assert {"method", "conf_level", "note"} <= set(header), (name, header)
        assert "\r" not in text
    for name in figures:
        for ext in (".png", ".svg", ".alt.txt"):
            assert (out / "figures" / f"{name}{ext}").stat().st_size > 0, (name, ext)
        alt = (out / "figures" / f"{name}.alt.txt").read_text(encoding="utf-8")
        assert len(alt) > 40
    key = json.loads((out / "key_figures.json").read_text(encoding="utf-8"))
    assert key and all({"name", "label", "value", "text"} <= set(k) for k in key)
    inputs = json.loads((out / "inputs.json").read_text(encoding="utf-8"))
    assert inputs["parameters"]["notebook"] == nb
    assert any(p.endswith("sin_national.csv") for p in inputs["data_files"])


def _key_figures(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    text = (Path(run["out"]) / "key_figures.json").read_text(encoding="utf-8")
    return {k["name"]: k for k in json.loads(text)}


@pytest.mark.parametrize("year", [LATEST, EARLY])
def test_overview_key_figures_equal_published_counts(
    runs: dict[str, dict[str, Any]], year: str
) -> None:
    key = _key_figures(runs[f"01:{year}"])
    for name, nature in (
        ("total", "Total"),
        ("child_deaths", "Child death"),
        ("serious_harm", "Serious harm"),
        ("other", "Other"),
    ):
        try:
            expected: float | None = data.count(year, nature).value
        except Exception:  # not published for the year (2015-16 has no "Other")
            expected = None
        assert key[name]["value"] == expected, name
        if expected is not None:
            assert key[name]["lower"] < expected < key[name]["upper"]


def test_measure_key_figure_is_the_published_child_deaths(
    runs: dict[str, dict[str, Any]],
) -> None:
    for year in (LATEST, EARLY):
        key = _key_figures(runs[f"03:{year}"])
        assert key["published_count"]["value"] == data.count(year, "Child death").value
        target = key["target_estimate"]
        assert target["lower"] < target["value"] < target["upper"]


def test_trend_key_figure_is_the_latest_total(runs: dict[str, dict[str, Any]]) -> None:
    key = _key_figures(runs[f"02:{LATEST}"])
    assert key["latest_total"]["value"] == data.count(LATEST).value
    # The trend comes from the segmented model: the slope within DfE's collection and the step.
    assert key["trend_per_year"]["text"].startswith("Within DfE's collection")
    assert key["dfe_step"]["flags"] == ["dfe-collection"]


def _markdown_outputs(path: str) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(
        str(o["data"]["text/markdown"])
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "data" in o and "text/markdown" in o["data"]
    )


def test_first_comparable_year_never_calls_the_rise_from_2013_14_more_than_chance(
    runs: dict[str, dict[str, Any]],
) -> None:
    run = runs[f"01:{FIRST}"]
    assert run["error"] == "", run["error"]
    text = _markdown_outputs(run["executed"])
    assert "a rise of 87, 29% from 2013-14" in text
    assert "earlier Ofsted definition, not comparable" in text
    assert "more than chance alone would usually produce" not in text
    assert "more than the series' usual" not in text
    key = _key_figures(run)
    assert key["change_total"]["flags"] == ["earlier-ofsted-definition"]
    assert "not a like-for-like comparison" in key["change_total"]["text"]


def test_a_year_of_the_earlier_definition_says_so(runs: dict[str, dict[str, Any]]) -> None:
    """`papermill ... -p year 2013-14`: not comparable, never "no published national total"."""
    run = runs["bad:earlier"]
    assert run["error"].startswith("ParameterError: year '2013-14'"), run["error"]
    assert "earlier Ofsted definition, not comparable" in run["error"]
    assert "its total (298) is held for context" in run["error"]
    assert "no published national total" not in run["error"]


def test_executed_figures_carry_alt_text_for_html(runs: dict[str, dict[str, Any]]) -> None:
    nb = nbformat.read(runs[f"01:{LATEST}"]["executed"], as_version=4)
    htmls = [
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "data" in o and "image/svg+xml" in o["data"]
    ]
    assert len(htmls) == 2
    assert all('<img src="data:image/svg+xml;base64,' in h and ' alt="' in h for h in htmls)


# ---------------------------------------------------------------------------------------------
# Bad parameters stop in the validation cell with one sentence
# ---------------------------------------------------------------------------------------------


def _first_code_cell_after_parameters(nb: nbformat.NotebookNode) -> int:
    tagged = [
        i
        for i, c in enumerate(nb.cells)
        if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))
    ]
    after = max(tagged)
    return next(i for i in range(after + 1, len(nb.cells)) if nb.cells[i].cell_type == "code")


@pytest.mark.parametrize(
    ("name", "choices"),
    [
        ("year", "2014-15"),
        ("conf_level", "0.95"),
        ("method", "exact, midp, byar, normal, phe"),
        ("target", "deaths_maltreatment_or_assault"),
    ],
)
def test_bad_parameter_fails_in_validation_cell(
    runs: dict[str, dict[str, Any]], name: str, choices: str
) -> None:
    run = runs[f"bad:{name}"]
    assert run["error"].startswith("ParameterError: "), run["error"]
    message = run["error"].removeprefix("ParameterError: ")
    assert message.startswith(name), message
    assert choices in message
    nb = nbformat.read(run["executed"], as_version=4)
    errors = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.outputs)
    ]
    assert errors == [_first_code_cell_after_parameters(nb)]
    error = next(o for o in nb.cells[errors[0]].outputs if o.get("output_type") == "error")
    assert "params.validate(" in nb.cells[errors[0]].source
    # One sentence, not a traceback: the error output is the message alone.
    assert len(error["traceback"]) == 1 and message in error["traceback"][0]
    # Nothing after the failing cell ran.
    assert all(c.get("execution_count") is None for c in nb.cells[errors[0] + 1 :])


# ---------------------------------------------------------------------------------------------
# How the notebooks are committed
# ---------------------------------------------------------------------------------------------


def test_collection_is_complete() -> None:
    assert [p.name for p in NOTEBOOK_FILES] == [s.file for s in params.NOTEBOOKS.values()]


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_committed_without_outputs_or_execution_counts(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], cell.source[:60]
            assert cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_one_typed_parameters_cell_then_validation(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    spec = params.notebook_spec(path.stem)
    validation = nb.cells[_first_code_cell_after_parameters(nb)].source
    assert f'params.validate(\n    "{spec.id}",' in validation
    assert "params.install_error_handler()" in validation
    # The project's kernel, installed by `make venv`, so JupyterLab opens them on it.
    assert nb.metadata["kernelspec"]["name"] == "sinstats"
    assert nb.metadata["kernelspec"]["display_name"] == "Python (sinstats)"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_papermill_documents_every_parameter(path: Path) -> None:
    found = papermill.inspect_notebook(str(path))
    spec = params.notebook_spec(path.stem)
    assert list(found) == list(spec.parameters)
    types = {"year": "str", "conf_level": "float", "method": "str", "data_dir": "str",
             "output_dir": "str", "seed": "int", "n_draws": "int", "target": "str",
             "claims_file": "str"}  # fmt: skip
    for name, info in found.items():
        assert info["inferred_type_name"] == types[name], name
        assert len(info["help"]) > 15, name
    assert found["year"]["default"] == '"2026"'
    assert found["conf_level"]["default"] == "0.95"


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_no_long_functions_or_classes_in_notebooks(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= 5, (
                    f"{path.name}: {getattr(node, 'name', 'lambda')} is {length} lines"
                )


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_cells_are_short(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    longest = max(len(c.source.splitlines()) for c in nb.cells if c.cell_type == "code")
    assert longest <= 25


def test_default_years_match_the_data() -> None:
    assert params.default_years("01")[-1] == data.latest_period().id
    assert "2017-18" not in params.valid_years("01")
    assert not math.isnan(data.count(params.default_years("03")[0], "Child death").value)
