"""Verifying claims: resolve each figure, recompute, round as published, give the verdict.

:func:`verify` recomputes each number from the project's data, rounds it as it was published
(half away from zero, in decimal arithmetic), and gives a verdict (:data:`VERDICTS`):
``reproduces`` when the rounded value equals the published number, ``differs`` when it does not
(the difference is reported, never hidden), ``cannot check`` when a figure the claim needs is not
in the data (the note says which).

Beside each verdict is the interval of the recomputed quantity (:data:`INTERVAL_METHODS`):
exact Poisson (Garwood) for a count, Wilson for a share of counts, the exact conditional rate
ratio (as R's ``poisson.test``) for a change or a ratio, with its p-value and whether chance
alone could explain the change, and exact Poisson scaled for a rate. A claim can also ask for
the model estimate of :mod:`sinstats.stats.uncertainty` (``interval_model: uncertainty``),
labelled as a model, not as a statistic of any designation. A ``designation`` claim is checked
against the releases' designations (:mod:`~sinstats.analyses.claims.designation_verdict`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from types import MappingProxyType
from typing import Any, Final

import pandas as pd

from sinstats import data, paths
from sinstats._typing import DataDir, PathLike
from sinstats.analyses._series_model import Dispersion, series_dispersion
from sinstats.analyses.claims.chance import (
    ADJUST_METHODS,
    DEFAULT_ADJUST,
    adjust_changes,
    series_test,
)
from sinstats.analyses.claims.designation import DESIGNATION_KIND
from sinstats.analyses.claims.designation_verdict import verify_designation
from sinstats.analyses.claims.figures import (
    DERIVED,
    Missing,
    check_denominator,
    claim_error,
    name_problems,
    resolve_figures,
    unavailable,
)
from sinstats.analyses.claims.meaning import meaning_verdict
from sinstats.analyses.claims.records import (
    STRICT_STATUS,
    VERDICTS,
    ClaimResult,
    FigureUsed,
    ModelInterval,
    VerdictCounts,
    exit_status,
    strict_failures,
    summary,
)
from sinstats.analyses.claims.register import Claim, load_claims
from sinstats.analyses.claims.rounding import (
    brief,
    plain,
    round_half_away,
    to_decimal,
)
from sinstats.data import PER
from sinstats.errors import ClaimsError, ParameterError, Problem
from sinstats.present.words import trimmed
from sinstats.stats import intervals

__all__ = [
    "ADJUST_METHODS",
    "DEFAULT_ADJUST",
    "DEFAULT_CONF_LEVEL",
    "INTERVAL_METHODS",
    "STRICT_STATUS",
    "VERDICTS",
    "ClaimResult",
    "FigureUsed",
    "ModelInterval",
    "VerdictCounts",
    "exit_status",
    "strict_failures",
    "summary",
    "verify",
    "verify_files",
]

#: Interval method used for each kind (the ``method`` column of every output).
INTERVAL_METHODS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "count": "exact Poisson (Garwood)",
        "share": "Wilson score",
        "percent_change": "exact conditional rate ratio (as R poisson.test), as percent change",
        "difference": "exact conditional rate ratio (as R poisson.test), times the earlier count",
        "ratio": "exact conditional rate ratio (as R poisson.test)",
        "rate": "exact Poisson (Garwood), scaled per 100,000",
    }
)


DEFAULT_CONF_LEVEL: Final = 0.95

_CHANGE_KINDS: Final = ("percent_change", "difference", "ratio")


@dataclass
class _Context:
    """What one :func:`verify` call shares across claims: the level, the loaded data."""

    conf_level: float
    data_dir: DataDir
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    assumptions: Any = None
    _breaks: data.Breaks | None = None
    _dispersion: Dispersion | None = None

    def frame(self, dataset: str) -> pd.DataFrame:
        """Return a dataset's tidy frame, loading it once."""
        if dataset not in self.frames:
            self.frames[dataset] = data.load(dataset, self.data_dir)
        return self.frames[dataset]

    @property
    def breaks(self) -> data.Breaks:
        """The declared breaks (``breaks.yml`` of the data folder), loaded once."""
        if self._breaks is None:
            self._breaks = data.load_breaks(self.data_dir)
        return self._breaks

    @property
    def dispersion(self) -> Dispersion:
        """The national series' scatter around its segmented trend, fitted once."""
        if self._dispersion is None:
            self._dispersion = series_dispersion(self.data_dir)
        return self._dispersion


# ---------------------------------------------------------------------------------------------
# Computing and comparing
# ---------------------------------------------------------------------------------------------

# How each kind is recomputed from the numerator n and denominator d, and its arithmetic as text.
_FORMULAS: Final[Mapping[str, tuple[Callable[[Decimal, Decimal], Decimal], str]]] = (
    MappingProxyType(
        {
            "share": (lambda n, d: Decimal(100) * n / d, "100 * {n} / {d}"),
            "percent_change": (lambda n, d: Decimal(100) * (n - d) / d, "100 * ({n} - {d}) / {d}"),
            "difference": (lambda n, d: n - d, "{n} - {d}"),
            "ratio": (lambda n, d: n / d, "{n} / {d}"),
            "rate": (lambda n, d: n * Decimal(PER) / d, f"{{n}} / {{d}} * {PER:,}"),
        }
    )
)


def _compute(kind: str, n: Decimal, d: Decimal | None) -> tuple[Decimal, str]:
    """Return the recomputed value (in 40-digit decimal arithmetic) and the arithmetic as text."""
    with localcontext() as ctx:
        ctx.prec = 40
        ns = plain(n.normalize())
        if kind == "count" or d is None:
            return n, ns
        formula, text = _FORMULAS[kind]
        return formula(n, d), text.format(n=ns, d=plain(d.normalize()))


def _computation(claim: Claim, recomputed: Decimal, arithmetic: str) -> str:
    """Return the arithmetic with its result: ``100 * (379 - 482) / 482 = -21.369``."""
    if claim.kind == "count":
        return arithmetic
    return f"{arithmetic} = {brief(recomputed, claim.decimals + 3)}"


def _compare(claim: Claim, recomputed: Decimal, rounded: Decimal) -> tuple[str, Decimal, str]:
    """Compare the rounded value with the published one: verdict, difference and note.

    A published bound (``over``/``under``) reproduces when the recomputed value lies beyond it.
    """
    published = claim.published
    if rounded == published:
        note = ""
        if claim.qualifier in ("over", "under"):
            note = (
                f"Published as a bound ('{claim.qualifier} {plain(published)}'): compared as "
                "published, so this checks the bound's number, not an exact count."
            )
        return "reproduces", Decimal(0), note
    difference = rounded - published
    if (claim.qualifier == "over" and recomputed > published) or (
        claim.qualifier == "under" and recomputed < published
    ):
        note = f"The bound holds: {plain(rounded)} is {claim.qualifier} {plain(published)}."
        return "reproduces", difference, note
    sign = "+" if difference > 0 else ""
    note = (
        f"Differs: the data give {plain(rounded)} (rounded to {claim.decimals} "
        f"decimal place{'s' if claim.decimals != 1 else ''}), the statement "
        f"{claim.published_display()}; difference {sign}{plain(difference)}."
    )
    return "differs", difference, note


@dataclass(frozen=True)
class _BoundVerdict:
    """The verdict on a published bound compared with a bound as stored."""

    verdict: str
    note: str
    not_a_test: bool = False


def _bound_against_bound(claim: Claim, num: FigureUsed) -> _BoundVerdict | None:
    """Compare a published bound ("over 150") with a figure stored as a bound.

    The same bound ("over 150" with stored "over 150") is consistent but not a test: it
    could not have failed. A weaker bound ("over 140") follows from the stored one; a stronger
    one ("over 160") the data cannot decide (``cannot check``); an opposite bound that
    contradicts the stored one ("under 150" with "over 150") differs, one that does not
    ("under 400" with "over 150") cannot be decided either.
    """
    fig = num.figure
    bounds = ("over", "under")
    if claim.kind != "count" or fig.qualifier not in bounds or claim.qualifier not in bounds:
        return None
    stored = f"'{fig.qualifier} {num.value_text()}' ({fig.dataset}, {fig.period_label})"
    said = f"'{claim.published_display()}'"
    value, published = to_decimal(fig.value), claim.published
    if claim.qualifier == fig.qualifier:
        if published == value:
            return _BoundVerdict(
                "reproduces",
                f"Consistent, not a test: the statement's {said} is compared with the same "
                f"bound as stored, {stored}, so the comparison could not fail; it confirms the "
                "bound as transcribed, not a count.",
                not_a_test=True,
            )
        weaker = published < value if claim.qualifier == "over" else published > value
        if weaker:
            return _BoundVerdict("reproduces", f"The bound holds: {stored} implies {said}.")
        return _BoundVerdict(
            "cannot check", f"the data hold only the bound {stored}, which does not decide {said}"
        )
    # Opposite bounds: "under X" against stored "over V" contradicts it when X <= V.
    contradicts = published <= value if claim.qualifier == "under" else published >= value
    if contradicts:
        return _BoundVerdict("differs", f"Differs: the data hold {stored}, the statement {said}.")
    return _BoundVerdict(
        "cannot check", f"the data hold only the bound {stored}, which does not decide {said}"
    )


def _figure_notes(figures: Sequence[FigureUsed]) -> list[str]:
    """Say which figures are held as bounds or were rounded at source."""
    notes = []
    for f in figures:
        fig = f.figure
        if fig.note.startswith(DERIVED):
            notes.append(fig.note)
        if fig.qualifier:
            notes.append(
                f"The {f.role} is held as a bound ('{fig.qualifier} {f.value_text()}', "
                f"{fig.dataset} {fig.period_label}), so the recomputed value is a bound too."
            )
        if fig.rounded_to:
            notes.append(
                f"The {f.role} was rounded to the nearest {fig.rounded_to} at source; the "
                "interval covers chance only."
            )
    return notes


# ---------------------------------------------------------------------------------------------
# Intervals: one function per kind of claim
# ---------------------------------------------------------------------------------------------


@dataclass
class _IntervalInfo:
    """The interval beside a verdict, or the notes saying why there is none."""

    lower: float | None = None
    upper: float | None = None
    method: str = "none"
    p_value: float | None = None
    chance_alone: bool | None = None
    notes: list[str] = field(default_factory=list)
    p_overdispersed: float | None = None
    phi: float | None = None
    crossing: data.Crossing | None = None


def _no_interval(note: str) -> _IntervalInfo:
    return _IntervalInfo(notes=[note])


def _is_count(f: FigureUsed) -> bool:
    fig = f.figure
    return fig.unit == "count" and fig.value >= 0 and float(fig.value).is_integer()


def _count_interval(
    kind: str, num: FigureUsed, den: FigureUsed | None, level: float
) -> _IntervalInfo:
    """Exact Poisson (Garwood) limits of a count, as R ``poisson.test(n)``."""
    if not _is_count(num):
        return _no_interval(
            f"No interval: the figure is a {num.figure.unit} value, not a count of events."
        )
    ci = intervals.poisson_ci(num.figure.value, level, "exact")
    return _IntervalInfo(float(ci.lower), float(ci.upper), INTERVAL_METHODS[kind])


def _rate_interval(
    kind: str, num: FigureUsed, den: FigureUsed | None, level: float
) -> _IntervalInfo:
    """Exact Poisson limits of the count, scaled per 100,000 of a population taken as known."""
    assert den is not None
    if not _is_count(num):
        return _no_interval(
            f"No interval: the numerator is a {num.figure.unit} value, not a count."
        )
    ci = intervals.rate_ci(num.figure.value, den.figure.value, PER, level, "exact")
    return _IntervalInfo(
        float(ci.lower),
        float(ci.upper),
        INTERVAL_METHODS[kind],
        notes=["The population is taken as known without error."],
    )


def _not_both_counts(num: FigureUsed, den: FigureUsed) -> _IntervalInfo | None:
    if _is_count(num) and _is_count(den):
        return None
    return _no_interval(
        "No interval: numerator and denominator must both be counts "
        f"(here {num.figure.unit} and {den.figure.unit})."
    )


def _share_interval(
    kind: str, num: FigureUsed, den: FigureUsed | None, level: float
) -> _IntervalInfo:
    """Wilson score interval of a share of counts (as R ``prop.test(correct = FALSE)``), in %."""
    assert den is not None
    refused = _not_both_counts(num, den)
    if refused is not None:
        return refused
    n, d = num.figure, den.figure
    if n.value > d.value:
        return _no_interval(
            "No interval: the numerator exceeds the denominator, so it is not a part of that whole."
        )
    ci = intervals.proportion_ci(n.value, d.value, level, "wilson")
    out = _IntervalInfo(100 * float(ci.lower), 100 * float(ci.upper), INTERVAL_METHODS[kind])
    if n.measure != d.measure:
        out.notes.append(
            f"The Wilson interval takes the {n.measure} as a subset of the {d.measure}."
        )
    return out


def _change_interval(
    kind: str, num: FigureUsed, den: FigureUsed | None, level: float
) -> _IntervalInfo:
    """Exact conditional rate ratio (as R ``poisson.test(c(n, d))``) with its test of no change.

    Shown as a ratio, as a percent change ``100 * (RR - 1)``, or as a difference
    ``d * (RR - 1)``; chance alone could explain the change when ``p >= 1 - level``.
    """
    assert den is not None
    refused = _not_both_counts(num, den)
    if refused is not None:
        return refused
    n, d = num.figure, den.figure
    if n.measure != d.measure:
        return _no_interval(
            f"No interval: numerator and denominator count different things ({n.measure} "
            f"and {d.measure}), so a rate ratio would not compare like with like."
        )
    if n.value + d.value == 0 or d.value == 0:
        return _no_interval("No interval: the earlier count is 0.")
    rr = intervals.rate_ratio_ci(n.value, d.value, 1.0, 1.0, level, "exact")
    lo, hi = float(rr.lower), float(rr.upper)
    scale = {"percent_change": 100.0, "difference": d.value}.get(kind)
    p_value = float(rr.p_value)
    out = _IntervalInfo(lo, hi, INTERVAL_METHODS[kind], p_value)
    if scale is not None:
        out.lower, out.upper = scale * (lo - 1), scale * (hi - 1)
    if kind == "difference":
        out.notes.append(
            f"Interval: the rate-ratio limits times the earlier count ({den.value_text()})."
        )
    return out


_Interval = Callable[[str, FigureUsed, FigureUsed | None, float], _IntervalInfo]

# The interval beside each kind of claim (the methods are named in INTERVAL_METHODS).
_INTERVALS: Final[Mapping[str, _Interval]] = MappingProxyType(
    {
        "count": _count_interval,
        "share": _share_interval,
        "percent_change": _change_interval,
        "difference": _change_interval,
        "ratio": _change_interval,
        "rate": _rate_interval,
    }
)


def _interval(claim: Claim, num: FigureUsed, den: FigureUsed | None, level: float) -> _IntervalInfo:
    """Return the interval of the recomputed quantity, or say why none applies."""
    try:
        return _INTERVALS[claim.kind](claim.kind, num, den, level)
    except ValueError as err:  # intervals refuse an input; say so rather than fail
        return _no_interval(f"No interval: {err}.")


def _model_interval(claim: Claim, num: FigureUsed, ctx: _Context) -> ModelInterval:
    """Return the :mod:`sinstats.stats.uncertainty` interval of the claim's model target."""
    from sinstats.stats import uncertainty  # loaded only for claims that ask for the model

    target_name = claim.model_target
    if ctx.assumptions is None:
        # The data folder's assumptions, else the project's (as notebook 03 reads them).
        own = paths.assumptions_file(ctx.data_dir)
        ctx.assumptions = uncertainty.load_assumptions(
            data.own_or_fallback(own, paths.assumptions_file())
        )
    assumptions = ctx.assumptions
    try:
        target = assumptions.target(target_name)
    except ParameterError as err:
        raise claim_error(claim, "model_target", str(err)) from None
    fig = num.figure
    settings = assumptions.simulation
    base, dated_by = uncertainty.figure_base(fig.dataset)
    try:
        observed = uncertainty.Observed(
            fig.value,
            rounded_to=fig.rounded_to,
            qualifier=fig.qualifier if fig.qualifier == "over" else "",
            label=f"{fig.period_label} {fig.category}",
            base=base,
            dated_by=dated_by,
        )
        result = uncertainty.simulate(
            observed,
            target,
            n_draws=settings.n_draws,
            seed=settings.seed,
            conf_levels=(ctx.conf_level,),
            quantity="realised",
        )
    except ParameterError as err:
        raise claim_error(
            claim, "interval_model", f"the uncertainty model cannot use this figure: {err}"
        ) from None
    lower, upper = result.interval(ctx.conf_level)
    note = (
        f"Model estimate (not a statistic of any designation): {target.description.strip()} "
        f"Central estimate {result.median:.0f} {target.unit} in that year (its realised number), "
        f"{trimmed(ctx.conf_level * 100)}% interval "
        f"{lower:.0f} to {upper:.0f}, from the published figure {observed.describe()} "
        f"(sinstats.stats.uncertainty target '{target_name}', {result.n_draws:,} draws, seed "
        f"{result.seed}; every assumption is in data/assumptions.yml with its source and "
        "rating)."
    )
    if fig.qualifier and fig.qualifier != "over":
        note += f" The model reads the figure as exact; the source said '{fig.qualifier}'."
    return ModelInterval(
        target=target_name,
        description=" ".join(target.description.split()),
        unit=target.unit,
        conf_level=ctx.conf_level,
        central=result.median,
        lower=lower,
        upper=upper,
        n_draws=result.n_draws,
        seed=result.seed,
        note=note,
    )


# ---------------------------------------------------------------------------------------------
# One claim
# ---------------------------------------------------------------------------------------------


def _cannot_check(
    claim: Claim,
    figures: tuple[FigureUsed, ...],
    missing: Sequence[Missing],
    level: float,
    warnings: tuple[str, ...] = (),
) -> ClaimResult:
    """Return the result for a claim whose figures the data do not hold: which, and why."""
    why = [_sentence(f"{m.role.capitalize()}: {m.reason}") for m in missing]
    why += _expect_notes(claim, "cannot check")
    if claim.expect == "cannot check" and claim.reason:
        why.append(_sentence(f"Reason given: {' '.join(claim.reason.split())}"))
    meaning = meaning_verdict(claim, figures)
    return ClaimResult(
        claim,
        "cannot check",
        level,
        " ".join(why),
        figures=figures,
        warnings=warnings,
        meaning=meaning.verdict,
        meaning_text=meaning.text,
        meaning_sources=meaning.sources,
    )


def _verify_one(claim: Claim, ctx: _Context) -> ClaimResult:
    """Resolve, recompute, round, compare and add the interval for one claim."""
    level = ctx.conf_level
    resolved = resolve_figures(claim, ctx)
    num, den_res, warnings = resolved.numerator, resolved.denominator, resolved.warnings
    figures = tuple(f for f in (num, den_res) if isinstance(f, FigureUsed))
    missing = [m for m in (num, den_res) if isinstance(m, Missing)]
    missing += [unavailable(f) for f in figures if not f.available]
    if missing:
        return _cannot_check(claim, figures, missing, level, warnings)
    assert isinstance(num, FigureUsed)
    den = den_res if isinstance(den_res, FigureUsed) else None
    check_denominator(claim, den)
    bound = _bound_against_bound(claim, num)
    if bound is not None and bound.verdict == "cannot check":
        return _cannot_check(claim, figures, [Missing("numerator", bound.note)], level, warnings)
    n = to_decimal(num.figure.value)
    d = to_decimal(den.figure.value) if den is not None else None
    recomputed, arithmetic = _compute(claim.kind, n, d)
    rounded = round_half_away(recomputed, claim.decimals)
    verdict, difference, verdict_note = _compare(claim, recomputed, rounded)
    if bound is not None:
        verdict, verdict_note = bound.verdict, bound.note
    notes = [verdict_note] if verdict_note else []
    if claim.qualifier == "about":
        notes.append("Published as approximate ('about'); compared as published.")
    notes += _figure_notes(figures)
    info = _interval(claim, num, den, level)
    if claim.kind in _CHANGE_KINDS and den is not None:
        found = series_test(num, den, info.p_value, ctx.breaks, ctx.dispersion, level)
        info.crossing, info.p_overdispersed, info.phi = found.crossing, found.p_value, found.phi
        info.notes.extend(found.notes)
    if claim.kind == "count" and num.figure.qualifier and info.lower is not None:
        info.notes.append(
            f"The interval is for a count of exactly {num.value_text()}; the true count "
            "is not known exactly."
        )
    if den is not None and num.figure.dataset != den.figure.dataset and claim.kind != "rate":
        notes.append(f"Numerator from {num.figure.dataset}, denominator from {den.figure.dataset}.")
    if claim.kind == "rate" and den is not None:
        notes.append(f"Population: {den.figure.note}.".replace("..", "."))
    notes.extend(info.notes)
    if claim.tolerance_note:
        notes.append(claim.tolerance_note)
    notes.extend(_expect_notes(claim, verdict))
    model = _model_interval(claim, num, ctx) if claim.interval_model == "uncertainty" else None
    meaning = meaning_verdict(claim, figures)
    return ClaimResult(
        claim=claim,
        verdict=verdict,
        recomputed=recomputed,
        rounded=rounded,
        difference=difference,
        lower=info.lower,
        upper=info.upper,
        conf_level=level,
        method=info.method,
        p_value=info.p_value,
        chance_alone=info.chance_alone,
        p_overdispersed=info.p_overdispersed,
        phi=info.phi,
        break_flag=info.crossing.flag if info.crossing is not None else "",
        breaks=info.crossing.flags if info.crossing is not None else (),
        break_warning=info.crossing.warning() if info.crossing is not None else "",
        computation=_computation(claim, recomputed, arithmetic),
        note=" ".join(notes),
        figures=figures,
        model=model,
        warnings=warnings,
        meaning=meaning.verdict,
        meaning_text=meaning.text,
        meaning_sources=meaning.sources,
        not_a_test=bound.not_a_test if bound is not None else False,
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _expect_notes(claim: Claim, verdict: str) -> list[str]:
    """Say when the verdict is not the one the register expects (it never changes the verdict)."""
    if claim.expect is None or claim.expect == verdict:
        return []
    return [
        f"The register expected '{claim.expect}' but the verdict is '{verdict}': review the "
        "claim's expect/reason."
    ]


def _check_names(claims: Sequence[Claim], ctx: _Context) -> None:
    """Raise every unknown name of the first claims file that has any (before verifying)."""
    found = name_problems([c for c in claims if c.kind != DESIGNATION_KIND], ctx)
    for path, problems in found.items():
        raise ClaimsError(problems, path)


def verify(
    claims: Sequence[Claim],
    *,
    conf_level: float = DEFAULT_CONF_LEVEL,
    data_dir: DataDir = None,
    adjust: str = DEFAULT_ADJUST,
) -> list[ClaimResult]:
    """Recompute every claim from the data and give its verdict and interval.

    Parameters
    ----------
    claims : sequence of Claim
        From :func:`load_claims` or :func:`parse_claims`.
    conf_level : float, default 0.95
        Confidence level of every interval; a change is "consistent with chance alone" when its
        adjusted p-value is at least ``1 - conf_level`` (0.05 by default). For national counts
        of Ofsted's and DfE's collection the p-value allows for the series' year-to-year
        scatter (phi from the segmented model); for other figures it is the exact Poisson one.
    data_dir : path-like, optional
        The data folder (default ``data/``).
    adjust : str, default "holm"
        How the change claims tested together are adjusted: ``"holm"``, ``"bh"`` or ``"none"``
        (:data:`ADJUST_METHODS`). A change across a break declared in ``breaks.yml`` is not
        tested: it carries the break warning and no verdict on chance.

    Returns
    -------
    list of ClaimResult
        One per claim, in order.

    Raises
    ------
    ClaimsError
        When a claim cannot be computed as written: a name its dataset holds in no period (a
        typo: the message suggests the nearest names; every such problem of the file is listed
        at once, before anything is verified), a ``reading: calendar_year`` in a dataset of
        April-March years, a denominator of 0 (division by zero), a reference matching several
        figures, a rate over something that is not a population, an unknown model target.
        Raised before anything is returned.
    ParameterError
        For a ``conf_level`` outside (0, 1) or an unknown ``adjust``.
    ConfigError
        If ``breaks.yml`` is invalid.
    DataError
        If the data files fail validation.
    """
    level = intervals.check_conf_level(conf_level)
    method = adjust
    if method not in ADJUST_METHODS:
        raise ParameterError(f"adjust must be one of {', '.join(ADJUST_METHODS)}; got {adjust!r}")
    ctx = _Context(conf_level=level, data_dir=data_dir)
    _check_names(claims, ctx)
    results = [
        verify_designation(c, level, data_dir)
        if c.kind == DESIGNATION_KIND
        else _verify_one(c, ctx)
        for c in claims
    ]
    return adjust_changes(results, level, method)


def verify_files(
    files: Sequence[PathLike] | None = None,
    *,
    conf_level: float = DEFAULT_CONF_LEVEL,
    data_dir: DataDir = None,
    adjust: str = DEFAULT_ADJUST,
) -> list[ClaimResult]:
    """Read one or more claims files and verify every claim in them.

    Parameters
    ----------
    files : sequence of path-like, optional
        Claims files; default ``data/claims/published.yml`` of ``data_dir``. Ids must be unique
        across the files.
    conf_level : float, default 0.95
        As for :func:`verify`.
    data_dir : path-like, optional
        The data folder (default ``data/``); also where the default claims file is.
    adjust : str, default "holm"
        As for :func:`verify`.

    Returns
    -------
    list of ClaimResult
        One per claim, file by file, in file order.

    Raises
    ------
    ClaimsError
        For any invalid file (all files are read and checked before any claim is verified), or a
        claim that cannot be computed as written (see :func:`verify`).
    ParameterError
        For a ``conf_level`` outside (0, 1).
    """
    chosen = list(files) if files else [paths.claims_file(data_dir)]
    claims: list[Claim] = []
    seen: dict[str, Claim] = {}
    problems: list[Problem] = []
    for f in chosen:
        for c in load_claims(f):
            if c.id in seen:
                problems.append(
                    Problem(
                        f"duplicate id '{c.id}' (also in {seen[c.id].file}); ids must be unique "
                        "across claims files",
                        index=c.index,
                        claim=c.id,
                        field="id",
                        line=c.line,
                    )
                )
                continue
            seen[c.id] = c
            claims.append(c)
    if problems:
        raise ClaimsError(problems, str(chosen[-1]))
    return verify(claims, conf_level=conf_level, data_dir=data_dir, adjust=adjust)
