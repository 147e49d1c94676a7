"""The no-change path imports no heavy package (so a later import cannot bring its cost back)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from sinstats.build.cache import SharedInputs
from sinstats.build.config import load_config
from sinstats.build.matrix import plan

HEAVY = (
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "statsmodels",
    "nbconvert",
    "nbformat",
    "papermill",
    "weasyprint",
    "typst",
    "jsonschema",
)


def _loaded_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the heavy modules it left imported."""
    script = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json, sys
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    loaded: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return loaded


def test_a_remembered_plan_and_the_manifest_check_import_nothing_heavy(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    config = load_config()
    shared = SharedInputs.current(Path(config.path).parent / "data")
    memo = {"library": shared.library_sha, "packages": shared.packages}
    runs = plan(config, cache_dir=out / ".cache", memo=memo)  # reads the data (pandas): once
    assert (out / ".cache" / "plan.json").is_file()
    entry = {
        "id": runs[0].id,
        "notebook": runs[0].notebook.name,
        "period": runs[0].period.id,
        "status": "ok",
        "key": "0" * 64,
        "outputs": [],
        "output_files": {},
        "key_figures": [],
        "failed_notebook": None,
    }
    (out / "manifest.json").write_text(json.dumps({"schema": 2, "runs": [entry]}))
    loaded = _loaded_after(
        f"""
        from pathlib import Path
        from sinstats.build import cache, matrix, pipeline
        from sinstats.build.config import load_config
        from sinstats.build.manifest import read_manifest

        out = Path({str(out)!r})
        config = load_config()
        shared = cache.SharedInputs.current(Path(config.path).parent / "data")
        memo = pipeline._memo_inputs(shared)
        notes = []
        runs = matrix.plan(config, cache_dir=out / ".cache", memo=memo, warn=notes.append)
        assert [r.id for r in runs] == {[r.id for r in runs]!r}, runs
        assert not notes, notes
        prev = read_manifest(out)
        assert list(prev.runs) == [{entry["id"]!r}] and not prev.notes, prev
        decisions = cache.decide(runs, prev.runs, out, shared, False)
        assert len(decisions) == len(runs)
        pipeline._repair_releases(Path(config.path).parent / "data", notes.append)
        """
    )
    assert loaded == []


def test_light_commands_import_nothing_heavy() -> None:
    loaded = _loaded_after(
        """
        import contextlib, io
        from sinstats.cli import main
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            with contextlib.suppress(SystemExit):
                main(["--version"])
            assert main(["build", "--jobs", "0"]) == 2
        """
    )
    assert loaded == []


# --- the whole no-change `sinstats build` command (plan, checks, index, summary) ---

SDE = "1774958400"  # a fixed build date, so that the pages do not change at midnight


def _fabricate(out: Path) -> list[str]:
    """Fill ``out`` as a build of the latest year's notebook 01 would, without a kernel.

    The run's outputs are stand-ins, but its manifest entry has the key the build computes, so a
    build finds it up to date; the first build then writes the index, glossary and workbook.
    Returns the command line's selection.
    """
    from sinstats.build import cache
    from sinstats.build.folder import MANIFEST_SCHEMA
    from sinstats.build.pipeline import _title_of

    config = load_config()
    data_dir = Path(config.path).parent / "data"
    shared = SharedInputs.current(data_dir)
    run = [r for r in plan(config, save_cache=False) if r.notebook.name.startswith("01")][0]
    base = f"{run.id}/{run.notebook.name}-{run.period.id}"
    files = {
        f"{base}.html": "<html><body>report</body></html>",
        f"{base}.pdf": "%PDF-1.7 stand-in",
        f"{base}.ipynb": "{}",
        f"{run.id}/tables/notifications.csv": "period,notifications\n2025-26,357\n",
    }
    for rel, text in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    from sinstats.build._helpers import sha256_file

    sin = data_dir / "published" / "sin_national.csv"
    data_files = {str(sin): sha256_file(sin)}
    entry = {
        "id": run.id,
        "notebook": run.notebook.name,
        "notebook_sha256": sha256_file(run.notebook.path),
        "period": run.period.id,
        "period_label": run.period.label,
        "title": _title_of(run.notebook.path),
        "parameters": dict(run.parameters),
        "status": "ok",
        "key": cache.key_of(run, shared, data_files, cache.HashCache()),
        "library_sha256": shared.library_sha,
        "packages": shared.packages,
        "config_files": shared.config,
        "data_files": data_files,
        "build_date": "2026-03-31",
        "outputs": sorted(files),
        "output_files": {
            rel: {"sha256": sha256_file(out / rel), "bytes": (out / rel).stat().st_size}
            for rel in files
        },
        "key_figures": [],
        "failed_notebook": None,
    }
    doc = {"schema": MANIFEST_SCHEMA, "runs": [entry], "workbooks": {}}
    (out / "manifest.json").write_text(json.dumps(doc))
    return ["--year", run.period.id, "--notebook", run.notebook.name]


def _build(out: Path, selection: list[str], check: str = "") -> subprocess.CompletedProcess[str]:
    """Run the whole ``sinstats build`` command in a fresh interpreter; check what it imported."""
    script = textwrap.dedent(
        f"""
        import json, sys
        from sinstats.cli import main
        code = main(["build", "--out", {str(out)!r}, *{selection!r}])
        print(json.dumps([code, [m for m in {HEAVY!r} if m in sys.modules]]))
        """
    )
    env = {**__import__("os").environ, "SOURCE_DATE_EPOCH": SDE}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    code, loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert code == 0, proc.stdout + proc.stderr
    assert "built 0, up to date 1, failed 0" in proc.stdout, proc.stdout
    if check == "light":
        assert loaded == [], (loaded, proc.stderr)
    return proc


def _state(out: Path, selection: list[str]) -> dict[str, tuple[bytes, int]]:
    names = ("index.html", "glossary.html", f"{selection[1]}/tables.xlsx")
    return {n: ((out / n).read_bytes(), (out / n).stat().st_mtime_ns) for n in names}


def test_a_whole_no_change_build_imports_nothing_heavy_and_rewrites_nothing(
    tmp_path: Path,
) -> None:
    out = tmp_path / "reports"
    selection = _fabricate(out)
    _build(out, selection)  # writes the index, glossary and workbook (and records their keys)
    recorded = json.loads((out / "manifest.json").read_text())["index"]
    assert set(recorded) == {"sha256", "key", "glossary_sha256"}
    before = _state(out, selection)
    proc = _build(out, selection, check="light")
    assert _state(out, selection) == before  # bytes and modification times
    assert f"{selection[1]}/{selection[3]}  skipped" in proc.stdout  # the summary table
    assert json.loads((out / "manifest.json").read_text())["index"] == recorded


def test_an_edited_or_deleted_page_and_a_changed_run_are_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    selection = _fabricate(out)
    _build(out, selection)
    good = _state(out, selection)
    # A hand-edited index, and a deleted glossary: both written again, as they were.
    (out / "index.html").write_text("<p>edited by hand</p>")
    (out / "glossary.html").unlink()
    _build(out, selection)
    after = _state(out, selection)
    assert after["index.html"][0] == good["index.html"][0]
    assert after["glossary.html"][0] == good["glossary.html"][0]
    workbook = f"{selection[1]}/tables.xlsx"
    assert after[workbook] == good[workbook]
    # A change to what a run's entry shows (its title, carried over by an up-to-date run).
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["runs"][0]["title"] = "A title edited in the manifest"
    (out / "manifest.json").write_text(json.dumps(manifest))
    _build(out, selection)
    page = (out / "index.html").read_text()
    assert "A title edited in the manifest" in page
    assert (
        json.loads((out / "manifest.json").read_text())["index"]["key"] != manifest["index"]["key"]
    )


def test_a_title_page_and_the_parameter_checks_import_no_scipy() -> None:
    # Every worker exports its reports through sinstats.build.export, whose title page asks which
    # notebook a report is (sinstats.present.params); the build checks each run's parameters in
    # the main process. Neither computes an interval, so neither may import SciPy: it was 2-3 s
    # of every worker's and every first build's start (issue 19).
    code = """
        from sinstats.build import export, parameters
        from sinstats.build.designation import designation_of_run

        facts = designation_of_run(
            {"period": "2025-26", "notebook": "03-what-the-numbers-measure", "parameters": {}}, {}
        )
        assert facts is not None and facts.model, facts
        for name, value in [("method", "exact"), ("conf_level", 0.9), ("share_method", "wilson"),
                            ("ratio_method", "exact")]:
            parameters.check_choice("01-annual-overview", name, value)
        assert export.ReportDesignation is type(facts)
        """
    loaded = _loaded_after(code)
    assert [m for m in loaded if m in ("scipy", "statsmodels", "matplotlib")] == []


def test_planning_afresh_leaves_out_the_iri_grammar(tmp_path: Path) -> None:
    # Issue 19: reading the notebooks' parameters imports papermill, hence nbformat and
    # jsonschema, which imports rfc3987_syntax (about 0.8 s compiling a grammar) for IRI format
    # checks no state file uses. Planning without a remembered plan keeps it out, and an
    # explicit import of it afterwards still works.
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from sinstats.build.config import load_config
        from sinstats.build.matrix import plan
        runs = plan(load_config(), cache_dir=Path({str(tmp_path / ".cache")!r}))
        assert runs and "papermill" in sys.modules and "jsonschema" in sys.modules
        print("rfc3987_syntax" in sys.modules)
        import rfc3987_syntax
        print(rfc3987_syntax.__name__)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["False", "rfc3987_syntax"]
