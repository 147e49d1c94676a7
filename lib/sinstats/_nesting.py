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
_COMPACT = re.compile(r"(?:[-?:](?:[ \t]+|$))+")
_INDICATOR = re.compile(r"[-?:](?:[ \t]+|$)")
_KEY = re.compile(
    r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#\[\]{},'"](?:[^#]|(?<![ \t])#)*?)"""
    r"""[ \t]*:(?:[ \t]|$)"""
)
# A block scalar's header ends its line: ``|`` or ``>``, indentation and chomping indicators, then
# nothing but a comment (``#`` after white space); tags or anchors may come before it.
_BLOCK_SCALAR = re.compile(r"(?:^|[ \t])(?:[!&][^ \t]*[ \t]+)*[|>][-+0-9]*(?:[ \t]+#.*)?[ \t]*$")


def _value_start(line: str, pos: int, start: int, flow: int) -> bool:
    """Whether ``pos`` is where a value may start: at the start, or after ``:`` or ``[ { ,``.

    ``start`` is where the line's content begins, after its indentation and any ``-``, ``?`` or
    ``:`` indicators (past it, ``- `` and ``? `` are text). ``:`` marks a value when white space
    follows it, or inside a flow collection (``{"key":value}``); ``[ { ,`` and an explicit key's
    ``? `` only inside one.
    """
    k = pos - 1
    spaced = False
    while k >= start and line[k] in " \t":
        k -= 1
        spaced = True
    if k < start:
        return True
    if line[k] in "[{,":
        return flow > 0
    if line[k] == "?":  # an explicit key inside a flow collection: {? key : value}
        return spaced and flow > 0
    return line[k] == ":" and (spaced or flow > 0)


def _block_scalar(line: str, pos: int, start: int) -> bool:
    """Whether the line ends with a block scalar's header (``|`` or ``>``) where a value starts.

    Mid-text, ``a |`` is a plain scalar and ``|#`` no header: the header counts only where a
    value may start (:func:`_value_start`), so the lines after it are not mistaken for its text.
    """
    match = _BLOCK_SCALAR.search(line, pos)
    if match is None:
        return False
    at = match.start() + (1 if line[match.start()] in " \t" else 0)
    return _value_start(line, at, start, 0)


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
    indents: list[tuple[int, str]] = []  # (column, "seq" or "map") of each open block level
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
            compact = _COMPACT.match(line, indent)
            start = compact.end() if compact else indent
            # One level per indicator ("- - x": two sequences), or one for a plain line.
            levels = [
                (m.start(), "seq" if m.group()[0] == "-" else "map")
                for m in (_INDICATOR.finditer(line, indent, start) if compact else ())
            ] or [(indent, "map")]
            entry = levels[0][1] == "seq"
            # A sequence entry at its mapping key's own indentation is nested in that mapping
            # (YAML's "indentless" sequence); anything else at an indentation closes that level.
            while indents and (
                indents[-1][0] > indent
                or (indents[-1][0] == indent and not (entry and indents[-1][1] == "map"))
            ):
                indents.pop()
            indents.extend(levels)
            if compact and _KEY.match(line, start):  # "- key: ...": a mapping inside the entry
                indents.append((start, "map"))
            block = len(indents)
        if block + flow > limit:
            return number
        pos = start
        after_quotes = 0  # where the line's text after its last quoted scalar begins
        while True:
            if quote == "'":
                end = line.find("'", pos)
                while end != -1 and line.startswith("''", end):
                    end = line.find("'", end + 2)
                if end == -1:
                    break
                quote, pos = "", end + 1
                after_quotes = pos
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
                after_quotes = pos
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
                if _value_start(line, at, start, flow):
                    quote = ch
            elif ch in "[{":
                if flow or _value_start(line, at, start, flow):
                    flow += 1
                    if block + flow > limit:
                        return number
            elif ch in "]}":
                flow = max(flow - 1, 0)
        if not quote and flow == 0 and _block_scalar(line, after_quotes, start):
            block_scalar_indent = indent
    return None
