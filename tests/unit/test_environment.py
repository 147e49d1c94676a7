"""environment.yml (conda) and pyproject.toml (pip) must name the same dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml

from sinstats import paths


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict[str, str]:
    meta = tomllib.loads((paths.PROJ_ROOT / "pyproject.toml").read_text())["project"]
    extras = meta["optional-dependencies"]
    specs = list(meta["dependencies"]) + list(extras["test"]) + list(extras["bench"])
    return {_name(s): s.replace(" ", "") for s in specs}


def _environment() -> dict[str, str]:
    env = yaml.safe_load((paths.PROJ_ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for spec in items:
            if spec.startswith("-e") or _name(spec) in ("python", "pip"):
                continue
            out[_name(spec)] = spec.replace(" ", "")
    return out


def test_same_dependency_names() -> None:
    py, env = _pyproject(), _environment()
    assert sorted(set(py) - set(env)) == [], "in pyproject.toml but not environment.yml"
    assert sorted(set(env) - set(py)) == [], "in environment.yml but not pyproject.toml"


def test_same_version_bounds() -> None:
    py, env = _pyproject(), _environment()
    differing = {k: (py[k], env[k]) for k in py if k in env and py[k].lower() != env[k].lower()}
    assert differing == {}


def test_environment_installs_project_editable() -> None:
    env = yaml.safe_load((paths.PROJ_ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    assert env["channels"] == ["conda-forge"]
