"""sinstats.build.matrix: runs per notebook and year, parameters merged and checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sinstats import data, paths
from sinstats.build.config import BuildConfig
from sinstats.build.matrix import plan
from sinstats.errors import ConfigError, ParameterError

ConfigFactory = Callable[..., BuildConfig]

MATRIX = (
    "version: 1\nyears: ['2024-25', '2025-26']\ndefaults: {conf_level: 0.9}\nnotebooks:\n"
    "  01-a: {year_specific: true, parameters: {conf_level: 0.8}}\n"
    "  02-b: {year_specific: false}\n"
)


def test_plan_orders_runs_and_layers_parameters(
    config_factory: ConfigFactory, tmp_path: Path
) -> None:
    config = config_factory(MATRIX)
    runs = plan(config, parameters={"conf_level": "0.99"}, cache_dir=tmp_path / ".cache")
    latest = data.latest_period().id
    assert [r.id for r in runs] == [f"{latest}/01-a", f"{latest}/02-b", "2024-25/01-a"]
    assert all(r.parameters["conf_level"] == 0.99 for r in runs), "-p wins over reports.yml"
    assert runs[0].parameters["data_dir"] == str(paths.data_dir())
    assert runs[0].declared["output_dir"] == "'.'"
    assert (tmp_path / ".cache" / "parameters.json").is_file()
    without_cli = plan(config, notebooks=["01-a.ipynb"], years=["2024-25"])
    assert [(r.id, r.parameters["conf_level"]) for r in without_cli] == [("2024-25/01-a", 0.8)]


def test_plan_refusals(config_factory: ConfigFactory) -> None:
    config = config_factory(MATRIX)
    with pytest.raises(ParameterError, match="unknown notebook '03'"):
        plan(config, notebooks=["03"])
    with pytest.raises(ParameterError, match="valid names: conf_level"):
        plan(config, parameters={"colour": "red"})
    with pytest.raises(ParameterError, match="must be a number"):
        plan(config, parameters={"conf_level": "high"})
    bad = config_factory(MATRIX.replace("defaults: {conf_level: 0.9}", "defaults: {zzz: 1}"))
    with pytest.raises(ConfigError, match="no notebook declares this parameter") as err:
        plan(bad)
    assert err.value.key == "defaults.zzz"


def test_years_before_the_comparable_series_say_why(config_factory: ConfigFactory) -> None:
    """2012-13 and 2013-14: the earlier Ofsted definition, not comparable (never "no total")."""
    config = config_factory(MATRIX)
    with pytest.raises(ParameterError, match="no report is configured for 2013-14") as err:
        plan(config, years=["2013-14"])
    assert "earlier Ofsted definition, not comparable" in str(err.value)
    early = config_factory(MATRIX.replace("years: ['2024-25', '2025-26']", "years: ['2013-14']"))
    with pytest.raises(ConfigError, match="earlier Ofsted definition, not comparable") as bad:
        plan(early)
    assert bad.value.key == "years[0]"
    first = config_factory(MATRIX.replace("version: 1\n", "version: 1\nfirst_year: '2013-14'\n"))
    with pytest.raises(ConfigError, match="first_year must be 2014-15 or later") as why:
        plan(first)
    assert why.value.key == "first_year"


def test_an_invalid_breaks_file_stops_the_plan(
    config_factory: ConfigFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    (folder / "published").mkdir(parents=True)
    for f in paths.published_dir().iterdir():
        (folder / "published" / f.name).write_bytes(f.read_bytes())
    (folder / "SHA256SUMS").write_bytes((paths.data_dir() / "SHA256SUMS").read_bytes())
    text = paths.breaks_file().read_text(encoding="utf-8").replace("kind: step", "kind: stepp")
    (folder / "breaks.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown kind 'stepp'") as err:
        plan(config_factory(MATRIX), data_dir=folder)
    assert "breaks.yml" in str(err.value) and "field 'kind'" in str(err.value)


def test_values_are_checked_against_the_declared_choices(config_factory: ConfigFactory) -> None:
    config = config_factory(MATRIX)
    # conf_level is a proportion (present.params.check_conf_level): 95 means 0.95.
    with pytest.raises(ParameterError, match=r"-p conf_level=95: notebook 01-a: .*not 95"):
        plan(config, parameters={"conf_level": "95"})
    bad = config_factory(MATRIX.replace("conf_level: 0.8", "conf_level: 1.5"))
    with pytest.raises(ConfigError, match="proportion in") as err:
        plan(bad)
    assert err.value.key == "notebooks.01-a.parameters.conf_level"


def test_wilson_for_notebook_01_exits_2_before_any_kernel(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sinstats import cli
    from sinstats.build import execute
    from sinstats.present import params

    def no_kernel(*args: object, **kwargs: object) -> None:
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(execute, "execute_all", no_kernel)
    monkeypatch.setattr(execute, "execute_run", no_kernel)
    argv = ["build", "--notebook", "01", "-p", "method=wilson", "--out", str(tmp_path / "r")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "method 'wilson' is not a known interval method for counts" in err
    # Every valid value is listed (the registry the notebook's own check uses).
    assert "choose one of " + ", ".join(params.METHODS) in err
    assert "Traceback" not in err
    assert not (tmp_path / "r" / "manifest.json").exists()


MEMO = {"library": "a" * 64, "packages": {"python": "3.11"}}


def _copy_data(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "data"
    shutil.copytree(paths.data_dir(), target)
    return target


def test_the_plan_memo_gives_the_same_runs_and_follows_every_input(
    config_factory: ConfigFactory, tmp_path: Path
) -> None:
    config = config_factory(MATRIX)
    data_dir = _copy_data(tmp_path)
    cache = tmp_path / ".cache"
    fresh = plan(config, data_dir=data_dir, cache_dir=tmp_path / "other")
    first = plan(config, data_dir=data_dir, cache_dir=cache, memo=MEMO)
    assert (cache / "plan.json").is_file()
    remembered = plan(config, data_dir=data_dir, cache_dir=cache, memo=MEMO)
    assert remembered == first == fresh
    # The same key as the first plan: the remembered runs, not a new plan.
    from sinstats.build import matrix

    key = matrix.plan_key(config, data_dir, None, None, None, MEMO)
    assert json.loads((cache / "plan.json").read_text())["key"] == key
    # Any input changes the key: a data file, the library, the selection, the parameters.
    for changed in (
        matrix.plan_key(config, data_dir, None, None, None, {**MEMO, "library": "b" * 64}),
        matrix.plan_key(config, data_dir, ["2025-26"], None, None, MEMO),
        matrix.plan_key(config, data_dir, None, ["01"], None, MEMO),
        matrix.plan_key(config, data_dir, None, None, {"conf_level": "0.8"}, MEMO),
    ):
        assert changed != key
    (data_dir / "breaks.yml").write_text((data_dir / "breaks.yml").read_text() + "\n# edited\n")
    assert matrix.plan_key(config, data_dir, None, None, None, MEMO) != key
    # With other inputs the plan is made afresh and remembered under the new key.
    again = plan(config, data_dir=data_dir, cache_dir=cache, memo=MEMO)
    assert again == fresh
    assert json.loads((cache / "plan.json").read_text())["key"] != key


def test_a_forged_plan_memo_is_refused_and_the_runs_planned_afresh(
    config_factory: ConfigFactory, tmp_path: Path
) -> None:
    config = config_factory(MATRIX)
    data_dir = _copy_data(tmp_path)
    cache = tmp_path / ".cache"
    fresh = plan(config, data_dir=data_dir, cache_dir=cache, memo=MEMO)
    doc = json.loads((cache / "plan.json").read_text())
    forged = [
        {**doc, "runs": [{**doc["runs"][0], "notebook": "99-unknown"}]},
        {**doc, "runs": [{**doc["runs"][0], "period": "2025"}]},
        {**doc, "runs": [{**doc["runs"][0], "parameters": {"year": "2025-26", "x": [1]}}]},
        {
            **doc,
            "runs": [{**doc["runs"][0], "parameters": {**doc["runs"][0]["parameters"], "z": 1}}],
        },
        {**doc, "key": "not a key"},
        {**doc, "parameter_cache": "not a hash"},
        {**doc, "version": 0},
        [],
    ]
    for bad in forged:
        (cache / "plan.json").write_text(json.dumps(bad))
        notes: list[str] = []
        runs = plan(config, data_dir=data_dir, cache_dir=cache, memo=MEMO, warn=notes.append)
        assert runs == fresh
        assert any("plan.json is not valid" in n for n in notes), bad


def test_a_plan_memo_is_not_used_beside_a_parameter_cache_changed_since(
    config_factory: ConfigFactory, tmp_path: Path
) -> None:
    # Planning reads the parameter cache too: a memo written beside one cache must not hide
    # that the cache was broken or edited since (the cache is then read, and refused, afresh).
    config = config_factory(MATRIX)
    data_dir = _copy_data(tmp_path)
    cache = tmp_path / ".cache"
    fresh = plan(config, data_dir=data_dir, cache_dir=cache, memo=MEMO)
    doc = json.loads((cache / "plan.json").read_text())
    assert (
        doc["parameter_cache"]
        == hashlib.sha256((cache / "parameters.json").read_bytes()).hexdigest()
    )
    (cache / "parameters.json").write_text("[]")
    notes: list[str] = []
    runs = plan(config, data_dir=data_dir, cache_dir=cache, memo=MEMO, warn=notes.append)
    assert runs == fresh
    assert any("parameters.json" in n and "plan.json" not in n for n in notes), notes
