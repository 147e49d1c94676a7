"""Notebook parameters: what each notebook's ``parameters`` cell declares, and checked values.

papermill reads the cell (:func:`papermill.inspect_notebook`); the answer is cached in
``reports/.cache/parameters.json`` by the notebook's SHA-256, so that a rebuild with nothing to do
does not import papermill. :func:`coerce_parameter` checks a ``reports.yml`` value, or converts a
``-p name=value`` text, against the declared type; :func:`parse_parameter_options` reads the
``-p`` options of ``sinstats build``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sinstats.build._helpers import (
    os_errors_as_output_errors,
    schema_problem,
    without_iri_grammar,
    write_atomic,
)
from sinstats.build.config import RESERVED_PARAMETERS
from sinstats.errors import ConfigError, ParameterError

_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")
_RESERVED_HINTS = {"year": "--year", "data_dir": "--data-dir", "output_dir": "--out"}


@dataclass(frozen=True)
class DeclaredParameter:
    """A parameter declared in a notebook's ``parameters`` cell.

    Parameters
    ----------
    name : str
        The variable name.
    type_name : str
        The annotation (``str``, ``int``, ``float``, ``bool``) or papermill's inferred type.
    default : str
        The default as written in the cell.
    help : str
        The trailing comment.
    """

    name: str
    type_name: str
    default: str
    help: str


CACHE_JSON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "propertyNames": {"pattern": "^[0-9a-f]{64}$"},
    "additionalProperties": {
        "type": "object",
        "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]{0,99}$"},
        "additionalProperties": {
            "type": "object",
            "required": ["type", "default", "help"],
            "additionalProperties": False,
            "properties": {
                "type": {"type": "string", "maxLength": 200},
                "default": {"type": "string", "maxLength": 10000},
                "help": {"type": "string", "maxLength": 10000},
            },
        },
    },
}
"""JSON Schema of ``reports/.cache/parameters.json``."""


class ParameterCache:
    """``{notebook sha256: declared parameters}`` kept in ``reports/.cache/`` across builds.

    The file is input the build wrote earlier, so it is checked (:data:`CACHE_JSON_SCHEMA`) when
    read: a file that fails is discarded with a warning (:attr:`notes`) and the notebooks are
    inspected again. An entry can still be wrong in a way no schema sees (edited by hand); so a
    parameter problem found with cached entries is checked again against the notebooks
    themselves before anyone is blamed (:func:`sinstats.build.matrix.plan`).

    Parameters
    ----------
    path : Path or None
        The cache file; None keeps the cache in memory only.

    Attributes
    ----------
    notes : list of str
        Warnings about a cache file that was discarded.
    from_disk : set of str
        The notebook hashes whose entries came from the file (not inspected in this build).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, dict[str, dict[str, str]]] = {}
        self.changed = False
        self.notes: list[str] = []
        self.from_disk: set[str] = set()
        if path is None or not path.exists():
            return
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            problem = schema_problem(CACHE_JSON_SCHEMA, loaded)
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
            problem = f"not valid JSON: {type(err).__name__}"
        if problem is not None:
            self.notes.append(
                f"warning: {path} is not a parameter cache this build wrote ({problem}); it is "
                "discarded and the notebooks' parameters cells are read again"
            )
            self.changed = True
            return
        self.entries = loaded
        self.from_disk = set(loaded)

    def forget(self, shas: set[str]) -> None:
        """Drop entries so that their notebooks are inspected again.

        Parameters
        ----------
        shas : set of str
            Notebook hashes.
        """
        for sha in shas:
            self.entries.pop(sha, None)
        self.from_disk -= shas
        self.changed = True

    def declared(self, notebook: Path, sha: str) -> dict[str, DeclaredParameter]:
        """Return the parameters a notebook declares, inspecting it only if not cached.

        Parameters
        ----------
        notebook : Path
            The notebook file.
        sha : str
            Its SHA-256 (the cache key).

        Returns
        -------
        dict
            ``{name: DeclaredParameter}`` in the cell's order.

        Raises
        ------
        ConfigError
            If papermill cannot read the notebook or its ``parameters`` cell (not cached).
        """
        if sha not in self.entries:
            self.entries[sha] = inspect_notebook(notebook)
            self.changed = True
        return {
            name: DeclaredParameter(
                name=name,
                type_name=str(item.get("type", "")),
                default=str(item.get("default", "")),
                help=str(item.get("help", "")),
            )
            for name, item in self.entries[sha].items()
        }

    def save(self) -> None:
        """Write the cache file if a notebook was inspected since it was read."""
        if self.path is None or not self.changed:
            return
        with os_errors_as_output_errors("saving the parameter cache", self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(self.entries, indent=1, sort_keys=True) + "\n")


def inspect_notebook(notebook: Path) -> dict[str, dict[str, str]]:
    """Return papermill's view of the notebook's ``parameters`` cell.

    Parameters
    ----------
    notebook : Path
        The notebook to read.

    Returns
    -------
    dict
        ``{name: {"type": ..., "default": ..., "help": ...}}`` in the cell's order.

    Raises
    ------
    ConfigError
        If the notebook cannot be read, or papermill warns that it cannot parse a line of the
        cell (such a parameter would silently be left out).
    """
    import logging

    with without_iri_grammar():  # papermill imports nbformat, which imports jsonschema
        import papermill

    class _Collect(logging.Handler):
        def __init__(self) -> None:
            super().__init__(logging.WARNING)
            self.messages: list[str] = []

        def emit(self, record: logging.LogRecord) -> None:
            self.messages.append(record.getMessage())

    collect = _Collect()
    logger = logging.getLogger("papermill")
    logger.addHandler(collect)
    old_propagate = logger.propagate
    logger.propagate = False
    try:
        found = papermill.inspect_notebook(str(notebook))
    except Exception as err:  # papermill raises plain exceptions for unreadable notebooks
        raise ConfigError(
            f"cannot read the notebook's parameters: {err}", path=str(notebook)
        ) from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = old_propagate
    if collect.messages:
        raise ConfigError(
            "papermill cannot parse the `parameters` cell ("
            + "; ".join(collect.messages)
            + "); write one `name: type = value  # help` per line, without quotes or brackets "
            "in the help comment",
            path=str(notebook),
        )
    return {
        name: {
            "type": str(info.get("inferred_type_name") or ""),
            "default": str(info.get("default") or ""),
            "help": str(info.get("help") or ""),
        }
        for name, info in found.items()
    }


def _type_of(declared: DeclaredParameter) -> str:
    """Return ``str``/``int``/``float``/``bool`` (or ``""`` when the cell gives no usable type)."""
    name = declared.type_name.strip().lower()
    if name in ("str", "int", "float", "bool"):
        return name
    # No annotation: infer from the default, as papermill's help does.
    import ast

    try:
        value = ast.literal_eval(declared.default)
    except (ValueError, SyntaxError):
        return ""
    for kind, typ in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if type(value) is typ:
            return kind
    return ""


def coerce_parameter(
    notebook: str, declared: DeclaredParameter, value: object, *, from_text: bool
) -> Any:
    """Check (and for ``-p`` text, convert) one parameter value against its declared type.

    Parameters
    ----------
    notebook : str
        The notebook name, for the message.
    declared : DeclaredParameter
        The declaration from the notebook's ``parameters`` cell.
    value : object
        The value from ``reports.yml`` or the text after ``-p name=``.
    from_text : bool
        True for command-line text (converted), False for YAML values (checked).

    Returns
    -------
    object
        The value to pass to papermill.

    Raises
    ------
    ParameterError
        If the value does not fit the declared type.
    """
    kind = _type_of(declared)

    def bad(expected: str) -> ParameterError:
        return ParameterError(
            f"parameter '{declared.name}' of notebook {notebook} must be {expected} "
            f"(declared `{declared.name}: {declared.type_name or 'any'} = {declared.default}`); "
            f"got {value!r}"
        )

    if kind == "":
        return value
    if from_text:
        assert isinstance(value, str)
        text = value.strip()
        if kind == "str":
            return value
        if kind == "bool":
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
            raise bad("true or false")
        try:
            return int(text) if kind == "int" else float(text)
        except ValueError:
            raise bad("an integer" if kind == "int" else "a number") from None
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise bad("true or false")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise bad("an integer")
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise bad("a number")
    if isinstance(value, str):
        return value
    raise bad("text")


def _choice_checks() -> dict[str, Callable[[object, Path | None], object]]:
    """Return the declared choices of the notebooks' parameters (:mod:`sinstats.present.params`)."""
    from sinstats.present import params

    return {
        "conf_level": lambda v, _: params.check_conf_level(v),
        "method": lambda v, _: params.check_method(v),
        "share_method": lambda v, _: params.check_share_method(v),
        "ratio_method": lambda v, _: params.check_ratio_method(v),
        "target": lambda v, data_dir: params.check_target(v, data_dir),
        "seed": lambda v, _: params.check_seed(v),
        "n_draws": lambda v, _: params.check_n_draws(v),
        "claims_file": lambda v, _: params.check_claims_file(v),
    }


CHECKED_PARAMETERS: tuple[str, ...] = (
    "conf_level",
    "method",
    "share_method",
    "ratio_method",
    "target",
    "seed",
    "n_draws",
    "claims_file",
)
"""Parameters whose values are checked against the declared choices before any kernel starts."""


def check_choice(notebook: str, name: str, value: object, data_dir: Path | None = None) -> None:
    """Check a parameter value against the notebook collection's declared choices.

    The notebooks validate their parameters in their first cell
    (:func:`sinstats.present.params.validate`); the build makes the same checks before any
    kernel starts, so a bad value costs no kernel and is refused with the valid values listed.

    Parameters
    ----------
    notebook : str
        The notebook name, for the message.
    name : str
        The parameter; names outside :data:`CHECKED_PARAMETERS` are not checked here.
    value : object
        The value, already converted to the declared type.
    data_dir : Path, optional
        The data folder (the targets are defined in its ``assumptions.yml``).

    Raises
    ------
    ParameterError
        Naming the notebook, the parameter, the value and the valid choices.
    """
    if name not in CHECKED_PARAMETERS:
        return
    try:
        _choice_checks()[name](value, data_dir)
    except ParameterError as err:
        raise ParameterError(f"notebook {notebook}: {err}") from None


def parse_parameter_options(options: Sequence[str] | None) -> dict[str, str]:
    """Parse ``-p name=value`` options into ``{name: text}``.

    Parameters
    ----------
    options : sequence of str or None
        The option values as given (``"conf_level=0.9"``).

    Returns
    -------
    dict
        ``{name: text after the first =}``; the later of two options with one name wins.

    Raises
    ------
    ParameterError
        If an option has no ``=``, an invalid name, or names a parameter the pipeline sets.
    """
    out: dict[str, str] = {}
    for option in options or ():
        name, sep, value = option.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ParameterError(f"-p {option!r}: write -p name=value, e.g. -p conf_level=0.9")
        if name in RESERVED_PARAMETERS:
            hint = _RESERVED_HINTS[name]
            raise ParameterError(f"-p {name}=...: the pipeline sets '{name}'; use {hint} instead")
        out[name] = value
    return out
