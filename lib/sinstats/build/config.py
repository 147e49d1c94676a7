"""The run matrix file ``reports.yml``: read it, check every key and value, name what is wrong.

:func:`load_config` returns a :class:`BuildConfig` of :class:`NotebookConfig` entries, or raises
:class:`~sinstats.errors.ConfigError` naming the file and the key (``notebooks.<name>.years[0]``)
before any notebook runs. Which years and parameters each notebook then gets is
:mod:`sinstats.build.matrix`'s job.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sinstats import paths
from sinstats._nesting import too_deep
from sinstats.errors import ConfigError, PeriodError
from sinstats.periods import FINANCIAL_YEAR, Period, parse_period

RESERVED_PARAMETERS: tuple[str, ...] = ("year", "data_dir", "output_dir")
"""Parameters the pipeline sets itself; every notebook must declare them."""

CONFIG_KEYS: tuple[str, ...] = (
    "version",
    "timeout",
    "years",
    "first_year",
    "defaults",
    "notebooks",
)
"""The top-level keys ``reports.yml`` may have."""

_MAX_CONFIG_BYTES = 1_000_000
_MAX_CONFIG_DEPTH = 32
"""Nesting refused before the YAML parser runs (:func:`sinstats._nesting.too_deep`)."""

NOTEBOOK_KEYS: tuple[str, ...] = ("year_specific", "years", "parameters", "timeout")
"""The keys a notebook entry may have."""


@dataclass(frozen=True)
class NotebookConfig:
    """One notebook entry of ``reports.yml``.

    Parameters
    ----------
    name : str
        File name without ``.ipynb``.
    path : Path
        The notebook file.
    year_specific : bool
        Whether it runs for every configured year (else only for the latest).
    parameters : dict
        Values for this notebook only.
    timeout : int
        Seconds allowed per cell.
    years : str or tuple of str, optional
        This notebook's own ``years`` (``"all"`` or ids); None means the top-level ``years``.
    """

    name: str
    path: Path
    year_specific: bool
    parameters: dict[str, Any]
    timeout: int
    years: str | tuple[str, ...] | None = None


@dataclass(frozen=True)
class BuildConfig:
    """The validated contents of ``reports.yml``.

    Parameters
    ----------
    path : Path
        The ``reports.yml`` that was read.
    timeout : int
        Default seconds per cell.
    years : str or tuple of str
        ``"all"`` or the canonical ids of the listed years.
    first_year : Period
        First year of the default matrix.
    defaults : dict
        Parameters for every notebook that declares them.
    notebooks : tuple of NotebookConfig
        In report order.
    """

    path: Path
    timeout: int
    years: str | tuple[str, ...]
    first_year: Period
    defaults: dict[str, Any]
    notebooks: tuple[NotebookConfig, ...]

    def notebook(self, name: str) -> NotebookConfig:
        """Return the entry called ``name``.

        Parameters
        ----------
        name : str
            The notebook's file name without ``.ipynb``.

        Returns
        -------
        NotebookConfig
            The entry.

        Raises
        ------
        KeyError
            If no entry has that name.
        """
        for nb in self.notebooks:
            if nb.name == name:
                return nb
        raise KeyError(name)


def _available_notebooks(notebooks_dir: Path) -> list[str]:
    return sorted(p.stem for p in notebooks_dir.glob("*.ipynb") if p.is_file())


def _check_keys(
    mapping: Mapping[str, Any], allowed: Sequence[str], path: Path, where: str = ""
) -> None:
    for key in mapping:
        if key not in allowed:
            full = f"{where}.{key}" if where else str(key)
            raise ConfigError(
                f"unknown key; allowed keys here: {', '.join(allowed)}", path=str(path), key=full
            )


def _positive_int(value: object, path: Path, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(
            f"must be a whole number of seconds above 0; got {value!r}", path=str(path), key=key
        )
    return value


def _scalar_mapping(value: object, path: Path, key: str) -> dict[str, Any]:
    """Read a ``defaults``/``parameters`` mapping: identifiers to strings, numbers or booleans."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError("must be a mapping of parameter: value", path=str(path), key=key)
    out: dict[str, Any] = {}
    for name, item in value.items():
        where = f"{key}.{name}"
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(
                "parameter names must be Python identifiers", path=str(path), key=where
            )
        if name in RESERVED_PARAMETERS:
            raise ConfigError(
                f"'{name}' is set by the pipeline (year from --year or `years`, data_dir from "
                "--data-dir, output_dir per run) and may not be given here",
                path=str(path),
                key=where,
            )
        if not isinstance(item, (str, int, float, bool)):
            raise ConfigError(
                f"must be a string, number or true/false; got {type(item).__name__}",
                path=str(path),
                key=where,
            )
        out[name] = item
    return out


def _financial_year(text: str, path: Path, key: str, expected: str) -> Period:
    """Parse one April-March year; ``expected`` ends the message when it is another kind."""
    try:
        p = parse_period(text)
    except PeriodError as err:
        raise ConfigError(str(err), path=str(path), key=key) from None
    if p.kind != FINANCIAL_YEAR:
        raise ConfigError(f"must be {expected}", path=str(path), key=key)
    return p


def _parse_years(value: object, path: Path, key: str) -> str | tuple[str, ...]:
    """Read a ``years`` value: ``"all"`` or a list of April-March years (canonical ids)."""
    if value == "all":
        return "all"
    if not isinstance(value, list) or not value:
        raise ConfigError(
            f"must be 'all' or a non-empty list of years such as ['2024-25', '2025-26']; "
            f"got {value!r}",
            path=str(path),
            key=key,
        )
    ids = []
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ConfigError(
                f"each year must be text such as '2025-26'; got {item!r}",
                path=str(path),
                key=f"{key}[{i}]",
            )
        ids.append(_financial_year(str(item), path, f"{key}[{i}]", "an April-March year").id)
    return tuple(dict.fromkeys(ids))


def _read_yaml(cfg_path: Path) -> dict[str, Any]:
    """Return the file's top-level mapping, or raise ConfigError saying why it is not one."""
    import yaml

    if not cfg_path.is_file():
        raise ConfigError("the run matrix file does not exist", path=str(cfg_path))
    try:
        size = cfg_path.stat().st_size
        if size > _MAX_CONFIG_BYTES:
            raise ConfigError(
                f"the file is {size:,} bytes; a run matrix is a few hundred (at most 1 MB)",
                path=str(cfg_path),
            )
        text = cfg_path.read_text(encoding="utf-8")
        deep = too_deep(text, _MAX_CONFIG_DEPTH)
        if deep is not None:
            raise ConfigError(
                f"nested more than {_MAX_CONFIG_DEPTH} levels deep at line {deep}; a run matrix "
                "nests four",
                path=str(cfg_path),
            )
        raw = yaml.safe_load(text)
    except OSError as err:
        raise ConfigError(
            f"cannot read the file: {err.strerror or err}", path=str(cfg_path)
        ) from None
    except RecursionError:
        raise ConfigError("nested too deeply to be a run matrix", path=str(cfg_path)) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"not valid YAML{where}: {problem}", path=str(cfg_path)) from None
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path=str(cfg_path)) from None
    if not isinstance(raw, dict):
        raise ConfigError(
            "must be a YAML mapping with keys " + ", ".join(CONFIG_KEYS), path=str(cfg_path)
        )
    return raw


def _notebook_entry(
    name: object,
    entry: object,
    cfg_path: Path,
    nb_dir: Path,
    available: Sequence[str],
    timeout: int,
) -> NotebookConfig:
    """Check one ``notebooks.<name>`` entry against the notebooks on disk."""
    key = f"notebooks.{name}"
    if not isinstance(name, str) or name not in available:
        listed = ", ".join(available) if available else f"(none in {nb_dir})"
        raise ConfigError(
            f"no notebook {name!r} in {nb_dir}; notebooks there: {listed}",
            path=str(cfg_path),
            key=key,
        )
    if entry is None:
        entry = {}
    if not isinstance(entry, dict):
        raise ConfigError(
            "must be a mapping with keys " + ", ".join(NOTEBOOK_KEYS), path=str(cfg_path), key=key
        )
    _check_keys(entry, NOTEBOOK_KEYS, cfg_path, key)
    year_specific = entry.get("year_specific")
    if not isinstance(year_specific, bool):
        raise ConfigError(
            f"must be true or false; got {year_specific!r}",
            path=str(cfg_path),
            key=f"{key}.year_specific",
        )
    nb_years = None
    if "years" in entry:
        if not year_specific:
            raise ConfigError(
                "only a year-specific notebook can have its own years "
                "(set year_specific: true, or remove years)",
                path=str(cfg_path),
                key=f"{key}.years",
            )
        nb_years = _parse_years(entry["years"], cfg_path, f"{key}.years")
    return NotebookConfig(
        name=name,
        path=nb_dir / f"{name}.ipynb",
        year_specific=year_specific,
        years=nb_years,
        parameters=_scalar_mapping(entry.get("parameters"), cfg_path, f"{key}.parameters"),
        timeout=_positive_int(entry.get("timeout", timeout), cfg_path, f"{key}.timeout"),
    )


def load_config(
    path: str | os.PathLike[str] | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
) -> BuildConfig:
    """Read and validate ``reports.yml``.

    Parameters
    ----------
    path : path-like, optional
        The file (default: ``reports.yml`` at the project root).
    notebooks_dir : path-like, optional
        Where the notebooks named in the file live (default: ``notebooks/``).

    Returns
    -------
    BuildConfig
        The checked matrix, notebooks in the file's order.

    Raises
    ------
    ConfigError
        If the file is missing, is not YAML, has an unknown key, names a notebook that does not
        exist, or holds a value of the wrong kind; the message names the file and the key.
    """
    cfg_path = Path(path) if path is not None else paths.REPORTS_YML
    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS_DIR
    raw = _read_yaml(cfg_path)
    _check_keys(raw, CONFIG_KEYS, cfg_path)
    for required in ("version", "notebooks"):
        if required not in raw:
            raise ConfigError("missing required key", path=str(cfg_path), key=required)
    if raw["version"] != 1 or isinstance(raw["version"], bool):
        raise ConfigError(
            f"unsupported version {raw['version']!r}; only 1 exists",
            path=str(cfg_path),
            key="version",
        )
    timeout = _positive_int(raw.get("timeout", 600), cfg_path, "timeout")
    first_year = _financial_year(
        str(raw.get("first_year", "2014-15")),
        cfg_path,
        "first_year",
        "an April-March year such as '2014-15'",
    )
    years = _parse_years(raw.get("years", "all"), cfg_path, "years")
    defaults = _scalar_mapping(raw.get("defaults"), cfg_path, "defaults")
    nbs_raw = raw["notebooks"]
    if not isinstance(nbs_raw, dict) or not nbs_raw:
        raise ConfigError(
            "must be a non-empty mapping of notebook name: settings",
            path=str(cfg_path),
            key="notebooks",
        )
    available = _available_notebooks(nb_dir)
    notebooks = tuple(
        _notebook_entry(name, entry, cfg_path, nb_dir, available, timeout)
        for name, entry in nbs_raw.items()
    )
    return BuildConfig(cfg_path, timeout, years, first_year, defaults, notebooks)
