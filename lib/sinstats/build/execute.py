"""Executing runs: papermill in worker processes, each run in its own temporary folder.

:func:`execute_all` runs a list of :class:`Job` records, one after another in this process or in
a pool of ``spawn`` worker processes, printing one line per finished run; each worker calls
:func:`execute_run`, which executes the notebook with papermill (one fresh kernel) and exports its
reports (:func:`sinstats.build.export.export_run`). What comes back is a :class:`RunOutcome`.
Nothing here moves outputs into the reports folder: that is :mod:`sinstats.build.pipeline`'s job
once a run has succeeded.

No process outlives its build. Each worker asks the kernel to kill it when the build process dies
(``PR_SET_PDEATHSIG`` through ``prctl`` on Linux; a watchdog thread watching the parent elsewhere),
so a build killed with SIGKILL takes its workers with it; each kernel's own parent poller
(ipykernel, from ``JPY_PARENT_PID``, which jupyter_client sets) ends the kernel within a second of
its worker. A build stopped by an exception or a handled signal kills its workers at once.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sinstats import paths
from sinstats.build import kernels
from sinstats.build._helpers import iso, kill_point, utc_now
from sinstats.build.folder import FAILED, OK
from sinstats.build.progress import Progress

if TYPE_CHECKING:
    from sinstats.build.schedule import RunQueue

KERNEL_NAME = "python3"
"""The kernel every run uses: the venv's own ``python3`` kernel (jupyter_client starts it with
``sys.executable`` of the worker, i.e. the interpreter that runs ``sinstats``)."""

KERNEL_ARGUMENTS: tuple[str, ...] = (
    # Vector figures inline (crisp in print); SVG first, PNG as the fallback for viewers.
    "--InlineBackend.figure_formats=svg",
    "--InlineBackend.figure_formats=png",
    # No "running over TCP without encryption" warning on every run's console.
    "--IPKernelApp.log_level=ERROR",
    # Parallel kernels would otherwise contend for one IPython history database.
    "--HistoryManager.enabled=False",
)

_KERNEL_DIED = "Kernel died before replying to kernel_info"


@dataclass(frozen=True)
class Job:
    """One run as handed to a worker process (picklable).

    Parameters
    ----------
    id : str
        The run id, ``<period>/<notebook>``.
    notebook : str
        Path of the notebook to execute.
    tmp_dir : str
        The run's temporary folder (its ``output_dir``).
    executed_name : str
        File name of the executed notebook inside ``tmp_dir``.
    parameters : dict
        Papermill parameters except ``output_dir``.
    timeout : int
        Seconds allowed per cell.
    report : dict
        Report metadata for :func:`sinstats.build.export.export_run`.
    """

    id: str
    notebook: str
    tmp_dir: str
    executed_name: str
    parameters: dict[str, Any]
    timeout: int
    report: dict[str, Any]


@dataclass
class RunOutcome:
    """What executing one :class:`Job` gave.

    Parameters
    ----------
    id : str
        The run id.
    status : str
        ``"ok"`` or ``"failed"``.
    error : dict or None
        :func:`error_summary` of what failed (kept in the manifest as is).
    inputs : dict or None
        The run's ``inputs.json`` (None when the notebook did not get that far).
    tmp_dir, executed_name : str
        From the job: where the run's files are.
    started, finished : str
        ISO times.
    duration_s : float
        Seconds the run took.
    peak_rss_kernel_mb, peak_rss_worker_mb : float
        Peak resident memory of the kernel and of the worker process.
    kernel_note : str
        Why the run's kernel started cold although warm kernels were asked for ("" otherwise).
    stages : dict
        Seconds per stage of the run, for the build's budget (``make bench``):
        ``kernel_start_s`` (from asking for a kernel to its first cell starting),
        ``cells_s`` (the cells' own durations, as papermill records them), ``html_s``,
        ``pdf_s`` (the two exports).
    """

    id: str
    status: str
    error: dict[str, Any] | None
    inputs: dict[str, Any] | None
    tmp_dir: str
    executed_name: str
    started: str
    finished: str
    duration_s: float = 0.0
    peak_rss_kernel_mb: float = 0.0
    peak_rss_worker_mb: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    kernel_note: str = ""

    @classmethod
    def of(
        cls,
        job: Job,
        status: str,
        error: dict[str, Any] | None,
        inputs: dict[str, Any] | None,
        times: tuple[str, str],
        *,
        duration_s: float = 0.0,
        peak_rss_kernel_mb: float = 0.0,
        peak_rss_worker_mb: float = 0.0,
        stages: dict[str, float] | None = None,
    ) -> RunOutcome:
        """Return the outcome of ``job``.

        Parameters
        ----------
        job : Job
            The job whose id and folder the outcome copies.
        status : str
            ``"ok"`` or ``"failed"``.
        error, inputs : dict or None
            As in :class:`RunOutcome`.
        times : tuple of str
            Start and end, ISO.
        duration_s, peak_rss_kernel_mb, peak_rss_worker_mb : float
            The measurements (0 when not measured).
        stages : dict, optional
            Seconds per stage (see :class:`RunOutcome`).

        Returns
        -------
        RunOutcome
            The record.
        """
        started, finished = times
        return cls(
            job.id,
            status,
            error,
            inputs,
            job.tmp_dir,
            job.executed_name,
            started,
            finished,
            duration_s,
            peak_rss_kernel_mb,
            peak_rss_worker_mb,
            dict(stages or {}),
        )


def kernel_environment() -> dict[str, str]:
    """Return the environment settings every kernel inherits, for deterministic output.

    Returns
    -------
    dict
        Hash seed, the inline matplotlib backend with the project's ``matplotlibrc``, UTC, and
        ``SOURCE_DATE_EPOCH`` when this process has it.
    """
    env = {
        "PYTHONHASHSEED": "0",
        # The kernel's own headless backend, so that charts are also displayed inline (for the
        # HTML and PDF); plain "Agg" would silently drop every inline figure.
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MATPLOTLIBRC": str(paths.MATPLOTLIBRC),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "TZ": "UTC",
        # One BLAS/OpenMP thread per kernel: the build already runs one kernel per core, the
        # numbers then do not depend on the machine's core count, and a kernel's template can
        # fork (no thread exists before the fork; see sinstats.build.kernels).
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if "SOURCE_DATE_EPOCH" in os.environ:
        env["SOURCE_DATE_EPOCH"] = os.environ["SOURCE_DATE_EPOCH"]
    return env


def _high_water_rss(pid: int) -> int | None:
    """Return the largest resident size ``pid`` has had (Linux's ``VmHWM``), in bytes, or None.

    The kernel keeps this peak itself, so it holds the highest point between two samples as
    well; None where ``/proc`` is not there or the process has gone.
    """
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        return None
    return None


class _MemorySampler:
    """Peak resident memory of the kernel: the largest of this process's children, every 0.2 s.

    ``exclude`` names processes not counted (a warm kernel's template, whose memory the kernel
    shares; the kernel, its child, is counted). Each process's peak is its high-water mark
    (:func:`_high_water_rss`) where the system keeps one, so a peak that comes and goes
    between two looks is still seen; elsewhere its resident size at each look. The peak is
    that of the largest process, not a sum: a process the worker or the kernel forks to start
    a program holds the memory of the one it was forked from until it execs, and a look in
    that moment would count those pages twice (the build's total is measured apart, as PSS).
    """

    def __init__(self, exclude: frozenset[int] = frozenset()) -> None:
        self.peak = 0
        self.exclude = exclude
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _MemorySampler:
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil comes with ipykernel
            return self
        me = psutil.Process()

        def sample() -> None:
            while not self._stop.is_set():
                with contextlib.suppress(Exception):
                    for child in me.children(recursive=True):
                        if child.pid in self.exclude:
                            continue
                        with contextlib.suppress(Exception):
                            rss = child.memory_info().rss
                            peak = max(rss, _high_water_rss(child.pid) or 0)
                            self.peak = max(self.peak, peak)
                self._stop.wait(0.2)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)


def error_summary(err: BaseException, stage: str = "execute") -> dict[str, Any]:
    """Summarise an execution error: the failing cell, its exception name and message.

    Parameters
    ----------
    err : BaseException
        papermill's ``PapermillExecutionError`` (with the cell's ``ename``/``evalue``) or any
        other exception.
    stage : str
        ``"execute"``, ``"export"`` or ``"worker"``.

    Returns
    -------
    dict
        ``stage``, ``cell`` (execution count), ``cell_index``, ``cell_source`` (its first line),
        ``ename`` and ``evalue`` (at most 2,000 characters), as the manifest keeps them.
    """
    ename = getattr(err, "ename", None)
    if ename is not None:
        source = str(getattr(err, "source", "") or "")
        first = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
        return {
            "stage": stage,
            "cell": getattr(err, "exec_count", None),
            "cell_index": getattr(err, "cell_index", None),
            "cell_source": first[:200],
            "ename": str(ename),
            "evalue": str(getattr(err, "evalue", ""))[:2000],
        }
    return {
        "stage": stage,
        "cell": None,
        "cell_index": None,
        "cell_source": "",
        "ename": type(err).__name__,
        "evalue": str(err)[:2000],
    }


def one_line_error(error: Mapping[str, Any]) -> str:
    """Return an :func:`error_summary` as one console line (the message cut at 300 characters).

    Parameters
    ----------
    error : mapping
        The summary.

    Returns
    -------
    str
        ``"cell 4: ValueError: ..."``, ``"export: OSError: ..."`` or ``"RuntimeError: ..."``.
    """
    where = f"cell {error['cell']}: " if error.get("cell") is not None else ""
    if error.get("stage") == "export":
        where = "export: "
    evalue = " ".join(str(error.get("evalue", "")).split())
    if len(evalue) > 300:
        evalue = evalue[:297] + "..."
    return f"{where}{error.get('ename', 'Error')}: {evalue}"


ENGINE_NAME = "sinstats"
"""The papermill engine the build registers (:func:`engine_name`)."""


@functools.cache
def engine_name() -> str:
    """Register the build's papermill engine once; return its name.

    It is papermill's nbclient engine, except that the notebook is not written after every
    cell. papermill writes the whole executed notebook (figures included) when each cell
    starts and when it completes, about 30 times a run and a tenth of a second of a worker's
    time (issue 19). It still writes it when execution starts and, through
    ``notebook_complete``, when it ends, whether the notebook ran to the end or a cell failed,
    the kernel died or a cell timed out (papermill calls it in a ``finally``). So the executed
    notebook on disk is the same as with papermill's own engine, in every case the build
    reads it; only the copies in between are not written.

    Returns
    -------
    str
        :data:`ENGINE_NAME`.
    """
    from papermill.engines import NBClientEngine, papermill_engines

    class _Engine(NBClientEngine):  # type: ignore[misc]
        @classmethod
        def execute_managed_notebook(  # type: ignore[no-untyped-def]
            cls, nb_man, kernel_name, **kwargs
        ):
            path = nb_man.output_path
            nb_man.output_path = None  # cell_start and cell_complete save nothing
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:
                nb_man.output_path = path  # notebook_complete, next, writes the notebook

    papermill_engines.register(ENGINE_NAME, _Engine)
    return ENGINE_NAME


def _papermill(job: Job, executed: Path, params: dict[str, Any], warm: bool = False) -> None:
    """Execute the job's notebook, retrying once the known kernel launch race.

    With ``warm``, the kernel is forked by this process's template
    (:func:`sinstats.build.kernels.warm_kernel_manager_class`), or started cold if the
    template cannot serve it; otherwise it is a new interpreter
    (:func:`sinstats.build.kernels.cold_kernel_manager_class`). Both paths use the client of
    :func:`sinstats.build.kernels.ready_client_class`.
    """
    import papermill

    manager = kernels.manager_for_run(
        kernels.warm_kernel_manager_class() if warm else kernels.cold_kernel_manager_class(),
        job.tmp_dir,
    )
    for attempt in (1, 2):
        try:
            papermill.execute_notebook(
                job.notebook,
                str(executed),
                parameters=params,
                kernel_name=KERNEL_NAME,
                engine_name=engine_name(),
                cwd=job.tmp_dir,
                execution_timeout=job.timeout,
                start_timeout=120,
                progress_bar=False,
                log_output=False,
                shutdown_kernel="immediate",
                extra_arguments=list(KERNEL_ARGUMENTS),
                kernel_manager_class=manager,
            )
            return
        except Exception as err:
            if attempt == 1 and _KERNEL_DIED in str(err):
                continue
            raise


def execute_run(job: Job) -> RunOutcome:
    """Execute one run and export its reports, inside ``job.tmp_dir`` (a worker task).

    Parameters
    ----------
    job : Job
        The run, as :func:`execute_all` hands it to a worker.

    Returns
    -------
    RunOutcome
        ``ok`` when the notebook ran and its HTML and PDF were written; otherwise ``failed`` with
        the summary of the error (stage ``execute`` or ``export``, the latter with a traceback).
        Exceptions are caught and reported, never raised.
    """
    import resource

    started = utc_now()
    t0 = time.perf_counter()
    tmp = Path(job.tmp_dir)
    executed = tmp / job.executed_name
    params = {**job.parameters, "output_dir": str(tmp)}
    status, error, inputs = FAILED, None, None
    sampler = _MemorySampler()
    stages: dict[str, float] = {}
    note = ""
    warm = kernels.kernel_mode() == "warm"
    if warm:
        process = kernels.template(cwd=runs_folder_of(job)).process
        sampler.exclude = frozenset({process.pid} if process is not None else ())
    try:
        asked = time.time()
        cold_before = len(kernels.fallbacks())
        try:
            with sampler:
                _papermill(job, executed, params, warm=warm)
        finally:
            stages["warm_kernel"] = float(warm and len(kernels.fallbacks()) == cold_before)
            if warm and stages["warm_kernel"] == 0.0:
                note = "; ".join(kernels.fallbacks()[cold_before:])[:300]
        stages.update(cell_stages(executed, asked))
        # A broken inputs.json fails the run (json raises), as any other error would.
        inputs_path = tmp / "inputs.json"
        loaded = (
            json.loads(inputs_path.read_text(encoding="utf-8")) if inputs_path.is_file() else {}
        )
        inputs = loaded if isinstance(loaded, dict) else {}
        try:
            from sinstats.build.export import export_run

            export_run(tmp, executed, job.report, inputs, timings=stages)
        except Exception as err:
            error = error_summary(err, stage="export")
            error["traceback"] = traceback.format_exc(limit=8)[-4000:]
        else:
            status = OK
    except Exception as err:
        error = error_summary(err)
    outcome = RunOutcome.of(
        job,
        status,
        error,
        inputs,
        (iso(started), iso(utc_now())),
        duration_s=round(time.perf_counter() - t0, 3),
        peak_rss_kernel_mb=round(sampler.peak / 2**20, 1),
        peak_rss_worker_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        stages=stages,
    )
    outcome.kernel_note = note
    return outcome


def cell_stages(executed: Path, asked: float) -> dict[str, float]:
    """Return a run's kernel start-up and cell seconds from papermill's records in the notebook.

    Parameters
    ----------
    executed : Path
        The executed notebook (papermill writes ``metadata.papermill.start_time`` and
        ``duration`` on every cell it runs).
    asked : float
        When the run asked papermill for its kernel (``time.time()``).

    Returns
    -------
    dict
        ``kernel_start_s``: from ``asked`` to the first cell's start (starting the kernel,
        connecting to it, papermill's own preparation); ``cells_s``: the sum of the cells'
        durations. Empty when the notebook has no such records (nothing is guessed).
    """
    import datetime as dt

    try:
        nb = json.loads(executed.read_text(encoding="utf-8"))
        records = [c.get("metadata", {}).get("papermill", {}) for c in nb.get("cells", [])]
        starts = [r["start_time"] for r in records if r.get("start_time")]
        durations = [float(r["duration"]) for r in records if r.get("duration") is not None]
        if not starts:
            return {}
        first = dt.datetime.fromisoformat(min(starts))
        if first.tzinfo is None:  # papermill writes UTC without an offset
            first = first.replace(tzinfo=dt.UTC)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return {
        "kernel_start_s": round(max(first.timestamp() - asked, 0.0), 3),
        "cells_s": round(sum(durations), 3),
    }


_PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal this process gets when its parent dies (Linux)."""


def die_with_parent(parent_pid: int) -> str:
    """Make this process end when the process ``parent_pid`` (its parent) ends, however it ends.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``), which
    also covers a parent killed with SIGKILL; elsewhere a daemon thread checks the parent every
    0.2 s. If the parent is already gone, the process exits at once.

    Parameters
    ----------
    parent_pid : int
        The build process.

    Returns
    -------
    str
        ``"prctl"`` or ``"watchdog"``: how the process is tied to its parent.
    """
    how = "watchdog"
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                how = "prctl"
    if os.getppid() != parent_pid:  # the parent died before the tie was made
        os._exit(1)
    if how == "watchdog":

        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(0.2)
            os._exit(1)

        threading.Thread(target=watch, name="sinstats-parent-watchdog", daemon=True).start()
    return how


def runs_folder_of(job: Job) -> str:
    """Return the folder that holds a job's run folder (the build's temporary folder)."""
    return os.path.dirname(os.path.normpath(job.tmp_dir))


def _worker_init(env: dict[str, str], parent_pid: int, runs_folder: str | None = None) -> None:
    """Prepare a worker process: tied to the build, the kernels' environment, few imports."""
    die_with_parent(parent_pid)
    os.environ.update(env)
    if kernels.kernel_mode() == "warm":
        # Start importing now, while the worker imports papermill (a template that cannot
        # start says so to each run, which then starts cold).
        kernels.template(cwd=runs_folder)
    # jsonschema (imported by nbformat) imports rfc3987_syntax when it is installed, which
    # compiles a grammar for 1.5 s of CPU; workers never check IRI formats, so skip it.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    atexit.register(_exit_without_teardown)


def _exit_without_teardown() -> None:
    """End a worker at once when the pool lets it go (its last ``atexit`` step).

    By then the worker has sent its last result and multiprocessing has flushed its queues and
    run its own exit steps (``Process._bootstrap``); what is left is the interpreter's teardown
    of every module the exports imported (nbconvert, Typst, papermill), which took 0.7 s
    of a quiet core per worker and delayed the end of every build by as much (issue 19). Only
    the standard streams hold anything unwritten. The exit status is 0, as the pool's worker
    loop returns 0 after its last job whether or not a run failed; the build learns of a run's
    failure from its result, and of a worker's death from the pool.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(0)


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for kernels started in this process, then restore them."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _worker_failed(job: Job, err: BaseException) -> RunOutcome:
    """Return the outcome of a job whose worker process died or could not take it."""
    error = error_summary(err, stage="worker")
    error["evalue"] = f"the worker process failed: {err}"
    now = iso(utc_now())
    return RunOutcome.of(job, FAILED, error, None, (now, now))


def _own_seconds(outcome: RunOutcome) -> float:
    """Return a run's seconds without its kernel's wait (a first run waits for its template)."""
    return outcome.duration_s - outcome.stages.get("kernel_start_s", 0.0)


def _execute_pool(
    jobs: Sequence[Job],
    workers: int,
    env: dict[str, str],
    finished: Callable[[RunOutcome], None],
    previous: Mapping[str, float] | None = None,
) -> None:
    """Execute the jobs in ``workers`` processes, handing out the longest expected run first.

    One run more than there are workers is queued at any time (so that a worker that finishes
    starts its next run while this process commits the last one); each is picked from
    :class:`~sinstats.build.schedule.RunQueue` when it is queued, by the durations known then.

    Notes
    -----
    When a worker process dies (killed, out of memory, a crash in native code), Python's pool
    is broken: every run it had been handed fails, as a ``worker`` error naming the cause, and
    it takes no more. The runs it had not been handed then start in a fresh pool, so one
    worker's death fails the runs that were in that pool, not the rest of the build. Each pool
    finishes at least the first run it is handed, so this ends.
    """
    from sinstats.build.schedule import RunQueue

    queue = RunQueue(jobs, previous)
    refused: list[Job] = []  # taken from the queue, but a broken pool would not take it
    runs_folder = runs_folder_of(jobs[0]) if jobs else None
    while refused or len(queue):
        _one_pool(queue, refused, workers, env, finished, runs_folder)


def _one_pool(
    queue: RunQueue[Job],
    refused: list[Job],
    workers: int,
    env: dict[str, str],
    finished: Callable[[RunOutcome], None],
    runs_folder: str | None = None,
) -> None:
    """Execute runs from ``queue`` in one pool until it is empty or the pool is broken.

    A run the broken pool refused is left in ``refused`` (for the next pool, first).
    """
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=ctx,
        initializer=_worker_init,
        initargs=(env, os.getpid(), runs_folder),
    ) as pool:
        futures: dict[Future[RunOutcome], Job] = {}

        def top_up() -> None:
            while len(futures) <= workers:
                job = refused.pop() if refused else queue.next()
                if job is None:
                    return
                try:
                    futures[pool.submit(execute_run, job)] = job
                except BrokenProcessPool:
                    refused.append(job)
                    return

        try:
            top_up()
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                outcomes = []
                for fut in done:
                    job = futures.pop(fut)
                    try:
                        outcome = fut.result()
                    except (BrokenProcessPool, Exception) as err:
                        outcome = _worker_failed(job, err)
                    else:
                        if outcome.status == OK:
                            queue.record(job.id, _own_seconds(outcome))
                    outcomes.append(outcome)
                top_up()  # before committing: the workers go on meanwhile
                for outcome in sorted(outcomes, key=lambda o: o.id):
                    finished(outcome)
        except BaseException:
            # Ctrl-C, a handled SIGTERM, or an error committing a run: no queued run may start,
            # and no worker (or its kernel) may go on writing into the reports folder.
            _stop_workers(pool)
            raise


def _stop_workers(pool: Any) -> None:
    """Kill a pool's worker processes and cancel what is queued (their kernels follow)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=5)


def execute_all(
    jobs: Sequence[Job],
    n_jobs: int,
    progress: bool,
    log: IO[str],
    on_finished: Callable[[RunOutcome], None] | None = None,
    previous: Mapping[str, float] | None = None,
) -> dict[str, RunOutcome]:
    """Execute the jobs (in parallel when ``n_jobs`` > 1), one console line per finished run.

    Parameters
    ----------
    jobs : sequence of Job
        The runs to execute, their temporary folders already made.
    n_jobs : int
        Worker processes; with 1 (or a single job) the runs execute one after another in this
        process.
    progress : bool
        Show the live progress bar when ``log`` is a terminal
        (:class:`~sinstats.build.progress.Progress`); elsewhere each run's line starts with
        its place, ``[k/N]``.
    log : file
        Where the per-run lines go.
    on_finished : callable, optional
        Called in this process with each outcome as soon as its run finishes (the pipeline
        commits the run then); an exception from it stops every worker and is raised.
    previous : mapping, optional
        ``{run id: seconds}`` of the previous build
        (:func:`sinstats.build.schedule.previous_durations`): in parallel, the runs start
        longest expected first (:class:`~sinstats.build.schedule.RunQueue`); serially, in the
        order given.

    Returns
    -------
    dict
        ``{run id: RunOutcome}``.
    """
    results: dict[str, RunOutcome] = {}
    if not jobs:
        return results
    env = kernel_environment()
    bar = Progress(len(jobs), log, bar=progress)

    def finished(outcome: RunOutcome) -> None:
        results[outcome.id] = outcome
        line = f"{outcome.id:<45} {outcome.duration_s:7.1f} s  {outcome.status}"
        if outcome.status == FAILED and outcome.error:
            line += f"  ({one_line_error(outcome.error)})"
        if outcome.kernel_note:
            line += f"  [cold kernel: {outcome.kernel_note}]"
        bar.finished(line)
        kill_point("run-executed")
        if on_finished is not None:
            on_finished(outcome)

    try:
        if n_jobs == 1 or len(jobs) == 1:
            with _environment(env):
                try:
                    for job in jobs:
                        finished(execute_run(job))
                finally:
                    kernels.close_template()  # a later build gets a template of its own
        else:
            _execute_pool(jobs, min(n_jobs, len(jobs)), env, finished, previous)
    finally:
        bar.close()
    return results
