"""The reviewer's notebook (06): the claims register verified and rendered for a report.

:func:`sinstats.analyses.claims.verify` recomputes every claim; this module lays the result out for
readers (one row per claim with its verdict and interval, the values written as ``sinstats
verify`` writes them), gives the register's explanations with the meaning verdicts and the
figures used, picks out the claim whose explanation a reader most needs ("150 children died of
abuse") when the claims file has it, and summarises. Every section function returns ``""``
when none of the claims touches it, so that a report built on a reviewer's own claims file has
no empty table and no section about claims it does not contain.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from sinstats import data, paths
from sinstats._typing import DataDir
from sinstats.analyses import claims
from sinstats.errors import ParameterError
from sinstats.present.key_figures import KeyFigure
from sinstats.present.tables import Column, Display
from sinstats.present.words import p_sig_text
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
    return data.own_or_fallback(paths.claims_file(data_dir), paths.claims_file())


def verify(
    claims_file: str = "",
    *,
    conf_level: float = claims.DEFAULT_CONF_LEVEL,
    method: str = "exact",
    adjust: str = claims.DEFAULT_ADJUST,
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
    adjust : str, default "holm"
        How the change claims tested together are adjusted (``"holm"``, ``"bh"``, ``"none"``).
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
    # load_claims records the file's SHA-256 as read (the report's provenance page names it).
    results = claims.verify(
        claims.load_claims(path), conf_level=conf_level, data_dir=data_dir, adjust=adjust
    )
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


def _claim_interval(lo: float, hi: float, places: float, kind: str, *, decimals: int = 0) -> str:
    """Write the interval as ``sinstats verify`` does: one decimal place more than published."""
    return claims.limits_text(lo, hi, int(places), str(kind))


def _verdict(verdict: str, meaning: str, not_a_test: object, *, decimals: int = 0) -> str:
    """``reproduces``, ``reproduces (not a test)``, ``reproduces, misdescribes``."""
    text = str(verdict) + (" (not a test)" if bool(not_a_test) else "")
    return f"{text}, {meaning}" if meaning else text


_CHANCE: dict[object, str] = {True: "yes", False: "no"}


def _p(value: float, *, decimals: int = 0) -> str:
    return "-" if math.isnan(float(value)) else p_sig_text(float(value))


def _chance(value: object, flag: str, *, decimals: int = 0) -> str:
    """Write the verdict on chance: yes/no, or the break a flagged change crosses."""
    return str(flag) if flag else _CHANCE.get(value, "-")


register_display = Display(
    "verify",
    Column("Claim", "id"),
    Column("Statement", "statement"),
    Column("Published", "published_display"),
    # As sinstats verify writes it: two decimal places more than published (-16.54%).
    Column("Recomputed", "recomputed_text", lambda v, decimals: str(v) or "-"),
    Column("Verdict", ("verdict", "meaning", "consistent_not_a_test"), _verdict),
    Column("Interval", ("lower", "upper", "decimals", "kind"), _claim_interval),
    Column("Chance alone?", ("chance_alone", "break_flag"), _chance),
)

changes_display = Display(
    "verify",
    Column("Claim", "id"),
    Column("Published", "published_display"),
    Column("P-value, chance alone (Poisson)", "p_value", _p),
    Column("P-value, series' scatter", "p_overdispersed", _p),
    Column("P-value, adjusted", "p_adjusted", _p),
    Column("Chance alone?", ("chance_alone", "break_flag"), _chance),
    where=lambda t: t["p_value"].notna(),
)
"""The change claims' p-values: raw (exact Poisson), allowing for the series' scatter, adjusted."""


# Markdown's emphasis and table characters; outputs.say itself makes HTML (& < >) and links
# ([ ]) inert, so they are left to it (escaping them here too would show the escapes).
_MD_SPECIAL = re.compile(r"([\\`*_|~])")


def _md(text: object) -> str:
    """Write text from a claims file as one line of Markdown whose emphasis stays text.

    :func:`sinstats.present.outputs.say` (which shows every section) escapes HTML and links.
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def warnings_section(table: pd.DataFrame) -> str:
    """Return the ambiguity warnings as a Markdown list, or ``""`` when no period was ambiguous.

    Parameters
    ----------
    table : pandas.DataFrame
        The verified claims (:func:`verify`); its ``warnings`` column is read.

    Returns
    -------
    str
    """
    rows = table[table["warnings"].astype(str) != ""]
    if rows.empty:
        return ""
    items = [
        f"- **{_md(r['id'])}**: {_md(w)}"
        for _, r in rows.iterrows()
        for w in str(r["warnings"]).split("\n")
    ]
    return "**Periods that can be read two ways**\n\n" + "\n".join(items)


def meanings_section(table: pd.DataFrame) -> str:
    """Return what the figures count: each claim's verdict in full, explanation and figures.

    Parameters
    ----------
    table : pandas.DataFrame
        The verified claims (:func:`verify`).

    Returns
    -------
    str
        A Markdown section (heading and list) over the claims with an explanation, a meaning
        verdict or a bound that is not a test; ``""`` when there are none.
    """
    shown = table[
        (table["explanation"].astype(str) != "")
        | (table["meaning"].astype(str) != "")
        | table["consistent_not_a_test"].astype(bool)
    ]
    if shown.empty:
        return ""
    items = []
    for _, r in shown.iterrows():
        text = f"- **{_md(r['id'])}**, *{_md(r['verdict_label'])}*."
        if r["explanation"]:
            text += f" {_md(r['explanation'])}"
        figures = [f for f in str(r["figures_used"]).split("\n") if f]
        if figures:
            text += " Figures used: " + "; ".join(_md(f) for f in figures) + "."
        items.append(text)
    return "## What the figures count\n\n" + "\n".join(items)


def multiplicity_sentence(table: pd.DataFrame) -> str:
    """Say how many change claims were tested together, how they were adjusted, and which were not.

    Parameters
    ----------
    table : pandas.DataFrame
        The verified register (:func:`verify`).

    Returns
    -------
    str
        One paragraph (Markdown): the number adjusted together and the method, that "chance
        alone?" rests on the adjusted p-value, and the changes across a declared break; ``""``
        when the claims hold no change.
    """
    tested = table[table["p_adjusted"].notna()]
    flagged = table[(table["break_flag"] != "") & table["p_value"].notna()]
    if tested.empty and flagged.empty:
        return ""
    method = str(tested["adjust"].iloc[0]) if len(tested) else "holm"
    words = {
        "holm": "Holm's method (it controls the chance of any false 'more than chance' among them)",
        "bh": "the Benjamini-Hochberg method (it controls the expected share of false ones)",
        "none": "no adjustment",
    }[method]
    text = (
        f"**{len(tested)} change claims were tested together**, so their p-values are adjusted "
        f"with {words}; the *chance alone?* column rests on the adjusted p-value, which for "
        "national counts of Ofsted's and DfE's collection also allows for the series' own "
        "year-to-year scatter (the raw Poisson p-value is shown beside it)."
    )
    for flag, ids in flagged.groupby("break_flag")["id"]:
        text += (
            f" Not tested, flagged *{flag}* because the comparison crosses a break declared in "
            f"`data/breaks.yml`: {', '.join(ids)}."
        )
    return text


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
    text = f"**{_md(r['statement'])}** ({_md(r['source'])}). {_md(r['explanation'])}"
    if not math.isnan(float(r["model_central"])):
        text += f"\n\n*Model:* {_md(r['model_note'])}"
    return text


#: The "150 children died of abuse" section's opening; :func:`headline_text` adds the model's
#: figures, read from the verified table (never written here, so they cannot go stale).
HEADLINE_TEXT = (
    '## "150 children died of abuse"\n\n'
    'The statement most often retold is not what the figure counts. The Panel wrote of "over 150 '
    'children who tragically died": **death notifications**, made when a child dies and abuse or '
    "neglect is known or suspected (and for any death of a looked-after child). Suspected is not "
    'proven; many of these deaths were not caused by abuse; and "over 150" is a lower bound, not '
    "a count. Notebook 03 estimates the number of deaths *caused* by maltreatment or assault, with "
    "every assumption written down"
)


def headline_text(row: pd.Series) -> str:
    """Return the section's opening with the model's estimate for the claim's year.

    Parameters
    ----------
    row : pandas.Series
        The claim's row of the verified table (``model_central``, ``model_lower``,
        ``model_upper``, ``conf_level``, ``numerator``'s period in ``figures_used``).

    Returns
    -------
    str
        :data:`HEADLINE_TEXT`, then the central estimate and interval of the claim's model
        (the year's own number, notified or not), or a pointer to notebook 03 when the claim has
        no model interval.
    """
    central = float(row["model_central"])
    if math.isnan(central):
        return f"{HEADLINE_TEXT}; notebook 03 gives the estimate for each year."
    level = f"{float(row['conf_level']) * 100:g}%"
    return (
        f"{HEADLINE_TEXT}: for the claim's year about {central:.0f} ({level} interval "
        f"{float(row['model_lower']):.0f} to {float(row['model_upper']):.0f}), the year's own "
        "number, notified or not; notebook 03 gives the estimate for each year."
    )


def headline_section(table: pd.DataFrame, claim_id: str = HEADLINE_CLAIM) -> str:
    """Return the "150 children died of abuse" section, or ``""`` when the file lacks the claim.

    Parameters
    ----------
    table : pandas.DataFrame
        The verified claims.
    claim_id : str, default :data:`HEADLINE_CLAIM`

    Returns
    -------
    str
        :func:`headline_text` and :func:`explanation`.
    """
    text = explanation(table, claim_id)
    if not text:
        return ""
    row = table[table["id"] == claim_id].iloc[0]
    return f"{headline_text(row)}\n\n{text}"


def differs_section(table: pd.DataFrame) -> str:
    """Return the heading and words before the table of claims that differ or cannot be checked.

    Parameters
    ----------
    table : pandas.DataFrame
        The verified claims.

    Returns
    -------
    str
        ``""`` when every claim reproduces (the table is then left out too).
    """
    if (table["verdict"] == "reproduces").all():
        return ""
    return (
        "## Claims that do not reproduce or cannot be checked\n\n"
        "A published figure that does not reproduce is reported, never hidden; the note says why "
        "(often a figure that another source gives differently, or a figure not held in the data)."
    )


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
    Column("Recomputed", "recomputed_text", lambda v, decimals: str(v) or "-"),
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
