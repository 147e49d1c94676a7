"""What the numbers measure: the uncertainty model applied to one year's published figure.

Notebook ``03-what-the-numbers-measure`` calls these functions. They pick the published national
figure a target starts from (:data:`sinstats.present.params.TARGET_NATURES`), run
:func:`sinstats.stats.uncertainty.simulate` and :func:`~sinstats.stats.uncertainty.tornado` with the
assumptions in ``data/assumptions.yml``, and lay the results out for readers: the interval for
the target next to the published count and its chance-only interval, each component's interval
alone, the variance decomposition, the tornado chart and a conclusion in words. The triangulation
with independent estimates and the leave-one-out table are in
:mod:`sinstats.analyses._triangulation` (re-exported here).
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple

import pandas as pd

from sinstats import data, paths
from sinstats._docstrings import fill_doc
from sinstats._typing import DataDir
from sinstats.analyses._triangulation import breakdown_words
from sinstats.analyses._triangulation import evidence_table as evidence_table
from sinstats.analyses._triangulation import implied_ascertainment as implied_ascertainment
from sinstats.analyses._triangulation import (
    implied_ascertainment_display as implied_ascertainment_display,
)
from sinstats.analyses._triangulation import leave_one_out as leave_one_out
from sinstats.analyses._triangulation import leave_one_out_display as leave_one_out_display
from sinstats.analyses._triangulation import triangulation_chart as triangulation_chart
from sinstats.analyses._triangulation import triangulation_display as triangulation_display
from sinstats.analyses._triangulation import triangulation_table as triangulation_table
from sinstats.periods import parse_period
from sinstats.present import plots
from sinstats.present.key_figures import KeyFigure
from sinstats.present.params import TARGET_NATURES
from sinstats.present.tables import Column, Display
from sinstats.present.words import count_text, interval_text, join_words, level_text
from sinstats.stats import intervals, uncertainty


class Model(NamedTuple):
    """One year's model: the published figure, the target and the assumptions.

    Attributes
    ----------
    figure : sinstats.data.Figure
        The published national figure the target starts from.
    observed : sinstats.stats.uncertainty.Observed
        The same figure as the model sees it (rounding, qualifier).
    target : sinstats.stats.uncertainty.Target
        The target quantity and its components.
    assumptions : sinstats.stats.uncertainty.Assumptions
        The validated assumptions file.
    """

    figure: data.Figure
    observed: uncertainty.Observed
    target: uncertainty.Target
    assumptions: uncertainty.Assumptions


@fill_doc
def assumptions_path(data_dir: DataDir = None) -> str:
    """Return ``<data_dir>/assumptions.yml`` if present, else the project's assumptions file.

    Parameters
    ----------
    %(data_folder)s

    Returns
    -------
    str
        The path of the assumptions file the model reads.
    """
    return str(data.own_or_fallback(paths.assumptions_file(data_dir), paths.assumptions_file()))


@fill_doc
def load_model(period: object, target: str, data_dir: DataDir = None) -> Model:
    """Return the published figure, the target and the assumptions for one year.

    Parameters
    ----------
    period : str, int or Period
        The April-March year (or calendar year for a Panel figure).
    target : str
        A target of the assumptions file (``"deaths_maltreatment_or_assault"``...).
    %(data_folder)s

    Returns
    -------
    Model

    Raises
    ------
    NoDataError
        If the figure the target starts from was not published for the year.
    ConfigError
        If the assumptions file is invalid (it names the key).
    ParameterError
        If ``target`` is not a target of the assumptions file.
    """
    assumptions = uncertainty.load_assumptions(assumptions_path(data_dir))
    tgt = assumptions.target(target)
    fig = data.count(parse_period(period), TARGET_NATURES[target], data_dir=data_dir)
    nature = "notifications" if fig.category == "Total" else f"{fig.category.lower()} notifications"
    base, dated_by = uncertainty.figure_base(fig.dataset)
    observed = uncertainty.Observed(
        fig.value if fig.available else None,
        rounded_to=fig.rounded_to,
        qualifier=fig.qualifier if fig.qualifier == "over" else "",
        label=f"{fig.period} {nature}",
        base=base,
        dated_by=dated_by,
    )
    return Model(fig, observed, tgt, assumptions)


@fill_doc
def simulate(
    model: Model, *, conf_level: float = 0.95, n_draws: int = 200_000, seed: int = 2026
) -> uncertainty.UncertaintyResult:
    """Run the model at ``conf_level`` (and 80%, for the fan of the chart).

    Every component of the target is on, chance included, so the interval is for the underlying
    yearly rate; :func:`simulate_realised` gives the year's own number.

    Parameters
    ----------
    %(uncertainty_model)s
    conf_level : float, default 0.95
        Level of the headline interval.
    %(simulation_draws)s

    Returns
    -------
    UncertaintyResult
        The target's intervals at ``conf_level`` and 80%, and the variance decomposition
        (the summaries only: :func:`sinstats.stats.uncertainty.simulate` keeps the draws).
    """
    levels = tuple(sorted({0.8, conf_level}))
    return uncertainty.simulate(
        model.observed,
        model.target,
        n_draws=n_draws,
        seed=seed,
        conf_levels=levels,
        keep_draws=False,  # the summaries only: the notebook holds this result to the end
    )


@fill_doc
def simulate_realised(
    model: Model, *, conf_level: float = 0.95, n_draws: int = 200_000, seed: int = 2026
) -> uncertainty.UncertaintyResult:
    """Run the model for the year's own (realised) number, not the yearly rate.

    The realised number is this year's notified deaths split by cause (binomial) plus the deaths
    never notified (negative binomial), with every other component varying; the yearly rate
    (:func:`simulate`) is the number to expect in a year like this one. See
    ``docs/uncertainty.md``, section 2.

    Parameters
    ----------
    %(uncertainty_model)s
    conf_level : float, default 0.95
        Level of the interval.
    %(simulation_draws)s

    Returns
    -------
    UncertaintyResult
        The year's own number (``quantity="realised"``), at ``conf_level`` and 80% (the
        summaries only, as :func:`simulate`).
    """
    levels = tuple(sorted({0.8, conf_level}))
    return uncertainty.simulate(
        model.observed,
        model.target,
        n_draws=n_draws,
        seed=seed,
        conf_levels=levels,
        quantity="realised",
        keep_draws=False,
    )


@fill_doc
def assumptions_table(model: Model) -> pd.DataFrame:
    """Return the assumptions log rows for the target's components (source, RAG, rationale).

    Parameters
    ----------
    %(uncertainty_model)s

    Returns
    -------
    pandas.DataFrame
        One row per component of the target, with the base it was measured on, the data it
        applies to (and whether it applies to this year's figure), its parameters, source, RAG
        rating and rationale, and ``method``, ``conf_level`` and ``note`` columns.
    """
    log = model.assumptions.log()
    used = [c.name for c in model.target.components]
    out = log[log["component"].isin(used)].copy()
    skipped = {c.name: c.not_applicable(model.observed) for c in model.target.components}
    out["applies_here"] = [
        "no: " + skipped[name] if skipped.get(name) else "yes" for name in out["component"]
    ]
    out["range"] = [
        "" if r is None else f"{r[0]:g} to {r[1]:g}"
        for r in out["range"]  # tuples or None
    ]
    out["method"] = "assumption"
    out["conf_level"] = math.nan
    out["note"] = ""
    return out.reset_index(drop=True)


@fill_doc
def breakdowns_table(model: Model) -> pd.DataFrame:
    """Every published breakdown of the share: as published, mapped to the target, its role.

    Parameters
    ----------
    %(uncertainty_model)s

    Returns
    -------
    pandas.DataFrame
        One row per breakdown (empty when the share has none), with ``method``,
        ``conf_level`` and ``note``.
    """
    share = next((c for c in model.target.components if c.kind == "definition"), None)
    if not isinstance(share, uncertainty.HierarchicalShare):
        return pd.DataFrame()
    out = share.mapped_shares(share.default_m or 1.0)
    out["method"] = "published share / mapping factor (central)"
    out["conf_level"] = math.nan
    return out


breakdowns_display = Display(
    "breakdowns_table",
    Column("Breakdown", "breakdown", breakdown_words),
    Column("Base", "base"),
    Column("Definition", "definition"),
    Column("Role", "role"),
    Column("Published share (%)", "published_share", "percent_of_one", 0),
    Column("Of", "denominator", "number", 0),
    Column("Mapping factor", "mapping_factor", "number", 2),
    Column("Mapped share (%)", "mapped_share", "percent_of_one", 1),
    Column("Rating", "rag", lambda r, decimals: r.upper()),
)


def _breakable(text: str) -> str:
    """Let a URL wrap after ``/``, ``.``, ``-`` and ``_`` in narrow table columns.

    A zero-width space is inserted after each of those characters in the displayed text only;
    the CSV tables keep the URL exactly.
    """
    return re.sub(r"([/._\-])", "\\1\u200b", text) if text.startswith("http") else text


assumptions_display = Display(
    "assumptions_table",
    Column("Component", "component", lambda c, decimals: c.replace("_", " ")),
    Column("Base", "base"),
    Column("Applies to", "applies_to"),
    Column("This figure", "applies_here"),
    Column("Default", "default", "trimmed", 4),
    Column("Plausible range", "range"),
    Column("Rating", "rag", lambda r, decimals: r.upper()),
    Column("Source", "source", lambda s, decimals: _breakable(str(s))),
    Column("Why", "rationale"),
)


@fill_doc
def comparison_table(
    model: Model,
    result: uncertainty.UncertaintyResult,
    *,
    conf_level: float = 0.95,
    method: str = "exact",
    realised: uncertainty.UncertaintyResult | None = None,
) -> pd.DataFrame:
    """Set the published count, its chance-only interval, each component alone and the total.

    With ``realised`` (from :func:`simulate_realised`) a last row gives the year's own number:
    every component except chance.

    Parameters
    ----------
    %(model_and_result)s
    conf_level : float, default 0.95
        Level of every interval.
    method : str, default "exact"
        Poisson interval method of the published count's row.
    realised : UncertaintyResult, optional
        The output of :func:`simulate_realised`.

    Returns
    -------
    pandas.DataFrame
        ``row``, ``label``, ``estimate``, ``lower``, ``upper``, ``scope``, ``method``,
        ``conf_level``, ``note``. The first row is the published count with its Poisson
        interval (``method``); then the target under each component alone; then all together.
    """
    fig = model.figure
    ci = intervals.poisson_ci(int(fig.value), conf_level, method)
    rows: list[dict[str, object]] = [
        {
            "row": "published",
            "label": f"published count ({fig.period})",
            "estimate": fig.value,
            "lower": float(ci.lower),
            "upper": float(ci.upper),
            "scope": "published",
            "method": method,
            "conf_level": conf_level,
            "note": f"published by {fig.publisher} ({fig.source_url}); Poisson interval for the "
            "count itself",
        }
    ]
    table = result.intervals
    table = table[(table["conf_level"] - conf_level).abs() < 1e-12]
    for r in table.itertuples(index=False):
        scope = str(r.scope)
        label = "underlying yearly rate (all components)" if scope == "total" else f"{scope} alone"
        label = label.replace("_", " ")
        rows.append(
            {
                "row": "total" if scope == "total" else "component",
                "label": label,
                "estimate": float(r.central),  # type: ignore[arg-type]
                "lower": float(r.lower),  # type: ignore[arg-type]
                "upper": float(r.upper),  # type: ignore[arg-type]
                "scope": scope,
                "method": str(r.method),
                "conf_level": conf_level,
                # A component's name in words ("base panel to dfe"), as in its label.
                "note": str(r.note).replace(scope, scope.replace("_", " ")),
            }
        )
    if realised is not None:
        lower, upper = realised.interval(conf_level, "total")
        rows.append(
            {
                "row": "realised",
                "label": "this year's own number (realised)",
                "estimate": float(realised.median),
                "lower": lower,
                "upper": upper,
                "scope": "realised",
                "method": "monte_carlo_percentile",
                "conf_level": conf_level,
                "note": "the year's notified deaths split by cause (binomial) plus those never "
                "notified (negative binomial): the number in this one year",
            }
        )
    order = {"published": 0, "component": 1, "total": 2, "realised": 3}
    out = pd.DataFrame(rows)
    return out.sort_values("row", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


comparison_display = Display(
    "comparison_table",
    Column("What varies", "label"),
    Column("Estimate", "estimate", "number", 1),
    Column("{level} interval", ("lower", "upper"), "interval", 1),
    Column("Note", "note"),
)


@fill_doc
def comparison_chart(table: pd.DataFrame, model: Model, conf_level: float) -> plots.Chart:
    """Dot chart of :func:`comparison_table` with the published count as a reference line.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`comparison_table`.
    %(uncertainty_model)s
    conf_level : float
        Level of the intervals drawn.

    Returns
    -------
    sinstats.present.plots.Chart
    """
    unit = model.target.unit
    return plots.interval_chart(
        table["label"].tolist(),
        table["estimate"],
        table["lower"],
        table["upper"],
        title=f"{_target_words(model)}, {model.figure.period}",
        xlabel=f"Number ({unit})",
        what=f"the published count and the estimated {_target_words(model).lower()}",
        conf_level=conf_level,
        reference=model.figure.value,
        reference_label=f"published count, {count_text(model.figure.value)}",
        source=plots.SOURCE_SIN_COUNTS + "; Panel annual report 2020 (definition share)",
    )


@fill_doc
def target_words(model: Model) -> str:
    """Return the model's target in words, for captions and sentences.

    Parameters
    ----------
    %(uncertainty_model)s

    Returns
    -------
    str
        E.g. "Children who died of maltreatment or assault" (never the target's id).
    """
    return _target_words(model)


def _target_words(model: Model) -> str:
    words = {
        "deaths_maltreatment_or_assault": "Children who died of maltreatment or assault",
        "notified_deaths": "Child death notifications by incident date",
        "all_notifications": "Serious incident notifications by incident date",
        "serious_harm_incidents": "Serious-harm incidents, notified or not",
    }
    return words.get(model.target.name, model.target.name.replace("_", " ").capitalize())


_DECOMPOSITION = Display(
    "UncertaintyResult.decomposition",
    Column("Component", "component", lambda c, decimals: str(c).replace("_", " ")),
    Column("Kind", "kind"),
    Column("Variance", "variance", "number", 1),
    Column("Share of variance (%)", "share_of_variance", "percent_of_one", 1),
    Column("Share of log variance (%)", "share_of_log_variance", "percent_of_one", 1),
)


def decomposition_display(result: uncertainty.UncertaintyResult) -> pd.DataFrame:
    """Format the variance decomposition: each component's share of the (log) variance.

    Parameters
    ----------
    result : UncertaintyResult
        The output of :func:`simulate`.

    Returns
    -------
    pandas.DataFrame
        Component, kind, variance, and its share of the variance and of the log variance (%).
    """
    return _DECOMPOSITION(result.decomposition)


@fill_doc
def tornado(
    model: Model, *, conf_level: float = 0.95, n_draws: int = 100_000, seed: int = 2026
) -> pd.DataFrame:
    """Run the one-at-a-time sensitivity analysis (:func:`sinstats.stats.uncertainty.tornado`).

    Parameters
    ----------
    %(uncertainty_model)s
    conf_level : float, default 0.95
        Level of the intervals at each end of each range.
    n_draws : int, default 100000
        Draws per scenario.
    seed : int, default 2026
        Seed of every random stream.

    Returns
    -------
    pandas.DataFrame
        One row per component, the largest swing first.
    """
    draws = min(n_draws, model.assumptions.simulation.tornado_n_draws)
    table = uncertainty.tornado(
        model.observed, model.target, n_draws=draws, seed=seed, conf_level=conf_level
    )
    return table


@fill_doc
def tornado_chart(table: pd.DataFrame, model: Model) -> plots.Chart:
    """Draw the tornado chart with the project's title, labels, source line and alt text.

    Parameters
    ----------
    table : pandas.DataFrame
        The output of :func:`tornado`.
    %(uncertainty_model)s

    Returns
    -------
    sinstats.present.plots.Chart
    """
    with plots.chart_style():
        height = 1.8 + 0.8 * max(len(table), 1)
        fig, ax = plots.new_figure(plots.WIDTH, height)
        plots.tornado_plot(table, ax=ax, unit=model.target.unit)
    title = f"How the estimate moves with each assumption, {model.figure.period}"
    level = level_text(float(table["conf_level"].iloc[0])) if len(table) else ""
    parts = []
    for comp, low, high, c_low, c_high in zip(
        table["component"],
        table["low_value"].astype(float),
        table["high_value"].astype(float),
        table["central_at_low"].astype(float),
        table["central_at_high"].astype(float),
        strict=True,
    ):
        if math.isnan(low):
            parts.append(f"{comp} not varied (the published figure is exact)")
        else:
            parts.append(
                f"{comp} from {low:g} to {high:g} moves the central value "
                f"from {c_low:.0f} to {c_high:.0f}"
            )
    alt = (
        f"Tornado chart of {_target_words(model).lower()} in {model.figure.period}: central value "
        f"{float(table['base_central'].iloc[0]):.0f} under the default assumptions; "
        + "; ".join(parts)
        + f". Thin lines show the {level} interval at each end."
    )
    return plots.decorate(
        fig, title=title, alt=alt, source="Source: sinstats uncertainty model, data/assumptions.yml"
    )


@fill_doc
def conclusion(
    model: Model,
    result: uncertainty.UncertaintyResult,
    conf_level: float = 0.95,
    realised: uncertainty.UncertaintyResult | None = None,
) -> str:
    """Say the result in words: the published count, the target's interval and what drives it.

    Parameters
    ----------
    %(model_and_result)s
    conf_level : float, default 0.95
        Level of the interval said.
    realised : UncertaintyResult, optional
        :func:`simulate_realised`: the headline (this year's own number), said first.

    Returns
    -------
    str
        One paragraph (Markdown).
    """
    fig = model.figure
    lo, hi = result.interval(conf_level)
    level = level_text(conf_level)
    d = result.decomposition
    comps = d[~d["component"].isin(["interaction", "total"])]
    comps = comps.sort_values("share_of_variance", ascending=False)
    top = [
        f"{str(r.component).replace('_', ' ')} "
        f"({100 * float(r.share_of_variance):.0f}% of the variance)"  # type: ignore[arg-type]
        for r in comps.head(2).itertuples(index=False)
        if float(r.share_of_variance) > 0  # type: ignore[arg-type]
    ]
    chance_lo, chance_hi = result.interval(conf_level, "chance")
    published = fig.describe().split(" (")[0]
    text = f"The published figure is **{published}** {_nature_words(fig)} in {fig.period_label}. "
    if realised is not None:
        r_lo, r_hi = realised.interval(conf_level)
        text += (
            f"The model's central estimate of {_target_words(model).lower()} in that year "
            f"is **{realised.central:,.0f}**, with a {level} interval of "
            f"**{interval_text(r_lo, r_hi)}** (the year's own number). As an underlying yearly "
            f"rate, for comparing years: {result.central:,.0f}, {interval_text(lo, hi)}"
            f" (chance alone: {interval_text(chance_lo, chance_hi)})."
        )
    else:
        text += (
            f"The model's central estimate of {_target_words(model).lower()} is "
            f"**{result.central:,.0f}**, with a {level} interval of **{interval_text(lo, hi)}**"
            f" (chance alone: {interval_text(chance_lo, chance_hi)})."
        )
    if top:
        text += f" Most of the uncertainty comes from {join_words(top)}."
    text += (
        " The interval is only as good as the assumptions above: the ratings say how far each is "
        "supported by published evidence."
    )
    return text


def _nature_words(fig: data.Figure) -> str:
    if fig.category == "Total":
        return "serious incident notifications"
    return f"{fig.category.lower()} notifications"


@fill_doc
def key_figures(
    model: Model, result: uncertainty.UncertaintyResult, conf_level: float = 0.95
) -> list[KeyFigure]:
    """Return notebook 03's key figures.

    Parameters
    ----------
    %(model_and_result)s
    conf_level : float
        Level of the model's interval.

    Returns
    -------
    list of KeyFigure
        The published count the model starts from, and the model's estimate (median) with its
        interval.
    """
    lo, hi = result.interval(conf_level)
    fig = model.figure
    return [
        KeyFigure(
            name="published_count",
            label=f"Published {_nature_words(fig)}",
            value=fig.value,
            text=f"{count_text(fig.value)} in {fig.period} (published by {fig.publisher})",
            unit="count",
        ),
        KeyFigure(
            name="target_estimate",
            label=_target_words(model),
            value=result.central,
            text=(
                f"{_target_words(model)}, {fig.period}: {result.central:,.0f} "
                f"({level_text(conf_level)} interval {interval_text(lo, hi)}; model median)"
            ),
            unit=model.target.unit,
            lower=lo,
            upper=hi,
            conf_level=conf_level,
            model=True,
        ),
    ]
