"""Build every report: decide what to run, execute it, move finished runs into place, record it.

``sinstats build`` (``make reports``) calls :func:`build`, which

1. reads the run matrix (:mod:`~sinstats.build.config`, :mod:`~sinstats.build.matrix`), checking
   every run's parameters against the notebook's own ``parameters`` cell;
2. takes the reports folder's lock and repairs an interrupted earlier build
   (:mod:`~sinstats.build.folder`);
3. skips the runs whose inputs have not changed since their last successful build
   (:mod:`~sinstats.build.cache`);
4. executes the others with papermill, in parallel worker processes, each in its own temporary
   folder, exporting HTML and PDF (:mod:`~sinstats.build.execute`, :mod:`~sinstats.build.export`);
5. moves each run's outputs into ``reports/<period>/<notebook>/`` only when the whole run has
   succeeded (a failed run keeps the previous good report and leaves its executed copy in
   ``_failed/``);
6. writes the per-period ``tables.xlsx`` (:mod:`~sinstats.build.workbook`), ``reports/index.html``
   (:mod:`~sinstats.build.index`) and ``reports/manifest.json``, and prints a summary.

Heavy packages (papermill, nbconvert, WeasyPrint, gptables) are imported only when a run or an
export actually happens, so a rebuild with nothing to do starts no kernel and finishes in about a
second. See ``docs/pipeline.md`` for the rules in words.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sinstats import __version__, paths
from sinstats.build import cache, execute, provenance
from sinstats.build._helpers import display_path, iso, read_json, sha256_file, utc_now, write_atomic
from sinstats.build.cache import Decision, SharedInputs
from sinstats.build.config import BuildConfig, load_config
from sinstats.build.execute import Job, RunOutcome, one_line_error
from sinstats.build.folder import (
    CACHE_NAME,
    FAILED,
    FAILED_NAME,
    INDEX_NAME,
    MANIFEST_NAME,
    MANIFEST_SCHEMA,
    OK,
    SKIPPED,
    TMP_NAME,
    build_lock,
    move_into_place,
    outputs_of,
    recover,
)
from sinstats.build.matrix import Run, plan
from sinstats.build.parameters import parse_parameter_options
from sinstats.build.provenance import GitState
from sinstats.errors import ParameterError

__all__ = ["FAILED_NAME", "BuildResult", "build", "parse_parameter_options"]
"""What the command line uses (``parse_parameter_options`` is re-exported for it)."""


@dataclass
class BuildResult:
    """What a build did.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    runs : list of dict
        The manifest entries of the runs in this build (ok, failed or skipped).
    duration_s : float
        Wall time of the build.
    worker_stats : dict
        ``{run id: {"peak_rss_kernel_mb": ..., "peak_rss_worker_mb": ..., "duration_s": ...}}``
        for executed runs.
    errors : list of str
        Build-level problems (workbook, index), besides failed runs.
    """

    out_dir: Path
    runs: list[dict[str, Any]]
    duration_s: float
    worker_stats: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Entries of the runs that failed."""
        return [r for r in self.runs if r["status"] == FAILED]

    @property
    def exit_code(self) -> int:
        """0 when every run is ok or up to date and no build step failed, else 1."""
        return 1 if self.failed or self.errors else 0


@dataclass(frozen=True)
class BuildFacts:
    """Facts shared by every run of one build.

    Parameters
    ----------
    shared : SharedInputs
        The library hash, package versions and config files.
    git : GitState
        The checkout's commit.
    when : datetime
        The build's reference time (``SOURCE_DATE_EPOCH`` when set).
    from_sde : bool
        Whether ``when`` came from ``SOURCE_DATE_EPOCH``.
    """

    shared: SharedInputs
    git: GitState
    when: dt.datetime
    from_sde: bool

    @property
    def build_date(self) -> str:
        """The build date, ``YYYY-MM-DD``."""
        return self.when.date().isoformat()

    def report_meta(self) -> dict[str, Any]:
        """Return the build's part of every report's metadata (and the workbook's).

        Returns
        -------
        dict
            Build date and creation time, git state, package versions, config files and the
            sinstats version.
        """
        return {
            "build_date": self.build_date,
            "created": self.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "from_source_date_epoch": self.from_sde,
            "git_commit": self.git.commit,
            "git_dirty": self.git.dirty,
            "packages": self.shared.packages,
            "config_files": self.shared.config,
            "sinstats_version": __version__,
        }


def _title_of(notebook: Path) -> str:
    """Return the notebook's title: metadata ``title``, its first level-1 heading, or its name."""
    nb = read_json(notebook)
    if not isinstance(nb, dict):
        return notebook.stem
    title = nb.get("metadata", {}).get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return notebook.stem


def key_figures(run_dir: Path) -> list[dict[str, Any]]:
    """Return the run's ``key_figures.json`` records (an empty list when absent or malformed).

    The file is input like any other: each record is checked as a
    :class:`~sinstats.present.key_figures.KeyFigure` and written to the manifest as that record
    gives it; a record that is not one is left out.

    Parameters
    ----------
    run_dir : Path
        The run's folder.

    Returns
    -------
    list of dict
        The valid records (``KeyFigure.as_json()``), in the file's order.
    """
    from sinstats.present.key_figures import KeyFigure

    loaded = read_json(run_dir / "key_figures.json")
    if not isinstance(loaded, list):
        return []
    records = []
    for item in loaded:
        try:
            records.append(KeyFigure.from_json(item).as_json())
        except ParameterError:
            continue
    return records


def _jobs(to_run: Sequence[Run], facts: BuildFacts, out: Path) -> list[Job]:
    """Make each run's temporary folder under ``<out>/.tmp`` and its job for a worker."""
    tmp_root = out / TMP_NAME
    tmp_root.mkdir(parents=True, exist_ok=True)
    jobs = []
    for run in to_run:
        tmp = Path(tempfile.mkdtemp(prefix=f"{run.period.id}__{run.notebook.name}-", dir=tmp_root))
        meta = facts.report_meta()
        meta.update(
            {
                "run_id": run.id,
                "notebook": run.notebook.path.name,
                "title": _title_of(run.notebook.path),
                "period": run.period.id,
                "period_label": run.period.label,
                "release": f"Serious incident notifications, reporting year {run.period.end_year}",
                "parameters": dict(run.parameters),
                "defaults": {
                    k: v
                    for k, v in run.declared.items()
                    if k not in run.parameters and k != "output_dir"
                },
                "base_name": f"{run.notebook.name}-{run.period.id}",
            }
        )
        jobs.append(
            Job(
                id=run.id,
                notebook=str(run.notebook.path),
                tmp_dir=str(tmp),
                executed_name=f"{run.notebook.name}-{run.period.id}.ipynb",
                parameters=run.parameters,
                timeout=run.notebook.timeout,
                report=meta,
            )
        )
    return jobs


def _data_files_read(run: Run, outcome: RunOutcome) -> dict[str, str]:
    """``{path: sha256}`` the run recorded in ``inputs.json``, else every published file."""
    inputs = outcome.inputs or {}
    read = inputs.get("data_files") if isinstance(inputs, dict) else None
    if isinstance(read, dict) and read:
        return {display_path(p): str(sha) for p, sha in read.items()}
    # No record of what was read: depend on every published file (conservative).
    data = Path(run.parameters["data_dir"])
    return {display_path(p): sha256_file(p) for p in sorted((data / "published").glob("*.csv"))}


def _finish_run(
    run: Run,
    outcome: RunOutcome,
    facts: BuildFacts,
    out: Path,
    prev: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Move a successful run into place (or save a failed one); return its manifest entry."""
    tmp = Path(outcome.tmp_dir)
    data_files = _data_files_read(run, outcome)
    ok = outcome.status == OK
    entry: dict[str, Any] = {
        "id": run.id,
        "notebook": run.notebook.name,
        "notebook_sha256": sha256_file(run.notebook.path),
        "period": run.period.id,
        "period_label": run.period.label,
        "year_specific": run.notebook.year_specific,
        "title": _title_of(run.notebook.path),
        "parameters": dict(run.parameters),
        "status": outcome.status,
        "reason": None,
        "error": outcome.error,
        "started": outcome.started,
        "finished": outcome.finished,
        "duration_s": outcome.duration_s,
        "build_date": facts.build_date,
        "git_commit": facts.git.commit,
        "git_dirty": facts.git.dirty,
        "packages": facts.shared.packages,
        "data_files": data_files,
        "config_files": facts.shared.config,
        "library_sha256": facts.shared.library_sha,
        "key": cache.key_of(run, facts.shared, data_files, cache.HashCache()) if ok else None,
        "outputs": [],
        "key_figures": [],
        "failed_notebook": None,
    }
    failed_copy = out / FAILED_NAME / run.period.id / outcome.executed_name
    if ok:
        target = out / run.period.id / run.notebook.name
        entry["key_figures"] = key_figures(tmp)
        move_into_place(tmp, target, out / TMP_NAME)
        entry["outputs"] = outputs_of(target, out)
        if failed_copy.is_file():
            failed_copy.unlink()
        return entry
    executed = tmp / outcome.executed_name
    if executed.is_file():
        failed_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, failed_copy)
        entry["failed_notebook"] = failed_copy.relative_to(out).as_posix()
    shutil.rmtree(tmp, ignore_errors=True)
    entry["last_good"] = cache.last_good(prev)
    if entry["last_good"] is not None:
        entry["last_good"].pop("last_good", None)
        entry["outputs"] = entry["last_good"].get("outputs", [])
    return entry


def _skipped_entry(run: Run, reason: str, prev: Mapping[str, Any], out: Path) -> dict[str, Any]:
    """Return the manifest entry of an up-to-date run: its last good one, marked skipped."""
    good = cache.last_good(prev)
    assert good is not None
    good["status"] = SKIPPED
    good["reason"] = reason
    stale = prev.get("failed_notebook")
    if stale and (out / stale).is_file():
        (out / stale).unlink()  # an earlier failure no longer applies
    good.pop("last_good", None)
    return good


def _write_workbooks(
    out: Path, periods: set[str], all_entries: Sequence[Mapping[str, Any]], facts: BuildFacts
) -> list[str]:
    """Write ``tables.xlsx`` for each period in ``periods``; return the problems met."""
    from sinstats.build.workbook import write_workbook

    errors = []
    for period_id in sorted(periods):
        period_entries = [
            e
            for e in all_entries
            if e.get("period") == period_id and cache.last_good(e) is not None
        ]
        if not period_entries:
            continue
        try:
            write_workbook(out, period_id, period_entries, facts.report_meta())
        except Exception as err:
            errors.append(f"tables.xlsx for {period_id}: {type(err).__name__}: {err}")
    return errors


def _print_plan(
    runs: Sequence[Run], decisions: Sequence[Decision], config: BuildConfig, stream: IO[str]
) -> None:
    """Print the dry run's listing: every run, what would happen and its parameters."""
    print(f"{len(runs)} run(s) in the matrix ({config.path}):", file=stream)
    for run, decision in zip(runs, decisions, strict=True):
        params = ", ".join(f"{k}={v}" for k, v in sorted(run.parameters.items()) if k != "data_dir")
        print(f"  {run.id:<45} {decision.reason:<28} {params}", file=stream)


def build(
    *,
    config_path: str | os.PathLike[str] | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    years: Sequence[str] | None = None,
    notebooks: Sequence[str] | None = None,
    parameters: Mapping[str, str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    wait: float = 0.0,
    dry_run: bool = False,
    progress: bool = True,
    stream: IO[str] | None = None,
) -> BuildResult:
    """Build the reports (the engine behind ``sinstats build``).

    Parameters
    ----------
    config_path : path-like, optional
        The run matrix (default ``reports.yml``).
    notebooks_dir : path-like, optional
        Where the notebooks are (default ``notebooks/``).
    data_dir : path-like, optional
        Data folder given to every notebook (default ``data/``).
    out_dir : path-like, optional
        Reports folder (default ``reports/``).
    years, notebooks : sequence of str, optional
        Restrict the matrix.
    parameters : mapping, optional
        ``-p name=value`` texts.
    jobs : int, optional
        Worker processes (default: CPU count). With 1, runs execute one after another in this
        process.
    force : bool
        Rebuild every selected run even when up to date.
    wait : float
        Seconds to wait for another build's lock.
    dry_run : bool
        Print the matrix and what would run; execute nothing, write nothing.
    progress : bool
        Show the progress bar (on a terminal).
    stream : file, optional
        Where the per-run lines and the summary go (default: stderr / stdout).

    Returns
    -------
    BuildResult
        The manifest entries of the selected runs (none for a dry run), with timings.

    Raises
    ------
    SinstatsError
        Bad configuration, selection or parameters (before any kernel starts), or a held lock.
    """
    t_start = time.perf_counter()
    started_at = utc_now()
    if jobs is not None and jobs < 1:
        raise ParameterError(f"--jobs must be 1 or more; got {jobs}")
    n_jobs = jobs or os.cpu_count() or 1
    config = load_config(config_path, notebooks_dir)
    out = paths.reports_dir(out_dir)
    data = paths.data_dir(data_dir)
    when, from_sde = provenance.build_time()
    log = stream if stream is not None else sys.stderr
    plan_runs = functools.partial(
        plan,
        config,
        data_dir=data,
        years=years,
        notebooks=notebooks,
        parameters=parameters,
        cache_dir=out / CACHE_NAME,
    )
    if dry_run:
        runs = plan_runs(save_cache=False)
        shared = SharedInputs.current(data)
        decisions = cache.decide(runs, cache.previous_runs(out), out, shared, force)
        _print_plan(runs, decisions, config, stream if stream is not None else sys.stdout)
        return BuildResult(out_dir=out, runs=[], duration_s=time.perf_counter() - t_start)

    with build_lock(out, wait):
        recover(out)
        runs = plan_runs()
        prev_runs = cache.previous_runs(out)
        shared = SharedInputs.current(data)
        decisions = cache.decide(runs, prev_runs, out, shared, force)
        facts = BuildFacts(shared=shared, git=provenance.git_state(), when=when, from_sde=from_sde)
        to_run = [(run, d.reason) for run, d in zip(runs, decisions, strict=True) if not d.skip]
        entries: dict[str, dict[str, Any]] = {
            run.id: _skipped_entry(run, d.reason, prev_runs[run.id], out)
            for run, d in zip(runs, decisions, strict=True)
            if d.skip
        }
        results: dict[str, RunOutcome] = {}
        if to_run:
            job_list = _jobs([run for run, _ in to_run], facts, out)
            results = execute.execute_all(job_list, n_jobs, progress, log)
        worker_stats: dict[str, dict[str, float]] = {}
        for run, reason in to_run:
            outcome = results[run.id]
            worker_stats[run.id] = {
                "peak_rss_kernel_mb": float(outcome.peak_rss_kernel_mb),
                "peak_rss_worker_mb": float(outcome.peak_rss_worker_mb),
                "duration_s": float(outcome.duration_s),
                **outcome.stages,
            }
            entries[run.id] = _finish_run(run, outcome, facts, out, prev_runs.get(run.id))
            entries[run.id]["reason"] = reason
        changed_periods = {
            run.period.id for run, _ in to_run if entries[run.id]["status"] == OK
        } | {run.period.id for run in runs if not (out / run.period.id / "tables.xlsx").is_file()}
        # The manifest keeps runs outside this selection as they were; a full build drops runs
        # that are no longer in the matrix (their folders stay on disk).
        selected = {run.id for run in runs}
        keep_others = bool(years or notebooks)
        all_entries = [
            dict(e) for rid, e in prev_runs.items() if rid not in selected and keep_others
        ]
        all_entries.extend(entries.values())
        all_entries.sort(key=lambda e: (e.get("period", ""), e.get("notebook", "")))
        errors = _write_workbooks(out, changed_periods, all_entries, facts)
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "generator": f"sinstats {__version__}",
            "build": {
                "started": iso(started_at),
                "finished": iso(utc_now()),
                "build_date": facts.build_date,
                "duration_s": round(time.perf_counter() - t_start, 3),
                "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH") or None,
                "git_commit": facts.git.commit,
                "git_dirty": facts.git.dirty,
                "packages": shared.packages,
                "config": display_path(config.path),
                "data_dir": display_path(data),
                "force": force,
                "selection": {
                    "years": list(years or []),
                    "notebooks": list(notebooks or []),
                    "parameters": dict(parameters or {}),
                },
                "counts": {
                    status: sum(1 for e in entries.values() if e["status"] == status)
                    for status in (OK, SKIPPED, FAILED)
                },
            },
            "runs": all_entries,
        }
        try:
            from sinstats.build.index import write_index

            write_index(out, manifest)
        except Exception as err:
            errors.append(f"index.html: {type(err).__name__}: {err}")
        write_atomic(out / MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        shutil.rmtree(out / TMP_NAME, ignore_errors=True)
    result = BuildResult(
        out_dir=out,
        runs=[entries[run.id] for run in runs],
        duration_s=time.perf_counter() - t_start,
        worker_stats=worker_stats,
        errors=errors,
    )
    _print_summary(result, stream if stream is not None else sys.stdout)
    return result


def _print_summary(result: BuildResult, stream: IO[str]) -> None:
    rows = result.runs
    if not rows:
        return
    width = max(len("run"), *(len(r["id"]) for r in rows))
    print(f"\n{'run':<{width}}  {'status':<8} {'seconds':>8}  note", file=stream)
    for r in rows:
        secs = f"{r['duration_s']:.1f}" if r["status"] != SKIPPED and r.get("duration_s") else "-"
        note = ""
        if r["status"] == FAILED and r.get("error"):
            note = one_line_error(r["error"])
            if r.get("failed_notebook"):
                note += f" [executed copy: {r['failed_notebook']}]"
        elif r["status"] == SKIPPED:
            note = r.get("reason") or ""
        print(f"{r['id']:<{width}}  {r['status']:<8} {secs:>8}  {note}", file=stream)
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in (OK, SKIPPED, FAILED)}
    print(
        f"built {counts[OK]}, up to date {counts[SKIPPED]}, failed {counts[FAILED]} "
        f"in {result.duration_s:.1f} s; reports in {result.out_dir} "
        f"({INDEX_NAME}, {MANIFEST_NAME})",
        file=stream,
    )
    for err in result.errors:
        print(f"build step failed: {err}", file=stream)
