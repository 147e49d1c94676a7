"""The claims register: check published statements against the data, with their uncertainty.

A claims file (YAML; format in ``docs/claims.md``, JSON Schema in ``claims.schema.json`` in this
package) lists published statements such as "379 serious
incident notifications in 2021, a 21% reduction compared to 2020". Each claim names the figures
it rests on (``numerator`` and, for most kinds, ``denominator``), the number as published and how
it was rounded. :func:`verify` recomputes each number from the project's data, rounds it as it
was published (half away from zero, in decimal arithmetic), and gives a verdict:

``reproduces``
    the recomputed value, rounded to ``decimals``, equals the published number;
``differs``
    it does not (the difference is reported, never hidden);
``cannot check``
    a figure the claim needs is not in the data (the note says which).

A ``designation`` claim ("these are experimental statistics") names releases instead of
figures and is checked against the designation each release was published with
(``data/published/designation.csv``); it reproduces, differs, or cannot be checked when a
release's designation is not known.

Beside each verdict is the interval of the recomputed quantity: exact Poisson (Garwood) for a
count, Wilson for a share of counts, the exact conditional rate ratio (as R's ``poisson.test``)
for a change or a ratio, with its p-value and whether chance alone could explain the change, and
exact Poisson scaled for a rate. A claim can also ask for the model estimate of
:mod:`sinstats.stats.uncertainty` (``interval_model: uncertainty``), e.g. for deaths caused by
maltreatment or assault behind "150 children died of abuse": a model, not a statistic of any
designation.

Nothing in a claims file is ever evaluated: it is read with a safe YAML loader that also refuses
tags, anchors, aliases and duplicate keys, then checked against the JSON Schema and by
:func:`parse_claims`. Every problem is reported with the file, the claim (id, or entry number
when the id is missing), the field and the line, as a :class:`ClaimsError` (a
:class:`~sinstats.errors.ConfigError`); ``sinstats verify`` then exits with status 2.

``sinstats verify`` exits 0 when every claim reproduces or cannot be checked, 1 when any claim
differs, and 2 for a bad claims file or bad data.

The package, one job per module (every public name is re-exported here):

:mod:`~sinstats.analyses.claims.register`
    the claim records; reading claims files (safely, through the private ``_yaml``); the
    schema and its messages;
:mod:`~sinstats.analyses.claims.rounding`
    rounding half away from zero, and the number formats of the outputs;
:mod:`~sinstats.analyses.claims.verify`
    resolving figures, recomputing, the intervals and the verdicts;
:mod:`~sinstats.analyses.claims.designation`, :mod:`~sinstats.analyses.claims.designation_verdict`
    designation claims: their fields, and their verdicts;
:mod:`~sinstats.analyses.claims.records`
    the typed results (:class:`ClaimResult`, :class:`FigureUsed`, :class:`ModelInterval`);
:mod:`~sinstats.analyses.claims.output`
    the tidy table, JSON, text and Markdown outputs, and atomic files.
"""

from __future__ import annotations

from sinstats.analyses.claims.designation import DESIGNATION_KIND
from sinstats.analyses.claims.designation_verdict import DESIGNATION_METHOD, verify_designation
from sinstats.analyses.claims.output import (
    FORMATS,
    TABLE_COLUMNS,
    markdown_text,
    render,
    summary_line,
    to_json,
    to_markdown,
    to_table,
    verify_table,
    write_atomic,
)
from sinstats.analyses.claims.records import ClaimResult, FigureUsed, ModelInterval, VerdictCounts
from sinstats.analyses.claims.register import (
    DEFAULT_MODEL_TARGET,
    KINDS,
    Claim,
    FigureRef,
    PopulationRef,
    load_claims,
    loads_claims,
    parse_claims,
    schema,
)
from sinstats.analyses.claims.rounding import round_half_away
from sinstats.analyses.claims.verify import (
    DEFAULT_CONF_LEVEL,
    INTERVAL_METHODS,
    VERDICTS,
    exit_status,
    summary,
    verify,
    verify_files,
)
from sinstats.data import PER
from sinstats.errors import ClaimsError, Problem

__all__ = [
    "DEFAULT_CONF_LEVEL",
    "DEFAULT_MODEL_TARGET",
    "DESIGNATION_KIND",
    "DESIGNATION_METHOD",
    "FORMATS",
    "INTERVAL_METHODS",
    "KINDS",
    "PER",
    "TABLE_COLUMNS",
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "ClaimsError",
    "FigureRef",
    "FigureUsed",
    "ModelInterval",
    "PopulationRef",
    "Problem",
    "VerdictCounts",
    "exit_status",
    "load_claims",
    "loads_claims",
    "markdown_text",
    "parse_claims",
    "render",
    "round_half_away",
    "schema",
    "summary",
    "summary_line",
    "to_json",
    "to_markdown",
    "to_table",
    "verify",
    "verify_designation",
    "verify_files",
    "verify_table",
    "write_atomic",
]
