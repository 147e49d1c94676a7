"""Tests for sinstats.stats.uncertainty.assumptions: the assumptions file, targets, switch."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sinstats.errors import ConfigError, ParameterError
from sinstats.paths import assumptions_file
from sinstats.stats import uncertainty as u
from sinstats.stats.uncertainty import simulation

SEED = 20260601
N = 200_000
Z4 = 4.0  # standard errors allowed for a Monte Carlo quantity


def test_project_assumptions_are_documented(assumptions: u.Assumptions) -> None:
    assert assumptions.path == assumptions_file()
    assert set(assumptions.targets) >= {
        "deaths_maltreatment_or_assault",
        "notified_deaths",
        "all_notifications",
        "serious_harm_incidents",
    }
    for comp in assumptions.components.values():
        assert comp.source == "assumption" or comp.source.startswith("https://")
        assert comp.rag in ("red", "amber", "green")
        assert comp.rationale and "\n" not in comp.rationale
        if comp.source == "assumption":
            assert comp.rag in ("red", "amber"), comp.name  # no green without evidence
        if comp.kind in ("timing", "revision", "definition", "ascertainment"):
            assert comp.range is not None, comp.name
    for name in ("ascertainment_deaths", "ascertainment_serious_harm"):
        assert assumptions.components[name].source == "assumption"
        assert assumptions.components[name].rag == "red"
    log = assumptions.log()
    assert {"component", "source", "rag", "rationale", "range", "used_by"} <= set(log.columns)
    assert assumptions.simulation.n_draws >= u.MIN_DRAWS


@pytest.mark.parametrize(
    ("target", "observed"),
    [
        ("notified_deaths", 160),
        ("all_notifications", 357),
        ("serious_harm_incidents", 188),
        ("all_notifications", u.Observed(30, rounded_to=10)),
    ],
)
def test_every_target_simulates(
    assumptions: u.Assumptions, target: str, observed: u.Observed | int
) -> None:
    result = u.simulate(observed, assumptions.target(target), n_draws=20_000, seed=SEED)
    lo, hi = result.interval(0.95)
    assert lo < result.median < hi
    assert target in result.summary()


def test_serious_harm_ascertainment_raises_the_estimate(assumptions: u.Assumptions) -> None:
    # 188 notified; with 60% notified on average the incidents are about 188 / 0.6.
    result = u.simulate(188, assumptions.target("serious_harm_incidents"), seed=SEED)
    assert result.point == pytest.approx(188 / 0.6)
    assert result.interval(0.95)[0] > 188


def _base_config() -> dict[str, Any]:
    with assumptions_file().open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def apply(cfg: dict[str, Any]) -> None:
        keys = path.split(".")
        node = cfg
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return apply


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def apply(cfg: dict[str, Any]) -> None:
        keys = path.split(".")
        node = cfg
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return apply


def _rename_component(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def apply(cfg: dict[str, Any]) -> None:
        cfg["components"] = {new if k == old else k: v for k, v in cfg["components"].items()}
        for target in cfg["targets"].values():
            target["components"] = [new if c == old else c for c in target["components"]]

    return apply


ASC = "components.ascertainment_deaths"
BASE = "components.base_panel_to_dfe"


def _breakdown(index: int, key: str, value: object) -> Callable[[dict[str, Any]], None]:
    """Set (or, with value None, delete) ``key`` of breakdown ``index`` of the share."""

    def apply(cfg: dict[str, Any]) -> None:
        entry = cfg["components"]["definition_maltreatment_or_assault"]["breakdowns"][index]
        if value is None:
            del entry[key]
        else:
            entry[key] = value

    return apply


DEF = "components.definition_maltreatment_or_assault"


BAD_CONFIGS = [
    pytest.param(_set(f"{ASC}.range", [0.7, 1.2]), f"{ASC}.range", id="share-range-above-1"),
    pytest.param(
        _breakdown(0, "percentages", [80, 30]),
        f"{DEF}.breakdowns.panel_2020.percentages",
        id="shares-sum>1",
    ),
    pytest.param(
        _breakdown(0, "percentages", [-5, 8]),
        f"{DEF}.breakdowns.panel_2020.percentages",
        id="negative-share",
    ),
    pytest.param(_delete(f"{DEF}.base"), f"{DEF}.base", id="share-without-base"),
    pytest.param(_set(f"{DEF}.base", "ons"), f"{DEF}.base", id="share-unknown-base"),
    pytest.param(
        _breakdown(1, "base", None), f"{DEF}.breakdowns.ofsted_2014_15.base", id="breakdown-no-base"
    ),
    pytest.param(
        _breakdown(0, "source", None),
        f"{DEF}.breakdowns.panel_2020.source",
        id="breakdown-without-source",
    ),
    pytest.param(
        _breakdown(0, "source", "the Panel"),
        f"{DEF}.breakdowns.panel_2020.source",
        id="breakdown-source-not-url",
    ),
    pytest.param(
        _breakdown(2, "denominator", 0),
        f"{DEF}.breakdowns.ofsted_2015_16.denominator",
        id="breakdown-impossible-denominator",
    ),
    pytest.param(
        _breakdown(0, "colour", "red"), f"{DEF}.breakdowns.panel_2020.colour", id="breakdown-key"
    ),
    pytest.param(
        _breakdown(0, "role", "maybe"), f"{DEF}.breakdowns.panel_2020.role", id="breakdown-role"
    ),
    pytest.param(_delete(f"{DEF}.narrow_mapping"), f"{DEF}.narrow_mapping", id="no-mapping"),
    pytest.param(
        _set(f"{DEF}.narrow_mapping.count", 40),
        f"{DEF}.narrow_mapping.count",
        id="mapping-count-above-base",
    ),
    pytest.param(_set(f"{DEF}.sd_scale", 0), f"{DEF}.sd_scale", id="hyperprior-scale-zero"),
    pytest.param(_set(f"{BASE}.panel_count", 250), f"{BASE}.panel_count", id="panel>dfe"),
    pytest.param(_set(f"{BASE}.extra_share", 1.5), f"{BASE}.extra_share", id="extra-share>1"),
    pytest.param(_set(f"{BASE}.figure_base", "panel"), f"{BASE}.figure_base", id="base-same"),
    pytest.param(_set(f"{BASE}.range", [0.2, 0.4]), f"{BASE}.range", id="base-range-no-default"),
    pytest.param(_set(f"{ASC}.alpha", 0), f"{ASC}.alpha", id="beta-alpha-zero"),
    pytest.param(_set(f"{ASC}.beta", -1.5), f"{ASC}.beta", id="beta-negative"),
    pytest.param(_set("simulation.n_draws", 999), "simulation.n_draws", id="n-draws-999"),
    pytest.param(
        _set("targets.notified_deaths.components", ["chance", "chanse"]),
        "targets.notified_deaths.components",
        id="unknown-component-name",
    ),
    pytest.param(_set("components.timing.kind", "luck"), "components.timing.kind", id="bad-kind"),
    pytest.param(_set("simulations", {"n_draws": 5000}), "simulations", id="unknown-top-key"),
    pytest.param(_set(f"{ASC}.alpah", 27), f"{ASC}.alpah", id="unknown-component-key"),
    pytest.param(
        _set("targets.notified_deaths.colour", "red"),
        "targets.notified_deaths.colour",
        id="unknown-target-key",
    ),
    pytest.param(_delete("components.timing.source"), "components.timing.source", id="no-source"),
    pytest.param(_set("components.timing.source", "DfE"), "components.timing.source", id="bad-src"),
    pytest.param(_delete("components.revision.rag"), "components.revision.rag", id="no-rag"),
    pytest.param(_set("components.revision.rag", "purple"), "components.revision.rag", id="rag"),
    pytest.param(
        _delete("components.chance.rationale"), "components.chance.rationale", id="no-why"
    ),
    pytest.param(_set("simulation.conf_levels", [95]), "simulation.conf_levels", id="level-95"),
    pytest.param(_set("components.timing.sd_log", -0.1), "components.timing.sd_log", id="sd<0"),
    pytest.param(
        _set("components.timing.range", [1.05, 0.95]), "components.timing.range", id="rev"
    ),
    pytest.param(
        _set("components.timing.range", [1.1, 1.2]),
        "components.timing.range",
        id="range-no-default",
    ),
    pytest.param(_set(f"{DEF}.share", 0.3), f"{DEF}.share", id="share-and-breakdowns"),
    pytest.param(
        _set("targets.notified_deaths.components", ["chance", "ascertainment_deaths", "chance"]),
        "targets.notified_deaths.components",
        id="two-of-one-kind",
    ),
    # A result's tables are keyed by name: a component named as one of their other rows would
    # overwrite it (a review found the decomposition's total read 0 for one named "total").
    pytest.param(_rename_component("timing", "total"), "components.total", id="named-total"),
    pytest.param(_rename_component("timing", "split"), "components.split", id="named-split"),
    pytest.param(_set("version", 2), "version", id="version"),
    pytest.param(_set("components.timing.notes", [3]), "components.timing.notes", id="notes"),
    pytest.param(
        _set("components.rounding.suppressed_range", [5, 1]),
        "components.rounding.suppressed_range",
        id="suppressed-range",
    ),
]


@pytest.mark.parametrize(("mutate", "key"), BAD_CONFIGS)
def test_bad_config_names_key_and_file(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], key: str
) -> None:
    cfg = copy.deepcopy(_base_config())
    mutate(cfg)
    path = tmp_path / "assumptions.yml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        u.load_assumptions(path)
    assert info.value.key == key
    assert info.value.path == str(path)
    assert key in str(info.value) and str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_definition_share_outside_unit_interval(tmp_path: Path) -> None:
    cfg = _base_config()
    entry = cfg["components"]["definition_maltreatment_or_assault"]
    for key in ("breakdowns", "narrow_mapping", "sd_scale", "range"):
        entry.pop(key)
    entry["share"] = 1.5
    path = tmp_path / "a.yml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[0, 1\]") as info:
        u.load_assumptions(path)
    assert info.value.key == "components.definition_maltreatment_or_assault.share"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("components: {}\ncomponents: {}\ntargets: {}\n", "duplicate key"),
        ("components: [unclosed\n", "invalid YAML at line"),
        ("- a list\n", "mapping"),
    ],
)
def test_unreadable_config(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match) as info:
        u.load_assumptions(path)
    assert info.value.path == str(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read") as info:
        u.load_assumptions(tmp_path / "nope.yml")
    assert info.value.path == str(tmp_path / "nope.yml")


def test_components_must_be_one_per_kind() -> None:
    with pytest.raises(ParameterError, match="at most one of each kind"):
        u.simulate(
            160,
            [u.Chance(name="a", rationale="r"), u.Chance(name="b", rationale="r")],
            n_draws=1000,
        )


def test_switch_unknown_component(deaths: u.Target) -> None:
    with pytest.raises(ParameterError, match="unknown component 'chanse'"):
        u.switch(deaths, off=["chanse"])
    switched = u.switch(deaths, off=["ascertainment"])
    assert [c.enabled for c in switched.components if c.kind == "ascertainment"] == [False]
    assert all(c.enabled for c in deaths.components)  # input unchanged


@pytest.mark.parametrize("name", ["total", "interaction", "split", "unnotified"])
def test_an_ad_hoc_component_may_not_take_the_name_of_a_results_row(name: str) -> None:
    chance = u.Chance(name="chance", source="assumption", rag="green", rationale="x")
    named = u.Timing(name=name, sd_log=0.2, source="assumption", rag="amber", rationale="x")
    with pytest.raises(ParameterError, match=f"may not be named '{name}'"):
        u.simulate(40, [chance, named], n_draws=u.MIN_DRAWS)
    assert set(u.assumptions.RESERVED_NAMES) >= {"total", "interaction"} | set(
        simulation.REALISED_PARTS
    )


def test_two_ad_hoc_components_may_not_share_a_name() -> None:
    chance = u.Chance(name="x", source="assumption", rag="green", rationale="x")
    timing = u.Timing(name="x", sd_log=0.2, source="assumption", rag="amber", rationale="x")
    with pytest.raises(ParameterError, match="two components are named 'x'"):
        u.simulate(40, [chance, timing], n_draws=u.MIN_DRAWS)
