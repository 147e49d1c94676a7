"""The run matrix: which notebook runs for which year, with which parameters.

:func:`plan` turns a checked :class:`~sinstats.build.config.BuildConfig` and the command line's
selection (``--year``, ``--notebook``, ``-p``) into :class:`Run` records, every parameter checked
against the notebook's own ``parameters`` cell (:mod:`sinstats.build.parameters`), before any
kernel starts. A year-specific notebook runs for each configured April-March year with data; every
notebook runs for the latest year.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sinstats import paths
from sinstats.build._helpers import sha256_file
from sinstats.build.config import RESERVED_PARAMETERS, BuildConfig, NotebookConfig
from sinstats.build.parameters import DeclaredParameter, ParameterCache, coerce_parameter
from sinstats.errors import ConfigError, ParameterError, PeriodError
from sinstats.periods import FINANCIAL_YEAR, Period, parse_period


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


def notebook_years(config: BuildConfig, data_dir: Path) -> tuple[dict[str, list[Period]], Period]:
    """Return the years each notebook of ``config`` runs for, and the latest year with data.

    Parameters
    ----------
    config : BuildConfig
        From :func:`~sinstats.build.config.load_config`.
    data_dir : Path
        The data folder whose national series says which years have data.

    Returns
    -------
    tuple of (dict, Period)
        ``{notebook name: sorted years}`` and the latest year.

    Raises
    ------
    ConfigError
        If a listed year has no data or comes before ``first_year``.
    """
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


def _selected_years(
    years: Sequence[str],
    chosen: Sequence[NotebookConfig] | None,
    selected_nbs: Sequence[NotebookConfig],
    years_of: Mapping[str, list[Period]],
    latest: Period,
) -> list[Period]:
    """Check ``--year`` values against the chosen notebooks and the configured years."""
    config_years = sorted({p for nb in selected_nbs for p in years_of[nb.name]})
    selected: list[Period] = []
    for text in years:
        try:
            selected.append(parse_period(text))
        except PeriodError as err:
            raise ParameterError(f"--year {text!r}: {err}") from None
    for nb in chosen or ():
        if not set(years_of[nb.name]) & set(selected):
            what = (
                f"is not year-specific: it runs for the latest year ({latest.id}) only"
                if not nb.year_specific
                else "runs for " + ", ".join(p.id for p in years_of[nb.name]) + " only"
            )
            raise ParameterError(
                f"notebook {nb.name} {what}; choose one of those years or leave out --year"
            )
    for text, p in zip(years, selected, strict=True):
        if p not in config_years:
            raise ParameterError(
                f"--year {text!r}: no report is configured for {p.label}; valid years: "
                f"{', '.join(x.id for x in config_years)} (reports.yml `years`/`first_year`)"
            )
    return selected


def _declared_by(
    selected_nbs: Sequence[NotebookConfig], cache: ParameterCache
) -> dict[str, dict[str, DeclaredParameter]]:
    """Return each notebook's declared parameters, checking the pipeline contract."""
    declared_by: dict[str, dict[str, DeclaredParameter]] = {}
    for nb in selected_nbs:
        declared = cache.declared(nb.path, sha256_file(nb.path))
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
    return declared_by


def _config_value(
    config: BuildConfig, nb: NotebookConfig, declared: DeclaredParameter, value: object, key: str
) -> Any:
    try:
        return coerce_parameter(nb.name, declared, value, from_text=False)
    except ParameterError as err:
        raise ConfigError(str(err), path=str(config.path), key=key) from None


def _notebook_parameters(
    config: BuildConfig,
    nb: NotebookConfig,
    declared: Mapping[str, DeclaredParameter],
    cli: Mapping[str, str],
) -> dict[str, Any]:
    """Merge ``defaults``, the notebook's ``parameters`` and ``-p`` values, each checked."""
    params: dict[str, Any] = {}
    for name, value in config.defaults.items():
        if name in declared:
            params[name] = _config_value(config, nb, declared[name], value, f"defaults.{name}")
    for name, value in nb.parameters.items():
        key = f"notebooks.{nb.name}.parameters.{name}"
        if name not in declared:
            names = ", ".join(n for n in declared if n not in RESERVED_PARAMETERS)
            raise ConfigError(
                f"notebook {nb.name} does not declare a parameter '{name}'; it declares: {names}",
                path=str(config.path),
                key=key,
            )
        params[name] = _config_value(config, nb, declared[name], value, key)
    for name, text in cli.items():
        if name in declared:
            params[name] = coerce_parameter(nb.name, declared[name], text, from_text=True)
    return params


def plan(
    config: BuildConfig,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    years: Sequence[str] | None = None,
    notebooks: Sequence[str] | None = None,
    parameters: Mapping[str, str] | None = None,
    save_cache: bool = True,
    cache_dir: Path | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[Run]:
    """Return the runs to consider, with their parameters checked against each notebook.

    Parameters
    ----------
    config : BuildConfig
        From :func:`~sinstats.build.config.load_config`.
    data_dir : path-like, optional
        The data folder passed to every notebook.
    years : sequence of str, optional
        Restrict to these years (any accepted form: ``2025-26``, ``2026``, ``202526``).
    notebooks : sequence of str, optional
        Restrict to these notebooks (name, file name or two-digit number).
    parameters : mapping, optional
        ``-p name=value`` texts; each must be declared by at least one selected notebook and is
        passed to those that declare it, converted to the declared type.
    save_cache : bool
        Write newly inspected cells to the cache (not in a dry run).
    cache_dir : Path, optional
        Where inspected parameter cells are cached (``reports/.cache``).
    warn : callable, optional
        Receives a warning about a parameter cache that was discarded or out of date.

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
    years_of, latest = notebook_years(config, data)
    chosen = [_resolve_notebook(config, n) for n in notebooks] if notebooks else None
    selected_nbs = (
        list({nb.name: nb for nb in chosen}.values()) if chosen else list(config.notebooks)
    )
    selected_years = (
        _selected_years(years, chosen, selected_nbs, years_of, latest) if years else None
    )
    cache = ParameterCache(cache_dir / "parameters.json" if cache_dir is not None else None)
    for note in cache.notes:
        (warn or _ignore)(note)
    try:
        runs = _runs(config, cache, selected_nbs, years_of, selected_years, dict(parameters or {}),
                     bool(notebooks), data, latest)
    except (ConfigError, ParameterError) as err:
        # A cached parameters cell is input the build wrote earlier, and could have been edited:
        # read the notebooks again before blaming reports.yml or the command line.
        cached = {sha256_file(nb.path) for nb in selected_nbs} & cache.from_disk
        if not cached:
            raise
        cache.forget(cached)
        runs = _runs(config, cache, selected_nbs, years_of, selected_years, dict(parameters or {}),
                     bool(notebooks), data, latest)
        (warn or _ignore)(
            f"warning: the cached parameters cell of a notebook was out of date ({err}); the "
            "notebooks were read again"
        )
    if save_cache:
        cache.save()
    return runs


def _ignore(note: str) -> None:
    """Drop a warning (when :func:`plan` is given nowhere to put it)."""


def _runs(
    config: BuildConfig,
    cache: ParameterCache,
    selected_nbs: Sequence[NotebookConfig],
    years_of: Mapping[str, list[Period]],
    selected_years: Sequence[Period] | None,
    cli: Mapping[str, str],
    some_notebooks: bool,
    data: Path,
    latest: Period,
) -> list[Run]:
    """The runs of the selection, every parameter checked against the declarations."""
    declared_by = _declared_by(selected_nbs, cache)
    for name in cli:
        if not any(name in declared_by[nb.name] for nb in selected_nbs):
            valid = sorted(
                {n for d in declared_by.values() for n in d if n not in RESERVED_PARAMETERS}
            )
            raise ParameterError(
                f"-p {name}=...: no selected notebook declares a parameter '{name}'; "
                f"valid names: {', '.join(valid) if valid else '(none)'}"
            )
    all_declared = {n for d in declared_by.values() for n in d}
    for name in config.defaults:
        if name not in all_declared and not some_notebooks:
            raise ConfigError(
                "no notebook declares this parameter",
                path=str(config.path),
                key=f"defaults.{name}",
            )
    runs: list[Run] = []
    for nb in selected_nbs:
        declared = declared_by[nb.name]
        params = _notebook_parameters(config, nb, declared, cli)
        for p in years_of[nb.name]:
            if selected_years is not None and p not in selected_years:
                continue
            runs.append(
                Run(
                    notebook=nb,
                    period=p,
                    parameters={**params, "year": p.id, "data_dir": str(data)},
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
