r"""Shares measured on a base: the base conversion and the hierarchical (between-year) share.

Two components of the uncertainty model live here:

* :class:`Base` converts a share measured on the Panel's base into one for DfE's count. In the
  one period both published child-death counts for the same months (April 2022 to March 2023),
  the Panel counted 146 and DfE 201. DfE's extra notifications may carry the Panel's mix of
  causes or none of its maltreatment deaths; the factor is ``m = r + (1 - r) w`` with ``r`` the
  Panel/DfE ratio and ``w`` the share of the extras that have the Panel's mix.
* :class:`HierarchicalShare` is the definition share of a year with no breakdown of its own: a
  beta-binomial model fitted to every published breakdown of fatal notifications, each mapped
  to the target definition and base, so that the share varies between years as the published
  breakdowns do. The fit is an exact computation on a grid (no sampler).

Both are components (:mod:`~sinstats.stats.uncertainty.components`); the registry of kinds is
:mod:`~sinstats.stats.uncertainty.registry`.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from sinstats._typing import FloatArray
from sinstats.errors import ComponentError
from sinstats.stats._validation import is_number
from sinstats.stats.uncertainty.components import (
    ASSUMPTION,
    RAG_RATINGS,
    Component,
    Definition,
    _check_range,
    _feasible_counts,
)
from sinstats.stats.uncertainty.observed import BASES, Observed

#: Roles of a published breakdown: entering the fit, or only set beside the model as a check.
BREAKDOWN_ROLES: Final = ("fit", "check")
#: What a breakdown measures: the target definition, or a narrower one mapped to it.
BREAKDOWN_DEFINITIONS: Final = ("target", "narrow")
# Grid of the fit: mean share, log concentration, share bins; nodes of the mapping factors.
_MU_POINTS: Final = 120
_PHI_POINTS: Final = 48
_SHARE_BINS: Final = 500
_Q_NODES: Final = 11
_M_NODES: Final = 13
# Gauss-Legendre nodes for the log-moments of the base factor.
_GL_NODES: Final = 48
# Cells per block when the fit computes the Beta densities (bounds the temporaries).
_BLOCK_CELLS: Final = 480


def _whole(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def beta_draws(rng: np.random.Generator, a: float, b: float, n: int) -> FloatArray:
    """Draw ``n`` values from Beta(``a``, ``b``); Beta(1, 1) as the uniform distribution it is.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    a, b : float
        The Beta distribution's parameters (positive).
    n : int
        Number of draws.

    Returns
    -------
    ndarray
        ``n`` draws in [0, 1].

    Notes
    -----
    Beta(1, 1) is the uniform distribution on (0, 1) (its density is 1 there), so it is drawn
    with ``rng.random`` (values in [0, 1); 0 has probability 2**-53). numpy's ``beta`` draws
    it, like any Beta with both parameters at most 1, by Johnk's rejection algorithm, about 40
    times slower (0.13 s against 3 ms per million draws here); that was the base component's
    largest cost. Any other ``a``, ``b`` go to ``rng.beta``. Using it changed the draws of the
    base component's ``w`` for a given seed (a change of stream; see the changelog, 0.2.0).

    References
    ----------
    .. [1] Johnson NL, Kotz S, Balakrishnan N. Continuous Univariate Distributions, vol. 2,
       2nd ed. Wiley, 1995 (ch. 25: Beta(1, 1) is the standard uniform).
    """
    if a == 1.0 and b == 1.0:
        return rng.random(n)
    return rng.beta(a, b, size=n)


@dataclass(frozen=True, kw_only=True)
class Base(Component):
    """Convert a share measured on the Panel's base for a count on DfE's base.

    Parameters
    ----------
    share_base, figure_base : {"panel", "dfe"}, default "panel" and "dfe"
        The base the share was measured on, and the base of the count it is applied to.
    overlap : str
        The period both counts cover (``"2022-23"``).
    panel_count, dfe_count : int
        Child death notifications in that period on each base (146 and 201).
    extra_alpha, extra_beta : float, default 1 and 1
        Beta distribution of ``w``, the share of DfE's extra notifications that carry the
        Panel's mix of causes (Beta(1, 1): nothing is known).
    extra_share : float, optional
        A fixed ``w`` instead (0: the extras hold no maltreatment deaths; 1: the Panel's mix).
    range_ : tuple of float, optional
        Plausible range of ``w`` (``range`` in the YAML file); the tornado uses its ends.

    Notes
    -----
    Let ``r = panel_count / dfe_count`` be the share of DfE's death notifications that are also
    on the Panel's base (drawn as Beta(panel + 1/2, dfe - panel + 1/2), treating the Panel's
    notifications as a subset of DfE's: an assumption). A DfE count ``X`` then holds ``r X``
    notifications with the Panel's mix and ``(1 - r) X`` extras, of which a share ``w`` has the
    Panel's mix and the rest no maltreatment deaths. The maltreatment share on DfE's base is
    ``s m`` with ``m = r + (1 - r) w``: ``m = 1`` at ``w = 1`` (the old model: the Panel's share
    applied to DfE's count as it is) and ``m = r`` at ``w = 0``. The documented reasons for the
    gap (duplicate and withdrawn notifications, extraction dates, counting rules) suggest many
    extras are not further maltreatment deaths; which reason explains how much is not
    published, hence Beta(1, 1) and a red rating.
    """

    kind: ClassVar[str] = "base"
    range_parameter: ClassVar[str] = "share of DfE's extra notifications with the Panel's mix"

    share_base: str = "panel"
    figure_base: str = "dfe"
    overlap: str = ""
    panel_count: int | None = None
    dfe_count: int | None = None
    extra_alpha: float | None = 1.0
    extra_beta: float | None = 1.0
    extra_share: float | None = None
    range_: tuple[float, float] | None = field(default=None, metadata={"key": "range"})

    def _validate(self) -> None:
        for key in ("share_base", "figure_base"):
            if getattr(self, key) not in BASES:
                raise self._bad(key, f"{getattr(self, key)!r} must be one of {', '.join(BASES)}")
        if self.share_base == self.figure_base:
            raise self._bad("figure_base", "must differ from share_base: nothing to convert")
        p, d = self.panel_count, self.dfe_count
        if not _whole(p) or not _whole(d) or not 0 < p <= d:  # type: ignore[operator]
            raise self._bad(
                "panel_count",
                f"{p!r} and dfe_count {d!r} must be whole numbers with 0 < panel_count <= "
                "dfe_count (the Panel's count is taken as a subset of DfE's)",
            )
        if self.extra_share is not None:
            if self.extra_alpha not in (None, 1.0) or self.extra_beta not in (None, 1.0):
                raise self._bad(
                    "extra_share", "give either extra_share or extra_alpha and extra_beta"
                )
            object.__setattr__(self, "extra_alpha", None)
            object.__setattr__(self, "extra_beta", None)
            if not is_number(self.extra_share) or not 0 <= float(self.extra_share) <= 1:
                raise self._bad("extra_share", f"{self.extra_share!r} is a share in [0, 1]")
        else:
            for key in ("extra_alpha", "extra_beta"):
                v = getattr(self, key)
                if v is None or not is_number(v) or not 0 < float(v) < math.inf:
                    raise self._bad(key, f"Beta parameter {v!r} must be a positive number")
        rg = _check_range(
            self,
            self.range_,
            lo_bound=0.0,
            hi_bound=1.0,
            open_low=False,
            default=self.central_extra(),
        )
        object.__setattr__(self, "range_", rg)

    def central_extra(self) -> float:
        """Return the central value of ``w`` (its mean, or the fixed value)."""
        if self.extra_share is not None:
            return float(self.extra_share)
        assert self.extra_alpha is not None and self.extra_beta is not None
        return float(self.extra_alpha / (self.extra_alpha + self.extra_beta))

    def _ratio_beta(self) -> tuple[float, float]:
        assert self.panel_count is not None and self.dfe_count is not None
        return self.panel_count + 0.5, self.dfe_count - self.panel_count + 0.5

    def ratio(self) -> float:
        """Return the published ratio of the Panel's to DfE's death counts in the overlap."""
        assert self.panel_count is not None and self.dfe_count is not None
        return self.panel_count / self.dfe_count

    def central(self) -> float:  # noqa: D102
        r = self.ratio()
        return r + (1 - r) * self.central_extra()

    @property
    def range(self) -> tuple[float, float] | None:  # noqa: D102
        return self.range_

    def at(self, value: float) -> Component:  # noqa: D102
        return dataclasses.replace(
            self, extra_share=float(value), extra_alpha=None, extra_beta=None, range_=None
        )

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:  # noqa: D102
        a, b = self._ratio_beta()
        r = rng.beta(a, b, size=n)
        if self.extra_share is not None:
            w: FloatArray | float = float(self.extra_share)
        else:
            w = beta_draws(rng, float(self.extra_alpha or 1.0), float(self.extra_beta or 1.0), n)
        return np.asarray(r + (1 - r) * w, dtype=np.float64)

    def support(self) -> tuple[float, float]:
        """Lowest and highest plausible ``m`` (0.01% quantile of ``r`` with ``w = 0``, and 1)."""
        a, b = self._ratio_beta()
        return float(stats.beta.ppf(1e-4, a, b)), 1.0

    def nodes(self) -> tuple[FloatArray, FloatArray]:
        """Quadrature nodes of ``m`` and their weights (Gauss-Legendre in ``r`` and ``w``)."""
        nodes, weights = np.polynomial.legendre.leggauss(_GL_NODES)
        u = (nodes + 1) / 2
        wts = weights / 2
        a, b = self._ratio_beta()
        r = stats.beta.ppf(u, a, b)
        if self.extra_share is not None:
            w = np.array([float(self.extra_share)])
            ww = np.array([1.0])
        else:
            w = stats.beta.ppf(u, self.extra_alpha, self.extra_beta)
            ww = wts
        m = (r[:, None] + (1 - r[:, None]) * w[None, :]).ravel()
        return m, (wts[:, None] * ww[None, :]).ravel()

    def log_moments(self) -> tuple[float, float]:  # noqa: D102
        m, jw = self.nodes()
        logm = np.log(m)
        mean = float(np.sum(jw * logm))
        return mean, float(np.sum(jw * (logm - mean) ** 2))

    def converts(self, observed: Observed, share_base: str) -> bool:
        """Return True if a share on ``share_base`` must be converted for ``observed``."""
        return share_base == self.share_base and observed.base == self.figure_base

    def applicability(self) -> str:  # noqa: D102
        return (
            f"converts a {self.share_base}-base share for a {self.figure_base} count; "
            f"maps {self.figure_base}-base breakdowns into the share's fit"
        )


@dataclass(frozen=True)
class Breakdown:
    """One published breakdown of fatal notifications by cause.

    Parameters
    ----------
    name : str
        Short id, e.g. ``"panel_2020"``.
    period : str
        The period as published (``"calendar 2020"``).
    base : {"panel", "dfe"}
        Whose notifications the percentages are of.
    definition : {"target", "narrow"}
        ``target``: the categories are those of the target; ``narrow``: a narrower category
        (Ofsted's "killing or non-accidental injury by a parent or carer"), mapped to the target
        through the share's ``narrow_mapping``.
    percentages : tuple of float
        Published percentages, summed.
    denominator : int
        Death notifications the percentages are of.
    decimals : int
        Decimal places published.
    role : {"fit", "check"}
        Whether the breakdown enters the fit or is only set beside the model.
    source : str
        URL of the page the figures were read on.
    rag : {"red", "amber", "green"}
        Rating of the breakdown *as a measure of the target share*.
    note : str
        Why that rating: the copy, the base, the definition.
    """

    name: str
    period: str
    base: str
    definition: str
    percentages: tuple[float, ...]
    denominator: int
    decimals: int
    role: str
    source: str
    rag: str
    note: str

    def feasible(self) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """Whole counts consistent with the rounded percentages, with their mixture weights."""
        values = np.array([0])
        probs = np.array([1.0])
        for pct in self.percentages:
            ks = _feasible_counts(pct, self.denominator, self.decimals)
            new: dict[int, float] = {}
            for v, p in zip(values.tolist(), probs.tolist(), strict=True):
                for k in ks:
                    new[v + k] = new.get(v + k, 0.0) + p / len(ks)
            keys = sorted(new)
            values = np.array(keys)
            probs = np.array([new[k] for k in keys])
        return values, probs

    @property
    def share(self) -> float:
        """The published share (sum of the percentages, as a proportion)."""
        return sum(self.percentages) / 100.0


_BREAKDOWN_KEYS: Final = (
    "name",
    "period",
    "base",
    "definition",
    "percentages",
    "denominator",
    "decimals",
    "role",
    "source",
    "rag",
    "note",
)


def make_breakdown(component: str, raw: Mapping[str, Any], index: int) -> Breakdown:
    """Validate one breakdown given as a mapping (from the YAML file).

    Parameters
    ----------
    component : str
        Name of the share component, for the error.
    raw : mapping
        The breakdown's keys (see :class:`Breakdown`).
    index : int
        Its position in the list, for the error when it has no name.

    Returns
    -------
    Breakdown

    Raises
    ------
    ComponentError
        Naming ``breakdowns.<name>.<key>`` for an unknown or missing key or a bad value, an
        evidence row without a source among them.
    """
    if not isinstance(raw, Mapping):
        raise ComponentError(component, f"breakdowns[{index}]", "must be a mapping of keys")
    name = raw.get("name")
    where = f"breakdowns.{name}" if isinstance(name, str) and name else f"breakdowns[{index}]"

    def bad(key: str, reason: str) -> ComponentError:
        return ComponentError(component, f"{where}.{key}", reason)

    for key in raw:
        if key not in _BREAKDOWN_KEYS:
            raise bad(str(key), f"unknown key; allowed: {', '.join(_BREAKDOWN_KEYS)}")
    for key in _BREAKDOWN_KEYS:
        if key not in ("decimals", "note") and raw.get(key) in (None, ""):
            explain = {"source": "every breakdown needs the URL it was read on"}.get(key, "")
            raise bad(key, "missing" + (f": {explain}" if explain else ""))
    if not isinstance(name, str):
        raise bad("name", f"{name!r} must be text")
    if raw["base"] not in BASES:
        raise bad("base", f"{raw['base']!r} must be one of {', '.join(BASES)}")
    if raw["definition"] not in BREAKDOWN_DEFINITIONS:
        raise bad("definition", f"{raw['definition']!r}: one of target, narrow")
    if raw["role"] not in BREAKDOWN_ROLES:
        raise bad("role", f"{raw['role']!r}: one of fit, check")
    if raw["rag"] not in RAG_RATINGS:
        raise bad("rag", f"{raw['rag']!r} must be one of {', '.join(RAG_RATINGS)}")
    if not _is_url(raw["source"]):
        raise bad("source", f"{raw['source']!r} must be the URL the figures were read on")
    n = raw["denominator"]
    if not _whole(n) or n < 1:
        raise bad("denominator", f"{n!r} must be a whole number >= 1")
    d = raw.get("decimals", 0)
    if not _whole(d) or not 0 <= d <= 6:
        raise bad("decimals", f"{d!r} must be a whole number from 0 to 6")
    pct = raw["percentages"]
    if isinstance(pct, (int, float)) and not isinstance(pct, bool):
        pct = [pct]
    if not isinstance(pct, (list, tuple)) or not pct:
        raise bad("percentages", f"{pct!r} must be a non-empty list of percentages")
    if not all(is_number(v) and 0 <= float(v) <= 100 for v in pct):
        raise bad("percentages", f"{list(pct)!r}: each must lie in [0, 100] (a share in [0, 1])")
    if sum(float(v) for v in pct) > 100:
        raise bad("percentages", f"{list(pct)!r} sum to more than 100% (a share above 1)")
    for v in pct:
        if not _feasible_counts(float(v), int(n), int(d)):
            raise bad("percentages", f"no whole count out of {n} rounds to {v}% at {d} decimals")
    note = raw.get("note", "") or ""
    if not isinstance(note, str):
        raise bad("note", "must be text")
    return Breakdown(
        name=name,
        period=str(raw["period"]),
        base=str(raw["base"]),
        definition=str(raw["definition"]),
        percentages=tuple(float(v) for v in pct),
        denominator=int(n),
        decimals=int(d),
        role=str(raw["role"]),
        source=str(raw["source"]),
        rag=str(raw["rag"]),
        note=note,
    )


@dataclass(frozen=True)
class NarrowMapping:
    """How a narrower published category relates to the target: ``narrow = q * target``.

    ``q`` is drawn as Beta(count + 1/2, of - count + 1/2) (Jeffreys): for Ofsted's "killing or
    non-accidental injury by a parent or carer", ``count`` of ``of`` child homicides were by a
    parent or step-parent (ONS, year ending March 2016: 22 of 38).

    Parameters
    ----------
    count, of : int
        The published count and its base.
    source : str
        URL the figures were read on.
    rag : {"red", "amber", "green"}
        Rating of the mapping.
    rationale : str
        Why this mapping.
    """

    count: int
    of: int
    source: str
    rag: str
    rationale: str

    def beta(self) -> tuple[float, float]:
        """Return the Beta parameters of ``q``."""
        return self.count + 0.5, self.of - self.count + 0.5

    def nodes(self) -> FloatArray:
        """``q`` at the midpoints of :data:`_Q_NODES` equal-probability intervals."""
        a, b = self.beta()
        u = (np.arange(_Q_NODES) + 0.5) / _Q_NODES
        return np.asarray(stats.beta.ppf(u, a, b), dtype=np.float64)

    def central(self) -> float:
        """Return the median node of ``q``."""
        return float(self.nodes()[_Q_NODES // 2])


def make_mapping(component: str, raw: object) -> NarrowMapping | None:
    """Validate the ``narrow_mapping`` mapping of a share (None when absent).

    Parameters
    ----------
    component : str
        Name of the share component, for the error.
    raw : mapping or None
        ``count``, ``of``, ``source``, ``rag`` and ``rationale``.

    Returns
    -------
    NarrowMapping or None

    Raises
    ------
    ComponentError
        Naming ``narrow_mapping.<key>``.
    """
    if raw is None or isinstance(raw, NarrowMapping):
        return raw
    if not isinstance(raw, Mapping):
        raise ComponentError(component, "narrow_mapping", "must be a mapping of keys")
    allowed = ("count", "of", "source", "rag", "rationale")
    for key in raw:
        if key not in allowed:
            raise ComponentError(
                component, f"narrow_mapping.{key}", f"unknown key; allowed: {', '.join(allowed)}"
            )
    for key in allowed:
        if raw.get(key) in (None, ""):
            raise ComponentError(component, f"narrow_mapping.{key}", "missing")
    c, o = raw["count"], raw["of"]
    if not _whole(c) or not _whole(o) or not 0 <= c <= o or o < 1:
        raise ComponentError(
            component, "narrow_mapping.count", f"{c!r} of {o!r}: whole numbers, 0 <= count <= of"
        )
    if not (raw["source"] == ASSUMPTION or _is_url(raw["source"])):
        raise ComponentError(component, "narrow_mapping.source", "a URL, or the word 'assumption'")
    if raw["rag"] not in RAG_RATINGS:
        raise ComponentError(
            component, "narrow_mapping.rag", f"{raw['rag']!r}: one of {', '.join(RAG_RATINGS)}"
        )
    return NarrowMapping(int(c), int(o), str(raw["source"]), str(raw["rag"]), str(raw["rationale"]))


class Fit:
    """The grid posterior of a :class:`HierarchicalShare`, conditional on the mapping nodes.

    Attributes
    ----------
    a, b : ndarray
        Beta parameters of each grid cell (``mu phi`` and ``(1 - mu) phi``).
    q_nodes, m_nodes : ndarray
        Nodes of the narrow mapping ``q`` and the base factor ``m`` (one node, 1.0, if unused).
    posterior : ndarray
        Posterior weights, shape ``(len(q_nodes), len(m_nodes), cells)``, each slice summing
        to 1.
    """

    def __init__(
        self,
        a: FloatArray,
        b: FloatArray,
        q_nodes: FloatArray,
        m_nodes: FloatArray,
        posterior: FloatArray,
    ) -> None:
        self.a = a
        self.b = b
        self.q_nodes = q_nodes
        self.m_nodes = m_nodes
        self.posterior = posterior
        self.cumulative = np.cumsum(posterior, axis=2)
        self.cumulative[..., -1] = 1.0
        mu = a / (a + b)
        self.means = np.asarray(posterior @ mu, dtype=np.float64)
        self._guide: npt.NDArray[np.signedinteger[Any]] | None = None
        self._steps = np.arange(self.a.size + 1) / self.a.size

    def guide(self) -> npt.NDArray[np.signedinteger[Any]]:
        """Guide table of the inverse-CDF lookup (Chen and Asau), built once per fit.

        Row ``g`` (a ``(q, m)`` node pair, flattened) holds, for ``j = 0 .. K`` with ``K`` the
        number of cells, the first cell whose cumulative weight is at least ``j / K``
        (``searchsorted``, side left; at most the last cell).
        """
        if self._guide is None:
            cum = self.cumulative.reshape(-1, self.a.size)
            k = self.a.size
            steps = self._steps
            # The smallest integer type that holds a cell index (16 bits for the 5,760 cells),
            # filled a row at a time: no table of 64-bit indices is held on the way (6.6 MB
            # for 143 rows, at the peak of a leave-one-out draw).
            guide = np.empty((cum.shape[0], k + 1), dtype=np.int16 if k < 2**15 else np.int32)
            for g in range(cum.shape[0]):
                guide[g] = np.minimum(np.searchsorted(cum[g], steps), k - 1)
            self._guide = guide
        return self._guide

    def lookup(self, group: npt.NDArray[np.intp], u: FloatArray) -> npt.NDArray[np.intp]:
        """Cell of each draw: the first whose cumulative weight in its group is at least ``u``.

        The same cells as ``min(searchsorted(cumulative[group], u), cells - 1)`` draw by draw
        (the predicate ``cumulative >= u`` is monotone along a row), found in constant expected
        time: the guide table gives the first cell that can hold a draw of bucket ``floor(u K)``
        and a vectorised linear search moves on from it (under one step on average, since the
        ``K`` cells fall into ``K`` buckets of equal probability).

        References
        ----------
        .. [1] Chen HC, Asau Y. On generating random variates from an empirical distribution.
           AIIE Transactions 1974;6:163-166.
        .. [2] Devroye L. Non-Uniform Random Variate Generation. Springer, 1986 (ch. III.2.4,
           the guide table).
        """
        cum = self.cumulative.reshape(-1)
        k = self.a.size
        guide = self.guide().reshape(-1)
        steps = self._steps
        bucket = (u * k).astype(np.intp)
        # floor(u K) may round up at a bucket's edge: move such draws back one bucket, so that
        # steps[bucket] <= u holds exactly. Every cell before guide[bucket] then has a
        # cumulative weight below steps[bucket] <= u, so the search may start there; it stops
        # at the latest at the last cell, whose cumulative weight is 1 > u.
        bucket -= u < steps[bucket]
        bucket += group * (k + 1)
        found = guide[bucket].astype(np.intp)
        del bucket
        pos = group * k
        pos += found
        active = np.flatnonzero(cum[pos] < u)
        while active.size:
            pos[active] += 1
            found[active] += 1
            active = active[cum[pos[active]] < u[active]]
        return found

    def nearest(self, values: FloatArray, nodes: FloatArray) -> npt.NDArray[np.intp]:
        """Index of the nearest node to each value."""
        if nodes.size == 1:
            return np.zeros(values.size, dtype=np.intp)
        mids = (nodes[1:] + nodes[:-1]) / 2
        return np.searchsorted(mids, values).astype(np.intp)


def between_year_sd(mu: FloatArray, phi: FloatArray) -> FloatArray:
    """Return the standard deviation of ``logit(s)`` for ``s ~ Beta(mu phi, (1 - mu) phi)`` (exact).

    Parameters
    ----------
    mu, phi : ndarray
        Mean and concentration of the Beta distribution.

    Returns
    -------
    ndarray
        ``sqrt(trigamma(a) + trigamma(b))``: ``Var(log s - log(1 - s))`` for ``s ~ Beta(a, b)``.
    """
    a, b = mu * phi, (1 - mu) * phi
    return np.asarray(np.sqrt(special.polygamma(1, a) + special.polygamma(1, b)), np.float64)


def between_year_log_prior(mu: FloatArray, phi: FloatArray, scale: float) -> FloatArray:
    """Log hyperprior on the grid: ``mu`` uniform, the between-year SD half-normal(``scale``).

    Parameters
    ----------
    mu, phi : ndarray
        The grid (``phi`` varying along the last axis, log-spaced).
    scale : float
        Scale of the half-normal prior on the SD of the logit share between years.

    Returns
    -------
    ndarray
        Log prior weight of each cell, per unit of ``mu`` and of ``log phi``: the half-normal
        log density of ``sigma(mu, phi)`` plus ``log |d sigma / d log phi|`` (the Jacobian,
        by finite differences along the grid).
    """
    sigma = between_year_sd(mu, phi)
    log_phi = np.log(phi)
    jac = np.abs(np.gradient(sigma, log_phi[0] if log_phi.ndim > 1 else log_phi, axis=-1))
    return np.asarray(-0.5 * (sigma / scale) ** 2 + np.log(jac), dtype=np.float64)


def _fit(share: HierarchicalShare, m_nodes: tuple[float, ...]) -> Fit:
    """Compute the grid posterior of ``share`` for the base-factor nodes ``m_nodes``."""
    mu = (np.arange(_MU_POINTS) + 0.5) / _MU_POINTS
    lo, hi = share.phi_range
    phi = np.exp(np.linspace(math.log(lo), math.log(hi), _PHI_POINTS))
    mu_c, phi_c = np.meshgrid(mu, phi, indexing="ij")
    a = (mu_c * phi_c).ravel()
    b = ((1 - mu_c) * phi_c).ravel()
    log_prior = between_year_log_prior(mu_c, phi_c, share.sd_scale).ravel()
    s = (np.arange(_SHARE_BINS) + 0.5) / _SHARE_BINS
    mapping = share.narrow_mapping
    q_nodes = mapping.nodes() if mapping is not None else np.array([1.0])
    m_arr = np.asarray(m_nodes, dtype=np.float64)
    # Each breakdown's likelihood by share bin, for every mapping factor c it is seen through.
    pmfs = []
    for bd in share.fit_breakdowns():
        ks, wk = bd.feasible()
        q_used = q_nodes if bd.definition == "narrow" else np.array([1.0])
        m_used = m_arr if bd.base != share.base else np.array([1.0])
        c = (q_used[:, None] * m_used[None, :]).ravel()
        p = np.clip(c[:, None] * s[None, :], 0.0, 1.0)
        pmf = stats.binom.pmf(ks[None, None, :], bd.denominator, p[:, :, None]) @ wk
        pmfs.append((pmf, q_used.size, m_used.size))
    # The Beta density of each cell over the share bins (each column normalised to sum to 1),
    # a block of cells at a time: every column is computed on its own, so the numbers are
    # those of the whole table, without holding it (bins x cells) in memory.
    am1, bm1, betaln = a - 1, b - 1, special.betaln(a, b)
    log_s, log_1ms = np.log(s), np.log1p(-s)
    loglik = np.zeros((q_nodes.size, m_arr.size, a.size))
    for start in range(0, a.size, _BLOCK_CELLS):
        cols = slice(start, start + _BLOCK_CELLS)
        dens = am1[None, cols] * log_s[:, None]
        dens += bm1[None, cols] * log_1ms[:, None]
        dens -= betaln[None, cols]
        dens -= dens.max(axis=0, keepdims=True)
        np.exp(dens, out=dens)
        dens /= dens.sum(axis=0, keepdims=True)
        for pmf, nq, nm in pmfs:
            lik = pmf @ dens  # (c values) x cells of the block
            with np.errstate(divide="ignore"):
                ll = np.log(lik).reshape(nq, nm, -1)
            loglik[:, :, cols] += ll  # broadcasts over the unused axes
    post = loglik  # the log posterior, then the posterior, in place
    post += log_prior[None, None, :]
    post -= post.max(axis=2, keepdims=True)
    np.exp(post, out=post)
    post /= post.sum(axis=2, keepdims=True)
    return Fit(a, b, q_nodes, m_arr, post)


# Fits by (share, m nodes), least recently used first; at most _MAX_FITS are kept.
_FITS: collections.OrderedDict[tuple[HierarchicalShare, tuple[float, ...]], Fit] = (
    collections.OrderedDict()
)
_MAX_FITS: Final = 64


def _cached_fit(share: HierarchicalShare, m_nodes: tuple[float, ...]) -> Fit:
    key = (share, m_nodes)
    fit = _FITS.get(key)
    if fit is None:
        fit = _fit(share, m_nodes)
        _FITS[key] = fit
        while len(_FITS) > _MAX_FITS:
            _FITS.popitem(last=False)
    else:
        _FITS.move_to_end(key)
    return fit


def forget_fits(share: HierarchicalShare) -> None:
    """Drop the cached grid posteriors of ``share`` (a variant used once, e.g. leave-one-out).

    Parameters
    ----------
    share : HierarchicalShare
        The share whose fits (for every set of base-factor nodes) are dropped; a later draw
        fits it again, to the same numbers.
    """
    for key in [k for k in _FITS if k[0] == share]:
        del _FITS[key]


@dataclass(frozen=True, kw_only=True)
class HierarchicalShare(Definition):
    r"""The definition share of a year, from every published breakdown (beta-binomial).

    Parameters
    ----------
    base : {"panel", "dfe"}
        The base the share is modelled on (the Panel's: its 2020 breakdown is the only one of
        the target's own categories).
    breakdowns : tuple of Breakdown
        Every published breakdown of fatal notifications by cause; ``role`` says whether it
        enters the fit.
    narrow_mapping : NarrowMapping, optional
        Maps narrower breakdowns to the target (required if any is ``narrow``).
    phi_range : tuple of float, default (0.5, 100000)
        Range of the concentration ``phi`` on the grid.
    sd_scale : float, default 0.5
        Scale of the half-normal hyperprior on ``sigma``, the standard deviation of the logit
        share between years (0.5: at one SD, a year's share is within a factor of about 1.6
        of the mean's odds).
    range_ : tuple of float, optional
        Plausible range of the mean share for the tornado; by default the lowest and highest
        mapped share of the breakdowns in the fit.

    Notes
    -----
    Year ``y`` has share ``s_y ~ Beta(mu phi, (1 - mu) phi)``. A breakdown of year ``y`` with
    ``n`` notifications counts ``k ~ Binomial(n, c s_y)``, where ``c`` maps it to the target:
    ``c = q`` for a narrow category (``narrow = q * target``), times ``m`` (the :class:`Base`
    factor) when it was measured on the other base; ``c = 1`` for the target's own categories on
    the share's base. The published percentages are rounded, so the likelihood averages over the
    whole counts consistent with them. The hyperprior is uniform in ``mu`` and half-normal in
    ``sigma = sqrt(trigamma(mu phi) + trigamma((1 - mu) phi))``, the SD of the logit share
    between years: with three groups the vague ``p(mu, phi) ~ phi^(-3/2)`` of Gelman et al.
    (2013, section 5.3) leaves ``phi`` unbounded below and the share of a new year spread over
    the whole of (0, 1), and Gelman (2006) recommends a weakly informative half-normal or
    half-t prior on the group-level SD when there are few groups. The posterior of
    ``(mu, phi)`` is computed exactly on a grid of 120 x 48 cells (the integral over ``s_y`` on
    500 bins), for each node of ``q`` and ``m``; a draw takes the nodes nearest the draws of
    ``q`` and ``m``, a cell from its posterior, then ``s ~ Beta(mu phi, (1 - mu) phi)``: the share
    of a new year, between-year variation included.

    References
    ----------
    .. [1] Gelman A, Carlin JB, Stern HS, Dunson DB, Vehtari A, Rubin DB. Bayesian Data
       Analysis, 3rd ed. CRC Press, 2013 (section 5.3, the beta-binomial hierarchical model).
    .. [4] Gelman A. Prior distributions for variance parameters in hierarchical models.
       Bayesian Analysis 2006;1:515-534. https://doi.org/10.1214/06-BA117A
    .. [2] Child Safeguarding Practice Review Panel. Annual Report 2020. 2021.
    .. [3] Ofsted. Serious incident notifications 2015 to 2016: key findings. 2016.
    """

    breakdowns: tuple[Breakdown, ...] = ()
    narrow_mapping: NarrowMapping | None = None
    phi_range: tuple[float, float] = (0.5, 1e5)
    sd_scale: float = 0.5
    # The base component's central value and support, set by :meth:`with_base` (not compared,
    # so that the cached fit is shared by every copy).
    default_m: float | None = field(default=None, compare=False, repr=False)
    default_support: tuple[float, float] | None = field(default=None, compare=False, repr=False)

    def _validate(self) -> None:
        self._validate_base()
        for name in ("percentages", "count", "alpha", "beta", "share", "denominator"):
            if getattr(self, name) is not None:
                raise self._bad(name, "a share with breakdowns takes no " + name)
        raw = self.breakdowns
        if isinstance(raw, Mapping) or not isinstance(raw, (list, tuple)) or not raw:
            raise self._bad("breakdowns", "must be a non-empty list of published breakdowns")
        built = tuple(
            bd if isinstance(bd, Breakdown) else make_breakdown(self.name, bd, i)
            for i, bd in enumerate(raw)
        )
        names = [bd.name for bd in built]
        for n in names:
            if names.count(n) > 1:
                raise self._bad(f"breakdowns.{n}", "two breakdowns have this name")
        object.__setattr__(self, "breakdowns", built)
        object.__setattr__(self, "narrow_mapping", make_mapping(self.name, self.narrow_mapping))
        if not any(bd.role == "fit" for bd in built):
            raise self._bad("breakdowns", "no breakdown has role 'fit': nothing to fit")
        if any(bd.definition == "narrow" for bd in built) and self.narrow_mapping is None:
            raise self._bad("narrow_mapping", "missing: a narrow breakdown needs a mapping")
        pr = self.phi_range
        if (
            not isinstance(pr, (tuple, list))
            or len(pr) != 2
            or not all(is_number(v) and 0 < float(v) < math.inf for v in pr)
            or not float(pr[0]) < float(pr[1])
        ):
            raise self._bad("phi_range", f"{pr!r} must be two positive numbers, low < high")
        object.__setattr__(self, "phi_range", (float(pr[0]), float(pr[1])))
        sc = self.sd_scale
        if not is_number(sc) or not 0 < float(sc) < math.inf:
            raise self._bad("sd_scale", f"{sc!r} must be a positive number")
        object.__setattr__(self, "sd_scale", float(sc))
        rg = self.range_
        if rg is not None:
            ok = (
                isinstance(rg, (tuple, list))
                and len(rg) == 2
                and all(is_number(v) and 0 <= float(v) <= 1 for v in rg)
                and float(rg[0]) <= float(rg[1])
            )
            if not ok:
                raise self._bad("range", f"{rg!r} must be a pair of shares [low, high] in [0, 1]")
            object.__setattr__(self, "range_", (float(rg[0]), float(rg[1])))

    # -- the fit ---------------------------------------------------------------------------

    def fit_breakdowns(self) -> tuple[Breakdown, ...]:
        """Return the breakdowns that enter the fit."""
        return tuple(bd for bd in self.breakdowns if bd.role == "fit")

    def needs_base(self) -> bool:
        """Return True if a breakdown in the fit was measured on another base than the share's."""
        return any(bd.base != self.base for bd in self.fit_breakdowns())

    def fit(self, m_support: tuple[float, float] | None = None) -> Fit:
        """Return the grid posterior for base-factor nodes spanning ``m_support`` (cached).

        Parameters
        ----------
        m_support : tuple of float, optional
            Lowest and highest ``m`` (from :meth:`Base.support`); ignored when no breakdown in
            the fit needs a base conversion.

        Returns
        -------
        Fit
        """
        if not self.needs_base() or m_support is None:
            nodes: tuple[float, ...] = (1.0,)
        else:
            lo, hi = m_support
            nodes = tuple(float(v) for v in np.linspace(lo, hi, _M_NODES))
        return _cached_fit(self, nodes)

    def mapping_factor(self, bd: Breakdown, m: float = 1.0) -> float:
        """Return the central factor ``c`` that maps breakdown ``bd`` to the target on this base."""
        c = 1.0
        if bd.definition == "narrow":
            assert self.narrow_mapping is not None
            c *= self.narrow_mapping.central()
        if bd.base != self.base:
            c *= m
        return c

    def mapped_shares(self, m: float = 1.0) -> pd.DataFrame:
        """Each breakdown as published and mapped to the target (at the central mapping)."""
        rows = []
        for bd in self.breakdowns:
            c = self.mapping_factor(bd, m)
            rows.append(
                {
                    "breakdown": bd.name,
                    "period": bd.period,
                    "base": bd.base,
                    "definition": bd.definition,
                    "role": bd.role,
                    "published_share": bd.share,
                    "denominator": bd.denominator,
                    "mapping_factor": c,
                    "mapped_share": min(bd.share / c, 1.0),
                    "rag": bd.rag,
                    "source": bd.source,
                    "note": bd.note,
                }
            )
        return pd.DataFrame(rows)

    def without(self, name: str) -> HierarchicalShare:
        """Return a copy in which breakdown ``name`` is only a check (for leave-one-out)."""
        if name not in {bd.name for bd in self.breakdowns}:
            raise self._bad("breakdowns", f"no breakdown named {name!r}")
        kept = tuple(
            dataclasses.replace(bd, role="check") if bd.name == name else bd
            for bd in self.breakdowns
        )
        return dataclasses.replace(self, breakdowns=kept, range_=self.range_)

    # -- the component interface -----------------------------------------------------------

    def _central_nodes(self, fit: Fit, m: float | None) -> tuple[int, int]:
        iq = fit.q_nodes.size // 2
        m_c = 1.0 if m is None else m
        im = int(fit.nearest(np.array([m_c]), fit.m_nodes)[0])
        return iq, im

    def central(self) -> float:  # noqa: D102
        fit = self.fit(self.default_support)
        iq, im = self._central_nodes(fit, self.default_m)
        return float(fit.means[iq, im])

    def with_base(self, base: Component | None) -> HierarchicalShare:
        """Return a copy that knows the base component's central value and support."""
        if not isinstance(base, Base) or not self.needs_base():
            return self
        return dataclasses.replace(self, default_m=base.central(), default_support=base.support())

    def mean_at(self, m: FloatArray) -> FloatArray:
        """Return the share's predictive mean at the central ``q``, by base factor ``m``."""
        fit = self.fit(self.default_support)
        iq = fit.q_nodes.size // 2
        idx = fit.nearest(np.asarray(m, dtype=np.float64), fit.m_nodes)
        return np.asarray(fit.means[iq, idx], dtype=np.float64)

    @property
    def range(self) -> tuple[float, float] | None:  # noqa: D102
        if self.range_ is not None:
            return self.range_
        mapped = self.mapped_shares(self.default_m or 1.0)
        used = mapped[mapped["role"] == "fit"]["mapped_share"]
        return float(used.min()), float(used.max())

    def _moments(self) -> tuple[float, float]:
        fit = self.fit(self.default_support)
        iq, im = self._central_nodes(fit, self.default_m)
        w = fit.posterior[iq, im]
        mu = fit.a / (fit.a + fit.b)
        phi = fit.a + fit.b
        mean = float(w @ mu)
        second = float(w @ (mu * (1 - mu) / (phi + 1) + mu**2))
        return mean, second - mean**2

    def concentration(self) -> float:  # noqa: D102
        mean, var = self._moments()
        return max(mean * (1 - mean) / var - 1, 1e-6)

    def at(self, value: float) -> Component:
        """Return a plain Beta share with mean ``value`` and the predictive's spread (tornado)."""
        c = self.concentration()
        return Definition(
            name=self.name,
            enabled=self.enabled,
            source=self.source,
            rag=self.rag,
            rationale=self.rationale,
            base=self.base,
            alpha=value * c,
            beta=(1 - value) * c,
        )

    def draw(  # noqa: D102
        self, rng: np.random.Generator, n: int, m: FloatArray | None = None
    ) -> FloatArray:
        fit = self.fit(self.default_support)
        nq = fit.q_nodes.size
        iq = rng.integers(nq, size=n) if nq > 1 else np.zeros(n, dtype=np.intp)
        if m is None:
            m_c = self.default_m if self.default_m is not None else 1.0
            im = np.full(n, fit.nearest(np.array([m_c]), fit.m_nodes)[0], dtype=np.intp)
        else:
            im = fit.nearest(np.asarray(m, dtype=np.float64), fit.m_nodes)
        group = iq * fit.m_nodes.size + im
        del iq, im  # each temporary goes once used: 200,000 draws are 1.6 MB an array
        u = rng.random(n)
        # Inverse-CDF lookup of each draw's cell in its group's cumulative weights (a guide
        # table: the same cells as searching draw by draw).
        cells = fit.lookup(group, u)
        del group, u
        a, b = fit.a[cells], fit.b[cells]
        del cells
        return rng.beta(a, b)

    def log_moments(self) -> tuple[float, float]:  # noqa: D102
        fit = self.fit(self.default_support)
        iq, im = self._central_nodes(fit, self.default_m)
        w = fit.posterior[iq, im]
        means = special.digamma(fit.a) - special.digamma(fit.a + fit.b)
        variances = special.polygamma(1, fit.a) - special.polygamma(1, fit.a + fit.b)
        mean = float(w @ means)
        return mean, float(w @ variances + w @ (means - mean) ** 2)

    def implied_counts(self) -> pd.DataFrame:  # noqa: D102
        return pd.DataFrame({"count": [], "probability": []})

    def parameters(self) -> dict[str, object]:  # noqa: D102
        fitted = ", ".join(bd.name for bd in self.fit_breakdowns())
        checks = ", ".join(bd.name for bd in self.breakdowns if bd.role == "check")
        return {
            "base": self.base,
            "breakdowns in the fit": fitted,
            "checks only": checks or None,
            "narrow mapping": (
                f"q ~ Beta({self.narrow_mapping.count}+1/2, "
                f"{self.narrow_mapping.of - self.narrow_mapping.count}+1/2)"
                if self.narrow_mapping is not None
                else None
            ),
        }
