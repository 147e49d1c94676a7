"""The typed records of a verification: the figures used, the model interval, the result.

:class:`ClaimResult` is what :func:`sinstats.analyses.claims.verify` returns for each claim and
what every output (:mod:`sinstats.analyses.claims.output`) is written from; its
:meth:`~ClaimResult.to_dict` is the record of the JSON output (stable keys, numbers rounded by
:mod:`sinstats.analyses.claims.rounding`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sinstats import data
from sinstats.analyses.claims.reading import period_in_words
from sinstats.analyses.claims.register import Claim
from sinstats.analyses.claims.rounding import json_number, plain, significant, to_decimal
from sinstats.periods import CALENDAR_YEAR, Period, parse_period

__all__ = [
    "NOT_A_TEST",
    "STRICT_STATUS",
    "VERDICTS",
    "ClaimResult",
    "FigureUsed",
    "ModelInterval",
    "VerdictCounts",
    "exit_status",
    "strict_failures",
    "summary",
]

#: Verdicts, in the order summaries list them.
VERDICTS: Final = ("reproduces", "differs", "cannot check")

#: The label of a bound compared with the same stored bound (a comparison that cannot fail).
NOT_A_TEST: Final = "consistent, not a test"

# The fields of a release's designation that the JSON output gives.
_DESIGNATION_KEYS: Final = (
    "release_id",
    "release_title",
    "period",
    "designation",
    "quote",
    "source_url",
)

# The fields of a figure that the JSON output leaves out (``value`` it writes rounded).
_NOT_IN_JSON: Final = ("value", "note", "origin")


@dataclass(frozen=True)
class FigureUsed:
    """A figure a claim was recomputed from: its role in the claim and the published figure.

    Attributes
    ----------
    role : str
        ``"numerator"`` or ``"denominator"``.
    figure : sinstats.data.Figure
        The figure with its provenance, as :func:`sinstats.data.figure` resolved it (for a
        ``{population: AREA}`` denominator, the ONS estimate :func:`sinstats.data.population`
        chose, labelled ``mid-YYYY``).
    period : Period or None
        The period the reference was read as (None: read from the figure's label).
    """

    role: str
    figure: data.Figure
    period: Period | None = None

    def resolved_period(self) -> Period:
        """Return the period the figure is for (calendar years told apart by their label)."""
        if self.period is not None:
            return self.period
        fig = self.figure
        calendar = fig.period_label.startswith(("calendar year", "mid-"))
        return parse_period(fig.period, CALENDAR_YEAR if calendar else None)

    def period_words(self) -> str:
        """Return the period in words: ``2020-21, April 2020 to March 2021 (reporting year 2021)``.

        Returns
        -------
        str
        """
        return period_in_words(self.resolved_period(), self.figure.dataset)

    def source_text(self) -> str:
        """Return the figure's source: its publisher (or the secondary report) and address."""
        fig = self.figure
        return f"{fig.publisher}, {fig.source_url}" if fig.source_url else fig.publisher

    def describe(self) -> str:
        """Return every fact of the figure used in one line, for the outputs.

        Returns
        -------
        str
            ``numerator: panel_notifications, 2021, January to December 2021 (calendar year),
            'Total' (number_notifications, England) = 379; source: Child Safeguarding Practice
            Review Panel, https://...``.
        """
        fig = self.figure
        return (
            f"{self.role}: {fig.dataset}, {self.period_words()}, '{fig.category}' "
            f"({fig.measure}, {fig.area}) = {self.shown()}; source: {self.source_text()}"
        )

    @property
    def available(self) -> bool:
        """True when the figure is a finite number (not a suppressed or unavailable cell)."""
        return self.figure.available and math.isfinite(self.figure.value)

    def value_text(self) -> str:
        """Return the value as a plain number: ``379``, ``12183016``, ``4.85``."""
        return plain(to_decimal(self.figure.value).normalize())

    def shown(self) -> str:
        """Return the value as held: ``379``, ``over 150``, ``30 (nearest 10)``."""
        fig = self.figure
        if not self.available:
            return f"[{fig.status or 'missing'}]"
        text = f"{fig.qualifier} {self.value_text()}" if fig.qualifier else self.value_text()
        return text + (f" (nearest {fig.rounded_to})" if fig.rounded_to else "")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready record: the role, the figure's provenance and its value."""
        record: dict[str, Any] = {"role": self.role}
        record.update((k, v) for k, v in self.figure._asdict().items() if k not in _NOT_IN_JSON)
        record["value"] = json_number(self.figure.value) if self.available else None
        record["period_words"] = self.period_words()
        return record


@dataclass(frozen=True)
class ModelInterval:
    """The model estimate from :mod:`sinstats.stats.uncertainty` for a claim (not a statistic)."""

    target: str
    description: str
    unit: str
    central: float | None
    lower: float | None
    upper: float | None
    conf_level: float
    n_draws: int | None
    seed: int | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return {
            "target": self.target,
            "description": self.description,
            "unit": self.unit,
            "central": json_number(self.central),
            "lower": json_number(self.lower),
            "upper": json_number(self.upper),
            "conf_level": self.conf_level,
            "n_draws": self.n_draws,
            "seed": self.seed,
            "note": self.note,
        }


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, the recomputed value and its interval.

    Attributes
    ----------
    claim : Claim
    verdict : str
        One of :data:`VERDICTS`.
    conf_level : float
    note : str
        Plain-words detail: why it differs or cannot be checked, bounds, rounding, chance.
    recomputed : decimal.Decimal or None
        Unrounded (None when the claim cannot be checked).
    rounded : decimal.Decimal or None
        ``recomputed`` rounded to the claim's ``decimals``, half away from zero.
    difference : decimal.Decimal or None
        ``rounded - published`` (0 when it reproduces).
    lower, upper : float or None
        Interval of the recomputed quantity (None when no interval applies; ``note`` says why).
    method : str
        The interval method used, or ``"none"``.
    p_value : float or None
        Chance alone (Poisson): the exact conditional test of "no change" (rate ratio 1), for
        changes and ratios.
    chance_alone : bool or None
        True when chance alone could explain the change: the adjusted p-value (of the
        overdispersion-aware test where it applies) is at least ``1 - conf_level``. None when
        there is no test, or the change crosses a declared break.
    p_overdispersed : float or None
        The overdispersion-aware p-value (phi-scaled Wald, phi from the segmented model), for
        changes between national counts of Ofsted's and DfE's collection.
    phi : float or None
        The dispersion it used.
    p_adjusted : float or None
        The p-value the verdict used, adjusted with the other change claims tested together.
    adjust : str
        The adjustment (``"holm"``, ``"bh"``, ``"none"``).
    n_adjusted : int
        How many change claims were adjusted together.
    break_flag : str
        ``"not comparable"``, ``"step change"`` or ``""``: what the change crosses in
        ``breaks.yml``.
    breaks : tuple of str
        The ids of the breaks it crosses.
    break_warning : str
        The sentence every flagged change carries ("" when like-for-like).
    computation : str
        The arithmetic, e.g. ``100 * (379 - 482) / 482 = -21.369``.
    figures : tuple of FigureUsed
    model : ModelInterval or None
    designations : tuple of sinstats.data.Designation
        For a ``designation`` claim: the releases named, as the designation file holds them.
    warnings : tuple of str
        Said in every output: a bare year read as one of two possible periods
        (:mod:`~sinstats.analyses.claims.reading`) without a stated ``reading``.
    meaning : str
        The second verdict (:mod:`~sinstats.analyses.claims.meaning`): ``""`` when the claim
        declares nothing (``says``), ``"describes"``, ``"misdescribes"`` or ``"not compared"``.
    meaning_text : str
        What the figure counts and, when it misdescribes, what the statement says instead.
    meaning_sources : tuple of str
        The publishers' pages saying what the figures count.
    not_a_test : bool
        True when a published bound was compared with the same bound as stored ("over 150"
        with "over 150"): consistent, but a comparison that could not fail.

    Notes
    -----
    A claim that cannot be checked has nothing computed: every field after ``note`` but
    ``figures`` keeps its default.
    """

    claim: Claim
    verdict: str
    conf_level: float
    note: str
    recomputed: Decimal | None = None
    rounded: Decimal | None = None
    difference: Decimal | None = None
    lower: float | None = None
    upper: float | None = None
    method: str = "none"
    p_value: float | None = None
    chance_alone: bool | None = None
    p_overdispersed: float | None = None
    phi: float | None = None
    p_adjusted: float | None = None
    adjust: str = "none"
    n_adjusted: int = 0
    break_flag: str = ""
    breaks: tuple[str, ...] = ()
    break_warning: str = ""
    computation: str = ""
    figures: tuple[FigureUsed, ...] = ()
    model: ModelInterval | None = None
    designations: tuple[data.Designation, ...] = ()
    warnings: tuple[str, ...] = ()
    meaning: str = ""
    meaning_text: str = ""
    meaning_sources: tuple[str, ...] = ()
    not_a_test: bool = False

    def label(self) -> str:
        """Return the verdict as every output writes it, with the meaning verdict.

        Returns
        -------
        str
            ``reproduces``, ``reproduces (consistent, not a test)``, or ``reproduces,
            misdescribes: counts notifications of suspected abuse, not children abused``.
        """
        text = self.verdict + (f" ({NOT_A_TEST})" if self.not_a_test else "")
        if self.meaning:
            text += f", {self.meaning}: {self.meaning_text}"
        return text

    def short_label(self) -> str:
        """Return the verdict for a narrow column: ``reproduces, misdescribes``."""
        text = self.verdict + (" (not a test)" if self.not_a_test else "")
        return f"{text}, {self.meaning}" if self.meaning else text

    @property
    def expect_met(self) -> bool:
        """True unless the claim states an ``expect`` that differs from the verdict."""
        return self.claim.expect is None or self.claim.expect == self.verdict

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready record of this result (stable keys and number formatting)."""
        c = self.claim
        return {
            **c.provenance(),
            "published": c.designation if c.designation is not None else json_number(c.published),
            "published_display": c.published_display(),
            "qualifier": c.qualifier,
            "decimals": c.decimals,
            "recomputed": json_number(self.recomputed),
            "rounded": json_number(self.rounded),
            "verdict": self.verdict,
            "verdict_label": self.label(),
            "consistent_not_a_test": self.not_a_test,
            "meaning": (
                {
                    "verdict": self.meaning,
                    "text": self.meaning_text,
                    "says": {k: v for k, v in vars(c.says).items() if v} if c.says else {},
                    "sources": list(self.meaning_sources),
                }
                if self.meaning
                else None
            ),
            "warnings": list(self.warnings),
            "difference": json_number(self.difference),
            "interval": {
                "lower": json_number(self.lower),
                "upper": json_number(self.upper),
                "conf_level": self.conf_level,
                "method": self.method,
            },
            "p_value": significant(self.p_value),
            "p_overdispersed": significant(self.p_overdispersed),
            "p_adjusted": significant(self.p_adjusted),
            "adjustment": (
                {"method": self.adjust, "n": self.n_adjusted}
                if self.p_adjusted is not None
                else None
            ),
            "chance_alone": self.chance_alone,
            "break": (
                {"flag": self.break_flag, "ids": list(self.breaks), "warning": self.break_warning}
                if self.breaks
                else None
            ),
            "computation": self.computation,
            "note": self.note,
            "explanation": c.explanation,
            "expect": c.expect,
            "expect_met": self.expect_met,
            "reason": c.reason,
            "figures": [f.to_dict() for f in self.figures],
            "model_interval": self.model.to_dict() if self.model else None,
            "designations": [
                {k: getattr(d, k) for k in _DESIGNATION_KEYS} for d in self.designations
            ],
        }


@dataclass(frozen=True)
class VerdictCounts:
    """How many claims were verified and how many had each verdict.

    Attributes
    ----------
    claims, reproduces, differs, cannot_check : int
    """

    claims: int
    reproduces: int
    differs: int
    cannot_check: int

    @classmethod
    def of(cls, results: Sequence[ClaimResult]) -> VerdictCounts:
        """Count the verdicts of ``results``."""
        return cls(len(results), *(sum(r.verdict == v for r in results) for v in VERDICTS))

    def to_dict(self) -> dict[str, int]:
        """Return ``{"claims": n, "reproduces": a, "differs": b, "cannot check": c}``."""
        by_verdict = (self.reproduces, self.differs, self.cannot_check)
        return {"claims": self.claims, **dict(zip(VERDICTS, by_verdict, strict=True))}


#: The exit status of ``sinstats verify --strict`` when nothing differs but a claim was not
#: fully checked (cannot check, an ambiguous period, a meaning that misdescribes or was not
#: compared).
STRICT_STATUS: Final = 3


def strict_failures(results: Sequence[ClaimResult]) -> dict[str, list[str]]:
    """Return the claims that ``--strict`` fails on, by reason (ids in order).

    Parameters
    ----------
    results : sequence of ClaimResult

    Returns
    -------
    dict
        ``{"cannot be checked": [...], "rest on an ambiguous period": [...], "misdescribe what
        the figure counts": [...], "declare a meaning that could not be compared": [...]}``,
        only the reasons with claims.
    """
    reasons = {
        "cannot be checked": [r.claim.id for r in results if r.verdict == "cannot check"],
        "rest on an ambiguous period": [r.claim.id for r in results if r.warnings],
        "misdescribe what the figure counts": [
            r.claim.id for r in results if r.meaning == "misdescribes"
        ],
        "declare a meaning that could not be compared": [
            r.claim.id for r in results if r.meaning == "not compared"
        ],
    }
    return {k: v for k, v in reasons.items() if v}


def exit_status(results: Sequence[ClaimResult], strict: bool = False) -> int:
    """Return the exit status of ``sinstats verify`` for these results.

    Parameters
    ----------
    results : sequence of ClaimResult
        What :func:`verify` or :func:`verify_files` returned.
    strict : bool, default False
        ``--strict``: also fail when a claim cannot be checked, rests on an ambiguous period
        without a stated ``reading``, or misdescribes (or could not compare) what its figure
        counts (:func:`strict_failures`).

    Returns
    -------
    int
        1 if any claim differs; else, with ``strict``, :data:`STRICT_STATUS` (3) if any claim
        is in :func:`strict_failures`; else 0 (claims that cannot be checked, warnings and
        meaning verdicts are listed, not failed).
    """
    if any(r.verdict == "differs" for r in results):
        return 1
    if strict and strict_failures(results):
        return STRICT_STATUS
    return 0


def summary(results: Sequence[ClaimResult]) -> VerdictCounts:
    """Count the verdicts.

    Parameters
    ----------
    results : sequence of ClaimResult

    Returns
    -------
    VerdictCounts
        The number of claims, and of each verdict (:data:`VERDICTS`).
    """
    return VerdictCounts.of(results)
