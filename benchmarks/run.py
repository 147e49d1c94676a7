"""``make bench``: time the report build and the uncertainty model; write results.json and .md.

Measured in one run, on this machine, into ``benchmarks/_work/`` (git-ignored; the real
``reports/`` is never touched):

1. **Full build, warm kernels** (the default): ``sinstats build --force`` of the matrix (by
   default the whole default matrix of ``reports.yml``, which is what ``sinstats build`` builds:
   the "full default build" of issue 19; ``--latest-year`` for every notebook of the latest year
   only, a quicker look),
   parallel worker processes, each kernel forked from its worker's pre-imported template
   (``sinstats.build.kernels``), HTML + PDF export in the workers. Timed in this process, plus
   the command's start-up time (measured separately) so that it compares with the naive way.
2. **Full build, cold kernels**: the same with ``SINSTATS_COLD_KERNELS=1`` (every kernel a new
   interpreter), same runs, same machine, straight after; ratio warm / cold.
3. **Per-stage budget** of every run of both builds: kernel start-up, imports, cell execution,
   HTML export, PDF export (recorded by the workers, ``RunOutcome.stages``), the rest of the
   worker's time, and the pipeline's own bookkeeping (the build's time outside executing the
   runs); the floor they imply, (cells + exports) / cores.
4. **The naive way** on the same runs: for each run, one after another, the papermill command,
   then ``jupyter nbconvert --to html --no-input``, then a PDF step (the ``weasyprint``
   command with the report print stylesheet and the PDF/UA variant: the engine the project
   used before Typst, kept as the baseline of issue 6; ``pip install .[bench]``). No caching.
5. **No-change rebuild**: ``sinstats build`` again on the warm build's folder (nothing to do),
   wall time of the whole command, median of 3.
6. **Memory**: peak resident memory of each run's kernel (sampled by its worker) and the peak
   of the whole build (the proportional set size, PSS, of every process under this one, so
   that pages a template shares with its kernels count once).
7. **Uncertainty model**: ``benchmarks/bench_uncertainty.py``'s ``run()`` when that file exists.

Targets (issue 19): warm / cold <= 0.6; full build <= 1.3 x the floor; no-change rebuild
<= 0.3 s; PDF export <= 0.3 s per report; kernel peak <= 250 MB; 1,000,000 draws <= 0.2 s CPU.
(Issue 6: full build / naive < 0.5.) Numbers are reported, never asserted. Usage:
``python benchmarks/run.py [--latest-year] [--jobs N] [--skip-naive]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
BIN = Path(sys.executable).parent
TARGET_RATIO = 0.5
TARGET_NO_CHANGE_S = 0.3
TARGET_WARM_COLD = 0.6
TARGET_FLOOR = 1.3
TARGET_PDF_S = 0.3
TARGET_KERNEL_MB = 250.0
TARGET_DRAWS_CPU_S = 0.2
STAGES = ("kernel_start_s", "cells_s", "html_s", "pdf_s")


def _wall(cmd: list[str], **kwargs: Any) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - t0, proc


def _check(proc: subprocess.CompletedProcess[str], what: str) -> None:
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"bench: {what} failed (exit {proc.returncode})")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


class _BuildMemory:
    """Peak PSS of every process under this one (and this one), sampled every 0.25 s."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    info = proc.memory_full_info()
                    total += getattr(info, "pss", info.rss)
                except (psutil.Error, OSError):
                    continue
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self._stop.wait(0.25)

    def __enter__(self) -> _BuildMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def pipeline_build(
    runs_filter: dict[str, Any], jobs: int | None, out: Path, cold: bool
) -> dict[str, Any]:
    """Force-build with the pipeline in this process; return times, stages and memory."""
    from sinstats.build import execute, kernels, pipeline

    if cold:
        os.environ[kernels.COLD_ENV] = "1"
    else:
        os.environ.pop(kernels.COLD_ENV, None)
    startup, proc = _wall([str(BIN / "sinstats"), "--version"], env=_env())
    _check(proc, "sinstats --version")
    executing = {"seconds": 0.0}
    real = execute.execute_all

    def timed(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            executing["seconds"] += time.perf_counter() - t

    execute.execute_all = timed  # type: ignore[assignment]
    try:
        t0 = time.perf_counter()
        with _BuildMemory() as memory:
            result = pipeline.build(
                out_dir=out, force=True, jobs=jobs, progress=False, **runs_filter
            )
        seconds = time.perf_counter() - t0
    finally:
        execute.execute_all = real  # type: ignore[assignment]
        os.environ.pop(kernels.COLD_ENV, None)
    if result.exit_code != 0:
        raise SystemExit(f"bench: the pipeline build failed: {[r['error'] for r in result.failed]}")
    return {
        "kernels": "cold" if cold else "warm",
        "seconds_in_process": round(seconds, 2),
        "command_startup_seconds": round(startup, 2),
        "seconds": round(seconds + startup, 2),
        "executing_seconds": round(executing["seconds"], 2),
        "bookkeeping_seconds": round(seconds - executing["seconds"], 2),
        "peak_build_pss_mb": round(memory.peak_mb, 1),
        "runs": [r["id"] for r in result.runs],
        "jobs": jobs or os.cpu_count(),
        "per_run": result.worker_stats,
    }


def fresh_imports() -> dict[str, float]:
    """Seconds a fresh interpreter (the kernels' environment) takes to import, measured apart.

    ``preload``: the modules a warm kernel's template imports once (what a cold kernel imports
    in its first cells); ``typst`` (the PDF engine) and ``nbconvert``: the exporters, imported
    once per worker (the export runs in the long-lived workers, so this start-up is not paid
    per report).
    """
    from sinstats.build import execute, kernels

    env = {**_env(), **execute.kernel_environment()}
    out = {}
    for label, modules in (
        ("preload", kernels.PRELOAD),
        ("typst", ("typst",)),
        ("nbconvert", ("nbconvert",)),
    ):
        code = (
            "import time, sys; sys.modules.setdefault('rfc3987_syntax', None); "
            "t = time.perf_counter(); "
            + "; ".join(f"import {m}" for m in modules)
            + "; print(time.perf_counter() - t)"
        )
        times = []
        for _ in range(2):
            _, proc = _wall([sys.executable, "-c", code], env=env)
            _check(proc, f"import {label}")
            times.append(float(proc.stdout.strip().splitlines()[-1]))
        out[label] = round(min(times), 3)
    start = []
    for _ in range(2):
        seconds, proc = _wall([sys.executable, "-c", "pass"], env=env)
        _check(proc, "python -c pass")
        start.append(seconds)
    out["interpreter"] = round(min(start), 3)
    return out


def budget(build: dict[str, Any], cpus: int) -> dict[str, Any]:
    """Sum each stage over a build's runs; the floor (cells + exports) / cores."""
    per_run = build["per_run"]
    sums = {k: round(sum(float(v.get(k, 0.0)) for v in per_run.values()), 2) for k in STAGES}
    durations = sum(float(v.get("duration_s", 0.0)) for v in per_run.values())
    sums["worker_other_s"] = round(durations - sum(sums[k] for k in STAGES), 2)
    sums["runs_s"] = round(durations, 2)
    work = sums["cells_s"] + sums["html_s"] + sums["pdf_s"]
    pdfs = sorted(float(v.get("pdf_s", 0.0)) for v in per_run.values())
    return {
        "sums": sums,
        "floor_seconds": round(work / cpus, 2),
        "build_over_floor": round(build["seconds"] / (work / cpus), 2) if work else None,
        "pdf_median_s": statistics.median(pdfs) if pdfs else None,
        "pdf_max_s": max(pdfs) if pdfs else None,
        "warm_runs": sum(1 for v in per_run.values() if v.get("warm_kernel") == 1.0),
    }


def naive_build(runs: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    """Papermill command, nbconvert command, weasyprint command; one run after another."""
    from sinstats.build import export

    css = export.REPORT_CSS
    env = _env()
    t0 = time.perf_counter()
    per_run = {}
    for run in runs:
        folder = out / run["id"]
        folder.mkdir(parents=True, exist_ok=True)
        executed = folder / f"{run['notebook']}-{run['period']}.ipynb"
        cmd = [str(BIN / "papermill"), str(run["path"]), str(executed), "-k", "python3"]
        for name, value in {**run["parameters"], "output_dir": str(folder)}.items():
            cmd += ["-p", name, str(value)]
        t_run = time.perf_counter()
        _, proc = _wall([*cmd, "--no-progress-bar"], env=env, cwd=folder)
        _check(proc, f"papermill {run['id']}")
        _, proc = _wall(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            env=env,
        )
        _check(proc, f"nbconvert {run['id']}")
        html = executed.with_suffix(".html")
        _, proc = _wall(
            [
                str(BIN / "weasyprint"),
                "--stylesheet",
                str(css),
                "--pdf-variant",
                "pdf/ua-1",
                "--quiet",
                str(html),
                str(html.with_suffix(".pdf")),
            ],
            env=env,
        )
        _check(proc, f"weasyprint {run['id']}")
        per_run[run["id"]] = round(time.perf_counter() - t_run, 2)
    return {"seconds": round(time.perf_counter() - t0, 2), "per_run": per_run}


def no_change(out: Path, years: list[str], repeats: int = 3) -> dict[str, Any]:
    """Time ``sinstats build`` on an up-to-date folder (the whole command, wall clock).

    A sample in which something was rebuilt (the library changed meanwhile, e.g. someone edited
    it) is discarded; up to ``3 * repeats`` attempts are made.
    """
    times = []
    inside = []
    discarded = 0
    selection = [arg for year in years for arg in ("--year", year)]
    for _ in range(3 * repeats):
        seconds, proc = _wall(
            [str(BIN / "sinstats"), "build", "--out", str(out), *selection], env=_env()
        )
        _check(proc, "no-change rebuild")
        if "built 0," not in proc.stdout:
            discarded += 1
            print("bench: something changed meanwhile and was rebuilt; sample discarded")
            continue
        times.append(seconds)
        for line in proc.stdout.splitlines():
            if line.startswith("built "):
                inside.append(float(line.split(" in ")[1].split(" s")[0]))
        if len(times) == repeats:
            break
    startup, _ = _wall([str(BIN / "sinstats"), "--version"], env=_env())
    return {
        "seconds": round(statistics.median(times), 2) if times else None,
        "all_seconds": [round(t, 2) for t in times],
        "discarded_samples": discarded,
        "seconds_inside_build": round(statistics.median(inside), 2) if inside else None,
        "command_startup_seconds": round(startup, 2),
    }


def uncertainty() -> dict[str, Any] | None:
    """Run ``bench_uncertainty.run()`` when the file exists."""
    return _bench_module("bench_uncertainty")


def nesting() -> dict[str, Any] | None:
    """Run ``bench_nesting.run()`` (refusing deeply nested claims files and run matrices)."""
    return _bench_module("bench_nesting")


def _bench_module(name: str) -> dict[str, Any] | None:
    """Load ``benchmarks/<name>.py`` and return its ``run()`` (None when the file is absent)."""
    path = HERE / f"{name}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result: dict[str, Any] = module.run()
    return result


def _verdict(ok: bool | None) -> str:
    return "not measured" if ok is None else ("met" if ok else "not met")


def _markdown(results: dict[str, Any]) -> str:
    warm, cold = results["full_build"], results["cold_build"]
    naive, nochange = results.get("naive"), results["no_change"]
    bw, bc = results["budget"]["warm"], results["budget"]["cold"]
    t = results["targets"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} on {results['machine']} ({results['cpus']} CPUs), "
        f"Python {results['python']}; `make bench` (`benchmarks/run.py`), all in one run; "
        + (
            "bytecode cache on (as on a user's machine)."
            if results.get("bytecode_cache", True)
            else "no bytecode cache (PYTHONDONTWRITEBYTECODE set: every command recompiles)."
        ),
        f"Matrix: {len(warm['runs'])} runs ({results['matrix']}). The machine is shared: "
        "compare the ratios, which are measured minutes apart, rather than the seconds.",
        "",
        "## Targets (issue 19)",
        "",
        "| measure | value | target |",
        "|---|---|---|",
    ]
    ratio = results["warm_over_cold"]
    lines.append(
        f"| full build, warm kernels / cold kernels | {ratio:.2f} ({warm['seconds']:.1f} s / "
        f"{cold['seconds']:.1f} s) | <= {t['warm_over_cold']} "
        f"({_verdict(ratio <= t['warm_over_cold'])}) |"
    )
    best = results.get("warm_floor_over_cold")
    if best is not None:
        lines.append(
            f"| the warm build's floor / cold kernels: the ratio a warm build with no overhead "
            f"at all would reach (below it, only faster cells help) | {best:.3f} "
            f"(floor {bw['floor_seconds']:.1f} s / {cold['seconds']:.1f} s) | reported |"
        )
    over = bw["build_over_floor"]
    lines.append(
        f"| full build (warm) / floor | {over:.2f} ({warm['seconds']:.1f} s / floor "
        f"{bw['floor_seconds']:.1f} s) | <= {t['build_over_floor']} "
        f"({_verdict(over <= t['build_over_floor'] if over is not None else None)}) |"
    )
    if nochange["seconds"] is None:
        lines.append("| no-change rebuild | not measured: the library kept changing | |")
    else:
        lines.append(
            f"| no-change rebuild (whole command, median of {len(nochange['all_seconds'])}) | "
            f"{nochange['seconds']:.2f} s (inside the build {nochange['seconds_inside_build']} s; "
            f"command start-up {nochange['command_startup_seconds']:.2f} s) | "
            f"<= {t['no_change_seconds']} s "
            f"({_verdict(nochange['seconds'] <= t['no_change_seconds'])}) |"
        )
    lines.append(
        f"| PDF export per report (warm build, in the workers) | "
        f"median {bw['pdf_median_s']:.2f} s, "
        f"max {bw['pdf_max_s']:.2f} s | <= {t['pdf_seconds']} s "
        f"({_verdict(bw['pdf_max_s'] <= t['pdf_seconds'])}) |"
    )
    mem = results["memory"]
    lines.append(
        f"| peak memory per kernel (warm; cold) | max {mem['warm_kernel_max_mb']:.0f} MB "
        f"({mem['warm_kernel_max_run']}); max {mem['cold_kernel_max_mb']:.0f} MB | "
        f"<= {t['kernel_mb']:.0f} MB ({_verdict(mem['warm_kernel_max_mb'] <= t['kernel_mb'])}) |"
    )
    lines.append(
        f"| peak memory of the whole build, PSS (warm; cold) | {warm['peak_build_pss_mb']:.0f} MB; "
        f"{cold['peak_build_pss_mb']:.0f} MB | reported |"
    )
    unc = results.get("uncertainty")
    if unc:
        cpu = float(unc.get("full_model_cpu_seconds", 0.0))
        lines.append(
            f"| uncertainty model, 1,000,000 draws of the full model | {cpu:.2f} s CPU "
            f"({unc.get('full_model_draws_per_cpu_second', 0):,.0f} draws per CPU second) | "
            f"<= {t['draws_cpu_seconds']} s ({_verdict(cpu <= t['draws_cpu_seconds'])}) |"
        )
        floor = unc.get("exact_sampling_floor_parts")
        if isinstance(floor, dict):
            parts = "; ".join(f"{k} {v:.3f} s" for k, v in floor.items() if k != "total")
            lines.append(
                f"| uncertainty model: its random variates and sorts alone (numpy's exact "
                f"samplers, nothing else) | {floor['total']:.2f} s CPU ({parts}) | "
                "reported: no exact implementation with these samplers takes less |"
            )
    else:
        lines.append(
            "| uncertainty model | not measured (benchmarks/bench_uncertainty.py absent) | |"
        )
    if naive is not None:
        lines.append(
            f"| (issue 6) full build (warm) / naive way | {results['ratio']:.2f} "
            f"({naive['seconds']:.1f} s naive) | < {TARGET_RATIO} "
            f"({_verdict(results['ratio'] < TARGET_RATIO)}) |"
        )
    nest = results.get("nesting")
    if nest:
        worst = max(v["cpu_s"] for v in nest["claims"].values())
        deep = nest["claims"]["999,999 '['"]
        lines.append(
            f"| refusing a claims file of 999,999 '[' | "
            f"{deep['cpu_s']:.4f} s CPU (worst hostile "
            f"form {worst:.3f} s; the whole `sinstats verify` {nest['command']['wall_s']:.2f} s, "
            f"of which start-up {nest['command_startup']['wall_s']:.2f} s) | < 1 s |"
        )
    imports = results["fresh_imports"]
    lines += [
        "",
        "## Per-stage budget",
        "",
        "Seconds summed over the runs (each run's stages are recorded by its worker: kernel "
        "start-up is from asking for a kernel to its first cell starting; cells are papermill's "
        "cell durations; HTML and PDF are the two exports; worker other is the rest of the run's "
        "time in the worker: reading inputs, the memory sampler, papermill's own reading and "
        "writing). Bookkeeping is the build's time outside executing the runs (planning, cache "
        "keys, committing outputs, workbooks, index, manifest).",
        "",
        "| stage | warm build | cold build |",
        "|---|---|---|",
    ]
    for key, label in (
        ("kernel_start_s", "kernel start-up"),
        ("cells_s", "cell execution (cold: includes the imports)"),
        ("html_s", "HTML export"),
        ("pdf_s", "PDF export"),
        ("worker_other_s", "worker, other"),
        ("runs_s", "all runs (sum; they overlap in parallel)"),
    ):
        lines.append(f"| {label} | {bw['sums'][key]:.2f} | {bc['sums'][key]:.2f} |")
    lines += [
        f"| pipeline bookkeeping | {warm['bookkeeping_seconds']:.2f} | "
        f"{cold['bookkeeping_seconds']:.2f} |",
        f"| floor: (cells + HTML + PDF) / {results['cpus']} cores | {bw['floor_seconds']:.2f} | "
        f"{bc['floor_seconds']:.2f} |",
        f"| full build, wall (incl. {warm['command_startup_seconds']:.2f} s command start-up) | "
        f"{warm['seconds']:.2f} | {cold['seconds']:.2f} |",
        f"| runs whose kernel was forked warm | {bw['warm_runs']} of {len(warm['runs'])} | "
        f"{bc['warm_runs']} of {len(cold['runs'])} |",
        "",
        "Imports measured apart, in a fresh interpreter with the kernels' environment (best of 2): "
        f"the template's modules {imports['preload']:.2f} s (paid once per worker with warm "
        f"kernels, once per run with cold ones; the cold build's cells minus the warm build's "
        f"cells, {bc['sums']['cells_s'] - bw['sums']['cells_s']:.2f} s over all runs, is the "
        f"same cost seen from inside the runs); interpreter start {imports['interpreter']:.2f} s; "
        f"`import typst` {imports['typst']:.2f} s and `import nbconvert` "
        f"{imports['nbconvert']:.2f} s, paid once per worker (the exports run in the long-lived "
        "workers, so there is no exporter start-up per report).",
        "",
        "Per run (seconds; kernel peak MB):",
        "",
        "| run | kernels | kernel start | cells | HTML | PDF | run total | kernel MB | naive |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for build in (warm, cold):
        for run_id in build["runs"]:
            st = build["per_run"].get(run_id, {})
            naive_s = naive["per_run"].get(run_id) if naive and build is warm else None
            lines.append(
                f"| {run_id} | {build['kernels']} | {st.get('kernel_start_s', 0):.2f} | "
                f"{st.get('cells_s', 0):.2f} | {st.get('html_s', 0):.2f} | "
                f"{st.get('pdf_s', 0):.2f} | {st.get('duration_s', 0):.2f} | "
                f"{st.get('peak_rss_kernel_mb', 0):.0f} | "
                f"{naive_s if naive_s is not None else '-'} |"
            )
    lines += [
        "",
        "The pipeline's per-run seconds overlap (runs execute in parallel); the naive way's add "
        "up. A warm kernel's resident memory includes the pages it shares with its template "
        "(copy-on-write); the build's PSS counts shared pages once.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--latest-year",
        action="store_true",
        help="every notebook for the latest year only, not the whole default matrix (quicker)",
    )
    parser.add_argument("--jobs", type=int, default=None, help="pipeline workers (default: CPUs)")
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive way")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")

    from sinstats import data
    from sinstats.build import load_config, plan

    config = load_config()
    latest = data.latest_period().id
    runs_filter: dict[str, Any] = {"years": [latest]} if args.latest_year else {}
    planned = plan(config, **runs_filter)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    cpus = os.cpu_count() or 1

    print(f"bench: {len(planned)} runs; pipeline build, warm kernels ...", flush=True)
    full = pipeline_build(runs_filter, args.jobs, WORK / "pipeline", cold=False)
    print(f"bench: warm {full['seconds']:.1f} s; cold kernels ...", flush=True)
    cold = pipeline_build(runs_filter, args.jobs, WORK / "cold", cold=True)
    print(f"bench: cold {cold['seconds']:.1f} s; no-change rebuild ...", flush=True)
    nochange = no_change(WORK / "pipeline", runs_filter.get("years", []))
    print("bench: imports in a fresh interpreter ...", flush=True)
    imports = fresh_imports()
    naive = None
    if not args.skip_naive:
        print("bench: naive way ...", flush=True)
        naive = naive_build(
            [
                {
                    "id": r.id,
                    "notebook": r.notebook.name,
                    "period": r.period.id,
                    "path": r.notebook.path,
                    "parameters": r.parameters,
                }
                for r in planned
            ],
            WORK / "naive",
        )
    print("bench: uncertainty model ...", flush=True)
    unc = uncertainty()
    print("bench: refusing deep nesting ...", flush=True)
    nest = nesting()

    def kernel_peaks(build: dict[str, Any]) -> dict[str, float]:
        return {k: float(v["peak_rss_kernel_mb"]) for k, v in build["per_run"].items()}

    warm_k, cold_k = kernel_peaks(full), kernel_peaks(cold)
    budgets = {"warm": budget(full, cpus), "cold": budget(cold, cpus)}
    worker = [v["peak_rss_worker_mb"] for v in full["per_run"].values()]
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.system()} {platform.machine()}",
        "cpus": cpus,
        "python": platform.python_version(),
        # Without a bytecode cache every command recompiles the modules it imports (about 0.2 s
        # of a no-change rebuild): say which way this run was measured.
        "bytecode_cache": not os.environ.get("PYTHONDONTWRITEBYTECODE"),
        "matrix": f"every notebook for {latest}" if args.latest_year else "whole default matrix",
        "full_build": full,
        "cold_build": cold,
        "warm_over_cold": round(full["seconds"] / cold["seconds"], 3),
        # What the warm build would take against the cold one with no overhead at all.
        "warm_floor_over_cold": round(budgets["warm"]["floor_seconds"] / cold["seconds"], 3),
        "budget": budgets,
        "fresh_imports": imports,
        "naive": naive,
        "ratio": round(full["seconds"] / naive["seconds"], 3) if naive else None,
        "no_change": nochange,
        "memory": {
            "warm_kernel_median_mb": statistics.median(warm_k.values()) if warm_k else 0.0,
            "warm_kernel_max_mb": max(warm_k.values()) if warm_k else 0.0,
            "warm_kernel_max_run": max(warm_k, key=lambda k: warm_k[k]) if warm_k else "",
            "cold_kernel_max_mb": max(cold_k.values()) if cold_k else 0.0,
            "worker_max_mb": max(worker) if worker else 0.0,
            "warm_build_pss_mb": full["peak_build_pss_mb"],
            "cold_build_pss_mb": cold["peak_build_pss_mb"],
        },
        "uncertainty": unc,
        "nesting": nest,
        "targets": {
            "warm_over_cold": TARGET_WARM_COLD,
            "build_over_floor": TARGET_FLOOR,
            "no_change_seconds": TARGET_NO_CHANGE_S,
            "pdf_seconds": TARGET_PDF_S,
            "kernel_mb": TARGET_KERNEL_MB,
            "draws_cpu_seconds": TARGET_DRAWS_CPU_S,
            "naive_ratio": TARGET_RATIO,
        },
    }
    (HERE / "results.json").write_text(
        json.dumps(results, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
    table = _markdown(results)
    (HERE / "results.md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
