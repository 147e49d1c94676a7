"""Monte Carlo simulation of the uncertainty model, its result and variance decomposition.

Every component kind has its own random stream (:func:`_streams`), spawned from one seed, so that
switching a component on or off leaves the other components' draws unchanged and a seed gives the
same draws to the bit. Chance is drawn by :func:`garwood_draws`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from sinstats._typing import FloatArray
from sinstats.errors import ParameterError
from sinstats.stats._validation import check_conf_levels
from sinstats.stats.uncertainty._model import Plan, check_n_draws, check_seed, prepare
from sinstats.stats.uncertainty.assumptions import DEFAULT_CONF_LEVELS, DEFAULT_SEED, Target
from sinstats.stats.uncertainty.closed_form import closed_form_result
from sinstats.stats.uncertainty.components import COMPONENT_KINDS, Component
from sinstats.stats.uncertainty.observed import Observed
from sinstats.stats.uncertainty.shares import HierarchicalShare

IntArray = npt.NDArray[np.intp]

# One independent random stream per kind (plus one for chance with the count held at its central
# value), so that switching a component on or off leaves the other components' draws unchanged.
_STREAMS: Final = {
    kind: i
    for i, kind in enumerate(
        (*COMPONENT_KINDS, "chance_alone", "split", "unnotified", "split_alone", "unnotified_alone")
    )
}
#: Parts of a realised count that are not components: the split by cause, the unnotified deaths.
REALISED_PARTS: Final = ("split", "unnotified")
# Half-width (in probability) of the window used to estimate the density at a quantile for its
# Monte Carlo standard error.
_SE_WINDOW: Final = 0.005
# Widest range of whole counts whose rate draws are grouped by arithmetic rather than a search.
_MAX_WHOLE_SPAN: Final = 10_000
# Rounds of the rejection sampler before the rest of a group is drawn by inversion.
_MAX_REJECTION_ROUNDS: Final = 64
# Draws per block where only some draws take a variate (bounds the copies held at once).
_BLOCK_DRAWS: Final = 65_536


def _garwood_bounds(count: float, conf_level: float) -> tuple[float, float]:
    """Garwood's exact bounds for a (possibly non-integer) count, from Gamma quantiles.

    ``L = G_x^{-1}(alpha/2)`` (0 when ``x = 0``) and ``U = G_{x+1}^{-1}(1 - alpha/2)``, with
    ``G_a`` the Gamma(a, 1) distribution function; for whole ``x`` these equal
    :func:`sinstats.stats.intervals.poisson_ci` with ``method="exact"``.
    """
    alpha = 1 - conf_level
    lower = float(special.gammaincinv(count, alpha / 2)) if count > 0 else 0.0
    upper = float(special.gammaincinv(count + 1, 1 - alpha / 2))
    return lower, upper


def garwood_draws(counts: npt.ArrayLike, rng: np.random.Generator) -> FloatArray:
    r"""Draw underlying Poisson rates whose equal-tailed intervals are Garwood's exact intervals.

    Parameters
    ----------
    counts : array-like of float
        One count per draw (non-negative; may repeat, may be non-integer).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray
        One rate per count.

    Raises
    ------
    ParameterError
        If a count is negative, NaN or infinite (nothing is drawn).

    Notes
    -----
    Let :math:`G_a` be the Gamma(a, 1) distribution function and :math:`m_a` its median. The
    target distribution of the rate has quantile function

    .. math::

        Q(u) = G_x^{-1}(u) \text{ for } u < 1/2, \qquad Q(u) = G_{x+1}^{-1}(u)
        \text{ for } u \ge 1/2,

    which is non-decreasing (Gamma(x+1) is stochastically larger than Gamma(x)), so it is a
    valid quantile function; its :math:`\alpha/2` and :math:`1-\alpha/2` quantiles are
    :math:`G_x^{-1}(\alpha/2) = \chi^2_{\alpha/2}(2x)/2` and
    :math:`G_{x+1}^{-1}(1-\alpha/2) = \chi^2_{1-\alpha/2}(2x+2)/2`, exactly Garwood's bounds at
    every level. (It jumps from :math:`m_x` to :math:`m_{x+1}` at :math:`u = 1/2`: the
    distribution has no mass between the two medians.)

    Inverting the Gamma distribution for every draw is slow (about 0.6 s per million with
    ``scipy.special.gammaincinv``), so the same distribution is drawn as a mixture: with
    probability 1/2, Gamma(x) conditioned to lie below :math:`m_x`; otherwise Gamma(x+1)
    conditioned to lie at or above :math:`m_{x+1}`. Each conditional is drawn by rejection from
    ``rng.standard_gamma`` with a scalar shape (acceptance exactly 1/2; proposals are drawn in
    bulk, about twice as many as needed, and the first accepted ones are kept), which costs
    about two Gamma variates per draw: some 0.05 s per million. The mixture's distribution
    function is :math:`\min(G_x(t), 1/2) + \max(G_{x+1}(t) - 1/2, 0)`, the same as that of
    :math:`Q(U)`. A count of 0 gives a rate of exactly 0 in the lower half.

    The two halves are balanced: exactly ``n // 2`` draws, at random positions, come from the
    upper half (for odd ``n`` the odd draw goes to either half with probability 1/2), rather
    than each draw choosing its half by a fair coin. Every draw still has the distribution
    above, but the sample median no longer jumps across the gap with the seed: with a coin per
    draw it lands near :math:`m_x` or near :math:`m_{x+1}` (about one count apart) according to
    whether more or fewer than half the coins fell "upper", a seed-to-seed difference about ten
    times the Monte Carlo standard error the results report for it. Balanced, the median of an
    even number of draws is the midpoint of the gap, :math:`(m_x + m_{x+1})/2 \approx x + 1/6`.

    The sequence of draws depends only on the generator's state, so results are reproducible to
    the bit for a given seed.

    References
    ----------
    .. [1] Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-442.
    .. [2] Devroye L. Non-Uniform Random Variate Generation. Springer, 1986 (ch. II.3,
       rejection).
    """
    x = np.asarray(counts, dtype=np.float64).reshape(-1)
    n = x.size
    out = np.zeros(n)
    if n == 0:
        return out
    # min and max carry a NaN through, so one comparison each checks every count.
    lowest, highest = float(x.min()), float(x.max())
    if not (lowest >= 0 and math.isfinite(highest)):
        bad = x[~(np.isfinite(x) & (x >= 0))][0]
        raise ParameterError(f"counts must be finite and non-negative; got {bad!r}")
    n_upper = n // 2 + int(n % 2 == 1 and rng.random() < 0.5)
    upper = np.zeros(n, dtype=bool)
    upper[rng.permutation(n)[:n_upper]] = True
    if lowest == highest:
        # One count (chance at a fixed count): two groups, the count's lower half and the next
        # shape's upper half; their positions in ascending order, as the stable sort gives.
        value = lowest
        groups = [
            (value, False, np.flatnonzero(~upper)),
            (value + 1.0, True, np.flatnonzero(upper)),
        ]
        medians = special.gammaincinv(np.array([value, value + 1.0]), 0.5)
        for (a, above, idx), median in zip(groups, medians, strict=True):
            if a > 0 and idx.size:
                out[idx] = _half_gamma(rng, a, float(median), above, idx.size)
        return out
    if highest - lowest <= _MAX_WHOLE_SPAN and np.array_equal(x, np.floor(x)):
        # Whole counts over a short range (a rounded figure): the shapes are the consecutive
        # whole numbers lowest .. highest + 1, each draw's index is read off without a search
        # (shapes with no draws make empty groups, which draw nothing).
        values = np.arange(lowest, highest + 2.0)
        index: IntArray = (x - lowest).astype(np.intp) + upper
    else:
        shape = x + upper
        values = np.unique(shape)
        index = np.asarray(np.searchsorted(values, shape), dtype=np.intp)
    # Group the draws by (shape, half) in one stable sort, in the order the groups are drawn
    # (shape ascending, lower half first); within a group the positions stay ascending.
    key = 2 * index + upper
    order, bounds = _group_positions(key, 2 * values.size)
    medians = special.gammaincinv(values, 0.5)
    for g in range(2 * values.size):
        value = float(values[g // 2])
        if value <= 0 or bounds[g] == bounds[g + 1]:
            continue  # a count of 0: the lower half of the rate's distribution is exactly 0
        idx = order[bounds[g] : bounds[g + 1]]
        out[idx] = _half_gamma(rng, value, float(medians[g // 2]), g % 2 == 1, idx.size)
    return out


def _group_positions(key: npt.NDArray[np.integer], n_groups: int) -> tuple[IntArray, IntArray]:
    """Positions sorted by ``key`` (stable) and each group's slice bounds in that order.

    The keys are small whole numbers in ``[0, n_groups)``; a 16-bit key is sorted by radix,
    several times faster than a comparison sort of 64-bit integers, with the same (stable)
    result.
    """
    small = key.astype(np.int16) if n_groups < 2**15 else key
    order = np.argsort(small, kind="stable")
    counts = np.bincount(key, minlength=n_groups)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return order, bounds


def _half_gamma(
    rng: np.random.Generator, shape: float, median: float, above: bool, size: int
) -> FloatArray:
    """Draw ``size`` Gamma(shape) variates conditioned to lie below (or at/above) ``median``.

    Rejection from ``rng.standard_gamma``: half of the proposals are accepted, so about twice
    ``size`` are drawn in one vectorised call (plus a margin of 6 standard deviations of the
    binomial count), with a further call in the rare case that too few are accepted.
    """
    if not above and not median > 0:
        # The median underflows to 0 (a shape below about 1e-3): every draw of the lower half
        # lies below the smallest positive double, so it is 0 (rejection would never accept).
        return np.zeros(size)
    parts: list[FloatArray] = []
    need = size
    for _ in range(_MAX_REJECTION_ROUNDS):
        proposals = rng.standard_gamma(shape, size=int(2 * need + 6 * math.sqrt(need) + 16))
        kept = proposals[proposals >= median] if above else proposals[proposals < median]
        parts.append(kept[:need])
        need -= parts[-1].size
        if need == 0:
            return np.concatenate(parts) if len(parts) > 1 else parts[0]
    # Acceptance is 1/2 by construction, so this is reached only if the generator's Gamma
    # variates and the median disagree numerically (an extreme shape): draw the rest by
    # inversion of the Gamma distribution, the same conditional distribution.
    uniform = rng.random(need)
    half = 0.5 + 0.5 * uniform if above else 0.5 * uniform
    parts.append(np.asarray(special.gammaincinv(shape, half), dtype=np.float64))
    return np.concatenate(parts)


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One generator per component kind, spawned from ``seed`` (independent streams)."""
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {kind: np.random.default_rng(children[i]) for kind, i in _STREAMS.items()}


def _count_draws(
    plan: Plan, streams: Mapping[str, np.random.Generator], n: int
) -> tuple[FloatArray, FloatArray | None]:
    """Draws of the true count ``X`` (None if fixed) and of the rate ``lambda(X)``."""
    lo, hi = plan.support
    x: FloatArray | None = None
    if plan.rounding is not None and hi > lo:
        x = streams["rounding"].integers(lo, hi + 1, size=n).astype(np.float64)
    base = x if x is not None else np.full(n, plan.count_central)
    use_chance = plan.chance is not None and plan.quantity == "rate"
    lam = garwood_draws(base, streams["chance"]) if use_chance else base
    return lam, x


def _factor_draws(
    plan: Plan, streams: Mapping[str, np.random.Generator], n: int
) -> tuple[dict[str, FloatArray], FloatArray | None]:
    """Draws of every factor by kind, and of the base factor ``m`` (None if no base)."""
    m = plan.base.draw(streams["base"], n) if plan.base is not None else None
    drawn: dict[str, FloatArray] = {}
    # The hierarchical share's draw holds the most temporaries (cells, their parameters), so it
    # is drawn first, while few other draws are held: a lower peak, and the same numbers, as
    # each kind has a stream of its own. The factors are returned in the plan's order.
    for c in sorted(plan.factors, key=lambda c: not isinstance(c, HierarchicalShare)):
        if c.kind == "base":
            assert m is not None
            drawn["base"] = m
        elif isinstance(c, HierarchicalShare):
            drawn[c.kind] = c.draw(streams[c.kind], n, m=m)
        else:
            drawn[c.kind] = c.draw(streams[c.kind], n)
    return {c.kind: drawn[c.kind] for c in plan.factors}, m


def _combine(count: FloatArray | float, factors: Mapping[str, FloatArray | float]) -> FloatArray:
    """Multiply the count by the factors; ascertainment divides."""
    out = np.asarray(count, dtype=np.float64)
    for kind, value in factors.items():
        out = out / value if kind == "ascertainment" else out * value
    return np.asarray(out, dtype=np.float64)


def _stochastic_round(values: FloatArray, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Round to a whole number up with probability equal to the fraction (mean preserved)."""
    low = np.floor(values)
    up = rng.random(values.size) < (values - low)
    return (low + up).astype(np.int64)


def realised_counts(
    count: FloatArray,
    multiplier: FloatArray | float,
    share: FloatArray | float,
    ascertainment: FloatArray | float,
    split_rng: np.random.Generator,
    unnotified_rng: np.random.Generator,
) -> FloatArray:
    r"""Draw this year's number: notified deaths split by cause, plus those never notified.

    Parameters
    ----------
    count : ndarray
        True count of notifications ``X`` per draw.
    multiplier : ndarray or float
        Timing and revision factors (``X`` times it is stochastically rounded to a whole
        number of notifications in the year, by incident date, final figures).
    share : ndarray or float
        Probability that a notified death is a target death (the definition share, times the
        base factor where the share is converted).
    ascertainment : ndarray or float
        Probability that a target death is notified and classified as one.
    split_rng, unnotified_rng : numpy.random.Generator
        Streams of the two draws.

    Returns
    -------
    ndarray
        ``K + U`` per draw, with ``K ~ Binomial(X', share)`` the notified target deaths and
        ``U ~ NegBin(K, p)`` (failures before the ``K``-th success) those never notified.

    Notes
    -----
    If each target death is notified independently with probability ``p``, the number never
    notified given ``K`` notified is ``NegBin(K, p)`` under the scale-invariant prior
    ``P(N) ~ 1/N`` on the total ``N`` (Haldane's inverse sampling): ``P(N = K + u | K) =
    C(K + u - 1, u) p^K (1 - p)^u``. Equivalently, with ``N ~ Poisson(L)``, ``K`` and ``U`` are
    independent Poisson counts and ``L p | K ~ Gamma(K, 1)`` under the prior ``1/L``, whose
    Gamma-Poisson mixture is the same negative binomial. ``K = 0`` gives ``U = 0``.

    References
    ----------
    .. [1] Haldane JBS. On a method of estimating frequencies. Biometrika 1945;33:222-225.
    """
    # Temporaries are dropped as soon as they are used (same numbers, a smaller peak).
    n_notified = _stochastic_round(np.asarray(count * multiplier, dtype=np.float64), split_rng)
    prob = np.clip(np.broadcast_to(np.asarray(share, dtype=np.float64), count.shape), 0.0, 1.0)
    k = split_rng.binomial(n_notified, prob)
    del n_notified, prob
    p = np.broadcast_to(np.asarray(ascertainment, dtype=np.float64), k.shape)
    mask = (k > 0) & (p < 1)
    out = k.astype(np.float64)
    if mask.all():  # no copies of k and p (the same draws as with the mask)
        out += unnotified_rng.negative_binomial(k, p)
    elif mask.any():
        # A block of the draws that take a variate at a time: the same numbers as one call
        # over all of them (each draw takes the next variates of the stream), without copies
        # of k, p and the result over every draw at once (8 MB of a kernel's peak at 200,000).
        where = np.flatnonzero(mask)
        del mask
        for start in range(0, where.size, _BLOCK_DRAWS):
            sel = where[start : start + _BLOCK_DRAWS]
            out[sel] += unnotified_rng.negative_binomial(k[sel], p[sel])
    return out


def _realised_total(
    plan: Plan,
    streams: Mapping[str, np.random.Generator],
    x: FloatArray | None,
    factors: dict[str, FloatArray],
    n: int,
    *,
    consume: bool = False,
) -> FloatArray:
    """Draws of this year's number; ``consume`` empties ``factors`` as each array is used."""
    count = x if x is not None else np.full(n, plan.count_central)
    take = factors.pop if consume else factors.get
    mult: FloatArray | float = 1.0  # 1.0 * t * r: the same numbers as np.ones(n) * t * r
    for kind in ("timing", "revision"):
        factor = take(kind, None)
        if factor is not None:
            mult = mult * factor
        del factor
    share: FloatArray | float = take("definition", 1.0)
    base = take("base", None)
    if base is not None:
        share = share * base
    del base
    ascertainment = take("ascertainment", 1.0)
    return realised_counts(
        count, mult, share, ascertainment, streams["split"], streams["unnotified"]
    )


def total_draws(plan: Plan, n: int, seed: int) -> FloatArray:
    """Draws of the target with every enabled component varying (used by the tornado too).

    Parameters
    ----------
    plan : Plan
        The validated model (its ``quantity`` says rate or realised count).
    n : int
        Number of draws.
    seed : int
        Seed of the random streams (one independent stream per component kind).

    Returns
    -------
    numpy.ndarray
        ``n`` draws of the target quantity.
    """
    streams = _streams(seed)
    lam, x = _count_draws(plan, streams, n)
    factors, _ = _factor_draws(plan, streams, n)
    if plan.quantity == "realised":
        return _realised_total(plan, streams, x, factors, n)
    return _combine(lam, factors)


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """The output of :func:`simulate`.

    Attributes
    ----------
    target : str
        Target name (``"custom"`` for a bare list of components).
    unit : str
        Unit of the target, for labels.
    observed : Observed
        The published figure.
    components : tuple of Component
        The enabled components, in model order.
    n_draws, seed : int
    conf_levels : tuple of float
    draws : ndarray
        The simulated values of the target (length ``n_draws``; empty if :func:`simulate` was
        asked not to keep them).
    alone_draws : dict of str to ndarray
        For each enabled component, draws with only that component varying (empty if not
        kept, or not drawn).
    point : float
        The target with every component at its central value.
    median, mean : float
        Of :attr:`draws`; the median is the central value reported.
    intervals : pandas.DataFrame
        Columns ``target, scope, kind, conf_level, central, lower, upper, lower_mc_se,
        upper_mc_se, method, note``; ``scope`` is ``"total"`` or a component's name (that
        component alone).
    decomposition : pandas.DataFrame
        Columns ``target, component, kind, variance, share_of_variance, log_variance,
        share_of_log_variance, log_variance_closed_form, method, note``; one row per component,
        then ``interaction`` and ``total``.
    approximation : pandas.DataFrame
        :func:`closed_form` for the same inputs.
    quantity : {"rate", "realised"}
        The underlying yearly rate or this year's realised number.
    skipped : tuple of (str, str)
        Components of the target that do not apply to this figure, and why (e.g. timing for an
        incident-dated Panel count).
    """

    target: str
    unit: str
    observed: Observed
    components: tuple[Component, ...]
    n_draws: int
    seed: int
    conf_levels: tuple[float, ...]
    draws: FloatArray
    alone_draws: Mapping[str, FloatArray]
    point: float
    median: float
    mean: float
    intervals: pd.DataFrame
    decomposition: pd.DataFrame
    approximation: pd.DataFrame
    quantity: str = "rate"
    skipped: tuple[tuple[str, str], ...] = ()

    @property
    def central(self) -> float:
        """The central value: the median of the draws."""
        return self.median

    def interval(self, conf_level: float = 0.95, scope: str = "total") -> tuple[float, float]:
        """Return ``(lower, upper)`` at ``conf_level`` for the total or one component alone.

        ``scope`` is ``"total"``, a component name or a component kind.
        """
        rows = self.intervals
        names = (
            {c.name: c.name for c in self.components}
            | {c.kind: c.name for c in self.components}
            | {p: p for p in REALISED_PARTS if p in set(rows["scope"])}
        )
        key = "total" if scope == "total" else names.get(scope)
        if key is None:
            raise ParameterError(
                f"unknown scope {scope!r}; use 'total' or one of " + ", ".join(names)
            )
        if key not in set(rows["scope"]):
            raise ParameterError(
                f"no interval for {scope!r}: the components were not simulated alone "
                "(simulate(..., alone=False) gives the total only)"
            )
        hit = rows[(rows["scope"] == key) & np.isclose(rows["conf_level"], conf_level)]
        if hit.empty:
            raise ParameterError(
                f"no interval at conf_level {conf_level}; simulated levels: {self.conf_levels}"
            )
        return float(hit["lower"].iloc[0]), float(hit["upper"].iloc[0])

    def summary(self, conf_level: float | None = None) -> str:
        """One sentence in plain words."""
        level = conf_level if conf_level is not None else max(self.conf_levels)
        lower, upper = self.interval(level)
        return (
            f"{self.target}: from the published figure {self.observed.describe()}, central "
            f"estimate {self.median:.0f} {self.unit}, {level:.0%} interval {lower:.0f} to "
            f"{upper:.0f} (components on: {', '.join(c.kind for c in self.components) or 'none'};"
            f" {self.n_draws:,} draws, seed {self.seed})"
        )


def _quantiles_with_se(draws: FloatArray, probs: Sequence[float]) -> tuple[FloatArray, FloatArray]:
    """Quantiles and their Monte Carlo standard errors ``sqrt(p(1-p)/n) / f(q)``.

    The density ``f`` at each quantile is estimated from the quantiles at ``p -/+ 0.005``.
    The draws may be passed sorted (:func:`simulate` sorts each array once and reuses it for
    every quantile and the median): the order statistics, hence the quantiles, are the same
    numbers, and selecting them from sorted data costs a fraction of selecting them from
    unsorted data.
    """
    p = np.asarray(probs, dtype=np.float64)
    lo = np.clip(p - _SE_WINDOW, 0.0, 1.0)
    hi = np.clip(p + _SE_WINDOW, 0.0, 1.0)
    q = _quantiles(draws, np.concatenate([p, lo, hi]))
    k = p.size
    central, qlo, qhi = q[:k], q[k : 2 * k], q[2 * k :]
    spread = qhi - qlo
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(spread > 0, (hi - lo) / spread, np.inf)
        se = np.sqrt(p * (1 - p) / draws.size) / density
    return central, np.asarray(se, dtype=np.float64)


def _sorted(draws: FloatArray) -> bool:
    """Return True if ``draws`` is in non-decreasing order (one vectorised pass)."""
    return bool(draws.size < 2 or not np.any(draws[1:] < draws[:-1]))


def _quantiles(draws: FloatArray, probs: FloatArray, ordered: bool | None = None) -> FloatArray:
    """``numpy.quantile(draws, probs)`` (type 7, linear), read off sorted draws directly.

    ``numpy.quantile`` partitions its input even when it is sorted already; on sorted draws
    this reads the two order statistics around each virtual index ``(n - 1) p`` and
    interpolates them exactly as numpy does (its ``_lerp``: from below for a weight under
    1/2, from above otherwise), so the numbers are the same to the bit. Unsorted draws (or
    draws with a NaN) go to ``numpy.quantile``.
    """
    n = draws.size
    if n == 0 or not (_sorted(draws) if ordered is None else ordered) or np.isnan(draws[-1]):
        return np.asarray(np.quantile(draws, probs), dtype=np.float64)
    virtual = (n - 1) * np.asarray(probs, dtype=np.float64)
    previous = np.floor(virtual)
    following = previous + 1
    above = virtual >= n - 1
    previous[above] = -1
    following[above] = -1
    below = virtual < 0
    previous[below] = 0
    following[below] = 0
    prev_i = previous.astype(np.intp)
    next_i = following.astype(np.intp)
    a = draws[prev_i]
    b = draws[next_i]
    gamma = virtual - prev_i
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return np.asarray(out, dtype=np.float64)


def _median_sorted(ordered: FloatArray) -> float:
    """``numpy.median`` of sorted draws (the mean of the middle one or two), without sorting."""
    mid = ordered.size // 2
    middle = ordered[mid : mid + 1] if ordered.size % 2 else ordered[mid - 1 : mid + 1]
    return float(np.mean(middle))


def _interval_rows(
    target: str,
    scope: str,
    kind: str,
    draws: FloatArray,
    conf_levels: Sequence[float],
    note: str,
) -> list[dict[str, object]]:
    probs: list[float] = [0.5]
    for level in conf_levels:
        probs += [(1 - level) / 2, 1 - (1 - level) / 2]
    q, se = _quantiles_with_se(draws, probs)
    rows: list[dict[str, object]] = []
    for i, level in enumerate(conf_levels):
        rows.append(
            {
                "target": target,
                "scope": scope,
                "kind": kind,
                "conf_level": level,
                "central": float(q[0]),
                "lower": float(q[1 + 2 * i]),
                "upper": float(q[2 + 2 * i]),
                "lower_mc_se": float(se[1 + 2 * i]),
                "upper_mc_se": float(se[2 + 2 * i]),
                "method": "monte_carlo_percentile",
                "note": note,
            }
        )
    return rows


def _variance(draws: FloatArray, ordered: FloatArray | None = None) -> float:
    """Variance of the draws; exactly 0 for a constant array (no rounding noise).

    ``ordered`` is the same draws sorted (or just the smallest and largest, in that order),
    when at hand: the range is then read off its ends (the variance itself is always summed
    in the draws' own order, so the number does not depend on whether ``ordered`` was given).
    """
    spread = ordered[-1] - ordered[0] if ordered is not None else np.ptp(draws)
    return float(np.var(draws)) if spread > 0 else 0.0


def _log_variance(draws: FloatArray, ordered: FloatArray | None = None) -> float:
    """Variance of the log of the draws; NaN if any draw is 0 or negative."""
    if (ordered[0] <= 0) if ordered is not None else np.any(draws <= 0):
        return math.nan
    logs = np.log(draws)
    if ordered is None:
        return _variance(logs)
    return _variance(logs, np.log(ordered[[0, -1]]))


def simulate(
    observed: Observed | float | int,
    components: Target | Sequence[Component],
    n_draws: int = 200_000,
    seed: int = DEFAULT_SEED,
    conf_levels: Sequence[float] = DEFAULT_CONF_LEVELS,
    quantity: str = "rate",
    *,
    alone: bool = True,
    keep_draws: bool = True,
) -> UncertaintyResult:
    """Simulate the target quantity behind a published figure, with every source of doubt.

    Parameters
    ----------
    observed : Observed, int or float
        The published figure; a bare number is an exact count.
    components : Target or sequence of Component
        A target from :func:`load_assumptions` (``assumptions.target("...")``), possibly
        modified with :func:`switch`, or a list of components (at most one of each kind).
    n_draws : int, default 200_000
        Number of Monte Carlo draws, from 1,000 to 50,000,000.
    seed : int, default 2026
        Seed; the same seed and inputs give identical draws.
    conf_levels : sequence of float, default (0.8, 0.95)
        Confidence levels of the reported intervals, proportions in (0, 1).
    quantity : {"rate", "realised"}, default "rate"
        ``"rate"``: the underlying yearly rate (the number to expect in a year like this one,
        for comparing years; chance included). ``"realised"``: the number in this one year
        (:func:`realised_counts`: the notified deaths split by cause plus those never notified;
        chance does not apply).
    alone : bool, default True
        Also draw each component alone (its intervals and the variance decomposition).
        ``False`` gives the total only, for callers that need just its interval
        (leave-one-out, triangulation): the same total draws, median and intervals for the
        same seed (the alone draws come after the total's in every stream), no component
        rows, the decomposition's ``total`` row alone, an empty :attr:`~UncertaintyResult.
        alone_draws`, and about half the memory and time.
    keep_draws : bool, default True
        Keep the draws in the result. ``False`` keeps only the summaries (median, mean,
        intervals, decomposition: the same numbers); :attr:`~UncertaintyResult.draws` is then
        empty and :attr:`~UncertaintyResult.alone_draws` has no arrays, which frees about 13 MB
        per result at 200,000 draws (the notebooks' results, :mod:`sinstats.analyses.measure`).

    Returns
    -------
    UncertaintyResult

    Raises
    ------
    ParameterError
        For an invalid observed value, component list, ``n_draws``, ``seed`` or level; raised
        before any draws are made.

    Notes
    -----
    The total draws are ``T = lambda(X) * tau * rho * s / p`` (see the module docstring). For
    each enabled component a second set of draws varies that component alone with the others at
    their central values (count: middle of its support; factors: ``centre``; shares: the
    published share or Beta mean); these give the component-alone intervals and the variance
    decomposition. The alone draws reuse the component's own stream, so they are the same random
    numbers as in the total.

    *Variance decomposition.* On the count scale the table gives each component's variance
    alone, and ``interaction = total - sum(alone)``. For independent factors in a product the
    interaction is the sum of the products of two or more relative variances (e.g. for two
    factors with relative variances ``a`` and ``b`` it is ``a*b`` times the squared point
    value), plus the Jensen gap between central values and means; it is positive and small when
    every component is modest (a few per cent of the total here), and Monte Carlo noise adds
    about ``sqrt(8/n)`` of the total to it. On the log scale independent factors add exactly:
    ``Var(log T) = sum Var(log Y_k)``, so the log ``interaction`` row is Monte Carlo noise
    (sample covariances) alone, and the log shares are the cleaner attribution; a closed-form
    log variance per component is given beside it (:func:`closed_form`). The exception is a
    figure whose rounding varies while chance is on: the rate ``lambda(X)`` is not the true
    count times an independent factor, since the spread of chance depends on ``X`` (about
    ``1/X`` on the log scale) and chance alone is drawn at the central count ``x_c``. The log
    interaction then also holds ``[Var E(log lambda | X) - Var(log X)] + [E Var(log lambda |
    X) - Var(log lambda | x_c)]``, which is not noise: about 8% of the log variance for a
    regional 10 (true count 5-14) and a third for a suppressed 1-5, though under 1% for the
    national worked examples. There the closed-form rounding and chance rows split
    ``Var(log lambda(X))`` by the law of total variance instead, so they need not match the
    one-at-a-time rows.

    Intervals are equal-tailed percentiles (``numpy.quantile``, linear interpolation, type 7 of
    Hyndman and Fan); their Monte Carlo standard errors are ``sqrt(p(1-p)/n) / f(q)`` with the
    density ``f`` estimated from neighbouring quantiles.

    References
    ----------
    .. [1] HM Treasury. The Aqua Book. 2015 (ch. 8, uncertainty).
    .. [2] Saltelli A, et al. Global Sensitivity Analysis: The Primer. Wiley, 2008.
    .. [3] Hyndman RJ, Fan Y. Sample quantiles in statistical packages. The American
       Statistician 1996;50:361-365.
    """
    target, plan = prepare(observed, components, quantity)
    obs = plan.observed
    n = check_n_draws(n_draws)
    seed = check_seed(seed)
    levels = check_conf_levels(conf_levels)

    streams = _streams(seed)
    lam, x = _count_draws(plan, streams, n)
    factor_draws, m = _factor_draws(plan, streams, n)
    realised = plan.quantity == "realised"
    if alone:
        total = (
            _realised_total(plan, streams, x, factor_draws, n)
            if realised
            else _combine(lam, factor_draws)
        )
        parts = _alone_draws(plan, streams, n, lam, x, factor_draws, m)
    else:
        # Nothing after the total needs the parts: each is let go as soon as it is used (the
        # same numbers, a smaller peak).
        del m
        if realised:
            del lam
            total = _realised_total(plan, streams, x, factor_draws, n, consume=True)
        else:
            total = _combine(lam, factor_draws)
        del x, factor_draws
        parts = {}
    # Each array is sorted once, into one reused buffer; its quantiles, median and range are
    # read from the sorted copy, and only its two ends are kept (for the decomposition).
    buffer = np.empty(n)
    ends: dict[str, FloatArray] = {}

    def sorted_copy(key: str, draws: FloatArray) -> FloatArray:
        np.copyto(buffer, draws)
        buffer.sort()
        ends[key] = buffer[[0, -1]]
        return buffer

    name = target.name
    what = "this year's realised number" if realised else "the underlying yearly rate"
    ordered_total = sorted_copy("total", total)
    median = _median_sorted(ordered_total)
    rows = _interval_rows(
        name,
        "total",
        "total",
        ordered_total,
        levels,
        f"{what}: all enabled components; {n:,} draws, seed {seed}",
    )
    kinds = {c.name: c.kind for c in plan.enabled} | {p: p for p in REALISED_PARTS}
    for cname in parts:
        rows += _interval_rows(
            name,
            cname,
            kinds[cname],
            sorted_copy(cname, parts[cname]),
            levels,
            f"only {cname} varies; other components at their central values",
        )
    intervals = pd.DataFrame(rows)

    approx = closed_form_result(name, plan, levels)
    decomposition = _decompose(name, plan, total, parts, approx.log_variance, ends)
    if not alone:  # no component rows, so no interaction either: the total's row alone
        decomposition = decomposition[decomposition["kind"] == "total"].reset_index(drop=True)
    return UncertaintyResult(
        target=name,
        unit=target.unit,
        observed=obs,
        components=plan.enabled,
        n_draws=n,
        seed=seed,
        conf_levels=levels,
        draws=total if keep_draws else np.empty(0),
        alone_draws=parts if keep_draws else {},
        point=plan.point(),
        median=median,
        mean=float(np.mean(total)),
        intervals=intervals,
        decomposition=decomposition,
        approximation=approx.table,
        quantity=plan.quantity,
        skipped=plan.skipped,
    )


def _alone_draws(
    plan: Plan,
    streams: Mapping[str, np.random.Generator],
    n: int,
    lam: FloatArray,
    x: FloatArray | None,
    factor_draws: Mapping[str, FloatArray],
    m: FloatArray | None,
) -> dict[str, FloatArray]:
    """For each part of the model, draws with only that part varying (others central)."""
    centrals = {c.kind: c.central() for c in plan.factors}
    alone: dict[str, FloatArray] = {}
    if plan.rounding is not None:
        count = x if x is not None else np.full(n, plan.count_central)
        alone[plan.rounding.name] = _combine(count, centrals)
    if plan.chance is not None and plan.quantity == "rate":
        if x is None:
            lam_alone = lam
        else:
            lam_alone = garwood_draws(np.full(n, plan.count_central), streams["chance_alone"])
        alone[plan.chance.name] = _combine(lam_alone, centrals)
    definition = plan.factor("definition")
    for comp in plan.factors:
        if comp.kind == "base":
            continue
        mixed: dict[str, FloatArray | float] = dict(centrals)
        mixed[comp.kind] = factor_draws[comp.kind]
        if comp.kind == "definition" and isinstance(comp, HierarchicalShare) and m is not None:
            mixed["definition"] = comp.draw(streams["definition"], n, m=None)
        alone[comp.name] = _combine(plan.count_central, mixed)
    if plan.base is not None and m is not None:
        mixed = dict(centrals)
        if plan.converts:
            mixed["base"] = m
        if isinstance(definition, HierarchicalShare) and definition.needs_base():
            mixed["definition"] = definition.mean_at(m)
        alone[plan.base.name] = _combine(plan.count_central, mixed)
    if plan.quantity == "realised":
        share = centrals.get("definition", 1.0) * centrals.get("base", 1.0)
        p = centrals.get("ascertainment", 1.0)
        mult = centrals.get("timing", 1.0) * centrals.get("revision", 1.0)
        count = np.full(n, plan.count_central)
        k = streams["split_alone"].binomial(
            _stochastic_round(count * mult, streams["split_alone"]), min(share, 1.0)
        )
        alone["split"] = k / p
        expected = plan.count_central * mult * share
        if p < 1 and expected > 0:
            u = streams["unnotified_alone"].negative_binomial(expected, p, size=n)
            alone["unnotified"] = np.asarray(expected + u, dtype=np.float64)
        else:
            alone["unnotified"] = np.full(n, expected / p)
    order = {c.name: i for i, c in enumerate(plan.enabled)}
    return dict(sorted(alone.items(), key=lambda kv: order.get(kv[0], len(order))))


def _decompose(
    target: str,
    plan: Plan,
    total: FloatArray,
    alone: Mapping[str, FloatArray],
    closed: Mapping[str, float],
    ordered: Mapping[str, FloatArray] | None = None,
) -> pd.DataFrame:
    """Variance decomposition: each component alone, the interaction and the total.

    ``ordered`` holds the same arrays sorted (or their smallest and largest draws), keyed
    ``"total"`` and by component, when at hand.
    """
    order = ordered or {}
    total_var = _variance(total, order.get("total"))
    total_log = _log_variance(total, order.get("total"))
    rows: list[dict[str, object]] = []
    sum_var = 0.0
    sum_log = 0.0
    kinds = {c.name: c.kind for c in plan.enabled}
    for cname, draws in alone.items():
        kind = kinds.get(cname, cname)
        var = _variance(draws, order.get(cname))
        log_var = _log_variance(draws, order.get(cname))
        sum_var += var
        sum_log += log_var
        rows.append(
            {
                "target": target,
                "component": cname,
                "kind": kind,
                "variance": var,
                "log_variance": log_var,
                "log_variance_closed_form": closed.get(kind, math.nan),
                "method": "one_at_a_time",
                "note": "variance with only this component varying, others at central values",
            }
        )
    rows.append(
        {
            "target": target,
            "component": "interaction",
            "kind": "interaction",
            "variance": total_var - sum_var,
            "log_variance": total_log - sum_log,
            "log_variance_closed_form": 0.0,
            "method": "total_minus_sum",
            "note": (
                "count scale: products of two or more components' relative variances plus "
                "Monte Carlo noise; log scale: "
                + (
                    "Monte Carlo noise plus the dependence of chance's spread on the true count "
                    "(rounding and chance both vary, so they are not independent factors)"
                    if plan.rounding is not None
                    and plan.chance is not None
                    and plan.support[1] > plan.support[0]
                    else "Monte Carlo noise only (independent factors add)"
                )
            ),
        }
    )
    rows.append(
        {
            "target": target,
            "component": "total",
            "kind": "total",
            "variance": total_var,
            "log_variance": total_log,
            "log_variance_closed_form": closed.get("total", math.nan),
            "method": "monte_carlo",
            "note": "variance of the total draws",
        }
    )
    table = pd.DataFrame(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["share_of_variance"] = table["variance"] / total_var if total_var > 0 else math.nan
        table["share_of_log_variance"] = (
            table["log_variance"] / total_log if total_log > 0 else math.nan
        )
    if math.isnan(total_log):
        table.loc[table["kind"] != "total", "note"] = (
            table["note"] + "; log scale undefined: some draws are 0"
        )
    return table[
        [
            "target",
            "component",
            "kind",
            "variance",
            "share_of_variance",
            "log_variance",
            "share_of_log_variance",
            "log_variance_closed_form",
            "method",
            "note",
        ]
    ]
