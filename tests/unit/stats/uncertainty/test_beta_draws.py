"""``shares.beta_draws``: Beta(1, 1) drawn as the uniform it is, any other Beta by numpy.

The references are numpy's own calls with the same seed (``Generator.random`` for Beta(1, 1),
``Generator.beta`` otherwise) and the uniform distribution's CDF, F(x) = x on [0, 1], for a
Kolmogorov-Smirnov test (``scipy.stats.kstest(x, "uniform")``).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sinstats.stats import uncertainty as u
from sinstats.stats.uncertainty import shares


def test_beta_one_one_is_the_generators_uniform_stream() -> None:
    got = shares.beta_draws(np.random.default_rng(20260), 1.0, 1.0, 1000)
    want = np.random.default_rng(20260).random(1000)  # Beta(1, 1) = U(0, 1)
    np.testing.assert_array_equal(got, want)


def test_beta_one_one_is_uniform_by_a_kolmogorov_smirnov_test() -> None:
    x = shares.beta_draws(np.random.default_rng(7), 1.0, 1.0, 20_000)
    assert ((x >= 0.0) & (x < 1.0)).all()
    # kstest against U(0, 1); a fixed seed, so the p-value is fixed too (not a flaky test)
    assert stats.kstest(x, "uniform").pvalue > 0.01
    # and it does tell a different Beta apart: Beta(2, 2) fails the same test
    y = shares.beta_draws(np.random.default_rng(7), 2.0, 2.0, 20_000)
    assert stats.kstest(y, "uniform").pvalue < 1e-6


def test_beta_one_one_matches_numpys_beta_in_distribution() -> None:
    """Same distribution as ``rng.beta(1, 1)`` (a two-sample KS test), different stream."""
    fast = shares.beta_draws(np.random.default_rng(11), 1.0, 1.0, 20_000)
    slow = np.random.default_rng(12).beta(1.0, 1.0, size=20_000)
    assert stats.ks_2samp(fast, slow).pvalue > 0.01


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0.05, 50.0, allow_nan=False),
    b=st.floats(0.05, 50.0, allow_nan=False),
    n=st.integers(0, 500),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_other_beta_is_numpys_beta_to_the_bit(a: float, b: float, n: int, seed: int) -> None:
    got = shares.beta_draws(np.random.default_rng(seed), a, b, n)
    assert got.shape == (n,)
    assert ((got >= 0.0) & (got <= 1.0)).all()
    if (a, b) == (1.0, 1.0):
        want = np.random.default_rng(seed).random(n)
    else:
        want = np.random.default_rng(seed).beta(a, b, size=n)
    np.testing.assert_array_equal(got, want)


def test_the_base_components_draws_are_r_plus_the_rest_times_a_uniform_w() -> None:
    """Base with w ~ Beta(1, 1): m = r + (1 - r) w, r ~ Beta(p + 1/2, d - p + 1/2), w = U(0, 1).

    The reference draws r with ``rng.beta`` and then w with ``rng.random`` from the same seed,
    in that order (the documented stream since 0.2.0).
    """
    base = u.Base(name="base", rationale="test", panel_count=56, dfe_count=115)
    got = base.draw(np.random.default_rng(3), 5000)
    rng = np.random.default_rng(3)
    r = rng.beta(56.5, 59.5, size=5000)
    w = rng.random(5000)
    np.testing.assert_array_equal(got, r + (1 - r) * w)
    # a non-uniform prior on w still goes through numpy's beta, in the same order
    tilted = u.Base(
        name="base", rationale="test", panel_count=56, dfe_count=115, extra_alpha=2.0,
        extra_beta=5.0,
    )  # fmt: skip
    rng = np.random.default_rng(3)
    r = rng.beta(56.5, 59.5, size=5000)
    w = rng.beta(2.0, 5.0, size=5000)
    np.testing.assert_array_equal(tilted.draw(np.random.default_rng(3), 5000), r + (1 - r) * w)
