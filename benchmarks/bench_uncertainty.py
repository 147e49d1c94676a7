"""Benchmark the uncertainty model: CPU time for 1,000,000 draws of the full model.

Also timed: the realised count (this year's own number) and the grid fit of the hierarchical
share (done once per set of breakdowns and cached). Target (issue 19, point 4; issue 4 asked for
under 1 s): at most 0.2 s of CPU (``time.process_time``) for 1,000,000 draws of the full model,
i.e. :func:`sinstats.stats.uncertainty.simulate` with every component switched on, including
the component-alone draws, intervals and variance decomposition. The total draws alone
(:func:`sinstats.stats.uncertainty.simulation.total_draws`) are timed beside it.

Run with ``python benchmarks/bench_uncertainty.py``; :func:`run` returns the numbers as a dict.
The Garwood sampler is also timed against inverting the Gamma distribution with
``scipy.special.gammaincinv`` (the direct quantile construction), which is what it replaced.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable

import numpy as np
from scipy import special

from sinstats.stats import uncertainty as u
from sinstats.stats.uncertainty import simulation
from sinstats.stats.uncertainty._model import prepare

N_DRAWS = 1_000_000
REPEATS = 3
TARGET_CPU_SECONDS = 0.2


def _cpu(fn: Callable[[], object], repeats: int = REPEATS) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return times


def sampling_floor(full: u.Observed, target: u.Target) -> dict[str, float]:
    """CPU seconds of only the random variates and sorts the full model needs (best of 3).

    The variates 1,000,000 draws of :func:`simulate` take with numpy's exact samplers, drawn
    here in bulk with nothing else around them: the Garwood chance draws, total and alone
    (rejection with acceptance 1/2: two Gamma(x) variates per draw, x about 150); the
    hierarchical share's Beta, total and alone (a Beta per draw, its parameters varying); the
    base factor's Beta and its uniform ``w``; ascertainment's Beta; revision's normal; the
    rounding integers and the hierarchical share's cell numbers and uniforms (twice); and the
    sort of each of the 7 arrays the intervals are read from. Whatever else the model does
    (lookups, products, logs, tables) comes on top, so no exact implementation with these
    samplers can take less.
    """
    n = N_DRAWS
    _, plan = prepare(full, target, "rate")
    share = next(c for c in plan.factors if c.kind == "definition")
    fit = share.fit(share.default_support)
    rng = np.random.default_rng(1)
    cells = rng.integers(fit.a.size, size=n)
    a, b = fit.a[cells], fit.b[cells]
    ratio_a, ratio_b = plan.base._ratio_beta()
    asc = plan.factor("ascertainment")
    draws = rng.random(n)

    def parts() -> dict[str, Callable[[], object]]:
        return {
            "chance (Garwood), total and alone": lambda: [
                rng.standard_gamma(150.0, size=2 * n) for _ in range(2)
            ],
            "hierarchical share's Beta, total and alone": lambda: [
                rng.beta(a, b) for _ in range(2)
            ],
            "base factor's Beta and w": lambda: (rng.beta(ratio_a, ratio_b, n), rng.random(n)),
            "ascertainment's Beta": lambda: rng.beta(asc.alpha, asc.beta, n),
            "revision's normal": lambda: rng.standard_normal(n),
            "uniforms and integers": lambda: (
                [(rng.random(n), rng.integers(13, size=n)) for _ in range(2)]
                + [rng.integers(151, 160, size=n)]
            ),
            "sorts of 7 arrays": lambda: [np.sort(draws) for _ in range(7)],
        }

    out = {label: min(_cpu(fn)) for label, fn in parts().items()}
    out["total"] = sum(out.values())
    return {k: round(v, 4) for k, v in out.items()}


def run() -> dict[str, object]:
    target = u.load_assumptions().target("deaths_maltreatment_or_assault")
    # "over 150": every component, rounding included, has something to do.
    full = u.Observed(150, qualifier="over", base="panel", dated_by="incident")
    exact = u.Observed(160)
    share = next(c for c in target.components if c.kind == "definition")
    fit_times = _cpu(lambda: u.shares._fit(share, tuple(np.linspace(0.66, 1.0, 13))), repeats=1)
    u.simulate(full, target, n_draws=u.MIN_DRAWS)  # warm-up: imports and caches (the fit)
    realised_times = _cpu(
        lambda: u.simulate(exact, target, n_draws=N_DRAWS, seed=1, quantity="realised")
    )

    full_times = _cpu(lambda: u.simulate(full, target, n_draws=N_DRAWS, seed=1))
    # The total draws alone (no component-alone draws, intervals or decomposition).
    _, plan = prepare(full, target, "rate")
    total_times = _cpu(lambda: simulation.total_draws(plan, N_DRAWS, 1))
    exact_times = _cpu(lambda: u.simulate(exact, target, n_draws=N_DRAWS, seed=1))
    counts = np.full(N_DRAWS, 160.0)
    sampler_times = _cpu(lambda: u.garwood_draws(counts, np.random.default_rng(1)))

    def inverse_cdf() -> object:
        rng = np.random.default_rng(1)
        uniform = rng.random(N_DRAWS)
        return np.where(
            uniform < 0.5,
            special.gammaincinv(160.0, uniform),
            special.gammaincinv(161.0, uniform),
        )

    inverse_times = _cpu(inverse_cdf, repeats=1)
    floor = sampling_floor(full, target)
    tornado_times = _cpu(lambda: u.tornado(full, target, n_draws=100_000), repeats=1)

    best = min(full_times)
    result: dict[str, object] = {
        "benchmark": "uncertainty",
        "n_draws": N_DRAWS,
        "full_model_cpu_seconds": best,
        "full_model_cpu_seconds_all": full_times,
        "full_model_draws_per_cpu_second": N_DRAWS / best,
        "total_draws_only_cpu_seconds": min(total_times),
        "exact_figure_cpu_seconds": min(exact_times),
        "realised_count_cpu_seconds": min(realised_times),
        "hierarchical_share_fit_cpu_seconds": min(fit_times),
        "garwood_sampler_cpu_seconds": min(sampler_times),
        "gammaincinv_inverse_cdf_cpu_seconds": min(inverse_times),
        "tornado_100k_per_scenario_cpu_seconds": min(tornado_times),
        "exact_sampling_floor_cpu_seconds": floor["total"],
        "exact_sampling_floor_parts": floor,
        "target_cpu_seconds": TARGET_CPU_SECONDS,
        "meets_target": best <= TARGET_CPU_SECONDS,
        "machine": f"{platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, numpy {np.__version__}",
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    run()
