"""The verdict on chance for change claims: declared breaks, the series' scatter, multiplicity.

A change claim ("up 87", "a 23% increase") gets three things beside its exact Poisson test
(:mod:`sinstats.analyses.claims.verify`): what the comparison crosses in ``breaks.yml``
(:func:`series_test`; a change across a break is never called more than chance), the
overdispersion-aware test for national counts of Ofsted's and DfE's collection (phi from the
segmented model of the national series, :func:`sinstats.stats.changes.overdispersed_rate_ratio`),
and, once every claim is verified, the adjustment of the claims tested together
(:func:`adjust_changes`, Holm by default, ``sinstats verify --adjust``).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Final, NamedTuple

from sinstats import data
from sinstats.analyses._series_model import Dispersion
from sinstats.analyses.claims.records import ClaimResult, FigureUsed
from sinstats.data.breaks import DEFAULT_DATASETS
from sinstats.periods import parse_period
from sinstats.present.words import p_number, trimmed
from sinstats.stats import changes, multiplicity

__all__ = ["ADJUST_METHODS", "DEFAULT_ADJUST", "SeriesTest", "adjust_changes", "series_test"]

#: How the change claims verified together are adjusted for multiple tests (``--adjust``).
ADJUST_METHODS: Final = tuple(multiplicity.ADJUST_METHODS)
DEFAULT_ADJUST: Final = "holm"


class SeriesTest(NamedTuple):
    """What :func:`series_test` found for one change claim.

    Attributes
    ----------
    crossing : Crossing or None
        What the comparison crosses in ``breaks.yml`` (None for figures of two datasets).
    p_value : float or None
        The overdispersion-aware p-value, when the series' scatter applies to the figures.
    phi : float or None
        The dispersion used.
    notes : list of str
        Sentences for the claim's note.
    """

    crossing: data.Crossing | None
    p_value: float | None
    phi: float | None
    notes: list[str]


def _in_series(f: FigureUsed) -> bool:
    """Return True for a national count of notifications of Ofsted's and DfE's collection."""
    fig = f.figure
    kind = parse_period(fig.period).kind if fig.period else ""
    return (
        fig.dataset in DEFAULT_DATASETS
        and fig.measure == "number_notifications"
        and fig.area == "England"
        and kind in ("financial_year", "half_year")
    )


def series_test(
    num: FigureUsed,
    den: FigureUsed,
    p_poisson: float | None,
    breaks: data.Breaks,
    dispersion: Dispersion,
    conf_level: float,
) -> SeriesTest:
    """Return the break crossing and, for the national series, the overdispersion-aware test.

    Parameters
    ----------
    num, den : FigureUsed
        The later and the earlier figure of the change.
    p_poisson : float or None
        The exact Poisson p-value (None when the claim has no test: nothing more is added).
    breaks : Breaks
        The declared breaks.
    dispersion : Dispersion
        The national series' scatter around its segmented trend.
    conf_level : float
        The level of the interval in the note.

    Returns
    -------
    SeriesTest
        The crossing (for two figures of one dataset), the overdispersion-aware p-value and
        phi (national counts of Ofsted's and DfE's collection only), and the notes saying what
        was done or why only the Poisson test applies.
    """
    n, d = num.figure, den.figure
    crossing = breaks.compare(d.period, n.period, n.dataset) if n.dataset == d.dataset else None
    if p_poisson is None:
        return SeriesTest(crossing, None, None, [])
    if not (_in_series(num) and _in_series(den)):
        note = (
            "Poisson only: the series' year-to-year scatter is estimated for the national counts "
            "of Ofsted's and DfE's collection, and is not applied to these figures."
        )
        return SeriesTest(crossing, None, None, [note])
    if not dispersion.available:
        return SeriesTest(crossing, None, None, [f"Poisson only: {dispersion.text}."])
    od = changes.overdispersed_rate_ratio(
        n.value, d.value, phi=dispersion.phi, df=dispersion.df, conf_level=conf_level
    )
    if math.isnan(od.p_value):
        return SeriesTest(crossing, None, None, [f"Poisson only: {od.note}."])
    extra = " (a half year: the annual scatter is assumed to apply)" if "H" in n.period else ""
    note = (
        f"Allowing for the series' year-to-year scatter{extra}: ratio {od.estimate:.3g}, "
        f"{trimmed(100 * conf_level)}% CI {od.lower:.3g} to {od.upper:.3g}, "
        f"p = {p_number(od.p_value)} ({changes.METHOD}; {dispersion.text})."
    )
    return SeriesTest(crossing, od.p_value, od.phi, [note])


def _verdict(r: ClaimResult, p_used: float, p_adj: float, n: int, method: str, alpha: float) -> str:
    """Say the verdict on chance of one tested change, with every p-value it rests on."""
    poisson = f"exact conditional test of no change p = {p_number(float(r.p_value or 0))}"
    chance = p_adj >= alpha
    adjusted = ""
    if method != "none" and n > 1:
        name = multiplicity.ADJUST_WORDS[method].split(" (")[0]
        adjusted = f", {name}-adjusted over {n} changes p = {p_number(p_adj)}"
    elif method != "none":
        adjusted = ", the only change tested (nothing to adjust)"
    threshold = f"{'>=' if chance else '<'} {trimmed(alpha)}"
    if r.p_overdispersed is not None:
        head = (
            "Within the series' usual year-to-year movement"
            if chance
            else "More than the series' usual year-to-year movement"
        )
        return (
            f"{head}: p = {p_number(p_used)} allowing for its scatter{adjusted} ({threshold}). "
            f"Chance alone (Poisson): {poisson}."
        )
    head = "Chance alone could explain this change" if chance else "More than chance alone"
    return f"{head}: {poisson}{adjusted} ({threshold})."


def adjust_changes(results: list[ClaimResult], level: float, method: str) -> list[ClaimResult]:
    """Adjust the change claims' p-values together and give each its verdict on chance.

    Parameters
    ----------
    results : list of ClaimResult
        Every verified claim, in order.
    level : float
        The confidence level: a change is within chance when its adjusted p-value is at least
        ``1 - level``.
    method : str
        A key of :data:`ADJUST_METHODS`.

    Returns
    -------
    list of ClaimResult
        The same results; each tested change with ``chance_alone``, ``p_adjusted``,
        ``adjust``, ``n_adjusted`` and its verdict sentence added to ``note``.

    Notes
    -----
    The family is every change claim with a test that does not cross a declared break; each
    uses its overdispersion-aware p-value where the series' scatter applies, else the exact
    Poisson one (Holm is valid whatever the dependence between them). A change across a break
    gets no verdict (``chance_alone`` None), only the break warning.
    """
    used = [
        (r.p_overdispersed if r.p_overdispersed is not None else r.p_value)
        if r.p_value is not None and not r.breaks
        else math.nan
        for r in results
    ]
    adj = multiplicity.adjust_p_values([math.nan if u is None else u for u in used], method)
    alpha = 1 - level
    out = []
    for r, p_used, p_adj in zip(results, used, adj.p_values, strict=True):
        if r.p_value is None:
            out.append(r)
        elif r.breaks:
            poisson = f"exact conditional test of no change p = {p_number(r.p_value)}"
            note = f"{r.note} {r.break_warning} (Chance alone (Poisson): {poisson}.)"
            out.append(replace(r, note=note.strip(), chance_alone=None, adjust=adj.method))
        else:
            assert p_used is not None
            verdict = _verdict(r, float(p_used), float(p_adj), adj.n, adj.method, alpha)
            out.append(
                replace(
                    r,
                    note=f"{r.note} {verdict}".strip(),
                    chance_alone=bool(p_adj >= alpha),
                    p_adjusted=float(p_adj),
                    adjust=adj.method,
                    n_adjusted=adj.n,
                )
            )
    return out
