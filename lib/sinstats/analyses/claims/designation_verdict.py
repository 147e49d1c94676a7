"""The verdict on a designation claim: does each release named carry the stated designation.

``reproduces`` when every release named carries the designation the statement gives;
``differs`` when one carries another (the note names each release's designation);
``cannot check`` when a release's designation is not known (no source states it). The note
also says what the latest release in the data carries, so that a statement about old figures
is not read as a statement about current ones.
"""

from __future__ import annotations

from sinstats import data
from sinstats._typing import DataDir
from sinstats.analyses.claims.records import ClaimResult
from sinstats.analyses.claims.register import Claim
from sinstats.errors import ClaimsError, ParameterError, Problem

__all__ = ["DESIGNATION_METHOD", "verify_designation"]

DESIGNATION_METHOD = "designation of the releases named (data/published/designation.csv)"
"""What a designation claim is checked against (the ``method`` column of every output)."""


def _release(claim: Claim, release_id: str, data_dir: DataDir) -> data.Designation:
    try:
        return data.release(release_id, data_dir)
    except ParameterError as err:
        raise ClaimsError(
            [
                Problem(
                    str(err), index=claim.index, claim=claim.id, field="releases", line=claim.line
                )
            ],
            claim.file,
        ) from None


def verify_designation(claim: Claim, conf_level: float, data_dir: DataDir = None) -> ClaimResult:
    """Give the verdict on one designation claim.

    Parameters
    ----------
    claim : Claim
        A claim of kind ``designation`` (its ``designation`` and ``releases`` are set).
    conf_level : float
        Recorded on the result (a designation has no interval).
    data_dir : path-like, optional
        The data folder whose ``published/designation.csv`` is read.

    Returns
    -------
    ClaimResult
        ``reproduces``, ``differs`` or ``cannot check``, with the releases' records in
        ``designations`` and a note naming each release's designation.

    Raises
    ------
    ClaimsError
        If a release named is not in the designation file.
    DataError
        If the designation file is missing or invalid.
    """
    stated = claim.designation or ""
    found = tuple(_release(claim, r, data_dir) for r in claim.releases)
    each = "; ".join(f"{r.release_id}: {r.designation}" for r in found)
    notes = []
    unknown = [r for r in found if not r.known]
    if unknown:
        verdict = "cannot check"
        notes.append(
            "The designation of "
            + ", ".join(r.release_id for r in unknown)
            + " is not known: no source states it."
        )
    elif all(r.designation == stated for r in found):
        verdict = "reproduces"
        notes.append(f"Every release named was published as {stated} ({each}).")
    else:
        verdict = "differs"
        notes.append(f"Differs: the statement says {stated}; the releases carry {each}.")
    latest = data.designations(data_dir)[-1]
    if latest.release_id not in claim.releases:
        notes.append(
            f"The latest release in the data, {latest.release_id} ({latest.release_title}), "
            f"carries {latest.designation}: the statement is not about it."
        )
    if claim.expect is not None and claim.expect != verdict:
        notes.append(
            f"The register expected '{claim.expect}' but the verdict is '{verdict}': review the "
            "claim's expect/reason."
        )
    if verdict == "cannot check" and claim.expect == "cannot check" and claim.reason:
        notes.append(f"Reason given: {' '.join(claim.reason.split())}")
    return ClaimResult(
        claim=claim,
        verdict=verdict,
        conf_level=conf_level,
        note=" ".join(notes),
        method=DESIGNATION_METHOD,
        computation=each,
        designations=found,
    )
