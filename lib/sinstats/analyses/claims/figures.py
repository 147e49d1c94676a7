"""Resolving a claim's figure references to published figures, and checking their names.

:func:`resolve_figures` turns a claim's numerator and denominator into the published figures
they name (:class:`~sinstats.analyses.claims.records.FigureUsed`, each with the period it was
read as), or says which is missing and why (:class:`Missing`: the verdict is then ``cannot
check``). A bare year is read by :func:`~sinstats.analyses.claims.reading.read_period`, which
warns when it could mean two periods. :func:`name_problems` checks every reference's names
against its dataset before anything is verified: a name the dataset holds in no period is a
claims-file error naming the nearest valid names
(:func:`~sinstats.analyses.claims.names.unknown_name`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Protocol

import pandas as pd

from sinstats import data
from sinstats.analyses.claims.names import unknown_name
from sinstats.analyses.claims.reading import read_period
from sinstats.analyses.claims.records import FigureUsed
from sinstats.analyses.claims.register import Claim, FigureRef, PopulationRef
from sinstats.analyses.claims.rounding import to_decimal
from sinstats.errors import ClaimsError, NoDataError, ParameterError, PeriodError, Problem
from sinstats.periods import CALENDAR_YEAR, Period, parse_period

__all__ = [
    "DERIVED",
    "Frames",
    "Missing",
    "Resolved",
    "check_denominator",
    "claim_error",
    "name_problems",
    "reference_problems",
    "resolve_figures",
    "unavailable",
]

#: How the note of a derived figure starts (``derive: earlier``).
DERIVED: Final = "The denominator is derived, not published:"

_DIVIDING_KINDS: Final = ("share", "percent_change", "ratio", "rate")

# The category of the ONS estimate in ``population_0_17`` (a ``{population: AREA}`` denominator).
_POPULATION_CATEGORY: Final = "Children aged 0 to 17 years"

# The fields of a reference checked against its dataset: (field, column(s), exact match).
# The category is matched as sinstats.data.figure matches it: without regard to case.
_NAMED_FIELDS: Final = (
    ("category", ("category",), False),
    ("measure", ("measure",), True),
    ("breakdown_topic", ("breakdown_topic",), True),
    ("nature", ("nature",), True),
    ("area", ("area_name", "area_code"), True),
)


class Frames(Protocol):
    """What resolving needs from the verifier: each dataset's tidy frame, loaded once."""

    def frame(self, dataset: str) -> pd.DataFrame:
        """Return a dataset's tidy frame."""
        ...  # pragma: no cover - a protocol


@dataclass(frozen=True)
class Missing:
    """A figure a claim needs that the data do not hold, and why."""

    role: str
    reason: str


@dataclass(frozen=True)
class Resolved:
    """A claim's figures as resolved: each a figure or the reason it is missing.

    Attributes
    ----------
    numerator : FigureUsed or Missing
    denominator : FigureUsed, Missing or None
        None for a count.
    warnings : tuple of str
        Ambiguity warnings of the periods as read.
    """

    numerator: FigureUsed | Missing
    denominator: FigureUsed | Missing | None
    warnings: tuple[str, ...] = ()


def claim_error(claim: Claim, fld: str, message: str) -> ClaimsError:
    """Return the error for a claim that cannot be computed as written (on the field's line).

    Parameters
    ----------
    claim : Claim
    fld : str
        The field (``"numerator.category"``), whose line the error names.
    message : str

    Returns
    -------
    ClaimsError
    """
    return ClaimsError(
        [Problem(message, index=claim.index, claim=claim.id, field=fld, line=claim.line_of(fld))],
        claim.file,
    )


def _short_reason(message: str) -> str:
    """Drop the long list of periods from a NoDataError message."""
    cut = message.find(" Periods with figures:")
    return message[:cut] if cut > 0 else message


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------


def _held(value: str, frame: pd.DataFrame, columns: Sequence[str], exact: bool) -> bool:
    for col in columns:
        held = frame[col].astype(str)
        if exact and (held == value).any():
            return True
        if not exact and (held.str.strip().str.lower() == value.strip().lower()).any():
            return True
    return False


def reference_problems(
    ref: FigureRef | PopulationRef, fld: str, frames: Frames
) -> list[tuple[str, str]]:
    """Check one reference's names (and a calendar-year ``reading``) against its dataset.

    Parameters
    ----------
    ref : FigureRef or PopulationRef
        The reference.
    fld : str
        ``"numerator"`` or ``"denominator"``, for the messages.
    frames : Frames
        Gives each dataset's frame.

    Returns
    -------
    list of (field, message)
        Empty when every name is one the dataset holds in some period; else each unknown name
        with the nearest valid ones ("did you mean 'Child death'?").
    """
    if isinstance(ref, PopulationRef):
        frame = frames.frame("population_0_17")
        if _held(ref.area, frame, ("area_name", "area_code"), True):
            return []
        areas = [str(a) for a in frame["area_name"].unique()]
        return [(f"{fld}.population", unknown_name("area", ref.area, areas, "population_0_17"))]
    frame = frames.frame(ref.dataset)
    problems = []
    for name, columns, exact in _NAMED_FIELDS:
        value = getattr(ref, name)
        if value is None or _held(str(value), frame, columns, exact):
            continue
        valid = [str(v) for v in frame[columns[0]].unique()]
        problems.append((f"{fld}.{name}", unknown_name(name, str(value), valid, ref.dataset)))
    if ref.reading == "calendar_year" and not (frame["period_kind"] == CALENDAR_YEAR).any():
        panel = frames.frame("panel_notifications")
        years = sorted(set(panel.loc[panel["period_kind"] == CALENDAR_YEAR, "period"]))
        fy = parse_period(ref.period)
        problems.append(
            (
                f"{fld}.reading",
                f"{ref.dataset} holds April-March years only, so it has no calendar year "
                f"{ref.period}; the Panel's calendar-year counts ({', '.join(years)}) are in "
                f"panel_notifications, or write reading: reporting_year for {fy.id}",
            )
        )
    return problems


def name_problems(claims: Sequence[Claim], frames: Frames) -> dict[str, list[Problem]]:
    """Check the names of every claim's references, before anything is verified.

    Parameters
    ----------
    claims : sequence of Claim
    frames : Frames

    Returns
    -------
    dict
        ``{claims file: [Problem, ...]}`` for the files with problems, in claim order.
    """
    found: dict[str, list[Problem]] = {}
    for c in claims:
        refs = [("numerator", c.numerator), ("denominator", c.denominator)]
        for role, ref in refs:
            if ref is None:
                continue
            for fld, message in reference_problems(ref, role, frames):
                problem = Problem(
                    message, index=c.index, claim=c.id, field=fld, line=c.line_of(fld)
                )
                found.setdefault(c.file, []).append(problem)
    return found


# ---------------------------------------------------------------------------------------------
# Resolving
# ---------------------------------------------------------------------------------------------


def _resolve(
    claim: Claim, role: str, ref: FigureRef, frames: Frames
) -> tuple[FigureUsed, str] | Missing:
    """Resolve a figure reference to one published figure (and the ambiguity warning)."""
    frame = frames.frame(ref.dataset)
    try:
        period, warning = read_period(frame, ref.period, ref.reading, ref.dataset)
        fig = data.figure(
            ref.dataset,
            period,
            ref.category,
            measure=ref.measure,
            breakdown_topic=ref.breakdown_topic,
            nature=ref.nature,
            area=ref.area,
            frame=frame,
        )
    except NoDataError as err:
        return Missing(role, _short_reason(str(err)))
    except (ParameterError, PeriodError) as err:
        raise claim_error(claim, role, str(err)) from None
    return FigureUsed(role, fig, period), warning


def _resolve_population(ref: PopulationRef, period: Period, frames: Frames) -> FigureUsed | Missing:
    """Resolve ``{population: AREA}`` to the ONS estimate for the numerator's period.

    The figure is labelled ``mid-YYYY`` and carries :func:`sinstats.data.population`'s note,
    which says when the estimate for the period is not yet published and an earlier one is used.
    """
    frame = frames.frame("population_0_17")
    try:
        pop = data.population(period, ref.area, frame=frame)
        fig = data.figure(
            "population_0_17",
            str(pop.mid_year),
            _POPULATION_CATEGORY,
            measure="population_estimate",
            area=pop.area,
            frame=frame,
        )
    except NoDataError as err:
        return Missing("denominator", _short_reason(str(err)))
    return FigureUsed(
        "denominator",
        fig._replace(period_label=f"mid-{pop.mid_year}", note=pop.note),
        parse_period(str(pop.mid_year), CALENDAR_YEAR),
    )


def resolve_figures(claim: Claim, frames: Frames) -> Resolved:
    """Resolve the numerator, then the denominator (a population needs the numerator's period).

    Parameters
    ----------
    claim : Claim
        Any kind but ``designation``.
    frames : Frames

    Returns
    -------
    Resolved

    Raises
    ------
    ClaimsError
        For a reference that matches several figures, or a ``derive`` that cannot apply.
    """
    assert claim.numerator is not None  # every kind but 'designation' has one
    num = _resolve(claim, "numerator", claim.numerator, frames)
    warnings = [num[1]] if isinstance(num, tuple) and num[1] else []
    den: FigureUsed | Missing | None = None
    if isinstance(claim.denominator, FigureRef):
        got = _resolve(claim, "denominator", claim.denominator, frames)
        den = got if isinstance(got, Missing) else got[0]
        if isinstance(got, tuple) and got[1]:
            warnings.append(got[1])
        if claim.denominator.derive and isinstance(den, FigureUsed) and isinstance(num, tuple):
            den = _earlier_count(claim, num[0], den)
    elif isinstance(claim.denominator, PopulationRef) and not isinstance(num, Missing):
        den = _resolve_population(claim.denominator, num[0].resolved_period(), frames)
    numerator = num if isinstance(num, Missing) else num[0]
    return Resolved(numerator, den, tuple(dict.fromkeys(warnings)))


def _earlier_count(claim: Claim, num: FigureUsed, change: FigureUsed) -> FigureUsed:
    """Return the earlier count a published change implies: the numerator minus the change.

    Derived arithmetic from two published figures (the later count and the change on the same
    period a year earlier), never a figure taken from the claim being checked; the figure's
    note says so and names both.
    """
    c, n = change.figure, num.figure
    if not (c.measure.startswith(data.CHANGE_PREFIX) and c.unit == n.unit == "count"):
        raise claim_error(
            claim,
            "denominator.derive",
            f"derive: earlier needs a published change in a count (a change_... measure) and a "
            f"count numerator; got {c.measure} ({c.unit}) and {n.measure} ({n.unit})",
        )
    if not (change.available and num.available):
        return change
    later = num.resolved_period()
    earlier = replace(later, start_year=later.start_year - 1)
    value = n.value - c.value
    note = (
        f"{DERIVED} {num.value_text()} - ({c.value:+.0f}) = {value:.0f}, the {n.period_label} "
        f"count ({n.source_id}) minus the published change on the same period a year earlier "
        f"({c.source_id}: {c.measure})."
    )
    return FigureUsed(
        "denominator",
        c._replace(
            period=earlier.id,
            period_label=earlier.label,
            category=n.category,
            measure=n.measure,
            value=value,
            qualifier="",
            note=note,
        ),
        earlier,
    )


def unavailable(f: FigureUsed) -> Missing:
    """Say which figure is suppressed or not available, with its symbol's meaning.

    Parameters
    ----------
    f : FigureUsed
        A figure whose value is not available.

    Returns
    -------
    Missing
    """
    fig = f.figure
    return Missing(
        f.role,
        f"{fig.dataset} {fig.period_label} '{fig.category}' is not available "
        f"('{fig.status}': {data.SYMBOLS.get(fig.status, 'missing')})",
    )


def check_denominator(claim: Claim, den: FigureUsed | None) -> None:
    """Refuse a zero denominator of a kind that divides, and a rate over a non-population.

    Parameters
    ----------
    claim : Claim
    den : FigureUsed or None
        The denominator as resolved (None for a count).

    Raises
    ------
    ClaimsError
        Naming the denominator and what to do.
    """
    if den is None:
        return
    fig = den.figure
    where = f"{fig.dataset} {fig.period_label} '{fig.category}'"
    if claim.kind in _DIVIDING_KINDS and to_decimal(fig.value).is_zero():
        raise claim_error(
            claim,
            "denominator",
            f"division by zero: the denominator {where} is 0, and a {claim.kind} divides by it; "
            "choose a non-zero denominator",
        )
    if claim.kind == "rate" and fig.unit != "persons":
        raise claim_error(
            claim,
            "denominator",
            f"a rate needs a population (unit 'persons'); {where} is a {fig.unit}. Use "
            "{population: England} or a population figure",
        )
