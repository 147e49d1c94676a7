r"""What a published count does and does not measure: an uncertainty model for SIN figures.

A confidence interval for a Poisson count answers one question: how far would this count move by
chance? The larger doubts about serious incident notifications lie elsewhere. This module puts
an interval on the quantity people actually talk about (for example "deaths caused by
maltreatment or assault") and shows each source of uncertainty separately. Every assumption is
read from ``data/assumptions.yml``, where it carries a source (a URL or the word
``assumption``), a red/amber/green rating and a one-line rationale, so that it can be changed.

The model
---------
For one published figure ``x`` the target quantity is

.. math::

    T = \lambda(X) \times \tau \times \rho \times s \,/\, p

where

* ``X`` is the true count behind the published figure (**rounding**: a figure rounded to the
  nearest 10 lies in ``x-5 .. x+4``; ``"over 150"`` in ``151 .. 150 + over_span``; a suppressed
  cell in its stated range; each value equally likely);
* ``lambda(X)`` is the underlying yearly rate of which ``X`` is one Poisson outcome (**chance**;
  drawn so that its equal-tailed interval is Garwood's exact interval, see
  :func:`garwood_draws`);
* ``tau`` converts notifications *received* in the period into incidents that *happened* in it
  (**timing**) and ``rho`` the first-published figure into the final one (**revision**); both are
  log-normal factors with a stated centre and spread;
* ``s`` is the share of notified incidents that meet the target definition (**definition**; a
  Beta posterior from a published breakdown, allowing for the rounding of its percentages);
* ``p`` is the share of qualifying incidents that are notified at all (**ascertainment**; a Beta
  distribution).

Components are independent, each can be switched off (it then sits at its central value), and
each has its own random stream, so switching one off does not change the others' draws.

Outputs
-------
:func:`simulate` returns the draws, the median and mean, equal-tailed intervals for the total and
for each component alone (others at their central values), and a variance decomposition (on the
count scale with an explicit interaction term, and on the log scale where independent factors
add). :func:`closed_form` gives Garwood's exact interval where chance is the only source of
variation and a log-normal approximation otherwise. :func:`tornado` (drawn by
:func:`sinstats.present.plots.tornado_plot`) shows how the answer moves as each assumption
crosses its plausible range. :func:`reconcile` sets the Panel's and DfE's counts side by side
with the documented reasons they differ.

Statistical functions here never read data files; :func:`load_assumptions` reads the
configuration file, validating every key before any simulation is done.

References
----------
.. [1] HM Treasury. The Aqua Book: guidance on producing quality analysis for government. 2015.
.. [2] Spiegelhalter D. The Art of Statistics: Learning from Data. Pelican, 2019 (ch. 7 and 12).
.. [3] Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-442.
.. [4] Child Safeguarding Practice Review Panel. Annual Report 2020: patterns in practice, key
   messages and 2021 work programme. 2021.
.. [5] Sidebotham P, Brandon M, Bailey S, et al. Pathways to harm, pathways to protection: a
   triennial analysis of serious case reviews 2011 to 2014. Department for Education, 2016.
.. [6] Manski CF. Partial Identification of Probability Distributions. Springer, 2003.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import yaml
from scipy import special, stats

from sinstats._typing import FloatArray
from sinstats.errors import ComponentError, ConfigError, ParameterError
from sinstats.paths import assumptions_file
from sinstats.periods import CALENDAR_YEAR, FINANCIAL_YEAR, Period, parse_period
from sinstats.stats.intervals import poisson_ci

__all__ = [
    "ASSUMPTION",
    "COMPONENT_KINDS",
    "DEFAULT_SEED",
    "MIN_DRAWS",
    "RAG_RATINGS",
    "RECONCILIATION_REASONS",
    "Ascertainment",
    "Assumptions",
    "Chance",
    "Component",
    "Definition",
    "Observed",
    "Revision",
    "Rounding",
    "SimulationSettings",
    "Target",
    "Timing",
    "UncertaintyResult",
    "closed_form",
    "garwood_draws",
    "load_assumptions",
    "observed_from_row",
    "reconcile",
    "simulate",
    "switch",
    "tornado",
]


#: The word that marks a default with no published source.
ASSUMPTION: Final = "assumption"
#: Quality ratings, as in the Aqua Book / AQA assumptions logs.
RAG_RATINGS: Final = ("red", "amber", "green")
#: Component kinds in the order the model applies them; also the order of every output table.
COMPONENT_KINDS: Final = ("rounding", "chance", "timing", "revision", "definition", "ascertainment")
#: Fewest draws accepted: below this, 95% bounds move by several per cent between seeds.
MIN_DRAWS: Final = 1_000
#: Most draws accepted (memory: about 8 MB per million draws per stored array).
MAX_DRAWS: Final = 50_000_000
#: Seed used when none is given; the same as ``simulation.seed`` in ``data/assumptions.yml``.
DEFAULT_SEED: Final = 2026
DEFAULT_CONF_LEVELS: Final = (0.8, 0.95)

# One independent random stream per kind (plus one for chance with the count held at its central
# value), so that switching a component on or off leaves the other components' draws unchanged.
_STREAMS: Final = {kind: i for i, kind in enumerate((*COMPONENT_KINDS, "chance_alone"))}
# Half-width (in probability) of the window used to estimate the density at a quantile for its
# Monte Carlo standard error.
_SE_WINDOW: Final = 0.005


# ---------------------------------------------------------------------------------------------
# The observed figure
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    """A published figure, with what is known about how it was rounded or withheld.

    Parameters
    ----------
    value : float or None
        The figure as published (``150`` for "over 150", ``30`` for a regional 30 rounded to the
        nearest 10). ``None`` (or NaN) for a suppressed cell (``"c"``).
    rounded_to : int, default 0
        ``10`` if the figure was rounded to the nearest 10, 0 if exact.
    qualifier : {"", "over"}, default ""
        ``"over"`` if the figure is a lower bound ("over 150 children").
    suppressed_range : tuple of int, optional
        The stated range of a suppressed cell, e.g. ``(0, 2)``; when absent, the rounding
        component's ``suppressed_range`` is used.
    label : str, default ""
        A description used in tables, e.g. ``"2025-26 child death notifications"``.

    Raises
    ------
    ParameterError
        For a negative, fractional or infinite value, an unknown qualifier, a negative
        ``rounded_to``, a rounded lower bound or a bad ``suppressed_range``.
    """

    value: float | None
    rounded_to: int = 0
    qualifier: str = ""
    suppressed_range: tuple[int, int] | None = None
    label: str = ""

    def __post_init__(self) -> None:
        value = self.value
        if value is not None and isinstance(value, float) and math.isnan(value):
            object.__setattr__(self, "value", None)
            value = None
        if value is not None:
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise ParameterError(f"observed value {value!r} is not a number")
            if not math.isfinite(float(value)) or float(value) < 0:
                raise ParameterError(f"observed value {value!r} must be a non-negative count")
            if float(value) != round(float(value)):
                raise ParameterError(
                    f"observed value {value!r} is not a whole number; counts are whole numbers"
                )
            object.__setattr__(self, "value", float(value))
        if isinstance(self.rounded_to, bool) or not isinstance(self.rounded_to, (int, np.integer)):
            raise ParameterError(f"rounded_to {self.rounded_to!r} must be a whole number (0 or 10)")
        if self.rounded_to < 0 or self.rounded_to == 1:
            raise ParameterError(f"rounded_to {self.rounded_to!r} must be 0 (exact) or at least 2")
        if self.qualifier not in ("", "over"):
            raise ParameterError(f"qualifier {self.qualifier!r} must be '' or 'over'")
        if self.qualifier == "over" and self.rounded_to:
            raise ParameterError("a figure cannot be both a lower bound ('over') and rounded")
        if self.qualifier == "over" and value is None:
            raise ParameterError("a lower bound ('over') needs a value")
        if self.rounded_to and value is not None and float(value) % self.rounded_to != 0:
            raise ParameterError(
                f"observed value {value!r} is said to be rounded to the nearest "
                f"{self.rounded_to} but is not a multiple of {self.rounded_to}"
            )
        if self.suppressed_range is not None:
            object.__setattr__(
                self, "suppressed_range", _int_pair(self.suppressed_range, "suppressed_range")
            )

    @property
    def suppressed(self) -> bool:
        """True if the cell was withheld (published as ``"c"``)."""
        return self.value is None

    def describe(self) -> str:
        """Return the figure as published: ``"160"``, ``"over 150"``, ``"30 (nearest 10)"``."""
        if self.value is None:
            return "suppressed ('c')"
        text = f"{self.value:g}"
        if self.qualifier == "over":
            return f"over {text}"
        if self.rounded_to:
            return f"{text} (rounded to nearest {self.rounded_to})"
        return text


def _int_pair(value: object, name: str) -> tuple[int, int]:
    """Validate a ``(low, high)`` pair of non-negative whole numbers."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ParameterError(f"{name} {value!r} must be a pair [low, high]")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ParameterError(f"{name} {value!r} must hold two non-negative whole numbers")
        out.append(int(v))
    if out[0] > out[1]:
        raise ParameterError(f"{name} {value!r}: low must not exceed high")
    return out[0], out[1]


def observed_from_row(row: Mapping[str, Any] | pd.Series, label: str | None = None) -> Observed:
    """Build an :class:`Observed` from one row of a :func:`sinstats.data.load` frame.

    Parameters
    ----------
    row : mapping or pandas.Series
        Needs ``value``; uses ``rounded_to`` and ``qualifier`` when present (NaN and empty
        strings mean exact). A NaN value is a suppressed cell.
    label : str, optional
        Defaults to ``"<period_label> <category>"`` when those columns are present.

    Returns
    -------
    Observed
    """
    get = row.get
    raw = get("value")
    value = None if raw is None or pd.isna(raw) else float(raw)
    rounded = get("rounded_to")
    rounded_to = 0 if rounded is None or pd.isna(rounded) or rounded == "" else int(rounded)
    qual = get("qualifier")
    qualifier = "" if qual is None or (not isinstance(qual, str) and pd.isna(qual)) else str(qual)
    if label is None:
        parts = [str(get(k)) for k in ("period_label", "category") if get(k) not in (None, "")]
        label = " ".join(p for p in parts if p != "nan")
    return Observed(value, rounded_to=rounded_to, qualifier=qualifier.strip(), label=label)


def _as_observed(observed: Observed | float | int) -> Observed:
    if isinstance(observed, Observed):
        return observed
    if isinstance(observed, bool) or not isinstance(
        observed, (int, float, np.integer, np.floating)
    ):
        raise ParameterError(
            f"observed {observed!r} must be a count or an Observed(...) describing the figure"
        )
    return Observed(float(observed))


# ---------------------------------------------------------------------------------------------
# Components
# ---------------------------------------------------------------------------------------------


def _number(value: object) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


@dataclass(frozen=True, kw_only=True)
class Component:
    """Common fields of every component: its name, switch and assumptions-log entry.

    Parameters
    ----------
    name : str
        Unique name, e.g. ``"ascertainment_deaths"``.
    enabled : bool, default True
        Switched off, the component sits at its central value.
    source : str, default "assumption"
        A URL, or the word ``"assumption"`` when no published figure supports the default.
    rag : {"red", "amber", "green"}, default "red"
        Quality rating of the evidence (Aqua Book).
    rationale : str
        One line: why this default.
    description : str, default ""
        What the component represents.
    references : tuple of str, default ()
        Further URLs.
    notes : tuple of str, default ()
        Further sentences for the assumptions log (e.g. a sub-assumption).
    """

    kind: ClassVar[str] = ""
    #: Name of the parameter the tornado varies across ``range`` ("" if none).
    range_parameter: ClassVar[str] = ""

    name: str
    enabled: bool = True
    source: str = ASSUMPTION
    rag: str = "red"
    rationale: str = ""
    description: str = ""
    references: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ComponentError(str(self.name), "name", "must be a non-empty string")
        if not isinstance(self.enabled, bool):
            raise self._bad("enabled", f"{self.enabled!r} must be true or false")
        if not isinstance(self.source, str) or not (
            self.source == ASSUMPTION or self.source.startswith(("http://", "https://"))
        ):
            raise self._bad(
                "source", f"{self.source!r} must be a URL (http...) or the word 'assumption'"
            )
        if self.rag not in RAG_RATINGS:
            raise self._bad("rag", f"{self.rag!r} must be one of {', '.join(RAG_RATINGS)}")
        if not isinstance(self.rationale, str) or not self.rationale.strip():
            raise self._bad("rationale", "a one-line rationale is required")
        if "\n" in self.rationale.strip():
            raise self._bad("rationale", "must be one line")
        if not isinstance(self.description, str):
            raise self._bad("description", f"{self.description!r} must be text")
        for note in self.notes:
            if not isinstance(note, str):
                raise self._bad("notes", f"{note!r} must be text")
        for ref in self.references:
            if not isinstance(ref, str) or not ref.startswith(("http://", "https://")):
                raise self._bad("references", f"{ref!r} is not a URL")
        self._validate()

    def _bad(self, key: str, reason: str) -> ComponentError:
        return ComponentError(self.name, key, reason)

    def _validate(self) -> None:
        """Check kind-specific parameters (overridden by subclasses)."""

    @property
    def range(self) -> tuple[float, float] | None:
        """Plausible range of :attr:`range_parameter` (None if the component has none)."""
        return None

    @property
    def varies(self) -> bool:
        """True if the component, when enabled, has any spread (overridden by subclasses)."""
        return True

    def central(self) -> float:
        """Return the factor's value when the component is switched off or held fixed."""
        return 1.0

    def parameters(self) -> dict[str, object]:
        """Kind-specific parameters, for the assumptions log."""
        common = {f.name for f in dataclasses.fields(Component)}
        return {
            f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in common
        }

    def at(self, value: float) -> Component:
        """Return a copy with :attr:`range_parameter` set to ``value`` (for the tornado)."""
        raise ParameterError(f"component '{self.name}' ({self.kind}) has no range to vary")

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw ``n`` values of the factor (overridden by factor components)."""
        raise NotImplementedError

    def log_moments(self) -> tuple[float, float]:
        """Mean and variance of the log of the factor (closed form; see :func:`closed_form`)."""
        raise NotImplementedError


def _check_range(
    comp: Component, rng_value: object, *, lo_bound: float, hi_bound: float, open_low: bool
) -> tuple[float, float] | None:
    if rng_value is None:
        return None
    if not isinstance(rng_value, (tuple, list)) or len(rng_value) != 2:
        raise comp._bad("range", f"{rng_value!r} must be a pair [low, high]")
    if not all(_number(v) and math.isfinite(float(v)) for v in rng_value):
        raise comp._bad("range", f"{rng_value!r} must hold two finite numbers")
    low, high = float(rng_value[0]), float(rng_value[1])
    if low > high:
        raise comp._bad("range", f"{rng_value!r}: low must not exceed high")
    too_low = low <= lo_bound if open_low else low < lo_bound
    if too_low or high > hi_bound:
        bracket = "(" if open_low else "["
        raise comp._bad(
            "range",
            f"{rng_value!r} is outside {bracket}{lo_bound:g}, {hi_bound:g}]"
            + (" (a share)" if hi_bound == 1 else ""),
        )
    centre = comp.central()
    if not low - 1e-12 <= centre <= high + 1e-12:
        raise comp._bad(
            "range", f"{rng_value!r} does not contain the default {comp.range_parameter} {centre:g}"
        )
    return low, high


@dataclass(frozen=True, kw_only=True)
class Chance(Component):
    """Poisson variation of the underlying yearly rate given the count.

    The count is treated as one Poisson outcome of an underlying rate; the draws of the rate are
    those of :func:`garwood_draws`, whose equal-tailed interval is Garwood's exact interval. It
    has no parameters: it is statistics, not an assumption (though treating the count as Poisson
    is one: multi-child incidents and clusters would make it over-dispersed).

    References
    ----------
    .. [1] Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-442.
    """

    kind: ClassVar[str] = "chance"


@dataclass(frozen=True, kw_only=True)
class Rounding(Component):
    """Rounding and suppression: the set of true counts consistent with the published figure.

    Parameters
    ----------
    over_span : int, default 9
        "over N" is taken to mean a value in ``N+1 .. N+over_span`` (9: the figure was rounded
        down to a multiple of 10 and qualified).
    suppressed_range : tuple of int, default (1, 5)
        Range of a suppressed cell when the figure itself does not state one.

    Notes
    -----
    A figure rounded to the nearest 10 (halves up) is one of ``x-5 .. x+4``. Each value in the
    set is taken as equally likely; the tornado also reports the two ends, which are the
    assumption-free bounds in the sense of partial identification (Manski 2003). Exact figures
    have a one-point set, so the component then does nothing.
    """

    kind: ClassVar[str] = "rounding"

    over_span: int = 9
    suppressed_range: tuple[int, int] = (1, 5)

    def _validate(self) -> None:
        if (
            isinstance(self.over_span, bool)
            or not isinstance(self.over_span, (int, np.integer))
            or self.over_span < 1
        ):
            raise self._bad("over_span", f"{self.over_span!r} must be a whole number >= 1")
        try:
            pair = _int_pair(self.suppressed_range, "suppressed_range")
        except ParameterError as exc:
            raise self._bad("suppressed_range", str(exc)) from None
        object.__setattr__(self, "suppressed_range", pair)

    def support(self, observed: Observed) -> tuple[int, int]:
        """Return the lowest and highest true count consistent with ``observed``."""
        if observed.value is None:
            return observed.suppressed_range or self.suppressed_range
        x = int(observed.value)
        if observed.qualifier == "over":
            return x + 1, x + self.over_span
        if observed.rounded_to:
            half = observed.rounded_to // 2
            return max(x - half, 0), x + observed.rounded_to - half - 1
        return x, x


@dataclass(frozen=True, kw_only=True)
class _Multiplier(Component):
    """A log-normal multiplicative factor ``centre * exp(sd_log * Z)``."""

    range_parameter: ClassVar[str] = "centre"

    centre: float = 1.0
    sd_log: float = 0.0
    range_: tuple[float, float] | None = field(default=None, metadata={"key": "range"})

    def _validate(self) -> None:
        if not _number(self.centre) or not math.isfinite(self.centre) or self.centre <= 0:
            raise self._bad("centre", f"{self.centre!r} must be a positive number")
        if not _number(self.sd_log) or not math.isfinite(self.sd_log) or self.sd_log < 0:
            raise self._bad("sd_log", f"{self.sd_log!r} must be a number >= 0")
        rng = _check_range(self, self.range_, lo_bound=0.0, hi_bound=math.inf, open_low=True)
        object.__setattr__(self, "range_", rng)

    @property
    def range(self) -> tuple[float, float] | None:
        return self.range_

    @property
    def varies(self) -> bool:
        return self.sd_log > 0

    def central(self) -> float:
        return float(self.centre)

    def at(self, value: float) -> Component:
        return dataclasses.replace(self, centre=float(value), range_=None)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        z = rng.standard_normal(n)
        return np.asarray(self.centre * np.exp(self.sd_log * z), dtype=np.float64)

    def log_moments(self) -> tuple[float, float]:
        return math.log(self.centre), float(self.sd_log) ** 2


@dataclass(frozen=True, kw_only=True)
class Timing(_Multiplier):
    """Notification vs incident date: incidents in the period per notification received in it.

    Parameters
    ----------
    centre : float, default 1.0
        Median of the factor (1: late notifications carried in and out of the year balance).
    sd_log : float
        Standard deviation of its log (about its relative standard deviation).
    range_ : tuple of float, optional
        Plausible range of ``centre`` (``range`` in the YAML file).

    Notes
    -----
    DfE counts a notification when it is received, not when the incident happened;
    notifications are due within 5 working days, but suspicion of abuse can arise later (e.g. at
    post-mortem). The net shift is the difference between late notifications carried into and
    out of the year; there is no published estimate, so this is an assumption. The target is
    multiplied by the factor: above 1 means more qualifying incidents happened in the period than
    notifications were received in it.
    """

    kind: ClassVar[str] = "timing"


@dataclass(frozen=True, kw_only=True)
class Revision(_Multiplier):
    """Revision error: final figure over first-published figure.

    Parameters
    ----------
    centre : float, default 1.0
        Median of the factor (1: no systematic revision).
    sd_log : float
        Standard deviation of its log.
    range_ : tuple of float, optional
        Plausible range of ``centre``.

    Notes
    -----
    No vintages are held: the only discrepancy seen, 448 vs 449 notifications in 2019-20, is a
    transcription difference between two news reports, not a revision. The spread is an
    assumption.
    """

    kind: ClassVar[str] = "revision"


def _feasible_counts(percent: float, denominator: int, decimals: int) -> list[int]:
    """Whole counts ``k`` out of ``denominator`` that round to ``percent`` at ``decimals``."""
    half = 0.5 * 10.0 ** (-decimals)
    lo = math.ceil((percent - half) * denominator / 100 - 1e-9)
    hi = math.floor((percent + half) * denominator / 100 + 1e-9)
    return [k for k in range(max(lo, 0), min(hi, denominator) + 1)]


def _beta_log_moments(a: float, b: float) -> tuple[float, float]:
    """Mean and variance of ``log(p)`` for ``p ~ Beta(a, b)`` (digamma/trigamma identities)."""
    mean = float(special.digamma(a) - special.digamma(a + b))
    var = float(special.polygamma(1, a) - special.polygamma(1, a + b))
    return mean, var


@dataclass(frozen=True, kw_only=True)
class Definition(Component):
    """Share of notified incidents that meet the target definition.

    Give exactly one of: ``percentages`` (published shares to be summed, with ``denominator``
    and ``decimals``), ``count`` (with ``denominator``), ``alpha`` and ``beta``, or ``share`` (a
    fixed value with no spread).

    Parameters
    ----------
    percentages : tuple of float, optional
        Published percentages whose categories together make the target (Panel 2020: 17%
        maltreatment within the family + 8% extra-familial assault or homicide).
    denominator : int, optional
        Number of incidents the percentages are of (206 fatal notifications in 2020).
    decimals : int, default 0
        Decimal places the percentages were published to (0: whole percent).
    count : int, optional
        An exact count out of ``denominator``.
    prior : tuple of float, default (0.5, 0.5)
        Beta prior (Jeffreys).
    alpha, beta : float, optional
        A Beta distribution given directly.
    share : float, optional
        A fixed share in [0, 1].
    range_ : tuple of float, optional
        Plausible range of the share (``range`` in the YAML file).

    Notes
    -----
    With ``percentages``, each percentage ``p_i`` is consistent with a set of whole counts
    ``k_i`` (those with ``100 k_i / n`` rounding to ``p_i``); each is taken as equally likely and
    the summed count ``k`` has the convolution of those uniform distributions. Given ``k`` the
    share is the Jeffreys posterior ``Beta(k + 1/2, n - k + 1/2)``. Draws are from that mixture:
    sampling uncertainty and the rounding of the published shares both count.

    Applying a share from one year and source (the Panel, calendar 2020) to another (DfE,
    2025-26) assumes it is stable; the rating says so.

    References
    ----------
    .. [1] Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial proportion.
       Statistical Science 2001;16:101-133.
    .. [2] Child Safeguarding Practice Review Panel. Annual Report 2020. 2021.
    """

    kind: ClassVar[str] = "definition"
    range_parameter: ClassVar[str] = "share"

    percentages: tuple[float, ...] | None = None
    denominator: int | None = None
    decimals: int = 0
    count: int | None = None
    prior: tuple[float, float] = (0.5, 0.5)
    alpha: float | None = None
    beta: float | None = None
    share: float | None = None
    range_: tuple[float, float] | None = field(default=None, metadata={"key": "range"})

    def _validate(self) -> None:
        given = [
            name
            for name, present in (
                ("percentages", self.percentages is not None),
                ("count", self.count is not None),
                ("alpha/beta", self.alpha is not None or self.beta is not None),
                ("share", self.share is not None),
            )
            if present
        ]
        if len(given) != 1:
            raise self._bad(
                "percentages",
                "give exactly one of percentages (+ denominator), count (+ denominator), "
                f"alpha and beta, or share; found {', '.join(given) or 'none'}",
            )
        if not (
            isinstance(self.prior, (tuple, list))
            and len(self.prior) == 2
            and all(_number(v) and 0 < float(v) < math.inf for v in self.prior)
        ):
            raise self._bad("prior", f"{self.prior!r} must be two positive Beta parameters [a, b]")
        object.__setattr__(self, "prior", (float(self.prior[0]), float(self.prior[1])))
        if self.share is not None:
            if not _number(self.share) or not 0 <= float(self.share) <= 1:
                raise self._bad("share", f"{self.share!r} is a share and must lie in [0, 1]")
        elif self.alpha is not None or self.beta is not None:
            for key, v in (("alpha", self.alpha), ("beta", self.beta)):
                if v is None or not _number(v) or not 0 < float(v) < math.inf:
                    raise self._bad(key, f"Beta parameter {v!r} must be a positive number")
        else:
            n = self.denominator
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise self._bad("denominator", f"{n!r} must be a whole number >= 1")
            if self.count is not None:
                c = self.count
                if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= c <= n:
                    raise self._bad("count", f"{c!r} must be a whole number from 0 to {n}")
            else:
                self._validate_percentages(int(n))
        _check_range(self, self.range_, lo_bound=0.0, hi_bound=1.0, open_low=False)

    def _validate_percentages(self, n: int) -> None:
        pct = self.percentages
        if not isinstance(pct, (tuple, list)) or not pct:
            raise self._bad("percentages", f"{pct!r} must be a non-empty list of percentages")
        if not all(_number(v) and 0 <= float(v) <= 100 for v in pct):
            raise self._bad(
                "percentages", f"{list(pct)!r}: each must lie in [0, 100] (a share in [0, 1])"
            )
        if sum(float(v) for v in pct) > 100:
            raise self._bad("percentages", f"{list(pct)!r} sum to more than 100% (a share above 1)")
        d = self.decimals
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d <= 6:
            raise self._bad("decimals", f"{d!r} must be a whole number from 0 to 6")
        for v in pct:
            if not _feasible_counts(float(v), n, int(d)):
                raise self._bad(
                    "percentages",
                    f"no whole count out of {n} rounds to {v}% at {d} decimal places",
                )
        object.__setattr__(self, "percentages", tuple(float(v) for v in pct))

    @cached_property
    def _count_mixture(self) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """Support and probabilities of the implied count ``k`` (percentages or count)."""
        if self.count is not None:
            return np.array([int(self.count)]), np.array([1.0])
        assert self.percentages is not None and self.denominator is not None
        values = np.array([0])
        probs = np.array([1.0])
        for pct in self.percentages:
            ks = _feasible_counts(pct, int(self.denominator), int(self.decimals))
            # Convolution with a uniform distribution on ks.
            new: dict[int, float] = {}
            for v, p in zip(values.tolist(), probs.tolist(), strict=True):
                for k in ks:
                    new[v + k] = new.get(v + k, 0.0) + p / len(ks)
            keys = sorted(new)
            values = np.array(keys)
            probs = np.array([new[k] for k in keys])
        return values, probs

    @property
    def range(self) -> tuple[float, float] | None:  # noqa: D102
        return self.range_

    @property
    def varies(self) -> bool:  # noqa: D102
        return self.share is None

    def implied_counts(self) -> pd.DataFrame:
        """Return the whole counts consistent with the published shares, with probabilities."""
        if self.share is not None or self.alpha is not None:
            return pd.DataFrame({"count": [], "probability": []})
        values, probs = self._count_mixture
        return pd.DataFrame({"count": values, "probability": probs})

    def _beta_params(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Beta parameters and weights of the mixture components."""
        if self.alpha is not None and self.beta is not None:
            return np.array([self.alpha]), np.array([self.beta]), np.array([1.0])
        values, probs = self._count_mixture
        assert self.denominator is not None
        a0, b0 = self.prior
        a = values.astype(np.float64) + a0
        b = (self.denominator - values).astype(np.float64) + b0
        return a, b, probs

    def central(self) -> float:  # noqa: D102
        if self.share is not None:
            return float(self.share)
        if self.alpha is not None and self.beta is not None:
            return float(self.alpha / (self.alpha + self.beta))
        assert self.denominator is not None
        if self.count is not None:
            return self.count / self.denominator
        assert self.percentages is not None
        return sum(self.percentages) / 100.0

    def concentration(self) -> float:
        """``alpha + beta`` of the (mean) Beta distribution: how much evidence the share has."""
        if self.alpha is not None and self.beta is not None:
            return float(self.alpha + self.beta)
        if self.denominator is not None:
            return float(self.denominator + sum(self.prior))
        return math.inf

    def at(self, value: float) -> Component:  # noqa: D102
        if self.share is not None or value in (0.0, 1.0):
            return dataclasses.replace(
                self,
                share=float(value),
                percentages=None,
                count=None,
                alpha=None,
                beta=None,
                range_=None,
            )
        c = self.concentration()
        return dataclasses.replace(
            self,
            alpha=value * c,
            beta=(1 - value) * c,
            percentages=None,
            count=None,
            share=None,
            range_=None,
        )

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:  # noqa: D102
        if self.share is not None:
            return np.full(n, float(self.share))
        a, b, w = self._beta_params()
        if a.size == 1:
            return rng.beta(a[0], b[0], size=n)
        idx = rng.choice(a.size, size=n, p=w)
        return rng.beta(a[idx], b[idx])

    def log_moments(self) -> tuple[float, float]:  # noqa: D102
        if self.share is not None:
            return (math.log(self.share) if self.share > 0 else -math.inf), 0.0
        a, b, w = self._beta_params()
        means = special.digamma(a) - special.digamma(a + b)
        variances = special.polygamma(1, a) - special.polygamma(1, a + b)
        mean = float(np.sum(w * means))
        var = float(np.sum(w * variances) + np.sum(w * (means - mean) ** 2))
        return mean, var


@dataclass(frozen=True, kw_only=True)
class Ascertainment(Component):
    """Share of qualifying incidents that are notified at all; the target divides by it.

    Give ``alpha`` and ``beta`` (a Beta distribution) or ``share`` (a fixed value in (0, 1]).

    Parameters
    ----------
    alpha, beta : float, optional
        Beta parameters; the mean share is ``alpha / (alpha + beta)``.
    share : float, optional
        A fixed share with no spread (1: every qualifying incident is notified).
    range_ : tuple of float, optional
        Plausible range of the mean share (``range`` in the YAML file).

    Notes
    -----
    DfE's guidance says that not all qualifying incidents are notified, especially serious
    harm; there is no published estimate of how many, so the defaults are assumptions rated red.
    The tornado moves the mean across ``range`` keeping ``alpha + beta`` fixed; a mean of 1 is
    the bound "everything is notified".
    """

    kind: ClassVar[str] = "ascertainment"
    range_parameter: ClassVar[str] = "mean share"

    alpha: float | None = None
    beta: float | None = None
    share: float | None = None
    range_: tuple[float, float] | None = field(default=None, metadata={"key": "range"})

    def _validate(self) -> None:
        if self.share is not None:
            if self.alpha is not None or self.beta is not None:
                raise self._bad("share", "give either share or alpha and beta, not both")
            if not _number(self.share) or not 0 < float(self.share) <= 1:
                raise self._bad(
                    "share", f"{self.share!r} is a share and must lie in (0, 1] (0 divides by 0)"
                )
        else:
            for key, v in (("alpha", self.alpha), ("beta", self.beta)):
                if v is None or not _number(v) or not 0 < float(v) < math.inf:
                    raise self._bad(key, f"Beta parameter {v!r} must be a positive number")
        _check_range(self, self.range_, lo_bound=0.0, hi_bound=1.0, open_low=True)

    @property
    def range(self) -> tuple[float, float] | None:  # noqa: D102
        return self.range_

    @property
    def varies(self) -> bool:  # noqa: D102
        return self.share is None

    def central(self) -> float:  # noqa: D102
        if self.share is not None:
            return float(self.share)
        assert self.alpha is not None and self.beta is not None
        return float(self.alpha / (self.alpha + self.beta))

    def at(self, value: float) -> Component:  # noqa: D102
        if self.share is not None or value >= 1.0:
            return dataclasses.replace(self, share=float(value), alpha=None, beta=None, range_=None)
        assert self.alpha is not None and self.beta is not None
        c = self.alpha + self.beta
        return dataclasses.replace(self, alpha=value * c, beta=(1 - value) * c, range_=None)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:  # noqa: D102
        if self.share is not None:
            return np.full(n, float(self.share))
        assert self.alpha is not None and self.beta is not None
        return rng.beta(self.alpha, self.beta, size=n)

    def log_moments(self) -> tuple[float, float]:  # noqa: D102
        if self.share is not None:
            return math.log(self.share), 0.0
        assert self.alpha is not None and self.beta is not None
        return _beta_log_moments(self.alpha, self.beta)


_KIND_CLASSES: Final[Mapping[str, type[Component]]] = {
    "chance": Chance,
    "rounding": Rounding,
    "timing": Timing,
    "revision": Revision,
    "definition": Definition,
    "ascertainment": Ascertainment,
}


@dataclass(frozen=True)
class Target:
    """A named target quantity: the components that turn a published count into it.

    Parameters
    ----------
    name : str
        E.g. ``"deaths_maltreatment_or_assault"``.
    description : str
        Plain words.
    unit : str
        Unit for axis labels, e.g. ``"deaths"``.
    components : tuple of Component
        At most one of each kind.
    """

    name: str
    description: str
    unit: str
    components: tuple[Component, ...]


@dataclass(frozen=True)
class SimulationSettings:
    """Defaults for :func:`simulate`: number of draws, seed, confidence levels."""

    n_draws: int = 200_000
    seed: int = DEFAULT_SEED
    conf_levels: tuple[float, ...] = DEFAULT_CONF_LEVELS
    tornado_n_draws: int = 100_000


@dataclass(frozen=True)
class Assumptions:
    """The validated contents of ``data/assumptions.yml``.

    Attributes
    ----------
    path : pathlib.Path
        The file read.
    simulation : SimulationSettings
    components : dict of str to Component
    targets : dict of str to Target
    """

    path: Path
    simulation: SimulationSettings
    components: Mapping[str, Component]
    targets: Mapping[str, Target]

    def target(self, name: str) -> Target:
        """Return the target ``name``; a ``ParameterError`` lists the valid names."""
        if name not in self.targets:
            raise ParameterError(
                f"unknown target {name!r}; targets in {self.path}: {', '.join(self.targets)}"
            )
        return self.targets[name]

    def log(self) -> pd.DataFrame:
        """Return the assumptions log: one row per component with source, rating, rationale."""
        rows = []
        for comp in self.components.values():
            used_by = [t.name for t in self.targets.values() if comp in t.components]
            rows.append(
                {
                    "component": comp.name,
                    "kind": comp.kind,
                    "parameters": ", ".join(
                        f"{k}={v}"
                        for k, v in comp.parameters().items()
                        if v is not None and k != "range_"
                    ),
                    "default": comp.central(),
                    "range": comp.range,
                    "source": comp.source,
                    "rag": comp.rag,
                    "rationale": comp.rationale,
                    "used_by": ", ".join(used_by),
                }
            )
        return pd.DataFrame(rows)


def _component_order(comp: Component) -> int:
    return COMPONENT_KINDS.index(comp.kind)


def switch(
    components: Target | Sequence[Component],
    *,
    on: Iterable[str] = (),
    off: Iterable[str] = (),
    only: Iterable[str] | None = None,
) -> Target:
    """Switch components on or off, by name or kind.

    Parameters
    ----------
    components : Target or sequence of Component
    on, off : iterable of str
        Names (``"ascertainment_deaths"``) or kinds (``"ascertainment"``) to switch on / off.
    only : iterable of str, optional
        If given, switch these on and every other component off (``only=["chance"]``).

    Returns
    -------
    Target
        A copy; the input is unchanged.

    Raises
    ------
    ParameterError
        For a name or kind that is not among the components (the message lists them).
    """
    target = _as_target(components)
    known = {c.name for c in target.components} | {c.kind for c in target.components}
    on_set, off_set = set(on), set(off)
    only_set = None if only is None else set(only)
    for name in sorted(on_set | off_set | (only_set or set())):
        if name not in known:
            raise ParameterError(
                f"unknown component {name!r}; this target has "
                + ", ".join(f"{c.name} ({c.kind})" for c in target.components)
            )
    new = []
    for comp in target.components:
        keys = {comp.name, comp.kind}
        enabled = comp.enabled
        if only_set is not None:
            enabled = bool(keys & only_set)
        if keys & on_set:
            enabled = True
        if keys & off_set:
            enabled = False
        new.append(dataclasses.replace(comp, enabled=enabled))
    return dataclasses.replace(target, components=tuple(new))


def _as_target(components: Target | Sequence[Component]) -> Target:
    if isinstance(components, Target):
        target = components
    else:
        if isinstance(components, (str, bytes)) or not isinstance(components, Sequence):
            raise ParameterError(
                "components must be a Target (from load_assumptions().target(name)) or a "
                f"sequence of Component objects, not {type(components).__name__}"
            )
        target = Target("custom", "custom set of components", "count", tuple(components))
    kinds: dict[str, str] = {}
    for comp in target.components:
        if not isinstance(comp, Component) or comp.kind not in COMPONENT_KINDS:
            raise ParameterError(
                f"{comp!r} is not a component; valid kinds: {', '.join(COMPONENT_KINDS)}"
            )
        if comp.kind in kinds:
            raise ParameterError(
                f"components '{kinds[comp.kind]}' and '{comp.name}' are both of kind "
                f"'{comp.kind}'; a target takes at most one of each kind"
            )
        kinds[comp.kind] = comp.name
    ordered = tuple(sorted(target.components, key=_component_order))
    return dataclasses.replace(target, components=ordered)


# ---------------------------------------------------------------------------------------------
# Reading and validating data/assumptions.yml
# ---------------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML loader that rejects duplicate keys (PyYAML otherwise keeps the last silently)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)

_FILE_VERSION: Final = 1
_TOP_KEYS: Final = ("version", "simulation", "components", "targets")
_SIM_KEYS: Final = ("n_draws", "seed", "conf_levels", "tornado_n_draws")
_TARGET_KEYS: Final = ("description", "unit", "components")
_COMMON_KEYS: Final = (
    "kind",
    "enabled",
    "description",
    "source",
    "rag",
    "rationale",
    "references",
    "notes",
)
_KIND_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "chance": (),
    "rounding": ("over_span", "suppressed_range"),
    "timing": ("centre", "sd_log", "range"),
    "revision": ("centre", "sd_log", "range"),
    "definition": (
        "percentages",
        "denominator",
        "decimals",
        "count",
        "prior",
        "alpha",
        "beta",
        "share",
        "range",
    ),
    "ascertainment": ("alpha", "beta", "share", "range"),
}
_REQUIRED_META: Final = ("source", "rag", "rationale")


def _mapping(value: object, path: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"must be a mapping of keys to values, not {type(value).__name__}", path=path, key=key
        )
    return value


def _unknown_keys(got: Mapping[str, Any], allowed: Sequence[str], path: str, where: str) -> None:
    for key in got:
        if key not in allowed:
            raise ConfigError(
                f"unknown key; allowed here: {', '.join(allowed)}",
                path=path,
                key=f"{where}.{key}" if where else str(key),
            )


def _int_setting(value: object, path: str, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{value!r} must be a whole number", path=path, key=key)
    if value < minimum:
        raise ConfigError(f"{value!r} must be at least {minimum:,}", path=path, key=key)
    return value


def _conf_levels(value: object, name: str, path: str | None = None) -> tuple[float, ...]:
    """Validate confidence levels: numbers in (0, 1), at least one, no repeats."""
    if _number(value):
        value = [value]
    if not isinstance(value, (list, tuple)) or not value:
        msg = f"{value!r} must be a list of confidence levels such as [0.8, 0.95]"
        raise ConfigError(msg, path=path, key=name) if path else ParameterError(f"{name}: {msg}")
    levels = []
    for v in value:
        if not _number(v) or not 0 < float(v) < 1:
            msg = f"{v!r} must be a proportion in (0, 1): 0.95, not 95"
            raise (
                ConfigError(msg, path=path, key=name) if path else ParameterError(f"{name}: {msg}")
            )
        levels.append(float(v))
    if len(set(levels)) != len(levels):
        msg = f"{value!r} repeats a level"
        raise ConfigError(msg, path=path, key=name) if path else ParameterError(f"{name}: {msg}")
    return tuple(sorted(levels))


def _build_component(name: str, raw: Mapping[str, Any], path: str) -> Component:
    where = f"components.{name}"
    kind = raw.get("kind")
    if kind is None:
        raise ConfigError(
            f"missing; choose one of {', '.join(COMPONENT_KINDS)}", path=path, key=f"{where}.kind"
        )
    if kind not in _KIND_CLASSES:
        raise ConfigError(
            f"unknown component kind {kind!r}; valid kinds: {', '.join(COMPONENT_KINDS)}",
            path=path,
            key=f"{where}.kind",
        )
    _unknown_keys(raw, (*_COMMON_KEYS, *_KIND_KEYS[kind]), path, where)
    for key in _REQUIRED_META:
        if key not in raw or raw[key] in (None, ""):
            explain = {
                "source": "a URL, or the word 'assumption' if no published figure supports it",
                "rag": "a quality rating: red, amber or green",
                "rationale": "one line saying why this default",
            }[key]
            raise ConfigError(
                f"missing: every default needs {explain}", path=path, key=f"{where}.{key}"
            )
    kwargs: dict[str, Any] = {"name": name}
    for key, value in raw.items():
        if key == "kind":
            continue
        if key in ("references", "notes"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError("must be a list of strings", path=path, key=f"{where}.{key}")
            value = tuple(value)
        elif key in ("range", "percentages", "prior", "suppressed_range") and isinstance(
            value, list
        ):
            value = tuple(value)
        kwargs["range_" if key == "range" else key] = value
    try:
        return _KIND_CLASSES[kind](**kwargs)
    except ComponentError as exc:
        raise ConfigError(exc.reason, path=path, key=f"{where}.{exc.key}") from None
    except TypeError as exc:  # a value of the wrong type where a constructor expected another
        raise ConfigError(f"invalid value: {exc}", path=path, key=where) from None


def load_assumptions(path: str | os.PathLike[str] | None = None) -> Assumptions:
    """Read and validate the uncertainty model's assumptions file.

    Parameters
    ----------
    path : str or path-like, optional
        Defaults to :func:`sinstats.paths.assumptions_file` (``data/assumptions.yml``).

    Returns
    -------
    Assumptions

    Raises
    ------
    ConfigError
        Naming the file and the key, for: a missing or unreadable file; invalid YAML or a
        duplicate key; an unknown key at any level; a component with an unknown kind, or missing
        ``source``, ``rag`` or ``rationale``; a source that is neither a URL nor "assumption"; a
        rating other than red/amber/green; a share outside [0, 1]; a Beta distribution with a
        non-positive parameter; a range that is reversed or excludes its default;
        ``n_draws`` below 1,000; confidence levels outside (0, 1); a target naming a component
        that does not exist, or two components of one kind.

    Notes
    -----
    Validation is complete before anything is returned, so no simulation starts on a bad file.
    The file format is described at the top of ``data/assumptions.yml`` and in
    ``docs/uncertainty.md``.
    """
    file = Path(path) if path is not None else assumptions_file()
    where = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the assumptions file: {exc.strerror}", path=where) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"invalid YAML{line}: {problem}", path=where) from None
    top = _mapping(data, where, "(top level)")
    _unknown_keys(top, _TOP_KEYS, where, "")
    for key in ("components", "targets"):
        if key not in top:
            raise ConfigError("missing", path=where, key=key)
    if top.get("version", _FILE_VERSION) != _FILE_VERSION:
        raise ConfigError(
            f"unsupported version {top['version']!r}; this sinstats reads version {_FILE_VERSION}",
            path=where,
            key="version",
        )

    sim_raw = _mapping(top.get("simulation", {}), where, "simulation")
    _unknown_keys(sim_raw, _SIM_KEYS, where, "simulation")
    defaults = SimulationSettings()
    settings = SimulationSettings(
        n_draws=_int_setting(
            sim_raw.get("n_draws", defaults.n_draws), where, "simulation.n_draws", MIN_DRAWS
        ),
        seed=_int_setting(sim_raw.get("seed", defaults.seed), where, "simulation.seed", 0),
        conf_levels=_conf_levels(
            sim_raw.get("conf_levels", list(defaults.conf_levels)), "simulation.conf_levels", where
        ),
        tornado_n_draws=_int_setting(
            sim_raw.get("tornado_n_draws", defaults.tornado_n_draws),
            where,
            "simulation.tornado_n_draws",
            MIN_DRAWS,
        ),
    )

    comps_raw = _mapping(top["components"], where, "components")
    components: dict[str, Component] = {}
    for name, raw in comps_raw.items():
        components[str(name)] = _build_component(
            str(name), _mapping(raw, where, f"components.{name}"), where
        )

    targets_raw = _mapping(top["targets"], where, "targets")
    targets: dict[str, Target] = {}
    for name, raw in targets_raw.items():
        tkey = f"targets.{name}"
        traw = _mapping(raw, where, tkey)
        _unknown_keys(traw, _TARGET_KEYS, where, tkey)
        for key in ("description", "components"):
            if key not in traw or traw[key] in (None, ""):
                raise ConfigError("missing", path=where, key=f"{tkey}.{key}")
        names = traw["components"]
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ConfigError(
                "must be a non-empty list of component names", path=where, key=f"{tkey}.components"
            )
        chosen: list[Component] = []
        kinds: dict[str, str] = {}
        for cname in names:
            if cname not in components:
                raise ConfigError(
                    f"unknown component {cname!r}; components defined in this file: "
                    + ", ".join(components),
                    path=where,
                    key=f"{tkey}.components",
                )
            comp = components[cname]
            if comp.kind in kinds:
                raise ConfigError(
                    f"'{kinds[comp.kind]}' and '{cname}' are both of kind '{comp.kind}'; a "
                    "target takes at most one of each kind",
                    path=where,
                    key=f"{tkey}.components",
                )
            kinds[comp.kind] = cname
            chosen.append(comp)
        unit = traw.get("unit", "count")
        if not isinstance(unit, str) or not unit:
            raise ConfigError("must be a non-empty string", path=where, key=f"{tkey}.unit")
        targets[str(name)] = Target(
            str(name),
            str(traw["description"]),
            unit,
            tuple(sorted(chosen, key=_component_order)),
        )
    return Assumptions(file, settings, components, targets)


# ---------------------------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------------------------


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
            continue  # a count of 0: the lower half of the rate's distribution is exactly 0
        in_group = shape == value
        median = float(special.gammaincinv(value, 0.5))
        for above in (False, True):
            idx = np.flatnonzero(in_group & (upper == above))
            if idx.size:
                out[idx] = _half_gamma(rng, value, median, above, idx.size)
    return out


def _half_gamma(
    rng: np.random.Generator, shape: float, median: float, above: bool, size: int
) -> FloatArray:
    """Draw ``size`` Gamma(shape) variates conditioned to lie below (or at/above) ``median``.

    Rejection from ``rng.standard_gamma``: half of the proposals are accepted, so about twice
    ``size`` are drawn in one vectorised call (plus a margin of 6 standard deviations of the
    binomial count), with a further call in the rare case that too few are accepted.
    """
    parts: list[FloatArray] = []
    need = size
    while need > 0:
        proposals = rng.standard_gamma(shape, size=int(2 * need + 6 * math.sqrt(need) + 16))
        kept = proposals[proposals >= median] if above else proposals[proposals < median]
        parts.append(kept[:need])
        need -= parts[-1].size
    return np.concatenate(parts) if len(parts) > 1 else parts[0]


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One generator per component kind, spawned from ``seed`` (independent streams)."""
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    return {kind: np.random.default_rng(children[i]) for kind, i in _STREAMS.items()}


@dataclass(frozen=True)
class _Plan:
    """A validated model: the count's support and the enabled components."""

    observed: Observed
    support: tuple[int, int]  # lowest and highest true count (equal if exact or rounding off)
    count_central: float
    chance: Chance | None
    rounding: Rounding | None
    factors: tuple[Component, ...]  # enabled timing, revision, definition, ascertainment

    @property
    def enabled(self) -> tuple[Component, ...]:
        comps: list[Component] = [c for c in (self.rounding, self.chance) if c is not None]
        return tuple(sorted([*comps, *self.factors], key=_component_order))

    def point(self) -> float:
        """Return the target with every component at its central value."""
        return self.count_central * _factor_scale(self)


def _factor_scale(plan: _Plan) -> float:
    """Product of the factors' central values (ascertainment divides)."""
    scale = 1.0
    for comp in plan.factors:
        c = comp.central()
        scale = scale / c if comp.kind == "ascertainment" else scale * c
    return scale


def _plan(observed: Observed, target: Target) -> _Plan:
    comps = {c.kind: c for c in target.components if c.enabled}
    all_rounding = next((c for c in target.components if isinstance(c, Rounding)), None)
    rounding = comps.get("rounding")
    assert rounding is None or isinstance(rounding, Rounding)
    helper = rounding or all_rounding or Rounding(name="rounding", rationale="default")
    lo, hi = helper.support(observed)
    if rounding is not None:
        support = (lo, hi)
        central = (lo + hi) / 2
    elif observed.value is not None:
        face = int(observed.value)
        support, central = (face, face), float(face)
    else:
        # Suppressed with rounding switched off: no face value, so use the middle of the range.
        support, central = (lo, hi), (lo + hi) / 2
    chance = comps.get("chance")
    assert chance is None or isinstance(chance, Chance)
    factors = tuple(
        comps[k] for k in ("timing", "revision", "definition", "ascertainment") if k in comps
    )
    return _Plan(observed, support, central, chance, rounding, factors)


def _count_draws(
    plan: _Plan, streams: Mapping[str, np.random.Generator], n: int
) -> tuple[FloatArray, FloatArray | None]:
    """Draws of the true count ``X`` (None if fixed) and of the rate ``lambda(X)``."""
    lo, hi = plan.support
    x: FloatArray | None = None
    if plan.rounding is not None and hi > lo:
        x = streams["rounding"].integers(lo, hi + 1, size=n).astype(np.float64)
    base = x if x is not None else np.full(n, plan.count_central)
    lam = garwood_draws(base, streams["chance"]) if plan.chance is not None else base
    return lam, x


def _combine(count: FloatArray | float, factors: Mapping[str, FloatArray | float]) -> FloatArray:
    out = np.asarray(count, dtype=np.float64)
    for kind, value in factors.items():
        out = out / value if kind == "ascertainment" else out * value
    return np.asarray(out, dtype=np.float64)


def _total_draws(plan: _Plan, n: int, seed: int) -> FloatArray:
    streams = _streams(seed)
    lam, _ = _count_draws(plan, streams, n)
    factors = {c.kind: c.draw(streams[c.kind], n) for c in plan.factors}
    return _combine(lam, factors)


def _check_n_draws(n_draws: object, name: str = "n_draws") -> int:
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)):
        raise ParameterError(f"{name} {n_draws!r} must be a whole number")
    if not MIN_DRAWS <= n_draws <= MAX_DRAWS:
        raise ParameterError(
            f"{name} {n_draws:,} must be from {MIN_DRAWS:,} to {MAX_DRAWS:,}: fewer draws give "
            "bounds that move by several per cent between seeds"
        )
    return int(n_draws)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(
            f"seed {seed!r} must be a non-negative whole number; results are always seeded"
        )
    return int(seed)


# ---------------------------------------------------------------------------------------------
# Simulation and its result
# ---------------------------------------------------------------------------------------------


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
        The simulated values of the target (length ``n_draws``).
    alone_draws : dict of str to ndarray
        For each enabled component, draws with only that component varying.
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

    @property
    def central(self) -> float:
        """The central value: the median of the draws."""
        return self.median

    def interval(self, conf_level: float = 0.95, scope: str = "total") -> tuple[float, float]:
        """Return ``(lower, upper)`` at ``conf_level`` for the total or one component alone.

        ``scope`` is ``"total"``, a component name or a component kind.
        """
        rows = self.intervals
        names = {c.name: c.name for c in self.components} | {
            c.kind: c.name for c in self.components
        }
        key = "total" if scope == "total" else names.get(scope)
        if key is None:
            raise ParameterError(
                f"unknown scope {scope!r}; use 'total' or one of " + ", ".join(names)
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
    """
    p = np.asarray(probs, dtype=np.float64)
    lo = np.clip(p - _SE_WINDOW, 0.0, 1.0)
    hi = np.clip(p + _SE_WINDOW, 0.0, 1.0)
    q = np.quantile(draws, np.concatenate([p, lo, hi]))
    k = p.size
    central, qlo, qhi = q[:k], q[k : 2 * k], q[2 * k :]
    spread = qhi - qlo
    with np.errstate(divide="ignore", invalid="ignore"):
        density = np.where(spread > 0, (hi - lo) / spread, np.inf)
        se = np.sqrt(p * (1 - p) / draws.size) / density
    return central, np.asarray(se, dtype=np.float64)


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


def _variance(draws: FloatArray) -> float:
    """Variance of the draws; exactly 0 for a constant array (no rounding noise)."""
    return float(np.var(draws)) if np.ptp(draws) > 0 else 0.0


def _log_variance(draws: FloatArray) -> float:
    """Variance of the log of the draws; NaN if any draw is 0 or negative."""
    if np.any(draws <= 0):
        return math.nan
    return _variance(np.log(draws))


def simulate(
    observed: Observed | float | int,
    components: Target | Sequence[Component],
    n_draws: int = 200_000,
    seed: int = DEFAULT_SEED,
    conf_levels: Sequence[float] = DEFAULT_CONF_LEVELS,
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
    obs = _as_observed(observed)
    target = _as_target(components)
    n = _check_n_draws(n_draws)
    seed = _check_seed(seed)
    levels = _conf_levels(conf_levels, "conf_levels")
    plan = _plan(obs, target)

    streams = _streams(seed)
    lam, x = _count_draws(plan, streams, n)
    factor_draws = {c.kind: c.draw(streams[c.kind], n) for c in plan.factors}
    total = _combine(lam, factor_draws)

    centrals = {c.kind: c.central() for c in plan.factors}
    alone: dict[str, FloatArray] = {}
    if plan.rounding is not None:
        count = x if x is not None else np.full(n, plan.count_central)
        alone[plan.rounding.name] = _combine(count, centrals)
    if plan.chance is not None:
        if x is None:
            lam_alone = lam
        else:
            lam_alone = garwood_draws(np.full(n, plan.count_central), streams["chance_alone"])
        alone[plan.chance.name] = _combine(lam_alone, centrals)
    for comp in plan.factors:
        mixed: dict[str, FloatArray | float] = dict(centrals)
        mixed[comp.kind] = factor_draws[comp.kind]
        alone[comp.name] = _combine(plan.count_central, mixed)

    name = target.name
    rows = _interval_rows(
        name, "total", "total", total, levels, f"all enabled components; {n:,} draws, seed {seed}"
    )
    kinds = {c.name: c.kind for c in plan.enabled}
    for cname, draws in alone.items():
        rows += _interval_rows(
            name,
            cname,
            kinds[cname],
            draws,
            levels,
            f"only {cname} varies; other components at their central values",
        )
    intervals = pd.DataFrame(rows)

    approx = closed_form(obs, target, conf_levels=levels)
    decomposition = _decompose(name, plan, total, alone, approx)
    return UncertaintyResult(
        target=name,
        unit=target.unit,
        observed=obs,
        components=plan.enabled,
        n_draws=n,
        seed=seed,
        conf_levels=levels,
        draws=total,
        alone_draws=alone,
        point=plan.point(),
        median=float(np.median(total)),
        mean=float(np.mean(total)),
        intervals=intervals,
        decomposition=decomposition,
        approximation=approx,
    )


def _decompose(
    target: str,
    plan: _Plan,
    total: FloatArray,
    alone: Mapping[str, FloatArray],
    approx: pd.DataFrame,
) -> pd.DataFrame:
    total_var = _variance(total)
    total_log = _log_variance(total)
    closed = approx.attrs.get("log_variance", {})
    rows: list[dict[str, object]] = []
    sum_var = 0.0
    sum_log = 0.0
    for comp in plan.enabled:
        var = _variance(alone[comp.name])
        log_var = _log_variance(alone[comp.name])
        sum_var += var
        sum_log += log_var
        rows.append(
            {
                "target": target,
                "component": comp.name,
                "kind": comp.kind,
                "variance": var,
                "log_variance": log_var,
                "log_variance_closed_form": closed.get(comp.kind, math.nan),
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


# ---------------------------------------------------------------------------------------------
# Closed forms
# ---------------------------------------------------------------------------------------------


def _garwood_moments(count: float) -> tuple[float, float]:
    """Mean and variance of the rate drawn by :func:`garwood_draws` for one count (exact).

    Uses ``E[G 1{G < m}] = a G_{a+1}(m)`` and ``E[G^2 1{G < m}] = a (a+1) G_{a+2}(m)`` for
    ``G ~ Gamma(a, 1)``, where ``G_a`` is the regularised lower incomplete gamma function.
    """
    a, b = float(count), float(count) + 1.0
    m_b = float(special.gammaincinv(b, 0.5))
    up1 = b * float(special.gammaincc(b + 1, m_b)) / 0.5
    up2 = b * (b + 1) * float(special.gammaincc(b + 2, m_b)) / 0.5
    if a > 0:
        m_a = float(special.gammaincinv(a, 0.5))
        low1 = a * float(special.gammainc(a + 1, m_a)) / 0.5
        low2 = a * (a + 1) * float(special.gammainc(a + 2, m_a)) / 0.5
    else:
        low1 = low2 = 0.0
    mean = 0.5 * (low1 + up1)
    return mean, 0.5 * (low2 + up2) - mean**2


def _chance_log_moments(xs: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Delta-method log-moments of the Garwood rate at each count in ``xs``.

    ``Var(log L) ~ Var(L) / E[L]^2`` and ``E[log L] ~ log E[L] - Var(L) / (2 E[L]^2)``, with the
    exact mean and variance of :func:`_garwood_moments`. NaN at a count of 0 (the rate is then 0
    half the time and has no logarithm).
    """
    means = np.full(xs.size, math.nan)
    variances = np.full(xs.size, math.nan)
    for i, x in enumerate(xs.tolist()):
        if x <= 0:
            continue
        mean, var = _garwood_moments(x)
        rel = var / mean**2
        means[i] = math.log(mean) - rel / 2
        variances[i] = rel
    return means, variances


def _count_log_moments(plan: _Plan) -> dict[str, tuple[float, float]]:
    """Log-scale mean and variance of the count part, split into rounding and chance.

    With both on, the law of total variance splits ``Var(log lambda)`` into the variance over
    the rounding support of ``E[log lambda | X]`` (rounding) and the mean of
    ``Var(log lambda | X)`` (chance). The mean is carried on the chance entry (or on rounding
    when chance is off, or on ``"count"`` when both are off).
    """
    lo, hi = plan.support
    xs = np.arange(lo, hi + 1, dtype=np.float64)
    if plan.rounding is None:
        xs = np.array([plan.count_central])
    if plan.chance is not None:
        means, variances = _chance_log_moments(xs)
        out = {"chance": (float(np.mean(means)), float(np.mean(variances)))}
        if plan.rounding is not None:
            out["rounding"] = (0.0, float(np.var(means)))
        return out
    with np.errstate(divide="ignore"):
        logs = np.log(xs)
    if np.any(xs <= 0):
        logs = np.full(xs.size, math.nan)
    key = "rounding" if plan.rounding is not None else "count"
    return {key: (float(np.mean(logs)), float(np.var(logs)))}


def closed_form(
    observed: Observed | float | int,
    components: Target | Sequence[Component],
    conf_levels: Sequence[float] = DEFAULT_CONF_LEVELS,
) -> pd.DataFrame:
    """Closed-form intervals: exact where one exists, else a log-normal approximation.

    Parameters
    ----------
    observed : Observed, int or float
    components : Target or sequence of Component
    conf_levels : sequence of float, default (0.8, 0.95)

    Returns
    -------
    pandas.DataFrame
        Columns ``target, scope, kind, conf_level, central, lower, upper, method, note``, with
        ``scope`` ``"total"`` and, for the log-normal method, one row per component alone.
        ``attrs["log_variance"]`` maps each kind (and ``"total"``) to its closed-form log
        variance.

    Notes
    -----
    *Exact.* When chance is the only enabled component with any spread and the count is an
    exact whole number ``x``, ``T = c * lambda`` for a constant ``c`` and the interval is ``c``
    times Garwood's exact interval, :func:`sinstats.stats.intervals.poisson_ci` with
    ``method="exact"`` (``method`` column ``"exact_garwood"``); central value ``c * x``.

    *Approximate (``"lognormal_moments"``).* Otherwise ``log T`` is a sum of independent terms,
    so its mean and variance are sums of each term's: log-normal factors give
    ``(log centre, sd_log^2)``; a Beta share ``(digamma(a) - digamma(a+b),
    trigamma(a) - trigamma(a+b))`` (mixtures by the law of total variance; ascertainment enters
    with a minus sign); chance at count ``x`` by the delta method from the exact mean and
    variance of the Garwood construction of :func:`garwood_draws` (incomplete gamma functions);
    rounding by the law of total variance over its support. The interval is
    ``exp(mean +/- z * sd)`` and the central value ``exp(mean)``, the median of a log-normal.
    It is approximate: the sum of a few skewed terms is not exactly normal, and the delta method
    for chance is poor below about 10 events (at 0 it is undefined, and the row is NaN). With
    few events or wide Beta distributions, use the Monte Carlo intervals of :func:`simulate`.

    References
    ----------
    .. [1] Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-442.
    .. [2] Johnson NL, Kotz S, Balakrishnan N. Continuous Univariate Distributions, vol. 2,
       2nd ed. Wiley, 1995 (ch. 25, moments of log Beta).
    """
    obs = _as_observed(observed)
    target = _as_target(components)
    levels = _conf_levels(conf_levels, "conf_levels")
    plan = _plan(obs, target)
    name = target.name
    lo, hi = plan.support
    rows: list[dict[str, object]] = []

    terms = _count_log_moments(plan)
    for comp in plan.factors:
        m, v = comp.log_moments()
        terms[comp.kind] = (-m, v) if comp.kind == "ascertainment" else (m, v)
    mean = sum(t[0] for t in terms.values())
    var = sum(t[1] for t in terms.values())

    others_fixed = all(not c.varies for c in plan.factors) and (plan.rounding is None or lo == hi)
    exact = plan.chance is not None and others_fixed and lo == hi and float(lo).is_integer()
    if exact:
        scale = _factor_scale(plan)
        for level in levels:
            ci = poisson_ci(int(lo), conf_level=level, method="exact")
            rows.append(
                {
                    "target": name,
                    "scope": "total",
                    "kind": "total",
                    "conf_level": level,
                    "central": float(lo) * scale,
                    "lower": float(ci.lower) * scale,
                    "upper": float(ci.upper) * scale,
                    "method": "exact_garwood",
                    "note": "Garwood's exact interval (poisson_ci, method='exact')"
                    + (f" times the constant {scale:.4g}" if scale != 1 else ""),
                }
            )
    else:
        for level in levels:
            z = float(stats.norm.isf((1 - level) / 2))
            sd = math.sqrt(var) if var == var else math.nan
            rows.append(
                {
                    "target": name,
                    "scope": "total",
                    "kind": "total",
                    "conf_level": level,
                    "central": math.exp(mean),
                    "lower": math.exp(mean - z * sd),
                    "upper": math.exp(mean + z * sd),
                    "method": "lognormal_moments",
                    "note": "approximate: log-normal with the exact log-moments of each "
                    "independent component (chance by the delta method)",
                }
            )
            for kind, (_, v) in terms.items():
                if kind == "count" or v == 0:
                    continue
                sd_k = math.sqrt(v) if v == v else math.nan
                rows.append(
                    {
                        "target": name,
                        "scope": kind,
                        "kind": kind,
                        "conf_level": level,
                        "central": math.exp(mean),
                        "lower": math.exp(mean - z * sd_k),
                        "upper": math.exp(mean + z * sd_k),
                        "method": "lognormal_moments",
                        "note": f"approximate: only {kind} varies",
                    }
                )
    table = pd.DataFrame(
        rows,
        columns=[
            "target",
            "scope",
            "kind",
            "conf_level",
            "central",
            "lower",
            "upper",
            "method",
            "note",
        ],
    )
    table.attrs["log_variance"] = {k: v for k, (_, v) in terms.items()} | {"total": var}
    return table


# ---------------------------------------------------------------------------------------------
# Sensitivity: tornado
# ---------------------------------------------------------------------------------------------


def _scenario_plans(plan: _Plan, comp: Component) -> tuple[_Plan, _Plan, float, float, str]:
    """Plans with ``comp`` at the low and high ends of its range."""
    if isinstance(comp, Rounding):
        lo, hi = plan.support
        low = dataclasses.replace(plan, support=(lo, lo), count_central=float(lo))
        high = dataclasses.replace(plan, support=(hi, hi), count_central=float(hi))
        return low, high, float(lo), float(hi), "true count"
    rng_ = comp.range
    assert rng_ is not None
    plans = []
    for value in rng_:
        swapped = tuple(comp.at(value) if f is comp else f for f in plan.factors)
        plans.append(dataclasses.replace(plan, factors=swapped))
    return plans[0], plans[1], rng_[0], rng_[1], comp.range_parameter


def tornado(
    observed: Observed | float | int,
    components: Target | Sequence[Component],
    n_draws: int = 100_000,
    seed: int = DEFAULT_SEED,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """How the central value and interval move as each assumption crosses its plausible range.

    Parameters
    ----------
    observed : Observed, int or float
    components : Target or sequence of Component
    n_draws : int, default 100_000
        Draws per scenario.
    seed : int, default 2026
        The same seed is used for every scenario (common random numbers), so differences between
        rows are due to the assumptions, not to sampling noise.
    conf_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per enabled component except chance, sorted by ``swing`` (largest first):
        ``component, kind, parameter, low_value, high_value, base_central, base_lower,
        base_upper, central_at_low, lower_at_low, upper_at_low, central_at_high,
        lower_at_high, upper_at_high, swing, conf_level, method, note``. ``swing`` is
        ``|central_at_high - central_at_low|``.

    Notes
    -----
    One assumption moves at a time; the others keep their default distributions. Timing and
    revision move their ``centre``; definition and ascertainment their mean share (keeping
    ``alpha + beta``, i.e. the same weight of evidence); rounding pins the true count at the
    lowest and highest values consistent with the published figure (the partial-identification
    bounds). A component without a ``range`` is listed with zero swing and a note. One-at-a-time
    analysis misses interactions; the variance decomposition of :func:`simulate` shows them.

    References
    ----------
    .. [1] Saltelli A, et al. Global Sensitivity Analysis: The Primer. Wiley, 2008 (ch. 1).
    .. [2] HM Treasury. The Aqua Book. 2015.
    """
    obs = _as_observed(observed)
    target = _as_target(components)
    n = _check_n_draws(n_draws)
    seed = _check_seed(seed)
    (level,) = _conf_levels([conf_level], "conf_level")
    plan = _plan(obs, target)
    probs = [0.5, (1 - level) / 2, 1 - (1 - level) / 2]

    def summarise(p: _Plan) -> FloatArray:
        return np.asarray(np.quantile(_total_draws(p, n, seed), probs), dtype=np.float64)

    base = summarise(plan)
    rows: list[dict[str, object]] = []
    for comp in plan.enabled:
        if comp.kind == "chance":
            continue
        row: dict[str, object] = {
            "component": comp.name,
            "kind": comp.kind,
            "base_central": base[0],
            "base_lower": base[1],
            "base_upper": base[2],
            "conf_level": level,
            "method": "one_at_a_time_monte_carlo",
        }
        has_range = comp.range is not None or (
            isinstance(comp, Rounding) and plan.support[1] > plan.support[0]
        )
        if not has_range:
            reason = (
                "the published figure is exact, so rounding has nothing to vary"
                if isinstance(comp, Rounding)
                else "no plausible range given in the assumptions; not varied"
            )
            row |= {
                "parameter": comp.range_parameter or "",
                "low_value": math.nan,
                "high_value": math.nan,
                "central_at_low": base[0],
                "lower_at_low": base[1],
                "upper_at_low": base[2],
                "central_at_high": base[0],
                "lower_at_high": base[1],
                "upper_at_high": base[2],
                "swing": 0.0,
                "note": reason,
            }
        else:
            low_plan, high_plan, low_v, high_v, param = _scenario_plans(plan, comp)
            at_low, at_high = summarise(low_plan), summarise(high_plan)
            row |= {
                "parameter": param,
                "low_value": low_v,
                "high_value": high_v,
                "central_at_low": at_low[0],
                "lower_at_low": at_low[1],
                "upper_at_low": at_low[2],
                "central_at_high": at_high[0],
                "lower_at_high": at_high[1],
                "upper_at_high": at_high[2],
                "swing": abs(float(at_high[0] - at_low[0])),
                "note": f"{param} from {low_v:g} to {high_v:g}; other components at their defaults",
            }
        rows.append(row)
    columns = [
        "component",
        "kind",
        "parameter",
        "low_value",
        "high_value",
        "base_central",
        "base_lower",
        "base_upper",
        "central_at_low",
        "lower_at_low",
        "upper_at_low",
        "central_at_high",
        "lower_at_high",
        "upper_at_high",
        "swing",
        "conf_level",
        "method",
        "note",
    ]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(["swing", "component"], ascending=[False, True], kind="stable")
    table.attrs["target"] = target.name
    table.attrs["unit"] = target.unit
    return table.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Reconciliation: the Panel's and DfE's counts side by side
# ---------------------------------------------------------------------------------------------

#: Documented reasons the Panel's and DfE's counts differ, by code.
RECONCILIATION_REASONS: Final[Mapping[str, str]] = {
    "period_basis": (
        "different periods: the Panel's figure covers a different span (e.g. a calendar year, "
        "January-December) from DfE's April-March year"
    ),
    "counting_basis": (
        "the Panel counts incidents reported to it and may count by incident date and exclude "
        "duplicate notifications (two for one incident) and notifications later withdrawn; DfE "
        "counts notifications when received"
    ),
    "rapid_reviews": (
        "the Panel's annual reports describe the notifications and rapid reviews it received; "
        "DfE publishes the notifications made by local authorities"
    ),
    "extraction_date": (
        "figures extracted on different dates: late notifications and withdrawals change the "
        "counts after extraction"
    ),
    "lower_bound": "the Panel's figure is a lower bound ('over'), not a count",
    "children_not_notifications": (
        "the Panel's figure counts children, not notifications: one incident can involve more "
        "than one child"
    ),
    "estimate": (
        "the DfE figure in this row is a pro-rata estimate, not a published figure: it assumes "
        "notifications are spread evenly through each April-March year"
    ),
}

_RECONCILE_CATEGORIES: Final = ("Total", "Child death", "Serious harm", "Other")
_NEEDED_COLUMNS: Final = ("period", "period_kind", "measure", "value")


def _national_counts(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """National ``number_notifications`` (else ``number_children``) rows by period and category."""
    missing = [c for c in _NEEDED_COLUMNS if c not in frame.columns]
    cat_col = "category" if "category" in frame.columns else "nature"
    if cat_col not in frame.columns:
        missing.append("category")
    if missing:
        raise ParameterError(
            f"{name} frame lacks column(s) {', '.join(missing)}; pass a frame from "
            "sinstats.data.load()"
        )
    df = frame
    if "geographic_level" in df.columns:
        df = df[df["geographic_level"].astype(str).str.lower().isin(["national", "england"])]
    if "breakdown_topic" in df.columns:
        df = df[df["breakdown_topic"].astype(str).isin(["Total", "", "nan"])]
    df = df[df[cat_col].astype(str).isin(_RECONCILE_CATEGORIES)]
    df = df[df["measure"].isin(["number_notifications", "number_children"])]
    out = pd.DataFrame(
        {
            "period": df["period"].astype(str),
            "period_kind": df["period_kind"].astype(str),
            "category": df[cat_col].astype(str),
            "measure": df["measure"].astype(str),
            "value": pd.to_numeric(df["value"], errors="coerce"),
            "qualifier": df["qualifier"].fillna("").astype(str)
            if "qualifier" in df.columns
            else "",
            "source_id": df["source_id"].fillna("").astype(str)
            if "source_id" in df.columns
            else "",
        }
    )
    # Prefer notifications to children where both are given for a period and category.
    out["rank"] = (out["measure"] != "number_notifications").astype(int)
    out = out.sort_values(["period", "category", "rank"], kind="stable")
    out = out.drop_duplicates(["period", "period_kind", "category"], keep="first")
    return out.drop(columns="rank").reset_index(drop=True)


def _period(row: pd.Series) -> Period:
    return parse_period(str(row["period"]), kind=str(row["period_kind"]))


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _overlap_months(a: Period, b: Period) -> int:
    a0 = _month_index(a.start_year, a.start_month)
    b0 = _month_index(b.start_year, b.start_month)
    return max(0, min(a0 + a.months, b0 + b.months) - max(a0, b0))


RECONCILE_COLUMNS: tuple[str, ...] = (
    "panel_period",
    "panel_period_label",
    "category",
    "panel_measure",
    "panel_value",
    "panel_qualifier",
    "panel_source_id",
    "dfe_period",
    "dfe_period_label",
    "dfe_value",
    "dfe_value_basis",
    "dfe_source_id",
    "overlap_months",
    "difference",
    "percent_difference",
    "reason_codes",
    "reasons",
    "method",
    "note",
)
"""Columns of the table :func:`reconcile` returns, in order."""


def reconcile(dfe: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Set the Panel's and DfE's national counts side by side, with why they differ.

    Parameters
    ----------
    dfe : pandas.DataFrame
        DfE/Ofsted national counts in the tidy format of :func:`sinstats.data.load`
        (``"sin_national"``): columns ``period, period_kind, category (or nature), measure,
        value``, and optionally ``geographic_level, breakdown_topic, qualifier, source_id``.
    panel : pandas.DataFrame
        The Panel's counts in the same format (``"panel_notifications"``).

    Returns
    -------
    pandas.DataFrame
        One row per Panel figure (Total, Child death, Serious harm, Other) and each DfE April-March
        year overlapping its period, plus, where two DfE years together cover a Panel calendar
        year, a row with a pro-rata calendar-year estimate. Columns: ``panel_period,
        panel_period_label, category, panel_measure, panel_value, panel_qualifier,
        panel_source_id, dfe_period, dfe_period_label, dfe_value, dfe_value_basis,
        dfe_source_id, overlap_months, difference, percent_difference, reason_codes, reasons,
        method, note``. ``difference`` is Panel minus DfE.

    Notes
    -----
    A DfE *calendar-year equivalent* is ``sum(overlap_months / 12 * DfE year)``; for calendar
    2020 that is ``3/12 * 2019-20 + 9/12 * 2020-21``. It assumes notifications are spread evenly
    through each April-March year and is labelled as an estimate, never as a published figure.
    The reasons are from DfE's methodology and the Panel's reports; which of them explains how
    much of a difference is not published.

    References
    ----------
    .. [1] Department for Education. Serious incident notifications: methodology.
       https://explore-education-statistics.service.gov.uk/find-statistics/serious-incident-notifications
    .. [2] Child Safeguarding Practice Review Panel. Annual Report 2020. 2021.
    """
    dfe_rows = _national_counts(dfe, "dfe")
    panel_rows = _national_counts(panel, "panel")
    dfe_rows = dfe_rows[dfe_rows["measure"] == "number_notifications"]
    dfe_rows = dfe_rows[dfe_rows["period_kind"] == FINANCIAL_YEAR]
    dfe_periods = [(_period(r), r) for _, r in dfe_rows.iterrows()]

    out: list[dict[str, object]] = []
    for _, prow in panel_rows.iterrows():
        pp = _period(prow)
        pval = float(prow["value"])
        qual = str(prow["qualifier"])
        base_codes = ["counting_basis", "rapid_reviews", "extraction_date"]
        if qual == "over":
            base_codes.append("lower_bound")
        if prow["measure"] == "number_children":
            base_codes.append("children_not_notifications")
        base: dict[str, object] = {
            "panel_period": pp.id,
            "panel_period_label": pp.label,
            "category": prow["category"],
            "panel_measure": prow["measure"],
            "panel_value": pval,
            "panel_qualifier": qual,
            "panel_source_id": prow["source_id"],
            "_start": pp.midpoint,
        }
        matches = []
        for dp, drow in dfe_periods:
            if drow["category"] != prow["category"]:
                continue
            months = _overlap_months(pp, dp)
            if months > 0:
                matches.append((dp, drow, months))
        matches.sort(key=lambda m: (m[0].start_year, m[0].start_month))
        bound_note = (
            "; the Panel figure is a lower bound, so the difference is one too"
            if qual == "over"
            else ""
        )
        if not matches:
            out.append(
                base
                | {
                    "dfe_period": "",
                    "dfe_period_label": "",
                    "dfe_value": math.nan,
                    "dfe_value_basis": "",
                    "dfe_source_id": "",
                    "overlap_months": 0,
                    "reason_codes": base_codes,
                    "method": "side_by_side",
                    "note": "no DfE figure held for an overlapping period and this category",
                }
            )
            continue
        for dp, drow, months in matches:
            codes = list(base_codes)
            if (dp.start_year, dp.start_month, dp.months) != (
                pp.start_year,
                pp.start_month,
                pp.months,
            ):
                codes.insert(0, "period_basis")
            same = "period_basis" not in codes
            out.append(
                base
                | {
                    "dfe_period": dp.id,
                    "dfe_period_label": dp.label,
                    "dfe_value": float(drow["value"]),
                    "dfe_value_basis": "published",
                    "dfe_source_id": drow["source_id"],
                    "overlap_months": months,
                    "reason_codes": codes,
                    "method": "side_by_side",
                    "note": (
                        "same April-March period"
                        if same
                        else f"{months} of the Panel period's {pp.months} months overlap"
                    )
                    + bound_note,
                }
            )
        covered = sum(m for _, _, m in matches)
        if len(matches) > 1 and covered == pp.months:
            estimate = sum(float(d["value"]) * m / 12 for _, d, m in matches)
            parts = " + ".join(f"{m}/12 x {dp.id}" for dp, _, m in matches)
            kind_word = "calendar-year" if pp.kind == CALENDAR_YEAR else "period"
            out.append(
                base
                | {
                    "dfe_period": f"{pp.id} ({kind_word} equivalent)",
                    "dfe_period_label": f"{pp.label}, estimated from DfE April-March years",
                    "dfe_value": estimate,
                    "dfe_value_basis": (
                        f"estimate: pro rata ({parts}), assumes notifications spread evenly; "
                        "not a published figure"
                    ),
                    "dfe_source_id": "; ".join(str(d["source_id"]) for _, d, _ in matches),
                    "overlap_months": covered,
                    "reason_codes": [*base_codes, "estimate"],
                    "method": "pro_rata_estimate",
                    "note": "estimate, not a published figure" + bound_note,
                }
            )
        elif len(matches) >= 1 and covered < pp.months and pp.kind == CALENDAR_YEAR:
            out[-1]["note"] = (
                f"{out[-1]['note']}; DfE figures held cover only {covered} of {pp.months} months, "
                "so no calendar-year estimate is made"
            )

    table = pd.DataFrame(out)
    if table.empty:
        return pd.DataFrame(columns=list(RECONCILE_COLUMNS))
    table["difference"] = table["panel_value"] - table["dfe_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        table["percent_difference"] = 100 * table["difference"] / table["dfe_value"]
    table["reasons"] = [
        "; ".join(RECONCILIATION_REASONS[c] for c in codes) for codes in table["reason_codes"]
    ]
    table["reason_codes"] = [", ".join(codes) for codes in table["reason_codes"]]
    order = {c: i for i, c in enumerate(_RECONCILE_CATEGORIES)}
    table["_cat"] = table["category"].map(order)
    table = table.sort_values(["_start", "_cat"], kind="stable").drop(columns=["_cat", "_start"])
    return table[list(RECONCILE_COLUMNS)].reset_index(drop=True)
