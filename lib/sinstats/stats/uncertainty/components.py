"""The components of the uncertainty model and their registry.

Each component is one source of doubt between a published count and the quantity of interest
(see :mod:`sinstats.stats.uncertainty`): a frozen dataclass that validates its parameters
(a :class:`~sinstats.errors.ComponentError` naming the parameter), draws its factor, gives the
log-moments of its factor for the closed forms, and can be moved across its plausible range for
the tornado. The base conversion and the hierarchical share are in
:mod:`~sinstats.stats.uncertainty.shares`; :mod:`~sinstats.stats.uncertainty.registry` maps each
kind of ``data/assumptions.yml`` to its class.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special

from sinstats._docstrings import fill_doc
from sinstats._typing import FloatArray
from sinstats.errors import ComponentError, ParameterError
from sinstats.stats._validation import is_number, whole_pair
from sinstats.stats.uncertainty.observed import BASES, DATINGS, Observed

#: The word that marks a default with no published source.
ASSUMPTION: Final = "assumption"
#: Quality ratings, as in the Aqua Book / AQA assumptions logs.
RAG_RATINGS: Final = ("red", "amber", "green")
#: Component kinds in the order the model applies them; also the order of every output table.
COMPONENT_KINDS: Final = (
    "rounding",
    "chance",
    "timing",
    "revision",
    "base",
    "definition",
    "ascertainment",
)


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
    #: How a count must be dated for the component to apply (see :data:`DATINGS`).
    applies_to_dating: ClassVar[tuple[str, ...]] = DATINGS

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

    def not_applicable(self, observed: Observed) -> str:
        """Return why the component does not apply to ``observed`` ("" when it applies)."""
        if observed.dated_by not in self.applies_to_dating:
            return (
                f"{self.name} applies only to counts dated by "
                f"{' or '.join(self.applies_to_dating)}; this figure is dated by "
                f"{observed.dated_by}"
            )
        return ""

    def applicability(self) -> str:
        """Which data the component applies to, in words (for the assumptions table)."""
        if self.applies_to_dating == DATINGS:
            return "any count"
        return "counts dated by " + " or ".join(self.applies_to_dating) + " only"

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
    comp: Component,
    rng_value: object,
    *,
    lo_bound: float,
    hi_bound: float,
    open_low: bool,
    default: float | None = None,
) -> tuple[float, float] | None:
    if rng_value is None:
        return None
    if not isinstance(rng_value, (tuple, list)) or len(rng_value) != 2:
        raise comp._bad("range", f"{rng_value!r} must be a pair [low, high]")
    if not all(is_number(v) and math.isfinite(float(v)) for v in rng_value):
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
    centre = comp.central() if default is None else default
    if not low - 1e-12 <= centre <= high + 1e-12:
        raise comp._bad(
            "range", f"{rng_value!r} does not contain the default {comp.range_parameter} {centre:g}"
        )
    return low, high


def _check_beta(comp: Component, alpha: object, beta: object) -> None:
    """Check the two parameters of a Beta distribution: positive, finite numbers."""
    for key, v in (("alpha", alpha), ("beta", beta)):
        if v is None or not is_number(v) or not 0 < float(v) < math.inf:  # type: ignore[arg-type]
            raise comp._bad(key, f"Beta parameter {v!r} must be a positive number")


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
            pair = whole_pair(self.suppressed_range, "suppressed_range")
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
        if not is_number(self.centre) or not math.isfinite(self.centre) or self.centre <= 0:
            raise self._bad("centre", f"{self.centre!r} must be a positive number")
        if not is_number(self.sd_log) or not math.isfinite(self.sd_log) or self.sd_log < 0:
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


@fill_doc
@dataclass(frozen=True, kw_only=True)
class Timing(_Multiplier):
    """Notification vs incident date: incidents in the period per notification received in it.

    %(multiplier_parameters)s

    Notes
    -----
    DfE counts a notification when it is received, not when the incident happened;
    notifications are due within 5 working days, but suspicion of abuse can arise later (e.g. at
    post-mortem). The net shift is the difference between late notifications carried into and
    out of the year; there is no published estimate, so this is an assumption. The target is
    multiplied by the factor: above 1 means more qualifying incidents happened in the period than
    notifications were received in it, and a centre of 1 that late notifications carried into
    and out of the year balance.
    """

    kind: ClassVar[str] = "timing"
    applies_to_dating: ClassVar[tuple[str, ...]] = ("receipt",)

    def applicability(self) -> str:  # noqa: D102
        return "counts dated by receipt (DfE) only; never the Panel's incident-dated counts"


@fill_doc
@dataclass(frozen=True, kw_only=True)
class Revision(_Multiplier):
    """Revision error: final figure over first-published figure.

    %(multiplier_parameters)s

    Notes
    -----
    A centre of 1 means no systematic revision. No vintages are held: the only discrepancy seen,
    448 vs 449 notifications in 2019-20, is a transcription difference between two news reports,
    not a revision. The spread is an assumption.
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


class _Share:
    """What the share components have in common: a fixed ``share`` or a distribution of it.

    A mixin of :class:`Definition` and :class:`Ascertainment` (not a dataclass: their fields keep
    their own order, which is the order of the assumptions log).
    """

    share: float | None
    range_: tuple[float, float] | None

    @property
    def range(self) -> tuple[float, float] | None:
        """Plausible range of the share (``range`` in the YAML file), or None."""
        return self.range_

    @property
    def varies(self) -> bool:
        """True unless the share is fixed."""
        return self.share is None


@dataclass(frozen=True, kw_only=True)
class Definition(_Share, Component):
    """Share of notified incidents that meet the target definition.

    Give exactly one of: ``percentages`` (published shares to be summed, with ``denominator``
    and ``decimals``), ``count`` (with ``denominator``), ``alpha`` and ``beta``, or ``share`` (a
    fixed value with no spread), and always the ``base`` the share was measured on.

    Parameters
    ----------
    base : {"panel", "dfe"}
        Whose notifications the share is of: the Panel's or DfE's (with Ofsted's). A share is
        applied to a count on another base only through a ``base`` component.
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

    base: str | None = None
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
        self._validate_base()
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
            and all(is_number(v) and 0 < float(v) < math.inf for v in self.prior)
        ):
            raise self._bad("prior", f"{self.prior!r} must be two positive Beta parameters [a, b]")
        object.__setattr__(self, "prior", (float(self.prior[0]), float(self.prior[1])))
        if self.share is not None:
            if not is_number(self.share) or not 0 <= float(self.share) <= 1:
                raise self._bad("share", f"{self.share!r} is a share and must lie in [0, 1]")
        elif self.alpha is not None or self.beta is not None:
            _check_beta(self, self.alpha, self.beta)
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

    def _validate_base(self) -> None:
        if self.base is None:
            raise self._bad(
                "base",
                f"missing: say which base the share was measured on ({', '.join(BASES)})",
            )
        if self.base not in BASES:
            raise self._bad("base", f"{self.base!r} must be one of {', '.join(BASES)}")

    def applicability(self) -> str:  # noqa: D102
        return f"any count on the {self.base} base (another base through the base component)"

    def _validate_percentages(self, n: int) -> None:
        pct = self.percentages
        if not isinstance(pct, (tuple, list)) or not pct:
            raise self._bad("percentages", f"{pct!r} must be a non-empty list of percentages")
        if not all(is_number(v) and 0 <= float(v) <= 100 for v in pct):
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
class Ascertainment(_Share, Component):
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
            if not is_number(self.share) or not 0 < float(self.share) <= 1:
                raise self._bad(
                    "share", f"{self.share!r} is a share and must lie in (0, 1] (0 divides by 0)"
                )
        else:
            _check_beta(self, self.alpha, self.beta)
        _check_range(self, self.range_, lo_bound=0.0, hi_bound=1.0, open_low=True)

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


def component_order(comp: Component) -> int:
    """Position of ``comp``'s kind in :data:`COMPONENT_KINDS` (the model's order).

    Parameters
    ----------
    comp : Component

    Returns
    -------
    int
        Used as a sort key, so components always combine in the same order.
    """
    return COMPONENT_KINDS.index(comp.kind)
