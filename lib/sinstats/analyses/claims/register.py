"""The claims register: the claim records, and reading claims files safely and strictly.

A claims file is YAML (format in ``docs/claims.md``, JSON Schema in ``claims.schema.json`` next to
this module). Nothing in it is ever evaluated: it is read with a safe YAML loader that also
refuses tags, anchors, aliases and duplicate keys, within size and depth limits, then checked
against the JSON Schema and for meaning (:func:`parse_claims`). Every problem is reported at once
with the file, the claim (id, or entry number when the id is missing), the field and the line, as
a :class:`~sinstats.errors.ClaimsError`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

import jsonschema

from sinstats import data
from sinstats._typing import PathLike
from sinstats.analyses.claims._yaml import (
    check_size,
    decode,
    file_error,
    parse_yaml,
    read_file,
)
from sinstats.analyses.claims.designation import (
    DESIGNATION_KIND,
    designation_fields_refused,
    designation_text,
    release_ids,
)
from sinstats.analyses.claims.names import unknown_name
from sinstats.analyses.claims.rounding import display, places_of, to_decimal
from sinstats.analyses.claims.says import READINGS, SAYS, Says
from sinstats.errors import ClaimsError, PeriodError, Problem
from sinstats.periods import parse_period

__all__ = [
    "DEFAULT_MODEL_TARGET",
    "KINDS",
    "READINGS",
    "SAYS",
    "Claim",
    "FigureRef",
    "PopulationRef",
    "Says",
    "load_claims",
    "loads_claims",
    "parse_claims",
    "schema",
]

#: Kinds of claim and how each is recomputed from the numerator ``n`` and denominator ``d``.
KINDS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "count": "n (no denominator)",
        "share": "100 * n / d (percent)",
        "percent_change": "100 * (n - d) / d (n is the later figure, d the earlier)",
        "difference": "n - d (n is the later figure, d the earlier)",
        "ratio": "n / d",
        "rate": "n per 100,000 of the population d",
        "designation": "the designation of the releases named (no numerator or denominator)",
    }
)


#: Target of the uncertainty model used by ``interval_model: uncertainty`` by default.
DEFAULT_MODEL_TARGET: Final = "deaths_maltreatment_or_assault"

_MAX_DECIMALS: Final = 6
_MAX_DEPTH: Final = 16
# Published numbers are counts, percentages and rates; anything this large is a typo.
_MAX_PUBLISHED: Final = Decimal(10) ** 12
_SCHEMA_FILE: Final = "claims.schema.json"
_BARE_YEAR: Final = re.compile(r"^\d{4}$")
# Kinds whose denominator may be derived from a published change (``derive: earlier``).
_CHANGE_KINDS: Final = ("percent_change", "difference", "ratio")


@dataclass(frozen=True)
class FigureRef:
    """A reference to one published figure (see :func:`sinstats.data.figure`).

    Attributes
    ----------
    dataset : str
        One of :func:`sinstats.data.list_datasets`.
    period : str
        Any accepted period form; in datasets holding calendar years a bare year is one.
    category : str
        Breakdown value, or the nature when the breakdown is the total.
    measure, breakdown_topic, nature : str or None
        Narrow the match when the category alone is ambiguous.
    area : str
        ``"England"``, a region name or an area code.
    derive : str or None
        ``"earlier"`` (denominators only): the figure is a published change, and the figure
        used is the earlier count it implies, the numerator minus the change.
    reading : str or None
        One of :data:`READINGS`: which year a bare year means, stated by the claim's author
        (it silences the warning a bare year before 2024 gets in an April-March dataset).
    """

    dataset: str
    period: str
    category: str = "Total"
    measure: str | None = None
    breakdown_topic: str | None = None
    nature: str | None = None
    area: str = "England"
    derive: str | None = None
    reading: str | None = None

    def describe(self) -> str:
        """Return e.g. ``panel_notifications 2021 'Child death'``."""
        extra = [
            f"{k} {v}"
            for k, v in (
                ("measure", self.measure),
                ("topic", self.breakdown_topic),
                ("nature", self.nature),
            )
            if v
        ]
        if self.area != "England":
            extra.append(f"area {self.area}")
        if self.derive:
            extra.append(f"derive {self.derive}")
        if self.reading:
            extra.append(f"reading {self.reading}")
        tail = f" ({', '.join(extra)})" if extra else ""
        return f"{self.dataset} {self.period} '{self.category}'{tail}"


@dataclass(frozen=True)
class PopulationRef:
    """The ONS child population of an area for the numerator's period (rates only).

    The mid-year estimate is chosen by :func:`sinstats.data.population`: mid-Y for the April-March
    year starting in April of Y or the calendar year Y; when it is not yet published, the latest
    earlier one (the note says so).
    """

    area: str = "England"

    def describe(self) -> str:
        """Return e.g. ``ONS population aged 0 to 17, England``."""
        return f"ONS population aged 0 to 17, {self.area}"


@dataclass(frozen=True)
class Claim:
    """One published statement and the figures it rests on.

    Attributes
    ----------
    id, statement, source, url : str
        Identity and provenance; ``statement`` quotes the source.
    published : decimal.Decimal
        The number as published, signed, exactly as written.
    decimals : int
        Decimal places it was rounded to (0 to 6).
    kind : str
        One of :data:`KINDS`.
    numerator : FigureRef or None
        None for a ``designation`` claim, which names releases instead.
    denominator : FigureRef, PopulationRef or None
    designation : str or None
        For a ``designation`` claim: the designation the statement gives.
    releases : tuple of str
        For a ``designation`` claim: the release ids it is about.
    qualifier : str or None
        ``"over"``, ``"under"`` or ``"about"`` when the statement gave a bound.
    expect, reason : str or None
        The verdict the register expects, and why (for ``differs`` and ``cannot check``).
    interval_model : str or None
        ``"uncertainty"``: also report the :mod:`sinstats.stats.uncertainty` interval.
    model_target : str
        The uncertainty-model target (default :data:`DEFAULT_MODEL_TARGET`).
    explanation, tolerance_note : str or None
        Plain words shown with the result.
    says : Says or None
        What the statement says is counted, when the claim declares it.
    file : str
        The claims file it came from.
    index : int
        0-based position in that file.
    line : int or None
        Line where the claim starts.
    field_lines : tuple of (str, int)
        The line of each field (``"numerator.category"``), for messages found after reading.
    """

    id: str
    statement: str
    source: str
    url: str
    published: Decimal
    decimals: int
    kind: str
    numerator: FigureRef | None = None
    denominator: FigureRef | PopulationRef | None = None
    designation: str | None = None
    releases: tuple[str, ...] = ()
    qualifier: str | None = None
    expect: str | None = None
    reason: str | None = None
    interval_model: str | None = None
    model_target: str = DEFAULT_MODEL_TARGET
    explanation: str | None = None
    tolerance_note: str | None = None
    says: Says | None = None
    file: str = "<claims>"
    index: int = 0
    line: int | None = None
    field_lines: tuple[tuple[str, int], ...] = ()

    def line_of(self, fld: str) -> int | None:
        """Return the line of a field (``"numerator.category"``), its parent's, or the claim's."""
        lines = dict(self.field_lines)
        return lines.get(fld) or lines.get(fld.split(".")[0]) or self.line

    def provenance(self) -> dict[str, str]:
        """Return the fields every output starts a claim with: id, statement, source, url, kind."""
        return {
            "id": self.id,
            "statement": self.statement,
            "source": self.source,
            "url": self.url,
            "kind": self.kind,
        }

    def published_display(self) -> str:
        """Return the number as published, with its unit: ``-21%``, ``over 150``, ``+87``."""
        if self.designation is not None:
            return self.designation
        return display(self.published, self.kind, self.qualifier)


def schema() -> dict[str, Any]:
    """Return the JSON Schema of claims files.

    Returns
    -------
    dict
        ``claims.schema.json``, shipped in the :mod:`sinstats.analyses.claims` package.
    """
    text = resources.files("sinstats.analyses.claims").joinpath(_SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def load_claims(path: PathLike) -> list[Claim]:
    """Read and validate a claims file.

    Parameters
    ----------
    path : path-like
        A YAML claims file (see ``docs/claims.md``), at most 1 MB.

    Returns
    -------
    list of Claim
        In file order.

    Raises
    ------
    ClaimsError
        If the file is missing, unreadable, not UTF-8, not YAML, or any claim is invalid; every
        problem is listed with the claim, field and line.

    Notes
    -----
    A file read without error is recorded with the SHA-256 of the bytes read
    (:func:`sinstats.data.record_read`), so that a report built from it (notebook 06's
    ``claims_file``) names the file actually checked in its provenance page and manifest.
    """
    spath = str(path)
    raw = read_file(Path(path), spath)
    claims = loads_claims(raw, path=spath)
    # Recorded like a data file (sinstats.data.files_read), so a build rebuilds only the runs
    # that read this file.
    data.record_read(path, hashlib.sha256(raw).hexdigest())
    return claims


def loads_claims(text: str | bytes, path: str = "<claims>") -> list[Claim]:
    """Parse and validate claims from YAML text.

    Parameters
    ----------
    text : str or bytes
        The YAML document (bytes must be UTF-8), at most 1 MB.
    path : str
        Named in error messages.

    Returns
    -------
    list of Claim
        In document order.

    Raises
    ------
    ClaimsError
        For any problem in the text; it never raises another exception.
    """
    if isinstance(text, bytes):
        text = decode(text, path)
    check_size(len(text), path)
    if not text.strip():
        raise file_error(path, "the file is empty; expected a list of claims (see docs/claims.md)")
    obj, lines = parse_yaml(text, path)
    return parse_claims(obj, path=path, lines=lines)


def _type_name(value: object) -> str:
    names = {
        dict: "mapping",
        list: "list",
        str: "text",
        bool: "true/false",
        int: "number",
        float: "number",
        type(None): "nothing (null)",
    }
    return names.get(type(value), type(value).__name__)


def _check_structure(value: object, where: list[Any]) -> tuple[list[Any], str] | None:
    """Return (path, message) for a non-string key or too-deep nesting, else None."""
    stack: list[tuple[object, list[Any]]] = [(value, where)]
    while stack:
        item, at = stack.pop()
        if len(at) > _MAX_DEPTH:
            return at, "nested too deeply"
        if isinstance(item, dict):
            for key, sub in item.items():
                if not isinstance(key, str):
                    return at, f"field names must be text; got {key!r}"
                stack.append((sub, [*at, key]))
        elif isinstance(item, list):
            for i, sub in enumerate(item):
                stack.append((sub, [*at, i]))
    return None


_FIELD_HINTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "id": "letters, digits, '.', '_' and '-', starting with a letter or digit (at most 80)",
        "url": "an http:// or https:// address",
        "statement": "the statement as published, in quotes",
        "source": "who published it, and where",
    }
)


def _validators() -> tuple[jsonschema.protocols.Validator, jsonschema.protocols.Validator]:
    full = schema()
    defs = full["$defs"]
    cls = jsonschema.Draft202012Validator
    claim = cls({"$ref": "#/$defs/claim", "$defs": defs})
    figure = cls({"$ref": "#/$defs/figure", "$defs": defs})
    return claim, figure


def _schema_problems(
    entry: Mapping[str, Any], validator: jsonschema.protocols.Validator
) -> list[tuple[str | None, str]]:
    """Translate JSON Schema errors for one claim into (field, message) pairs."""
    out: list[tuple[str | None, str]] = []
    errors = sorted(validator.iter_errors(entry), key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        out.extend(_translate(err, entry, []))
    # One message per field is enough; keep the first.
    seen: set[str | None] = set()
    unique = []
    for fld, msg in out:
        if fld in seen:
            continue
        seen.add(fld)
        unique.append((fld, msg))
    return unique


def _translate(
    err: jsonschema.ValidationError, claim: Mapping[str, Any], prefix: list[str]
) -> list[tuple[str | None, str]]:
    path = [*prefix, *[str(p) for p in err.absolute_path]]
    fld = ".".join(path) or None
    v = err.validator
    inst = err.instance
    if v == "required":
        required = list(err.validator_value) if isinstance(err.validator_value, list) else []
        missing = [k for k in required if isinstance(inst, dict) and k not in inst]
        if not path and missing == ["denominator"]:
            return [
                (
                    "denominator",
                    f"kind '{claim.get('kind')}' needs a denominator "
                    f"({KINDS.get(str(claim.get('kind')), '')})",
                )
            ]
        if not path and missing == ["reason"]:
            return [("reason", f"expect '{claim.get('expect')}' needs a reason (why)")]
        name = missing[0] if missing else "?"
        return [
            (
                ".".join([*path, name]),
                f"missing; every {'claim' if not path else 'figure reference'} needs "
                + ", ".join(required),
            )
        ]
    if v == "additionalProperties" and isinstance(inst, dict):
        part = err.schema if isinstance(err.schema, Mapping) else {}
        allowed = sorted(part.get("properties", {}))
        extra = sorted(k for k in inst if k not in allowed)
        name = extra[0] if extra else "?"
        return [(".".join([*path, name]), f"unknown field; allowed: {', '.join(allowed)}")]
    if v == "not" and not path:
        return [_refused_field(err.validator_value, claim)]
    if v == "oneOf" and path and path[-1] == "denominator" and isinstance(inst, dict):
        sub: jsonschema.protocols.Validator
        if "population" in inst:
            sub = jsonschema.Draft202012Validator(schema()["$defs"]["population"])
        else:
            sub = _validators()[1]
        found: list[tuple[str | None, str]] = []
        for sub_err in sub.iter_errors(inst):
            found.extend(_translate(sub_err, claim, path))
        if found:
            return found
        return [(fld, "must be a figure reference or {population: AREA}")]
    if v == "enum":
        options = err.validator_value if isinstance(err.validator_value, list) else []
        allowed_values = ", ".join(str(x) for x in options)
        return [(fld, f"{_short(inst)} is not allowed; allowed: {allowed_values}")]
    if v == "const":
        return [(fld, f"{_short(inst)} is not allowed")]
    if v == "type":
        want = err.validator_value
        wants = " or ".join(want) if isinstance(want, list) else str(want)
        wants = wants.replace("string", "text").replace("object", "mapping")
        return [(fld, f"must be {wants}; got {_type_name(inst)} {_short(inst)}")]
    if v == "pattern":
        hint = _FIELD_HINTS.get(path[-1] if path else "", f"text matching {err.validator_value}")
        return [(fld, f"{_short(inst)} is not valid; write {hint}")]
    if v == "minLength":
        return [(fld, "must not be empty")]
    if v in ("minimum", "maximum"):
        return [
            (
                fld,
                f"{_short(inst)} is out of range; decimals is a whole number from 0 to "
                f"{_MAX_DECIMALS}",
            )
        ]
    return [(fld, err.message)]


def _refused_field(subschema: object, claim: Mapping[str, Any]) -> tuple[str, str]:
    """Translate a schema ``not`` (a field the claim's kind does not take) into its message."""
    refused = subschema.get("required", []) if isinstance(subschema, Mapping) else []
    if refused == ["denominator"]:
        return (
            "denominator",
            "kind 'count' takes no denominator (a count is the numerator alone); use kind "
            "'share', 'ratio' or another kind that divides",
        )
    if refused == ["releases"]:
        return ("releases", "releases are for kind 'designation' only")
    present = [k for k in designation_fields_refused() if k in claim]
    return (
        present[0] if present else "kind",
        "kind 'designation' takes no "
        + ", ".join(present or designation_fields_refused())
        + "; it names releases and gives the designation as published",
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_claims(
    obj: object,
    path: str = "<claims>",
    lines: Mapping[tuple[Any, ...], int] | None = None,
) -> list[Claim]:
    """Validate already-loaded claims (a list of mappings) and build :class:`Claim` objects.

    Parameters
    ----------
    obj : object
        What the YAML (or JSON) document holds; must be a non-empty list of mappings.
    path : str
        The file named in error messages.
    lines : mapping, optional
        ``(index,)``, ``(index, field)`` and ``(index, field, subfield)`` to 1-based line.

    Returns
    -------
    list of Claim

    Raises
    ------
    ClaimsError
        Listing every problem (schema and meaning) with the claim id, field and line.
    """
    lines = lines or {}
    entries = _claim_list(obj, path)
    claim_validator, _ = _validators()
    problems: list[Problem] = []
    claims: list[Claim] = []
    first_index_of: dict[str, int] = {}
    for i, entry in enumerate(entries):
        built, found = _parse_entry(entry, i, path, lines, claim_validator)
        problems.extend(found)
        if built is None:
            continue
        if built.id in first_index_of:
            problems.append(
                _problem(
                    f"duplicate id '{built.id}' (also entry {first_index_of[built.id] + 1}); "
                    "ids must be unique",
                    lines,
                    i,
                    "id",
                    built.id,
                )
            )
            continue
        first_index_of[built.id] = i
        claims.append(built)
    if problems:
        raise ClaimsError(problems, path)
    return claims


def _claim_list(obj: object, path: str) -> list[Any]:
    """Return the document as a non-empty list, or raise the problem with the whole file."""
    if obj is None:
        raise file_error(
            path, "the file holds no claims; expected a list of claims (see docs/claims.md)"
        )
    if not isinstance(obj, list):
        raise file_error(
            path,
            "the top level must be a list of claims, each starting with '- id: ...'; "
            f"got {_type_name(obj)}",
            1,
        )
    if not obj:
        raise file_error(path, "the list of claims is empty")
    return obj


def _problem(
    message: str,
    lines: Mapping[tuple[Any, ...], int],
    index: int,
    fld: str | None,
    cid: str | None,
) -> Problem:
    """Return a problem with one claim, on the line of its field (else of the claim)."""
    key: tuple[Any, ...] = (index, *fld.split(".")) if fld else (index,)
    line = lines.get(key) or lines.get(key[:2]) or lines.get((index,))
    return Problem(message, index=index, claim=cid, field=fld, line=line)


def _parse_entry(
    entry: object,
    index: int,
    path: str,
    lines: Mapping[tuple[Any, ...], int],
    validator: jsonschema.protocols.Validator,
) -> tuple[Claim | None, list[Problem]]:
    """Check one entry of the list: its structure, the schema, then the meaning.

    Returns the claim (None when the entry is invalid) and every problem found at the first
    stage that finds any.
    """
    if not isinstance(entry, dict):
        message = (
            "each claim must be a mapping of fields (id: ..., statement: ..., ...); got "
            f"{_type_name(entry)}"
        )
        return None, [_problem(message, lines, index, None, None)]
    raw_id = entry.get("id")
    cid = raw_id if isinstance(raw_id, str) and raw_id.strip() else None
    structure = _check_structure(entry, [])
    if structure is not None:
        at, message = structure
        return None, [_problem(message, lines, index, ".".join(str(a) for a in at) or None, cid)]
    found = _schema_problems(entry, validator)
    if not found:
        built, found = _build_claim(entry, path, index, lines.get((index,)))
        if built is not None:
            return replace(built, field_lines=_field_lines(lines, index)), []
    return None, [_problem(msg, lines, index, fld, cid) for fld, msg in found]


def _ref(raw: Mapping[str, Any], fld: str, problems: list[tuple[str | None, str]]) -> FigureRef:
    """Read a figure reference; the dataset must exist and the period parse."""
    dataset = str(raw["dataset"])
    if dataset not in data.list_datasets():
        problems.append((f"{fld}.dataset", unknown_name("dataset", dataset, data.list_datasets())))
    period = str(raw["period"]).strip()
    try:
        parsed = parse_period(period)
    except (PeriodError, ValueError) as err:
        problems.append((f"{fld}.period", f"cannot be read as a period: {err}"))
    else:
        reading = raw.get("reading")
        if reading is not None and not _BARE_YEAR.fullmatch(period):
            if not (reading == "reporting_year" and parsed.kind == "financial_year"):
                problems.append(
                    (
                        f"{fld}.reading",
                        f"reading is for a bare year such as '2021'; '{period}' is "
                        f"{parsed.label} already (leave reading out)",
                    )
                )
    derive = raw.get("derive")
    if derive is not None and fld != "denominator":
        problems.append((f"{fld}.derive", "derive is for the denominator only"))
    return FigureRef(
        dataset=dataset,
        period=period,
        category=str(raw.get("category", "Total")),
        measure=raw.get("measure"),
        breakdown_topic=raw.get("breakdown_topic"),
        nature=raw.get("nature"),
        area=str(raw.get("area", "England")),
        derive=derive,
        reading=raw.get("reading"),
    )


def _field_lines(lines: Mapping[tuple[Any, ...], int], index: int) -> tuple[tuple[str, int], ...]:
    """Return ``(dotted field, line)`` for every field of entry ``index``."""
    return tuple(
        sorted(
            (".".join(str(k) for k in key[1:]), line)
            for key, line in lines.items()
            if len(key) > 1 and key[0] == index
        )
    )


def _says(raw: object) -> Says | None:
    """Read ``says`` (the schema has checked its keys and values)."""
    if not isinstance(raw, Mapping):
        return None
    return Says(counts=raw.get("counts"), abuse=raw.get("abuse"), deaths=raw.get("deaths"))


# Problems found in one claim's meaning: (field, message) pairs, in the order they are found.
_Found = list[tuple[str | None, str]]


def _published(entry: Mapping[str, Any], problems: _Found) -> Decimal:
    """Read ``published`` exactly as written: finite, plausible, no more places than decimals."""
    raw = entry["published"]
    published = Decimal(0)
    try:
        published = to_decimal(raw)
        if not published.is_finite():
            problems.append(("published", "must be a finite number (not .nan or .inf)"))
        elif abs(published) >= _MAX_PUBLISHED:
            problems.append(("published", f"{_short(raw)} is implausibly large"))
    except (InvalidOperation, TypeError, ValueError):
        problems.append(("published", f"must be a number; got {_short(raw)}"))
    decimals = int(entry["decimals"])
    if not problems and places_of(published) > decimals:
        problems.append(
            (
                "published",
                f"{_short(raw)} has {places_of(published)} decimal place(s) but decimals "
                f"is {decimals}; give decimals as published",
            )
        )
    return published


def _check_url(url: str, problems: _Found) -> None:
    """Require an http(s) address with a host (the schema's pattern lets a few others through)."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(("url", f"{_short(url)} is not an http(s) address"))
    except ValueError as err:
        problems.append(("url", f"{_short(url)} is not a valid address: {err}"))


def _denominator(raw: object, kind: str, problems: _Found) -> FigureRef | PopulationRef | None:
    """Read the denominator: a figure reference, or ``{population: AREA}`` for a rate."""
    if not isinstance(raw, dict):
        return None
    if "population" not in raw:
        return _ref(raw, "denominator", problems)
    if kind != "rate":
        problems.append(
            ("denominator", "{population: AREA} is for kind 'rate' only; give a figure reference")
        )
    return PopulationRef(area=str(raw["population"]))


def _build_claim(
    entry: Mapping[str, Any], path: str, index: int, line: int | None
) -> tuple[Claim | None, _Found]:
    """Check a schema-valid entry's meaning and build its claim (None if any problem)."""
    problems: _Found = []
    kind = str(entry["kind"])
    url = str(entry["url"])
    _check_url(url, problems)
    if kind == DESIGNATION_KIND:
        return _designation_claim(entry, path, index, line, problems)
    published = _published(entry, problems)
    numerator = _ref(entry["numerator"], "numerator", problems)
    denominator = _denominator(entry.get("denominator"), kind, problems)
    if isinstance(denominator, FigureRef) and denominator.derive and kind not in _CHANGE_KINDS:
        problems.append(
            ("denominator.derive", f"derive is for kinds {', '.join(_CHANGE_KINDS)} only")
        )
    interval_model = entry.get("interval_model")
    if interval_model is not None and kind != "count":
        problems.append(
            ("interval_model", "the uncertainty model applies to a count; use it with kind 'count'")
        )
    model_target = entry.get("model_target")
    if model_target is not None and interval_model is None:
        problems.append(("model_target", "is only used with interval_model: uncertainty"))
    if problems:
        return None, problems
    claim = Claim(
        id=str(entry["id"]),
        statement=str(entry["statement"]),
        source=str(entry["source"]),
        url=url,
        published=published,
        decimals=int(entry["decimals"]),
        kind=kind,
        numerator=numerator,
        denominator=denominator,
        qualifier=entry.get("qualifier"),
        expect=entry.get("expect"),
        reason=entry.get("reason"),
        explanation=_clean(entry.get("explanation")),
        tolerance_note=_clean(entry.get("tolerance_note")),
        says=_says(entry.get("says")),
        interval_model=interval_model,
        model_target=str(model_target or DEFAULT_MODEL_TARGET),
        file=path,
        index=index,
        line=line,
    )
    return claim, problems


def _designation_claim(
    entry: Mapping[str, Any], path: str, index: int, line: int | None, problems: _Found
) -> tuple[Claim | None, _Found]:
    """Build a ``designation`` claim: the designation as published and the releases named."""
    text = designation_text(entry["published"], problems)
    releases = release_ids(entry["releases"], problems)
    if problems:
        return None, problems
    claim = Claim(
        id=str(entry["id"]),
        statement=str(entry["statement"]),
        source=str(entry["source"]),
        url=str(entry["url"]),
        published=Decimal(0),
        decimals=0,
        kind=DESIGNATION_KIND,
        designation=text,
        releases=releases,
        expect=entry.get("expect"),
        reason=entry.get("reason"),
        explanation=_clean(entry.get("explanation")),
        tolerance_note=_clean(entry.get("tolerance_note")),
        file=path,
        index=index,
        line=line,
    )
    return claim, problems


def _clean(text: object) -> str | None:
    if text is None:
        return None
    return " ".join(str(text).split())
