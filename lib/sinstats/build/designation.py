"""What a report's title page and the index say about the designation of the figures it uses.

A report draws on the figures of its year (the headline) and, in charts and comparisons, of
other years; each year's figures carry the designation of the release that published them
(``data/published/designation.csv``, :mod:`sinstats.data.statistics_designation`).
:func:`report_designation` gathers that for one run: the year's release and its designation,
the other years grouped by designation, whether the report shows model estimates (which carry
no designation) and whether it uses the Panel's annual-report figures (for which no designation
was found).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sinstats import data
from sinstats._typing import DataDir
from sinstats.errors import ParameterError, SinstatsError
from sinstats.periods import parse_period
from sinstats.present import params

__all__ = ["PANEL_NOTE", "ReportDesignation", "designation_of_run", "report_designation"]

PANEL_NOTE = (
    "The Child Safeguarding Practice Review Panel's annual-report figures are not a statistics "
    "release; no designation was found for them."
)
"""What a report using the Panel's figures says about their designation."""

# The notebook parameter that marks a report of the uncertainty model (its outputs are model
# estimates): see sinstats.present.params.NOTEBOOKS.
_MODEL_PARAMETER = "target"


def _spans(ids: list[str]) -> str:
    """Join period ids, collapsing runs of consecutive April-March years: ``2022-23 to 2024-25``."""
    parts: list[list[str]] = []
    for pid in ids:
        if parts and parse_period(pid).start_year == parse_period(parts[-1][-1]).start_year + 1:
            parts[-1].append(pid)
        else:
            parts.append([pid])
    return ", ".join(f"{p[0]} to {p[-1]}" if len(p) > 2 else ", ".join(p) for p in parts)


@dataclass(frozen=True)
class ReportDesignation:
    """The designation facts of one report.

    Parameters
    ----------
    year : sinstats.data.Designation
        The release that published the report's year's figures.
    others : tuple of (str, str)
        ``(designation, periods)`` for the other years with national figures (the series and
        comparisons a report may show), e.g. ``("official statistics", "2022-23 to 2024-25")``.
    model : bool
        The report shows model estimates (notebook 03).
    panel : bool
        The report uses the Panel's annual-report figures.
    """

    year: data.Designation
    others: tuple[tuple[str, str], ...] = ()
    model: bool = False
    panel: bool = False

    def release_text(self) -> str | None:
        """Return the year's release as ``producer, title``, or None when no release is recorded."""
        if not self.year.release_id:
            return None
        text = f"{self.year.producer}, {self.year.release_title}"
        return text if self.year.known else f"{text} (its own page was not found)"

    def year_text(self) -> str:
        """Return the year's designation with the words that state it."""
        rec = self.year
        if not rec.known:
            return f"{rec.period_label}: designation not known ({rec.note})."
        return f"{rec.period_label}: {rec.designation}. “{rec.quote}”"

    def lines(self) -> list[tuple[str, str]]:
        """Return the title page's ``(label, text)`` lines, the year's designation first."""
        out = [("Designation", self.year_text())]
        if self.others:
            listed = "; ".join(f"{d} {periods}" for d, periods in self.others)
            out.append(
                (
                    "Other years",
                    "Where this report shows other years, each carries its own release's "
                    f"designation: {listed}.",
                )
            )
        if self.model:
            model = data.MODEL_ESTIMATE
            out.append(("Model estimates", f"{model[0].upper()}{model[1:]}."))
        if self.panel:
            out.append(("Panel figures", PANEL_NOTE))
        return out


def report_designation(
    period: object,
    *,
    notebook: str = "",
    data_files: Iterable[str] = (),
    data_dir: DataDir = None,
) -> ReportDesignation:
    """Return the designation facts of a report for ``period``.

    Parameters
    ----------
    period : str or Period
        The report's April-March year.
    notebook : str
        The notebook's name or file name; a notebook of the collection that takes a model
        ``target`` (:data:`sinstats.present.params.NOTEBOOKS`) shows model estimates.
    data_files : iterable of str
        The data files the run read (a path ending ``panel_notifications.csv`` means it uses
        the Panel's figures).
    data_dir : path-like, optional
        The data folder.

    Returns
    -------
    ReportDesignation

    Raises
    ------
    DataError
        If ``designation.csv`` or ``sin_national.csv`` is missing or invalid.
    """
    year = parse_period(period)
    others = [
        p
        for p in data.periods("sin_national", data_dir=data_dir)
        if parse_period(p).kind == year.kind and p != year.id
    ]
    grouped = data.summarise(data.designation(p, data_dir) for p in others)
    try:
        model = _MODEL_PARAMETER in params.notebook_spec(notebook).extra
    except ParameterError:  # a notebook outside the collection (a test's fixture notebook)
        model = False
    return ReportDesignation(
        year=data.designation(year, data_dir),
        others=tuple((d, _spans(ids)) for d, ids in grouped),
        model=model,
        panel=any(str(f).endswith("panel_notifications.csv") for f in data_files),
    )


def designation_of_run(
    meta: Mapping[str, Any], data_files: Iterable[str]
) -> ReportDesignation | None:
    """Return a run's designation facts from its report metadata, or None if they cannot be had.

    Parameters
    ----------
    meta : mapping
        The run's report metadata or manifest entry (``period``, ``notebook``, ``parameters``).
    data_files : iterable of str
        The data files the run read.

    Returns
    -------
    ReportDesignation or None
        None when the data cannot be read (the report is still produced; its title page then
        says nothing about designation rather than something wrong).
    """
    params_ = dict(meta.get("parameters") or {})
    try:
        return report_designation(
            str(meta["period"]),
            notebook=str(meta.get("notebook") or ""),
            data_files=data_files,
            data_dir=params_.get("data_dir") or None,
        )
    except (SinstatsError, KeyError):
        return None
