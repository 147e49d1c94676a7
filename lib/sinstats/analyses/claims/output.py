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
from sinstats.analyses.claims.verify import (
    DEFAULT_CONF_LEVEL,
    exit_status,
    strict_failures,
    summary,
)
from sinstats.errors import EXPECTED_OS_ERRORS, OutputError, ParameterError
from sinstats.present.words import p_number, trimmed
from sinstats.stats.multiplicity import ADJUST_WORDS

__all__ = [
    "FORMATS",
    "TABLE_COLUMNS",
    "limits_text",
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
    "p_overdispersed",
    "p_adjusted",
    "adjust",
    "n_adjusted",
    "chance_alone",
    "break_flag",
    "breaks",
    "break_warning",
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
    "recomputed_text",
    "verdict_label",
    "meaning",
    "meaning_text",
    "consistent_not_a_test",
    "figures_used",
    "warnings",
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
        "p_overdispersed": _nan(r.p_overdispersed),
        "p_adjusted": _nan(r.p_adjusted),
        "adjust": r.adjust if r.p_adjusted is not None else "",
        "n_adjusted": r.n_adjusted,
        "chance_alone": r.chance_alone,
        "break_flag": r.break_flag,
        "breaks": ", ".join(r.breaks),
        "break_warning": r.break_warning,
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
        **_said_row(r),
    }


def _said_row(r: ClaimResult) -> dict[str, object]:
    """Return the table's columns saying what was compared: figures, warnings, meaning."""
    return {
        # Empty, not "-", when nothing was recomputed (a table cell of symbols only is refused
        # by the workbook writer).
        "recomputed_text": _recomputed_text(r)
        if r.recomputed is not None or r.designations
        else "",
        "verdict_label": r.label(),
        "meaning": r.meaning,
        "meaning_text": r.meaning_text,
        "consistent_not_a_test": r.not_a_test,
        "figures_used": "\n".join(f.describe() for f in r.figures),
        "warnings": "\n".join(r.warnings),
    }


def _nan(value: float | Decimal | None) -> float:
    return math.nan if value is None else float(value)


def to_json(results: Sequence[ClaimResult], strict: bool = False) -> str:
    """Return the results as stable, machine-readable JSON.

    Parameters
    ----------
    results : sequence of ClaimResult
        Every result, each written with :meth:`ClaimResult.to_dict`.
    strict : bool, default False
        ``--strict``: the exit status recorded is the strict one.

    Returns
    -------
    str
        One JSON object (``sinstats_version``, ``conf_level``, ``adjustment``, ``summary``,
        ``exit_status``, ``strict``, ``claims``) and a final newline; each claim's ``break`` is
        null or the declared break its change crosses (flag, ids, warning). Keys are sorted,
        numbers rounded to 6 decimal places (p-values to 4 significant digits), missing or
        infinite values are
        ``null``; the same inputs give byte-identical output.
    """
    conf = results[0].conf_level if results else DEFAULT_CONF_LEVEL
    doc = {
        "sinstats_version": __version__,
        "conf_level": conf,
        "adjustment": _adjustment(results),
        "summary": summary(results).to_dict(),
        "exit_status": exit_status(results, strict),
        "strict": strict,
        "claims": [r.to_dict() for r in results],
    }
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def limits_text(
    lower: float | Decimal | None, upper: float | Decimal | None, decimals: int, kind: str
) -> str:
    """Write an interval as every output writes it: one decimal place more than published.

    Parameters
    ----------
    lower, upper : float, Decimal or None
        The limits (None or NaN: no interval).
    decimals : int
        The claim's ``decimals``.
    kind : str
        The claim's kind (a percent gets ``%``).

    Returns
    -------
    str
        ``-31.5 to -9.9%``, or ``-`` without limits.
    """
    if lower is None or upper is None or math.isnan(float(lower)) or math.isnan(float(upper)):
        return "-"
    places = decimals + 1
    return f"{fixed(lower, places)} to {fixed(upper, places)}{unit_suffix(kind)}"


def _interval_text(r: ClaimResult) -> str:
    return limits_text(r.lower, r.upper, r.claim.decimals, r.claim.kind)


def _recomputed_text(r: ClaimResult) -> str:
    if r.designations:  # a designation claim: what the data say the releases carry
        return "; ".join(dict.fromkeys(d.designation for d in r.designations))
    if r.recomputed is None:
        return "-"
    text = brief(r.recomputed, r.claim.decimals + 2)
    return signed(text, r.recomputed, r.claim.kind) + unit_suffix(r.claim.kind)


def _adjustment(results: Sequence[ClaimResult]) -> dict[str, object]:
    """Return how the change claims were adjusted together: method and family size."""
    tested = [r for r in results if r.p_adjusted is not None]
    method = tested[0].adjust if tested else next((r.adjust for r in results if r.p_value), "none")
    return {"method": method, "n": len(tested)}


def _chance_text(r: ClaimResult) -> str:
    if r.break_flag and r.p_value is not None:
        return r.break_flag
    if r.chance_alone is None:
        return "-"
    return "yes" if r.chance_alone else "no"


_ADJUST_HEADER: Final = {"holm": "Holm", "bh": "BH", "none": "unadjusted"}


def _p_text(value: float | None) -> str:
    return "-" if value is None else p_number(value)


def _adjust_line(results: Sequence[ClaimResult]) -> str:
    """Say how many change claims were tested together and how they were adjusted."""
    adj = _adjustment(results)
    flagged = sum(1 for r in results if r.breaks and r.p_value is not None)
    text = f"Change claims tested together: {adj['n']}"
    if adj["method"] != "none":
        text += f", p-values adjusted by {ADJUST_WORDS[str(adj['method'])]}"
    else:
        text += ", p-values not adjusted for multiple tests"
    text += "; 'chance alone' rests on the adjusted p-value"
    if flagged:
        text += (
            f"; {flagged} change{'s' if flagged != 1 else ''} across a declared break "
            "(breaks.yml) flagged and not tested"
        )
    return text + "."


def _level_text(results: Sequence[ClaimResult]) -> str:
    conf = results[0].conf_level if results else DEFAULT_CONF_LEVEL
    return f"{trimmed(conf * 100)}%"


def summary_line(results: Sequence[ClaimResult], strict: bool = False) -> str:
    """Return the one-line summary: how many claims reproduce, differ, cannot be checked.

    Parameters
    ----------
    results : sequence of ClaimResult
        The results counted.
    strict : bool, default False
        ``--strict``: say the strict exit status and why.

    Returns
    -------
    str
        E.g. ``34 claims: 30 reproduce, 1 differs, 3 cannot be checked. Exit status 1 (...)``,
        the reason in words naming the claims, and how many claims carry a warning or
        misdescribe what their figure counts.
    """
    s = summary(results)
    status = exit_status(results, strict)
    line = (
        f"{s.claims} claim{'s' if s.claims != 1 else ''}: {s.reproduces} "
        f"reproduce{'s' if s.reproduces == 1 else ''}, {s.differs} "
        f"differ{'s' if s.differs == 1 else ''}, {s.cannot_check} cannot be checked."
    )
    extra = _counts_in_words(results)
    return f"{line}{extra} Exit status {status} ({_exit_reason(results, status, strict)})."


def _ids(ids: Sequence[str]) -> str:
    return ", ".join(ids)


def _counts_in_words(results: Sequence[ClaimResult]) -> str:
    """`` 1 misdescribes what its figure counts; 1 rests on an ambiguous period.`` or ``""``."""
    parts = []
    mis = sum(r.meaning == "misdescribes" for r in results)
    if mis:
        parts.append(f"{mis} misdescribe{'s' if mis == 1 else ''} what the figure counts")
    warned = sum(bool(r.warnings) for r in results)
    if warned:
        parts.append(f"{warned} rest{'s' if warned == 1 else ''} on an ambiguous period")
    return f" {'; '.join(parts).capitalize()}." if parts else ""


def _exit_reason(results: Sequence[ClaimResult], status: int, strict: bool) -> str:
    """Say in words why the exit status is what it is, naming the claims."""
    if status == 1:
        differ = [r.claim.id for r in results if r.verdict == "differs"]
        return (
            f"a published figure does not reproduce: {_ids(differ)}; the notes say by how "
            "much, and a claim marked expect: differs is a known difference"
        )
    if status:
        found = strict_failures(results)
        said = "; ".join(f"{len(v)} {k}: {_ids(v)}" for k, v in found.items())
        return f"--strict: {said}"
    if strict:
        return "nothing differs, and under --strict every claim was checked, unambiguously"
    return "nothing differs"


def to_table(results: Sequence[ClaimResult], strict: bool = False) -> str:
    """Return a plain-text table, one row per claim, followed by the notes and a summary.

    Parameters
    ----------
    results : sequence of ClaimResult
        One row each, in order.
    strict : bool, default False
        ``--strict``: the summary gives the strict exit status.

    Returns
    -------
    str
        Columns id, published, recomputed, verdict, interval and chance alone; then a note
        block per claim (statement, verdict in full, each figure used with its period in words
        and source, warnings, arithmetic, note, explanation, model interval).
    """
    level = _level_text(results)
    adjusted = _ADJUST_HEADER[str(_adjustment(results)["method"])]
    header = (
        "id", "published", "recomputed", "verdict", f"{level} interval", "p Poisson",
        "p scatter", f"p {adjusted}", "chance alone",
    )  # fmt: skip
    rows = [
        (
            r.claim.id,
            r.claim.published_display(),
            _recomputed_text(r),
            r.short_label(),
            _interval_text(r),
            _p_text(r.p_value),
            _p_text(r.p_overdispersed),
            _p_text(r.p_adjusted),
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
        lines.append(f"    verdict: {r.label()}")
        lines.extend(f"    uses {f.describe()}" for f in r.figures)
        lines.extend(f"    WARNING: {w}" for w in r.warnings)
        if r.computation:
            lines.append(f"    computed: {r.computation} [{r.method}]")
        if r.note:
            lines.append(f"    {r.note}")
        if r.claim.explanation:
            lines.append(f"    What it counts: {r.claim.explanation}")
        if r.meaning_sources:
            lines.append(f"    What the figure counts, from: {'; '.join(r.meaning_sources)}")
        if r.model is not None:
            lines.append(f"    {r.model.note}")
        if r.break_warning:
            lines.append(f"    BREAK: {r.break_warning}")
    lines += ["", _adjust_line(results), summary_line(results, strict)]
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


def to_markdown(results: Sequence[ClaimResult], strict: bool = False) -> str:
    """Return a Markdown table (one row per claim) with notes, ready to paste into a review.

    Parameters
    ----------
    results : sequence of ClaimResult
        One table row each, in order.
    strict : bool, default False
        ``--strict``: the summary gives the strict exit status.

    Returns
    -------
    str
        The table (its "Figures used" column names each figure: dataset, period in words,
        category, value, source), a "Warnings" list when a period was ambiguous, a "What the
        numbers count" list when any claim explains itself or has a meaning verdict, and the
        summary line.
    """
    level = _level_text(results)
    adjusted = _ADJUST_HEADER[str(_adjustment(results)["method"])]
    lines = [
        "| Claim | Statement | Published | Recomputed | Verdict | "
        f"{level} interval | p (Poisson) | p (series' scatter) | p ({adjusted}) | Chance alone? "
        "| Break | Figures used | Note |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
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
                    _md_verdict(r),
                    _md(_interval_text(r)),
                    _p_text(r.p_value),
                    _p_text(r.p_overdispersed),
                    _p_text(r.p_adjusted),
                    _md(_chance_text(r)),
                    _md(r.break_warning) if r.break_warning else "-",
                    "; ".join(_md(f.describe()) for f in r.figures) or "-",
                    _md(" ".join((*(f"Warning: {w}" for w in r.warnings), r.note))),
                ]
            )
            + " |"
        )
    warned = [r for r in results if r.warnings]
    if warned:
        lines += ["", "**Warnings**", ""]
        lines.extend(f"- `{_code(r.claim.id)}`: {_md(w)}" for r in warned for w in r.warnings)
    explained = [r for r in results if r.claim.explanation or r.model is not None or r.meaning]
    if explained:
        lines += ["", "**What the numbers count**", ""]
        for r in explained:
            meaning = f"Meaning: {r.meaning}: {r.meaning_text}." if r.meaning else None
            sources = (
                f"(What the figure counts, from: {'; '.join(r.meaning_sources)}.)"
                if r.meaning_sources
                else None
            )
            parts = (meaning, r.claim.explanation, r.model.note if r.model else None, sources)
            lines.append(f"- `{_code(r.claim.id)}`: {_md(' '.join(t for t in parts if t))}")
    lines += ["", _adjust_line(results), "", summary_line(results, strict)]
    return "\n".join(lines) + "\n"


def _md_verdict(r: ClaimResult) -> str:
    """``**reproduces**``, with the not-a-test label and the meaning verdict after it."""
    tail = r.label()[len(r.verdict) :]
    lead = tail[: len(tail) - len(tail.lstrip(" ,"))]
    return f"**{r.verdict}**{lead}{_md(tail[len(lead) :])}"


def render(results: Sequence[ClaimResult], fmt: str = "table", strict: bool = False) -> str:
    """Render results in one of :data:`FORMATS` (``sinstats verify --format``).

    Parameters
    ----------
    results : sequence of ClaimResult
        What to write.
    fmt : {"table", "json", "markdown"}, default "table"
    strict : bool, default False
        ``--strict``: the summary and the JSON give the strict exit status.

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
    return _RENDERERS[fmt](results, strict)


# The function writing each format (keys: FORMATS).
_RENDERERS: Final[Mapping[str, Callable[[Sequence[ClaimResult], bool], str]]] = MappingProxyType(
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
