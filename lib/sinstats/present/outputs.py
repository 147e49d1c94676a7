"""What a notebook run hands to the build pipeline: tables, figures, key figures and inputs.

A notebook calls :func:`setup` once (after validating its parameters), then :func:`table`,
:func:`figure` and :func:`key_figure` as it goes, and :func:`finish` in its last cell. With an
``output_dir`` the run writes::

    <output_dir>/tables/<name>.csv        tidy, with method, conf_level and note columns
    <output_dir>/figures/<name>.png        200 dpi
    <output_dir>/figures/<name>.svg
    <output_dir>/figures/print/<name>.svg  the same with text as text, for the PDF (only where
                                          the charts' fonts are installed on the system)
    <output_dir>/figures/<name>.alt.txt    the alt text
    <output_dir>/key_figures.json          [KeyFigure.as_json(), ...]
    <output_dir>/inputs.json               {"data_files": {...}, "parameters": {...}, ...}

Without one nothing is written: tables and charts are only displayed. Every file is written
deterministically (fixed float format, Unix line ends, sorted JSON keys, SVG without dates), so
two runs with the same inputs give byte-identical files.

What is displayed carries text from data and claims files, and the report HTML is made from the
display: table cells and headers are HTML-escaped (:func:`table_html`), and :func:`say` passes no
raw HTML and no links through (:func:`inert_markdown`).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, cast

import pandas as pd

from sinstats import data
from sinstats.errors import ParameterError
from sinstats.present.key_figures import KeyFigure
from sinstats.present.params import NotebookParams
from sinstats.present.plots import Chart, close, png_bytes, print_svg_bytes, show, svg_bytes

#: Float format of every CSV table: 10 significant digits, so two runs give identical bytes.
FLOAT_FORMAT: Final = "%.10g"

#: Columns every saved table must have (added from the run's parameters when missing).
REQUIRED_COLUMNS: Final = ("method", "conf_level", "note")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")


@dataclass
class _Run:
    output_dir: Path | None = None
    params: NotebookParams | None = None
    key_figures: list[KeyFigure] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    finished: bool = False


_RUN = _Run()


def setup(output_dir: str | os.PathLike[str] | None, params: NotebookParams | None = None) -> None:
    """Start a run: remember where to write (None or "" for display only) and its parameters.

    Also sets the notebook's inline figures to SVG (crisp in print) when run inside IPython.
    """
    global _RUN
    folder = Path(output_dir) if output_dir not in (None, "") else None
    _RUN = _Run(output_dir=folder, params=params)
    if folder is not None:
        (folder / "tables").mkdir(parents=True, exist_ok=True)
        (folder / "figures").mkdir(parents=True, exist_ok=True)
    _inline_svg()


def reset() -> None:
    """Forget the current run (tests)."""
    global _RUN
    _RUN = _Run()


def output_dir() -> Path | None:
    """Return the folder the current run writes to, or None when it only displays."""
    return _RUN.output_dir


def _inline_svg() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    shell = get_ipython()
    if shell is not None and hasattr(shell, "kernel"):
        from matplotlib_inline import backend_inline

        formats: Any = backend_inline.set_matplotlib_formats
        formats("svg")


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ParameterError(
            f"output name {name!r} is not allowed; use lower-case letters, digits, '-' and '_'"
        )
    return name


def tidy_for_csv(frame: pd.DataFrame, params: NotebookParams | None = None) -> pd.DataFrame:
    """Return a copy with ``method``, ``conf_level`` and ``note`` columns (last, when added).

    Missing columns are filled from the run's parameters (``method``, ``conf_level``) or left
    empty (``note``); existing ones are kept as they are.
    """
    out = frame.copy()
    if isinstance(out.index, pd.RangeIndex) is False:
        out = out.reset_index()
    defaults: dict[str, Any] = {
        "method": params.method if params is not None else "",
        "conf_level": params.conf_level if params is not None else math.nan,
        "note": "",
    }
    for col in REQUIRED_COLUMNS:
        if col not in out.columns:
            out[col] = defaults[col]
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """Write a table as CSV text, deterministically (Unix line ends, fixed float format)."""
    return frame.to_csv(index=False, lineterminator="\n", float_format=FLOAT_FORMAT, na_rep="")


def table(
    frame: pd.DataFrame,
    name: str,
    *,
    display: pd.DataFrame | None = None,
    caption: str | None = None,
    show_table: bool = True,
) -> None:
    """Save a tidy table (when writing) and display it (or a formatted version of it).

    Parameters
    ----------
    frame : pandas.DataFrame
        The tidy table, numbers as numbers.
    name : str
        File name without extension (lower case, digits, ``-``, ``_``).
    display : pandas.DataFrame, optional
        A formatted version for readers; default: ``frame`` itself.
    caption : str, optional
        Caption shown above the displayed table.
    show_table : bool, default True
        Display the table.

    Notes
    -----
    Returns nothing, so that a notebook cell ending in this call shows only the table (the file
    names written are listed in ``inputs.json``).
    """
    _check_name(name)
    tidy = tidy_for_csv(frame, _RUN.params)
    if _RUN.output_dir is not None:
        path = _RUN.output_dir / "tables" / f"{name}.csv"
        path.write_text(csv_text(tidy), encoding="utf-8", newline="")
        _RUN.tables.append(name)
    if show_table:
        show_frame(display if display is not None else frame, caption=caption, uid=name)


# A cell "looks numeric" when it is a number, a formatted number ("1,234", "5.6%", "-21") or an
# interval of numbers ("321 to 396"); such columns are right-aligned, text columns left-aligned
# (GSS/Analysis Function table guidance).
_NUMERIC_TEXT = re.compile(r"^[-+−]?[\d,.]+%?( to [-+−]?[\d,.]+%?)?$|^-$|^$")


def _is_numeric_column(values: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(values):
        return True
    return all(bool(_NUMERIC_TEXT.match(str(v).strip())) for v in values if not pd.isna(v))


def table_html(frame: pd.DataFrame, caption: str | None = None, uid: str = "table") -> str:
    """Return a table as HTML without the index, with a caption and a stable element id.

    Numeric columns are right-aligned and text columns left-aligned. A run of
    :data:`LONG_TOKEN` or more characters without a space in a cell (an id, an address, a hash)
    is marked ``<span class="sinstats-break">``, which the PDF lets break anywhere (words and
    numbers are never marked, so they stay whole). Notes the table's
    :class:`~sinstats.present.tables.Display` said once (``frame.attrs["notes"]``) follow it as
    footnotes, escaped, their web addresses as links.
    """
    styler = frame.style.hide(axis="index").set_uuid(uid)
    if caption:
        styler = styler.set_caption(caption)
    # Cells and headers hold text from data and claims files: escape it (pandas does not).
    styler = styler.format(precision=2, na_rep="-", thousands=",", escape="html")
    styler = styler.format_index(escape="html", axis=1)
    text_columns: list[Hashable] = [c for c in frame.columns if not _is_numeric_column(frame[c])]
    if text_columns:
        styler = styler.set_properties(subset=text_columns, **{"text-align": "left"})
        styler = styler.set_table_styles(
            {c: [{"selector": "th", "props": [("text-align", "left")]}] for c in text_columns},
            overwrite=False,
        )
    notes = [str(n) for n in frame.attrs.get("notes", ())]
    body = _breakable_cells(str(styler.to_html()))
    if not notes:
        return body
    items = "".join(f"<p>{linked_text(n)}</p>" for n in notes)
    return f'<div class="sinstats-table">{body}<div class="table-notes">{items}</div></div>'


# A run of this many characters with no space (an address, an id, a hash) is marked so that the
# print stylesheet lets it break anywhere: it would otherwise widen its column past the page.
# Words and numbers are shorter and are never marked, so they never break inside.
LONG_TOKEN: Final = 21
_LONG_RUN = re.compile(rf"[^\s\u200b<>]{{{LONG_TOKEN},}}")
_CELL = re.compile(r"(<t[dh]\b[^>]*>)([^<]*)(</t[dh]>)")


def _breakable_cells(body: str) -> str:
    """Wrap each long run without spaces in a table cell in ``<span class="sinstats-break">``.

    The cells' text is already escaped (an entity such as ``&amp;`` stays whole inside a run).
    Zero-width spaces count as spaces: a long address that has them breaks there already, and
    only a run between them of :data:`LONG_TOKEN` characters or more is marked.

    Examples
    --------
    >>> _breakable_cells("<td>see panel-2020-child-deaths-up-35</td><td>1,234.5</td>")
    '<td>see <span class="sinstats-break">panel-2020-child-deaths-up-35</span></td><td>1,234.5</td>'
    """

    def cell(match: re.Match[str]) -> str:
        text = _LONG_RUN.sub(r'<span class="sinstats-break">\g<0></span>', match.group(2))
        return match.group(1) + text + match.group(3)

    return _CELL.sub(cell, body)


_LINK = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:]")


def linked_text(text: str) -> str:
    """Return ``text`` escaped for HTML, with every web address in it as a link.

    Examples
    --------
    >>> linked_text("DfE (https://example.org/a); <b>")
    'DfE (<a href="https://example.org/a">https://example.org/a</a>); &lt;b&gt;'
    """
    import html

    out = []
    last = 0
    for match in _LINK.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        url = html.escape(match.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def show_frame(frame: pd.DataFrame, caption: str | None = None, uid: str = "table") -> None:
    """Display a table in a notebook (HTML with a caption; plain text for other front ends)."""
    from IPython import display as ipd

    display: Any = ipd.display
    bundle = {
        "text/html": table_html(frame, caption, uid),
        "text/plain": (f"{caption}\n" if caption else "")
        + frame.to_string(index=False)
        + "".join(f"\n{n}" for n in frame.attrs.get("notes", ())),
    }
    display(bundle, raw=True)


_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_INERT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]"}


def inert_markdown(markdown: str) -> str:
    r"""Return Markdown with its raw HTML and links made inert; emphasis and code spans stay.

    Outside code spans, ``& < >`` become HTML character references (so no tag, comment or
    autolink survives) and ``[ ]`` are backslash-escaped (so no link or image is made); a code
    span is left as written (its renderer escapes it).

    Parameters
    ----------
    markdown : str
        Markdown written by the library, which may quote text from data or claims files.

    Returns
    -------
    str
        The same text as a reader sees it, with no HTML element and no link.

    Examples
    --------
    >>> print(inert_markdown("**3** < 4 `a<b` <script>x</script> [t](javascript:y)"))
    **3** &lt; 4 `a<b` &lt;script&gt;x&lt;/script&gt; \[t\](javascript:y)
    """
    out: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(markdown):
        out.append("".join(_INERT.get(ch, ch) for ch in markdown[last : match.start()]))
        out.append(match.group())
        last = match.end()
    out.append("".join(_INERT.get(ch, ch) for ch in markdown[last:]))
    return "".join(out)


def say(markdown: str) -> None:
    """Display text computed by the library as Markdown (a sentence with this run's numbers).

    The text may quote data or claims files, so it is shown through :func:`inert_markdown`: no raw
    HTML and no link reaches the report.
    """
    from IPython import display as ipd

    display: Any = ipd.display
    display(cast(Any, ipd.Markdown)(inert_markdown(markdown)))


def figure(chart: Chart, name: str, *, show_chart: bool = True) -> None:
    """Save a chart (PNG, SVG, the PDF's SVG, alt text) and display it with its alt text.

    Parameters
    ----------
    chart : Chart
        From a :mod:`sinstats.present.plots` function.
    name : str
        File name without extension.
    show_chart : bool, default True
        Display the chart (the figure is closed either way).

    Notes
    -----
    Returns nothing, so that a notebook cell ending in this call shows only the chart (the file
    names written are listed in ``inputs.json``).
    """
    _check_name(name)
    svg: bytes | None = None  # rendered once, for the file and the display alike
    if _RUN.output_dir is not None:
        base = _RUN.output_dir / "figures"
        (base / f"{name}.png").write_bytes(png_bytes(chart))
        svg = svg_bytes(chart)
        (base / f"{name}.svg").write_bytes(svg)
        printed = print_svg_bytes(chart)
        if printed is not None:  # the PDF's copy, text as text (quicker to lay out)
            (base / "print").mkdir(exist_ok=True)
            (base / "print" / f"{name}.svg").write_bytes(printed)
        (base / f"{name}.alt.txt").write_text(chart.alt + "\n", encoding="utf-8", newline="")
        _RUN.figures.append(name)
    if show_chart:
        show(chart, svg)
    else:
        close(chart)


def key_figure(figure: KeyFigure) -> KeyFigure:
    """Record one key figure for the report index (and ``key_figures.json``).

    A figure with the same name replaces the earlier one.

    Parameters
    ----------
    figure : KeyFigure
        The record, as an analysis module returns it.

    Returns
    -------
    KeyFigure
        The record as recorded.

    Raises
    ------
    ParameterError
        If ``figure`` is not a :class:`KeyFigure`.
    """
    if not isinstance(figure, KeyFigure):
        raise ParameterError(f"key_figure takes a KeyFigure record; got {type(figure).__name__}")
    _RUN.key_figures = [k for k in _RUN.key_figures if k.name != figure.name] + [figure]
    return figure


def key_figures() -> list[KeyFigure]:
    """Return the key figures recorded so far in this run."""
    return list(_RUN.key_figures)


def _dump(obj: object) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def finish() -> dict[str, Any]:
    """End the run: write ``key_figures.json`` and ``inputs.json`` when writing.

    Returns
    -------
    dict
        The inputs record: ``data_files`` (``{path: sha256}`` of every data file read, from
        :func:`sinstats.data.files_read`), ``absent_files`` (the data folder's own files looked
        for and not found, so the project's were read: :func:`sinstats.data.files_absent`),
        ``parameters``, ``tables``, ``figures``.
    """
    inputs = {
        "data_files": data.files_read(),
        "absent_files": data.files_absent(),
        # output_dir is where results go, not an input (and differs between build folders).
        "parameters": {
            k: v
            for k, v in (_RUN.params.as_dict() if _RUN.params is not None else {}).items()
            if k != "output_dir"
        },
        "tables": sorted(_RUN.tables),
        "figures": sorted(_RUN.figures),
    }
    if _RUN.output_dir is not None:
        (_RUN.output_dir / "key_figures.json").write_text(
            _dump([k.as_json() for k in _RUN.key_figures]), encoding="utf-8", newline=""
        )
        (_RUN.output_dir / "inputs.json").write_text(_dump(inputs), encoding="utf-8", newline="")
    _RUN.finished = True
    return inputs
