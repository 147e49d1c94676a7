"""The validated model shared by the simulation, the closed forms and the sensitivity analysis.

A :class:`Plan` holds a published figure's support (the true counts consistent with it), the
quantity asked for (the underlying yearly ``"rate"`` or this year's ``"realised"`` number) and
the components that apply to the figure: timing only to counts dated by receipt; the base
conversion only where the share was measured on another base than the figure (it still maps
breakdowns of the other base into a hierarchical share). :func:`prepare` builds it from the
public arguments, and :func:`check_n_draws` and :func:`check_seed` check the arguments of the
Monte Carlo functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

from sinstats.errors import ParameterError
from sinstats.stats.uncertainty.assumptions import MAX_DRAWS, MIN_DRAWS, Target, as_target
from sinstats.stats.uncertainty.components import (
    Chance,
    Component,
    Definition,
    Rounding,
    component_order,
)
from sinstats.stats.uncertainty.observed import Observed, as_observed
from sinstats.stats.uncertainty.shares import Base, HierarchicalShare

#: The quantities a simulation can ask for.
QUANTITIES: Final = ("rate", "realised")


@dataclass(frozen=True)
class Plan:
    """A validated model: the count's support, the quantity and the components that apply."""

    observed: Observed
    support: tuple[int, int]  # lowest and highest true count (equal if exact or rounding off)
    count_central: float
    chance: Chance | None
    rounding: Rounding | None
    factors: tuple[Component, ...]  # enabled timing, revision, base, definition, ascertainment
    quantity: str = "rate"
    base: Base | None = None  # the base component, also when it only maps breakdowns
    converts: bool = False  # True if the share is converted to the figure's base
    skipped: tuple[tuple[str, str], ...] = ()  # (component, why it does not apply)

    @property
    def enabled(self) -> tuple[Component, ...]:
        """The components that act, in model order (chance not in a realised count)."""
        comps: list[Component] = [c for c in (self.rounding, self.chance) if c is not None]
        if self.quantity == "realised":
            comps = [c for c in comps if c.kind != "chance"]
        factors = list(self.factors)
        if self.base is not None and self.base not in factors:
            factors.append(self.base)
        return tuple(sorted([*comps, *factors], key=component_order))

    def factor(self, kind: str) -> Component | None:
        """Return the enabled factor of ``kind`` (None if absent)."""
        return next((c for c in self.factors if c.kind == kind), None)

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


def make_plan(observed: Observed, target: Target, quantity: str = "rate") -> Plan:
    """Plan the model for ``observed``: the true count's support and the components that apply.

    Raises
    ------
    ParameterError
        If ``quantity`` is unknown, or the share was measured on another base than the figure
        and the target has no base component to convert it.
    """
    if quantity not in QUANTITIES:
        raise ParameterError(f"quantity {quantity!r} must be one of {', '.join(QUANTITIES)}")
    skipped: list[tuple[str, str]] = []
    comps: dict[str, Component] = {}
    for c in target.components:
        if not c.enabled:
            continue
        reason = c.not_applicable(observed)
        if reason:
            skipped.append((c.name, reason))
            continue
        comps[c.kind] = c
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
    if chance is not None and quantity == "realised":
        skipped.append(
            (
                chance.name,
                "the realised count is this year's own number: the Poisson variation of the "
                "yearly rate does not apply",
            )
        )
    base = comps.get("base")
    assert base is None or isinstance(base, Base)
    definition = comps.get("definition")
    converts = False
    if isinstance(definition, Definition) and definition.base != observed.base:
        if base is None or not base.converts(observed, str(definition.base)):
            raise ParameterError(
                f"the share '{definition.name}' was measured on the {definition.base} base and "
                f"the figure is on the {observed.base} base: add (or switch on) a base "
                "component that converts it"
            )
        converts = True
    if isinstance(definition, HierarchicalShare) and definition.needs_base() and base is None:
        raise ParameterError(
            f"the share '{definition.name}' is fitted to breakdowns on another base: the "
            "target needs a base component to map them"
        )
    if (
        base is not None
        and not converts
        and not (isinstance(definition, HierarchicalShare) and definition.needs_base())
    ):
        skipped.append(
            (base.name, "the share and the figure are on the same base: nothing to convert")
        )
        base = None
    kinds = ["timing", "revision", "base", "definition", "ascertainment"]
    if not converts:
        kinds.remove("base")
    factors = tuple(comps[k] for k in kinds if k in comps)
    return Plan(
        observed,
        support,
        central,
        chance,
        rounding,
        factors,
        quantity=quantity,
        base=base,
        converts=converts,
        skipped=tuple(skipped),
    )


def prepare(
    observed: Observed | float | int,
    components: Target | Sequence[Component],
    quantity: str = "rate",
) -> tuple[Target, Plan]:
    """Validate a published figure and its components and plan the model.

    Raises
    ------
    ParameterError
        For an invalid figure or component list (see :func:`as_observed`, :func:`as_target`),
        an unknown quantity or a share on another base with no conversion.
    """
    obs = as_observed(observed)
    target = as_target(components)
    return target, make_plan(obs, target, quantity)


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
