"""Export one executed notebook as its reports: HTML (code hidden) and a tagged PDF.

:func:`export_run` turns an executed notebook into ``<name>.html`` (a small nbconvert template,
no external resources, every figure an ``<img>`` of its saved SVG with the notebook's alt text)
and ``<name>.pdf`` (the same HTML typeset by Typst, :mod:`sinstats.build.typeset`: A4, title
page, running header, page numbers, tables that repeat their header row, a last page with the
provenance in words (:func:`provenance_html`); tagged PDF/UA-1 with metadata). The title page
names the release the year's figures come from and the designation the figures carried
(:mod:`sinstats.build.designation`). It runs in the build's worker processes; nbconvert and
Typst are imported inside the functions, so importing this module is cheap.

Text from data and claims files reaches a report only escaped (tables, sentences and alt text are
escaped where they are made); as a last line of defence :func:`check_inert` refuses a report with
active content (a script, frame or embedded object, an event-handler attribute, or a link that is
not http(s), mailto, a fragment or a relative path), so the run fails rather than publish it.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sinstats import paths
from sinstats.build._helpers import cell_text, date_in_words, display_path
from sinstats.build.designation import ReportDesignation, designation_of_run
from sinstats.build.glossary import glossary_link
from sinstats.build.links import link_addresses
from sinstats.build.typeset import html_to_pdf as html_to_pdf
from sinstats.errors import OutputError

REPORT_TEMPLATE = paths.TEMPLATES_DIR / "report.html.j2"
REPORT_CSS = paths.TEMPLATES_DIR / "report.css"

NO_ALT = "Figure (the notebook supplied no description)"
"""Alt text used only when a figure has no ``.alt.txt`` and no alt metadata (a contract breach)."""


# --------------------------------------------------------------------------------------------
# Figures: inline outputs -> <img> of the saved SVG with the notebook's alt text
# --------------------------------------------------------------------------------------------


def _figure_names(fig_dir: Path) -> list[str]:
    """Names of the saved figures, in the order the notebook wrote them."""
    if not fig_dir.is_dir():
        return []
    files = [p for p in fig_dir.iterdir() if p.suffix in (".svg", ".png")]
    first: dict[str, int] = {}
    for p in files:
        t = p.stat().st_mtime_ns
        first[p.stem] = min(first.get(p.stem, t), t)
    return sorted(first, key=lambda n: (first[n], n))


def _is_image(output: Mapping[str, Any]) -> bool:
    if output.get("output_type") not in ("display_data", "execute_result"):
        return False
    data = output.get("data", {})
    return "image/svg+xml" in data or "image/png" in data or _output_figure_name(output) is not None


def _output_figure_name(output: Mapping[str, Any]) -> str | None:
    meta = output.get("metadata", {}) or {}
    info = meta.get("sinstats")
    if isinstance(info, dict) and isinstance(info.get("figure"), str):
        return str(info["figure"])
    return None


def _output_alt(output: Mapping[str, Any]) -> str | None:
    meta = output.get("metadata", {}) or {}
    info = meta.get("sinstats")
    if isinstance(info, dict) and isinstance(info.get("alt"), str) and info["alt"].strip():
        return str(info["alt"]).strip()
    for mime in ("image/svg+xml", "image/png"):
        sub = meta.get(mime)
        if isinstance(sub, dict) and isinstance(sub.get("alt"), str) and sub["alt"].strip():
            return str(sub["alt"]).strip()
    text = cell_text(output.get("data", {}).get("text/plain", ""))
    if text.strip() and not text.lstrip().startswith("<"):
        return text.strip()
    return None


def prepare_figures(nb: Any, run_dir: Path) -> list[dict[str, str]]:
    """Replace every inline figure by an ``<img>`` of its saved file with its alt text.

    A figure output is matched to ``figures/<name>.svg`` through its display metadata
    ``{"sinstats": {"figure": name}}``; outputs without it are paired, in order, with the saved
    figures no output named, when the counts agree. The alt text is ``figures/<name>.alt.txt``.
    Unmatched figures stay embedded (SVG preferred) with whatever alt text their metadata gives.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (modified in place).
    run_dir : Path
        The run's folder holding ``figures/``.

    Returns
    -------
    list of dict
        One ``{"name", "src", "alt"}`` per figure, in document order.
    """
    fig_dir = run_dir / "figures"
    outputs = [
        out
        for cell in nb.cells
        if cell.get("cell_type") == "code"
        for out in cell.get("outputs", [])
        if _is_image(out)
    ]
    saved = _figure_names(fig_dir)
    named = {_output_figure_name(o) for o in outputs} - {None}
    unnamed = [o for o in outputs if _output_figure_name(o) is None]
    spare = [n for n in saved if n not in named]
    pairing: dict[int, str] = {}
    if unnamed and len(unnamed) == len(spare):
        pairing = {id(o): n for o, n in zip(unnamed, spare, strict=True)}
    found = []
    for out in outputs:
        name = _output_figure_name(out) or pairing.get(id(out))
        alt = _output_alt(out)
        src = ""
        if name is not None:
            alt_file = fig_dir / f"{name}.alt.txt"
            if alt_file.is_file():
                alt = alt_file.read_text(encoding="utf-8").strip() or alt
            for ext in ("svg", "png"):
                if (fig_dir / f"{name}.{ext}").is_file():
                    src = f"figures/{name}.{ext}"
                    break
        data = out.get("data", {})
        if not src and "image/svg+xml" not in data and "image/png" not in data:
            continue  # named but neither saved nor rendered: nothing to show
        if not src:
            if "image/svg+xml" in data:
                svg = cell_text(data["image/svg+xml"])
                src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
            else:
                png = cell_text(data["image/png"])
                src = "data:image/png;base64," + png.replace("\n", "")
        alt = alt or NO_ALT
        img = f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt, quote=True)}">'
        out["data"] = {"text/html": f'<figure class="sinstats-figure">{img}</figure>'}
        out["metadata"] = {}
        found.append(
            {"name": name or "", "src": src if not src.startswith("data:") else "", "alt": alt}
        )
    return found


_PATH_REPR = re.compile(r"^(Posix|Windows|Pure\w*)?Path\(['\"].*['\"]\)$", re.DOTALL)


def _drop_path_echoes(nb: Any) -> int:
    """Remove results that only echo a file path (a cell ending in a save call).

    They are not content, and they name the run's temporary folder, which differs on every
    build. Returns the number removed.
    """
    removed = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = cell_text(data.get("text/plain", ""))
            if (
                out.get("output_type") == "execute_result"
                and set(data) == {"text/plain"}
                and _PATH_REPR.match(text.strip())
            ):
                removed += 1
                continue
            kept.append(out)
        cell["outputs"] = kept
    return removed


def _drop_title_heading(nb: Any, title: str) -> None:
    """Remove the notebook's level-1 heading when it repeats the title page."""
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        lines = str(cell.source).splitlines()
        for i, line in enumerate(lines):
            if line.startswith("# ") and line[2:].strip() == title:
                cell.source = "\n".join(lines[:i] + lines[i + 1 :]).strip("\n")
                return
        return


# --------------------------------------------------------------------------------------------
# Provenance in words
# --------------------------------------------------------------------------------------------


def _hash_items(files: Mapping[str, Any], show: Callable[[str], str]) -> str:
    """``<li>`` items ``path: SHA-256 hash``, sorted by path, the path as ``show`` gives it."""
    e = html.escape
    return "".join(
        f'<li>{e(show(p))}: SHA-256 <span class="hash">{e(str(sha))}</span></li>'
        for p, sha in sorted(files.items())
    )


def provenance_html(
    meta: Mapping[str, Any],
    inputs: Mapping[str, Any],
    designation: ReportDesignation | None = None,
) -> str:
    """Return the last page: what produced this report, in words (HTML fragments).

    Parameters
    ----------
    meta : mapping
        The run's report metadata (made by :mod:`sinstats.build.pipeline`).
    inputs : mapping
        The run's ``inputs.json`` (``data_files``: ``{path: sha256}``).
    designation : ReportDesignation, optional
        The designation facts shown on the title page; their source is named here.

    Returns
    -------
    str
        Deterministic HTML: the same inputs give the same text (times of day are left to
        ``manifest.json``; the date shown is the build date, or ``SOURCE_DATE_EPOCH``'s).
    """
    e = html.escape
    params = dict(meta.get("parameters", {}))
    data_dir = Path(str(params.get("data_dir") or paths.data_dir()))
    commit = meta.get("git_commit")
    dirty = meta.get("git_dirty")
    parts = []
    when = date_in_words(str(meta["build_date"]))
    sde = " (the date fixed by SOURCE_DATE_EPOCH)" if meta.get("from_source_date_epoch") else ""
    parts.append(
        f"<p>This report was produced by sinstats {e(str(meta.get('sinstats_version', '')))} on "
        f"{e(when)}{sde}, by running the notebook <strong>{e(str(meta['notebook']))}</strong> "
        f"for {e(str(meta['period_label']))} with papermill and converting the result to HTML "
        "and PDF with nbconvert and Typst. Every cell ran without error.</p>"
    )
    if commit:
        state = (
            "The project's working tree had uncommitted changes to tracked files, so the "
            "source may differ from that commit."
            if dirty
            else "The project's working tree matched that commit."
        )
        parts.append(
            f'<p>Source code: git commit <span class="hash">{e(str(commit))}</span>. {state}</p>'
        )
    else:
        parts.append("<p>Source code: not a git checkout, so no commit can be named.</p>")
    files = inputs.get("data_files") if isinstance(inputs, Mapping) else None
    if isinstance(files, Mapping) and files:
        items = _hash_items(files, lambda p: display_path(p, data_dir))
        parts.append(
            f"<p>It read {len(files)} data, assumptions or claims "
            f"file{'s' if len(files) != 1 else ''} "
            f"(paths relative to the data folder):</p><ul>{items}</ul>"
        )
    else:
        parts.append("<p>The notebook did not record which data files it read.</p>")
    claims_given = _claims_file_html(params, files if isinstance(files, Mapping) else {})
    if claims_given:
        parts.append(claims_given)
    # A file listed with no hash is one the data folder lacks (the project's was used).
    config = {p: sha for p, sha in (meta.get("config_files") or {}).items() if sha is not None}
    if config:
        items = _hash_items(config, str)
        parts.append(f"<p>Designation and release files present:</p><ul>{items}</ul>")
    if designation is not None:
        parts.append(_designation_source(designation))
    shown = []
    for name in sorted(params):
        value = params[name]
        if name == "data_dir":
            value = display_path(str(value))
        shown.append(
            f"<li>{e(name)} = {e(repr(value) if isinstance(value, str) else str(value))}</li>"
        )
    parts.append(f"<p>Parameters passed to the notebook:</p><ul>{''.join(shown)}</ul>")
    defaults = meta.get("defaults") or {}
    if defaults:
        listed_defaults = "; ".join(f"{e(k)} = {e(str(v))}" for k, v in sorted(defaults.items()))
        parts.append(f"<p>Parameters left at the notebook's defaults: {listed_defaults}.</p>")
    packages = meta.get("packages") or {}
    python = packages.get("python", "")
    listed = ", ".join(f"{e(k)} {e(str(v))}" for k, v in sorted(packages.items()) if k != "python")
    parts.append(f"<p>Software: Python {e(str(python))}; {listed}.</p>")
    parts.append(
        "<p>The start and end times and the duration of this run are recorded in "
        "<code>reports/manifest.json</code> under the run id "
        f"<code>{e(str(meta['run_id']))}</code>, "
        "with the same facts in machine-readable form; they are left off this page so that "
        "rebuilding from the same inputs gives the same text.</p>"
    )
    return "\n".join(parts)


def _claims_file_html(params: Mapping[str, Any], files: Mapping[str, Any]) -> str:
    """Name the claims file a run was given (``claims_file``) and the SHA-256 it was read with.

    Empty when the run was given none; the hash is the one the run recorded on reading the file
    (``inputs.json``), so the page names the file checked, not the project's register.
    """
    given = str(params.get("claims_file") or "").strip()
    if not given:
        return ""
    e = html.escape
    target = Path(given).expanduser().resolve()
    sha = next((str(v) for k, v in files.items() if Path(str(k)).resolve() == target), "")
    if not sha:
        return (
            f"<p>Claims file given (claims_file): {e(display_path(target))}; the run did not "
            "record reading it.</p>"
        )
    return (
        f"<p>Claims verified: the file given as claims_file, {e(display_path(target))}: SHA-256 "
        f'<span class="hash">{e(sha)}</span> (the bytes read). The project\'s register under '
        "claims/, listed below if present, is not the file checked.</p>"
    )


def _designation_source(designation: ReportDesignation) -> str:
    """Say where the title page's designation comes from (HTML)."""
    e = html.escape
    rec = designation.year
    text = (
        "The designation on the title page is read from "
        "<code>data/published/designation.csv</code> (one row per release, with the words "
        "that state it and their address)"
    )
    if rec.known:
        text += (
            f"; for {e(rec.period_label)} it is {e(rec.designation)}, as stated at "
            f'<span class="url">{e(rec.source_url)}</span>'
        )
    return f"<p>{text}.</p>"


# --------------------------------------------------------------------------------------------
# HTML and PDF
# --------------------------------------------------------------------------------------------


_EXPORTERS: dict[str, Any] = {}


def _html_exporter() -> Any:
    """Return this process's HTML exporter, made on first use (one long-lived exporter per worker).

    Making an ``HTMLExporter`` and compiling the report template on its first conversion costs
    about 0.2-0.4 s; each worker process makes it once and reuses it for every report it
    exports (issue 19, point 3). The exporter keeps no state from one notebook to the next
    beyond the compiled template (everything per report comes in ``resources``); the
    determinism test checks that reports are byte-identical however they are spread over
    workers. Keyed by the template's path, so a test pointing at another template gets its own.
    """
    key = str(REPORT_TEMPLATE)
    exporter = _EXPORTERS.get(key)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = HTMLExporter(  # type: ignore[no-untyped-call]
            template_name="classic",
            template_file=key,
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        _EXPORTERS[key] = exporter
    return exporter


def notebook_to_html(
    executed: Path, run_dir: Path, meta: Mapping[str, Any], inputs: Mapping[str, Any]
) -> str:
    """Convert an executed notebook to the report HTML (code hidden).

    Parameters
    ----------
    executed : Path
        The executed notebook.
    run_dir : Path
        The run's folder (figures are referenced relative to it).
    meta : mapping
        Report metadata: ``title``, ``period``, ``period_label``, ``release``, ``build_date``,
        ``created``, ``notebook``, ``run_id``, ``parameters``, ``git_commit``, ``git_dirty``,
        ``packages``, ``config_files``, ``sinstats_version``.
    inputs : mapping
        The run's ``inputs.json``.

    Returns
    -------
    str
        A complete HTML document with no external resources.
    """
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)  # type: ignore[no-untyped-call]
    # Stable element ids (papermill gives cells random ids, which would end up in the HTML).
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    _drop_path_echoes(nb)
    prepare_figures(nb, run_dir)
    _drop_title_heading(nb, str(meta["title"]))
    files = inputs.get("data_files") if isinstance(inputs, Mapping) else None
    designation = designation_of_run(meta, files if isinstance(files, Mapping) else {})
    exporter = _html_exporter()
    resources = {
        "sinstats": {
            **dict(meta),
            "subject": (
                f"{meta['title']}: serious incident notifications in England, "
                f"{meta['period_label']}"
            ),
            "build_date_text": date_in_words(str(meta["build_date"])),
            "css": REPORT_CSS.read_text(encoding="utf-8"),
            "provenance_html": provenance_html(meta, inputs, designation),
            "release_text": (designation.release_text() if designation else None)
            or meta["release"],
            "designation": designation.lines() if designation else [],
            "index_href": "../../index.html",
            "glossary_link": glossary_link(meta.get("glossary_href") or "../../glossary.html"),
        }
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return link_addresses(str(body))


_ACTIVE_TAGS = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form"}
)
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster"})
_SAFE_SCHEMES = re.compile(r"^(https?:|mailto:|#|data:image/(png|svg\+xml|jpeg|gif);)", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.I)


class _ActiveContent(HTMLParser):
    """Collect what could run in a browser: scripts, frames, handlers, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            elif name in _URL_ATTRIBUTES and value is not None:
                url = "".join(value.split())
                if _SCHEME.match(url) and not _SAFE_SCHEMES.match(url):
                    self.found.append(f"<{tag} {name}={url[:40]!r}>")
            elif tag == "meta" and name == "http-equiv" and (value or "").lower() == "refresh":
                self.found.append("<meta http-equiv=refresh>")

    handle_startendtag = handle_starttag


def check_inert(document: str, what: str) -> None:
    """Refuse an HTML document with active content (the escaping upstream failed).

    Parameters
    ----------
    document : str
        A report's HTML.
    what : str
        Its name, for the message.

    Raises
    ------
    OutputError
        Naming the first things found (``<script>``, an ``on...=`` attribute, a ``javascript:``
        link...).
    """
    parser = _ActiveContent()
    parser.feed(document)
    parser.close()
    if parser.found:
        listed = ", ".join(dict.fromkeys(parser.found[:5]))
        raise OutputError(
            f"the report would contain active content ({listed}): text from the data or a claims "
            "file was not escaped; the report is not published",
            path=what,
        )


_FIGURE_SRC = re.compile(r'src="figures/([^"/]+)\.svg"')


def print_figures(document: str, run_dir: Path) -> str:
    """Point a report's SVG figures at their print copies (text as text), where there are any.

    Parameters
    ----------
    document : str
        The report HTML (``<img src="figures/<name>.svg" ...>``, from :func:`prepare_figures`).
    run_dir : Path
        The run's folder; ``figures/print/<name>.svg`` is written by
        :func:`sinstats.present.outputs.figure` only where the charts' fonts are installed.

    Returns
    -------
    str
        The document for the PDF: each figure with a print copy uses it, the others keep
        their SVG (glyphs as paths: the same chart, its text not searchable in the PDF).
    """
    printed = run_dir / "figures" / "print"

    def swap(match: re.Match[str]) -> str:
        name = match.group(1)
        if (printed / f"{name}.svg").is_file():
            return f'src="figures/print/{name}.svg"'
        return match.group(0)

    return _FIGURE_SRC.sub(swap, document) if printed.is_dir() else document


def export_run(
    run_dir: Path,
    executed: Path,
    meta: Mapping[str, Any],
    inputs: Mapping[str, Any],
    timings: dict[str, float] | None = None,
) -> list[Path]:
    """Write ``<base_name>.html`` and ``<base_name>.pdf`` for one executed run.

    Parameters
    ----------
    run_dir : Path
        The run's (temporary) folder, holding the executed notebook and its files.
    executed : Path
        The executed notebook.
    meta : mapping
        Report metadata (see :func:`notebook_to_html`), including ``base_name``.
    inputs : mapping
        The run's ``inputs.json``.
    timings : dict, optional
        When given, receives the seconds spent on each export (``html_s``, ``pdf_s``), for the
        build's per-stage budget (``make bench``).

    Returns
    -------
    list of Path
        The HTML and PDF files written.
    """
    import time

    t0 = time.perf_counter()
    document = notebook_to_html(executed, run_dir, meta, inputs)
    check_inert(document, f"{meta['base_name']}.html")
    html_path = run_dir / f"{meta['base_name']}.html"
    pdf_path = run_dir / f"{meta['base_name']}.pdf"
    html_path.write_text(document, encoding="utf-8")
    # In the PDF a relative link would resolve into this temporary folder (and an absolute one
    # would differ between reports folders): the glossary is named there, not linked.
    href = meta.get("glossary_href") or "../../glossary.html"
    document = document.replace(
        f'<a href="{href}">glossary</a>', "glossary (glossary.html in the reports folder)"
    )
    document = print_figures(document, run_dir)
    t1 = time.perf_counter()
    html_to_pdf(document, run_dir, pdf_path)
    if timings is not None:
        timings["html_s"] = round(t1 - t0, 3)
        timings["pdf_s"] = round(time.perf_counter() - t1, 3)
    return [html_path, pdf_path]
