"""The run matrix: which notebook runs for which year, with which parameters.

:func:`plan` turns a checked :class:`~sinstats.build.config.BuildConfig` and the command line's
selection (``--year``, ``--notebook``, ``-p``) into :class:`Run` records, every parameter checked
against the notebook's own ``parameters`` cell (:mod:`sinstats.build.parameters`), before any
kernel starts. A year-specific notebook runs for each configured April-March year with data; every
notebook runs for the latest year.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sinstats import paths
from sinstats.build._helpers import (
    display_path,
    read_json,
    sha256_file,
    sha256_or_none,
    tree_sha256,
    write_atomic,
)
from sinstats.build.config import RESERVED_PARAMETERS, BuildConfig, NotebookConfig
from sinstats.build.parameters import (
    DeclaredParameter,
    ParameterCache,
    check_choice,
    coerce_parameter,
)
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


def _not_comparable(p: Period, data_dir: Path) -> str:
    """Say why a year of the earlier collection has no report ("" for any other year)."""
    from sinstats import data

    entry = data.load_breaks(data_dir).not_comparable(p)
    if entry is None:
        return ""
    return f"{p.id} is in {entry.span}: {entry.meaning} (data/breaks.yml, '{entry.id}')"


def _years_with_data(config: BuildConfig, data_dir: Path) -> tuple[list[Period], Period]:
    """Return (April-March years with data from ``first_year`` on, the latest year)."""
    from sinstats import data

    earlier = _not_comparable(config.first_year, data_dir)
    if earlier:
        first = data.load_breaks(data_dir).first_comparable()
        raise ConfigError(
            f"{earlier}: a year-specific report would invite a comparison the series does not "
            f"allow; first_year must be {first.id if first else 'a comparable year'} or later",
            path=str(config.path),
            key="first_year",
        )
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
    data_dir: Path,
) -> list[Period]:
    """Turn a ``years`` value into periods (checked against the data), always with the latest."""
    if spec == "all":
        years = list(eligible)
    else:
        years = []
        for i, year_id in enumerate(spec):
            p = parse_period(year_id)
            if p not in eligible:
                earlier = _not_comparable(p, data_dir)
                raise ConfigError(
                    (f"{earlier}; " if earlier else "")
                    + f"{p.id} is not an April-March year with data from {config.first_year.id} "
                    f"on; years with data: {', '.join(x.id for x in eligible)}",
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
        If a listed year has no data or comes before ``first_year``, or ``first_year`` lies in
        years declared not comparable in ``breaks.yml``.
    """
    eligible, latest = _years_with_data(config, data_dir)
    top = _resolve_years(config, config.years, "years", eligible, latest, data_dir)
    out: dict[str, list[Period]] = {}
    for nb in config.notebooks:
        if not nb.year_specific:
            out[nb.name] = [latest]
        elif nb.years is None:
            out[nb.name] = top
        else:
            out[nb.name] = _resolve_years(
                config, nb.years, f"notebooks.{nb.name}.years", eligible, latest, data_dir
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
    data_dir: Path,
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
            earlier = _not_comparable(p, data_dir)
            why = f" ({earlier}; no report compares it with later years)" if earlier else ""
            raise ParameterError(
                f"--year {text!r}: no report is configured for {p.label}{why}; valid years: "
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
    config: BuildConfig,
    nb: NotebookConfig,
    declared: DeclaredParameter,
    value: object,
    key: str,
    data_dir: Path | None,
) -> Any:
    try:
        checked = coerce_parameter(nb.name, declared, value, from_text=False)
        check_choice(nb.name, declared.name, checked, data_dir)
    except ParameterError as err:
        raise ConfigError(str(err), path=str(config.path), key=key) from None
    return checked


def _notebook_parameters(
    config: BuildConfig,
    nb: NotebookConfig,
    declared: Mapping[str, DeclaredParameter],
    cli: Mapping[str, str],
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Merge ``defaults``, the notebook's ``parameters`` and ``-p`` values, each checked.

    Each value is checked against its declared type and then against the declared choices
    (:func:`~sinstats.build.parameters.check_choice`): the valid methods, a level in (0, 1) and
    so on, before any kernel starts.
    """
    params: dict[str, Any] = {}
    for name, value in config.defaults.items():
        if name in declared:
            params[name] = _config_value(
                config, nb, declared[name], value, f"defaults.{name}", data_dir
            )
    for name, value in nb.parameters.items():
        key = f"notebooks.{nb.name}.parameters.{name}"
        if name not in declared:
            names = ", ".join(n for n in declared if n not in RESERVED_PARAMETERS)
            raise ConfigError(
                f"notebook {nb.name} does not declare a parameter '{name}'; it declares: {names}",
                path=str(config.path),
                key=key,
            )
        params[name] = _config_value(config, nb, declared[name], value, key, data_dir)
    for name, text in cli.items():
        if name in declared:
            value = coerce_parameter(nb.name, declared[name], text, from_text=True)
            try:
                check_choice(nb.name, name, value, data_dir)
            except ParameterError as err:
                raise ParameterError(f"-p {name}={text}: {err}") from None
            params[name] = value
    return params


def _check_breaks(data_dir: Path) -> None:
    """Validate ``breaks.yml`` before anything runs (every notebook consults it)."""
    from sinstats import data

    data.load_breaks(data_dir)


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
    memo: Mapping[str, Any] | None = None,
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
    memo : mapping, optional
        The build's library hash and package versions (``{"library": ..., "packages": ...}``).
        Given with ``cache_dir``, the plan is memoised in ``<cache_dir>/plan.json`` under the
        hash of everything it was made from (:func:`plan_key`), and a later call with the same
        inputs returns the same runs without reading the data or importing the layers that
        check the parameters (a no-change rebuild). None: always plan afresh.

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
        A notebook without the contract's parameters, a ``reports.yml`` value of the wrong
        type for the notebook, or an invalid ``breaks.yml`` (before any kernel starts).
    """
    data = paths.data_dir(data_dir)
    memo_file = cache_dir / PLAN_MEMO_NAME if cache_dir is not None and memo is not None else None
    key = ""
    if memo_file is not None and memo is not None:
        key = plan_key(config, data, years, notebooks, parameters, memo)
        remembered = _remembered_plan(memo_file, key, config, data, warn or _ignore)
        if remembered is not None:
            return remembered
    runs = _plan(config, data, years, notebooks, parameters, save_cache, cache_dir, warn)
    if memo_file is not None and memo is not None and save_cache:
        _remember_plan(memo_file, key, runs, config, data, years, notebooks, parameters, memo)
    return runs


def _plan(
    config: BuildConfig,
    data: Path,
    years: Sequence[str] | None,
    notebooks: Sequence[str] | None,
    parameters: Mapping[str, str] | None,
    save_cache: bool,
    cache_dir: Path | None,
    warn: Callable[[str], None] | None,
) -> list[Run]:
    """:func:`plan` itself: read the data and the notebooks, check every parameter."""
    _check_breaks(data)
    years_of, latest = notebook_years(config, data)
    chosen = [_resolve_notebook(config, n) for n in notebooks] if notebooks else None
    selected_nbs = (
        list({nb.name: nb for nb in chosen}.values()) if chosen else list(config.notebooks)
    )
    selected_years = (
        _selected_years(years, chosen, selected_nbs, years_of, latest, data) if years else None
    )
    cache = ParameterCache(cache_dir / PARAMETER_CACHE_NAME if cache_dir is not None else None)
    for note in cache.notes:
        (warn or _ignore)(note)

    def planned() -> list[Run]:
        return _runs(
            config,
            cache,
            selected_nbs,
            years_of,
            selected_years,
            dict(parameters or {}),
            bool(notebooks),
            data,
            latest,
        )

    try:
        runs = planned()
    except (ConfigError, ParameterError) as err:
        # A cached parameters cell is input the build wrote earlier, and could have been edited:
        # read the notebooks again before blaming reports.yml or the command line.
        cached = {sha256_file(nb.path) for nb in selected_nbs} & cache.from_disk
        if not cached:
            raise
        cache.forget(cached)
        runs = planned()
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
    """Return the runs of the selection, every parameter checked against the declarations."""
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
        params = _notebook_parameters(config, nb, declared, cli, data)
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


# ---------------------------------------------------------------------------------------------
# The plan memo: reports/.cache/plan.json
# ---------------------------------------------------------------------------------------------

PLAN_MEMO_NAME = "plan.json"
"""The file, in the reports folder's ``.cache``, that remembers the last plan and its key."""

PLAN_MEMO_VERSION = 2

PARAMETER_CACHE_NAME = "parameters.json"
"""The parameter cache beside the memo (:class:`~sinstats.build.parameters.ParameterCache`)."""

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SCALARS = (str, int, float, bool, type(None))


_file_sha = sha256_or_none
_tree = tree_sha256


def _named_files(
    config: BuildConfig, parameters: Mapping[str, str] | None
) -> dict[str, list[str | None]]:
    """Return the parameter texts that name an existing file: ``{text: [resolved path, sha256]}``.

    A parameter such as ``claims_file`` is checked by the file's existence and passed resolved,
    so the file (and where the text leads, from this working folder) is part of the plan.
    """
    texts = [v for v in config.defaults.values() if isinstance(v, str)]
    for nb in config.notebooks:
        texts += [v for v in nb.parameters.values() if isinstance(v, str)]
    texts += list((parameters or {}).values())
    out: dict[str, list[str | None]] = {}
    for text in sorted(set(texts)):
        try:
            path = Path(text).expanduser()
            if path.is_file():
                out[text] = [str(path.resolve()), _file_sha(path)]
        except (OSError, ValueError, RuntimeError):
            continue
    return out


def plan_key(
    config: BuildConfig,
    data: Path,
    years: Sequence[str] | None,
    notebooks: Sequence[str] | None,
    parameters: Mapping[str, str] | None,
    memo: Mapping[str, Any],
) -> str:
    """Return the hash of everything :func:`plan` reads, under which its result is remembered.

    Parameters
    ----------
    config : BuildConfig
        The loaded ``reports.yml`` (its whole record, and the file's bytes).
    data : Path
        The data folder: every file under it, by content (published and official data, the
        checksum list, ``breaks.yml``, the assumptions and claims files).
    years, notebooks, parameters
        The selection and the ``-p`` texts.
    memo : mapping
        ``{"library": library hash, "packages": package versions}``.

    Returns
    -------
    str
        Hex SHA-256. Besides the above it covers every notebook of ``reports.yml`` by content,
        the project's own assumptions and breaks files (the fallbacks of a data folder without
        its own), the files parameter texts name (:func:`_named_files`), the project root, the
        working folder and ``HOME``.
    """
    payload = {
        "memo": PLAN_MEMO_VERSION,
        "library": str(memo.get("library")),
        "packages": dict(memo.get("packages") or {}),
        "config": repr(config),
        "config_sha": _file_sha(config.path),
        "notebooks": {str(nb.path): _file_sha(nb.path) for nb in config.notebooks},
        "data_dir": str(data),
        "data": _tree(data),
        "assumptions": _file_sha(paths.assumptions_file()),
        "breaks": _file_sha(paths.breaks_file(paths.PROJ_ROOT / "data")),
        "selection": {
            "years": list(years or []),
            "notebooks": list(notebooks or []),
            "parameters": dict(parameters or {}),
        },
        "files": _named_files(config, parameters),
        "root": str(paths.PROJ_ROOT),
        "cwd": os.getcwd(),
        "home": os.environ.get("HOME"),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _memo_problem(doc: object, config: BuildConfig, data: Path) -> str | None:
    """Why a ``plan.json`` is not one this build could have written (None when it is)."""
    if not isinstance(doc, dict) or set(doc) != {"version", "key", "runs", "parameter_cache"}:
        return "not a plan record"
    if doc["version"] != PLAN_MEMO_VERSION:
        return f"version {doc['version']!r}"
    if not isinstance(doc["key"], str) or not _HEX64.match(doc["key"]):
        return "its key is not a SHA-256"
    cache_sha = doc["parameter_cache"]
    if cache_sha is not None and not (isinstance(cache_sha, str) and _HEX64.match(cache_sha)):
        return "its parameter cache's SHA-256 is not one"
    runs = doc["runs"]
    if not isinstance(runs, list) or not runs:
        return "no runs"
    names = {nb.name for nb in config.notebooks}
    for i, run in enumerate(runs):
        where = f"runs[{i}]"
        if not isinstance(run, dict) or set(run) != {
            "notebook",
            "period",
            "parameters",
            "declared",
        }:
            return f"{where} is not a run"
        if run["notebook"] not in names:
            return f"{where}: notebook {run['notebook']!r} is not in {config.path.name}"
        try:
            period = parse_period(str(run["period"]))
        except PeriodError:
            return f"{where}: period {run['period']!r}"
        if period.kind != FINANCIAL_YEAR or period.id != run["period"]:
            return f"{where}: period {run['period']!r} is not an April-March year id"
        params, declared = run["parameters"], run["declared"]
        if not isinstance(declared, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in declared.items()
        ):
            return f"{where}: declared parameters"
        if not isinstance(params, dict) or not all(
            isinstance(k, str) and isinstance(v, _SCALARS) for k, v in params.items()
        ):
            return f"{where}: parameters"
        if not set(params) <= set(declared) or not set(RESERVED_PARAMETERS) <= set(declared):
            return f"{where}: a parameter the notebook does not declare"
        if params.get("year") != period.id or params.get("data_dir") != str(data):
            return f"{where}: year or data folder"
    return None


def _remembered_plan(
    memo_file: Path, key: str, config: BuildConfig, data: Path, warn: Callable[[str], None]
) -> list[Run] | None:
    """Return the runs remembered under ``key`` (None when there are none, or another key's)."""
    if not memo_file.exists():
        return None
    doc = read_json(memo_file)
    problem = _memo_problem(doc, config, data)
    if problem is not None:
        warn(
            f"warning: {display_path(memo_file)} is not valid ({problem}); it is ignored and "
            "the runs are planned afresh"
        )
        return None
    assert isinstance(doc, dict)
    if doc["key"] != key:
        return None
    # The parameter cache is read by planning too: a memo is used only beside the cache it was
    # written with, so that a cache edited or broken since is read (and refused) afresh.
    if doc["parameter_cache"] != _file_sha(memo_file.parent / PARAMETER_CACHE_NAME):
        return None
    by_name = {nb.name: nb for nb in config.notebooks}
    return [
        Run(
            notebook=by_name[run["notebook"]],
            period=parse_period(run["period"]),
            parameters=dict(run["parameters"]),
            declared=dict(run["declared"]),
        )
        for run in doc["runs"]
    ]


def _remember_plan(
    memo_file: Path,
    key: str,
    runs: Sequence[Run],
    config: BuildConfig,
    data: Path,
    years: Sequence[str] | None,
    notebooks: Sequence[str] | None,
    parameters: Mapping[str, str] | None,
    memo: Mapping[str, Any],
) -> None:
    """Write ``plan.json`` if the inputs did not change while planning (else leave it)."""
    if plan_key(config, data, years, notebooks, parameters, memo) != key:
        return
    doc = {
        "version": PLAN_MEMO_VERSION,
        "key": key,
        "parameter_cache": _file_sha(memo_file.parent / PARAMETER_CACHE_NAME),
        "runs": [
            {
                "notebook": run.notebook.name,
                "period": run.period.id,
                "parameters": dict(run.parameters),
                "declared": dict(run.declared),
            }
            for run in runs
        ],
    }
    if _memo_problem(json.loads(json.dumps(doc)), config, data) is not None:
        return  # parameters JSON cannot hold as they are: plan afresh every time
    with contextlib.suppress(OSError):  # a memo that cannot be written costs only time
        memo_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo_file, json.dumps(doc, sort_keys=True, indent=1) + "\n")
