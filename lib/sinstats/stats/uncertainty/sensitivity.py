"""One-at-a-time sensitivity of the uncertainty model: the tornado table.

The table is drawn by :func:`sinstats.present.plots.tornado_plot`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sinstats._typing import FloatArray
from sinstats.stats._validation import check_conf_level
from sinstats.stats.uncertainty._model import Plan, check_n_draws, check_seed, prepare
from sinstats.stats.uncertainty.assumptions import DEFAULT_SEED, Target
from sinstats.stats.uncertainty.components import Component, Rounding
from sinstats.stats.uncertainty.observed import Observed
from sinstats.stats.uncertainty.shares import Base
from sinstats.stats.uncertainty.simulation import total_draws


def _scenario_plans(plan: Plan, comp: Component) -> tuple[Plan, Plan, float, float, str]:
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
        new = comp.at(value)
        swapped = tuple(new if f is comp else f for f in plan.factors)
        base = new if comp is plan.base and isinstance(new, Base) else plan.base
        swapped = tuple(_relink(f, base) for f in swapped)
        plans.append(dataclasses.replace(plan, factors=swapped, base=base))
    return plans[0], plans[1], rng_[0], rng_[1], comp.range_parameter


def _relink(comp: Component, base: Component | None) -> Component:
    """Return a hierarchical share told the (moved) base component's centre and support."""
    with_base = getattr(comp, "with_base", None)
    return with_base(base) if with_base is not None else comp


def tornado(
    observed: Observed | float | int,
    components: Target | Sequence[Component],
    n_draws: int = 100_000,
    seed: int = DEFAULT_SEED,
    conf_level: float = 0.95,
    quantity: str = "rate",
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
    quantity : {"rate", "realised"}, default "rate"
        The underlying yearly rate or this year's realised number (see :func:`simulate`).

    Returns
    -------
    pandas.DataFrame
        One row per enabled component except chance, sorted by ``swing`` (largest first):
        ``component, kind, parameter, low_value, high_value, base_central, base_lower,
        base_upper, central_at_low, lower_at_low, upper_at_low, central_at_high,
        lower_at_high, upper_at_high, swing, conf_level, method, note``. ``swing`` is
        ``|central_at_high - central_at_low|``.

    Raises
    ------
    ParameterError
        Before any scenario is drawn, for the arguments :func:`simulate` refuses (here with one
        ``conf_level``).

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
    target, plan = prepare(observed, components, quantity)
    n = check_n_draws(n_draws)
    seed = check_seed(seed)
    level = check_conf_level(conf_level)
    probs = [0.5, (1 - level) / 2, 1 - (1 - level) / 2]

    def summarise(p: Plan) -> FloatArray:
        """Median and interval bounds of the target under plan ``p`` (common random numbers)."""
        return np.asarray(np.quantile(total_draws(p, n, seed), probs), dtype=np.float64)

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
