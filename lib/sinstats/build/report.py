"""Export executed notebooks as reports: HTML, PDF, the tables workbook and the index page.

* :func:`export_run` turns one executed notebook into ``<name>.html`` (code hidden, a small
  nbconvert template, no external resources) and ``<name>.pdf`` (the same HTML through WeasyPrint
  with a print stylesheet: A4, title page, running header, page numbers, tables kept whole,
  figures as SVG, a last page with the provenance in words; tagged PDF/UA-1 with metadata).
* :func:`write_workbook` collects a period's CSV tables into ``tables.xlsx`` with ``gptables``
  (cover sheet, contents, notes, one table per sheet, units and sources).
* :func:`write_index` writes ``reports/index.html`` from the manifest.

The pipeline (:mod:`sinstats.build.pipeline`) calls these; nbconvert, WeasyPrint and gptables are
imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sinstats import __version__, paths

TEMPLATES_DIR = paths.TEMPLATES_DIR
REPORT_TEMPLATE = TEMPLATES_DIR / "report.html.j2"
REPORT_CSS = TEMPLATES_DIR / "report.css"
INDEX_TEMPLATE = TEMPLATES_DIR / "index.html.j2"

NO_ALT = "Figure (the notebook supplied no description)"
"""Alt text used only when a figure has no ``.alt.txt`` and no alt metadata (a contract breach)."""

SOURCE_TEXT = (
    "Department for Education and Ofsted serious incident notifications; Child Safeguarding "
    "Practice Review Panel annual reports; ONS mid-year population estimates (as transcribed in "
    "data/published/ with a source for every figure); computed with sinstats"
)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def date_in_words(iso_date: str) -> str:
    """Return ``"29 November 2025"`` for ``"2025-11-29"``."""
    d = dt.date.fromisoformat(iso_date[:10])
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _display(path: str | os.PathLike[str], base: Path | None = None) -> str:
    """Return a short, stable path: relative to ``base`` or the project root if inside."""
    p = Path(path)
    for root in (base, paths.PROJ_ROOT):
        if root is None:
            continue
        try:
            return p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return p.as_posix()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


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
    plain = output.get("data", {}).get("text/plain", "")
    text = "".join(plain) if isinstance(plain, list) else str(plain)
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
                svg = data["image/svg+xml"]
                svg = "".join(svg) if isinstance(svg, list) else str(svg)
                src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
            else:
                png = data["image/png"]
                png = "".join(png) if isinstance(png, list) else str(png)
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
            plain = data.get("text/plain", "")
            text = "".join(plain) if isinstance(plain, list) else str(plain)
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


def provenance_html(meta: Mapping[str, Any], inputs: Mapping[str, Any]) -> str:
    """Return the last page: what produced this report, in words (HTML fragments).

    Parameters
    ----------
    meta : mapping
        The run's report metadata (see :func:`sinstats.build.pipeline.build`).
    inputs : mapping
        The run's ``inputs.json`` (``data_files``: ``{path: sha256}``).

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
        "and PDF with nbconvert and WeasyPrint. Every cell ran without error.</p>"
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
        items = "".join(
            f'<li>{e(_display(p, data_dir))}: SHA-256 <span class="hash">{e(str(sha))}</span></li>'
            for p, sha in sorted(files.items())
        )
        parts.append(
            f"<p>It read {len(files)} data file{'s' if len(files) != 1 else ''} "
            f"(paths relative to the data folder):</p><ul>{items}</ul>"
        )
    else:
        parts.append("<p>The notebook did not record which data files it read.</p>")
    config = meta.get("config_files") or {}
    if config:
        items = "".join(
            f'<li>{e(str(p))}: SHA-256 <span class="hash">{e(str(sha))}</span></li>'
            for p, sha in sorted(config.items())
        )
        parts.append(f"<p>Assumption, claims and release files present:</p><ul>{items}</ul>")
    shown = []
    for name in sorted(params):
        value = params[name]
        if name == "data_dir":
            value = _display(str(value))
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


# --------------------------------------------------------------------------------------------
# HTML and PDF
# --------------------------------------------------------------------------------------------


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
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)  # type: ignore[no-untyped-call]
    # Stable element ids (papermill gives cells random ids, which would end up in the HTML).
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    _drop_path_echoes(nb)
    prepare_figures(nb, run_dir)
    _drop_title_heading(nb, str(meta["title"]))
    exporter = HTMLExporter(  # type: ignore[no-untyped-call]
        template_name="classic",
        template_file=str(REPORT_TEMPLATE),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    resources = {
        "sinstats": {
            **dict(meta),
            "subject": (
                f"{meta['title']}: serious incident notifications in England, "
                f"{meta['period_label']}"
            ),
            "build_date_text": date_in_words(str(meta["build_date"])),
            "css": REPORT_CSS.read_text(encoding="utf-8"),
            "provenance_html": provenance_html(meta, inputs),
            "index_href": "../../index.html",
        }
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return str(body)


def html_to_pdf(document: str, base_dir: Path, target: Path) -> None:
    """Render report HTML to a tagged PDF/UA-1 file with WeasyPrint.

    Parameters
    ----------
    document : str
        HTML from :func:`notebook_to_html`; its ``<head>`` gives the title, subject
        (``description``), language (``lang``) and creation date (``dcterms.created``).
    base_dir : Path
        Folder that relative image paths are resolved against.
    target : Path
        The PDF to write (written whole, then renamed into place).
    """
    import logging

    from weasyprint import HTML

    # WeasyPrint logs every CSS property it ignores (from pandas' inline styles) as a warning.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    tmp = target.with_name(f".{target.name}.tmp")
    HTML(string=document, base_url=str(base_dir) + os.sep).write_pdf(
        str(tmp),
        pdf_variant="pdf/ua-1",
        pdf_identifier=b"sinstats-" + target.stem.encode("utf-8", "replace")[:48],
        uncompressed_pdf=False,
    )
    os.replace(tmp, target)


def export_run(
    run_dir: Path, executed: Path, meta: Mapping[str, Any], inputs: Mapping[str, Any]
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

    Returns
    -------
    list of Path
        The HTML and PDF files written.
    """
    document = notebook_to_html(executed, run_dir, meta, inputs)
    html_path = run_dir / f"{meta['base_name']}.html"
    pdf_path = run_dir / f"{meta['base_name']}.pdf"
    html_path.write_text(document, encoding="utf-8")
    html_to_pdf(document, run_dir, pdf_path)
    return [html_path, pdf_path]


# --------------------------------------------------------------------------------------------
# Tables workbook (gptables)
# --------------------------------------------------------------------------------------------

_UNIT_RULES: tuple[tuple[str, str], ...] = (
    ("per_100", "per 100,000 children aged 0 to 17"),
    ("rate", "per 100,000 children aged 0 to 17"),
    ("percent", "percentage"),
    ("pct", "percentage"),
    ("share", "percentage"),
    ("conf_level", "proportion (0 to 1)"),
    ("population", "children"),
    ("notifications", "count of notifications"),
    ("count", "count"),
    ("observed", "count"),
    ("expected", "count"),
)


def _units(columns: Sequence[str]) -> dict[str, str]:
    out = {}
    for col in columns:
        low = col.lower()
        for needle, unit in _UNIT_RULES:
            if needle in low:
                out[col] = unit
                break
    return out


def _humanise(name: str) -> str:
    text = re.sub(r"[_\-]+", " ", name).strip()
    return text[:1].upper() + text[1:]


def write_workbook(
    out_dir: Path,
    period_id: str,
    entries: Sequence[Mapping[str, Any]],
    meta: Mapping[str, Any],
) -> Path | None:
    """Write ``<out>/<period>/tables.xlsx``: every CSV table of the period's runs.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    period_id : str
        The period folder, e.g. ``2025-26``.
    entries : sequence of mapping
        The manifest entries of the period's runs (their ``outputs`` name the CSV files).
    meta : mapping
        Build facts (``created``, ``build_date``, ``git_commit``).

    Returns
    -------
    Path or None
        The workbook, or None when the period has no table.
    """
    import gptables
    import pandas as pd

    sheets: dict[str, Any] = {}
    listing = []
    for entry in entries:
        good = entry if entry.get("status") != "failed" else (entry.get("last_good") or {})
        csvs = [o for o in good.get("outputs", []) if re.search(r"/tables/[^/]+\.csv$", o)]
        for rel in csvs:
            path = out_dir / rel
            if not path.is_file():
                continue
            table = pd.read_csv(path, keep_default_na=False, na_values=[""])
            if table.empty or not len(table.columns):
                continue
            n = len(sheets) + 1
            sheet = f"Table_{n}"
            name = Path(rel).stem
            title = f"{_humanise(name)}, {period_id} ({entry.get('title', entry.get('notebook'))})"
            sheets[sheet] = gptables.GPTable(
                table=table,
                table_name=f"table_{n}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"[:250],
                title=f"{title} $$method$$",
                subtitles=[
                    f"Notebook {entry.get('notebook')}.ipynb, file {rel}",
                    "Intervals and method: see the method, conf_level and note columns.",
                ],
                instructions="This worksheet contains one table. Some cells may refer to notes "
                "in the note column or on the Notes worksheet.",
                source=f"Source: {SOURCE_TEXT}. $$provenance$$",
                units=_units([str(c) for c in table.columns]) or None,
                index_columns={},
            )
            listing.append(rel)
    period_dir = out_dir / period_id
    target = period_dir / "tables.xlsx"
    if not sheets:
        if target.exists():
            target.unlink()
        return None
    notes = pd.DataFrame(
        {
            "Note reference": ["method", "provenance"],
            "Note text": [
                "Each row states the interval method (method), its confidence level (conf_level) "
                "and any caveat (note). Counts are published figures; intervals describe chance "
                "variation only unless the note says otherwise.",
                "The git commit, the SHA-256 of every data file read, the parameters and the "
                "package versions behind each table are recorded in reports/manifest.json and "
                "on the last page of each PDF report.",
            ],
        }
    )
    cover = gptables.Cover(
        title=f"Serious incident notifications in England: tables, {period_id}",
        intro=[
            f"Every table produced by the sinstats reports for {period_id}, one table per sheet.",
            "Tables are tidy: one row per figure, with the interval method, confidence level "
            "and notes in their own columns.",
        ],
        about=[
            f"Built {date_in_words(str(meta['build_date']))} by sinstats {__version__}"
            + (f" at git commit {meta['git_commit']}" if meta.get("git_commit") else "")
            + ".",
            f"Sources: {SOURCE_TEXT}.",
            "The same tables are available as CSV files beside each report.",
        ],
        contact=["See the project's README for how to report a problem."],
    )
    period_dir.mkdir(parents=True, exist_ok=True)
    tmp = period_dir / f".tables.xlsx.{os.getpid()}.tmp"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = gptables.produce_workbook(
            filename=str(tmp),
            sheets=sheets,
            cover=cover,
            contentsheet_label="Contents",
            notes_table=notes,
        )
        created = dt.datetime.strptime(str(meta["created"]), "%Y-%m-%dT%H:%M:%SZ")
        wb.set_properties(
            {
                "title": f"Serious incident notifications in England: tables, {period_id}",
                "subject": "Tables behind the sinstats reports",
                "author": "sinstats",
                "created": created,
            }
        )
        wb.close()
    os.replace(tmp, target)
    return target


# --------------------------------------------------------------------------------------------
# Index page
# --------------------------------------------------------------------------------------------


def _index_context(out_dir: Path, manifest: Mapping[str, Any]) -> dict[str, Any]:
    from sinstats.periods import parse_period

    by_period: dict[str, list[dict[str, Any]]] = {}
    for entry in manifest.get("runs", []):
        good = entry if entry.get("status") in ("ok", "skipped") else entry.get("last_good")
        outputs = [o for o in (good or {}).get("outputs", []) if (out_dir / o).is_file()]

        def find(suffix: str, outs: list[str] = outputs) -> str | None:
            return next((o for o in outs if o.endswith(suffix) and "/" in o), None)

        html_file = find(".html")
        links = []
        for suffix, text in (
            (".html", "HTML report"),
            (".pdf", "PDF report"),
            (".ipynb", "Notebook"),
        ):
            href = find(suffix)
            if href:
                links.append({"href": href, "text": text})
        for o in outputs:
            if re.search(r"/tables/[^/]+\.csv$", o):
                links.append({"href": o, "text": f"{Path(o).name} (CSV)"})
        status_note = ""
        failed_nb = entry.get("failed_notebook")
        if entry.get("status") == "failed":
            status_note = (
                "The latest build of this report failed; the report shown is the previous good one."
                if good
                else "The latest build of this report failed and there is no earlier good report."
            )
        if failed_nb and not (out_dir / failed_nb).is_file():
            failed_nb = None
        key_figures = [
            {
                "label": str(k.get("label", k.get("name", ""))),
                "text": str(k.get("text", k.get("value", ""))),
            }
            for k in ((good or {}).get("key_figures") or [])
            if isinstance(k, dict)
        ]
        built = (good or entry).get("build_date") or (good or entry).get("finished") or ""
        by_period.setdefault(str(entry.get("period")), []).append(
            {
                "title": str(entry.get("title") or entry.get("notebook")),
                "notebook": f"{entry.get('notebook')}.ipynb",
                "html": html_file,
                "links": links,
                "key_figures": key_figures,
                "status_note": status_note,
                "failed_notebook": failed_nb if entry.get("status") == "failed" else None,
                "built": date_in_words(built) if built else "never",
            }
        )
    periods: list[dict[str, Any]] = []
    for period_id in sorted(by_period, reverse=True):
        try:
            label = parse_period(period_id).label
        except Exception:
            label = period_id
        workbook = f"{period_id}/tables.xlsx"
        periods.append(
            {
                "id": period_id,
                "label": label,
                "workbook": workbook if (out_dir / workbook).is_file() else None,
                "reports": sorted(by_period[period_id], key=lambda r: r["notebook"]),
            }
        )
    build = manifest.get("build", {})
    return {
        "periods": periods,
        "n_reports": sum(len(p["reports"]) for p in periods),
        "generator": str(manifest.get("generator", f"sinstats {__version__}")),
        "commit": build.get("git_commit"),
        "dirty": build.get("git_dirty"),
        "build_date": date_in_words(
            str(build.get("build_date") or build.get("finished") or "")[:10]
        )
        if (build.get("build_date") or build.get("finished"))
        else "",
    }


def write_index(out_dir: Path, manifest: Mapping[str, Any]) -> Path:
    """Write ``<out>/index.html``: every report with its key figures and links.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    manifest : mapping
        The build's manifest (see :mod:`sinstats.build.pipeline`).

    Returns
    -------
    Path
        The index page.
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    text = env.get_template(INDEX_TEMPLATE.name).render(**_index_context(out_dir, manifest))
    target = out_dir / "index.html"
    _write_atomic(target, text.encode("utf-8"))
    return target


def key_figures(run_dir: Path) -> list[dict[str, Any]]:
    """Return the run's ``key_figures.json`` (an empty list when absent or malformed)."""
    path = run_dir / "key_figures.json"
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [k for k in loaded if isinstance(k, dict)] if isinstance(loaded, list) else []
