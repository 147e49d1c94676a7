"""The index page ``reports/index.html``: every report with its key figures and links.

:func:`write_index` renders ``templates/index.html.j2`` from the manifest: the periods newest
first, each with the designation of its figures (:mod:`sinstats.build.designation`); each
report's HTML, PDF, notebook and CSV links (only to files that exist), its key figures (a model's
marked as model estimates) and, for a failed run, whether the report shown is the previous good
one. jinja2 is imported inside the function.

Everything shown comes from the manifest and the notebooks, which the index did not write: the
template escapes every value (jinja2 autoescaping, and an explicit ``| e``), and a link is made
only to a plain relative path inside the reports folder that exists (never a ``scheme:`` URL).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sinstats import __version__, paths
from sinstats.build._helpers import date_in_words, inside, write_atomic
from sinstats.build.cache import last_good
from sinstats.build.designation import PANEL_NOTE, designation_of_run
from sinstats.build.folder import FAILED, INDEX_NAME, table_csvs
from sinstats.periods import parse_period

INDEX_TEMPLATE = paths.TEMPLATES_DIR / "index.html.j2"

# What the index says of a report that shows the uncertainty model's outputs.
_MODEL_NOTE = "Its model estimates are not statistics of any designation."


_LINKS: tuple[tuple[str, str], ...] = (
    (".html", "HTML report"),
    (".pdf", "PDF report"),
    (".ipynb", "Notebook"),
)


def _href(out_dir: Path, rel: object) -> str | None:
    """``rel`` when it may be linked: a plain relative path to a file inside the reports folder."""
    if not isinstance(rel, str) or ":" in rel.split("/", 1)[0]:
        return None
    try:
        path = inside(out_dir, rel)
    except ValueError:
        return None
    return rel if path.is_file() else None


def _report(out_dir: Path, entry: Mapping[str, Any]) -> dict[str, Any]:
    """Return what the index shows of one run: title, links, key figures, note, build date."""
    good = last_good(entry)
    outputs = [o for o in (good or {}).get("outputs", []) if _href(out_dir, o) is not None]

    def find(suffix: str) -> str | None:
        return next((o for o in outputs if o.endswith(suffix) and "/" in o), None)

    links = [{"href": href, "text": text} for suffix, text in _LINKS if (href := find(suffix))]
    links += [{"href": o, "text": f"{Path(o).name} (CSV)"} for o in table_csvs(outputs)]
    failed = entry.get("status") == FAILED
    status_note = ""
    if failed:
        status_note = (
            "The latest build of this report failed; the report shown is the previous good one."
            if good
            else "The latest build of this report failed and there is no earlier good report."
        )
    failed_nb = _href(out_dir, entry.get("failed_notebook"))
    key_figures = [
        {
            "label": str(k.get("label", k.get("name", ""))),
            "text": str(k.get("text", k.get("value", ""))),
        }
        for k in ((good or {}).get("key_figures") or [])
        if isinstance(k, dict)
    ]
    built = (good or entry).get("build_date") or (good or entry).get("finished") or ""
    facts = designation_of_run(entry, (good or entry).get("data_files") or {})
    designation_notes = [
        note for flag, note in ((facts and facts.model, _MODEL_NOTE), (facts and facts.panel, PANEL_NOTE)) if flag
    ]
    return {
        "title": str(entry.get("title") or entry.get("notebook")),
        "notebook": f"{entry.get('notebook')}.ipynb",
        "html": find(".html"),
        "links": links,
        "key_figures": key_figures,
        "status_note": status_note,
        "failed_notebook": failed_nb if failed else None,
        "built": date_in_words(built) if built else "never",
        "designation_notes": designation_notes,
    }


def _period_label(period_id: str) -> str:
    try:
        return parse_period(period_id).label
    except Exception:
        return period_id


def _index_context(out_dir: Path, manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Return the template's variables: periods newest first, their reports by notebook."""
    workbooks = manifest.get("workbooks")
    if not isinstance(workbooks, Mapping):  # not recorded: link the workbooks that exist
        workbooks = {
            str(e.get("period")): {}
            for e in manifest.get("runs", [])
            if _href(out_dir, f"{e.get('period')}/tables.xlsx") is not None
        }
    by_period: dict[str, list[dict[str, Any]]] = {}
    for entry in manifest.get("runs", []):
        by_period.setdefault(str(entry.get("period")), []).append(_report(out_dir, entry))
    first_entry: dict[str, Mapping[str, Any]] = {}
    for entry in manifest.get("runs", []):
        first_entry.setdefault(str(entry.get("period")), entry)
    periods: list[dict[str, Any]] = []
    for period_id in sorted(by_period, reverse=True):
        facts = designation_of_run(
            {"period": period_id, "parameters": first_entry[period_id].get("parameters")}, ()
        )
        periods.append(
            {
                "id": period_id,
                "label": _period_label(period_id),
                "workbook": f"{period_id}/tables.xlsx" if period_id in workbooks else None,
                "reports": sorted(by_period[period_id], key=lambda r: r["notebook"]),
                "designation": facts.year.describe() if facts else "",
            }
        )
    build = manifest.get("build", {})
    built = str(build.get("build_date") or build.get("finished") or "")
    return {
        "periods": periods,
        "n_reports": sum(len(p["reports"]) for p in periods),
        "generator": str(manifest.get("generator", f"sinstats {__version__}")),
        "commit": build.get("git_commit"),
        "dirty": build.get("git_dirty"),
        "build_date": date_in_words(built[:10]) if built else "",
    }


def write_index(out_dir: Path, manifest: Mapping[str, Any], target: Path | None = None) -> Path:
    """Write ``<out>/index.html``: every report with its key figures and links.

    Parameters
    ----------
    out_dir : Path
        The reports folder (links are relative to it).
    manifest : mapping
        The build's manifest (see :mod:`sinstats.build.pipeline`); its ``workbooks`` say which
        periods have a ``tables.xlsx``.
    target : Path, optional
        Where to write (default ``<out>/index.html``; the build writes to a staging folder and
        moves the page into place with the manifest).

    Returns
    -------
    Path
        The index page.
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(INDEX_TEMPLATE.parent)),
        autoescape=True,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    text = env.get_template(INDEX_TEMPLATE.name).render(**_index_context(out_dir, manifest))
    return write_atomic(target if target is not None else out_dir / INDEX_NAME, text)
