"""The validated model shared by the simulation, the closed forms and the sensitivity analysis.

A :class:`Plan` holds a published figure's support (the true counts consistent with it) and the
enabled components of its target; :func:`prepare` builds it from the public arguments, and
:func:`check_n_draws` and :func:`check_seed` check the arguments of the Monte Carlo functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sinstats.errors import ParameterError
from sinstats.stats.uncertainty.assumptions import MAX_DRAWS, MIN_DRAWS, Target, as_target
from sinstats.stats.uncertainty.components import Chance, Component, Rounding, component_order
from sinstats.stats.uncertainty.observed import Observed, as_observed


@dataclass(frozen=True)
class Plan:
    """A validated model: the count's support and the enabled components."""

    observed: Observed
    support: tuple[int, int]  # lowest and highest true count (equal if exact or rounding off)
    count_central: float
    chance: Chance | None
    rounding: Rounding | None
    factors: tuple[Component, ...]  # enabled timing, revision, definition, ascertainment

    @property
    def enabled(self) -> tuple[Component, ...]:
        """The enabled components, in model order."""
        comps: list[Component] = [c for c in (self.rounding, self.chance) if c is not None]
        return tuple(sorted([*comps, *self.factors], key=component_order))

    def point(self) -> float:
        """Return the target with every component at its central value."""
        return self.count_central * factor_scale(self)


def factor_scale(plan: Plan) -> float:
    """Product of the factors' central values (ascertainment divides)."""
    scale = 1.0
    for comp in plan.factors:
        c = comp.central()
        scale = scale / c if comp.kind == "ascertainment" else scale * c
    return scale


def make_plan(observed: Observed, target: Target) -> Plan:
    """Plan the model for ``observed``: the true count's support and the enabled components."""
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
    return Plan(observed, support, central, chance, rounding, factors)


def prepare(
    observed: Observed | float | int, components: Target | Sequence[Component]
) -> tuple[Target, Plan]:
    """Validate a published figure and its components and plan the model.

    Raises
    ------
    ParameterError
        For an invalid figure or component list (see :func:`as_observed`, :func:`as_target`).
    """
    obs = as_observed(observed)
    target = as_target(components)
    return target, make_plan(obs, target)


def check_n_draws(n_draws: object, name: str = "n_draws") -> int:
    """Validate a number of Monte Carlo draws: a whole number in [MIN_DRAWS, MAX_DRAWS]."""
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)):
        raise ParameterError(f"{name} {n_draws!r} must be a whole number")
    if not MIN_DRAWS <= n_draws <= MAX_DRAWS:
        raise ParameterError(
            f"{name} {n_draws:,} must be from {MIN_DRAWS:,} to {MAX_DRAWS:,}: fewer draws give "
            "bounds that move by several per cent between seeds"
        )
    return int(n_draws)


def check_seed(seed: object) -> int:
    """Validate a seed: a non-negative whole number."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(
            f"seed {seed!r} must be a non-negative whole number; results are always seeded"
        )
    return int(seed)
