"""The faster sampling paths give the same numbers, to the bit, as the plain constructions.

Each reference below is the direct construction the faster code replaced (written out here, not
imported): draw-by-draw inverse-CDF lookup, one boolean mask per group, ``numpy.quantile`` on
the unsorted draws. Same seed, same numbers (issue 19, point 4: no change of stream).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from sinstats.stats import uncertainty as u
from sinstats.stats.uncertainty import simulation
from sinstats.stats.uncertainty._model import prepare


def _garwood_reference(counts: npt.ArrayLike, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """garwood_draws as first written: one mask and one ``flatnonzero`` per (shape, half)."""
    x = np.asarray(counts, dtype=np.float64).reshape(-1)
    n = x.size
    out = np.zeros(n)
    if n == 0:
        return out
    n_upper = n // 2 + int(n % 2 == 1 and rng.random() < 0.5)
    upper = np.zeros(n, dtype=bool)
    upper[rng.permutation(n)[:n_upper]] = True
    shape = x + upper
    if x[0] == x.min() == x.max():
        values = [float(x[0]), float(x[0]) + 1.0]
    else:
        values = np.unique(shape).tolist()
    for value in values:
        if value <= 0:
            continue
        in_group = shape == value
        median = float(special.gammaincinv(value, 0.5))
        for above in (False, True):
            idx = np.flatnonzero(in_group & (upper == above))
            if idx.size:
                # the same rejection sampler (simulation._half_gamma) for each group
                out[idx] = simulation._half_gamma(rng, value, median, above, idx.size)
    return out


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(
        # whole counts, and non-integer ones of at least 1/2 (the rates' shapes in use)
        st.one_of(st.integers(0, 40).map(float), st.floats(0.5, 40.0, allow_nan=False)),
        min_size=1,
        max_size=300,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_garwood_draws_equal_the_mask_per_group_construction(
    counts: list[float], seed: int
) -> None:
    got = u.garwood_draws(np.array(counts), np.random.default_rng(seed))
    want = _garwood_reference(np.array(counts), np.random.default_rng(seed))
    np.testing.assert_array_equal(got, want)


def test_garwood_draws_equal_the_reference_for_one_repeated_count() -> None:
    # The common case (chance at a fixed count): 10,001 draws of the count 160.
    counts = np.full(10_001, 160.0)
    got = u.garwood_draws(counts, np.random.default_rng(5))
    np.testing.assert_array_equal(got, _garwood_reference(counts, np.random.default_rng(5)))


@settings(max_examples=40, deadline=None)
@given(
    keys=st.lists(st.integers(0, 300), min_size=1, max_size=2_000),
)
def test_group_positions_is_a_stable_sort_with_group_bounds(keys: list[int]) -> None:
    key = np.array(keys, dtype=np.intp)
    order, bounds = simulation._group_positions(key, 301)
    # reference: a stable comparison sort of the 64-bit keys, and the count of each key
    np.testing.assert_array_equal(order, np.argsort(key, kind="mergesort"))
    want = np.concatenate([[0], np.cumsum([np.sum(key == g) for g in range(301)])])
    np.testing.assert_array_equal(bounds, want)


def test_hierarchical_share_draws_equal_the_draw_by_draw_lookup(deaths: u.Target) -> None:
    observed = u.Observed(150, qualifier="over", base="panel", dated_by="incident")
    _, plan = prepare(observed, deaths, "rate")
    share = plan.factor("definition")
    assert isinstance(share, u.HierarchicalShare)
    assert plan.base is not None
    n = 20_000
    m = plan.base.draw(np.random.default_rng(11), n)
    for base in (m, None):
        got = share.draw(np.random.default_rng(3), n, m=base)
        # reference: the same stream, each draw's cell found on its own with searchsorted
        rng = np.random.default_rng(3)
        fit = share.fit(share.default_support)
        nq = fit.q_nodes.size
        iq = rng.integers(nq, size=n) if nq > 1 else np.zeros(n, dtype=np.intp)
        m_c = share.default_m if share.default_m is not None else 1.0
        values = np.full(n, m_c) if base is None else base
        mids = (fit.m_nodes[1:] + fit.m_nodes[:-1]) / 2
        im = np.searchsorted(mids, values)
        uniform = rng.random(n)
        cum = fit.cumulative.reshape(-1, fit.a.size)
        group = iq * fit.m_nodes.size + im
        cells = np.array(
            [
                min(int(np.searchsorted(cum[g], v)), fit.a.size - 1)
                for g, v in zip(group, uniform, strict=True)
            ]
        )
        want = rng.beta(fit.a[cells], fit.b[cells])
        np.testing.assert_array_equal(got, want)


@settings(max_examples=30, deadline=None)
@given(
    draws=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=500),
    level=st.floats(0.5, 0.99),
)
def test_quantiles_from_sorted_draws_equal_those_from_unsorted(
    draws: list[float], level: float
) -> None:
    x = np.array(draws)
    probs = [0.5, (1 - level) / 2, 1 - (1 - level) / 2]
    q_sorted, se_sorted = simulation._quantiles_with_se(np.sort(x), probs)
    # reference: numpy.quantile (type 7) on the draws in their own order
    p = np.array(probs)
    lo, hi = np.clip(p - 0.005, 0, 1), np.clip(p + 0.005, 0, 1)
    np.testing.assert_array_equal(q_sorted, np.quantile(x, p))
    spread = np.quantile(x, hi) - np.quantile(x, lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(spread > 0, (hi - lo) / spread, np.inf)
        np.testing.assert_array_equal(se_sorted, np.sqrt(p * (1 - p) / x.size) / density)


@settings(max_examples=30, deadline=None)
@given(draws=st.lists(st.floats(1e-3, 1e6, allow_nan=False), min_size=1, max_size=300))
def test_variances_with_the_sorted_copy_equal_the_plain_ones(draws: list[float]) -> None:
    x = np.array(draws)
    s = np.sort(x)
    plain = float(np.var(x)) if np.ptp(x) > 0 else 0.0  # reference: numpy.var, 0 if constant
    assert simulation._variance(x, s) == plain
    logs = np.log(x)
    plain_log = float(np.var(logs)) if np.ptp(logs) > 0 else 0.0
    assert simulation._log_variance(x, s) == plain_log


def test_log_variance_with_a_zero_draw_is_nan_either_way() -> None:
    x = np.array([3.0, 0.0, 2.0])
    assert math.isnan(simulation._log_variance(x, np.sort(x)))
    assert math.isnan(simulation._log_variance(x))


@settings(max_examples=40, deadline=None)
@given(
    weights=st.lists(
        st.lists(
            # many zero and tiny weights: cells stacked in one bucket, empty buckets
            st.one_of(st.just(0.0), st.floats(1e-12, 1e-6), st.floats(0.0, 1.0)),
            min_size=1,
            max_size=60,
        ).filter(lambda w: sum(w) > 0),
        min_size=1,
        max_size=4,
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_guide_table_lookup_equals_searchsorted_draw_by_draw(
    weights: list[list[float]], seed: int
) -> None:
    from sinstats.stats.uncertainty.shares import Fit

    cells = max(len(w) for w in weights)
    post = np.zeros((len(weights), 1, cells))
    for g, w in enumerate(weights):
        post[g, 0, : len(w)] = np.array(w) / sum(w)
    fit = Fit(np.ones(cells), np.ones(cells), np.ones(len(weights)), np.ones(1), post)
    rng = np.random.default_rng(seed)
    n = 2_000
    group = rng.integers(len(weights), size=n)
    # uniform draws, plus the bucket edges j/K and the values just below them
    edges = np.arange(cells) / cells
    u = np.concatenate([rng.random(n - 2 * cells), edges, np.nextafter(edges, -1).clip(0)])
    got = fit.lookup(group, u)
    cum = fit.cumulative.reshape(-1, cells)
    # reference: the first cell whose cumulative weight is at least u, draw by draw
    want = [min(int(np.searchsorted(cum[g], v)), cells - 1) for g, v in zip(group, u, strict=True)]
    np.testing.assert_array_equal(got, want)


@settings(max_examples=30, deadline=None)
@given(draws=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300))
def test_median_of_sorted_draws_equals_numpy_median(draws: list[float]) -> None:
    x = np.array(draws)
    assert simulation._median_sorted(np.sort(x)) == np.median(x)  # reference: numpy.median


@settings(max_examples=30, deadline=None)
@given(
    tiny=st.floats(1e-300, 1e-3),
    n=st.integers(1, 400),
    seed=st.integers(0, 2**32 - 1),
)
def test_garwood_draws_finish_for_a_tiny_non_integer_count(tiny: float, n: int, seed: int) -> None:
    # Found by hypothesis: a count of about 1e-10 never finished (the median of Gamma(x)
    # underflows to 0, so rejection below it accepted nothing). The lower half is then 0
    # (below the smallest positive double); the upper half is Gamma(x + 1) at or above its
    # median, whose probability is 1/2 by definition (reference: scipy's gammainc).
    draws = u.garwood_draws(np.full(n, tiny), np.random.default_rng(seed))
    assert draws.shape == (n,)
    median_upper = float(special.gammaincinv(tiny + 1.0, 0.5))
    lower, upper = draws[draws < median_upper], draws[draws >= median_upper]
    assert upper.size == n // 2 or (n % 2 == 1 and upper.size == n // 2 + 1)
    if float(special.gammaincinv(tiny, 0.5)) == 0.0:
        assert np.all(lower == 0.0)
    assert np.all(special.gammainc(tiny + 1.0, upper) >= 0.5 - 1e-12)


def test_half_gamma_falls_back_to_inversion_when_rejection_stalls() -> None:
    # A median the proposals never reach stands in for a numerical disagreement: the rest is
    # drawn by inversion, from the half asked for (reference: gammainc of each draw).
    class Stalled(np.random.Generator):
        def standard_gamma(self, shape, size=None, dtype=np.float64, out=None):  # type: ignore[override]
            return np.zeros(size)

    rng = Stalled(np.random.PCG64(1))
    draws = simulation._half_gamma(rng, 5.0, float(special.gammaincinv(5.0, 0.5)), True, 1_000)
    assert draws.shape == (1_000,)
    assert np.all(special.gammainc(5.0, draws) >= 0.5 - 1e-12)


def test_fit_in_blocks_equals_the_whole_table_construction(deaths: u.Target) -> None:
    from scipy import stats

    from sinstats.stats.uncertainty import shares

    share = next(c for c in deaths.components if c.kind == "definition")
    assert isinstance(share, u.HierarchicalShare)
    m_nodes = tuple(float(v) for v in np.linspace(0.7, 1.0, 4))
    got = shares._fit(share, m_nodes)
    # reference: the whole (share bins x cells) table of Beta densities in one expression
    mu = (np.arange(shares._MU_POINTS) + 0.5) / shares._MU_POINTS
    lo, hi = share.phi_range
    phi = np.exp(np.linspace(math.log(lo), math.log(hi), shares._PHI_POINTS))
    mu_c, phi_c = np.meshgrid(mu, phi, indexing="ij")
    a, b = (mu_c * phi_c).ravel(), ((1 - mu_c) * phi_c).ravel()
    log_prior = shares.between_year_log_prior(mu_c, phi_c, share.sd_scale).ravel()
    s = (np.arange(shares._SHARE_BINS) + 0.5) / shares._SHARE_BINS
    logpdf = (
        (a[None, :] - 1) * np.log(s)[:, None]
        + (b[None, :] - 1) * np.log1p(-s)[:, None]
        - special.betaln(a, b)[None, :]
    )
    logpdf -= logpdf.max(axis=0, keepdims=True)
    dens = np.exp(logpdf)
    dens /= dens.sum(axis=0, keepdims=True)
    assert share.narrow_mapping is not None
    q_nodes, m_arr = share.narrow_mapping.nodes(), np.array(m_nodes)
    loglik = np.zeros((q_nodes.size, m_arr.size, a.size))
    for bd in share.fit_breakdowns():
        ks, wk = bd.feasible()
        q_used = q_nodes if bd.definition == "narrow" else np.array([1.0])
        m_used = m_arr if bd.base != share.base else np.array([1.0])
        c = (q_used[:, None] * m_used[None, :]).ravel()
        p = np.clip(c[:, None] * s[None, :], 0.0, 1.0)
        pmf = stats.binom.pmf(ks[None, None, :], bd.denominator, p[:, :, None]) @ wk
        with np.errstate(divide="ignore"):
            loglik = loglik + np.log(pmf @ dens).reshape(q_used.size, m_used.size, a.size)
    logpost = loglik + log_prior[None, None, :]
    logpost -= logpost.max(axis=2, keepdims=True)
    post = np.exp(logpost)
    post /= post.sum(axis=2, keepdims=True)
    np.testing.assert_array_equal(got.posterior, post)


def test_forget_fits_drops_only_that_shares_fits(deaths: u.Target) -> None:
    from sinstats.stats.uncertainty import shares

    share = next(c for c in deaths.components if c.kind == "definition")
    assert isinstance(share, u.HierarchicalShare)
    name = share.fit_breakdowns()[0].name
    variant = share.without(name)
    kept = share.fit((0.7, 1.0))
    first = variant.fit((0.7, 1.0))
    shares.forget_fits(variant)
    assert share.fit((0.7, 1.0)) is kept  # still cached
    again = variant.fit((0.7, 1.0))
    assert again is not first  # fitted again, to the same numbers
    np.testing.assert_array_equal(again.posterior, first.posterior)
