"""The model estimates quoted in prose (README, docs, the claims register) are the model's own.

The README, ``docs/uncertainty.md``, ``docs/claims.md`` and the register's explanation of
"150 children died of abuse" quote the uncertainty model's estimates for calendar 2021 (the
Panel's "over 150") and for 2025-26 (DfE's 160). Those sentences are written by hand; these
tests rerun the model with the settings the reports use (``data/assumptions.yml``: 200,000 draws,
seed 2026; the year's own number) and check each quoted figure, so that a change to the model,
its assumptions or its random stream cannot leave a stale number in front of readers.
"""

from __future__ import annotations

import functools
import re

import pytest

from sinstats import paths
from sinstats.analyses import measure, verification
from sinstats.stats import uncertainty

TARGET = "deaths_maltreatment_or_assault"


def _flat(text: str) -> str:
    """Text with Markdown emphasis removed and every run of whitespace one space."""
    return re.sub(r"\s+", " ", text.replace("*", ""))


@functools.cache
def _estimates() -> dict[str, dict[str, int]]:
    """Central, 80% and 95% intervals (rounded as quoted) for the two years quoted."""
    assumptions = uncertainty.load_assumptions(paths.assumptions_file())
    settings = assumptions.simulation
    target = assumptions.target(TARGET)
    panel_2021 = uncertainty.Observed(150, qualifier="over", base="panel", dated_by="incident")
    dfe = measure.load_model("2025-26", TARGET)
    out = {}
    for name, observed in (("2021", panel_2021), ("2025-26", dfe.observed)):
        res = uncertainty.simulate(
            observed,
            target,
            n_draws=settings.n_draws,
            seed=settings.seed,
            conf_levels=(0.8, 0.95),
            quantity="realised",
        )
        lo80, hi80 = res.interval(0.8)
        lo95, hi95 = res.interval(0.95)
        out[name] = {
            "c": round(res.median),
            "lo80": round(lo80),
            "hi80": round(hi80),
            "lo95": round(lo95),
            "hi95": round(hi95),
        }
    return out


def _expected(file: str) -> list[str]:
    e21, e25 = _estimates()["2021"], _estimates()["2025-26"]
    phrases = {
        "README.md": [
            f"about {e21['c']} in calendar 2021 (95% interval {e21['lo95']} to {e21['hi95']})",
            f"{e25['c']} in 2025-26 ({e25['lo95']} to {e25['hi95']})",
        ],
        "docs/uncertainty.md": [
            f"central {e25['c']}, 80% interval {e25['lo80']} to {e25['hi80']}, 95% interval "
            f"{e25['lo95']} to {e25['hi95']} (the year's own number)",
            f"central {e21['c']}, 80% interval {e21['lo80']} to {e21['hi80']}, 95% interval "
            f"{e21['lo95']} to {e21['hi95']}.",
            f"| none | 0.30 | {e25['c']} | {e25['lo95']} to {e25['hi95']} |",
        ],
        "docs/claims.md": [
            f"the central estimate is about {e21['c']} deaths in 2021, 95% interval about "
            f"{e21['lo95']} to {e21['hi95']}",
        ],
        "data/claims/published.yml": [
            f"the model's central estimate is about {e21['c']}, 95% interval {e21['lo95']} to "
            f"{e21['hi95']} (this year's own number, notified or not)",
            f"it is about {e25['c']} ({e25['lo95']} to {e25['hi95']})",
        ],
    }
    return phrases[file]


@pytest.mark.parametrize(
    "file", ["README.md", "docs/uncertainty.md", "docs/claims.md", "data/claims/published.yml"]
)
def test_quoted_estimates_are_the_models(file: str) -> None:
    text = _flat((paths.PROJ_ROOT / file).read_text(encoding="utf-8"))
    missing = [phrase for phrase in _expected(file) if _flat(phrase) not in text]
    assert not missing, f"{file} quotes other figures than the model gives: {missing}"


def test_register_model_columns_match_the_model() -> None:
    """The verified register's model interval for the 2021 claim is the same run."""
    e21 = _estimates()["2021"]
    table = verification.verify()
    row = table.set_index("id").loc[verification.HEADLINE_CLAIM]
    assert (row["model_central"], row["model_lower"], row["model_upper"]) == (
        e21["c"],
        e21["lo95"],
        e21["hi95"],
    )
    headline = verification.headline_section(table)
    assert f"about {e21['c']} (95% interval {e21['lo95']} to {e21['hi95']})" in headline


def test_headline_text_without_a_model_points_to_notebook_03() -> None:
    table = verification.verify()
    row = table.set_index("id").loc[verification.HEADLINE_CLAIM].copy()
    row["model_central"] = float("nan")
    text = verification.headline_text(row)
    assert text.endswith("notebook 03 gives the estimate for each year.")
    assert "interval" not in text.split("written down")[1]
