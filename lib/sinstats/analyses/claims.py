"""The claims register: check published statements against the data, with their uncertainty.

A claims file (YAML; format in ``docs/claims.md``, JSON Schema in
``lib/sinstats/analyses/claims.schema.json``) lists published statements such as "379 serious
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

Beside each verdict is the interval of the recomputed quantity: exact Poisson (Garwood) for a
count, Wilson for a share of counts, the exact conditional rate ratio (as R's ``poisson.test``)
for a change or a ratio, with its p-value and whether chance alone could explain the change, and
exact Poisson scaled for a rate. A claim can also ask for the experimental-statistics interval
of :mod:`sinstats.stats.uncertainty` (``interval_model: uncertainty``), e.g. for deaths caused by
maltreatment or assault behind "150 children died of abuse".

Nothing in a claims file is ever evaluated: it is read with a safe YAML loader that also refuses
tags, anchors, aliases and duplicate keys, then checked against the JSON Schema and by
:func:`parse_claims`. Every problem is reported with the file, the claim (id, or entry number
when the id is missing), the field and the line, as a :class:`ClaimsError` (a
:class:`~sinstats.errors.ConfigError`); ``sinstats verify`` then exits with status 2.

``sinstats verify`` exits 0 when every claim reproduces or cannot be checked, 1 when any claim
differs, and 2 for a bad claims file or bad data.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final
from urllib.parse import urlsplit

import jsonschema
import pandas as pd
import yaml

from sinstats import __version__, data, paths
from sinstats.errors import (
    ClaimsError,
    NoDataError,
    ParameterError,
    PeriodError,
    Problem,
)
from sinstats.periods import Period, parse_period
from sinstats.stats import intervals

__all__ = [
    "DEFAULT_CONF_LEVEL",
    "DEFAULT_MODEL_TARGET",
    "FORMATS",
    "INTERVAL_METHODS",
    "KINDS",
    "PER",
    "VERDICTS",
    "Claim",
    "ClaimResult",
    "ClaimsError",
    "FigureRef",
    "FigureUsed",
    "ModelInterval",
    "PopulationRef",
    "Problem",
    "exit_status",
    "load_claims",
    "loads_claims",
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
    "verify_files",
    "verify_table",
    "write_atomic",
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
    }
)

#: Verdicts, in the order summaries list them.
VERDICTS: Final = ("reproduces", "differs", "cannot check")

#: Interval method used for each kind (the ``method`` column of every output).
INTERVAL_METHODS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "count": "exact Poisson (Garwood)",
        "share": "Wilson score",
        "percent_change": "exact conditional rate ratio (as R poisson.test), as percent change",
        "difference": "exact conditional rate ratio (as R poisson.test), times the earlier count",
        "ratio": "exact conditional rate ratio (as R poisson.test)",
        "rate": "exact Poisson (Garwood), scaled per 100,000",
    }
)

#: Output formats of ``sinstats verify``.
FORMATS: Final = ("table", "json", "markdown")

#: Rates are per this many children.
PER: Final = 100_000

DEFAULT_CONF_LEVEL: Final = 0.95

#: Target of the uncertainty model used by ``interval_model: uncertainty`` by default.
DEFAULT_MODEL_TARGET: Final = "deaths_maltreatment_or_assault"

_DIVIDING_KINDS: Final = ("share", "percent_change", "ratio", "rate")
_MAX_DECIMALS: Final = 6
_MAX_FILE_BYTES: Final = 1_000_000
_MAX_DEPTH: Final = 16
# Published numbers are counts, percentages and rates; anything this large is a typo.
_MAX_PUBLISHED: Final = Decimal(10) ** 12
_JSON_PLACES: Final = 6
_SCHEMA_FILE: Final = "claims.schema.json"


# ---------------------------------------------------------------------------------------------
# Claims
# ---------------------------------------------------------------------------------------------


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
    """

    dataset: str
    period: str
    category: str = "Total"
    measure: str | None = None
    breakdown_topic: str | None = None
    nature: str | None = None
    area: str = "England"

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
    numerator : FigureRef
    denominator : FigureRef, PopulationRef or None
    qualifier : str or None
        ``"over"``, ``"under"`` or ``"about"`` when the statement gave a bound.
    expect, reason : str or None
        The verdict the register expects, and why (for ``differs`` and ``cannot check``).
    explanation, tolerance_note : str or None
        Plain words shown with the result.
    interval_model : str or None
        ``"uncertainty"``: also report the :mod:`sinstats.stats.uncertainty` interval.
    model_target : str
        The uncertainty-model target (default :data:`DEFAULT_MODEL_TARGET`).
    file : str
        The claims file it came from.
    index : int
        0-based position in that file.
    line : int or None
        Line where the claim starts.
    """

    id: str
    statement: str
    source: str
    url: str
    published: Decimal
    decimals: int
    kind: str
    numerator: FigureRef
    denominator: FigureRef | PopulationRef | None = None
    qualifier: str | None = None
    expect: str | None = None
    reason: str | None = None
    explanation: str | None = None
    tolerance_note: str | None = None
    interval_model: str | None = None
    model_target: str = DEFAULT_MODEL_TARGET
    file: str = "<claims>"
    index: int = 0
    line: int | None = None

    def published_display(self) -> str:
        """Return the number as published, with its unit: ``-21%``, ``over 150``, ``+87``."""
        return _display(self.published, self.kind, self.qualifier, signed=True)


def schema() -> dict[str, Any]:
    """Return the JSON Schema of claims files (``lib/sinstats/analyses/claims.schema.json``)."""
    text = resources.files("sinstats.analyses").joinpath(_SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


class _ClaimsLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing duplicate keys (the last would silently win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None,
                        None,
                        f"duplicate key '{key_node.value}' (first on line "
                        f"{seen[key_node.value]}); each field may appear once",
                        key_node.start_mark,
                    )
                seen[key_node.value] = line
        return super().construct_mapping(node, deep=deep)


def load_claims(path: str | os.PathLike[str]) -> list[Claim]:
    """Read and validate a claims file.

    Parameters
    ----------
    path : path-like
        A YAML claims file (see ``docs/claims.md``).

    Returns
    -------
    list of Claim

    Raises
    ------
    ClaimsError
        If the file is missing, unreadable, not UTF-8, not YAML, or any claim is invalid; every
        problem is listed with the claim, field and line.
    """
    spath = str(path)
    p = Path(path)
    if not p.is_file():
        raise ClaimsError([Problem("file not found (give a YAML claims file)")], spath)
    try:
        size = p.stat().st_size
        if size > _MAX_FILE_BYTES:
            raise ClaimsError(
                [Problem(f"file is {size:,} bytes; a claims file may hold at most 1 MB")], spath
            )
        raw = p.read_bytes()
    except OSError as err:
        raise ClaimsError(
            [Problem(f"cannot read the file: {err.strerror or err}")], spath
        ) from None
    return loads_claims(raw, path=spath)


def loads_claims(text: str | bytes, path: str = "<claims>") -> list[Claim]:
    """Parse and validate claims from YAML text.

    Parameters
    ----------
    text : str or bytes
        The YAML document (bytes must be UTF-8).
    path : str
        Named in error messages.

    Returns
    -------
    list of Claim

    Raises
    ------
    ClaimsError
        For any problem; never another exception.
    """
    if isinstance(text, bytes):
        raw = text
        if len(raw) > _MAX_FILE_BYTES:
            raise ClaimsError([Problem("a claims file may hold at most 1 MB")], path)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            raise ClaimsError(
                [Problem("bytes that are not UTF-8; save the file as UTF-8", line=line)], path
            ) from None
    if len(text) > _MAX_FILE_BYTES:
        raise ClaimsError([Problem("a claims file may hold at most 1 MB")], path)
    if not text.strip():
        raise ClaimsError(
            [Problem("the file is empty; expected a list of claims (see docs/claims.md)")], path
        )
    obj, lines = _parse_yaml(text, path)
    return parse_claims(obj, path=path, lines=lines)


def _yaml_problem(err: yaml.YAMLError) -> Problem:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    message = f"not valid YAML: {problem}"
    if context:
        message += f" ({context})"
    line = mark.line + 1 if mark is not None else None
    if mark is not None:
        message += f" at column {mark.column + 1}"
    return Problem(message, line=line)


def _parse_yaml(text: str, path: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Load YAML safely; return the object and a map from (index, field, ...) to line."""
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            kind = {
                yaml.TagToken: "a YAML tag",
                yaml.AnchorToken: "a YAML anchor",
                yaml.AliasToken: "a YAML alias",
            }.get(type(token))
            if kind is not None:
                raise ClaimsError(
                    [
                        Problem(
                            f"{kind} ('{_token_text(token)}') is not allowed in a claims file: "
                            "write plain values (nothing in a claims file is ever evaluated)",
                            line=token.start_mark.line + 1,
                        )
                    ],
                    path,
                )
        loader = _ClaimsLoader(text)
        try:
            node = loader.get_single_node()
            obj = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except ClaimsError:
        raise
    except yaml.YAMLError as err:
        raise ClaimsError([_yaml_problem(err)], path) from None
    except RecursionError:
        raise ClaimsError(
            [Problem("the YAML is nested too deeply to be a claims file")], path
        ) from None
    except (ValueError, OverflowError) as err:  # e.g. an integer with thousands of digits
        raise ClaimsError([Problem(f"a value cannot be read: {err}")], path) from None
    return obj, _line_map(node)


def _token_text(token: Any) -> str:
    value = getattr(token, "value", "")
    if isinstance(value, tuple):
        return "".join(v or "" for v in value)
    return str(value)


def _line_map(node: yaml.Node | None) -> dict[tuple[Any, ...], int]:
    lines: dict[tuple[Any, ...], int] = {}
    if not isinstance(node, yaml.SequenceNode):
        return lines
    for i, item in enumerate(node.value):
        lines[(i,)] = item.start_mark.line + 1
        if not isinstance(item, yaml.MappingNode):
            continue
        for key, value in item.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            lines[(i, key.value)] = key.start_mark.line + 1
            if isinstance(value, yaml.MappingNode):
                for sub_key, _ in value.value:
                    if isinstance(sub_key, yaml.ScalarNode):
                        lines[(i, key.value, sub_key.value)] = sub_key.start_mark.line + 1
    return lines


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
        return [
            (
                "denominator",
                "kind 'count' takes no denominator (a count is the numerator alone); use kind "
                "'share', 'ratio' or another kind that divides",
            )
        ]
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


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _decimal(value: object) -> Decimal:
    """Convert a number exactly as written: a float through its shortest repr (0.1 -> 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def _places(value: Decimal) -> int:
    """Decimal places written in ``value`` beyond trailing zeros (43.20 -> 1, 150 -> 0)."""
    if value == 0:
        return 0
    exponent = value.normalize().as_tuple().exponent
    return max(0, -int(exponent))


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
    if obj is None:
        raise ClaimsError(
            [Problem("the file holds no claims; expected a list of claims (see docs/claims.md)")],
            path,
        )
    if not isinstance(obj, list):
        raise ClaimsError(
            [
                Problem(
                    "the top level must be a list of claims, each starting with '- id: ...'; "
                    f"got {_type_name(obj)}",
                    line=1,
                )
            ],
            path,
        )
    if not obj:
        raise ClaimsError([Problem("the list of claims is empty")], path)
    claim_validator, _ = _validators()
    problems: list[Problem] = []
    claims: list[Claim] = []
    first_line_of: dict[str, int] = {}
    for i, entry in enumerate(obj):

        def problem(message: str, fld: str | None, cid: str | None, _i: int = i) -> Problem:
            key: tuple[Any, ...] = (_i, *fld.split(".")) if fld else (_i,)
            line = lines.get(key) or lines.get(key[:2]) or lines.get((_i,))
            return Problem(message, index=_i, claim=cid, field=fld, line=line)

        if not isinstance(entry, dict):
            problems.append(
                problem(
                    "each claim must be a mapping of fields (id: ..., statement: ..., ...); got "
                    f"{_type_name(entry)}",
                    None,
                    None,
                )
            )
            continue
        raw_id = entry.get("id")
        cid = raw_id if isinstance(raw_id, str) and raw_id.strip() else None
        structure = _check_structure(entry, [])
        if structure is not None:
            at, message = structure
            problems.append(problem(message, ".".join(str(a) for a in at) or None, cid))
            continue
        found = _schema_problems(entry, claim_validator)
        if found:
            problems.extend(problem(msg, fld, cid) for fld, msg in found)
            continue
        built, semantic = _build_claim(entry, path, i, lines.get((i,)))
        problems.extend(problem(msg, fld, cid) for fld, msg in semantic)
        if built is None:
            continue
        if built.id in first_line_of:
            problems.append(
                problem(
                    f"duplicate id '{built.id}' (also entry {first_line_of[built.id] + 1}); "
                    "ids must be unique",
                    "id",
                    cid,
                )
            )
            continue
        first_line_of[built.id] = i
        claims.append(built)
    if problems:
        raise ClaimsError(problems, path)
    return claims


def _ref(raw: Mapping[str, Any], fld: str, problems: list[tuple[str | None, str]]) -> FigureRef:
    dataset = str(raw["dataset"])
    if dataset not in data.list_datasets():
        problems.append(
            (
                f"{fld}.dataset",
                f"unknown dataset '{dataset}'; choose one of {', '.join(data.list_datasets())}",
            )
        )
    period = str(raw["period"]).strip()
    try:
        parse_period(period)
    except (PeriodError, ValueError) as err:
        problems.append((f"{fld}.period", f"cannot be read as a period: {err}"))
    return FigureRef(
        dataset=dataset,
        period=period,
        category=str(raw.get("category", "Total")),
        measure=raw.get("measure"),
        breakdown_topic=raw.get("breakdown_topic"),
        nature=raw.get("nature"),
        area=str(raw.get("area", "England")),
    )


def _build_claim(
    entry: Mapping[str, Any], path: str, index: int, line: int | None
) -> tuple[Claim | None, list[tuple[str | None, str]]]:
    problems: list[tuple[str | None, str]] = []
    kind = str(entry["kind"])
    published_raw = entry["published"]
    published = Decimal(0)
    try:
        published = _decimal(published_raw)
        if not published.is_finite():
            problems.append(("published", "must be a finite number (not .nan or .inf)"))
        elif abs(published) >= _MAX_PUBLISHED:
            problems.append(("published", f"{_short(published_raw)} is implausibly large"))
    except (InvalidOperation, TypeError, ValueError):
        problems.append(("published", f"must be a number; got {_short(published_raw)}"))
    decimals = int(entry["decimals"])
    if not problems and _places(published) > decimals:
        problems.append(
            (
                "published",
                f"{_short(published_raw)} has {_places(published)} decimal place(s) but decimals "
                f"is {decimals}; give decimals as published",
            )
        )
    url = str(entry["url"])
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(("url", f"{_short(url)} is not an http(s) address"))
    except ValueError as err:
        problems.append(("url", f"{_short(url)} is not a valid address: {err}"))
    numerator = _ref(entry["numerator"], "numerator", problems)
    denominator: FigureRef | PopulationRef | None = None
    raw_den = entry.get("denominator")
    if isinstance(raw_den, dict):
        if "population" in raw_den:
            if kind != "rate":
                problems.append(
                    (
                        "denominator",
                        "{population: AREA} is for kind 'rate' only; give a figure reference",
                    )
                )
            denominator = PopulationRef(area=str(raw_den["population"]))
        else:
            denominator = _ref(raw_den, "denominator", problems)
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
        decimals=decimals,
        kind=kind,
        numerator=numerator,
        denominator=denominator,
        qualifier=entry.get("qualifier"),
        expect=entry.get("expect"),
        reason=entry.get("reason"),
        explanation=_clean(entry.get("explanation")),
        tolerance_note=_clean(entry.get("tolerance_note")),
        interval_model=interval_model,
        model_target=str(model_target or DEFAULT_MODEL_TARGET),
        file=path,
        index=index,
        line=line,
    )
    return claim, problems


def _clean(text: object) -> str | None:
    if text is None:
        return None
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------------------------
# Rounding and display
# ---------------------------------------------------------------------------------------------


def round_half_away(value: Decimal | int | float | str, decimals: int) -> Decimal:
    """Round to ``decimals`` places, halves away from zero, in decimal arithmetic.

    Parameters
    ----------
    value : Decimal, int, float or str
        A float is taken as written (its shortest repr), so ``0.125`` is exactly 0.125 and
        rounds to ``0.13`` at 2 places (Python's ``round(0.125, 2)`` gives 0.12: it rounds
        half to even).
    decimals : int
        Places, 0 or more.

    Returns
    -------
    decimal.Decimal
        ``2.5 -> 3``, ``-2.5 -> -3``, ``0.125 -> 0.13`` (2 places); ``-0`` is returned as 0.

    Raises
    ------
    ValueError
        For a negative ``decimals`` or a value that is not a finite number.

    Notes
    -----
    This is the rounding used in published statistics ("round half up" in the schoolbook sense,
    applied to magnitudes): ``decimal.ROUND_HALF_UP``, which rounds ties away from zero.
    """
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals must be a whole number >= 0; got {decimals!r}")
    try:
        d = _decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"value must be a number; got {value!r}") from None
    if not d.is_finite():
        raise ValueError(f"value must be finite; got {value!r}")
    with localcontext() as ctx:
        ctx.prec = 60
        out = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return out + Decimal(0) if out.is_zero() else out  # -0 -> 0


def _plain(d: Decimal) -> str:
    """Format without exponent, keeping the places ``d`` carries; ``-0`` as ``0``."""
    if d.is_zero():
        d = abs(d)
    return f"{d:f}"


def _unit_suffix(kind: str) -> str:
    return {"share": "%", "percent_change": "%", "rate": " per 100,000"}.get(kind, "")


def _display(value: Decimal, kind: str, qualifier: str | None, *, signed: bool) -> str:
    text = _plain(value)
    if signed and kind in ("percent_change", "difference") and value > 0:
        text = "+" + text
    text += _unit_suffix(kind)
    if qualifier:
        text = f"{qualifier} {text}"
    return text


def _num(value: float | Decimal | None, places: int = _JSON_PLACES) -> float | None:
    """Round for JSON to ``places`` (half away from zero); None for missing or infinite."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return float(round_half_away(value, places))


def _sig(value: float | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def _fmt_number(value: float | Decimal | None, places: int) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return _plain(round_half_away(value, places))


# ---------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureUsed:
    """A figure a claim was recomputed from, with its provenance."""

    role: str
    dataset: str
    period: str
    period_label: str
    category: str
    measure: str
    area: str
    value: float
    unit: str
    status: str
    qualifier: str
    rounded_to: int
    source_id: str
    source_url: str
    note: str

    @property
    def available(self) -> bool:
        """True when the figure is a number (not a suppressed or unavailable cell)."""
        return not self.status and math.isfinite(self.value)

    def shown(self) -> str:
        """Return the value as held: ``379``, ``over 150``, ``30 (nearest 10)``."""
        if not self.available:
            return f"[{self.status or 'missing'}]"
        text = _plain(_decimal(self.value).normalize())
        if self.qualifier:
            text = f"{self.qualifier} {text}"
        if self.rounded_to:
            text += f" (nearest {self.rounded_to})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return {
            "role": self.role,
            "dataset": self.dataset,
            "period": self.period,
            "period_label": self.period_label,
            "category": self.category,
            "measure": self.measure,
            "area": self.area,
            "value": _num(self.value) if self.available else None,
            "unit": self.unit,
            "status": self.status,
            "qualifier": self.qualifier,
            "rounded_to": self.rounded_to,
            "source_id": self.source_id,
            "source_url": self.source_url,
        }


@dataclass(frozen=True)
class ModelInterval:
    """The experimental-statistics interval from :mod:`sinstats.stats.uncertainty` for a claim."""

    target: str
    description: str
    unit: str
    central: float | None
    lower: float | None
    upper: float | None
    conf_level: float
    n_draws: int | None
    seed: int | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready mapping."""
        return {
            "target": self.target,
            "description": self.description,
            "unit": self.unit,
            "central": _num(self.central),
            "lower": _num(self.lower),
            "upper": _num(self.upper),
            "conf_level": self.conf_level,
            "n_draws": self.n_draws,
            "seed": self.seed,
            "note": self.note,
        }


@dataclass(frozen=True)
class ClaimResult:
    """The verdict on one claim, the recomputed value and its interval.

    Attributes
    ----------
    claim : Claim
    verdict : str
        One of :data:`VERDICTS`.
    recomputed : decimal.Decimal or None
        Unrounded (None when the claim cannot be checked).
    rounded : decimal.Decimal or None
        ``recomputed`` rounded to the claim's ``decimals``, half away from zero.
    difference : decimal.Decimal or None
        ``rounded - published`` (0 when it reproduces).
    lower, upper : float or None
        Interval of the recomputed quantity (None when no interval applies; ``note`` says why).
    conf_level : float
    method : str
        The interval method used, or ``"none"``.
    p_value : float or None
        Exact conditional test of "no change" (rate ratio 1), for changes and ratios.
    chance_alone : bool or None
        True when chance alone could explain the change (``p_value >= 1 - conf_level``).
    computation : str
        The arithmetic, e.g. ``100 * (379 - 482) / 482 = -21.369``.
    note : str
        Plain-words detail: why it differs or cannot be checked, bounds, rounding, chance.
    figures : tuple of FigureUsed
    model : ModelInterval or None
    """

    claim: Claim
    verdict: str
    recomputed: Decimal | None
    rounded: Decimal | None
    difference: Decimal | None
    lower: float | None
    upper: float | None
    conf_level: float
    method: str
    p_value: float | None
    chance_alone: bool | None
    computation: str
    note: str
    figures: tuple[FigureUsed, ...] = ()
    model: ModelInterval | None = None

    @property
    def expect_met(self) -> bool:
        """True unless the claim states an ``expect`` that differs from the verdict."""
        return self.claim.expect is None or self.claim.expect == self.verdict

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready record of this result (stable keys and number formatting)."""
        c = self.claim
        return {
            "id": c.id,
            "statement": c.statement,
            "source": c.source,
            "url": c.url,
            "kind": c.kind,
            "published": _num(c.published),
            "published_display": c.published_display(),
            "qualifier": c.qualifier,
            "decimals": c.decimals,
            "recomputed": _num(self.recomputed),
            "rounded": _num(self.rounded),
            "verdict": self.verdict,
            "difference": _num(self.difference),
            "interval": {
                "lower": _num(self.lower),
                "upper": _num(self.upper),
                "conf_level": self.conf_level,
                "method": self.method,
            },
            "p_value": _sig(self.p_value),
            "chance_alone": self.chance_alone,
            "computation": self.computation,
            "note": self.note,
            "explanation": c.explanation,
            "expect": c.expect,
            "expect_met": self.expect_met,
            "reason": c.reason,
            "figures": [f.to_dict() for f in self.figures],
            "model_interval": self.model.to_dict() if self.model else None,
        }


@dataclass
class _Missing:
    role: str
    reason: str


@dataclass
class _Context:
    conf_level: float
    data_dir: str | os.PathLike[str] | None
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    assumptions: Any = None

    def frame(self, dataset: str) -> pd.DataFrame:
        if dataset not in self.frames:
            self.frames[dataset] = data.load(dataset, self.data_dir)
        return self.frames[dataset]


def _claim_error(claim: Claim, fld: str, message: str) -> ClaimsError:
    return ClaimsError(
        [Problem(message, index=claim.index, claim=claim.id, field=fld, line=claim.line)],
        claim.file,
    )


def _short_reason(message: str) -> str:
    """Drop the long list of periods from a NoDataError message."""
    cut = message.find(" Periods with figures:")
    return message[:cut] if cut > 0 else message


def _resolve(
    claim: Claim, role: str, ref: FigureRef, ctx: _Context
) -> tuple[FigureUsed, Period] | _Missing:
    frame = ctx.frame(ref.dataset)
    try:
        period = data.resolve_period(frame, ref.period)
        fig = data.figure(
            ref.dataset,
            period,
            ref.category,
            measure=ref.measure,
            breakdown_topic=ref.breakdown_topic,
            nature=ref.nature,
            area=ref.area,
            frame=frame,
        )
    except NoDataError as err:
        return _Missing(role, _short_reason(str(err)))
    except (ParameterError, PeriodError) as err:
        raise _claim_error(claim, role, str(err)) from None
    used = FigureUsed(
        role=role,
        dataset=fig.dataset,
        period=fig.period,
        period_label=fig.period_label,
        category=fig.category,
        measure=fig.measure,
        area=fig.area,
        value=fig.value,
        unit=fig.unit,
        status=fig.status,
        qualifier=fig.qualifier,
        rounded_to=fig.rounded_to,
        source_id=fig.source_id,
        source_url=fig.source_url,
        note=fig.note,
    )
    return used, period


def _resolve_population(
    claim: Claim, ref: PopulationRef, period: Period, ctx: _Context
) -> FigureUsed | _Missing:
    frame = ctx.frame("population_0_17")
    try:
        pop = data.population(period, ref.area, frame=frame)
    except NoDataError as err:
        return _Missing("denominator", _short_reason(str(err)))
    return FigureUsed(
        role="denominator",
        dataset="population_0_17",
        period=str(pop.mid_year),
        period_label=f"mid-{pop.mid_year}",
        category="Children aged 0 to 17 years",
        measure="population_estimate",
        area=pop.area,
        value=pop.value,
        unit="persons",
        status="",
        qualifier="",
        rounded_to=0,
        source_id=pop.source_id,
        source_url=pop.source_url,
        note=pop.note,
    )


def _compute(kind: str, n: Decimal, d: Decimal | None) -> tuple[Decimal, str]:
    """Return the recomputed value and the arithmetic as text."""
    with localcontext() as ctx:
        ctx.prec = 40
        ns = _plain(n.normalize())
        ds = _plain(d.normalize()) if d is not None else ""
        if kind == "count":
            return n, ns
        assert d is not None
        if kind == "share":
            return Decimal(100) * n / d, f"100 * {ns} / {ds}"
        if kind == "percent_change":
            return Decimal(100) * (n - d) / d, f"100 * ({ns} - {ds}) / {ds}"
        if kind == "difference":
            return n - d, f"{ns} - {ds}"
        if kind == "ratio":
            return n / d, f"{ns} / {ds}"
        if kind == "rate":
            return n * Decimal(PER) / d, f"{ns} / {ds} * {PER:,}"
    raise ValueError(f"unknown kind {kind!r}")  # pragma: no cover - kinds are validated


def _is_count(fig: FigureUsed) -> bool:
    return fig.unit == "count" and fig.value >= 0 and float(fig.value).is_integer()


@dataclass
class _IntervalInfo:
    lower: float | None = None
    upper: float | None = None
    method: str = "none"
    p_value: float | None = None
    chance_alone: bool | None = None
    notes: list[str] = field(default_factory=list)


def _interval(claim: Claim, num: FigureUsed, den: FigureUsed | None, level: float) -> _IntervalInfo:
    kind = claim.kind
    out = _IntervalInfo()
    try:
        if kind == "count":
            if not _is_count(num):
                out.notes.append(
                    f"No interval: the figure is a {num.unit} value, not a count of events."
                )
                return out
            ci = intervals.poisson_ci(num.value, level, "exact")
            out.lower, out.upper = float(ci.lower), float(ci.upper)
            out.method = INTERVAL_METHODS[kind]
            return out
        assert den is not None
        if kind == "rate":
            if not _is_count(num):
                out.notes.append(f"No interval: the numerator is a {num.unit} value, not a count.")
                return out
            ci = intervals.rate_ci(num.value, den.value, PER, level, "exact")
            out.lower, out.upper = float(ci.lower), float(ci.upper)
            out.method = INTERVAL_METHODS[kind]
            out.notes.append("The population is taken as known without error.")
            return out
        if not (_is_count(num) and _is_count(den)):
            out.notes.append(
                "No interval: numerator and denominator must both be counts "
                f"(here {num.unit} and {den.unit})."
            )
            return out
        if kind == "share":
            if num.value > den.value:
                out.notes.append(
                    "No interval: the numerator exceeds the denominator, so it is not a part of "
                    "that whole."
                )
                return out
            ci = intervals.proportion_ci(num.value, den.value, level, "wilson")
            out.lower, out.upper = 100 * float(ci.lower), 100 * float(ci.upper)
            out.method = INTERVAL_METHODS[kind]
            if num.measure != den.measure:
                out.notes.append(
                    f"The Wilson interval takes the {num.measure} as a subset of the {den.measure}."
                )
            return out
        # percent_change, difference, ratio: the exact conditional rate ratio.
        if num.measure != den.measure:
            out.notes.append(
                f"No interval: numerator and denominator count different things ({num.measure} "
                f"and {den.measure}), so a rate ratio would not compare like with like."
            )
            return out
        if num.value + den.value == 0 or den.value == 0:
            out.notes.append("No interval: the earlier count is 0.")
            return out
        rr = intervals.rate_ratio_ci(num.value, den.value, 1.0, 1.0, level, "exact")
        lo, hi = float(rr.lower), float(rr.upper)
        if kind == "percent_change":
            out.lower, out.upper = 100 * (lo - 1), 100 * (hi - 1)
        elif kind == "difference":
            out.lower, out.upper = den.value * (lo - 1), den.value * (hi - 1)
        else:
            out.lower, out.upper = lo, hi
        out.method = INTERVAL_METHODS[kind]
        out.p_value = float(rr.p_value)
        alpha = 1 - level
        out.chance_alone = out.p_value >= alpha
        p_text = _fmt_p(out.p_value)
        if out.chance_alone:
            out.notes.append(
                f"Chance alone could explain this change: exact conditional test of no change "
                f"p = {p_text} (>= {_fmt_level(alpha)})."
            )
        else:
            out.notes.append(
                f"More than chance alone: exact conditional test of no change p = {p_text} "
                f"(< {_fmt_level(alpha)})."
            )
        if kind == "difference":
            out.notes.append(
                "Interval: the rate-ratio limits times the earlier count "
                f"({_plain(_decimal(den.value).normalize())})."
            )
        return out
    except ValueError as err:  # intervals refuse an input; say so rather than fail
        out.notes.append(f"No interval: {err}.")
        out.lower = out.upper = None
        out.method = "none"
        return out


def _fmt_p(p: float) -> str:
    if p < 0.0001:
        return f"{p:.1e}"
    return f"{p:.4f}".rstrip("0").rstrip(".") if p < 1 else "1"


def _fmt_level(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _model_interval(claim: Claim, num: FigureUsed, ctx: _Context) -> ModelInterval:
    target_name = claim.model_target
    try:
        from sinstats.stats import uncertainty
    except ModuleNotFoundError as err:  # pragma: no cover - the module ships with sinstats
        if err.name != "sinstats.stats.uncertainty":
            raise
        return ModelInterval(
            target_name,
            "",
            "",
            None,
            None,
            None,
            ctx.conf_level,
            None,
            None,
            "The uncertainty model (sinstats.stats.uncertainty) is not installed; "
            "no model interval.",
        )
    if ctx.assumptions is None:
        ctx.assumptions = uncertainty.load_assumptions(paths.assumptions_file(ctx.data_dir))
    assumptions = ctx.assumptions
    try:
        target = assumptions.target(target_name)
    except ParameterError as err:
        raise _claim_error(claim, "model_target", str(err)) from None
    qualifier = num.qualifier if num.qualifier == "over" else ""
    settings = assumptions.simulation
    try:
        observed = uncertainty.Observed(
            num.value,
            rounded_to=num.rounded_to,
            qualifier=qualifier,
            label=f"{num.period_label} {num.category}",
        )
        result = uncertainty.simulate(
            observed,
            target,
            n_draws=settings.n_draws,
            seed=settings.seed,
            conf_levels=(ctx.conf_level,),
        )
    except ParameterError as err:
        raise _claim_error(
            claim, "interval_model", f"the uncertainty model cannot use this figure: {err}"
        ) from None
    lower, upper = result.interval(ctx.conf_level)
    note = (
        f"Experimental statistics: {target.description.strip()} Central estimate "
        f"{result.median:.0f} {target.unit}, {_fmt_level(ctx.conf_level * 100)}% interval "
        f"{lower:.0f} to {upper:.0f}, from the published figure {observed.describe()} "
        f"(sinstats.stats.uncertainty target '{target_name}', {result.n_draws:,} draws, seed "
        f"{result.seed}; every assumption is in data/assumptions.yml with its source and "
        "rating)."
    )
    if num.qualifier and num.qualifier != "over":
        note += f" The model reads the figure as exact; the source said '{num.qualifier}'."
    return ModelInterval(
        target=target_name,
        description=" ".join(target.description.split()),
        unit=target.unit,
        central=result.median,
        lower=lower,
        upper=upper,
        conf_level=ctx.conf_level,
        n_draws=result.n_draws,
        seed=result.seed,
        note=note,
    )


def _verify_one(claim: Claim, ctx: _Context) -> ClaimResult:
    level = ctx.conf_level
    resolved = _resolve(claim, "numerator", claim.numerator, ctx)
    den_res: FigureUsed | _Missing | None = None
    if isinstance(resolved, _Missing):
        num: FigureUsed | _Missing = resolved
    else:
        num = resolved[0]
        if isinstance(claim.denominator, PopulationRef):
            den_res = _resolve_population(claim, claim.denominator, resolved[1], ctx)
        elif isinstance(claim.denominator, FigureRef):
            got = _resolve(claim, "denominator", claim.denominator, ctx)
            den_res = got if isinstance(got, _Missing) else got[0]
    if isinstance(claim.denominator, FigureRef) and isinstance(num, _Missing):
        got = _resolve(claim, "denominator", claim.denominator, ctx)
        den_res = got if isinstance(got, _Missing) else got[0]

    figures = tuple(f for f in (num, den_res) if isinstance(f, FigureUsed))
    missing = [m for m in (num, den_res) if isinstance(m, _Missing)]
    missing += [
        _Missing(
            f.role,
            f"{f.dataset} {f.period_label} '{f.category}' is not available "
            f"('{f.status}': {data.SYMBOLS.get(f.status, 'missing')})",
        )
        for f in figures
        if not f.available
    ]
    if missing:
        why = [_sentence(f"{m.role.capitalize()}: {m.reason}") for m in missing]
        why += _expect_notes(claim, "cannot check")
        if claim.expect == "cannot check" and claim.reason:
            why.append(_sentence(f"Reason given: {' '.join(claim.reason.split())}"))
        return ClaimResult(
            claim=claim,
            verdict="cannot check",
            recomputed=None,
            rounded=None,
            difference=None,
            lower=None,
            upper=None,
            conf_level=level,
            method="none",
            p_value=None,
            chance_alone=None,
            computation="",
            note=" ".join(why),
            figures=figures,
        )

    assert isinstance(num, FigureUsed)
    den = den_res if isinstance(den_res, FigureUsed) else None
    n = _decimal(num.value)
    d = _decimal(den.value) if den is not None else None
    if claim.kind in _DIVIDING_KINDS and d is not None and d.is_zero():
        assert den is not None
        raise _claim_error(
            claim,
            "denominator",
            f"division by zero: the denominator {den.dataset} {den.period_label} "
            f"'{den.category}' is 0, and a {claim.kind} divides by it; choose a non-zero "
            "denominator",
        )
    if claim.kind == "rate" and den is not None and den.unit != "persons":
        raise _claim_error(
            claim,
            "denominator",
            f"a rate needs a population (unit 'persons'); {den.dataset} {den.period_label} "
            f"'{den.category}' is a {den.unit}. Use {{population: England}} or a population "
            "figure",
        )
    recomputed, arithmetic = _compute(claim.kind, n, d)
    rounded = round_half_away(recomputed, claim.decimals)
    published = claim.published
    notes: list[str] = []
    if recomputed == recomputed.to_integral_value():
        shown = _plain(recomputed.quantize(Decimal(1)))
    else:
        shown = _plain(round_half_away(recomputed, claim.decimals + 3))
    computation = f"{arithmetic} = {shown}"
    if claim.kind == "count":
        computation = arithmetic
    if rounded == published:
        verdict = "reproduces"
        difference: Decimal = Decimal(0)
        if claim.qualifier in ("over", "under"):
            notes.append(
                f"Published as a bound ('{claim.qualifier} {_plain(published)}'): compared as "
                "published, so this checks the bound's number, not an exact count."
            )
    else:
        difference = rounded - published
        bound_holds = (claim.qualifier == "over" and recomputed > published) or (
            claim.qualifier == "under" and recomputed < published
        )
        if bound_holds:
            verdict = "reproduces"
            notes.append(
                f"The bound holds: {_plain(rounded)} is {claim.qualifier} {_plain(published)}."
            )
        else:
            verdict = "differs"
            sign = "+" if difference > 0 else ""
            notes.append(
                f"Differs: the data give {_plain(rounded)} (rounded to {claim.decimals} "
                f"decimal place{'s' if claim.decimals != 1 else ''}), the statement "
                f"{claim.published_display()}; difference {sign}{_plain(difference)}."
            )
    if claim.qualifier == "about":
        notes.append("Published as approximate ('about'); compared as published.")
    for f in figures:
        if f.qualifier:
            notes.append(
                f"The {f.role} is held as a bound ('{f.qualifier} {_figure_value(f)}', "
                f"{f.dataset} {f.period_label}), so the recomputed value is a bound too."
            )
        if f.rounded_to:
            notes.append(
                f"The {f.role} was rounded to the nearest {f.rounded_to} at source; the "
                "interval covers chance only."
            )
    info = _interval(claim, num, den, level)
    if claim.kind == "count" and num.qualifier and info.lower is not None:
        info.notes.append(
            f"The interval is for a count of exactly {_figure_value(num)}; the true count "
            "is not known exactly."
        )
    if den is not None and num.dataset != den.dataset and claim.kind != "rate":
        notes.append(f"Numerator from {num.dataset}, denominator from {den.dataset}.")
    if claim.kind == "rate" and den is not None:
        notes.append(f"Population: {den.note}.".replace("..", "."))
    notes.extend(info.notes)
    if claim.tolerance_note:
        notes.append(claim.tolerance_note)
    notes.extend(_expect_notes(claim, verdict))
    model = _model_interval(claim, num, ctx) if claim.interval_model == "uncertainty" else None
    return ClaimResult(
        claim=claim,
        verdict=verdict,
        recomputed=recomputed,
        rounded=rounded,
        difference=difference,
        lower=info.lower,
        upper=info.upper,
        conf_level=level,
        method=info.method,
        p_value=info.p_value,
        chance_alone=info.chance_alone,
        computation=computation,
        note=" ".join(notes),
        figures=figures,
        model=model,
    )


def _figure_value(fig: FigureUsed) -> str:
    return _plain(_decimal(fig.value).normalize())


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _expect_notes(claim: Claim, verdict: str) -> list[str]:
    if claim.expect is None or claim.expect == verdict:
        return []
    return [
        f"The register expected '{claim.expect}' but the verdict is '{verdict}': review the "
        "claim's expect/reason."
    ]


def verify(
    claims: Sequence[Claim],
    *,
    conf_level: float = DEFAULT_CONF_LEVEL,
    data_dir: str | os.PathLike[str] | None = None,
) -> list[ClaimResult]:
    """Recompute every claim from the data and give its verdict and interval.

    Parameters
    ----------
    claims : sequence of Claim
        From :func:`load_claims` or :func:`parse_claims`.
    conf_level : float, default 0.95
        Confidence level of every interval; a change is "consistent with chance alone" when the
        exact test's p-value is at least ``1 - conf_level`` (0.05 by default).
    data_dir : path-like, optional
        The data folder (default ``data/``).

    Returns
    -------
    list of ClaimResult
        One per claim, in order.

    Raises
    ------
    ClaimsError
        When a claim cannot be computed as written: a denominator of 0 (division by zero), a
        reference matching several figures, a rate over something that is not a population,
        an unknown model target. Raised before anything is returned.
    ParameterError
        For a ``conf_level`` outside (0, 1).
    DataError
        If the data files fail validation.
    """
    level = intervals.check_conf_level(conf_level)
    ctx = _Context(conf_level=level, data_dir=data_dir)
    return [_verify_one(c, ctx) for c in claims]


def verify_files(
    files: Sequence[str | os.PathLike[str]] | None = None,
    *,
    conf_level: float = DEFAULT_CONF_LEVEL,
    data_dir: str | os.PathLike[str] | None = None,
) -> list[ClaimResult]:
    """Read one or more claims files and verify every claim in them.

    Parameters
    ----------
    files : sequence of path-like, optional
        Claims files; default ``data/claims/published.yml`` of ``data_dir``. Ids must be unique
        across the files.
    conf_level : float, default 0.95
    data_dir : path-like, optional

    Returns
    -------
    list of ClaimResult

    Raises
    ------
    ClaimsError
        For any invalid file (all files are read and checked before any claim is verified).
    """
    chosen = list(files) if files else [paths.claims_file(data_dir)]
    claims: list[Claim] = []
    seen: dict[str, Claim] = {}
    problems: list[Problem] = []
    for f in chosen:
        for c in load_claims(f):
            if c.id in seen:
                problems.append(
                    Problem(
                        f"duplicate id '{c.id}' (also in {seen[c.id].file}); ids must be unique "
                        "across claims files",
                        index=c.index,
                        claim=c.id,
                        field="id",
                        line=c.line,
                    )
                )
                continue
            seen[c.id] = c
            claims.append(c)
    if problems:
        raise ClaimsError(problems, str(chosen[-1]))
    return verify(claims, conf_level=conf_level, data_dir=data_dir)


def exit_status(results: Sequence[ClaimResult]) -> int:
    """Return 1 if any claim differs, else 0 (``cannot check`` alone is 0 but listed)."""
    return 1 if any(r.verdict == "differs" for r in results) else 0


def summary(results: Sequence[ClaimResult]) -> dict[str, int]:
    """Count the verdicts: ``{"claims": n, "reproduces": a, "differs": b, "cannot check": c}``."""
    counts = {"claims": len(results)}
    for v in VERDICTS:
        counts[v] = sum(r.verdict == v for r in results)
    return counts


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


def verify_table(results: Sequence[ClaimResult]) -> pd.DataFrame:
    """Return one row per claim as a tidy table (for notebooks and reports).

    Parameters
    ----------
    results : sequence of ClaimResult

    Returns
    -------
    pandas.DataFrame
        Columns ``id, statement, source, url, kind, published, published_display, qualifier,
        decimals, recomputed, rounded, verdict, difference, lower, upper, conf_level, method,
        p_value, chance_alone, computation, note, explanation, expect, expect_met,
        model_target, model_central, model_lower, model_upper, model_note``; numbers are floats
        (NaN where absent), ``chance_alone`` is True/False/None.
    """
    rows = []
    for r in results:
        c = r.claim
        m = r.model
        rows.append(
            {
                "id": c.id,
                "statement": c.statement,
                "source": c.source,
                "url": c.url,
                "kind": c.kind,
                "published": float(c.published),
                "published_display": c.published_display(),
                "qualifier": c.qualifier or "",
                "decimals": c.decimals,
                "recomputed": _nan(r.recomputed),
                "rounded": _nan(r.rounded),
                "verdict": r.verdict,
                "difference": _nan(r.difference),
                "lower": _nan(r.lower),
                "upper": _nan(r.upper),
                "conf_level": r.conf_level,
                "method": r.method,
                "p_value": _nan(r.p_value),
                "chance_alone": r.chance_alone,
                "computation": r.computation,
                "note": r.note,
                "explanation": c.explanation or "",
                "expect": c.expect or "",
                "expect_met": r.expect_met,
                "model_target": m.target if m else "",
                "model_central": _nan(m.central if m else None),
                "model_lower": _nan(m.lower if m else None),
                "model_upper": _nan(m.upper if m else None),
                "model_note": m.note if m else "",
            }
        )
    columns = [
        "id",
        "statement",
        "source",
        "url",
        "kind",
        "published",
        "published_display",
        "qualifier",
        "decimals",
        "recomputed",
        "rounded",
        "verdict",
        "difference",
        "lower",
        "upper",
        "conf_level",
        "method",
        "p_value",
        "chance_alone",
        "computation",
        "note",
        "explanation",
        "expect",
        "expect_met",
        "model_target",
        "model_central",
        "model_lower",
        "model_upper",
        "model_note",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["chance_alone"] = frame["chance_alone"].astype(object)
    return frame


def _nan(value: float | Decimal | None) -> float:
    return math.nan if value is None else float(value)


def to_json(results: Sequence[ClaimResult]) -> str:
    """Return the results as stable, machine-readable JSON.

    Keys are sorted, numbers rounded to 6 decimal places (p-values to 4 significant digits),
    missing or infinite values are ``null``; the same inputs give byte-identical output.
    """
    conf = results[0].conf_level if results else DEFAULT_CONF_LEVEL
    doc = {
        "sinstats_version": __version__,
        "conf_level": conf,
        "summary": summary(results),
        "exit_status": exit_status(results),
        "claims": [r.to_dict() for r in results],
    }
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _interval_text(r: ClaimResult) -> str:
    if r.lower is None or r.upper is None:
        return "-"
    places = r.claim.decimals + 1
    suffix = _unit_suffix(r.claim.kind)
    return f"{_fmt_number(r.lower, places)} to {_fmt_number(r.upper, places)}{suffix}"


def _recomputed_text(r: ClaimResult) -> str:
    if r.recomputed is None:
        return "-"
    value = r.recomputed
    if value == value.to_integral_value():
        text = _plain(value.quantize(Decimal(1)))
    else:
        text = _plain(round_half_away(value, r.claim.decimals + 2))
    if r.claim.kind in ("percent_change", "difference") and value > 0:
        text = "+" + text
    return text + _unit_suffix(r.claim.kind)


def _chance_text(r: ClaimResult) -> str:
    if r.chance_alone is None:
        return "-"
    assert r.p_value is not None
    return f"{'yes' if r.chance_alone else 'no'} (p={_fmt_p(r.p_value)})"


def _level_text(results: Sequence[ClaimResult]) -> str:
    conf = results[0].conf_level if results else DEFAULT_CONF_LEVEL
    return f"{_fmt_level(conf * 100)}%"


def summary_line(results: Sequence[ClaimResult]) -> str:
    """Return the one-line summary: how many claims reproduce, differ, cannot be checked."""
    s = summary(results)
    status = exit_status(results)
    why = "a published figure does not reproduce" if status else "nothing differs"
    return (
        f"{s['claims']} claim{'s' if s['claims'] != 1 else ''}: {s['reproduces']} "
        f"reproduce{'s' if s['reproduces'] == 1 else ''}, {s['differs']} "
        f"differ{'s' if s['differs'] == 1 else ''}, {s['cannot check']} cannot be checked. "
        f"Exit status {status} ({why})."
    )


def to_table(results: Sequence[ClaimResult]) -> str:
    """Return a plain-text table, one row per claim, followed by the notes and a summary."""
    level = _level_text(results)
    header = ("id", "published", "recomputed", "verdict", f"{level} interval", "chance alone")
    rows = [
        (
            r.claim.id,
            r.claim.published_display(),
            _recomputed_text(r),
            r.verdict,
            _interval_text(r),
            _chance_text(r),
        )
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    lines += ["", "Notes"]
    for r in results:
        lines.append(f"  {r.claim.id}: {r.claim.statement!r} ({r.claim.source})")
        if r.computation:
            lines.append(f"    computed: {r.computation} [{r.method}]")
        if r.note:
            lines.append(f"    {r.note}")
        if r.claim.explanation:
            lines.append(f"    What it counts: {r.claim.explanation}")
        if r.model is not None:
            lines.append(f"    {r.model.note}")
    lines += ["", summary_line(results)]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def to_markdown(results: Sequence[ClaimResult]) -> str:
    """Return a Markdown table (one row per claim) with notes, ready to paste into a review."""
    level = _level_text(results)
    lines = [
        "| Claim | Statement | Published | Recomputed | Verdict | "
        f"{level} interval | Chance alone? | Note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c = r.claim
        statement = f"[{_md(c.statement)}]({c.url}) ({_md(c.source)})"
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{c.id}`",
                    statement,
                    _md(c.published_display()),
                    _md(_recomputed_text(r)),
                    f"**{r.verdict}**",
                    _md(_interval_text(r)),
                    _md(_chance_text(r)),
                    _md(r.note),
                ]
            )
            + " |"
        )
    explained = [r for r in results if r.claim.explanation or r.model is not None]
    if explained:
        lines += ["", "**What the numbers count**", ""]
        for r in explained:
            text = " ".join(
                t for t in (r.claim.explanation, r.model.note if r.model else None) if t
            )
            lines.append(f"- `{r.claim.id}`: {_md(text)}")
    lines += ["", summary_line(results)]
    return "\n".join(lines) + "\n"


def render(results: Sequence[ClaimResult], fmt: str = "table") -> str:
    """Render results as ``"table"``, ``"json"`` or ``"markdown"`` (see :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise ParameterError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    if fmt == "json":
        return to_json(results)
    if fmt == "markdown":
        return to_markdown(results)
    return to_table(results)


def write_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename (never a partial file).

    Raises
    ------
    ParameterError
        If the folder does not exist or cannot be written.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ParameterError(f"--output: folder {folder} does not exist; create it first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise ParameterError(f"--output: cannot write in {folder}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
