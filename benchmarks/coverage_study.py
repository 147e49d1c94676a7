"""Exact coverage of every Poisson and proportion interval method in sinstats.stats.intervals.

Run from the repository root::

    .venv/bin/python benchmarks/coverage_study.py

Coverage is computed exactly, not simulated: for a true Poisson mean mu it is the sum of
P(X = x; mu) over every count x whose interval contains mu (and likewise with the binomial
distribution for a proportion p and sample size n). The result is deterministic.

Outputs (committed):

* ``benchmarks/coverage_study.csv`` - coverage on a readable grid: Poisson means 1 to 20 in
  steps of 0.1 and 20 to 500 in steps of 1; proportions p = 0.01 to 0.99 in steps of 0.01 for
  n = 10, 30, 50, 100, 300 and 482;
* ``benchmarks/coverage_study_summary.csv`` - mean and minimum coverage, the share of the grid
  below nominal, the mean absolute distance from nominal and the mean expected width, computed
  on a fine grid (means 1 to 500 in steps of 0.01; p = 0.001 to 0.999 in steps of 0.001);
* ``benchmarks/coverage_study.md`` - the summary as tables, with the findings in words.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sinstats.stats.intervals import POISSON_METHODS, PROPORTION_METHODS, poisson_ci, proportion_ci

HERE = Path(__file__).resolve().parent
CONF_LEVELS = (0.95, 0.998)
X_MAX = 900  # P(X > 900) is below 1e-40 for every mean up to 500
POISSON_BANDS = ((1, 10), (10, 50), (50, 500), (1, 500))
PROPORTION_NS = (10, 30, 50, 100, 300, 482)
CHUNK = 4000


def poisson_grid_fine() -> np.ndarray:
    return np.round(np.arange(100, 50_001) / 100, 2)


def poisson_grid_readable() -> np.ndarray:
    return np.concatenate([np.round(np.arange(10, 200) / 10, 1), np.arange(20, 501.0)])


def proportion_grid_fine() -> np.ndarray:
    return np.round(np.arange(1, 1000) / 1000, 3)


def proportion_grid_readable() -> np.ndarray:
    return np.round(np.arange(1, 100) / 100, 2)


def poisson_coverage(method: str, conf: float, means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact coverage and expected interval width at each mean."""
    x = np.arange(X_MAX + 1)
    _, lower, upper = poisson_ci(x, conf, method)
    coverage = np.empty_like(means)
    width = np.empty_like(means)
    for start in range(0, means.size, CHUNK):
        mu = means[start : start + CHUNK]
        pmf = stats.poisson.pmf(x[:, None], mu[None, :])
        covered = (lower[:, None] <= mu[None, :]) & (mu[None, :] <= upper[:, None])
        coverage[start : start + CHUNK] = (pmf * covered).sum(axis=0)
        width[start : start + CHUNK] = pmf.T @ (upper - lower)
    return coverage, width


def proportion_coverage(
    method: str, conf: float, n: int, ps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(n + 1)
    _, lower, upper = proportion_ci(x, n, conf, method)
    pmf = stats.binom.pmf(x[:, None], n, ps[None, :])
    covered = (lower[:, None] <= ps[None, :]) & (ps[None, :] <= upper[:, None])
    return (pmf * covered).sum(axis=0), pmf.T @ (upper - lower)


def summarise(coverage: np.ndarray, width: np.ndarray, conf: float) -> dict[str, float]:
    return {
        "mean_coverage": float(coverage.mean()),
        "min_coverage": float(coverage.min()),
        "share_below_nominal": float((coverage < conf - 1e-12).mean()),
        "mean_abs_error": float(np.abs(coverage - conf).mean()),
        "mean_expected_width": float(width.mean()),
    }


def run() -> tuple[pd.DataFrame, pd.DataFrame]:
    detail: list[pd.DataFrame] = []
    summary: list[dict[str, object]] = []
    fine_mu, readable_mu = poisson_grid_fine(), poisson_grid_readable()
    for method in POISSON_METHODS:
        for conf in CONF_LEVELS:
            cov, width = poisson_coverage(method, conf, fine_mu)
            for lo, hi in POISSON_BANDS:
                band = (fine_mu >= lo) & (fine_mu <= hi)
                summary.append(
                    {
                        "family": "poisson",
                        "method": method,
                        "conf_level": conf,
                        "n": "",
                        "range": f"mean {lo}-{hi}",
                        **summarise(cov[band], width[band], conf),
                        "argmin": float(fine_mu[band][np.argmin(cov[band])]),
                    }
                )
            cov_r, _ = poisson_coverage(method, conf, readable_mu)
            detail.append(
                pd.DataFrame(
                    {
                        "family": "poisson",
                        "method": method,
                        "conf_level": conf,
                        "n": "",
                        "parameter": readable_mu,
                        "coverage": np.round(cov_r, 6),
                    }
                )
            )
    fine_p, readable_p = proportion_grid_fine(), proportion_grid_readable()
    for method in PROPORTION_METHODS:
        for conf in CONF_LEVELS:
            for n in PROPORTION_NS:
                cov, width = proportion_coverage(method, conf, n, fine_p)
                summary.append(
                    {
                        "family": "proportion",
                        "method": method,
                        "conf_level": conf,
                        "n": n,
                        "range": "p 0.001-0.999",
                        **summarise(cov, width, conf),
                        "argmin": float(fine_p[np.argmin(cov)]),
                    }
                )
                cov_r, _ = proportion_coverage(method, conf, n, readable_p)
                detail.append(
                    pd.DataFrame(
                        {
                            "family": "proportion",
                            "method": method,
                            "conf_level": conf,
                            "n": n,
                            "parameter": readable_p,
                            "coverage": np.round(cov_r, 6),
                        }
                    )
                )
    return pd.concat(detail, ignore_index=True), pd.DataFrame(summary)


def _table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        cells = [f"{v:.4f}" if isinstance(v, float) else str(v) for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def findings(summary: pd.DataFrame) -> list[str]:
    """Sentences read off the summary: closest to nominal, conservative, falling short."""
    out = []
    groups = [
        ("poisson", f"Poisson, means {lo}-{hi}", f"mean {lo}-{hi}") for lo, hi in POISSON_BANDS
    ]
    groups.append(("proportion", "proportions, all n", ""))
    for family, label, band in groups:
        for conf in CONF_LEVELS:
            rows = summary[(summary["family"] == family) & (summary["conf_level"] == conf)]
            if band:
                rows = rows[rows["range"] == band]
            agg = rows.groupby("method", sort=False).agg(
                mean_coverage=("mean_coverage", "mean"),
                min_coverage=("min_coverage", "min"),
                mean_abs_error=("mean_abs_error", "mean"),
            )
            closest = agg["mean_abs_error"].idxmin()
            never_below = [m for m in agg.index if agg.loc[m, "min_coverage"] >= conf - 1e-12]
            ranked = ", ".join(
                f"{m} ({agg.loc[m, 'mean_abs_error']:.4f})"
                for m in agg.sort_values("mean_abs_error").index
            )
            out.append(
                f"- {label}, {conf:g}: closest to nominal on average is **{closest}**; "
                f"ranked by mean absolute distance from nominal: {ranked}. "
                "Never below nominal on the grid (conservative): "
                + (
                    ", ".join(f"{m} (mean {agg.loc[m, 'mean_coverage']:.4f})" for m in never_below)
                    or "none"
                )
                + ". Lowest coverage anywhere: "
                + ", ".join(f"{m} {agg.loc[m, 'min_coverage']:.4f}" for m in agg.index)
                + "."
            )
    return out


def write_markdown(summary: pd.DataFrame, path: Path) -> None:
    cols = [
        "method",
        "conf_level",
        "range",
        "mean_coverage",
        "min_coverage",
        "argmin",
        "share_below_nominal",
        "mean_abs_error",
        "mean_expected_width",
    ]
    poisson = summary[summary["family"] == "poisson"][cols]
    proportion = summary[summary["family"] == "proportion"][["n", *cols]].drop(columns="range")
    text = [
        "# Coverage study: exact coverage of the interval methods in `sinstats.stats.intervals`",
        "",
        "Generated by `benchmarks/coverage_study.py` (do not edit by hand). Coverage is exact:",
        "the sum of the probabilities of every outcome whose interval contains the true value",
        "(no simulation). Poisson summaries use means 1-500 in steps of 0.01; proportion",
        "summaries use p = 0.001-0.999 in steps of 0.001. `argmin` is where the lowest coverage",
        "occurs; `mean_expected_width` is the expected interval width averaged over the grid.",
        "",
        "## Findings",
        "",
        *findings(summary),
        "",
        "## Poisson counts",
        "",
        _table(poisson),
        "",
        "## Proportions",
        "",
        _table(proportion),
        "",
    ]
    path.write_text("\n".join(text))


def main() -> None:
    detail, summary = run()
    detail.to_csv(HERE / "coverage_study.csv", index=False, float_format="%.6g")
    summary.to_csv(HERE / "coverage_study_summary.csv", index=False, float_format="%.6f")
    write_markdown(summary, HERE / "coverage_study.md")
    print(f"wrote {len(detail)} coverage values and {len(summary)} summary rows")


if __name__ == "__main__":
    main()
