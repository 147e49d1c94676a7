"""Fixtures shared by the tests of sinstats.stats.uncertainty: the project's assumptions.

Monte Carlo tolerances in these tests are derived, not guessed: the standard error of a sample
p-quantile from n draws is sqrt(p(1-p)/n) / f(q_p), with f the density at the quantile (known in
closed form for the chance component); :func:`quantile_se` computes it. Tests allow 4 standard
errors (two-sided probability about 6e-5 per bound); the seeds are fixed, so results are the same
on every run.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from sinstats.stats import uncertainty as u

QuantileSE = Callable[[float, int, float], float]


@pytest.fixture(scope="module")
def assumptions() -> u.Assumptions:
    return u.load_assumptions()


@pytest.fixture(scope="module")
def deaths(assumptions: u.Assumptions) -> u.Target:
    return assumptions.target("deaths_maltreatment_or_assault")


@pytest.fixture
def quantile_se() -> QuantileSE:
    """Standard error of the sample p-quantile: sqrt(p(1-p)/n) / f(q_p)."""

    def se(p: float, n: int, density: float) -> float:
        return math.sqrt(p * (1 - p) / n) / density

    return se
