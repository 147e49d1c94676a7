"""The tables workbook: every CSV table of a period's reports in one accessible ``tables.xlsx``.

:func:`write_workbook` collects the ``tables/*.csv`` of a period's runs into
``reports/<period>/tables.xlsx`` with ``gptables`` (the Government Analysis Function's style:
cover sheet, contents, notes, one table per sheet, units and sources). pandas and gptables are
imported inside the function, so importing this module is cheap.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sinstats import __version__
from sinstats.build._helpers import date_in_words, replacing
from sinstats.build.cache import last_good
from sinstats.build.folder import table_csvs

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


def _sheets(out_dir: Path, period_id: str, entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One ``gptables.GPTable`` per non-empty CSV table of the entries' last good outputs."""
    import gptables
    import pandas as pd

    sheets: dict[str, Any] = {}
    for entry in entries:
        good = last_good(entry) or {}
        for rel in table_csvs(good.get("outputs", [])):
            path = out_dir / rel
            if not path.is_file():
                continue
            table = pd.read_csv(path, keep_default_na=False, na_values=[""])
            if table.empty or not len(table.columns):
                continue
            n = len(sheets) + 1
            name = Path(rel).stem
            title = f"{_humanise(name)}, {period_id} ({entry.get('title', entry.get('notebook'))})"
            sheets[f"Table_{n}"] = gptables.GPTable(
                table=table,
                table_name=f"table_{n}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"[:250],
                title=f"{title} $$method$$",
                subtitles=[
                    f"Notebook {entry.get('notebook')}.ipynb, file {rel}",
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

    Returns
    -------
    Path or None
        The workbook, or None when the period has no table (an old workbook is then removed).
    """
    import warnings

    import gptables
    import pandas as pd

    sheets = _sheets(out_dir, period_id, entries)
    period_dir = out_dir / period_id
    target = period_dir / "tables.xlsx"
    if not sheets:
        if target.exists():
            target.unlink()
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
    period_dir.mkdir(parents=True, exist_ok=True)
    with replacing(target) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = gptables.produce_workbook(
            filename=str(tmp),
            sheets=sheets,
            cover=cover,
            contentsheet_label="Contents",
            notes_table=notes,
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
