"""The tables workbook: every CSV table of a period's reports in one accessible ``tables.xlsx``.

:func:`write_workbook` collects the ``tables/*.csv`` of a period's runs into
``reports/<period>/tables.xlsx`` with ``gptables`` (the Government Analysis Function's style:
cover sheet, contents, notes, one table per sheet, units and sources). pandas and gptables are
imported inside the function, so importing this module is cheap.

The tables hold text the project did not write (statements, notes, sources), so every text cell
is written as a string, never as a formula or a link: xlsxwriter's ``strings_to_formulas`` and
``strings_to_urls`` are off, gptables' ``[text](url)`` markup and ``$$note$$`` references are not
applied to cell text, and a cell whose text starts with a character a spreadsheet could read as
the start of a formula (``= + - @``, tab, carriage return, line feed) is also given Excel's
"quote prefix" (the leading apostrophe Excel itself uses, stored as cell style, so the text shows
unchanged and stays text when the cell is edited; OWASP's advice for CSV injection). The only
links are the values of a ``url`` or ``*_url`` column, each checked to be an http(s) address (a
bad one is an error naming the file, row and column). :func:`workbook_key` is the hash of what a
period's workbook is made from, which the manifest records so that a stale workbook is rewritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sinstats import __version__
from sinstats.build._helpers import date_in_words, inside, replacing
from sinstats.build.cache import last_good
from sinstats.build.folder import table_csvs
from sinstats.errors import DataError

WORKBOOK_FORMAT = 2
"""Version of how tables become a workbook (part of :func:`workbook_key`)."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
"""Leading characters that make a spreadsheet read text as a formula (OWASP CSV injection)."""

WORKBOOK_OPTIONS: dict[str, bool] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
"""xlsxwriter options: text is written as text, whatever it looks like."""

_MAX_URL = 2079
"""The longest hyperlink Excel accepts; a longer address is written as text."""

SOURCE_TEXT = (
    "Department for Education and Ofsted serious incident notifications; Child Safeguarding "
    "Practice Review Panel annual reports; ONS mid-year population estimates (as transcribed in "
    "data/published/ with a source for every figure); computed with sinstats"
)
"""The sources named on every sheet and on the cover."""

_UNIT_RULES: tuple[tuple[str, str], ...] = (
    ("per_100", "per 100,000 children aged 0 to 17"),
    ("rate", "per 100,000 children aged 0 to 17"),
    ("percent", "percentage"),
    ("pct", "percentage"),
    ("share", "percentage"),
    ("conf_level", "proportion (0 to 1)"),
    ("population", "children"),
    ("notifications", "count of notifications"),
    ("count", "count"),
    ("observed", "count"),
    ("expected", "count"),
)


def _units(columns: Sequence[str]) -> dict[str, str]:
    out = {}
    for col in columns:
        low = col.lower()
        for needle, unit in _UNIT_RULES:
            if needle in low:
                out[col] = unit
                break
    return out


def _humanise(name: str) -> str:
    text = re.sub(r"[_\-]+", " ", name).strip()
    return text[:1].upper() + text[1:]


def literal(text: object) -> str:
    """Return text for a gptables title or subtitle with gptables' own markup made inert.

    gptables reads ``$$name$$`` as a note reference and ``[text](url)`` as a link; a zero-width
    space between the two characters of each marker keeps the text as it reads.

    Parameters
    ----------
    text : object
        Any text (from a notebook, a manifest entry or a file name).

    Returns
    -------
    str
        The same text, without gptables markup.
    """
    return str(text).replace("$$", "$\u200b$").replace("](", "]\u200b(")


def is_http_url(value: str) -> bool:
    """Whether ``value`` is an http(s) address with a host and no spaces or control characters.

    Parameters
    ----------
    value : str
        The text of a ``url`` cell.

    Returns
    -------
    bool
        True for ``https://host/...`` and ``http://host/...``.
    """
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _cell(value: object, column: str, row: int, rel: str) -> object:
    """Return what gptables writes for one table cell: numbers as they are, text made inert."""
    from gptables.core.gptable import FormatList

    if not isinstance(value, str):
        return value
    if not value.strip():
        return math.nan
    if column == "url" or column.endswith("_url"):
        if not is_http_url(value):
            raise DataError(
                f"row {row + 1}: {value[:200]!r} is not an http(s) address; a link in the "
                "workbook must be one",
                path=rel,
                column=column,
            )
        if len(value) <= _MAX_URL:
            return {value: value}
    style = {"quote_prefix": True} if value.startswith(FORMULA_START) else {}
    return FormatList([style, value])


def _inert(table: Any, rel: str) -> Any:
    """Return the table with every text cell wrapped so that gptables writes it as plain text."""
    import pandas as pd

    out = table.copy()
    for col in table.columns:
        if not pd.api.types.is_numeric_dtype(table[col]):
            cells = [_cell(v, str(col), i, rel) for i, v in enumerate(table[col])]
            out[col] = pd.Series(cells, index=table.index, dtype=object)
    return out


def workbook_key(period_id: str, entries: Sequence[Mapping[str, Any]]) -> str:
    """Return the hash of what a period's workbook is made from.

    Parameters
    ----------
    period_id : str
        The period.
    entries : sequence of mapping
        The manifest entries of the period's runs.

    Returns
    -------
    str
        Hex SHA-256 of the period, the entries' ids and titles, each table's path and SHA-256,
        and the sinstats version and :data:`WORKBOOK_FORMAT`.
    """
    parts = []
    for entry in entries:
        good = last_good(entry) or {}
        files = good.get("output_files") or {}
        tables = [
            [rel, (files.get(rel) or {}).get("sha256")]
            for rel in table_csvs(good.get("outputs", []))
        ]
        parts.append([entry.get("id"), entry.get("title"), entry.get("notebook"), tables])
    payload = {
        "period": period_id,
        "runs": parts,
        "format": WORKBOOK_FORMAT,
        "sinstats": __version__,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _sheets(out_dir: Path, period_id: str, entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One ``gptables.GPTable`` per non-empty CSV table of the entries' last good outputs."""
    import gptables
    import pandas as pd

    sheets: dict[str, Any] = {}
    for entry in entries:
        good = last_good(entry) or {}
        for rel in table_csvs(good.get("outputs", [])):
            try:
                path = inside(out_dir, rel)
            except ValueError:
                continue
            if not path.is_file() or path.is_symlink():
                continue
            table = pd.read_csv(path, keep_default_na=False, na_values=[""])
            if table.empty or not len(table.columns):
                continue
            table = _inert(table, rel)
            n = len(sheets) + 1
            name = Path(rel).stem
            title = f"{_humanise(name)}, {period_id} ({entry.get('title', entry.get('notebook'))})"
            sheets[f"Table_{n}"] = gptables.GPTable(
                table=table,
                table_name=f"table_{n}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"[:250],
                title=f"{literal(title)} $$method$$",
                subtitles=[
                    literal(f"Notebook {entry.get('notebook')}.ipynb, file {rel}"),
                    "Intervals and method: see the method, conf_level and note columns.",
                ],
                instructions="This worksheet contains one table. Some cells may refer to notes "
                "in the note column or on the Notes worksheet.",
                source=f"Source: {SOURCE_TEXT}. $$provenance$$",
                units=_units([str(c) for c in table.columns]) or None,
                index_columns={},
            )
    return sheets


def write_workbook(
    out_dir: Path,
    period_id: str,
    entries: Sequence[Mapping[str, Any]],
    meta: Mapping[str, Any],
    target: Path | None = None,
) -> Path | None:
    """Write ``<out>/<period>/tables.xlsx``: every CSV table of the period's runs.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    period_id : str
        The period folder, e.g. ``2025-26``.
    entries : sequence of mapping
        The manifest entries of the period's runs (the ``outputs`` of their last good build
        name the CSV files).
    meta : mapping
        Build facts (``created``, ``build_date``, ``git_commit``).
    target : Path, optional
        Where to write (default ``<out>/<period>/tables.xlsx``; the build writes to a staging
        folder and moves the file into place with the manifest).

    Returns
    -------
    Path or None
        The workbook, or None when the period has no table (nothing is written then).

    Raises
    ------
    DataError
        If a ``url`` column holds something other than an http(s) address (naming the table
        file, the row and the column).
    """
    import warnings

    import gptables
    import pandas as pd

    sheets = _sheets(out_dir, period_id, entries)
    target = target if target is not None else out_dir / period_id / "tables.xlsx"
    if not sheets:
        return None
    notes = pd.DataFrame(
        {
            "Note reference": ["method", "provenance"],
            "Note text": [
                "Each row states the interval method (method), its confidence level (conf_level) "
                "and any caveat (note). Counts are published figures; intervals describe chance "
                "variation only unless the note says otherwise.",
                "The git commit, the SHA-256 of every data file read, the parameters and the "
                "package versions behind each table are recorded in reports/manifest.json and "
                "on the last page of each PDF report.",
            ],
        }
    )
    cover = gptables.Cover(
        title=f"Serious incident notifications in England: tables, {period_id}",
        intro=[
            f"Every table produced by the sinstats reports for {period_id}, one table per sheet.",
            "Tables are tidy: one row per figure, with the interval method, confidence level "
            "and notes in their own columns.",
        ],
        about=[
            f"Built {date_in_words(str(meta['build_date']))} by sinstats {__version__}"
            + (f" at git commit {meta['git_commit']}" if meta.get("git_commit") else "")
            + ".",
            f"Sources: {SOURCE_TEXT}.",
            "The same tables are available as CSV files beside each report.",
        ],
        contact=["See the project's README for how to report a problem."],
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = gptables.produce_workbook(
            filename=str(tmp),
            sheets=sheets,
            cover=cover,
            contentsheet_label="Contents",
            notes_table=notes,
            workbook_options=WORKBOOK_OPTIONS,
        )
        created = dt.datetime.strptime(str(meta["created"]), "%Y-%m-%dT%H:%M:%SZ")
        wb.set_properties(
            {
                "title": f"Serious incident notifications in England: tables, {period_id}",
                "subject": "Tables behind the sinstats reports",
                "author": "sinstats",
                "created": created,
            }
        )
        wb.close()
    return target
