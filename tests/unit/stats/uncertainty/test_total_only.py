"""The lighter ways through :func:`sinstats.stats.uncertainty.simulate` give the same numbers.

``alone=False`` (the total only) and ``keep_draws=False`` (the summaries only) exist to save
memory and time (issue 19: a kernel of notebook 03 under 250 MB); neither may change a number.
Each is compared here with the full simulation for the same seed, on the project's own model
(whose definition share is the hierarchical fit converted through the base factor, so every
stream is used), for both quantities. :func:`realised_counts` is compared with the textbook
construction written out draw by draw: ``K ~ Binomial(round(X t), s)``, ``U ~ NegBin(K, p)``
where ``K > 0`` and ``p < 1``, else ``U = 0``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats.errors import ParameterError
from sinstats.stats import uncertainty as u

SEED = 20261203
N = 20_000
OBSERVED = u.Observed(160, label="2025-26 child death notifications")


@pytest.mark.parametrize("quantity", ["rate", "realised"])
def test_the_total_alone_is_the_total_of_the_full_simulation(
    deaths: u.Target, quantity: str
) -> None:
    full = u.simulate(OBSERVED, deaths, n_draws=N, seed=SEED, quantity=quantity)
    total = u.simulate(OBSERVED, deaths, n_draws=N, seed=SEED, quantity=quantity, alone=False)
    np.testing.assert_array_equal(total.draws, full.draws)
    assert total.median == full.median and total.mean == full.mean
    expected = full.intervals[full.intervals["scope"] == "total"].reset_index(drop=True)
    pd.testing.assert_frame_equal(total.intervals, expected)
    expected_row = full.decomposition[full.decomposition["kind"] == "total"]
    pd.testing.assert_frame_equal(total.decomposition, expected_row.reset_index(drop=True))
    assert dict(total.alone_draws) == {}
    for level in full.conf_levels:
        assert total.interval(level) == full.interval(level)
    with pytest.raises(ParameterError, match="not simulated alone"):
        total.interval(0.95, "rounding")  # a component of the model, but not drawn alone


@pytest.mark.parametrize("quantity", ["rate", "realised"])
def test_summaries_only_keeps_every_summary(deaths: u.Target, quantity: str) -> None:
    full = u.simulate(OBSERVED, deaths, n_draws=N, seed=SEED, quantity=quantity)
    light = u.simulate(OBSERVED, deaths, n_draws=N, seed=SEED, quantity=quantity, keep_draws=False)
    pd.testing.assert_frame_equal(light.intervals, full.intervals)
    pd.testing.assert_frame_equal(light.decomposition, full.decomposition)
    assert (light.median, light.mean, light.point) == (full.median, full.mean, full.point)
    assert light.draws.size == 0 and dict(light.alone_draws) == {}
    scopes = ["total", *full.alone_draws]  # every component (and realised part) by name
    for scope in scopes:
        assert light.interval(0.95, scope) == full.interval(0.95, scope)


def _textbook_realised(
    count: np.ndarray,
    mult: np.ndarray,
    share: np.ndarray,
    p: np.ndarray,
    split: np.random.Generator,
    unnotified: np.random.Generator,
) -> np.ndarray:
    """The construction of :func:`realised_counts`, one draw at a time where it can be."""
    values = count * mult
    low = np.floor(values)
    up = split.random(values.size) < values - low  # stochastic rounding, mean preserved
    notified = (low + up).astype(np.int64)
    k = split.binomial(notified, np.clip(share, 0.0, 1.0))
    mask = (k > 0) & (p < 1)
    extra = np.zeros(k.size, dtype=np.int64)
    if mask.any():
        extra[mask] = unnotified.negative_binomial(k[mask], p[mask])
    return (k + extra).astype(np.float64)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    count=st.integers(min_value=0, max_value=400),
    some_exact=st.booleans(),  # some draws with p = 1 (every death notified): the masked branch
)
def test_realised_counts_is_the_textbook_construction(
    seed: int, count: int, some_exact: bool
) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    counts = np.full(n, float(count))
    mult = rng.uniform(0.9, 1.1, n)
    share = rng.uniform(0.0, 1.0, n)
    p = rng.uniform(0.3, 0.99, n)
    if some_exact:
        p[::3] = 1.0
    got = u.realised_counts(
        counts, mult, share, p, np.random.default_rng(seed + 1), np.random.default_rng(seed + 2)
    )
    want = _textbook_realised(
        counts, mult, share, p, np.random.default_rng(seed + 1), np.random.default_rng(seed + 2)
    )
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_realised_counts_in_blocks_are_the_textbook_construction(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of 7 draws, so that the draws that take a variate span many blocks (with p = 1 in
    # every third draw, only some do); the numbers must be those of one call over all of them.
    from sinstats.stats.uncertainty import simulation

    monkeypatch.setattr(simulation, "_BLOCK_DRAWS", 7)
    rng = np.random.default_rng(seed)
    n = 400
    counts = np.full(n, 150.0)
    mult = rng.uniform(0.9, 1.1, n)
    share = rng.uniform(0.0, 1.0, n)
    p = rng.uniform(0.3, 0.99, n)
    p[::3] = 1.0
    got = u.realised_counts(
        counts, mult, share, p, np.random.default_rng(seed + 1), np.random.default_rng(seed + 2)
    )
    want = _textbook_realised(
        counts, mult, share, p, np.random.default_rng(seed + 1), np.random.default_rng(seed + 2)
    )
    np.testing.assert_array_equal(got, want)
