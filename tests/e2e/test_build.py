"""End-to-end tests of ``sinstats build`` on the fixture matrix (issue 6)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pypdf
import pytest

from sinstats import cli, data
from sinstats.build import build_lock, load_config, pipeline, plan, provenance, typeset
from sinstats.errors import ConfigError, ParameterError

if TYPE_CHECKING:
    from .conftest import Project

pytestmark = pytest.mark.slow


def _run_dir(project: Project, run_id: str) -> Path:
    return project.out / run_id


def _base(run_id: str) -> str:
    period, name = run_id.split("/")
    return f"{name}-{period}"


def _pdf(project: Project, run_id: str) -> Path:
    return _run_dir(project, run_id) / f"{_base(run_id)}.pdf"


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def _entry(out: Path, run_id: str) -> dict:
    return next(r for r in _manifest(out)["runs"] if r["id"] == run_id)


# --------------------------------------------------------------------------------------------
# A full build
# --------------------------------------------------------------------------------------------


def test_build_writes_every_output(built: Project, run_ids: tuple[str, ...]) -> None:
    for run_id in run_ids:
        run_dir = _run_dir(built, run_id)
        base = _base(run_id)
        for suffix in (".ipynb", ".html", ".pdf"):
            assert (run_dir / f"{base}{suffix}").is_file(), f"{run_id}: no {suffix}"
        csvs = list((run_dir / "tables").glob("*.csv"))
        assert csvs, run_id
        for csv in csvs:
            header = csv.read_text(encoding="utf-8").splitlines()[0].split(",")
            assert {"method", "conf_level", "note"} <= set(header), csv
        svgs = sorted((run_dir / "figures").glob("*.svg"))
        assert svgs, run_id
        for svg in svgs:
            assert svg.with_suffix(".png").is_file()
            assert svg.with_name(f"{svg.stem}.alt.txt").read_text(encoding="utf-8").strip()
        assert json.loads((run_dir / "key_figures.json").read_text(encoding="utf-8"))
    for period in ("2024-25", "2025-26"):
        assert (built.out / period / "tables.xlsx").is_file()
    assert (built.out / "index.html").is_file()
    assert not (built.out / "_failed").exists()
    assert not (built.out / ".tmp").exists(), "temporary run folders must be cleared"


def test_manifest_records_provenance(built: Project, run_ids: tuple[str, ...]) -> None:
    manifest = _manifest(built.out)
    assert manifest["build"]["counts"] == {"ok": 3, "skipped": 0, "failed": 0}
    assert [r["id"] for r in manifest["runs"]] == sorted(run_ids)
    for entry in manifest["runs"]:
        assert entry["status"] == "ok"
        assert entry["error"] is None
        assert entry["git_commit"] == manifest["build"]["git_commit"]
        assert re.fullmatch(r"[0-9a-f]{40}", entry["git_commit"])
        assert isinstance(entry["git_dirty"], bool)
        assert entry["parameters"]["year"] == entry["period"]
        assert entry["parameters"]["data_dir"] == str(built.data)
        assert "output_dir" not in entry["parameters"]
        assert entry["packages"]["python"] and entry["packages"]["papermill"]
        assert entry["started"] < entry["finished"] and entry["duration_s"] > 0
        assert re.fullmatch(r"[0-9a-f]{64}", entry["key"])
        assert entry["data_files"], entry["id"]
        for path, sha in entry["data_files"].items():
            assert data.sha256_file(path) == sha
        for output in entry["outputs"]:
            assert (built.out / output).is_file()
    readers = {r["id"]: {Path(p).name for p in r["data_files"]} for r in manifest["runs"]}
    assert readers["2025-26/01-fixture-annual"] == {"sin_national.csv", "assumptions.yml"}
    assert readers["2025-26/02-fixture-population"] == {"population_0_17.csv"}


def test_kernel_runs_the_build_interpreter(built: Project) -> None:
    import sys

    inputs = json.loads(
        (_run_dir(built, "2025-26/01-fixture-annual") / "inputs.json").read_text(encoding="utf-8")
    )
    assert Path(inputs["python"]).resolve() == Path(sys.executable).resolve()


def test_pdf_title_page_metadata_and_headline_figures(built: Project) -> None:
    for run_id in ("2025-26/01-fixture-annual", "2024-25/01-fixture-annual"):
        period = run_id.split("/")[0]
        reader = pypdf.PdfReader(_pdf(built, run_id))
        assert len(reader.pages) >= 3
        title_page = reader.pages[0].extract_text()
        for expected in (
            "Fixture: annual headline",
            "Release",
            "Build date",
            f"{period} (reporting year",
            "31 March 2026",  # the build date from SOURCE_DATE_EPOCH
        ):
            assert expected in title_page, (expected, title_page)
        text = "\n".join(page.extract_text() for page in reader.pages)
        total = data.count(period, data_dir=built.data).value
        assert f"{total:,.0f}" in text
        assert "Page 2 of" in reader.pages[1].extract_text()
        last = reader.pages[-1].extract_text()
        assert "How this report was produced" in last
        commit = _entry(built.out, run_id)["git_commit"]
        assert "sin_national.csv" in last and commit in last.replace("\n", "")
        meta = reader.metadata
        assert meta is not None
        assert meta.title and "Fixture: annual headline" in meta.title
        assert meta.subject and period in meta.subject
        assert str(meta.get("/CreationDate", "")).startswith("D:20260331120000")
        root = reader.trailer["/Root"]
        assert root["/Lang"] == "en-GB"
        assert root["/MarkInfo"]["/Marked"], "the PDF must be tagged (PDF/UA)"


def test_the_pdf_engine_knows_every_element_of_every_report(
    built: Project, run_ids: tuple[str, ...]
) -> None:
    for run_id in run_ids:
        page = (_run_dir(built, run_id) / f"{_base(run_id)}.html").read_text(encoding="utf-8")
        assert typeset.html_to_typst(page).unknown == (), run_id


def test_html_hides_code_and_every_image_has_alt_text(
    built: Project, run_ids: tuple[str, ...]
) -> None:
    for run_id in run_ids:
        page = (_run_dir(built, run_id) / f"{_base(run_id)}.html").read_text(encoding="utf-8")
        assert "data.count(" not in page and "data.load(" not in page, "code must be hidden"
        images = re.findall(r"<img\b[^>]*>", page)
        assert images, run_id
        for img in images:
            alt = re.search(r'alt="([^"]*)"', img)
            assert alt and alt.group(1).strip(), img
        # No external resources (nothing is loaded from elsewhere); links to sources are <a>s.
        assert not re.search(r'src="(https?:)?//', page), "no external resources"
        assert not re.search(r'<link\b[^>]*href="(https?:)?//', page), "no external resources"
        assert 'href="../../glossary.html">glossary</a>' in page
        assert "<script" not in page
    alt_file = _run_dir(built, "2025-26/01-fixture-annual") / "figures" / "natures.alt.txt"
    page = (
        _run_dir(built, "2025-26/01-fixture-annual") / "01-fixture-annual-2025-26.html"
    ).read_text(encoding="utf-8")
    assert alt_file.read_text(encoding="utf-8").strip() in page
    assert 'src="figures/natures.svg"' in page


def test_workbook_has_cover_contents_notes_and_one_table_per_sheet(built: Project) -> None:
    with zipfile.ZipFile(built.out / "2025-26" / "tables.xlsx") as xlsx:
        workbook = xlsx.read("xl/workbook.xml").decode()
        sheets = re.findall(r'<sheet name="([^"]+)"', workbook)
        strings = xlsx.read("xl/sharedStrings.xml").decode()
    assert sheets == ["Cover", "Contents", "Notes", "Table_1", "Table_2"]
    assert "Source:" in strings and "count of notifications" in strings


def test_workbook_reads_back_with_pandas(built: Project) -> None:
    import pandas as pd

    sheets = pd.read_excel(built.out / "2025-26" / "tables.xlsx", sheet_name=None)
    assert list(sheets) == ["Cover", "Contents", "Notes", "Table_1", "Table_2"]
    assert all(not frame.empty for frame in sheets.values())


def test_index_links_every_report_with_key_figures(
    built: Project, run_ids: tuple[str, ...]
) -> None:
    page = (built.out / "index.html").read_text(encoding="utf-8")
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert hrefs
    for href in hrefs:
        assert not href.startswith(("http:", "https:", "/", "file:")), href
        if href.startswith("#"):  # the navigation's links to the years and reports
            assert f'id="{href[1:]}"' in page, href
        else:
            assert (built.out / href).is_file(), href
    assert 'href="glossary.html"' in page
    for run_id in run_ids:
        assert f'href="{run_id}/{_base(run_id)}.pdf"' in page
    assert ">357<" in page and ">338<" in page  # the key figures of the two years


# --------------------------------------------------------------------------------------------
# Incremental builds
# --------------------------------------------------------------------------------------------


def test_second_build_skips_everything(
    built: Project, built_copy: Project, run_ids: tuple[str, ...], no_kernel: None
) -> None:
    project = built_copy
    before = {p: p.read_bytes() for p in project.out.rglob("*.pdf")}
    result = project.build()
    assert result.exit_code == 0
    assert [r["status"] for r in result.runs] == ["skipped"] * 3
    assert {r["reason"] for r in result.runs} == {"up to date"}
    assert {p: p.read_bytes() for p in project.out.rglob("*.pdf")} == before
    manifest = _manifest(project.out)
    assert manifest["build"]["counts"] == {"ok": 0, "skipped": 3, "failed": 0}
    # A skipped run keeps the provenance of the build that made its outputs.
    assert _entry(project.out, run_ids[0])["started"] == _entry(built.out, run_ids[0])["started"]


def test_missing_output_rebuilds_that_run_only(built_copy: Project) -> None:
    project = built_copy
    _pdf(project, "2024-25/01-fixture-annual").unlink()
    result = project.build(jobs=1)
    statuses = {r["id"]: (r["status"], r["reason"]) for r in result.runs}
    assert statuses["2024-25/01-fixture-annual"] == ("ok", "outputs missing")
    assert statuses["2025-26/01-fixture-annual"][0] == "skipped"
    assert statuses["2025-26/02-fixture-population"][0] == "skipped"
    assert _pdf(project, "2024-25/01-fixture-annual").is_file()


def test_changing_one_data_file_rebuilds_exactly_the_runs_that_read_it(
    project_factory: Callable[..., Project],
) -> None:
    project = project_factory("touch")
    assert project.build(jobs=2).exit_code == 0
    pop = project.data / "published" / "population_0_17.csv"
    lines = pop.read_text(encoding="utf-8").splitlines(keepends=True)
    # A harmless edit (the note of the last row), then the reviewed-change step: new checksums.
    lines[-1] = lines[-1].rstrip("\n") + " (reviewed)\n" if lines[-1].endswith("\n") else lines[-1]
    pop.write_text("".join(lines), encoding="utf-8")
    data.write_checksums(project.data)
    result = project.build(jobs=1)
    statuses = {r["id"]: r["status"] for r in result.runs}
    assert statuses == {
        "2025-26/01-fixture-annual": "skipped",
        "2025-26/02-fixture-population": "ok",
        "2024-25/01-fixture-annual": "skipped",
    }
    rebuilt = next(r for r in result.runs if r["status"] == "ok")
    assert rebuilt["reason"] == "data changed: population_0_17.csv"
    assert project.build(jobs=1).runs[1]["status"] == "skipped"


def test_a_notebook_edited_while_its_run_executes_is_rebuilt_by_the_next_build(
    project_factory: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The notebook is edited after its run executed and before the build commits the run: the
    # run is committed with the notebook's hash from before it executed, so the next build sees
    # the edit and runs it again (a hash taken when the run lands would record the edited
    # notebook against outputs of the old one, and every later build would skip it).
    from sinstats.build import execute

    project = project_factory("edited")
    notebook = project.notebooks / "02-fixture-population.ipynb"
    before = provenance.sha256_file(notebook)
    real = execute.execute_run

    def run_then_edit(job: Any) -> Any:
        outcome = real(job)
        node = json.loads(notebook.read_text(encoding="utf-8"))
        notebook.write_text(json.dumps(node, indent=2) + "\n", encoding="utf-8")  # other bytes
        return outcome

    monkeypatch.setattr(execute, "execute_run", run_then_edit)
    first = project.build(notebooks=["02"], jobs=1)
    assert [r["status"] for r in first.runs] == ["ok"]
    assert provenance.sha256_file(notebook) != before
    assert first.runs[0]["notebook_sha256"] == before
    monkeypatch.setattr(execute, "execute_run", real)
    second = project.build(notebooks=["02"], jobs=1)
    assert [(r["status"], r["reason"]) for r in second.runs] == [("ok", "notebook changed")]
    assert project.build(notebooks=["02"], jobs=1).runs[0]["status"] == "skipped"


def test_editing_a_component_in_assumptions_rebuilds_only_the_runs_that_read_it(
    project_factory: Callable[..., Project],
) -> None:
    project = project_factory("assume")
    assert project.build(jobs=2).exit_code == 0
    readers = {"2025-26/01-fixture-annual", "2024-25/01-fixture-annual"}  # read assumptions.yml
    for run_id in readers:
        assert any(p.endswith("assumptions.yml") for p in _entry(project.out, run_id)["data_files"])
    assert not any(
        p.endswith("assumptions.yml")
        for p in _entry(project.out, "2025-26/02-fixture-population")["data_files"]
    )
    path = project.data / "assumptions.yml"
    text = path.read_text(encoding="utf-8")
    # Edit one component's rationale (the chance component's), keeping the file valid.
    edited = text.replace("    rationale: ", "    rationale: (reviewed) ", 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    log = io.StringIO()
    result = project.build(jobs=1, stream=log)
    reason = "assumptions/claims changed: assumptions.yml"
    statuses = {r["id"]: (r["status"], r["reason"]) for r in result.runs}
    assert statuses == {
        "2025-26/01-fixture-annual": ("ok", reason),
        "2024-25/01-fixture-annual": ("ok", reason),
        "2025-26/02-fixture-population": ("skipped", "up to date"),
    }
    # The list is on the console before any kernel starts, and in the manifest.
    console = log.getvalue()
    assert "2 of 3 run(s) to build:" in console
    for run_id in readers:
        assert re.search(rf"^  {re.escape(run_id)} +{re.escape(reason)}$", console, re.M)
    manifest = {r["id"]: r for r in _manifest(project.out)["runs"]}
    assert {i for i, r in manifest.items() if r["reason"] == reason} == readers
    assert manifest["2025-26/02-fixture-population"]["reason"] == "up to date"


def test_adding_the_data_folders_own_assumptions_rebuilds_the_runs_that_read_the_projects(
    project_factory: Callable[..., Project],
) -> None:
    # A data folder without assumptions.yml makes its runs read the project's; they depend on
    # the folder's own file not being there, so adding one rebuilds exactly them (recorded as a
    # file with no hash; a review found they were skipped as up to date).
    project = project_factory("fallback")
    own = project.data / "assumptions.yml"
    text = own.read_text(encoding="utf-8")
    own.unlink()
    assert project.build(jobs=2).exit_code == 0
    readers = {"2025-26/01-fixture-annual", "2024-25/01-fixture-annual"}
    for run_id in readers:
        files = _entry(project.out, run_id)["data_files"]
        assert files[str(own)] is None  # looked for, absent
        assert files["data/assumptions.yml"]  # the project's, read instead
    assert [r["status"] for r in project.build(jobs=1).runs] == ["skipped"] * 3
    own.write_text(text.replace("    rationale: ", "    rationale: (own) ", 1), encoding="utf-8")
    result = project.build(jobs=1)
    statuses = {r["id"]: (r["status"], r["reason"]) for r in result.runs}
    reason = "assumptions/claims changed: assumptions.yml"
    assert statuses == {
        "2025-26/01-fixture-annual": ("ok", reason),
        "2024-25/01-fixture-annual": ("ok", reason),
        "2025-26/02-fixture-population": ("skipped", "up to date"),
    }
    for run_id in readers:
        files = _entry(project.out, run_id)["data_files"]
        assert files[str(own)] and "data/assumptions.yml" not in files


def test_non_default_parameters_go_to_their_own_folder(
    built_copy: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = built_copy
    # The project's reports folder is the default one (no --out), as reports/ is for a user.
    monkeypatch.setenv("SINSTATS_REPORTS_DIR", str(project.out))

    def snapshot() -> dict[str, bytes]:
        return {
            p.relative_to(project.out).as_posix(): p.read_bytes()
            for p in sorted(project.out.rglob("*"))
            if p.is_file() and "variants" not in p.parts and p.name not in ("index.html", ".lock")
        }

    before = snapshot()
    assert any(name.endswith(".pdf") for name in before)
    log = io.StringIO()
    result = pipeline.build(
        config_path=project.config,
        notebooks_dir=project.notebooks,
        data_dir=project.data,
        notebooks=["01"],
        years=["2025-26"],
        parameters={"conf_level": "0.9"},
        jobs=1,
        progress=False,
        stream=log,
    )
    assert result.exit_code == 0, result.errors
    variant = project.out / "variants" / "conf_level-0.9"
    assert result.out_dir == variant
    assert "the reports go to" in log.getvalue() and "conf_level=0.9" in log.getvalue()
    assert (variant / "2025-26" / "01-fixture-annual" / "01-fixture-annual-2025-26.pdf").is_file()
    # Every default report is byte-identical (and the default manifest too).
    assert snapshot() == before
    # The variant's index marks it with its parameters; the default index lists the variant.
    own = (variant / "index.html").read_text(encoding="utf-8")
    assert "Not the default reports." in own
    assert "Built with parameters other than the defaults: conf_level = 0.9." in own
    default_index = (project.out / "index.html").read_text(encoding="utf-8")
    assert 'href="variants/conf_level-0.9/index.html"' in default_index
    assert "conf_level = 0.9</a> (1 report; not the defaults)" in default_index
    manifest = _manifest(variant)
    assert manifest["build"]["non_default"] == {"conf_level": 0.9}
    assert manifest["runs"][0]["non_default"] == {"conf_level": 0.9}
    # The same parameters as reports.yml's are the default build, in the default folder.
    same = pipeline.build(
        config_path=project.config,
        notebooks_dir=project.notebooks,
        data_dir=project.data,
        notebooks=["01"],
        years=["2025-26"],
        parameters={"conf_level": "0.95"},
        jobs=1,
        progress=False,
        stream=io.StringIO(),
    )
    assert same.out_dir == project.out.resolve()
    assert [r["status"] for r in same.runs] == ["skipped"]


def test_force_and_parameter_change_rebuild(built_copy: Project, run_ids: tuple[str, ...]) -> None:
    project = built_copy
    result = project.build(notebooks=["02"], parameters={"method": "midp"}, jobs=1)
    assert [(r["id"], r["status"], r["reason"]) for r in result.runs] == [
        ("2025-26/02-fixture-population", "ok", "parameters changed")
    ]
    assert result.runs[0]["parameters"]["method"] == "midp"
    # Runs outside the selection stay in the manifest as they were.
    ids = [r["id"] for r in _manifest(project.out)["runs"]]
    assert sorted(ids) == sorted(run_ids)


def test_library_change_rebuilds_every_run(
    built_copy: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = built_copy
    monkeypatch.setattr(provenance, "library_hash", lambda: "1" * 64)
    out = io.StringIO()
    result = project.build(dry_run=True, stream=out)
    assert result.runs == []
    assert out.getvalue().count("library changed") == 3


def test_real_library_hash_covers_sources_and_templates(
    real_library_hash: Callable[[], str],
) -> None:
    real = real_library_hash
    first = real()
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert real() == first


# --------------------------------------------------------------------------------------------
# Failure safety
# --------------------------------------------------------------------------------------------


def _broken_notebooks(project: Project, dest: Path) -> Path:
    shutil.copytree(project.notebooks, dest)
    path = dest / "01-fixture-annual.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(4, nbformat.v4.new_code_cell('raise RuntimeError("deliberately broken copy")'))
    for cell in nb.cells:
        cell.pop("id", None)
    nbformat.write(nb, path)
    return dest


def test_broken_notebook_keeps_previous_good_report(
    built_copy: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = built_copy
    good_pdf = _pdf(project, "2025-26/01-fixture-annual")
    good = good_pdf.read_bytes()
    good_entry = _entry(project.out, "2025-26/01-fixture-annual")
    broken = _broken_notebooks(project, tmp_path / "broken")
    args = project.cli_args()
    args[args.index("--notebooks-dir") + 1] = str(broken)
    code = cli.main([*args, "--notebook", "01", "--year", "2025-26", "--jobs", "1"])
    assert code == 1
    err = capsys.readouterr()
    assert "RuntimeError: deliberately broken copy" in err.err + err.out
    assert "failed" in err.err
    assert good_pdf.read_bytes() == good, "the previous good PDF must be untouched"
    entry = _entry(project.out, "2025-26/01-fixture-annual")
    assert entry["status"] == "failed"
    assert entry["error"]["ename"] == "RuntimeError"
    assert entry["error"]["evalue"] == "deliberately broken copy"
    assert entry["last_good"]["key"] == good_entry["key"]
    failed_copy = project.out / entry["failed_notebook"]
    assert failed_copy == project.out / "_failed" / "2025-26" / "01-fixture-annual-2025-26.ipynb"
    assert "deliberately broken copy" in failed_copy.read_text(encoding="utf-8")
    # The other runs are untouched and the index still links the good report.
    assert _entry(project.out, "2024-25/01-fixture-annual")["status"] == "ok"
    index = (project.out / "index.html").read_text(encoding="utf-8")
    assert "2025-26/01-fixture-annual/01-fixture-annual-2025-26.pdf" in index
    assert "latest build of this report failed" in index
    # With the notebook fixed, the next build retries the failed run and clears _failed.
    result = project.build(notebooks=["01"], years=["2025-26"], jobs=1)
    assert result.runs[0]["status"] == "skipped"  # the good outputs match the inputs again
    assert result.runs[0]["reason"] == "up to date"
    assert not failed_copy.exists(), "a failure that no longer applies is cleared"
    assert _entry(project.out, "2025-26/01-fixture-annual")["key"] == good_entry["key"]


def test_bad_parameter_value_is_refused_before_any_kernel(
    built_copy: Project, no_kernel: None
) -> None:
    project = built_copy
    good = _pdf(project, "2024-25/01-fixture-annual").read_bytes()
    manifest = (project.out / "manifest.json").read_bytes()
    with pytest.raises(ParameterError, match=r"-p conf_level=95: .*0\.95, not 95"):
        project.build(
            notebooks=["01-fixture-annual"],
            years=["2024-25"],
            parameters={"conf_level": "95"},
            jobs=1,
        )
    assert _pdf(project, "2024-25/01-fixture-annual").read_bytes() == good
    assert (project.out / "manifest.json").read_bytes() == manifest


def test_interrupted_move_is_recovered(built_copy: Project) -> None:
    project = built_copy
    run_dir = _run_dir(project, "2024-25/01-fixture-annual")
    old = project.out / ".tmp" / "2024-25__01-fixture-annual.old"
    old.parent.mkdir()
    run_dir.rename(old)  # as if a crash happened between the two renames
    result = project.build(jobs=1)
    assert result.exit_code == 0
    assert all(r["status"] == "skipped" for r in result.runs)
    assert _pdf(project, "2024-25/01-fixture-annual").is_file()


# --------------------------------------------------------------------------------------------
# Lock
# --------------------------------------------------------------------------------------------


def test_second_build_on_the_same_folder_refuses_or_waits(
    built_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project = built_copy
    with build_lock(project.out):
        assert cli.main([*project.cli_args()]) == 2
        assert "another sinstats build is writing to" in capsys.readouterr().err
        assert cli.main([*project.cli_args(), "--wait", "0.3"]) == 2
        assert "after waiting 0.3 s" in capsys.readouterr().err
    manifest_before = (project.out / "manifest.json").read_bytes()

    lock = build_lock(project.out)
    lock.__enter__()
    timer = threading.Timer(0.5, lock.__exit__, args=(None, None, None))
    timer.start()
    try:
        assert cli.main([*project.cli_args(), "--wait", "60"]) == 0
    finally:
        timer.join()
    assert (project.out / "manifest.json").read_bytes() != manifest_before  # it did build


# --------------------------------------------------------------------------------------------
# Bad input: refused before any kernel starts, exit 2, valid choices listed
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--notebook", "99-nothing"], "unknown notebook '99-nothing'; notebooks in"),
        (["--year", "2031"], "valid years: 2024-25, 2025-26"),
        (["--year", "2013-14"], "no report is configured for 2013-14"),
        (["--year", "next year"], "cannot read 'next year' as a period"),
        (["-p", "n_draws=5"], "valid names: conf_level, method"),
        (["-p", "conf_level=high"], "parameter 'conf_level' of notebook"),
        (["-p", "year=2024"], "the pipeline sets 'year'; use --year"),
        (["-p", "conf_level"], "write -p name=value"),
        (["--jobs", "0"], "--jobs must be 1 or more"),
        (["--notebook", "02", "--year", "2024-25"], "is not year-specific"),
    ],
)
def test_bad_command_line_refused_before_any_kernel(
    built: Project,
    tmp_path: Path,
    no_kernel: None,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    out = tmp_path / "reports"
    assert cli.main([*built.cli_args(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err, err
    assert not (out / "manifest.json").exists()


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("version: 1\nnotebooks: [\n", None, "not valid YAML at line"),
        ("- just a list\n", None, "must be a YAML mapping"),
        ("version: 1\nnotebook: {}\n", "notebook", "unknown key"),
        ("version: 2\nnotebooks: {}\n", "version", "only 1 exists"),
        ("version: 1\n", "notebooks", "missing required key"),
        ("version: 1\ntimeout: -5\nnotebooks: {}\n", "timeout", "above 0"),
        ("version: 1\nyears: some\nnotebooks: {}\n", "years", "must be 'all' or"),
        ("version: 1\nyears: ['2099-3']\nnotebooks: {}\n", "years[0]", "cannot read"),
        ("version: 1\nfirst_year: 'soon'\nnotebooks: {}\n", "first_year", "cannot read"),
        ("version: 1\nnotebooks: {}\n", "notebooks", "non-empty mapping"),
        (
            "version: 1\nnotebooks:\n  07-missing: {year_specific: true}\n",
            "notebooks.07-missing",
            "notebooks there: 01-fixture-annual, 02-fixture-population",
        ),
        (
            "version: 1\nnotebooks:\n  01-fixture-annual: {year_specific: yes please}\n",
            "notebooks.01-fixture-annual.year_specific",
            "true or false",
        ),
        (
            "version: 1\nnotebooks:\n  01-fixture-annual: {year_specific: true, colour: red}\n",
            "notebooks.01-fixture-annual.colour",
            "unknown key",
        ),
        (
            "version: 1\nnotebooks:\n  02-fixture-population: {year_specific: false, years: all}\n",
            "notebooks.02-fixture-population.years",
            "only a year-specific notebook",
        ),
        (
            "version: 1\nnotebooks:\n  01-fixture-annual: {year_specific: true, years: [1]}\n",
            "notebooks.01-fixture-annual.years[0]",
            "cannot read",
        ),
        (
            "version: 1\ndefaults: {year: '2024-25'}\nnotebooks:\n"
            "  01-fixture-annual: {year_specific: true}\n",
            "defaults.year",
            "set by the pipeline",
        ),
        (
            "version: 1\ndefaults: {conf_level: [1, 2]}\nnotebooks:\n"
            "  01-fixture-annual: {year_specific: true}\n",
            "defaults.conf_level",
            "string, number or true/false",
        ),
    ],
)
def test_malformed_reports_yml_names_file_and_key(
    project_factory: Callable[..., Project], text: str, key: str | None, message: str
) -> None:
    project = project_factory()
    project.config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(project.config, project.notebooks)
    assert str(project.config) in str(err.value)
    assert message in str(err.value)
    if key is not None:
        assert err.value.key == key


@pytest.mark.parametrize(
    ("notebook_params", "key", "message"),
    [
        ("colour: red", "notebooks.01-fixture-annual.parameters.colour", "does not declare"),
        ("conf_level: high", "notebooks.01-fixture-annual.parameters.conf_level", "a number"),
        ("method: 3", "notebooks.01-fixture-annual.parameters.method", "must be text"),
    ],
)
def test_reports_yml_parameters_checked_against_the_notebook(
    project_factory: Callable[..., Project],
    no_kernel: None,
    capsys: pytest.CaptureFixture[str],
    notebook_params: str,
    key: str,
    message: str,
) -> None:
    project = project_factory()
    project.config.write_text(
        "version: 1\nyears: all\nnotebooks:\n  01-fixture-annual:\n    year_specific: true\n"
        f"    parameters: {{{notebook_params}}}\n",
        encoding="utf-8",
    )
    assert cli.main(project.cli_args()) == 2
    err = capsys.readouterr().err
    assert f"key '{key}'" in err and message in err and str(project.config) in err


def test_notebook_without_contract_parameters_is_refused(
    project_factory: Callable[..., Project], no_kernel: None, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_factory()
    path = project.notebooks / "01-fixture-annual.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("output_dir", "out_folder")
    nbformat.write(nb, path)
    assert cli.main(project.cli_args()) == 2
    assert "must declare `output_dir`" in capsys.readouterr().err


def test_dry_run_prints_the_matrix_and_writes_nothing(
    built: Project,
    tmp_path: Path,
    run_ids: tuple[str, ...],
    no_kernel: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "reports"
    assert cli.main([*built.cli_args(out), "--dry-run", "-p", "method=byar"]) == 0
    printed = capsys.readouterr().out
    assert "3 run(s) in the matrix" in printed
    for run_id in run_ids:
        assert run_id in printed
    assert "method=byar" in printed and "new" in printed
    assert not out.exists()
    # Against an up-to-date folder, the dry run says nothing would run.
    assert cli.main([*built.cli_args(), "--dry-run"]) == 0
    assert capsys.readouterr().out.count("up to date") == 3


def test_default_matrix_covers_every_year_from_first_year(
    project_factory: Callable[..., Project],
) -> None:
    project = project_factory()
    project.config.write_text(
        project.config.read_text(encoding="utf-8").replace(
            'years: ["2024-25", "2025-26"]', "years: all"
        ),
        encoding="utf-8",
    )
    config = load_config(project.config, project.notebooks)
    runs = plan(config, data_dir=project.data)
    annual = [r.period.id for r in runs if r.notebook.name == "01-fixture-annual"]
    expected = [
        p
        for p in data.periods("sin_national", data_dir=project.data)
        if p >= "2014-15" and len(p) == 7
    ]
    assert sorted(annual) == expected
    assert "2012-13" not in annual and "2017-18" not in annual
    assert [r.period.id for r in runs if r.notebook.name == "02-fixture-population"] == [
        data.latest_period(data_dir=project.data).id
    ]
    assert os.environ["SOURCE_DATE_EPOCH"]  # the autouse fixture is active here too


def test_notebook_own_years(
    project_factory: Callable[..., Project], no_kernel: None, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_factory()
    project.config.write_text(
        "version: 1\nyears: all\nnotebooks:\n"
        "  01-fixture-annual:\n    year_specific: true\n    years: ['2016-17']\n"
        "  02-fixture-population:\n    year_specific: false\n",
        encoding="utf-8",
    )
    config = load_config(project.config, project.notebooks)
    runs = plan(config, data_dir=project.data)
    assert [r.id for r in runs] == [
        "2025-26/01-fixture-annual",
        "2025-26/02-fixture-population",
        "2016-17/01-fixture-annual",
    ]
    assert cli.main([*project.cli_args(), "--notebook", "01", "--year", "2020-21"]) == 2
    assert "runs for 2016-17, 2025-26 only" in capsys.readouterr().err
    project.config.write_text(
        "version: 1\nnotebooks:\n  01-fixture-annual:\n    year_specific: true\n"
        "    years: ['2017-18']\n",
        encoding="utf-8",
    )
    config = load_config(project.config, project.notebooks)
    with pytest.raises(ConfigError) as err:
        plan(config, data_dir=project.data)
    assert err.value.key == "notebooks.01-fixture-annual.years[0]"
    assert "not an April-March year with data" in str(err.value)


def test_full_build_drops_runs_no_longer_in_the_matrix(
    built: Project, built_copy: Project, tmp_path: Path, no_kernel: None
) -> None:
    project = built_copy
    config = tmp_path / "reports.yml"
    config.write_text(
        built.config.read_text(encoding="utf-8").split("  02-fixture-population:")[0],
        encoding="utf-8",
    )
    project.config = config
    result = project.build()
    assert [r["status"] for r in result.runs] == ["skipped", "skipped"]
    assert [r["id"] for r in _manifest(project.out)["runs"]] == [
        "2024-25/01-fixture-annual",
        "2025-26/01-fixture-annual",
    ]
    assert "02-fixture-population" not in (project.out / "index.html").read_text(encoding="utf-8")


def test_each_workbook_is_written_once_while_the_runs_execute(
    project_factory: Callable[..., Project],
    run_ids: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 19: a period's tables.xlsx is written as soon as its last run lands (the main
    # process is otherwise waiting), not after the last run of the build; the end of the build
    # takes the staged file.
    from sinstats.build import execute, workbook

    executing = [False]
    calls: list[tuple[str, bool]] = []
    real_write, real_execute = workbook.write_workbook, execute.execute_all

    def write(*args: Any, **kwargs: Any) -> Path | None:
        calls.append((str(args[1]), executing[0]))
        return real_write(*args, **kwargs)

    def run_all(*args: Any, **kwargs: Any) -> Any:
        executing[0] = True
        try:
            return real_execute(*args, **kwargs)
        finally:
            executing[0] = False

    monkeypatch.setattr(workbook, "write_workbook", write)
    monkeypatch.setattr(execute, "execute_all", run_all)
    project = project_factory()
    result = project.build(force=True, jobs=2)
    assert result.exit_code == 0, result.errors
    periods = sorted({run_id.split("/")[0] for run_id in run_ids})
    assert sorted(period for period, _ in calls) == periods  # once each
    assert all(during for _, during in calls), calls  # while the runs executed
    for period in periods:
        with zipfile.ZipFile(project.out / period / "tables.xlsx") as xlsx:
            assert "xl/workbook.xml" in xlsx.namelist()
    assert not (project.out / ".tmp").exists()
    calls.clear()
    assert project.build().exit_code == 0  # nothing changed: nothing is written
    assert calls == []
