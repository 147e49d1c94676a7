"""The assumptions file ``data/assumptions.yml``: targets, simulation settings, components.

:func:`load_assumptions` reads and validates the whole file before anything is returned
(a :class:`~sinstats.errors.ConfigError` naming the file and the key), so that no simulation
starts on a bad file. A :class:`Target` is a named set of components; :func:`switch` turns its
components on and off.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
import yaml

from sinstats.data.provenance import record_read, sha256_bytes
from sinstats.errors import ComponentError, ConfigError, ParameterError
from sinstats.paths import assumptions_file
from sinstats.stats._validation import check_conf_levels
from sinstats.stats.uncertainty.components import (
    COMPONENT_KINDS,
    Component,
    component_order,
)
from sinstats.stats.uncertainty.registry import KIND_CLASSES, component_class

#: Fewest draws accepted: below this, 95% bounds move by several per cent between seeds.
MIN_DRAWS: Final = 1_000
#: Most draws accepted (memory: about 8 MB per million draws per stored array).
MAX_DRAWS: Final = 50_000_000
#: Seed used when none is given; the same as ``simulation.seed`` in ``data/assumptions.yml``.
DEFAULT_SEED: Final = 2026
#: Confidence levels reported when none are given.
DEFAULT_CONF_LEVELS: Final = (0.8, 0.95)
#: Names a component may not take: the rows of a result that are not components (the total,
#: the interaction, the realised number's split by cause and unnotified deaths), keyed by the
#: same name in the result's tables.
RESERVED_NAMES: Final = ("total", "interaction", "split", "unnotified")


@dataclass(frozen=True)
class Target:
    """A named target quantity: the components that turn a published count into it.

    Parameters
    ----------
    name : str
        E.g. ``"deaths_maltreatment_or_assault"``.
    description : str
        Plain words.
    unit : str
        Unit for axis labels, e.g. ``"deaths"``.
    components : tuple of Component
        At most one of each kind.
    """

    name: str
    description: str
    unit: str
    components: tuple[Component, ...]


@dataclass(frozen=True)
class SimulationSettings:
    """Defaults for :func:`simulate`: number of draws, seed, confidence levels."""

    n_draws: int = 200_000
    seed: int = DEFAULT_SEED
    conf_levels: tuple[float, ...] = DEFAULT_CONF_LEVELS
    tornado_n_draws: int = 100_000


@dataclass(frozen=True)
class Assumptions:
    """The validated contents of ``data/assumptions.yml``.

    Attributes
    ----------
    path : pathlib.Path
        The file read.
    simulation : SimulationSettings
    components : dict of str to Component
    targets : dict of str to Target
    """

    path: Path
    simulation: SimulationSettings
    components: Mapping[str, Component]
    targets: Mapping[str, Target]

    def target(self, name: str) -> Target:
        """Return the target ``name``; a ``ParameterError`` lists the valid names."""
        if name not in self.targets:
            raise ParameterError(
                f"unknown target {name!r}; targets in {self.path}: {', '.join(self.targets)}"
            )
        return self.targets[name]

    def log(self) -> pd.DataFrame:
        """Return the assumptions log: one row per component with source, rating, rationale."""
        rows = []
        linked = {c.name: c for t in self.targets.values() for c in t.components}
        for name, comp in self.components.items():
            used_by = [t.name for t in self.targets.values() if comp in t.components]
            comp = linked.get(name, comp)
            rows.append(
                {
                    "component": comp.name,
                    "kind": comp.kind,
                    "base": _base_text(comp),
                    "applies_to": comp.applicability(),
                    "parameters": ", ".join(
                        f"{k}={v}"
                        for k, v in comp.parameters().items()
                        if v is not None and k != "range_"
                    ),
                    "default": _default(comp),
                    "range": comp.range,
                    "source": comp.source,
                    "rag": comp.rag,
                    "rationale": comp.rationale,
                    "used_by": ", ".join(used_by),
                }
            )
        return pd.DataFrame(rows)


def _default(comp: Component) -> float:
    """Return the default shown in the log: the central value (for a base conversion, of ``w``)."""
    extra = getattr(comp, "central_extra", None)
    return float(extra()) if comp.kind == "base" and extra is not None else comp.central()


def link_components(components: Sequence[Component]) -> tuple[Component, ...]:
    """Tell a hierarchical share the base component's central value and support.

    Parameters
    ----------
    components : sequence of Component
        One target's components.

    Returns
    -------
    tuple of Component
        The same components, the share replaced by one that knows the base conversion.
    """
    base = next((c for c in components if c.kind == "base"), None)
    out = []
    for comp in components:
        with_base = getattr(comp, "with_base", None)
        out.append(with_base(base) if with_base is not None else comp)
    return tuple(out)


def _base_text(comp: Component) -> str:
    """Return the base a share was measured on, or the bases a conversion joins ("" otherwise)."""
    if comp.kind == "definition":
        return str(getattr(comp, "base", ""))
    if comp.kind == "base":
        return f"{getattr(comp, 'share_base', '')} -> {getattr(comp, 'figure_base', '')}"
    return ""


def switch(
    components: Target | Sequence[Component],
    *,
    on: Iterable[str] = (),
    off: Iterable[str] = (),
    only: Iterable[str] | None = None,
) -> Target:
    """Switch components on or off, by name or kind.

    Parameters
    ----------
    components : Target or sequence of Component
    on, off : iterable of str
        Names (``"ascertainment_deaths"``) or kinds (``"ascertainment"``) to switch on / off.
    only : iterable of str, optional
        If given, switch these on and every other component off (``only=["chance"]``).

    Returns
    -------
    Target
        A copy; the input is unchanged.

    Raises
    ------
    ParameterError
        For a name or kind that is not among the components (the message lists them).
    """
    target = as_target(components)
    known = {c.name for c in target.components} | {c.kind for c in target.components}
    on_set, off_set = set(on), set(off)
    only_set = None if only is None else set(only)
    for name in sorted(on_set | off_set | (only_set or set())):
        if name not in known:
            raise ParameterError(
                f"unknown component {name!r}; this target has "
                + ", ".join(f"{c.name} ({c.kind})" for c in target.components)
            )
    new = []
    for comp in target.components:
        keys = {comp.name, comp.kind}
        enabled = comp.enabled
        if only_set is not None:
            enabled = bool(keys & only_set)
        if keys & on_set:
            enabled = True
        if keys & off_set:
            enabled = False
        new.append(dataclasses.replace(comp, enabled=enabled))
    return dataclasses.replace(target, components=tuple(new))


def as_target(components: Target | Sequence[Component]) -> Target:
    """Return ``components`` as a validated :class:`Target`, components in model order.

    Parameters
    ----------
    components : Target or sequence of Component
        A target of the assumptions file, or components to combine ad hoc.

    Returns
    -------
    Target

    Raises
    ------
    ParameterError
        For anything but a Target or a sequence of components, two components of one kind or of
        one name, or a component named as a row that is not a component
        (:data:`RESERVED_NAMES`): a result's tables are keyed by component name.
    """
    if isinstance(components, Target):
        target = components
    else:
        if isinstance(components, (str, bytes)) or not isinstance(components, Sequence):
            raise ParameterError(
                "components must be a Target (from load_assumptions().target(name)) or a "
                f"sequence of Component objects, not {type(components).__name__}"
            )
        target = Target("custom", "custom set of components", "count", tuple(components))
    kinds: dict[str, str] = {}
    for comp in target.components:
        if not isinstance(comp, Component) or comp.kind not in COMPONENT_KINDS:
            raise ParameterError(
                f"{comp!r} is not a component; valid kinds: {', '.join(COMPONENT_KINDS)}"
            )
        if comp.kind in kinds:
            raise ParameterError(
                f"components '{kinds[comp.kind]}' and '{comp.name}' are both of kind "
                f"'{comp.kind}'; a target takes at most one of each kind"
            )
        kinds[comp.kind] = comp.name
        if comp.name in RESERVED_NAMES:
            raise ParameterError(
                f"a component may not be named {comp.name!r}: the names "
                f"{', '.join(RESERVED_NAMES)} are rows of the results that are not components"
            )
    names = [comp.name for comp in target.components]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ParameterError(
            f"two components are named {twice[0]!r}; a target's components need names of their "
            "own (the results are keyed by name)"
        )
    ordered = link_components(sorted(target.components, key=component_order))
    return dataclasses.replace(target, components=ordered)


# ---------------------------------------------------------------------------------------------
# Reading and validating data/assumptions.yml
# ---------------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML loader that rejects duplicate keys (PyYAML otherwise keeps the last silently)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)

_FILE_VERSION: Final = 1
_TOP_KEYS: Final = ("version", "simulation", "components", "targets")
_SIM_KEYS: Final = ("n_draws", "seed", "conf_levels", "tornado_n_draws")
_TARGET_KEYS: Final = ("description", "unit", "components")
# Every default needs these (with a published source, or the word "assumption").
_REQUIRED_META: Final = ("source", "rag", "rationale")
_COMMON_KEYS: Final = ("kind", "enabled", "description", *_REQUIRED_META, "references", "notes")
_KIND_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "chance": (),
    "rounding": ("over_span", "suppressed_range"),
    "timing": ("centre", "sd_log", "range"),
    "revision": ("centre", "sd_log", "range"),
    "base": (
        "share_base",
        "figure_base",
        "overlap",
        "panel_count",
        "dfe_count",
        "extra_alpha",
        "extra_beta",
        "extra_share",
        "range",
    ),
    "definition": (
        "base",
        "breakdowns",
        "narrow_mapping",
        "phi_range",
        "sd_scale",
        "percentages",
        "denominator",
        "decimals",
        "count",
        "prior",
        "alpha",
        "beta",
        "share",
        "range",
    ),
    "ascertainment": ("alpha", "beta", "share", "range"),
}


def _mapping(value: object, path: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(
            f"must be a mapping of keys to values, not {type(value).__name__}", path=path, key=key
        )
    return value


def _unknown_keys(got: Mapping[str, Any], allowed: Sequence[str], path: str, where: str) -> None:
    for key in got:
        if key not in allowed:
            raise ConfigError(
                f"unknown key; allowed here: {', '.join(allowed)}",
                path=path,
                key=f"{where}.{key}" if where else str(key),
            )


def _int_setting(value: object, path: str, key: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{value!r} must be a whole number", path=path, key=key)
    if value < minimum:
        raise ConfigError(f"{value!r} must be at least {minimum:,}", path=path, key=key)
    return value


def _conf_levels(value: object, path: str, key: str) -> tuple[float, ...]:
    """Validate the file's confidence levels with the library's one rule."""
    try:
        return check_conf_levels(value, key)
    except ParameterError as exc:
        raise ConfigError(str(exc), path=path, key=key) from None


def _build_component(name: str, raw: Mapping[str, Any], path: str) -> Component:
    where = f"components.{name}"
    kind = raw.get("kind")
    if kind is None:
        raise ConfigError(
            f"missing; choose one of {', '.join(COMPONENT_KINDS)}", path=path, key=f"{where}.kind"
        )
    if kind not in KIND_CLASSES:
        raise ConfigError(
            f"unknown component kind {kind!r}; valid kinds: {', '.join(COMPONENT_KINDS)}",
            path=path,
            key=f"{where}.kind",
        )
    _unknown_keys(raw, (*_COMMON_KEYS, *_KIND_KEYS[kind]), path, where)
    for key in _REQUIRED_META:
        if key not in raw or raw[key] in (None, ""):
            explain = {
                "source": "a URL, or the word 'assumption' if no published figure supports it",
                "rag": "a quality rating: red, amber or green",
                "rationale": "one line saying why this default",
            }[key]
            raise ConfigError(
                f"missing: every default needs {explain}", path=path, key=f"{where}.{key}"
            )
    kwargs: dict[str, Any] = {"name": name}
    for key, value in raw.items():
        if key == "kind":
            continue
        if key in ("references", "notes"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError("must be a list of strings", path=path, key=f"{where}.{key}")
            value = tuple(value)
        elif key in (
            "range",
            "percentages",
            "prior",
            "suppressed_range",
            "breakdowns",
            "phi_range",
        ) and isinstance(value, list):
            value = tuple(value)
        kwargs["range_" if key == "range" else key] = value
    try:
        return component_class(kind, raw)(**kwargs)
    except ComponentError as exc:
        raise ConfigError(exc.reason, path=path, key=f"{where}.{exc.key}") from None
    except TypeError as exc:  # a value of the wrong type where a constructor expected another
        raise ConfigError(f"invalid value: {exc}", path=path, key=where) from None


def load_assumptions(path: str | os.PathLike[str] | None = None) -> Assumptions:
    """Read and validate the uncertainty model's assumptions file.

    Parameters
    ----------
    path : str or path-like, optional
        Defaults to :func:`sinstats.paths.assumptions_file` (``data/assumptions.yml``).

    Returns
    -------
    Assumptions

    Raises
    ------
    ConfigError
        Naming the file and the key, for: a missing or unreadable file; invalid YAML or a
        duplicate key; an unknown key at any level; a component with an unknown kind, or missing
        ``source``, ``rag`` or ``rationale``; a source that is neither a URL nor "assumption"; a
        rating other than red/amber/green; a share outside [0, 1]; a Beta distribution with a
        non-positive parameter; a range that is reversed or excludes its default;
        ``n_draws`` below 1,000; confidence levels outside (0, 1); a target naming a component
        that does not exist, or two components of one kind.

    Notes
    -----
    Validation is complete before anything is returned, so no simulation starts on a bad file.
    The file format is described at the top of ``data/assumptions.yml`` and in
    ``docs/uncertainty.md``. The file is recorded as read
    (:func:`sinstats.data.files_read`), as data files are, so that a build rebuilds only the
    runs that read it.
    """
    file = Path(path) if path is not None else assumptions_file()
    where = str(file)
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the assumptions file: {exc.strerror}", path=where) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"bytes that are not UTF-8 at line {at}; save the file as UTF-8", path=where
        ) from None
    # Recorded like a data file, so a build rebuilds only the runs that read this file.
    record_read(file, sha256_bytes(raw))
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"invalid YAML{line}: {problem}", path=where) from None
    top = _mapping(data, where, "(top level)")
    _unknown_keys(top, _TOP_KEYS, where, "")
    for key in ("components", "targets"):
        if key not in top:
            raise ConfigError("missing", path=where, key=key)
    if top.get("version", _FILE_VERSION) != _FILE_VERSION:
        raise ConfigError(
            f"unsupported version {top['version']!r}; this sinstats reads version {_FILE_VERSION}",
            path=where,
            key="version",
        )

    sim_raw = _mapping(top.get("simulation", {}), where, "simulation")
    _unknown_keys(sim_raw, _SIM_KEYS, where, "simulation")
    defaults = SimulationSettings()
    settings = SimulationSettings(
        n_draws=_int_setting(
            sim_raw.get("n_draws", defaults.n_draws), where, "simulation.n_draws", MIN_DRAWS
        ),
        seed=_int_setting(sim_raw.get("seed", defaults.seed), where, "simulation.seed", 0),
        conf_levels=_conf_levels(
            sim_raw.get("conf_levels", list(defaults.conf_levels)), where, "simulation.conf_levels"
        ),
        tornado_n_draws=_int_setting(
            sim_raw.get("tornado_n_draws", defaults.tornado_n_draws),
            where,
            "simulation.tornado_n_draws",
            MIN_DRAWS,
        ),
    )

    comps_raw = _mapping(top["components"], where, "components")
    components: dict[str, Component] = {}
    for name, raw in comps_raw.items():
        if str(name) in RESERVED_NAMES:
            raise ConfigError(
                f"a component may not be named {name!r}: the names {', '.join(RESERVED_NAMES)} "
                "are rows of the results that are not components",
                path=where,
                key=f"components.{name}",
            )
        components[str(name)] = _build_component(
            str(name), _mapping(raw, where, f"components.{name}"), where
        )

    targets_raw = _mapping(top["targets"], where, "targets")
    targets: dict[str, Target] = {}
    for name, raw in targets_raw.items():
        tkey = f"targets.{name}"
        traw = _mapping(raw, where, tkey)
        _unknown_keys(traw, _TARGET_KEYS, where, tkey)
        for key in ("description", "components"):
            if key not in traw or traw[key] in (None, ""):
                raise ConfigError("missing", path=where, key=f"{tkey}.{key}")
        names = traw["components"]
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ConfigError(
                "must be a non-empty list of component names", path=where, key=f"{tkey}.components"
            )
        chosen: list[Component] = []
        kinds: dict[str, str] = {}
        for cname in names:
            if cname not in components:
                raise ConfigError(
                    f"unknown component {cname!r}; components defined in this file: "
                    + ", ".join(components),
                    path=where,
                    key=f"{tkey}.components",
                )
            comp = components[cname]
            if comp.kind in kinds:
                raise ConfigError(
                    f"'{kinds[comp.kind]}' and '{cname}' are both of kind '{comp.kind}'; a "
                    "target takes at most one of each kind",
                    path=where,
                    key=f"{tkey}.components",
                )
            kinds[comp.kind] = cname
            chosen.append(comp)
        unit = traw.get("unit", "count")
        if not isinstance(unit, str) or not unit:
            raise ConfigError("must be a non-empty string", path=where, key=f"{tkey}.unit")
        targets[str(name)] = Target(
            str(name),
            str(traw["description"]),
            unit,
            link_components(sorted(chosen, key=component_order)),
        )
    return Assumptions(file, settings, components, targets)
