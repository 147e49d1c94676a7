"""The change from the previous year, tested honestly (part of :mod:`~sinstats.analyses.overview`).

Every change of notebook ``01-annual-overview`` is shown two ways. **Chance alone (Poisson)**:
the exact conditional rate-ratio test (as R's ``poisson.test``), which asks whether the change
is bigger than Poisson chance would produce. **Allowing for the series' year-to-year scatter**:
the phi-scaled comparison of :func:`sinstats.stats.changes.overdispersed_rate_ratio`, with phi
from the segmented model of the national series, which asks whether the change is bigger than
the series' usual movement. The plain-words verdict rests on the second, adjusted for the several
changes tested together (Holm by default, :mod:`sinstats.stats.multiplicity`). A comparison that
crosses a break declared in ``data/breaks.yml`` is flagged and never called more than chance.
:mod:`~sinstats.analyses.overview` re-exports every public name here.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

import pandas as pd

from sinstats import data
from sinstats._docstrings import fill_doc
from sinstats._typing import DataDir
from sinstats.analyses._helpers import previous_year, published_count
from sinstats.analyses._series_model import Dispersion, series_dispersion
from sinstats.errors import ParameterError
from sinstats.periods import parse_period
from sinstats.present.tables import Column, Display
from sinstats.present.words import interval_text, level_text, number_text, p_sig_text, p_text
from sinstats.stats import changes, intervals, multiplicity

__all__ = [
    "VERDICTS",
    "Change",
    "change_display",
    "change_from_previous",
    "change_in_words",
    "change_table",
    "year_changes",
]

#: The words of each verdict (the ``verdict`` column).
VERDICTS: Final[dict[str, str]] = {
    "more": "more than the series' usual year-to-year movement",
    "within": "within the series' usual year-to-year movement",
    "not comparable": "not comparable: crosses a declared series break",
    "step change": "a step change: crosses the move to DfE's collection",
    "no figure": "no change can be given",
}

_LABELS: Final = {
    "Total": "notifications",
    "Child death": "child death notifications",
    "Serious harm": "serious harm notifications",
    "Other": "other notifications",
}


p_words = p_sig_text  # the changes read against a 5% threshold: two significant digits


class Change(NamedTuple):
    """The change in a count (or the rate per child) from the previous April-March year.

    Attributes
    ----------
    period, previous : str
        Canonical ids of the two years.
    nature : str
        The nature of notification (``"Total"`` for the rate per child too).
    current, before : float
        The two values (``before`` is NaN when the previous year was not published).
    difference, percent : float
        ``current - before`` and ``100 * difference / before``; NaN without a ratio.
    ratio : intervals.RateRatio or None
        **Chance alone (Poisson)**: the exact conditional rate ratio current/previous with its
        interval and two-sided p-value; None when a year has no figure.
    conf_level : float
        Level of both intervals.
    method : str
        The rate-ratio method of ``ratio``.
    text : str
        The change in words; its verdict rests on the overdispersion-aware, adjusted p-value.
    overdispersed : ChangeTest or None
        **Allowing for the series' year-to-year scatter**: the phi-scaled comparison.
    crossing : Crossing or None
        What the comparison crosses in ``data/breaks.yml``.
    p_adjusted : float
        The overdispersion-aware p-value adjusted with the other changes tested together (NaN
        when the change is not tested: no figure, or across a break).
    adjust : str
        The adjustment (``"holm"``, ``"bh"`` or ``"none"``).
    n_adjusted : int
        How many changes were adjusted together.
    verdict : str
        A key of :data:`VERDICTS`.
    note : str
        Populations, phi, events and anything else the row needs.
    """

    period: str
    previous: str
    nature: str
    current: float
    before: float
    difference: float
    percent: float
    ratio: intervals.RateRatio | None
    conf_level: float
    method: str
    text: str
    overdispersed: changes.ChangeTest | None = None
    crossing: data.Crossing | None = None
    p_adjusted: float = math.nan
    adjust: str = "holm"
    n_adjusted: int = 0
    verdict: str = "no figure"
    note: str = ""

    @property
    def significant(self) -> bool | None:
        """True when the change is more than the series' usual movement (after adjustment).

        None when no change can be tested: a year has no figure, or the comparison crosses a
        declared break.
        """
        if self.verdict not in ("more", "within"):
            return None
        return self.verdict == "more"

    @property
    def flags(self) -> tuple[str, ...]:
        """The ids of the declared breaks the comparison crosses."""
        return self.crossing.flags if self.crossing is not None else ()


def change_in_words(
    current: float,
    before: float,
    ratio: intervals.RateRatio,
    conf_level: float = 0.95,
    decimals: int = 0,
    unit: str = "",
) -> str:
    """Say a year-on-year change in words with a ratio's interval and p-value (Poisson only).

    Parameters
    ----------
    current, before : float
        This year's and last year's counts.
    ratio : intervals.RateRatio
        From :func:`sinstats.stats.intervals.rate_ratio_ci` (current over previous).
    conf_level : float
        The ratio interval's confidence level.
    decimals : int, default 0
        Decimals for the difference (0 for counts, 2 for rates).
    unit : str, default ""
        Written after the difference, e.g. ``" per 100,000"``.

    Returns
    -------
    str
        E.g. ``"a rise of 19, 6%; 95% CI for the ratio 0.91-1.23 (p = 0.48): consistent with
        no change"``.

    Notes
    -----
    This reads one Poisson test on its own. The overview's sentences use :func:`year_changes`,
    which allows for the series' scatter, for multiple tests and for declared breaks.
    """
    head = _head(current, before, decimals, unit)
    ci = interval_text(float(ratio.lower), float(ratio.upper), 2, sep="-")
    if ratio.lower > 1.0 or ratio.upper < 1.0:
        verdict = "more than chance alone would usually produce"
    else:
        verdict = "consistent with no change"
    return (
        f"{head}; {level_text(conf_level)} CI for the ratio {ci} "
        f"({p_text(float(ratio.p_value))}): {verdict}"
    )


def _head(current: float, before: float, decimals: int, unit: str) -> str:
    diff = current - before
    if diff == 0:
        return "no change"
    pct = 100 * diff / before if before else math.inf
    word = "rise" if diff > 0 else "fall"
    pct_words = "less than 1%" if abs(pct) < 0.5 else f"{abs(pct):.0f}%"
    return f"a {word} of {number_text(abs(diff), decimals)}{unit}, {pct_words}"


class _Pair(NamedTuple):
    """One comparison before its verdict: the values, counts and exposures of the two years."""

    nature: str
    measure: str
    current: float
    before: float
    counts: tuple[float, float]
    exposures: tuple[float, float]
    decimals: int
    unit: str
    note: str


def _pairs(p: object, data_dir: DataDir) -> list[_Pair]:
    """Return the counts of every nature and the rate per child, this year and the year before."""
    period = parse_period(p)
    prev = previous_year(period)
    frame = data.load("sin_national", data_dir)
    pairs = []
    for n in data.NATURES:
        now_count, then_count = (published_count(y, n, frame)[0] for y in (period, prev))
        pairs.append(
            _Pair(
                n,
                f"{n} (count)",
                now_count,
                then_count,
                (now_count, then_count),
                (1.0, 1.0),
                0,
                "",
                "",
            )
        )
    total = pairs[0]
    if not (math.isnan(total.current) or math.isnan(total.before)):
        now = data.population(period, data_dir=data_dir)
        then = data.population(prev, data_dir=data_dir)
        note = f"populations: mid-{now.mid_year} and mid-{then.mid_year}"
        if now.mid_year == then.mid_year:
            note = (
                f"both years use the ONS mid-{now.mid_year} estimate (mid-{period.start_year} is "
                "not yet published and is carried forward), so the rate ratio equals the count "
                "ratio: it does not allow for any change in the number of children"
            )
        elif now.mid_year != period.start_year:
            note += (
                f" (mid-{period.start_year} not yet published: carried forward, so the rate does "
                f"not allow for any change in children since mid-{now.mid_year})"
            )
        pairs.append(
            _Pair(
                "Total",
                "Total (rate per 100,000 children)",
                total.current / now.value * data.PER,
                total.before / then.value * data.PER,
                total.counts,
                (now.value, then.value),
                2,
                " per 100,000",
                note,
            )
        )
    return pairs


def _test(
    pair: _Pair, level: float, method: str, dispersion: Dispersion
) -> tuple[intervals.RateRatio | None, changes.ChangeTest | None]:
    """Run the Poisson test and the overdispersion-aware comparison of one pair of years."""
    if math.isnan(pair.current) or math.isnan(pair.before):
        return None, None
    t_now, t_then = pair.exposures  # a rate's populations; 1 for counts
    x1, x2 = (int(c) for c in pair.counts)
    rr = intervals.rate_ratio_ci(x1, x2, t_now, t_then, level, method)
    ratio = intervals.RateRatio(*(float(v) for v in rr))
    od = None
    if dispersion.available:
        od = changes.overdispersed_rate_ratio(
            x1, x2, t_now, t_then, phi=dispersion.phi, df=dispersion.df, conf_level=level
        )
    return ratio, od


def _label(pair: _Pair) -> str:
    if pair.decimals:
        return "rate per 100,000 children"
    return _LABELS.get(pair.nature, pair.nature.lower())


def _sentence(ch: Change, pair: _Pair, dispersion: Dispersion) -> str:
    """Say one change in words; the verdict rests on the adjusted, overdispersion-aware p."""
    label = _label(pair)
    if ch.ratio is None:
        missing = ch.previous if math.isnan(ch.before) else ch.period
        gap = next(
            (
                g
                for g in (ch.crossing.gaps if ch.crossing else ())
                if g.covers(parse_period(missing))
            ),
            None,
        )
        why = f" ({gap.meaning})" if gap is not None else ""
        return (
            f"{label}: {missing} has no figure held{why}, so no change from the previous year "
            "can be given"
        )
    head = _head(ch.current, ch.before, pair.decimals, pair.unit)
    level = level_text(ch.conf_level)
    poisson = f"Chance alone (Poisson) gives {p_words(float(ch.ratio.p_value))}."
    if ch.crossing is not None and not ch.crossing.comparable:
        warning = ch.crossing.warning()
        return f"{label}: {head} from {ch.previous}; {warning[0].lower()}{warning[1:]}"
    od = ch.overdispersed
    if od is None or math.isnan(od.p_value):
        ci = interval_text(float(ch.ratio.lower), float(ch.ratio.upper), 2, sep="-")
        why = f"; {dispersion.text}: Poisson only" if not dispersion.available else ""
        p_poisson = p_words(float(ch.ratio.p_value))
        basis = f"{level} CI for the ratio {ci}, chance alone (Poisson) ({p_poisson}{why}"
    else:
        ci = interval_text(od.lower, od.upper, 2, sep="-")
        basis = (
            f"ratio {od.estimate:.2f}, {level} CI {ci} allowing for the series' year-to-year "
            f"scatter ({p_words(od.p_value)}"
        )
    if ch.adjust != "none" and ch.n_adjusted > 1:
        name = multiplicity.ADJUST_WORDS[ch.adjust].split(" (")[0]
        basis += f"; {name}-adjusted over {ch.n_adjusted} changes, {p_words(ch.p_adjusted)}"
    text = f"{label}: {head}; {basis}): {VERDICTS[ch.verdict]}"
    if od is not None and not math.isnan(od.p_value):
        text += f". {poisson}"
    return text


def year_changes(
    period: object,
    *,
    conf_level: float = 0.95,
    method: str = "exact",
    adjust: str = "holm",
    data_dir: DataDir = None,
) -> list[Change]:
    """Return every change from the previous year: each nature's count and the rate per child.

    Parameters
    ----------
    period : str, int or Period
        The April-March year.
    conf_level : float, default 0.95
        Level of every interval; a change is "more than the series' usual movement" when its
        adjusted p-value is below ``1 - conf_level``.
    method : str, default "exact"
        The Poisson rate-ratio method (:data:`sinstats.stats.intervals.RATE_RATIO_METHODS`).
    adjust : str, default "holm"
        How the changes tested together are adjusted
        (:data:`sinstats.stats.multiplicity.ADJUST_METHODS`).
    data_dir : path-like, optional
        The data folder.

    Returns
    -------
    list of Change
        One per nature (counts), then the rate per child when both totals are published.

    Raises
    ------
    ParameterError
        For a bad level, method or adjustment.
    ConfigError
        If the breaks file is invalid.
    """
    level = intervals.check_conf_level(conf_level)
    p = parse_period(period)
    prev = previous_year(p)
    breaks = data.load_breaks(data_dir)
    crossing = breaks.compare(prev, p)
    dispersion = series_dispersion(data_dir)
    pairs = _pairs(p, data_dir)
    tested = [_test(pair, level, method, dispersion) for pair in pairs]
    family = []
    for (ratio, od), _pair in zip(tested, pairs, strict=True):
        if ratio is None or not crossing.comparable:
            family.append(math.nan)
        elif od is not None and not math.isnan(od.p_value):
            family.append(od.p_value)
        else:
            family.append(float(ratio.p_value))
    adjusted = multiplicity.adjust_p_values(family, adjust)
    out = []
    alpha = 1 - level
    for (ratio, od), pair, p_adj in zip(tested, pairs, adjusted.p_values, strict=True):
        values = (pair.current, pair.before)
        if ratio is None:
            verdict = "no figure"
        elif not crossing.comparable:
            verdict = crossing.flag
        else:
            verdict = "more" if p_adj < alpha else "within"
        od_note = (
            od.note if od is not None and ("raised" in od.note or "cautious" in od.note) else ""
        )
        notes = [n for n in (pair.note, od_note, crossing.event_note()) if n]
        if od is not None and ratio is not None:
            notes.insert(0, dispersion.text)
        if not crossing.comparable and ratio is not None:
            notes.append(crossing.warning())
        diff = values[0] - values[1] if ratio is not None else math.nan
        ch = Change(
            period=p.id,
            previous=prev.id,
            nature=pair.nature,
            current=values[0],
            before=values[1],
            difference=diff,
            percent=100 * diff / values[1] if ratio is not None else math.nan,
            ratio=ratio,
            conf_level=level,
            method=method,
            text="",
            overdispersed=od,
            crossing=crossing,
            p_adjusted=float(p_adj),
            adjust=adjusted.method,
            n_adjusted=adjusted.n,
            verdict=verdict,
            note="; ".join(notes),
        )
        text = _sentence(ch, pair, dispersion)
        if crossing.events and ratio is not None:
            text = f"{text.rstrip('.')}. {crossing.event_note()}"
        out.append(ch._replace(text=text.rstrip(".")))  # a clause: callers end the sentence
    return out


@fill_doc
def change_from_previous(
    period: object,
    nature: str = "Total",
    *,
    conf_level: float = 0.95,
    method: str = "exact",
    adjust: str = "holm",
    data_dir: DataDir = None,
) -> Change:
    """Return the change in one nature's count from the previous April-March year.

    The change is one of :func:`year_changes` (so its adjusted p-value is adjusted with the
    year's other changes).

    Parameters
    ----------
    %(year)s
    nature : str, default "Total"
        One of :data:`sinstats.data.NATURES`.
    conf_level : float, default 0.95
        Level of the intervals.
    method : str, default "exact"
        The Poisson rate-ratio method; ``"exact"`` is R's ``poisson.test(c(current, previous))``.
    adjust : str, default "holm"
        The multiple-testing adjustment.
    %(data_folder)s

    Returns
    -------
    Change
        When either year has no published figure the ratio is None and ``text`` says which
        year is missing (2018-19's previous year, 2017-18, is not held).

    Raises
    ------
    ParameterError
        For an unknown nature, level, method or adjustment.
    """
    found = year_changes(
        period, conf_level=conf_level, method=method, adjust=adjust, data_dir=data_dir
    )
    for ch in found[: len(data.NATURES)]:
        if ch.nature == nature:
            return ch
    raise ParameterError(f"nature must be one of {', '.join(data.NATURES)}; got {nature!r}")


def _row(ch: Change, measure: str) -> dict[str, object]:
    ratio, od = ch.ratio, ch.overdispersed
    nan = math.nan
    crossing = ch.crossing
    return {
        "period": ch.period,
        "previous": ch.previous,
        "measure": measure,
        "current": ch.current,
        "before": ch.before,
        "difference": ch.difference,
        "percent_change": ch.percent,
        "ratio": nan if ratio is None else ratio.estimate,
        "lower": nan if ratio is None else ratio.lower,
        "upper": nan if ratio is None else ratio.upper,
        "p_value": nan if ratio is None else ratio.p_value,
        "od_lower": nan if od is None else od.lower,
        "od_upper": nan if od is None else od.upper,
        "p_overdispersed": nan if od is None else od.p_value,
        "phi": nan if od is None else od.phi,
        "phi_df": nan if od is None else od.df,
        "p_adjusted": ch.p_adjusted,
        "adjust": ch.adjust,
        "n_adjusted": ch.n_adjusted,
        "break_flag": crossing.flag if crossing is not None and ratio is not None else "",
        "breaks": ", ".join(ch.flags) if ratio is not None else "",
        "verdict": VERDICTS[ch.verdict],
        "excludes_no_change": ch.significant,
        "text": ch.text,
        "method": f"{ch.method} rate ratio (Poisson); {changes.METHOD}; {ch.adjust} adjustment",
        "conf_level": ch.conf_level,
        "note": ch.note if ratio is not None else "previous or current year not published",
    }


@fill_doc
def change_table(
    period: object,
    *,
    conf_level: float = 0.95,
    method: str = "exact",
    adjust: str = "holm",
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Return the change from the previous year for every nature, plus the rate per child.

    Parameters
    ----------
    %(year)s
    conf_level : float, default 0.95
        Level of the intervals.
    method : str, default "exact"
        Poisson rate-ratio method (see :data:`sinstats.stats.intervals.RATE_RATIO_METHODS`).
    adjust : str, default "holm"
        The multiple-testing adjustment of the changes tested together.
    %(data_folder)s

    Returns
    -------
    pandas.DataFrame
        One row per change of :func:`year_changes`: ``period``, ``previous``, ``measure``,
        ``current``, ``before``, ``difference``, ``percent_change``; chance alone (Poisson):
        ``ratio``, ``lower``, ``upper``, ``p_value``; allowing for the series' scatter:
        ``od_lower``, ``od_upper``, ``p_overdispersed``, ``phi``, ``phi_df``; multiplicity:
        ``p_adjusted``, ``adjust``, ``n_adjusted``; breaks: ``break_flag`` and ``breaks``; then
        ``verdict``, ``excludes_no_change``, ``text``, ``method``, ``conf_level``, ``note``.
    """
    rows = []
    measures = [f"{n} (count)" for n in data.NATURES] + ["Total (rate per 100,000 children)"]
    found = year_changes(
        period, conf_level=conf_level, method=method, adjust=adjust, data_dir=data_dir
    )
    for ch, measure in zip(found, measures, strict=False):
        rows.append(_row(ch, measure))
    return pd.DataFrame(rows)


def _p_column(value: float, *, decimals: int = 0) -> str:
    return "-" if value is None or math.isnan(float(value)) else p_words(float(value))


def _count_or_rate(value: float, measure: str, *, decimals: int = 0) -> str:
    """Write a count with no decimals, a rate (its measure says so) with two."""
    return number_text(value, 2 if "rate" in measure else 0)


#: Short verdicts for the reader's table (the sentences use :data:`VERDICTS`).
_SHORT: Final[dict[str, str]] = {
    VERDICTS["more"]: "more than usual",
    VERDICTS["within"]: "within usual",
    VERDICTS["not comparable"]: "not comparable (break)",
    VERDICTS["step change"]: "step change (break)",
    VERDICTS["no figure"]: "no figure",
}


def _short_verdict(verdict: str, *, decimals: int = 0) -> str:
    return _SHORT.get(str(verdict), str(verdict))


change_display = Display(
    "change_table",
    Column("Measure", "measure"),
    Column("{previous}", ("before", "measure"), _count_or_rate),
    Column("{period}", ("current", "measure"), _count_or_rate),
    Column("Change (%)", "percent_change", "number", 1),
    Column("Ratio", "ratio", "number", 2),
    Column("{level} interval, series' scatter", ("od_lower", "od_upper"), "interval", 2),
    Column("P-value, series' scatter", "p_overdispersed", _p_column),
    Column("P-value, adjusted", "p_adjusted", _p_column),
    Column("P-value, chance alone (Poisson)", "p_value", _p_column),
    Column("Verdict on the usual movement", "verdict", _short_verdict),
)
