"""``make bench``: time the report build and the uncertainty model; write results.json and .md.

Measured in one run, on this machine, into ``benchmarks/_work/`` (git-ignored; the real
``reports/`` is never touched):

1. **Full build** with the pipeline: ``sinstats build --force`` of the matrix (by default every
   notebook for the latest year; ``--all-years`` for the whole default matrix), parallel worker
   processes, papermill API, HTML + PDF export in the workers. Timed in this process, plus the
   command's start-up time (measured separately) so that it compares with the naive way.
2. **The naive way** on the same runs: for each run, one after another, the papermill command,
   then ``jupyter nbconvert --to html --no-input``, then the same PDF step (the ``weasyprint``
   command with the report print stylesheet and the PDF/UA variant). No caching.
3. **No-change rebuild**: ``sinstats build`` again on the full build's folder (nothing to do),
   wall time of the whole command, median of 3.
4. **Peak memory per run**: resident memory of each run's kernel (sampled) and of its worker.
5. **Uncertainty model**: ``benchmarks/bench_uncertainty.py``'s ``run()`` when that file exists.

Targets (issue 6): full build / naive < 0.5; no-change rebuild < 2 s. Numbers are reported, never
asserted. Usage: ``python benchmarks/run.py [--all-years] [--jobs N] [--skip-naive]``.
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
TARGET_NO_CHANGE_S = 2.0


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


def pipeline_build(runs_filter: dict[str, Any], jobs: int | None, out: Path) -> dict[str, Any]:
    """Force-build with the pipeline in this process; return times and per-run memory."""
    startup, proc = _wall([str(BIN / "sinstats"), "--version"], env=_env())
    _check(proc, "sinstats --version")
    from sinstats.build import pipeline

    t0 = time.perf_counter()
    result = pipeline.build(out_dir=out, force=True, jobs=jobs, progress=False, **runs_filter)
    seconds = time.perf_counter() - t0
    if result.exit_code != 0:
        raise SystemExit(f"bench: the pipeline build failed: {[r['error'] for r in result.failed]}")
    return {
        "seconds_in_process": round(seconds, 2),
        "command_startup_seconds": round(startup, 2),
        "seconds": round(seconds + startup, 2),
        "runs": [r["id"] for r in result.runs],
        "jobs": jobs or os.cpu_count(),
        "per_run": result.worker_stats,
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


def _markdown(results: dict[str, Any]) -> str:
    full, naive, nochange = results["full_build"], results.get("naive"), results["no_change"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} on {results['machine']} ({results['cpus']} CPUs), "
        f"Python {results['python']}; `make bench` (`benchmarks/run.py`).",
        f"Matrix: {len(full['runs'])} runs ({results['matrix']}).",
        "",
        "| measure | value | target |",
        "|---|---|---|",
        f"| full build, pipeline ({full['jobs']} workers) | {full['seconds']:.1f} s "
        f"(incl. {full['command_startup_seconds']:.1f} s command start-up) | |",
    ]
    if naive is not None:
        lines.append(
            f"| naive way (papermill, nbconvert, weasyprint, serial) | {naive['seconds']:.1f} s | |"
        )
        ratio = results["ratio"]
        verdict = "met" if ratio < TARGET_RATIO else "not met"
        lines.append(f"| ratio pipeline / naive | {ratio:.2f} | < {TARGET_RATIO} ({verdict}) |")
    if nochange["seconds"] is None:
        lines.append("| no-change rebuild | not measured: the library kept changing | |")
    else:
        verdict = "met" if nochange["seconds"] < TARGET_NO_CHANGE_S else "not met"
        lines.append(
            f"| no-change rebuild (whole command, median of {len(nochange['all_seconds'])}) | "
            f"{nochange['seconds']:.2f} s (inside the build {nochange['seconds_inside_build']} s; "
            f"command start-up {nochange['command_startup_seconds']:.2f} s) | "
            f"< {TARGET_NO_CHANGE_S} s ({verdict}) |"
        )
    mem = results["memory"]
    lines.append(
        f"| peak memory per run, kernel | median {mem['kernel_median_mb']:.0f} MB, "
        f"max {mem['kernel_max_mb']:.0f} MB ({mem['kernel_max_run']}) | |"
    )
    lines.append(f"| peak memory, worker process | max {mem['worker_max_mb']:.0f} MB | |")
    unc = results.get("uncertainty")
    if unc:
        per_s = unc.get("full_model_draws_per_cpu_second")
        cpu = unc.get("full_model_cpu_seconds")
        if per_s is not None:
            lines.append(
                f"| uncertainty model, full, draws per CPU second | {per_s:,.0f} "
                f"({unc.get('n_draws', 0):,} draws in {cpu:.2f} s CPU) | 1,000,000 in < 1 s |"
            )
    else:
        lines.append(
            "| uncertainty model | not measured (benchmarks/bench_uncertainty.py absent) | |"
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
    lines += [
        "",
        "Per run (seconds; kernel peak MB):",
        "",
        "| run | pipeline | naive | kernel MB |",
        "|---|---|---|---|",
    ]
    for run_id in full["runs"]:
        stats = full["per_run"].get(run_id, {})
        naive_s = naive["per_run"].get(run_id) if naive else None
        lines.append(
            f"| {run_id} | {stats.get('duration_s', 0):.1f} | "
            f"{naive_s if naive_s is not None else '-'} | "
            f"{stats.get('peak_rss_kernel_mb', 0):.0f} |"
        )
    lines += [
        "",
        "The pipeline's per-run seconds overlap (runs execute in parallel); "
        "the naive way's add up.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--all-years",
        action="store_true",
        help="the whole default matrix, not just the latest year",
    )
    parser.add_argument("--jobs", type=int, default=None, help="pipeline workers (default: CPUs)")
    parser.add_argument("--skip-naive", action="store_true", help="skip the naive way")
    args = parser.parse_args(argv)
    os.environ.setdefault("PYTHONHASHSEED", "0")

    from sinstats import data
    from sinstats.build import load_config, plan

    config = load_config()
    latest = data.latest_period().id
    runs_filter: dict[str, Any] = {} if args.all_years else {"years": [latest]}
    planned = plan(config, **runs_filter)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)

    print(f"bench: {len(planned)} runs; pipeline build ...", flush=True)
    full = pipeline_build(runs_filter, args.jobs, WORK / "pipeline")
    print(f"bench: pipeline {full['seconds']:.1f} s; no-change rebuild ...", flush=True)
    nochange = no_change(WORK / "pipeline", runs_filter.get("years", []))
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
    kernel = {k: v["peak_rss_kernel_mb"] for k, v in full["per_run"].items()}
    worker = [v["peak_rss_worker_mb"] for v in full["per_run"].values()]
    max_run = max(kernel, key=lambda k: kernel[k]) if kernel else ""
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "matrix": "whole default matrix" if args.all_years else f"every notebook for {latest}",
        "full_build": full,
        "naive": naive,
        "ratio": round(full["seconds"] / naive["seconds"], 3) if naive else None,
        "no_change": nochange,
        "memory": {
            "kernel_median_mb": statistics.median(kernel.values()) if kernel else 0.0,
            "kernel_max_mb": max(kernel.values()) if kernel else 0.0,
            "kernel_max_run": max_run,
            "worker_max_mb": max(worker) if worker else 0.0,
        },
        "uncertainty": unc,
        "nesting": nest,
        "targets": {"ratio": TARGET_RATIO, "no_change_seconds": TARGET_NO_CHANGE_S},
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
