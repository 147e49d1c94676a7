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
from sinstats.analyses.claims.register import Claim
from sinstats.analyses.claims.rounding import json_number, plain, significant, to_decimal

__all__ = [
    "VERDICTS",
    "ClaimResult",
    "FigureUsed",
    "ModelInterval",
    "VerdictCounts",
    "exit_status",
    "summary",
]

#: Verdicts, in the order summaries list them.
VERDICTS: Final = ("reproduces", "differs", "cannot check")

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
_NOT_IN_JSON: Final = ("value", "publisher", "note", "origin")


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
    """

    role: str
    figure: data.Figure

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


def exit_status(results: Sequence[ClaimResult]) -> int:
    """Return the exit status of ``sinstats verify`` for these results.

    Parameters
    ----------
    results : sequence of ClaimResult
        What :func:`~sinstats.analyses.claims.verify.verify` or
        :func:`~sinstats.analyses.claims.verify.verify_files` returned.

    Returns
    -------
    int
        1 if any claim differs, else 0 (claims that cannot be checked are listed, not failed).
    """
    return 1 if any(r.verdict == "differs" for r in results) else 0


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
