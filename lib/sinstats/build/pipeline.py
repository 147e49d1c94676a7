"""Build every report: run matrix, parallel execution, incremental cache, lock and manifest.

``sinstats build`` (``make reports``) reads the run matrix from ``reports.yml``, checks every run's
parameters against the notebook's own ``parameters`` cell, skips the runs whose inputs have not
changed since their last successful build, executes the others with papermill (one kernel per
run, in parallel worker processes, each in its own temporary folder), exports each executed
notebook to HTML and PDF (:mod:`sinstats.build.report`), moves each run's outputs into
``reports/<period>/<notebook>/`` only when the whole run has succeeded, and finally writes the
per-period ``tables.xlsx``, ``reports/index.html`` and ``reports/manifest.json``.

Heavy packages (papermill, nbconvert, WeasyPrint, gptables) are imported only when a run or an
export actually happens, so a rebuild with nothing to do starts no kernel and finishes in about a
second. See ``docs/pipeline.md`` for the rules in words.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sinstats import __version__, paths
from sinstats.errors import (
    BuildLockedError,
    ConfigError,
    ParameterError,
    PeriodError,
    SinstatsError,
)
from sinstats.periods import FINANCIAL_YEAR, Period, parse_period

# --------------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------------

MANIFEST_NAME = "manifest.json"
INDEX_NAME = "index.html"
LOCK_NAME = ".lock"
TMP_NAME = ".tmp"
CACHE_NAME = ".cache"
FAILED_NAME = "_failed"
CHECKS_NAME = "_checks"
MANIFEST_SCHEMA = 1
KERNEL_NAME = "python3"
"""The kernel every run uses: the venv's own ``python3`` kernel (jupyter_client starts it with
``sys.executable`` of the worker, i.e. the interpreter that runs ``sinstats``)."""

RESERVED_PARAMETERS: tuple[str, ...] = ("year", "data_dir", "output_dir")
"""Parameters the pipeline sets itself; every notebook must declare them."""

PACKAGES: tuple[str, ...] = (
    "afcharts",
    "gptables",
    "ipykernel",
    "jsonschema",
    "jupyter_client",
    "matplotlib",
    "nbclient",
    "nbconvert",
    "nbformat",
    "numpy",
    "pandas",
    "papermill",
    "pydyf",
    "pyyaml",
    "scipy",
    "sinstats",
    "statsmodels",
    "weasyprint",
    "xlsxwriter",
)
"""Packages whose versions enter every run's hash and the manifest."""

CONFIG_KEYS: tuple[str, ...] = (
    "version",
    "timeout",
    "years",
    "first_year",
    "defaults",
    "notebooks",
)
NOTEBOOK_KEYS: tuple[str, ...] = ("year_specific", "years", "parameters", "timeout")

KERNEL_ARGUMENTS: tuple[str, ...] = (
    # Vector figures inline (crisp in print); SVG first, PNG as the fallback for viewers.
    "--InlineBackend.figure_formats=svg",
    "--InlineBackend.figure_formats=png",
    # No "running over TCP without encryption" warning on every run's console.
    "--IPKernelApp.log_level=ERROR",
    # Parallel kernels would otherwise contend for one IPython history database.
    "--HistoryManager.enabled=False",
)

_KERNEL_DIED = "Kernel died before replying to kernel_info"

OK = "ok"
FAILED = "failed"
SKIPPED = "skipped"


# --------------------------------------------------------------------------------------------
# Configuration (reports.yml)
# --------------------------------------------------------------------------------------------


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
        The file read.
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
        """Return the entry called ``name``."""
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
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError("must be a mapping of parameter: value", path=str(path), key=key)
    out: dict[str, Any] = {}
    for name, item in value.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(
                "parameter names must be Python identifiers", path=str(path), key=f"{key}.{name}"
            )
        if name in RESERVED_PARAMETERS:
            raise ConfigError(
                f"'{name}' is set by the pipeline (year from --year or `years`, data_dir from "
                "--data-dir, output_dir per run) and may not be given here",
                path=str(path),
                key=f"{key}.{name}",
            )
        if not isinstance(item, (str, int, float, bool)):
            raise ConfigError(
                f"must be a string, number or true/false; got {type(item).__name__}",
                path=str(path),
                key=f"{key}.{name}",
            )
        out[name] = item
    return out


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
        try:
            p = parse_period(str(item))
        except PeriodError as err:
            raise ConfigError(str(err), path=str(path), key=f"{key}[{i}]") from None
        if p.kind != FINANCIAL_YEAR:
            raise ConfigError("must be an April-March year", path=str(path), key=f"{key}[{i}]")
        ids.append(p.id)
    return tuple(dict.fromkeys(ids))


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

    Raises
    ------
    ConfigError
        If the file is missing, is not YAML, has an unknown key, names a notebook that does not
        exist, or holds a value of the wrong kind; the message names the file and the key.
    """
    import yaml

    cfg_path = Path(path) if path is not None else paths.REPORTS_YML
    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else paths.NOTEBOOKS_DIR
    if not cfg_path.is_file():
        raise ConfigError("the run matrix file does not exist", path=str(cfg_path))
    try:
        raw = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
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
    first_text = raw.get("first_year", "2014-15")
    try:
        first_year = parse_period(str(first_text))
    except PeriodError as err:
        raise ConfigError(str(err), path=str(cfg_path), key="first_year") from None
    if first_year.kind != FINANCIAL_YEAR:
        raise ConfigError(
            "must be an April-March year such as '2014-15'", path=str(cfg_path), key="first_year"
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
    notebooks = []
    for name, entry in nbs_raw.items():
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
                "must be a mapping with keys " + ", ".join(NOTEBOOK_KEYS),
                path=str(cfg_path),
                key=key,
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
        notebooks.append(
            NotebookConfig(
                name=name,
                path=nb_dir / f"{name}.ipynb",
                year_specific=year_specific,
                years=nb_years,
                parameters=_scalar_mapping(entry.get("parameters"), cfg_path, f"{key}.parameters"),
                timeout=_positive_int(entry.get("timeout", timeout), cfg_path, f"{key}.timeout"),
            )
        )
    return BuildConfig(
        path=cfg_path,
        timeout=timeout,
        years=years,
        first_year=first_year,
        defaults=defaults,
        notebooks=tuple(notebooks),
    )


# --------------------------------------------------------------------------------------------
# Notebook parameters (papermill's inspect_notebook, cached by notebook hash)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredParameter:
    """A parameter declared in a notebook's ``parameters`` cell.

    Parameters
    ----------
    name : str
        The variable name.
    type_name : str
        The annotation (``str``, ``int``, ``float``, ``bool``) or papermill's inferred type.
    default : str
        The default as written in the cell.
    help : str
        The trailing comment.
    """

    name: str
    type_name: str
    default: str
    help: str


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


class _ParameterCache:
    """``{notebook sha256: declared parameters}`` kept in ``reports/.cache/`` across builds."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, dict[str, dict[str, str]]] = {}
        self.changed = False
        if path is not None and path.is_file():
            with contextlib.suppress(OSError, ValueError):
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict):
                    self.entries = loaded

    def declared(self, notebook: Path, sha: str) -> dict[str, DeclaredParameter]:
        if sha not in self.entries:
            self.entries[sha] = _inspect_notebook(notebook)
            self.changed = True
        return {
            name: DeclaredParameter(
                name=name,
                type_name=str(item.get("type", "")),
                default=str(item.get("default", "")),
                help=str(item.get("help", "")),
            )
            for name, item in self.entries[sha].items()
        }

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _write_text_atomic(self.path, json.dumps(self.entries, indent=1, sort_keys=True) + "\n")


def _inspect_notebook(notebook: Path) -> dict[str, dict[str, str]]:
    """Return papermill's view of the notebook's ``parameters`` cell."""
    import logging

    import papermill

    class _Collect(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    collect = _Collect()
    logger = logging.getLogger("papermill")
    logger.addHandler(collect)
    old_propagate = logger.propagate
    logger.propagate = False
    try:
        found = papermill.inspect_notebook(str(notebook))
    except Exception as err:  # papermill raises plain exceptions for unreadable notebooks
        raise ConfigError(
            f"cannot read the notebook's parameters: {err}", path=str(notebook)
        ) from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = old_propagate
    if collect.messages:
        raise ConfigError(
            "papermill cannot parse the `parameters` cell ("
            + "; ".join(collect.messages)
            + "); write one `name: type = value  # help` per line, without quotes or brackets "
            "in the help comment",
            path=str(notebook),
        )
    return {
        name: {
            "type": str(info.get("inferred_type_name") or ""),
            "default": str(info.get("default") or ""),
            "help": str(info.get("help") or ""),
        }
        for name, info in found.items()
    }


_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


def _type_of(declared: DeclaredParameter) -> str:
    """Return ``str``/``int``/``float``/``bool`` (or ``""`` when the cell gives no usable type)."""
    name = declared.type_name.strip().lower()
    if name in ("str", "int", "float", "bool"):
        return name
    # No annotation: infer from the default, as papermill's help does.
    import ast

    try:
        value = ast.literal_eval(declared.default)
    except (ValueError, SyntaxError):
        return ""
    for kind, typ in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if type(value) is typ:
            return kind
    return ""


def coerce_parameter(
    notebook: str, declared: DeclaredParameter, value: object, *, from_text: bool
) -> Any:
    """Check (and for ``-p`` text, convert) one parameter value against its declared type.

    Parameters
    ----------
    notebook : str
        The notebook name, for the message.
    declared : DeclaredParameter
        The declaration from the notebook's ``parameters`` cell.
    value : object
        The value from ``reports.yml`` or the text after ``-p name=``.
    from_text : bool
        True for command-line text (converted), False for YAML values (checked).

    Returns
    -------
    object
        The value to pass to papermill.

    Raises
    ------
    ParameterError
        If the value does not fit the declared type.
    """
    kind = _type_of(declared)

    def bad(expected: str) -> ParameterError:
        return ParameterError(
            f"parameter '{declared.name}' of notebook {notebook} must be {expected} "
            f"(declared `{declared.name}: {declared.type_name or 'any'} = {declared.default}`); "
            f"got {value!r}"
        )

    if kind == "":
        return value
    if from_text:
        assert isinstance(value, str)
        text = value.strip()
        if kind == "str":
            return value
        if kind == "bool":
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise bad("true or false")
        try:
            return int(text) if kind == "int" else float(text)
        except ValueError:
            raise bad("an integer" if kind == "int" else "a number") from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise bad("true or false")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad("an integer")
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise bad("a number")
    if isinstance(value, str):
        return value
    raise bad("text")


def parse_parameter_options(options: Sequence[str] | None) -> dict[str, str]:
    """Parse ``-p name=value`` options into ``{name: text}``.

    Raises
    ------
    ParameterError
        If an option has no ``=``, an invalid name, or names a parameter the pipeline sets.
    """
    out: dict[str, str] = {}
    for option in options or ():
        name, sep, value = option.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ParameterError(f"-p {option!r}: write -p name=value, e.g. -p conf_level=0.9")
        if name in RESERVED_PARAMETERS:
            hint = {"year": "--year", "data_dir": "--data-dir", "output_dir": "--out"}[name]
            raise ParameterError(f"-p {name}=...: the pipeline sets '{name}'; use {hint} instead")
        out[name] = value
    return out


# --------------------------------------------------------------------------------------------
# The run matrix
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One notebook executed for one year.

    Parameters
    ----------
    notebook : NotebookConfig
        The notebook.
    period : Period
        The April-March year (the latest for notebooks that are not year-specific).
    parameters : dict
        Every parameter passed to papermill except ``output_dir`` (set per run).
    declared : dict
        ``{name: default as written}`` of every parameter the notebook declares.
    """

    notebook: NotebookConfig
    period: Period
    parameters: dict[str, Any] = field(default_factory=dict)
    declared: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """``<period>/<notebook>``, also the run's folder under ``reports/``."""
        return f"{self.period.id}/{self.notebook.name}"


def _years_with_data(config: BuildConfig, data_dir: Path) -> tuple[list[Period], Period]:
    """Return (April-March years with data from ``first_year`` on, the latest year)."""
    from sinstats import data

    with_data = [
        p
        for p in (parse_period(x) for x in data.periods("sin_national", data_dir=data_dir))
        if p.kind == FINANCIAL_YEAR
    ]
    latest = data.latest_period(data_dir=data_dir)
    return [p for p in with_data if p >= config.first_year], latest


def _resolve_years(
    config: BuildConfig,
    spec: str | tuple[str, ...],
    key: str,
    eligible: Sequence[Period],
    latest: Period,
) -> list[Period]:
    """Turn a ``years`` value into periods (checked against the data), always with the latest."""
    if spec == "all":
        years = list(eligible)
    else:
        years = []
        for i, year_id in enumerate(spec):
            p = parse_period(year_id)
            if p not in eligible:
                raise ConfigError(
                    f"{p.id} is not an April-March year with data from {config.first_year.id} on; "
                    f"years with data: {', '.join(x.id for x in eligible)}",
                    path=str(config.path),
                    key=f"{key}[{i}]",
                )
            years.append(p)
    if latest not in years:
        years.append(latest)
    return sorted(years)


def _notebook_years(config: BuildConfig, data_dir: Path) -> tuple[dict[str, list[Period]], Period]:
    """Return ``{notebook: its years}`` and the latest year."""
    eligible, latest = _years_with_data(config, data_dir)
    top = _resolve_years(config, config.years, "years", eligible, latest)
    out: dict[str, list[Period]] = {}
    for nb in config.notebooks:
        if not nb.year_specific:
            out[nb.name] = [latest]
        elif nb.years is None:
            out[nb.name] = top
        else:
            out[nb.name] = _resolve_years(
                config, nb.years, f"notebooks.{nb.name}.years", eligible, latest
            )
    return out, latest


def _resolve_notebook(config: BuildConfig, name: str) -> NotebookConfig:
    stem = name[:-6] if name.endswith(".ipynb") else name
    stem = Path(stem).name
    for nb in config.notebooks:
        if nb.name == stem or nb.name.split("-", 1)[0] == stem:
            return nb
    names = ", ".join(nb.name for nb in config.notebooks)
    raise ParameterError(
        f"unknown notebook {name!r}; notebooks in {config.path.name}: {names} "
        "(give the name, the file name or its two-digit number)"
    )


def plan(
    config: BuildConfig,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    years: Sequence[str] | None = None,
    notebooks: Sequence[str] | None = None,
    parameters: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
    save_cache: bool = True,
) -> list[Run]:
    """Return the runs to consider, with their parameters checked against each notebook.

    Parameters
    ----------
    config : BuildConfig
        From :func:`load_config`.
    data_dir : path-like, optional
        The data folder passed to every notebook.
    years : sequence of str, optional
        Restrict to these years (any accepted form: ``2025-26``, ``2026``, ``202526``).
    notebooks : sequence of str, optional
        Restrict to these notebooks (name, file name or two-digit number).
    parameters : mapping, optional
        ``-p name=value`` texts; each must be declared by at least one selected notebook and is
        passed to those that declare it, converted to the declared type.
    cache_dir : Path, optional
        Where inspected parameter cells are cached (``reports/.cache``).
    save_cache : bool
        Write newly inspected cells to the cache (not in a dry run).

    Returns
    -------
    list of Run
        In report order: by year (latest first), then by notebook order in ``reports.yml``.

    Raises
    ------
    ParameterError
        Unknown year or notebook, or a parameter no selected notebook declares or of the wrong
        type; the message lists the valid choices.
    ConfigError
        A notebook without the contract's parameters, or a ``reports.yml`` value of the wrong
        type for the notebook.
    """
    data = paths.data_dir(data_dir)
    years_of, latest = _notebook_years(config, data)
    chosen = [_resolve_notebook(config, n) for n in notebooks] if notebooks else None
    selected_nbs = (
        list({nb.name: nb for nb in chosen}.values()) if chosen else list(config.notebooks)
    )
    config_years = sorted({p for nb in selected_nbs for p in years_of[nb.name]})
    selected_years: list[Period] | None = None
    if years:
        selected_years = []
        for text in years:
            try:
                selected_years.append(parse_period(text))
            except PeriodError as err:
                raise ParameterError(f"--year {text!r}: {err}") from None
        for nb in selected_nbs if chosen else ():
            if not set(years_of[nb.name]) & set(selected_years):
                what = (
                    f"is not year-specific: it runs for the latest year ({latest.id}) only"
                    if not nb.year_specific
                    else "runs for " + ", ".join(p.id for p in years_of[nb.name]) + " only"
                )
                raise ParameterError(
                    f"notebook {nb.name} {what}; choose one of those years or leave out --year"
                )
        for text, p in zip(years, selected_years, strict=True):
            if p not in config_years:
                raise ParameterError(
                    f"--year {text!r}: no report is configured for {p.label}; valid years: "
                    f"{', '.join(x.id for x in config_years)} (reports.yml `years`/`first_year`)"
                )
    cache = _ParameterCache(cache_dir / "parameters.json" if cache_dir is not None else None)
    declared_by: dict[str, dict[str, DeclaredParameter]] = {}
    for nb in selected_nbs:
        declared = cache.declared(nb.path, _sha256_file(nb.path))
        missing = [name for name in RESERVED_PARAMETERS if name not in declared]
        if missing:
            raise ConfigError(
                "the notebook's `parameters` cell must declare "
                + ", ".join(f"`{m}`" for m in missing)
                + " (the pipeline contract: year, data_dir and output_dir); it declares "
                + (", ".join(declared) if declared else "nothing (no cell tagged `parameters`)"),
                path=str(nb.path),
            )
        declared_by[nb.name] = declared
    if save_cache:
        cache.save()
    cli = dict(parameters or {})
    for name in cli:
        if not any(name in declared_by[nb.name] for nb in selected_nbs):
            valid = sorted(
                {n for d in declared_by.values() for n in d if n not in RESERVED_PARAMETERS}
            )
            raise ParameterError(
                f"-p {name}=...: no selected notebook declares a parameter '{name}'; "
                f"valid names: {', '.join(valid) if valid else '(none)'}"
            )
    all_defaults_declared = {n for d in declared_by.values() for n in d}
    for name in config.defaults:
        if name not in all_defaults_declared and not notebooks:
            raise ConfigError(
                "no notebook declares this parameter",
                path=str(config.path),
                key=f"defaults.{name}",
            )
    runs: list[Run] = []
    for nb in selected_nbs:
        declared = declared_by[nb.name]
        params: dict[str, Any] = {}
        for name, value in config.defaults.items():
            if name in declared:
                params[name] = _config_value(config, nb, declared[name], value, f"defaults.{name}")
        for name, value in nb.parameters.items():
            if name not in declared:
                names = ", ".join(n for n in declared if n not in RESERVED_PARAMETERS)
                raise ConfigError(
                    f"notebook {nb.name} does not declare a parameter '{name}'; "
                    f"it declares: {names}",
                    path=str(config.path),
                    key=f"notebooks.{nb.name}.parameters.{name}",
                )
            params[name] = _config_value(
                config, nb, declared[name], value, f"notebooks.{nb.name}.parameters.{name}"
            )
        for name, text in cli.items():
            if name in declared:
                params[name] = coerce_parameter(nb.name, declared[name], text, from_text=True)
        for p in years_of[nb.name]:
            if selected_years is not None and p not in selected_years:
                continue
            run_params = dict(params)
            run_params["year"] = p.id
            run_params["data_dir"] = str(data)
            runs.append(
                Run(
                    notebook=nb,
                    period=p,
                    parameters=run_params,
                    declared={n: d.default for n, d in declared.items()},
                )
            )
    if not runs:
        raise ParameterError(
            "the selection matches no run: notebooks that are not year-specific run for the latest "
            f"year ({latest.id}) only"
        )
    order = {nb.name: i for i, nb in enumerate(config.notebooks)}
    runs.sort(key=lambda r: (-r.period.start_year, order[r.notebook.name]))
    return runs


def _config_value(
    config: BuildConfig, nb: NotebookConfig, declared: DeclaredParameter, value: object, key: str
) -> Any:
    try:
        return coerce_parameter(nb.name, declared, value, from_text=False)
    except ParameterError as err:
        raise ConfigError(str(err), path=str(config.path), key=key) from None


# --------------------------------------------------------------------------------------------
# Hashes: what a run depends on
# --------------------------------------------------------------------------------------------


def package_versions() -> dict[str, str]:
    """Return ``{package: version}`` for :data:`PACKAGES` plus ``python``."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def library_hash() -> str:
    """Return one SHA-256 over every ``sinstats`` source file and template (sorted by path)."""
    root = paths.PACKAGE_DIR
    h = hashlib.sha256()
    files = [p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    for p in sorted(files, key=lambda x: x.relative_to(root).as_posix()):
        if p.suffix in (".pyc", ".pyo"):
            continue
        h.update(p.relative_to(root).as_posix().encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def config_files(data_dir: Path) -> dict[str, str]:
    """Return ``{path: sha256}`` of the files every run depends on besides what it reads.

    These are the uncertainty model's ``assumptions.yml``, the claims registers under ``claims/``
    and the ``SOURCE.json`` of every fetched official release under ``raw/``: the library may
    read them without recording it, and a newly fetched release changes what ``load`` returns.
    """
    found: list[Path] = []
    for pattern in ("assumptions.yml", "claims/*.yml", "claims/*.yaml", "raw/*/SOURCE.json"):
        found.extend(p for p in data_dir.glob(pattern) if p.is_file())
    return {_display_path(p): _sha256_file(p) for p in sorted(found)}


def _display_path(path: Path | str) -> str:
    """Return a path relative to the project root where possible (stable across clones)."""
    p = Path(path)
    try:
        return p.resolve().relative_to(paths.PROJ_ROOT).as_posix()
    except ValueError:
        return p.resolve().as_posix()


def _absolute(display: str) -> Path:
    p = Path(display)
    return p if p.is_absolute() else paths.PROJ_ROOT / p


class _HashCache:
    """SHA-256 of files and SHA256SUMS lines, each computed once per build."""

    def __init__(self) -> None:
        self.files: dict[str, str | None] = {}
        self.sums: dict[Path, dict[str, str] | None] = {}

    def file(self, display: str) -> str | None:
        if display not in self.files:
            p = _absolute(display)
            self.files[display] = _sha256_file(p) if p.is_file() else None
        return self.files[display]

    def sums_entry(self, display: str) -> str | None:
        """Return the SHA256SUMS checksum listed for a published file, or None."""
        p = _absolute(display)
        base = p.parent.parent
        if base not in self.sums:
            sums_path = base / "SHA256SUMS"
            entries: dict[str, str] | None = None
            if sums_path.is_file():
                entries = {}
                for line in sums_path.read_text(encoding="utf-8", errors="replace").splitlines():
                    parts = line.split(maxsplit=1)
                    if len(parts) == 2 and not line.startswith("#"):
                        entries[parts[1].lstrip("*")] = parts[0]
            self.sums[base] = entries
        entries = self.sums[base]
        if entries is None:
            return None
        return entries.get(p.relative_to(base).as_posix() if p.is_relative_to(base) else "")


def run_key(
    *,
    notebook_sha: str,
    library_sha: str,
    parameters: Mapping[str, Any],
    packages: Mapping[str, str],
    data_files: Mapping[str, str | None],
    sums_entries: Mapping[str, str | None],
    config: Mapping[str, str],
) -> str:
    """Return the hash of everything a run depends on.

    Parameters
    ----------
    notebook_sha, library_sha : str
        SHA-256 of the notebook's bytes and of the library sources (:func:`library_hash`).
    parameters : mapping
        Every papermill parameter except ``output_dir``.
    packages : mapping
        :func:`package_versions`.
    data_files : mapping
        ``{path: sha256}`` of every data file the run reads (None for a missing file).
    sums_entries : mapping
        ``{path: checksum listed in SHA256SUMS}`` for those files: a changed checksum list makes
        ``load`` accept or refuse a file, so it is a dependency too.
    config : mapping
        :func:`config_files`.

    Returns
    -------
    str
        Hex SHA-256 of the canonical JSON of all of the above.
    """
    payload = {
        "schema": MANIFEST_SCHEMA,
        "notebook": notebook_sha,
        "library": library_sha,
        "parameters": dict(parameters),
        "packages": dict(packages),
        "data_files": dict(sorted(data_files.items())),
        "sums": dict(sorted(sums_entries.items())),
        "config": dict(sorted(config.items())),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return _sha256_bytes(text.encode())


# --------------------------------------------------------------------------------------------
# Git, lock, small file helpers
# --------------------------------------------------------------------------------------------


def git_state(root: Path | None = None) -> dict[str, Any]:
    """Return ``{"commit": sha or None, "dirty": bool or None}`` for the project checkout."""
    root = root or paths.PROJ_ROOT
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit or None, "dirty": bool(status.strip())}


def _write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def build_lock(out_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold ``<out>/.lock`` (``fcntl.flock``) for the duration of a build.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    wait : float
        Seconds to wait for another build to finish before giving up.

    Raises
    ------
    BuildLockedError
        If another build still holds the lock after ``wait`` seconds.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    lock_path = out_dir / LOCK_NAME
    fh = open(lock_path, "a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    try:
                        holder = lock_path.read_text(encoding="utf-8").strip()
                    except OSError:
                        holder = ""
                    waited = f" after waiting {wait:g} s" if wait > 0 else ""
                    raise BuildLockedError(
                        f"another sinstats build is writing to {out_dir}{waited}"
                        + (f" ({holder})" if holder else "")
                        + "; let it finish, or pass --wait SECONDS to wait for it, "
                        "or build into another folder with --out"
                    ) from None
                time.sleep(0.1)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, started {_utc_now().isoformat(timespec='seconds')}\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_time() -> tuple[dt.datetime, bool]:
    """Return the build's reference time and whether it came from ``SOURCE_DATE_EPOCH``.

    Raises
    ------
    ParameterError
        If ``SOURCE_DATE_EPOCH`` is set but is not a whole number of seconds.
    """
    sde = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if sde:
        try:
            return dt.datetime.fromtimestamp(int(sde), dt.UTC), True
        except (ValueError, OverflowError, OSError):
            raise ParameterError(
                f"SOURCE_DATE_EPOCH={sde!r} is not a whole number of seconds since 1970"
            ) from None
    return _utc_now(), False


# --------------------------------------------------------------------------------------------
# Execution (in worker processes)
# --------------------------------------------------------------------------------------------


def _kernel_environment() -> dict[str, str]:
    """Environment settings every kernel inherits, for deterministic output."""
    env = {
        "PYTHONHASHSEED": "0",
        # The kernel's own headless backend, so that charts are also displayed inline (for the
        # HTML and PDF); plain "Agg" would silently drop every inline figure.
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "MATPLOTLIBRC": str(paths.MATPLOTLIBRC),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "TZ": "UTC",
    }
    return env


class _MemorySampler:
    """Peak resident memory of this process's children (the kernel), sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _MemorySampler:
        try:
            import psutil
        except ImportError:  # pragma: no cover - psutil comes with ipykernel
            return self
        me = psutil.Process()

        def sample() -> None:
            while not self._stop.is_set():
                total = 0
                with contextlib.suppress(Exception):
                    for child in me.children(recursive=True):
                        with contextlib.suppress(Exception):
                            total += child.memory_info().rss
                self.peak = max(self.peak, total)
                self._stop.wait(0.2)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)


def _error_summary(err: BaseException) -> dict[str, Any]:
    """Summarise an execution error: the failing cell, its exception name and message."""
    ename = getattr(err, "ename", None)
    if ename is not None:
        evalue = str(getattr(err, "evalue", ""))
        source = str(getattr(err, "source", "") or "")
        first = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
        return {
            "stage": "execute",
            "cell": getattr(err, "exec_count", None),
            "cell_index": getattr(err, "cell_index", None),
            "cell_source": first[:200],
            "ename": str(ename),
            "evalue": evalue[:2000],
        }
    return {
        "stage": "execute",
        "cell": None,
        "cell_index": None,
        "cell_source": "",
        "ename": type(err).__name__,
        "evalue": str(err)[:2000],
    }


def execute_run(job: dict[str, Any]) -> dict[str, Any]:
    """Execute one run and export its reports, inside ``job["tmp_dir"]`` (a worker task).

    Parameters
    ----------
    job : dict
        ``id``, ``notebook`` (path), ``tmp_dir``, ``executed_name``, ``parameters``, ``timeout``
        and ``report`` (the metadata for :func:`sinstats.build.report.export_run`).

    Returns
    -------
    dict
        ``status`` (``ok``/``failed``), ``error`` (None or a summary), ``started``/``finished``
        (ISO times), ``duration_s``, ``inputs`` (from the run's ``inputs.json``),
        ``peak_rss_kernel_mb`` and ``peak_rss_worker_mb``.
    """
    import resource

    started = _utc_now()
    t0 = time.perf_counter()
    tmp = Path(job["tmp_dir"])
    executed = tmp / job["executed_name"]
    params = dict(job["parameters"])
    params["output_dir"] = str(tmp)
    result: dict[str, Any] = {"id": job["id"], "status": FAILED, "error": None, "inputs": None}
    sampler = _MemorySampler()
    try:
        import papermill

        with sampler:
            for attempt in (1, 2):
                try:
                    papermill.execute_notebook(
                        job["notebook"],
                        str(executed),
                        parameters=params,
                        kernel_name=KERNEL_NAME,
                        cwd=str(tmp),
                        execution_timeout=job["timeout"],
                        start_timeout=120,
                        progress_bar=False,
                        log_output=False,
                        shutdown_kernel="immediate",
                        extra_arguments=list(KERNEL_ARGUMENTS),
                    )
                    break
                except Exception as err:  # retry the known kernel launch race once
                    if attempt == 1 and _KERNEL_DIED in str(err):
                        continue
                    raise
        inputs_path = tmp / "inputs.json"
        inputs: dict[str, Any] = {}
        if inputs_path.is_file():
            loaded = json.loads(inputs_path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                inputs = loaded
        result["inputs"] = inputs
        try:
            from sinstats.build import report

            report.export_run(tmp, executed, job["report"], inputs)
        except Exception as err:
            summary = _error_summary(err)
            summary["stage"] = "export"
            summary["traceback"] = traceback.format_exc(limit=8)[-4000:]
            result["error"] = summary
        else:
            result["status"] = OK
    except Exception as err:
        result["error"] = _error_summary(err)
    finished = _utc_now()
    result["started"] = started.isoformat(timespec="milliseconds")
    result["finished"] = finished.isoformat(timespec="milliseconds")
    result["duration_s"] = round(time.perf_counter() - t0, 3)
    result["peak_rss_kernel_mb"] = round(sampler.peak / 2**20, 1)
    result["peak_rss_worker_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    result["executed_exists"] = executed.is_file()
    return result


def _worker_init(env: dict[str, str]) -> None:
    """Prepare a worker process: the kernels' environment, no needless imports."""
    os.environ.update(env)
    # jsonschema (imported by nbformat) imports rfc3987_syntax when it is installed, which
    # compiles a grammar for 1.5 s of CPU; workers never check IRI formats, so skip it.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for kernels started in this process, then restore them."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


# --------------------------------------------------------------------------------------------
# The build
# --------------------------------------------------------------------------------------------


@dataclass
class BuildResult:
    """What a build did.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    runs : list of dict
        The manifest entries of the runs in this build (ok, failed or skipped).
    duration_s : float
        Wall time of the build.
    worker_stats : dict
        ``{run id: {"peak_rss_kernel_mb": ..., "peak_rss_worker_mb": ...}}`` for executed runs.
    errors : list of str
        Build-level problems (workbook, index), besides failed runs.
    """

    out_dir: Path
    runs: list[dict[str, Any]]
    duration_s: float
    worker_stats: dict[str, dict[str, float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        """Entries of the runs that failed."""
        return [r for r in self.runs if r["status"] == FAILED]

    @property
    def exit_code(self) -> int:
        """0 when every run is ok or up to date and no build step failed, else 1."""
        return 1 if self.failed or self.errors else 0


def _read_manifest(out_dir: Path) -> dict[str, Any]:
    path = out_dir / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _last_good(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not entry:
        return None
    if entry.get("status") in (OK, SKIPPED):
        return dict(entry)
    good = entry.get("last_good")
    return dict(good) if isinstance(good, dict) else None


def _recover(out_dir: Path) -> None:
    """Finish or undo a move interrupted by a crash, then clear temporary folders."""
    tmp_root = out_dir / TMP_NAME
    if not tmp_root.is_dir():
        return
    for old in tmp_root.glob("*.old"):
        period, _, name = old.name[: -len(".old")].partition("__")
        target = out_dir / period / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(old, target)
    shutil.rmtree(tmp_root, ignore_errors=True)


def _move_into_place(tmp: Path, target: Path, tmp_root: Path) -> None:
    """Replace ``target`` by ``tmp`` with two renames on one file system.

    The old copy is kept until the new one is in place (and restored by :func:`_recover` after a
    crash in between).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    old = tmp_root / f"{target.parent.name}__{target.name}.old"
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    if old.exists():
        shutil.rmtree(old)


def _outputs_of(run_dir: Path, out_dir: Path) -> list[str]:
    return sorted(
        p.relative_to(out_dir).as_posix()
        for p in run_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    )


def _title_of(notebook: Path) -> str:
    """Return the notebook's title: metadata ``title``, its first level-1 heading, or its name."""
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return notebook.stem
    title = nb.get("metadata", {}).get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        for line in text.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return notebook.stem


def build(
    *,
    config_path: str | os.PathLike[str] | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    years: Sequence[str] | None = None,
    notebooks: Sequence[str] | None = None,
    parameters: Mapping[str, str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    wait: float = 0.0,
    dry_run: bool = False,
    progress: bool = True,
    stream: IO[str] | None = None,
) -> BuildResult:
    """Build the reports (the engine behind ``sinstats build``).

    Parameters
    ----------
    config_path : path-like, optional
        The run matrix (default ``reports.yml``).
    notebooks_dir : path-like, optional
        Where the notebooks are (default ``notebooks/``).
    data_dir : path-like, optional
        Data folder given to every notebook (default ``data/``).
    out_dir : path-like, optional
        Reports folder (default ``reports/``).
    years, notebooks : sequence of str, optional
        Restrict the matrix.
    parameters : mapping, optional
        ``-p name=value`` texts.
    jobs : int, optional
        Worker processes (default: CPU count). With 1, runs execute one after another in this
        process.
    force : bool
        Rebuild every selected run even when up to date.
    wait : float
        Seconds to wait for another build's lock.
    dry_run : bool
        Print the matrix and what would run; execute nothing, write nothing.
    progress : bool
        Show the progress bar (on a terminal).
    stream : file, optional
        Where the per-run lines and the summary go (default: stderr / stdout).

    Returns
    -------
    BuildResult

    Raises
    ------
    SinstatsError
        Bad configuration, selection or parameters (before any kernel starts), or a held lock.
    """
    t_start = time.perf_counter()
    started_at = _utc_now()
    if jobs is not None and jobs < 1:
        raise ParameterError(f"--jobs must be 1 or more; got {jobs}")
    n_jobs = jobs or os.cpu_count() or 1
    config = load_config(config_path, notebooks_dir)
    out = paths.reports_dir(out_dir)
    data = paths.data_dir(data_dir)
    when, from_sde = build_time()
    log = stream if stream is not None else sys.stderr
    if dry_run:
        runs = plan(
            config,
            data_dir=data,
            years=years,
            notebooks=notebooks,
            parameters=parameters,
            cache_dir=out / CACHE_NAME,
            save_cache=False,
        )
        prev = _read_manifest(out)
        prev_runs = {r["id"]: r for r in prev.get("runs", []) if isinstance(r, dict)}
        decisions = _decide(runs, prev_runs, out, data, force)
        out_stream = stream if stream is not None else sys.stdout
        print(f"{len(runs)} run(s) in the matrix ({config.path}):", file=out_stream)
        for run, (reason, _) in zip(runs, decisions, strict=True):
            params = ", ".join(
                f"{k}={v}" for k, v in sorted(run.parameters.items()) if k != "data_dir"
            )
            print(f"  {run.id:<45} {reason:<28} {params}", file=out_stream)
        return BuildResult(out_dir=out, runs=[], duration_s=time.perf_counter() - t_start)

    with build_lock(out, wait):
        _recover(out)
        runs = plan(
            config,
            data_dir=data,
            years=years,
            notebooks=notebooks,
            parameters=parameters,
            cache_dir=out / CACHE_NAME,
        )
        prev = _read_manifest(out)
        prev_runs = {r["id"]: r for r in prev.get("runs", []) if isinstance(r, dict)}
        decisions = _decide(runs, prev_runs, out, data, force)
        git = git_state()
        packages = package_versions()
        common = _Common(
            library_sha=library_hash(),
            packages=packages,
            config=config_files(data),
            git=git,
            when=when,
            from_sde=from_sde,
        )
        to_run = [
            (run, reason) for run, (reason, skip) in zip(runs, decisions, strict=True) if not skip
        ]
        entries: dict[str, dict[str, Any]] = {}
        for run, (reason, skip) in zip(runs, decisions, strict=True):
            if skip:
                good = _last_good(prev_runs.get(run.id))
                assert good is not None
                good["status"] = SKIPPED
                good["reason"] = reason
                stale = prev_runs.get(run.id, {}).get("failed_notebook")
                if stale and (out / stale).is_file():
                    (out / stale).unlink()  # an earlier failure no longer applies
                good.pop("last_good", None)
                entries[run.id] = good
        results = _execute_all(to_run, common, out, n_jobs, progress, log) if to_run else {}
        worker_stats: dict[str, dict[str, float]] = {}
        for run, _reason in to_run:
            res = results[run.id]
            worker_stats[run.id] = {
                "peak_rss_kernel_mb": float(res.get("peak_rss_kernel_mb", 0.0)),
                "peak_rss_worker_mb": float(res.get("peak_rss_worker_mb", 0.0)),
                "duration_s": float(res.get("duration_s", 0.0)),
            }
            entries[run.id] = _finish_run(run, res, common, out, prev_runs.get(run.id))
            entries[run.id]["reason"] = _reason
        errors: list[str] = []
        changed_periods = {
            run.period.id for run, _ in to_run if entries[run.id]["status"] == OK
        } | {run.period.id for run in runs if not (out / run.period.id / "tables.xlsx").is_file()}
        # The manifest keeps runs outside this selection as they were.
        selected = {run.id for run in runs}
        # A full build drops runs that are no longer in the matrix (their folders stay on disk).
        keep_others = bool(years or notebooks)
        all_entries = [
            dict(e) for rid, e in prev_runs.items() if rid not in selected and keep_others
        ]
        all_entries.extend(entries.values())
        all_entries.sort(key=lambda e: (e.get("period", ""), e.get("notebook", "")), reverse=False)
        from sinstats.build import report

        for period_id in sorted(changed_periods):
            period_entries = [
                e for e in all_entries if e.get("period") == period_id and _last_good(e) is not None
            ]
            if not period_entries:
                continue
            try:
                report.write_workbook(out, period_id, period_entries, common.report_meta_base())
            except Exception as err:
                errors.append(f"tables.xlsx for {period_id}: {type(err).__name__}: {err}")
        duration = round(time.perf_counter() - t_start, 3)
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "generator": f"sinstats {__version__}",
            "build": {
                "started": _iso(started_at),
                "finished": _iso(_utc_now()),
                "build_date": when.date().isoformat(),
                "duration_s": duration,
                "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH") or None,
                "git_commit": git["commit"],
                "git_dirty": git["dirty"],
                "packages": packages,
                "config": _display_path(config.path),
                "data_dir": _display_path(data),
                "force": force,
                "selection": {
                    "years": list(years or []),
                    "notebooks": list(notebooks or []),
                    "parameters": dict(parameters or {}),
                },
                "counts": {
                    status: sum(1 for e in entries.values() if e["status"] == status)
                    for status in (OK, SKIPPED, FAILED)
                },
            },
            "runs": all_entries,
        }
        try:
            report.write_index(out, manifest)
        except Exception as err:
            errors.append(f"index.html: {type(err).__name__}: {err}")
        _write_text_atomic(
            out / MANIFEST_NAME, json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        )
        shutil.rmtree(out / TMP_NAME, ignore_errors=True)
    result = BuildResult(
        out_dir=out,
        runs=[entries[run.id] for run in runs],
        duration_s=time.perf_counter() - t_start,
        worker_stats=worker_stats,
        errors=errors,
    )
    _print_summary(result, stream if stream is not None else sys.stdout)
    return result


def _iso(when: dt.datetime) -> str:
    return when.isoformat(timespec="milliseconds")


@dataclass
class _Common:
    """Facts shared by every run of one build."""

    library_sha: str
    packages: dict[str, str]
    config: dict[str, str]
    git: dict[str, Any]
    when: dt.datetime
    from_sde: bool

    def report_meta_base(self) -> dict[str, Any]:
        return {
            "build_date": self.when.date().isoformat(),
            "created": self.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "from_source_date_epoch": self.from_sde,
            "git_commit": self.git["commit"],
            "git_dirty": self.git["dirty"],
            "packages": self.packages,
            "config_files": self.config,
            "sinstats_version": __version__,
        }


def _decide(
    runs: Sequence[Run],
    prev_runs: Mapping[str, Mapping[str, Any]],
    out: Path,
    data: Path,
    force: bool,
) -> list[tuple[str, bool]]:
    """Return (reason, skip) per run: skip when its hash matches the last good build."""
    if force:
        return [("forced (--force)", False) for _ in runs]
    hashes = _HashCache()
    library_sha: str | None = None
    packages: dict[str, str] | None = None
    config: dict[str, str] | None = None
    decisions: list[tuple[str, bool]] = []
    for run in runs:
        good = _last_good(prev_runs.get(run.id))
        if good is None:
            failed = prev_runs.get(run.id, {}).get("status") == FAILED
            decisions.append(("failed last time" if failed else "new", False))
            continue
        outputs = good.get("outputs") or []
        if not outputs or not all((out / o).is_file() for o in outputs):
            decisions.append(("outputs missing", False))
            continue
        if library_sha is None:
            library_sha, packages, config = library_hash(), package_versions(), config_files(data)
        assert packages is not None and config is not None
        data_files = {p: hashes.file(p) for p in (good.get("data_files") or {})}
        key = run_key(
            notebook_sha=_sha256_file(run.notebook.path),
            library_sha=library_sha,
            parameters=run.parameters,
            packages=packages,
            data_files=data_files,
            sums_entries={p: hashes.sums_entry(p) for p in data_files},
            config=config,
        )
        if key == good.get("key"):
            decisions.append(("up to date", True))
        else:
            decisions.append((_why_changed(good, run, data_files, packages, config), False))
    return decisions


def _why_changed(
    good: Mapping[str, Any],
    run: Run,
    data_files: Mapping[str, str | None],
    packages: Mapping[str, str],
    config: Mapping[str, str],
) -> str:
    """Return a short reason for the console and the manifest."""
    if good.get("notebook_sha256") != _sha256_file(run.notebook.path):
        return "notebook changed"
    if good.get("parameters") != run.parameters:
        return "parameters changed"
    changed = [p for p, sha in data_files.items() if sha != good.get("data_files", {}).get(p)]
    if changed:
        return "data changed: " + ", ".join(Path(p).name for p in changed)
    if good.get("config_files") != dict(config):
        return "assumptions/claims changed"
    if good.get("packages") != dict(packages):
        return "packages changed"
    return "library changed"


def _execute_all(
    to_run: Sequence[tuple[Run, str]],
    common: _Common,
    out: Path,
    n_jobs: int,
    progress: bool,
    log: IO[str],
) -> dict[str, dict[str, Any]]:
    """Execute the runs (in parallel when ``n_jobs`` > 1); return results by run id."""
    if not to_run:
        return {}
    tmp_root = out / TMP_NAME
    tmp_root.mkdir(parents=True, exist_ok=True)
    env = _kernel_environment()
    if "SOURCE_DATE_EPOCH" in os.environ:
        env["SOURCE_DATE_EPOCH"] = os.environ["SOURCE_DATE_EPOCH"]
    jobs: list[dict[str, Any]] = []
    for run, _reason in to_run:
        tmp = Path(tempfile.mkdtemp(prefix=f"{run.period.id}__{run.notebook.name}-", dir=tmp_root))
        meta = common.report_meta_base()
        meta.update(
            {
                "run_id": run.id,
                "notebook": run.notebook.path.name,
                "title": _title_of(run.notebook.path),
                "period": run.period.id,
                "period_label": run.period.label,
                "release": f"Serious incident notifications, reporting year {run.period.end_year}",
                "parameters": dict(run.parameters),
                "defaults": {
                    k: v
                    for k, v in run.declared.items()
                    if k not in run.parameters and k != "output_dir"
                },
                "base_name": f"{run.notebook.name}-{run.period.id}",
            }
        )
        jobs.append(
            {
                "id": run.id,
                "notebook": str(run.notebook.path),
                "tmp_dir": str(tmp),
                "executed_name": f"{run.notebook.name}-{run.period.id}.ipynb",
                "parameters": run.parameters,
                "timeout": run.notebook.timeout,
                "report": meta,
            }
        )
    results: dict[str, dict[str, Any]] = {}
    bar = _progress_bar(len(jobs), progress)

    def finished(res: dict[str, Any]) -> None:
        results[res["id"]] = res
        status = res["status"]
        line = f"{res['id']:<45} {res.get('duration_s', 0.0):7.1f} s  {status}"
        if status == FAILED and res.get("error"):
            line += f"  ({_one_line_error(res['error'])})"
        if bar is not None:
            bar.write(line, file=log)
            bar.update(1)
        else:
            print(line, file=log, flush=True)

    try:
        if n_jobs == 1 or len(jobs) == 1:
            with _environment(env):
                for job in jobs:
                    finished(execute_run(job))
        else:
            _execute_pool(jobs, min(n_jobs, len(jobs)), env, finished)
    finally:
        if bar is not None:
            bar.close()
    for job in jobs:
        results[job["id"]]["tmp_dir"] = job["tmp_dir"]
        results[job["id"]]["executed_name"] = job["executed_name"]
    return results


def _execute_pool(
    jobs: Sequence[dict[str, Any]],
    workers: int,
    env: dict[str, str],
    finished: Callable[[dict[str, Any]], None],
) -> None:
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_worker_init, initargs=(env,)
    ) as pool:
        futures = {pool.submit(execute_run, dict(job)): job for job in jobs}
        try:
            for fut in as_completed(futures):
                job = futures[fut]
                try:
                    res = fut.result()
                except (BrokenProcessPool, Exception) as err:
                    res = {
                        "id": job["id"],
                        "status": FAILED,
                        "error": {
                            "stage": "worker",
                            "cell": None,
                            "cell_index": None,
                            "cell_source": "",
                            "ename": type(err).__name__,
                            "evalue": f"the worker process failed: {err}",
                        },
                        "inputs": None,
                        "duration_s": 0.0,
                        "started": _iso(_utc_now()),
                        "finished": _iso(_utc_now()),
                    }
                finished(res)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="run", desc="building", file=sys.stderr, leave=False)


def _one_line_error(error: Mapping[str, Any]) -> str:
    where = f"cell {error['cell']}: " if error.get("cell") is not None else ""
    if error.get("stage") == "export":
        where = "export: "
    evalue = " ".join(str(error.get("evalue", "")).split())
    if len(evalue) > 300:
        evalue = evalue[:297] + "..."
    return f"{where}{error.get('ename', 'Error')}: {evalue}"


def _finish_run(
    run: Run,
    res: dict[str, Any],
    common: _Common,
    out: Path,
    prev: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Move a successful run into place (or save a failed one); return its manifest entry."""
    tmp = Path(res["tmp_dir"])
    inputs = res.get("inputs") or {}
    read = inputs.get("data_files") if isinstance(inputs, dict) else None
    if isinstance(read, dict) and read:
        data_files = {_display_path(p): str(sha) for p, sha in read.items()}
    else:
        # No record of what was read: depend on every published file (conservative).
        data = Path(run.parameters["data_dir"])
        data_files = {
            _display_path(p): _sha256_file(p) for p in sorted((data / "published").glob("*.csv"))
        }
    hashes = _HashCache()
    entry: dict[str, Any] = {
        "id": run.id,
        "notebook": run.notebook.name,
        "notebook_sha256": _sha256_file(run.notebook.path),
        "period": run.period.id,
        "period_label": run.period.label,
        "year_specific": run.notebook.year_specific,
        "title": _title_of(run.notebook.path),
        "parameters": dict(run.parameters),
        "status": res["status"],
        "reason": None,
        "error": res.get("error"),
        "started": res.get("started"),
        "finished": res.get("finished"),
        "duration_s": res.get("duration_s"),
        "build_date": common.when.date().isoformat(),
        "git_commit": common.git["commit"],
        "git_dirty": common.git["dirty"],
        "packages": common.packages,
        "data_files": data_files,
        "config_files": common.config,
        "library_sha256": common.library_sha,
        "key": run_key(
            notebook_sha=_sha256_file(run.notebook.path),
            library_sha=common.library_sha,
            parameters=run.parameters,
            packages=common.packages,
            data_files=data_files,
            sums_entries={p: hashes.sums_entry(p) for p in data_files},
            config=common.config,
        ),
        "outputs": [],
        "key_figures": [],
        "failed_notebook": None,
    }
    failed_copy = out / FAILED_NAME / run.period.id / res["executed_name"]
    if res["status"] == OK:
        target = out / run.period.id / run.notebook.name
        kf_path = tmp / "key_figures.json"
        if kf_path.is_file():
            with contextlib.suppress(ValueError):
                kf = json.loads(kf_path.read_text(encoding="utf-8"))
                if isinstance(kf, list):
                    entry["key_figures"] = kf
        _move_into_place(tmp, target, out / TMP_NAME)
        entry["outputs"] = _outputs_of(target, out)
        if failed_copy.is_file():
            failed_copy.unlink()
        return entry
    executed = tmp / res["executed_name"]
    if executed.is_file():
        failed_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(executed, failed_copy)
        entry["failed_notebook"] = failed_copy.relative_to(out).as_posix()
    shutil.rmtree(tmp, ignore_errors=True)
    entry["key"] = None
    entry["last_good"] = _last_good(prev)
    if entry["last_good"] is not None:
        entry["last_good"].pop("last_good", None)
        entry["outputs"] = entry["last_good"].get("outputs", [])
    return entry


def _print_summary(result: BuildResult, stream: IO[str]) -> None:
    rows = result.runs
    if not rows:
        return
    width = max(len("run"), *(len(r["id"]) for r in rows))
    print(f"\n{'run':<{width}}  {'status':<8} {'seconds':>8}  note", file=stream)
    for r in rows:
        secs = f"{r['duration_s']:.1f}" if r["status"] != SKIPPED and r.get("duration_s") else "-"
        note = ""
        if r["status"] == FAILED and r.get("error"):
            note = _one_line_error(r["error"])
            if r.get("failed_notebook"):
                note += f" [executed copy: {r['failed_notebook']}]"
        elif r["status"] == SKIPPED:
            note = r.get("reason") or ""
        print(f"{r['id']:<{width}}  {r['status']:<8} {secs:>8}  {note}", file=stream)
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in (OK, SKIPPED, FAILED)}
    print(
        f"built {counts[OK]}, up to date {counts[SKIPPED]}, failed {counts[FAILED]} "
        f"in {result.duration_s:.1f} s; reports in {result.out_dir} "
        f"({INDEX_NAME}, {MANIFEST_NAME})",
        file=stream,
    )
    for err in result.errors:
        print(f"build step failed: {err}", file=stream)
