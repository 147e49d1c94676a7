"""Writing verification results: the tidy table, JSON, the text table, Markdown, files.

:func:`render` gives ``sinstats verify``'s output in one of :data:`FORMATS`; :func:`verify_table`
the tidy table notebook 06 lays out; :func:`write_atomic` writes a file that is either complete
or untouched.

A claims file is text sinstats did not write, so every output escapes it: JSON through
:func:`json.dumps`, the text table with :func:`repr` (no control characters reach a terminal), and
Markdown with :func:`markdown_text`, which turns HTML's ``& < >`` into character references and
backslash-escapes Markdown's punctuation, so a statement can neither add HTML (a ``<script>``) nor
a link; the one link per row is the claim's own ``url``, which the register has checked to be an
http(s) address, written as an escaped ``<...>`` destination.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Final

import pandas as pd

from sinstats import __version__
from sinstats._typing import PathLike
from sinstats.analyses.claims.records import ClaimResult
from sinstats.analyses.claims.rounding import brief, fixed, signed, unit_suffix
from sinstats.analyses.claims.verify import DEFAULT_CONF_LEVEL, exit_status, summary
from sinstats.errors import EXPECTED_OS_ERRORS, OutputError, ParameterError
from sinstats.present.words import p_number, trimmed

__all__ = [
    "FORMATS",
    "TABLE_COLUMNS",
    "markdown_text",
    "render",
    "summary_line",
    "to_json",
    "to_markdown",
    "to_table",
    "verify_table",
    "write_atomic",
]

#: Output formats of ``sinstats verify``.
FORMATS: Final[tuple[str, ...]] = ("table", "json", "markdown")

#: Columns of :func:`verify_table`, in order.
TABLE_COLUMNS: Final = (
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
)


def verify_table(results: Sequence[ClaimResult]) -> pd.DataFrame:
    """Return one row per claim as a tidy table (for notebooks and reports).

    Parameters
    ----------
    results : sequence of ClaimResult
        From :func:`~sinstats.analyses.claims.verify`, in order.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`; numbers are floats (NaN where absent),
        ``chance_alone`` is True/False/None.
    """
    frame = pd.DataFrame([_table_row(r) for r in results], columns=list(TABLE_COLUMNS))
    frame["chance_alone"] = frame["chance_alone"].astype(object)
    return frame


def _table_row(r: ClaimResult) -> dict[str, object]:
    c = r.claim
    m = r.model
    return {
        **c.provenance(),
        "published": math.nan if c.designation is not None else float(c.published),
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


def _nan(value: float | Decimal | None) -> float:
    return math.nan if value is None else float(value)


def to_json(results: Sequence[ClaimResult]) -> str:
    """Return the results as stable, machine-readable JSON.

    Parameters
    ----------
    results : sequence of ClaimResult
        Every result, each written with :meth:`ClaimResult.to_dict`.

    Returns
    -------
    str
        One JSON object (``sinstats_version``, ``conf_level``, ``summary``, ``exit_status``,
        ``claims``) and a final newline. Keys are sorted, numbers rounded to 6 decimal places
        (p-values to 4 significant digits), missing or infinite values are ``null``; the same
        inputs give byte-identical output.
    """
    conf = results[0].conf_level if results else DEFAULT_CONF_LEVEL
    doc = {
        "sinstats_version": __version__,
        "conf_level": conf,
        "summary": summary(results).to_dict(),
        "exit_status": exit_status(results),
        "claims": [r.to_dict() for r in results],
    }
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _interval_text(r: ClaimResult) -> str:
    if r.lower is None or r.upper is None:
        return "-"
    places = r.claim.decimals + 1
    suffix = unit_suffix(r.claim.kind)
    return f"{fixed(r.lower, places)} to {fixed(r.upper, places)}{suffix}"


def _recomputed_text(r: ClaimResult) -> str:
    if r.designations:  # a designation claim: what the data say the releases carry
        return "; ".join(dict.fromkeys(d.designation for d in r.designations))
    if r.recomputed is None:
        return "-"
    text = brief(r.recomputed, r.claim.decimals + 2)
    return signed(text, r.recomputed, r.claim.kind) + unit_suffix(r.claim.kind)


def _chance_text(r: ClaimResult) -> str:
    if r.chance_alone is None:
        return "-"
    assert r.p_value is not None
    return f"{'yes' if r.chance_alone else 'no'} (p={p_number(r.p_value)})"


def _level_text(results: Sequence[ClaimResult]) -> str:
    conf = results[0].conf_level if results else DEFAULT_CONF_LEVEL
    return f"{trimmed(conf * 100)}%"


def summary_line(results: Sequence[ClaimResult]) -> str:
    """Return the one-line summary: how many claims reproduce, differ, cannot be checked.

    Parameters
    ----------
    results : sequence of ClaimResult
        The results counted.

    Returns
    -------
    str
        E.g. ``34 claims: 30 reproduce, 1 differs, 3 cannot be checked. Exit status 1 (...)``.
    """
    s = summary(results)
    status = exit_status(results)
    why = "a published figure does not reproduce" if status else "nothing differs"
    return (
        f"{s.claims} claim{'s' if s.claims != 1 else ''}: {s.reproduces} "
        f"reproduce{'s' if s.reproduces == 1 else ''}, {s.differs} "
        f"differ{'s' if s.differs == 1 else ''}, {s.cannot_check} cannot be checked. "
        f"Exit status {status} ({why})."
    )


def to_table(results: Sequence[ClaimResult]) -> str:
    """Return a plain-text table, one row per claim, followed by the notes and a summary.

    Parameters
    ----------
    results : sequence of ClaimResult
        One row each, in order.

    Returns
    -------
    str
        Columns id, published, recomputed, verdict, interval and chance alone; then a note
        block per claim (statement, arithmetic, note, explanation, model interval).
    """
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


_MD_PUNCTUATION: Final = frozenset("\\`*_[]|~")
"""The characters that can start Markdown formatting or a link inside a line of text."""
_HTML_REFERENCES: Final[Mapping[str, str]] = MappingProxyType(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
)


def markdown_text(text: str) -> str:
    r"""Return ``text`` as inert Markdown: shown as written, never read as HTML, a link or a format.

    White space is collapsed to single spaces (a table cell is one line), ``& < > "`` become HTML
    character references and the punctuation that starts Markdown formatting inside a line
    (backslash, backtick, ``* _ [ ] | ~``) is backslash-escaped (CommonMark allows escaping any
    ASCII punctuation), so ``<script>`` shows as text and ``[t](url)`` makes no link.

    Parameters
    ----------
    text : str
        Text from a claims file (statement, source, note...).

    Returns
    -------
    str
        Safe for a Markdown table cell or paragraph.

    Examples
    --------
    >>> print(markdown_text("<b>1 | 2</b> [x](javascript:y)"))
    &lt;b&gt;1 \| 2&lt;/b&gt; \[x\](javascript:y)
    """
    out = []
    for ch in " ".join(str(text).split()):
        if ch in _HTML_REFERENCES:
            out.append(_HTML_REFERENCES[ch])
        elif ch in _MD_PUNCTUATION:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _md(text: str) -> str:
    return markdown_text(text)


def _code(text: str) -> str:
    """Text for a code span: no backtick can end it (ids cannot hold one; this makes sure)."""
    return " ".join(str(text).split()).replace("`", "'")


def _md_url(url: str) -> str:
    """Return a link destination: ``<url>``, percent-encoding what could end it early."""
    safe = "".join(f"%{ord(ch):02X}" if ch in "<>\\ \n\r\t" or ord(ch) < 32 else ch for ch in url)
    return f"<{safe}>"


def to_markdown(results: Sequence[ClaimResult]) -> str:
    """Return a Markdown table (one row per claim) with notes, ready to paste into a review.

    Parameters
    ----------
    results : sequence of ClaimResult
        One table row each, in order.

    Returns
    -------
    str
        The table, a "What the numbers count" list when any claim explains itself, and the
        summary line.
    """
    level = _level_text(results)
    lines = [
        "| Claim | Statement | Published | Recomputed | Verdict | "
        f"{level} interval | Chance alone? | Note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c = r.claim
        statement = f"[{_md(c.statement)}]({_md_url(c.url)}) ({_md(c.source)})"
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{_code(c.id)}`",
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
            lines.append(f"- `{_code(r.claim.id)}`: {_md(text)}")
    lines += ["", summary_line(results)]
    return "\n".join(lines) + "\n"


def render(results: Sequence[ClaimResult], fmt: str = "table") -> str:
    """Render results in one of :data:`FORMATS` (``sinstats verify --format``).

    Parameters
    ----------
    results : sequence of ClaimResult
        What to write.
    fmt : {"table", "json", "markdown"}, default "table"

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        For a format not in :data:`FORMATS`, listing them.
    """
    if fmt not in _RENDERERS:
        raise ParameterError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
    return _RENDERERS[fmt](results)


# The function writing each format (keys: FORMATS).
_RENDERERS: Final[Mapping[str, Callable[[Sequence[ClaimResult]], str]]] = MappingProxyType(
    {"table": to_table, "json": to_json, "markdown": to_markdown}
)


def write_atomic(path: PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename (never a partial file).

    Parameters
    ----------
    path : path-like
        The file to write (``--output``); its folder must exist.
    text : str
        Written as UTF-8, with Unix line ends.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ParameterError
        If the folder does not exist or cannot be written, or ``path`` is a folder or another
        thing that is not a regular file.
    OutputError
        If the disk fills up while writing (the earlier file, if any, is kept).
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ParameterError(f"--output: folder {folder} does not exist; create it first")
    if target.is_dir():
        raise ParameterError(f"--output: {target} is a folder; give a file name inside it")
    if target.exists() and not target.is_file():
        raise ParameterError(f"--output: {target} is not a regular file; give a file name")
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
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if err.errno in EXPECTED_OS_ERRORS:
            raise OutputError.from_os_error(err, "writing --output", target) from None
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target
