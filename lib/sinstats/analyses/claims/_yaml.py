"""Reading a claims file's YAML safely: size limits, UTF-8, no tags, anchors or duplicate keys.

Private to :mod:`sinstats.analyses.claims`: :mod:`~sinstats.analyses.claims.register` reads
every claims file through these functions, which report a problem with the whole file as a
:class:`~sinstats.errors.ClaimsError` naming the file and line, and return the loaded object
with a map from ``(index, field, ...)`` to the line each came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import yaml

from sinstats._nesting import too_deep
from sinstats.errors import ClaimsError, Problem

_MAX_FILE_BYTES: Final = 1_000_000
_MAX_SCAN_DEPTH: Final = 64
"""Nesting refused before parsing (:func:`sinstats._nesting.too_deep`); well above any claims
file, whose parsed structure is then held to the register's own depth limit."""


class ClaimsLoader(yaml.SafeLoader):
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


def file_error(path: str, message: str, line: int | None = None) -> ClaimsError:
    """Return the error for a problem with the whole file (not one claim)."""
    return ClaimsError([Problem(message, line=line)], path)


def check_size(size: int, path: str, *, on_disk: bool = False) -> None:
    """Refuse more than 1 MB (a claims file is a few kilobytes; more is not one)."""
    if size > _MAX_FILE_BYTES:
        what = f"file is {size:,} bytes; a" if on_disk else "a"
        raise file_error(path, f"{what} claims file may hold at most 1 MB")


def read_file(file: Path, path: str) -> bytes:
    """Return a claims file's bytes, refusing a missing, unreadable or too large file."""
    if not file.is_file():
        raise file_error(path, "file not found (give a YAML claims file)")
    try:
        check_size(file.stat().st_size, path, on_disk=True)
        return file.read_bytes()
    except OSError as err:
        raise file_error(path, f"cannot read the file: {err.strerror or err}") from None


def decode(raw: bytes, path: str) -> str:
    """Decode UTF-8 (with or without a byte-order mark), naming the line of a bad byte."""
    check_size(len(raw), path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise file_error(path, "bytes that are not UTF-8; save the file as UTF-8", line) from None


def yaml_problem(err: yaml.YAMLError) -> Problem:
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


def parse_yaml(text: str, path: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Load YAML safely; return the object and a map from (index, field, ...) to line."""
    deep = too_deep(text, _MAX_SCAN_DEPTH)
    if deep is not None:
        # Refused before the YAML scanner, which is slow on deep nesting (minutes for 1 MB).
        raise file_error(
            path,
            f"the YAML is nested too deeply to be a claims file (more than {_MAX_SCAN_DEPTH} "
            "levels)",
            deep,
        )
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            kind = {
                yaml.TagToken: "a YAML tag",
                yaml.AnchorToken: "a YAML anchor",
                yaml.AliasToken: "a YAML alias",
            }.get(type(token))
            if kind is not None:
                raise file_error(
                    path,
                    f"{kind} ('{_token_text(token)}') is not allowed in a claims file: "
                    "write plain values (nothing in a claims file is ever evaluated)",
                    token.start_mark.line + 1,
                )
        loader = ClaimsLoader(text)
        try:
            node = loader.get_single_node()
            obj = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except ClaimsError:
        raise
    except yaml.YAMLError as err:
        raise ClaimsError([yaml_problem(err)], path) from None
    except RecursionError:
        raise file_error(path, "the YAML is nested too deeply to be a claims file") from None
    except (ValueError, OverflowError) as err:  # e.g. an integer with thousands of digits
        raise file_error(path, f"a value cannot be read: {err}") from None
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
