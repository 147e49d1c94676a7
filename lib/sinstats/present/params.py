"""Validate notebook parameters, and say which years each notebook can be run for.

Every notebook in ``notebooks/`` has one cell tagged ``parameters`` (read by papermill) and, right
after it, one cell that calls :func:`validate`. A bad value stops the notebook there with one
sentence naming the parameter and the valid choices, raised as
:class:`~sinstats.errors.ParameterError`; :func:`install_error_handler` makes IPython print just
that sentence instead of a traceback (the cell still fails, so papermill and the build pipeline
still see the failure).

The build pipeline reads :data:`NOTEBOOKS`, :func:`valid_years` and :func:`default_years` to
build its run matrix.
"""

from __future__ import annotations

import math
import numbers
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from sinstats import data, paths
from sinstats.errors import NoDataError, ParameterError, PeriodError, SinstatsError
from sinstats.periods import FINANCIAL_YEAR, Period, parse_period
from sinstats.stats import _method_names as method_names
from sinstats.stats._validation import check_conf_level as _check_conf_level

#: Earliest April-March year whose definition matches the later series (Ofsted from 2014-15),
#: when ``data/breaks.yml`` declares no ``not_comparable`` years; the file decides otherwise.
FIRST_COMPARABLE_YEAR: Final = "2014-15"

#: Interval methods for counts and rates accepted by the ``method`` parameter.
METHODS: Final[tuple[str, ...]] = method_names.POISSON

#: Interval methods for shares (``share_method``).
SHARE_METHODS: Final[tuple[str, ...]] = method_names.PROPORTION

#: Interval methods for rate ratios (``ratio_method``).
RATIO_METHODS: Final[tuple[str, ...]] = method_names.RATE_RATIO

#: Draws accepted by simulating notebooks (the uncertainty model refuses fewer than 1,000).
MIN_DRAWS: Final = 1_000
MAX_DRAWS: Final = 10_000_000

#: Seeds accepted (numpy accepts any non-negative integer; keep them printable).
MAX_SEED: Final = 2**63 - 1

#: Targets of the uncertainty notebook (03) and the published national figure each starts from
#: (the nature of notification). The targets themselves are defined in ``data/assumptions.yml``.
TARGET_NATURES: Final[dict[str, str]] = {
    "deaths_maltreatment_or_assault": "Child death",
    "notified_deaths": "Child death",
    "all_notifications": "Total",
    "serious_harm_incidents": "Serious harm",
}

#: Default target of notebook 03: "children who died of abuse".
DEFAULT_TARGET: Final = "deaths_maltreatment_or_assault"

# Year scopes: which April-March years a notebook is meaningful for.
SCOPE_YEAR: Final = "year"  # one report per year with a published total
SCOPE_SERIES: Final = "series"  # the year ends the series (needs 3 points for a trend)
SCOPE_REGIONS: Final = "regions"  # years with regional counts for at least two regions
SCOPE_LATEST: Final = "latest"  # whole-collection notebook: the latest year only


@dataclass(frozen=True)
class NotebookSpec:
    """What one notebook is and which parameters it takes.

    Parameters
    ----------
    id : str
        Two-digit id (``"01"``).
    file : str
        File name in ``notebooks/``.
    title : str
        Title used in reports.
    scope : str
        Which years it accepts: ``"year"`` (every April-March year with a published total from
        2014-15), ``"series"`` (such a year from the third on, as the end of the series),
        ``"regions"`` (years with regional counts) or ``"latest"`` (the latest year only).
    extra : tuple of str
        Parameters beyond ``year``, ``conf_level``, ``method``, ``data_dir`` and ``output_dir``.
    """

    id: str
    file: str
    title: str
    scope: str
    extra: tuple[str, ...] = field(default=())

    @property
    def name(self) -> str:
        """File name without ``.ipynb`` (``"01-annual-overview"``)."""
        return self.file.removesuffix(".ipynb")

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every parameter the notebook declares, in order."""
        return ("year", "conf_level", "method", "data_dir", "output_dir", *self.extra)


NOTEBOOKS: Final[dict[str, NotebookSpec]] = {
    s.id: s
    for s in (
        NotebookSpec(
            "01",
            "01-annual-overview.ipynb",
            "Annual overview",
            SCOPE_YEAR,
        ),
        NotebookSpec(
            "02",
            "02-time-series-and-trend.ipynb",
            "Time series and trend",
            SCOPE_SERIES,
        ),
        NotebookSpec(
            "03",
            "03-what-the-numbers-measure.ipynb",
            "What the numbers measure",
            SCOPE_YEAR,
            ("target", "seed", "n_draws"),
        ),
        NotebookSpec(
            "04",
            "04-panel-and-dfe.ipynb",
            "The Panel's and DfE's counts",
            SCOPE_LATEST,
        ),
        NotebookSpec(
            "05",
            "05-breakdowns-and-areas.ipynb",
            "Breakdowns and areas",
            SCOPE_REGIONS,
        ),
        NotebookSpec(
            "06",
            "06-verify-published-figures.ipynb",
            "Verifying published figures",
            SCOPE_LATEST,
            ("claims_file",),
        ),
    )
}
"""The notebook collection, by id."""


@dataclass(frozen=True)
class NotebookParams:
    """Validated parameters of one notebook run.

    Attributes
    ----------
    notebook : str
        Notebook id (``"01"``).
    period : Period
        The April-March year.
    conf_level : float
        Confidence level in (0, 1).
    method : str
        Interval method for counts and rates (a name in :data:`METHODS`).
    data_dir : str or None
        Data folder; None means the project's ``data/``.
    output_dir : str or None
        Where tables and figures are written; None means display only.
    share_method : str
        Interval method for shares (Wilson unless given).
    ratio_method : str
        Interval method for rate ratios (exact unless given).
    seed, n_draws : int or None
        Simulation settings (notebooks that simulate).
    target : str or None
        Target quantity (notebook 03).
    claims_file : str or None
        A claims file to verify (notebook 06); None for the project's register.
    """

    notebook: str
    period: Period
    conf_level: float
    method: str
    data_dir: str | None
    output_dir: str | None
    share_method: str = "wilson"
    ratio_method: str = "exact"
    seed: int | None = None
    n_draws: int | None = None
    target: str | None = None
    claims_file: str | None = None

    @property
    def year(self) -> str:
        """Canonical id of the year (``"2025-26"``)."""
        return self.period.id

    @property
    def year_label(self) -> str:
        """Human label (``"2025-26 (reporting year 2026)"``)."""
        return self.period.label

    @property
    def level_text(self) -> str:
        """The confidence level as words for sentences (``"95%"``)."""
        return f"{100 * self.conf_level:g}%"

    def as_dict(self) -> dict[str, Any]:
        """Return the parameters as plain JSON-ready values (for ``inputs.json``)."""
        out: dict[str, Any] = {
            "notebook": self.notebook,
            "year": self.year,
            "year_label": self.year_label,
            "conf_level": self.conf_level,
            "method": self.method,
            "share_method": self.share_method,
            "ratio_method": self.ratio_method,
            "data_dir": self.data_dir or "",
            "output_dir": self.output_dir or "",
        }
        for name in ("seed", "n_draws", "target", "claims_file"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


# ---------------------------------------------------------------------------------------------
# Notebooks and years
# ---------------------------------------------------------------------------------------------


def notebook_spec(notebook: object) -> NotebookSpec:
    """Return the spec of a notebook given as ``"01"``, ``1``, its name or its file name.

    Raises
    ------
    ParameterError
        If no notebook matches; the message lists them.
    """
    text = str(notebook).strip() if isinstance(notebook, (str, int)) else ""
    if isinstance(notebook, bool):
        text = ""
    text = Path(text).name.removesuffix(".ipynb") if text else text
    if text.isdigit() and len(text) <= 2:
        text = f"{int(text):02d}"
    for spec in NOTEBOOKS.values():
        if text in (spec.id, spec.name):
            return spec
    names = ", ".join(s.name for s in NOTEBOOKS.values())
    raise ParameterError(f"notebook {notebook!r} is not in the collection; choose one of {names}")


def _published_years(
    data_dir: str | os.PathLike[str] | None, nature: str = "Total"
) -> list[Period]:
    """April-March years with a published national figure for ``nature``, from 2014-15."""
    frame = data.load("sin_national", data_dir)
    first = data.load_breaks(data_dir).first_comparable() or parse_period(FIRST_COMPARABLE_YEAR)
    totals = frame[
        (frame["category"] == nature)
        & (frame["measure"] == "number_notifications")
        & (frame["period_kind"] == FINANCIAL_YEAR)
        & frame["value"].notna()
    ]
    years = sorted({parse_period(p) for p in totals["period"]}, key=lambda p: p.start_year)
    return [p for p in years if p.start_year >= first.start_year]


def _regional_years(data_dir: str | os.PathLike[str] | None) -> list[Period]:
    """April-March years with regional (or local-authority) counts for two or more areas."""
    frame = data.load("characteristics", data_dir)
    areas = frame[
        frame["geographic_level"].isin(["Regional", "Local authority"])
        & (frame["measure"] == "number_notifications")
        & (frame["category"] == "Total")
        & (frame["period_kind"] == FINANCIAL_YEAR)
    ]
    counts = areas.groupby("period")["area_code"].nunique()
    years = [parse_period(p) for p, n in counts.items() if n >= 2]
    return sorted(years, key=lambda p: p.start_year)


def _years_for(
    spec: NotebookSpec, data_dir: str | os.PathLike[str] | None, target: str | None = None
) -> list[Period]:
    published = _published_years(data_dir)
    if spec.scope == SCOPE_YEAR and "target" in spec.extra:
        nature = TARGET_NATURES[target or DEFAULT_TARGET]
        have = {p.id for p in _published_years(data_dir, nature)}
        return [p for p in published if p.id in have]
    if spec.scope == SCOPE_YEAR:
        return published
    if spec.scope == SCOPE_SERIES:
        return published[2:]
    if spec.scope == SCOPE_REGIONS:
        have = {p.id for p in published}
        return [p for p in _regional_years(data_dir) if p.id in have]
    return published[-1:]


def valid_years(
    notebook: object,
    data_dir: str | os.PathLike[str] | None = None,
    target: str | None = None,
) -> list[str]:
    """Return the April-March years (canonical ids) a notebook accepts, oldest first.

    Parameters
    ----------
    notebook : str
        Notebook id or name.
    data_dir : path-like, optional
        Data folder (default: the project's ``data/``).
    target : str, optional
        Notebook 03 only: its target (default :data:`DEFAULT_TARGET`); a year is accepted when
        the national figure the target starts from was published (no child-death figure is
        held for 2018-19 and 2019-20).

    Returns
    -------
    list of str
        E.g. ``["2014-15", "2015-16", ..., "2025-26"]`` for 01 (every year with a published
        total; 2017-18 has none), years ending a series of three or more for 02, years with
        regional counts for 05, the latest year only for 04 and 06.
    """
    spec = notebook_spec(notebook)
    if target is not None and target not in TARGET_NATURES:
        check_target(target)
    return [p.id for p in _years_for(spec, _clean_dir(data_dir), target)]


def default_years(notebook: object, data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Return the years the default build runs a notebook for (with its default parameters).

    Year-specific notebooks (01 and 03) run for every year they accept; whole-collection
    notebooks (02, 04, 05, 06) run for the latest year, which ends their series.
    """
    spec = notebook_spec(notebook)
    years = valid_years(spec.id, data_dir)
    return years if spec.scope == SCOPE_YEAR else years[-1:]


def _clean_dir(value: str | os.PathLike[str] | None) -> str | None:
    if value is None:
        return None
    text = os.fspath(value)
    return text if text.strip() else None


# ---------------------------------------------------------------------------------------------
# One check per parameter
# ---------------------------------------------------------------------------------------------


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_conf_level(conf_level: object) -> float:
    """Return ``conf_level`` as a float in (0, 1); numeric text such as ``"0.95"`` is accepted.

    The library's one rule (:func:`sinstats.stats.intervals.check_conf_level`), with text
    accepted because notebook parameters can arrive as text.

    Raises
    ------
    ParameterError
        For 95 (meaning 0.95: the message says "0.95, not 95"), 0, 1, negative values, NaN,
        booleans or text that is not a number.
    """
    return _check_conf_level(conf_level, text=True)


def _check_choice(name: str, value: object, choices: tuple[str, ...], what: str) -> str:
    if isinstance(value, str) and value in choices:
        return value
    raise ParameterError(
        f"{name} {_short(value)} is not a known {what}; choose one of {', '.join(choices)}"
    )


def check_method(method: object) -> str:
    """Return ``method`` if it names an interval method for counts (see :data:`METHODS`)."""
    return _check_choice("method", method, METHODS, "interval method for counts")


def check_share_method(method: object) -> str:
    """Return ``method`` if it names an interval method for shares (:data:`SHARE_METHODS`)."""
    return _check_choice("share_method", method, SHARE_METHODS, "interval method for shares")


def check_ratio_method(method: object) -> str:
    """Return ``method`` if it names an interval method for rate ratios."""
    return _check_choice("ratio_method", method, RATIO_METHODS, "interval method for ratios")


def check_target(target: object, data_dir: str | os.PathLike[str] | None = None) -> str:
    """Return ``target`` if it names a target quantity of the uncertainty notebook.

    The choices are the targets defined in the assumptions file that start from a national
    figure (:data:`TARGET_NATURES`).
    """
    from sinstats.stats import uncertainty  # the assumptions file defines the targets

    path = paths.assumptions_file(data_dir)
    if not path.is_file():
        path = paths.assumptions_file()
    defined = uncertainty.load_assumptions(path).targets
    choices = tuple(t for t in TARGET_NATURES if t in defined)
    return _check_choice("target", target, choices, "target quantity")


def _as_int(name: str, value: object, low: int, high: int, example: str) -> int:
    result: int | None = None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        result = int(value)
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        result = int(value)
    elif isinstance(value, str) and re.fullmatch(r"\+?[0-9][0-9_]*", value.strip()):
        # ASCII digits only: str.isdigit() also accepts "²", which int() refuses.
        result = int(value.strip().replace("_", ""))
    if result is None or not low <= result <= high:
        raise ParameterError(
            f"{name} {_short(value)} is not a whole number from {low:,} to {high:,}; "
            f"give e.g. {example}"
        )
    return result


def check_seed(seed: object) -> int:
    """Return ``seed`` as an int from 0 to 2**63 - 1."""
    return _as_int("seed", seed, 0, MAX_SEED, "20260401")


def check_n_draws(n_draws: object) -> int:
    """Return ``n_draws`` as an int from :data:`MIN_DRAWS` to :data:`MAX_DRAWS`."""
    return _as_int("n_draws", n_draws, MIN_DRAWS, MAX_DRAWS, "200000")


def check_claims_file(claims_file: object) -> str | None:
    """Return the claims file (None for the project's register) after checking it exists."""
    if claims_file is None or (isinstance(claims_file, str) and not claims_file.strip()):
        return None
    if not isinstance(claims_file, (str, os.PathLike)):
        raise ParameterError(
            f"claims_file {_short(claims_file)} is not a file name; leave it empty for the "
            "project's register (data/claims/published.yml)"
        )
    text = os.fspath(claims_file)
    path = Path(text).expanduser()
    if not isinstance(text, str) or "\x00" in text or not path.is_file():
        raise ParameterError(
            f"claims_file {_short(text)} is not an existing file; give a YAML claims file "
            "(see docs/claims.md) or leave it empty for the project's register"
        )
    return str(path.resolve())


def _folder_name(name: str, value: object, if_empty: str) -> str | None:
    """Return the folder a parameter names as text, None when it is None or empty.

    Raises
    ------
    ParameterError
        If the value is neither text nor a path; the message ends "leave it empty ``if_empty``".
    """
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)):
        raise ParameterError(
            f"{name} {_short(value)} is not a folder name; leave it empty {if_empty}"
        )
    text = os.fspath(value)
    if not isinstance(text, str) or not text.strip():
        return None
    return text


def check_data_dir(data_dir: object) -> str | None:
    """Return the data folder (None for the project's ``data/``) after checking it exists.

    Raises
    ------
    ParameterError
        If the value is not a string, the folder does not exist, or it holds no
        ``published/`` folder.
    """
    text = _folder_name("data_dir", data_dir, "for the project's data/ folder")
    if text is None:
        return None
    folder = Path(text).expanduser()
    if "\x00" in text or not folder.is_dir():
        raise ParameterError(
            f"data_dir {_short(text)} is not an existing folder; leave it empty for the "
            f"project's data/ folder ({paths.data_dir()})"
        )
    if not (folder / "published").is_dir():
        raise ParameterError(
            f"data_dir {_short(text)} holds no published/ folder; give a folder laid out like "
            "the project's data/ (published/*.csv and SHA256SUMS) or leave it empty"
        )
    return str(folder.resolve())


def check_output_dir(output_dir: object) -> str | None:
    """Return the output folder (None: display only) after checking it is not a file."""
    text = _folder_name("output_dir", output_dir, "to only display results")
    if text is None:
        return None
    folder = Path(text).expanduser()
    if "\x00" in text or (folder.exists() and not folder.is_dir()):
        raise ParameterError(
            f"output_dir {_short(text)} is a file, not a folder; give a folder (it is created "
            "if missing) or leave it empty to only display results"
        )
    return str(folder.resolve())


def _not_comparable_reason(period: Period, entry: data.Break, data_dir: object) -> str:
    """Say why a year of the earlier collection has no report: not comparable, not missing."""
    try:
        held = data.count(period, "Total", data_dir=data_dir).value  # type: ignore[arg-type]
        what = f"its total ({held:,.0f}) is held for context"
    except NoDataError:
        what = "it is shown for context only"
    first = parse_period(entry.last.id if entry.last else entry.first.id).start_year + 1
    return (
        f"is in {entry.span}: {entry.meaning}; {what}, but no report is made for it, so that it "
        f"is never compared with {first}-{(first + 1) % 100:02d} on (data/breaks.yml, "
        f"'{entry.id}')"
    )


def check_year(
    year: object,
    notebook: object = "01",
    data_dir: str | os.PathLike[str] | None = None,
    target: str | None = None,
) -> Period:
    """Return the April-March year for a notebook, or say which years it accepts.

    Parameters
    ----------
    year : str or int
        ``"2025-26"``, ``"2026"`` (reporting year), ``"202526"`` or ``2026``.
    notebook : str
        Notebook id or name.
    data_dir : path-like, optional
        Data folder.
    target : str, optional
        Notebook 03's target (see :func:`valid_years`).

    Raises
    ------
    ParameterError
        If the year cannot be read or the notebook has no data for it.
    """
    spec = notebook_spec(notebook)
    choices = valid_years(spec.id, data_dir, target)
    listed = ", ".join(choices)
    accepted = (
        f"choose one of {listed} (or the reporting year, e.g. "
        f"{parse_period(choices[-1]).reporting_year})"
        if len(choices) > 1
        else f"this notebook covers the whole collection and ends at the latest year, {listed}"
    )
    try:
        if isinstance(year, bool) or not isinstance(year, (str, int)):
            raise PeriodError("not a year")
        period = parse_period(year)
    except PeriodError:
        raise ParameterError(
            f"year {_short(year)} is not an April-March year; {accepted}"
        ) from None
    if period.kind != FINANCIAL_YEAR:
        raise ParameterError(
            f"year {_short(year)} is not a whole April-March year; {accepted}"
        ) from None
    if period.id not in choices:
        reason = "has no published national total"
        breaks = data.load_breaks(data_dir)
        earlier = breaks.not_comparable(period)
        gap = next((b for b in breaks.of_kind("gap") if b.covers(period)), None)
        if earlier is not None:
            reason = _not_comparable_reason(period, earlier, data_dir)
        elif gap is not None:
            reason = f"is a gap in the series ({gap.meaning}), so the year is left missing"
        elif "target" in spec.extra and period.id in valid_years("01", data_dir):
            target = target or DEFAULT_TARGET
            nature = TARGET_NATURES[target].lower()
            reason = f"has no published national {nature} figure, which target {target} starts from"
        elif spec.scope == SCOPE_SERIES and period.id in valid_years("01", data_dir):
            reason = "is too early to end a series (a trend needs three years)"
        elif spec.scope == SCOPE_REGIONS:
            reason = "has no regional counts for two or more areas"
        elif spec.scope == SCOPE_LATEST and period.id in valid_years("01", data_dir):
            reason = "is not the latest year"
        span = f"April {period.start_year} to March {period.end_year}"
        raise ParameterError(f"year {_short(year)} ({span}) {reason}; {accepted}")
    return period


# ---------------------------------------------------------------------------------------------
# The validation cell
# ---------------------------------------------------------------------------------------------


def validate(
    notebook: object,
    *,
    year: object,
    conf_level: object = 0.95,
    method: object = "exact",
    data_dir: object = None,
    output_dir: object = None,
    share_method: object = "wilson",
    ratio_method: object = "exact",
    seed: object = None,
    n_draws: object = None,
    target: object = None,
    claims_file: object = None,
) -> NotebookParams:
    """Validate a notebook's parameters; the first code cell after ``parameters`` calls this.

    Parameters
    ----------
    notebook : str
        Notebook id (``"01"``) or name.
    year : str or int
        April-March year in any accepted form.
    conf_level : float
        Confidence level, a proportion in (0, 1).
    method : str
        Interval method for counts and rates (:data:`METHODS`).
    data_dir, output_dir : str, optional
        Folders; empty or None means the project's ``data/`` and display only.
    share_method, ratio_method : str
        Interval methods for shares and rate ratios.
    seed, n_draws, target : optional
        Required by notebooks that simulate (03); must be None elsewhere.
    claims_file : str, optional
        Notebook 06: a claims file to verify ("" for the project's register).

    Returns
    -------
    NotebookParams

    Raises
    ------
    ParameterError
        With one sentence naming the first bad parameter and its valid choices. Checks run in
        the order of the parameters cell, the cheap ones first.
    """
    spec = notebook_spec(notebook)
    checked: dict[str, Any] = {  # in the order of the checks
        "conf_level": check_conf_level(conf_level),
        "method": check_method(method),
        "share_method": check_share_method(share_method),
        "ratio_method": check_ratio_method(ratio_method),
        "data_dir": check_data_dir(data_dir),
        "output_dir": check_output_dir(output_dir),
    }
    extra_checks: dict[str, Callable[[object], Any]] = {
        "target": lambda value: check_target(value, checked["data_dir"]),
        "seed": check_seed,
        "n_draws": check_n_draws,
        "claims_file": check_claims_file,
    }
    given = {"target": target, "seed": seed, "n_draws": n_draws, "claims_file": claims_file}
    for key, check in extra_checks.items():
        if key in spec.extra:
            checked[key] = check(given[key])
        elif given[key] is not None:
            raise ParameterError(
                f"{key} is not a parameter of notebook {spec.name}; its parameters are "
                f"{', '.join(spec.parameters)}"
            )
    try:
        period = check_year(year, spec.id, checked["data_dir"], checked.get("target"))
    except NoDataError as err:  # pragma: no cover - a data folder without a national total
        raise ParameterError(f"year {_short(year)}: {err}") from None
    return NotebookParams(notebook=spec.id, period=period, **checked)


def _short_traceback(
    shell: Any, etype: type[BaseException], value: BaseException, tb: Any, tb_offset: Any = None
) -> list[str]:
    """IPython custom exception handler: show ``ErrorType: message`` and nothing else."""
    stb = [f"{etype.__name__}: {value}"]
    shell._showtraceback(etype, value, stb)
    return stb


def install_error_handler() -> bool:
    """Show sinstats errors in a notebook as one sentence instead of a traceback.

    The cell still fails (IPython records the error and the kernel replies with status
    ``error``), so papermill stops and reports the failure as usual.

    Returns
    -------
    bool
        True when installed (inside IPython), False outside IPython.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of ipykernel
        return False
    shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc((SinstatsError,), _short_traceback)
    return True
