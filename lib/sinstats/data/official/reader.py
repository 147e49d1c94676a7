"""Read one official EES file of any format era into the tidy schema.

:func:`read_ees_file` decodes the file, tells its era from the header
(:func:`~sinstats.data.official.eras.detect_layout`), turns every row into tidy records
(:func:`~sinstats.data.official.records.row_records`) and refuses a figure given twice. The
result, an :class:`EesFile`, carries the era, the frame and the SHA-256 of the bytes read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from sinstats._typing import PathLike
from sinstats.data import schema
from sinstats.data._reading import check_unique_columns, decode_text, read_table
from sinstats.data.official.eras import Layout, detect_layout, looks_care_leaver
from sinstats.data.official.records import FileContext, row_records
from sinstats.data.provenance import sha256_bytes
from sinstats.errors import DataError


@dataclass(frozen=True)
class EesFile:
    """One official file read by :func:`read_ees_file`.

    Parameters
    ----------
    path : Path
        Where the file was read from.
    era : str
        Its format era (a key of :data:`~sinstats.data.official.eras.ERAS`).
    frame : pandas.DataFrame
        Its figures in :data:`sinstats.data.TIDY_COLUMNS`.
    sha256 : str
        SHA-256 of the file's bytes.
    """

    path: Path
    era: str
    frame: pd.DataFrame
    sha256: str

    @property
    def periods(self) -> list[str]:
        """Canonical ids of the periods in the file, in time order."""
        ordered = self.frame.sort_values("period_start", kind="stable")["period"]
        return list(dict.fromkeys(ordered.tolist()))


def read_ees_file(
    path: PathLike,
    *,
    release: str | None = None,
    source_url: str | None = None,
    origin: str | None = None,
    label: str | None = None,
) -> EesFile:
    """Read and validate one official EES CSV of any format era.

    The era is told from the header; every row becomes tidy records, and a figure given twice
    is refused. The file is not recorded as read here: the callers record it with the SHA-256
    this returns.

    Parameters
    ----------
    path : path-like
        The CSV file.
    release : str, optional
        The release slug it came from (gives ``source_id`` such as ``EES_RY2026_<file stem>``).
    source_url : str, optional
        Where it came from (default: the release page, or the publication page).
    origin : str, optional
        Value of the ``origin`` column (default ``ees:<file name>``).
    label : str, optional
        How to name the file in error messages (default: its path).

    Returns
    -------
    EesFile
        The era and the tidy frame (columns :data:`sinstats.data.TIDY_COLUMNS`).

    Raises
    ------
    DataError
        If the file is not a recognisable EES file of a known era (the message names the file,
        line and column), holds an unknown symbol, an unparseable period, a negative or
        fractional count, or the same figure twice.
    ParameterError
        If ``release`` is not a release slug.
    """
    p = Path(path)
    where = label or str(p)
    if not p.is_file():
        raise DataError("file not found", path=where)
    raw = p.read_bytes()
    text = decode_text(raw, where, "an EES CSV")

    def check_header(header: list[str]) -> Layout:
        check_unique_columns(header, where)
        return detect_layout(header, where)

    layout, rows = read_table(text, where, check_header)
    if (
        layout.era == "ry_breakdown"
        and layout.nature is None
        and looks_care_leaver(p, rows, layout)
    ):
        layout = replace(layout, era="care_leaver")
    ctx = FileContext.of(p, where, layout, release=release, source_url=source_url, origin=origin)
    records: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        for rec in row_records(line, cells, ctx):
            key = schema.record_key(rec)
            if key in seen:
                raise DataError(
                    f"duplicates the figure on line {seen[key]} (same period, area, breakdown, "
                    f"nature and measure {rec['measure']})",
                    path=where,
                    line=line,
                )
            seen[key] = line
            records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=list(schema.TIDY_COLUMNS))
    return EesFile(p, layout.era, frame, sha256_bytes(raw))
