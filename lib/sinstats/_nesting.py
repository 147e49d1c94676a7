"""A cheap upper bound of how deeply a YAML document nests, read before any YAML parser runs.

PyYAML's pure-Python scanner slows down sharply with deep flow nesting (a claims file of 999,999
``[`` takes minutes before the parser gives up), so files a user or a fetch hands to sinstats are
measured first, in one pass over the text that stops as soon as the limit is passed:
:func:`too_deep` returns the line where the nesting first exceeds the limit, or None.

The measure follows the few YAML rules that decide nesting: flow collections (``[``, ``{``)
start only where a value starts (or inside another flow collection), quoted scalars start only
where a value starts, ``#`` starts a comment after white space, block scalars (``|``, ``>``) hold
text, and block nesting comes from indentation and from compact ``- - x`` entries. It may count a
little more than a parser would (never less for the forms above), which is why callers use a
limit well above any real file's depth and leave the exact check to the parsed structure.
"""

from __future__ import annotations

import re

__all__ = ["too_deep"]

_SPECIAL = re.compile(r"""["'#\[\]{},]""")
_COMPACT = re.compile(r"(?:[-?](?:[ \t]+|$))+")
_BLOCK_SCALAR = re.compile(r"(?:^|[ \t])[|>][-+0-9]*[ \t]*(?:#.*)?$")
_STARTS_VALUE = frozenset("-?:[{,")


def _value_start(line: str, pos: int, start: int) -> bool:
    """Whether ``pos`` is where a scalar may start: only indicators or indentation before it."""
    k = pos - 1
    while k >= start and line[k] in " \t":
        k -= 1
    return k < start or line[k] in _STARTS_VALUE


def too_deep(text: str, limit: int) -> int | None:
    r"""Return the first line where the document nests more than ``limit`` levels, or None.

    Parameters
    ----------
    text : str
        A YAML document.
    limit : int
        The most levels allowed (block and flow nesting together).

    Returns
    -------
    int or None
        The 1-based line number, or None when the document stays within ``limit``.

    Examples
    --------
    >>> too_deep("a:\n  b: [1, {c: 2}]\n", 4) is None
    True
    >>> too_deep("a:\n  b: [1, {c: 2}]\n", 3)
    2
    >>> too_deep("[" * 1000, 50)
    1
    >>> too_deep("- - - - x\n", 3)
    1
    """
    flow = 0
    quote = ""
    indents: list[int] = []
    block_scalar_indent: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        if block_scalar_indent is not None:
            if not stripped or indent > block_scalar_indent:
                continue  # text of a block scalar
            block_scalar_indent = None
        start = 0
        block = len(indents)
        if not quote and flow == 0:
            if not stripped or stripped.startswith("#"):
                continue
            while indents and indents[-1] >= indent:
                indents.pop()
            indents.append(indent)
            compact = _COMPACT.match(line, indent)
            block = len(indents) + (
                compact.group().count("-") + compact.group().count("?") if compact else 0
            )
            start = compact.end() if compact else indent
        if block + flow > limit:
            return number
        pos = start
        while True:
            if quote == "'":
                end = line.find("'", pos)
                while end != -1 and line.startswith("''", end):
                    end = line.find("'", end + 2)
                if end == -1:
                    break
                quote, pos = "", end + 1
                continue
            if quote == '"':
                end = pos
                while True:
                    end = line.find('"', end)
                    if end == -1:
                        break
                    backslashes = len(line[:end]) - len(line[:end].rstrip("\\"))
                    if backslashes % 2 == 0:
                        break
                    end += 1
                if end == -1:
                    break
                quote, pos = "", end + 1
                continue
            match = _SPECIAL.search(line, pos)
            if match is None:
                break
            ch, at = match.group(), match.start()
            pos = at + 1
            if ch == "#":
                if at == 0 or line[at - 1] in " \t":
                    break
            elif ch in "\"'":
                if flow or _value_start(line, at, indent):
                    quote = ch
            elif ch in "[{":
                if flow or _value_start(line, at, indent):
                    flow += 1
                    if block + flow > limit:
                        return number
            elif ch in "]}":
                flow = max(flow - 1, 0)
        if not quote and flow == 0 and _BLOCK_SCALAR.search(line):
            block_scalar_indent = indent
    return None
