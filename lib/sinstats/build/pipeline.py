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
5. commits each run as it finishes (:func:`~sinstats.build.folder.commit`): its outputs move into
   ``reports/<period>/<notebook>/`` only when the whole run has succeeded (a failed run keeps the
   previous good report and leaves its executed copy in ``_failed/``), together with a manifest
   that describes the folder as it now is;
6. commits the per-period ``tables.xlsx`` whose tables changed (:mod:`~sinstats.build.workbook`),
   ``reports/index.html`` (:mod:`~sinstats.build.index`) and the final ``reports/manifest.json``
   together, and prints a summary.

A build killed at any point leaves a folder its manifest describes truthfully (or a journal the
next build finishes first); the next plain build rebuilds exactly what differs.

Heavy packages (papermill, nbconvert, Typst, gptables) are imported only when a run or an
export actually happens, so a rebuild with nothing to do starts no kernel and finishes in about a
second. See ``docs/pipeline.md`` for the rules in words.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sinstats import __version__, paths
from sinstats.build import cache, provenance, variants
from sinstats.build._helpers import (
    display_path,
    iso,
    kill_point,
    os_errors_as_output_errors,
    read_json,
    sha256_file,
    utc_now,
)
from sinstats.build.cache import Decision, SharedInputs
from sinstats.build.config import BuildConfig, load_config
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
    Change,
    build_lock,
    commit,
    outputs_of,
    publish_mode,
    recover,
)
from sinstats.build.manifest import Previous, failed_copy_path, manifest_text, read_manifest
from sinstats.build.matrix import Run, plan
from sinstats.build.parameters import parse_parameter_options
from sinstats.build.provenance import GitState
from sinstats.errors import OutputError, ParameterError

if TYPE_CHECKING:  # executing runs (and its kernels) is imported only when a run is executed
    from sinstats.build.execute import Job, RunOutcome

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
    warnings : list of str
        What the build repaired or discarded (an interrupted build, an invalid state file).
    """

    out_dir: Path
    runs: list[dict[str, Any]]
    duration_s: float
    worker_stats: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Entries of the runs that failed."""
        return [r for r in self.runs if r["status"] == FAILED]

    @property
    def disk_full(self) -> list[dict[str, Any]]:
        """Entries of the runs that failed because the disk (or quota) was full."""
        return [r for r in self.failed if _is_disk_full(r.get("error"))]

    @property
    def exit_code(self) -> int:
        """Return the build's exit status.

        0 when every run is ok or up to date and no build step failed; 2 when a run failed for
        a full disk (the user's to fix, like any bad input); else 1.
        """
        if self.disk_full:
            return 2
        return 1 if self.failed or self.errors else 0


STATUSES = (OK, SKIPPED, FAILED)
"""Every status a run can have in the manifest, in the order the summary counts them."""

_DISK_FULL = ("No space left on device", "Disk quota exceeded", "[Errno 28]", "[Errno 122]")


def _is_disk_full(error: Mapping[str, Any] | None) -> bool:
    """Whether a run's error summary is a full disk (or quota) met by the notebook or export."""
    text = f"{(error or {}).get('ename', '')}: {(error or {}).get('evalue', '')}"
    return any(marker in text for marker in _DISK_FULL)


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
    from sinstats.build.execute import Job

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
                "glossary_href": "../../glossary.html",
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


def _data_files_read(run: Run, outcome: RunOutcome) -> dict[str, str | None]:
    """``{path: sha256}`` the run recorded in ``inputs.json`` (data, assumptions and claims files).

    A file the run looked for and did not find (its data folder's own assumptions or claims
    file, whose absence made it read the project's) is keyed with no hash, so that adding it
    rebuilds the run. Paths are shown without following links (a link pointed elsewhere is a
    change). Without a record: every published file and every assumptions and claims file.
    """
    inputs = outcome.inputs or {}
    read = inputs.get("data_files") if isinstance(inputs, dict) else None
    if isinstance(read, dict) and read:
        files: dict[str, str | None] = {
            display_path(p, resolve=False): str(sha) for p, sha in read.items()
        }
        absent = inputs.get("absent_files")
        for p in absent if isinstance(absent, list) else []:
            if isinstance(p, str):
                files.setdefault(display_path(p, resolve=False), None)
        return dict(sorted(files.items()))
    # No record of what was read: depend on every published file and every assumptions and
    # claims file (conservative).
    data = Path(run.parameters["data_dir"])
    every: dict[str, str | None] = {
        display_path(p): sha256_file(p) for p in sorted((data / "published").glob("*.csv"))
    }
    every.update({display_path(p): sha for p, sha in provenance.recorded_files(data).items()})
    return every


def _output_files(staged: Path, run_id: str) -> dict[str, dict[str, Any]]:
    """Return ``{final path: {"sha256", "bytes"}}`` of every output of a staged run folder."""
    return {
        f"{run_id}/{rel.split('/', 1)[1]}": {
            "sha256": sha256_file(staged.parent / rel),
            "bytes": (staged.parent / rel).stat().st_size,
        }
        for rel in outputs_of(staged, staged.parent)
    }


def _run_entry(
    run: Run, outcome: RunOutcome, facts: BuildFacts, hashes: cache.HashCache
) -> dict[str, Any]:
    """Return the manifest entry of an executed run (outputs filled in by the caller).

    The notebook's hash and the checksums in the key are those ``hashes`` took before the run
    executed (:meth:`sinstats.build.cache.HashCache.prime`), not the files as they are now.
    """
    data_files = _data_files_read(run, outcome)
    ok = outcome.status == OK
    return {
        "id": run.id,
        "notebook": run.notebook.name,
        "notebook_sha256": hashes.file(str(run.notebook.path)),
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
        "key": cache.key_of(run, facts.shared, data_files, hashes) if ok else None,
        "outputs": [],
        "output_files": {},
        "key_figures": [],
        "failed_notebook": None,
    }


def _skipped_entry(reason: str, prev: Mapping[str, Any]) -> dict[str, Any]:
    """Return the manifest entry of an up-to-date run: its last good one, marked skipped."""
    good = cache.last_good(prev)
    assert good is not None
    good["status"] = SKIPPED
    good["reason"] = reason
    good["failed_notebook"] = None
    good.pop("last_good", None)
    return good


class _Ledger:
    """The manifest of a build in progress: each finished run is committed with it at once.

    Parameters
    ----------
    out : Path
        The reports folder.
    facts : BuildFacts
        The build's facts.
    prev : Previous
        The checked manifest found on disk.
    build_info : callable
        Returns the manifest's ``build`` section for the given counts and completeness.
    hashes : HashCache, optional
        The build's hashes, primed before any run executed (a new one by default).
    """

    def __init__(
        self,
        out: Path,
        facts: BuildFacts,
        prev: Previous,
        build_info: Callable[[Mapping[str, int], bool], dict[str, Any]],
        hashes: cache.HashCache | None = None,
    ) -> None:
        self.out = out
        self.facts = facts
        self.hashes = hashes if hashes is not None else cache.HashCache()
        self.prev = prev
        self.build_info = build_info
        self.entries: dict[str, dict[str, Any]] = {}
        self.workbooks = dict(prev.workbooks)
        self.non_default: dict[str, dict[str, Any]] = {}
        # Workbooks written while other runs still execute: period -> (key, staged file or
        # None for a period with no table). Not in the manifest until _finish commits them.
        self.prestaged: dict[str, tuple[str, Path | None]] = {}

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for e in self.entries.values() if e["status"] == s) for s in STATUSES}

    def document(self, runs: Sequence[Mapping[str, Any]], complete: bool) -> dict[str, Any]:
        """Return the whole manifest for these run entries."""
        ordered = sorted((dict(e) for e in runs), key=lambda e: (e["period"], e["notebook"]))
        return {
            "schema": MANIFEST_SCHEMA,
            "generator": f"sinstats {__version__}",
            "build": self.build_info(self.counts(), complete),
            "runs": ordered,
            "workbooks": dict(sorted(self.workbooks.items())),
        }

    def on_disk(self) -> list[dict[str, Any]]:
        """Every entry that describes the folder now: this build's where it committed one."""
        merged = {**self.prev.runs, **self.entries}
        return list(merged.values())

    def land(self, run: Run, outcome: RunOutcome, reason: str) -> dict[str, Any]:
        """Commit one executed run (its outputs, or its failed copy) with the manifest."""
        out = self.out
        tmp = Path(outcome.tmp_dir)
        entry = _run_entry(run, outcome, self.facts, self.hashes)
        entry["reason"] = reason
        entry["non_default"] = self.non_default.get(run.id, {})
        failed_copy = failed_copy_path(run.period.id, run.notebook.name)
        moves: list[tuple[str, str]] = []
        removals = [failed_copy] if (out / failed_copy).exists() else []
        if outcome.status == OK:
            with os_errors_as_output_errors(f"preparing the outputs of {run.id}", tmp):
                publish_mode(tmp)
                entry["key_figures"] = key_figures(tmp)
                entry["output_files"] = _output_files(tmp, run.id)
            entry["outputs"] = sorted(entry["output_files"])
            moves.append((tmp.relative_to(out).as_posix(), run.id))
        else:
            executed = tmp / outcome.executed_name
            # Kept for diagnosis only when whole: a disk that filled up mid-write leaves a stub.
            if executed.is_file() and isinstance(read_json(executed), dict):
                moves.append((executed.relative_to(out).as_posix(), failed_copy))
                removals = []
                entry["failed_notebook"] = failed_copy
            good = cache.last_good(self.prev.runs.get(run.id))
            if good is not None:
                good.pop("last_good", None)
                good["failed_notebook"] = None
                entry["outputs"] = list(good.get("outputs", []))
                entry["output_files"] = dict(good.get("output_files") or {})
            entry["last_good"] = good
        self.entries[run.id] = entry
        doc = self.document(self.on_disk(), complete=False)
        commit(out, Change(manifest=manifest_text(doc), moves=moves, removals=removals))
        shutil.rmtree(tmp, ignore_errors=True)
        kill_point("run-landed")
        return entry


def _by_period(entries: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Return the entries with a good build, by period, in the order given."""
    by_period: dict[str, list[Mapping[str, Any]]] = {}
    for e in entries:
        if cache.last_good(e) is not None:
            by_period.setdefault(str(e["period"]), []).append(e)
    return by_period


def _workbook_up_to_date(ledger: _Ledger, period_id: str, key: str) -> bool:
    """Return True if the period's ``tables.xlsx`` on disk is the one recorded for ``key``."""
    record = ledger.workbooks.get(period_id)
    target = ledger.out / period_id / "tables.xlsx"
    return (
        record is not None
        and record.get("key") == key
        and target.is_file()
        and sha256_file(target) == record.get("sha256")
    )


def _staged_workbook(out: Path, period_id: str) -> Path:
    return out / TMP_NAME / "stage" / period_id / "tables.xlsx"


def _prestage_workbook(
    ledger: _Ledger, period_id: str, period_entries: Sequence[Mapping[str, Any]]
) -> None:
    """Write a period's ``tables.xlsx`` to the staging folder as soon as its runs have landed.

    The main process waits while the workers run; a period whose runs have all landed has its
    final tables, so its workbook is written then rather than after the last run (issue 19:
    the eleven workbooks of a full build took about 2 s after the runs). :func:`_workbook_moves`
    takes the staged file when its key is still the period's (it always is: nothing else
    changes a landed period's entries), and commits it with the manifest as before. Any
    failure here is left for :func:`_workbook_moves`, which writes the workbook again and
    reports its error.
    """
    from sinstats.build.workbook import workbook_key, write_workbook

    try:
        key = workbook_key(period_id, period_entries)
        if _workbook_up_to_date(ledger, period_id, key):
            return
        staged = _staged_workbook(ledger.out, period_id)
        staged.parent.mkdir(parents=True, exist_ok=True)
        written = write_workbook(
            ledger.out, period_id, period_entries, ledger.facts.report_meta(), target=staged
        )
    except Exception:  # written again, and reported, at the end of the build
        return
    ledger.prestaged[period_id] = (key, written)


def _workbook_moves(
    ledger: _Ledger, entries: Sequence[Mapping[str, Any]], errors: list[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Stage every ``tables.xlsx`` that does not match its runs' tables; return moves, removals."""
    from sinstats.build.workbook import workbook_key, write_workbook

    out = ledger.out
    moves: list[tuple[str, str]] = []
    removals: list[str] = []
    by_period = _by_period(entries)
    for period_id in sorted(set(by_period) | set(ledger.workbooks)):
        rel = f"{period_id}/tables.xlsx"
        period_entries = by_period.get(period_id, [])
        key = workbook_key(period_id, period_entries)
        target = out / rel
        if _workbook_up_to_date(ledger, period_id, key):
            continue
        staged = _staged_workbook(out, period_id)
        early = ledger.prestaged.get(period_id)
        try:
            if early is not None and early[0] == key and (early[1] is None or staged.is_file()):
                written = early[1]
            else:
                with os_errors_as_output_errors(f"writing {rel}", staged):
                    staged.parent.mkdir(parents=True, exist_ok=True)
                    written = write_workbook(
                        out, period_id, period_entries, ledger.facts.report_meta(), target=staged
                    )
        except OutputError:
            raise
        except Exception as err:
            errors.append(f"tables.xlsx for {period_id}: {type(err).__name__}: {err}")
            continue
        if written is None:
            ledger.workbooks.pop(period_id, None)
            if target.exists():
                removals.append(rel)
            continue
        ledger.workbooks[period_id] = {"key": key, "sha256": sha256_file(staged)}
        moves.append((staged.relative_to(out).as_posix(), rel))
    kill_point("workbooks-staged")
    return moves, removals


def _finish(ledger: _Ledger, all_entries: list[dict[str, Any]], stale: list[str]) -> list[str]:
    """Commit the workbooks, the index and the final manifest together; return build errors."""
    from sinstats.build.index import index_key, index_record, index_up_to_date, write_index

    out = ledger.out
    errors: list[str] = []
    moves, removals = _workbook_moves(ledger, all_entries, errors)
    removals += [rel for rel in stale if (out / rel).exists()]
    doc = ledger.document(all_entries, complete=True)
    staged_index = out / TMP_NAME / "stage" / INDEX_NAME
    shared = ledger.facts.shared
    try:
        key = index_key(out, doc, library=shared.library_sha, packages=shared.packages)
        if index_up_to_date(out, ledger.prev.index, key):
            # Nothing the pages show changed, and they are the pages recorded: left as they are.
            doc["index"] = dict(ledger.prev.index or {})
        else:
            with os_errors_as_output_errors(f"writing {INDEX_NAME}", staged_index):
                staged_index.parent.mkdir(parents=True, exist_ok=True)
                write_index(out, doc, target=staged_index)
            doc["index"] = index_record(out, staged_index, key)
            moves.append((staged_index.relative_to(out).as_posix(), INDEX_NAME))
    except OutputError:
        raise
    except Exception as err:
        errors.append(f"index.html: {type(err).__name__}: {err}")
    kill_point("index-staged")
    commit(out, Change(manifest=manifest_text(doc), moves=moves, removals=removals))
    kill_point("build-committed")
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
    log = stream if stream is not None else sys.stderr
    per_run, changed = _non_default(config, data, out, years, notebooks, parameters)
    variant_root: Path | None = None
    if changed and out == paths.reports_dir():
        # Never over the default reports: a build with other parameters gets its own folder.
        variant_root = out
        out = out / variants.VARIANTS_NAME / variants.variant_name(changed)
        listed = ", ".join(f"{k}={v}" for k, v in changed.items())
        print(
            f"parameters other than the defaults ({listed}): the reports go to "
            f"{display_path(out)}; the default reports are left as they are",
            file=log,
        )
    if out.exists() and not out.is_dir():
        raise OutputError(
            "the reports folder must be a folder, but this is a file; choose a folder with --out",
            path=out,
        )
    when, from_sde = provenance.build_time()
    warnings: list[str] = []

    def warn(line: str) -> None:
        warnings.append(line)
        print(line, file=log, flush=True)

    plan_runs = functools.partial(
        plan,
        config,
        data_dir=data,
        years=years,
        notebooks=notebooks,
        parameters=parameters,
        cache_dir=out / CACHE_NAME,
        warn=warn,
    )
    if dry_run:
        shared = SharedInputs.current(data)
        runs = plan_runs(save_cache=False, memo=_memo_inputs(shared))
        prev = read_manifest(out)
        for note in prev.notes:
            warn(note)
        decisions = cache.decide(runs, prev.runs, out, shared, force)
        _print_plan(runs, decisions, config, stream if stream is not None else sys.stdout)
        return BuildResult(
            out_dir=out, runs=[], duration_s=time.perf_counter() - t_start, warnings=warnings
        )

    with build_lock(out, wait):
        for note in recover(out):
            warn(note)
        _repair_releases(data, warn)
        shared = SharedInputs.current(data)
        runs = plan_runs(memo=_memo_inputs(shared))
        prev = read_manifest(out)
        for note in prev.notes:
            warn(note)
        if not prev.complete:
            warn("the previous build was interrupted; what it did not finish is rebuilt now")
        # The notebooks and checksums are hashed now, before any run executes, and each run is
        # committed with these hashes (an edit during the build is rebuilt by the next one).
        hashes = cache.HashCache()
        hashes.prime(runs)
        decisions = cache.decide(runs, prev.runs, out, shared, force, hashes)
        facts = BuildFacts(shared=shared, git=provenance.git_state(), when=when, from_sde=from_sde)

        def build_info(counts: Mapping[str, int], complete: bool) -> dict[str, Any]:
            return {
                "started": iso(started_at),
                "finished": iso(utc_now()),
                "complete": complete,
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
                "counts": dict(counts),
                "non_default": changed,
            }

        ledger = _Ledger(out, facts, prev, build_info, hashes)
        ledger.non_default = per_run
        to_run = [(run, d.reason) for run, d in zip(runs, decisions, strict=True) if not d.skip]
        stale_failed: list[str] = []
        for run, d in zip(runs, decisions, strict=True):
            if d.skip:
                ledger.entries[run.id] = _skipped_entry(d.reason, prev.runs[run.id])
                ledger.entries[run.id]["non_default"] = per_run.get(run.id, {})
                if (
                    prev.runs[run.id].get("status") == FAILED
                ):  # an earlier failure no longer applies
                    stale_failed.append(failed_copy_path(run.period.id, run.notebook.name))
        worker_stats: dict[str, dict[str, float]] = {}
        _print_to_build(to_run, len(runs), log)
        selected = {run.id for run in runs}
        keep_others = bool(years or notebooks)

        def entries_now() -> list[dict[str, Any]]:
            """Every entry the manifest will hold, as landed so far, in the report order."""
            kept = [dict(e) for rid, e in prev.runs.items() if rid not in selected and keep_others]
            kept.extend(ledger.entries.values())
            kept.sort(key=lambda e: (e["period"], e["notebook"]))
            return kept

        if to_run:
            by_id = {run.id: (run, reason) for run, reason in to_run}
            pending = Counter(run.period.id for run, _ in to_run)

            def finished(outcome: RunOutcome) -> None:
                run, reason = by_id[outcome.id]
                worker_stats[run.id] = {
                    "peak_rss_kernel_mb": float(outcome.peak_rss_kernel_mb),
                    "peak_rss_worker_mb": float(outcome.peak_rss_worker_mb),
                    "duration_s": float(outcome.duration_s),
                    **outcome.stages,
                }
                ledger.land(run, outcome, reason)
                pending[run.period.id] -= 1
                if pending[run.period.id] == 0:
                    period_entries = _by_period(entries_now()).get(run.period.id, [])
                    _prestage_workbook(ledger, run.period.id, period_entries)

            with os_errors_as_output_errors("preparing the runs", out / TMP_NAME):
                job_list = _jobs([run for run, _ in to_run], facts, out)
            from sinstats.build import execute
            from sinstats.build.schedule import previous_durations

            execute.execute_all(
                job_list,
                n_jobs,
                progress,
                log,
                on_finished=finished,
                previous=previous_durations(prev.runs),
            )
        # The manifest keeps runs outside this selection as they were; a full build drops runs
        # that are no longer in the matrix (their folders stay on disk).
        all_entries = entries_now()
        errors = _finish(ledger, all_entries, stale_failed)
        shutil.rmtree(out / TMP_NAME, ignore_errors=True)
    if variant_root is not None:
        errors.extend(_list_variant_in_default_index(variant_root, wait))
    result = BuildResult(
        out_dir=out,
        runs=[ledger.entries[run.id] for run in runs],
        duration_s=time.perf_counter() - t_start,
        worker_stats=worker_stats,
        errors=errors,
        warnings=warnings,
    )
    _print_summary(result, stream if stream is not None else sys.stdout)
    return result


def _memo_inputs(shared: SharedInputs) -> dict[str, Any]:
    """Return the build's shared inputs that enter the plan memo's key (``matrix.plan_key``)."""
    return {"library": shared.library_sha, "packages": shared.packages}


def _non_default(
    config: BuildConfig,
    data: Path,
    out: Path,
    years: Sequence[str] | None,
    notebooks: Sequence[str] | None,
    parameters: Mapping[str, str] | None,
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Return each run's parameters that differ from ``reports.yml``'s, and all of them."""
    if not parameters:
        return {}, {}
    select = functools.partial(
        plan,
        config,
        data_dir=data,
        years=years,
        notebooks=notebooks,
        save_cache=False,
        cache_dir=out / CACHE_NAME,
    )
    return variants.changed_parameters(select(parameters=parameters), select())


def _list_variant_in_default_index(root: Path, wait: float) -> list[str]:
    """Rewrite the default reports' index so that it lists the variants; return any problem."""
    from sinstats.build.index import write_index

    try:
        with build_lock(root, wait):
            prev = read_manifest(root)  # checked, as every state file the build wrote
            if not prev.runs:
                return []  # no default build yet: its first index will list the variants
            loaded = read_json(root / MANIFEST_NAME)
            build = loaded.get("build") if isinstance(loaded, dict) else None
            doc = {
                "build": build if isinstance(build, dict) else {},
                "runs": sorted(prev.runs.values(), key=lambda e: (e["period"], e["notebook"])),
                "workbooks": dict(prev.workbooks),
            }
            write_index(root, doc)
    except Exception as err:
        return [f"{display_path(root / INDEX_NAME)} (listing the variant): {err}"]
    return []


def _print_to_build(to_run: Sequence[tuple[Run, str]], total: int, stream: IO[str]) -> None:
    """Print which runs will execute and why (the rest are up to date), before any kernel."""
    if not to_run:
        print(f"all {total} run(s) up to date", file=stream, flush=True)
        return
    print(f"{len(to_run)} of {total} run(s) to build:", file=stream)
    for run, reason in to_run:
        print(f"  {run.id:<45} {reason}", file=stream)
    stream.flush()


def _repair_releases(data: Path, warn: Callable[[str], None]) -> None:
    """Restore or clean what an interrupted ``sinstats fetch`` left in ``<data>/raw/``.

    What a fetch leaves (a work folder ``.fetch-*``, a release moved aside
    ``.<release>.previous-*``) is always a hidden entry of ``raw/``; without one there is nothing
    to repair, and the official data package (and pandas) is not imported.
    """
    raw = paths.raw_dir(data)
    with contextlib.suppress(OSError):
        if not any(entry.name.startswith(".") for entry in os.scandir(raw)):
            return
    from sinstats.data.official import repair_interrupted_fetches

    for note in repair_interrupted_fetches(data):
        warn(note)


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
            from sinstats.build.execute import one_line_error

            note = one_line_error(r["error"])
            if r.get("failed_notebook"):
                note += f" [executed copy: {r['failed_notebook']}]"
        else:  # why it was built, or "up to date"
            note = r.get("reason") or ""
        print(f"{r['id']:<{width}}  {r['status']:<8} {secs:>8}  {note}", file=stream)
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES}
    print(
        f"built {counts[OK]}, up to date {counts[SKIPPED]}, failed {counts[FAILED]} "
        f"in {result.duration_s:.1f} s; reports in {result.out_dir} "
        f"({INDEX_NAME}, {MANIFEST_NAME})",
        file=stream,
    )
    for err in result.errors:
        print(f"build step failed: {err}", file=stream)
