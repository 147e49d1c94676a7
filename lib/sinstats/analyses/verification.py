"""The reviewer's notebook (06): the claims register verified and rendered for a report.

:func:`sinstats.analyses.claims.verify` recomputes every claim; this module lays the result out for
readers (one row per claim with its verdict and interval), picks out the claims whose
explanation a reader most needs (above all "150 children died of abuse"), and summarises.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from sinstats import paths
from sinstats._typing import DataDir
from sinstats.analyses import claims
from sinstats.errors import ParameterError
from sinstats.present.key_figures import KeyFigure
from sinstats.present.tables import Column, Display
from sinstats.present.words import interval_text, number_text
from sinstats.stats import intervals

#: The claim whose explanation the notebook sets out in full.
HEADLINE_CLAIM = "panel-2021-150-children-died"


def claims_path(claims_file: str = "", data_dir: DataDir = None) -> Path:
    """Return the claims file: ``claims_file`` if given, else the register in the data folder.

    Parameters
    ----------
    claims_file : str
        A claims file (notebook 06's ``claims_file`` parameter); empty for the register.
    data_dir : path-like, optional
        The data folder whose ``claims/published.yml`` is the register (the project's register
        when that folder has none).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    ParameterError
        If ``claims_file`` is given but is not an existing file.
    """
    if claims_file and str(claims_file).strip():
        path = Path(claims_file).expanduser()
        if not path.is_file():
            raise ParameterError(
                f"claims_file {claims_file!r} is not an existing file; leave it empty for the "
                f"project's register ({paths.claims_file()})"
            )
        return path.resolve()
    path = paths.claims_file(data_dir)
    return path if path.is_file() else paths.claims_file()


def verify(
    claims_file: str = "",
    *,
    conf_level: float = claims.DEFAULT_CONF_LEVEL,
    method: str = "exact",
    data_dir: DataDir = None,
) -> pd.DataFrame:
    """Verify every claim and return :func:`sinstats.analyses.claims.verify_table`'s tidy table.

    Parameters
    ----------
    claims_file : str
        See :func:`claims_path`.
    conf_level : float, default 0.95
        Level of every interval.
    method : str, default "exact"
        Poisson interval method for claims of kind ``count`` (one of
        :data:`sinstats.stats.intervals.POISSON_METHODS`); the verdicts never depend on it.
        Other kinds keep the register's methods (Wilson for shares, exact rate ratio for
        changes).
    data_dir : path-like, optional

    Returns
    -------
    pandas.DataFrame
        One row per claim; ``attrs["claims_file"]`` names the file verified.

    Raises
    ------
    ClaimsError
        For an invalid claims file.
    ParameterError
        For a bad ``claims_file``, ``conf_level`` or ``method``.
    """
    path = claims_path(claims_file, data_dir)
    results = claims.verify(claims.load_claims(path), conf_level=conf_level, data_dir=data_dir)
    table = claims.verify_table(results)
    if method != "exact":
        counts = (table["kind"] == "count") & table["recomputed"].notna()
        for i in table.index[counts]:
            value = float(table.loc[i, "recomputed"])
            if value.is_integer() and value >= 0:
                ci = intervals.poisson_ci(int(value), conf_level, method)
                table.at[i, "lower"] = float(ci.lower)
                table.at[i, "upper"] = float(ci.upper)
                table.at[i, "method"] = f"poisson {method}"
    table.attrs["claims_file"] = str(path)
    return table


def _interval(lo: float, hi: float, kind: str) -> str:
    if math.isnan(lo):
        return "-"
    return interval_text(lo, hi, 0 if kind in ("count", "difference") else 1)


def _recomputed(value: float, places: float, *, decimals: int = 0) -> str:
    """Write the recomputed value with the claim's own decimals (one when it has none)."""
    places = math.nan if places is None else float(places)
    return number_text(value, 1 if math.isnan(places) else int(places))


def _claim_interval(lo: float, hi: float, kind: str, *, decimals: int = 0) -> str:
    """Write the interval with no decimals for counts and differences, one otherwise."""
    return _interval(lo, hi, kind)


_CHANCE: dict[object, str] = {True: "yes", False: "no"}

register_display = Display(
    "verify",
    Column("Claim", "id"),
    Column("Statement", "statement"),
    Column("Published", "published_display"),
    Column("Recomputed", ("recomputed", "decimals"), _recomputed),
    Column("Verdict", "verdict"),
    Column("Interval", ("lower", "upper", "kind"), _claim_interval),
    Column("Chance alone?", "chance_alone", lambda v, decimals: _CHANCE.get(v, "-")),
)


def summary_sentence(table: pd.DataFrame) -> str:
    """Count the verdicts in one sentence, naming the claims that differ or cannot be checked.

    Parameters
    ----------
    table : pandas.DataFrame
        The verified register; its ``verdict`` column is counted.

    Returns
    -------
    str
    """
    counts = table["verdict"].value_counts()
    text = (
        f"Of {len(table)} published claims, {int(counts.get('reproduces', 0))} reproduce from the "
        f"data, {int(counts.get('differs', 0))} differ and {int(counts.get('cannot check', 0))} "
        "cannot be checked with the figures held."
    )
    for verdict in ("differs", "cannot check"):
        ids = table.loc[table["verdict"] == verdict, "id"].tolist()
        if ids:
            text += f" {verdict.capitalize()}: {', '.join(ids)}."
    return text


def explanation(table: pd.DataFrame, claim_id: str = HEADLINE_CLAIM) -> str:
    """Return a claim's explanation and its model interval as Markdown.

    Parameters
    ----------
    table : pandas.DataFrame
        The verified register; the claim's row gives the explanation.
    claim_id : str, default :data:`HEADLINE_CLAIM`

    Returns
    -------
    str
        Empty when the table has no such claim.
    """
    rows = table[table["id"] == claim_id]
    if rows.empty:
        return ""
    r = rows.iloc[0]
    text = f"**{r['statement']}** ({r['source']}). {r['explanation']}"
    if not math.isnan(float(r["model_central"])):
        text += f"\n\n*Model:* {r['model_note']}"
    return text


DATASET_WORDS: dict[str, str] = {
    "sin_national": "the DfE national series",
    "panel_notifications": "the Panel's annual-report series",
    "population_0_17": "the ONS population series",
    "characteristics": "the DfE breakdowns",
    "external_evidence": "the external evidence file",
}
"""The datasets' names in words, for the reasons a reader sees (the ids stay in the CSV)."""


def _why(note: object, *, decimals: int = 0) -> str:
    """Write a verdict's reason for readers: dataset ids in words."""
    text = str(note) if note is not None else ""
    for dataset, words in DATASET_WORDS.items():
        text = re.sub(rf"\b{dataset}\b", words, text)
    return text


differs_display = Display(
    "verify",
    Column("Claim", "id"),
    Column("Verdict", "verdict"),
    Column("Published", "published_display"),
    Column("Why", "note", _why),
    where=lambda t: t["verdict"] != "reproduces",
)


def key_figures(table: pd.DataFrame) -> list[KeyFigure]:
    """Return notebook 06's key figures: claims checked and how many reproduce.

    Parameters
    ----------
    table : pandas.DataFrame
        The verified register (:func:`verify`); only its verdicts are read.

    Returns
    -------
    list of KeyFigure
        ``claims_reproduced``: how many claims reproduce, with the sentence "30 of 34 published
        claims reproduce ...".
    """
    n = len(table)
    ok = int((table["verdict"] == "reproduces").sum())
    return [
        KeyFigure(
            name="claims_reproduced",
            label="Published claims that reproduce",
            value=ok,
            text=f"{ok} of {n} published claims reproduce from the data",
            unit="claims",
        )
    ]
