"""The index page ``reports/index.html``: every report with its key figures and links.

:func:`write_index` renders ``templates/index.html.j2`` from the manifest: the periods newest
first, each with the designation of its figures (:mod:`sinstats.build.designation`); each
report's HTML, PDF, notebook and CSV links (only to files that exist), its key figures (a model's
marked as model estimates) and, for a failed run, whether the report shown is the previous good
one. jinja2 and the designation data are needed only to write the page: :func:`index_key` is the
hash of what the page is made from, which the manifest records so that a build with nothing new
to show leaves the page (and the glossary) as they are.

Everything shown comes from the manifest and the notebooks, which the index did not write: the
template escapes every value (jinja2 autoescaping, and an explicit ``| e``), and a link is made
only to a plain relative path inside the reports folder that exists (never a ``scheme:`` URL).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sinstats import __version__, paths
from sinstats.build._helpers import (
    date_in_words,
    inside,
    resolving_folders_once,
    sha256_file,
    sha256_or_none,
    tree_sha256,
    write_atomic,
)
from sinstats.build.cache import last_good
from sinstats.build.folder import FAILED, INDEX_NAME, table_csvs
from sinstats.build.glossary import GLOSSARY_NAME, GLOSSARY_SOURCE, write_glossary
from sinstats.build.provenance import installed_version
from sinstats.build.variants import variants_of
from sinstats.periods import parse_period

INDEX_TEMPLATE = paths.TEMPLATES_DIR / "index.html.j2"

INDEX_FORMAT = 1
"""Version of how the index and glossary pages are made (part of :func:`index_key`)."""

# The packages that render the pages (their versions enter :func:`index_key`).
_RENDERERS = ("jinja2", "mistune", "markupsafe")

# Where a report's (or a period's) designation facts go in the context before they are looked
# up: the arguments of designation_of_run, so that the key needs no data loaded.
_QUERY = "_designation_of"

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
    period = str(entry.get("period") or "")
    key_figures = [
        {
            "label": str(k.get("label", k.get("name", ""))),
            "text": figure_text(
                str(k.get("label", "")), str(k.get("text", k.get("value", ""))), period
            ),
            "model": k.get("model") is True,
        }
        for k in ((good or {}).get("key_figures") or [])
        if isinstance(k, dict)
    ]
    changed = entry.get("non_default")
    parameters_note = ""
    if isinstance(changed, dict) and changed:
        listed = ", ".join(f"{k} = {v}" for k, v in sorted(changed.items()))
        parameters_note = f"Built with parameters other than the defaults: {listed}."
    built = (good or entry).get("build_date") or (good or entry).get("finished") or ""
    # designation_of_run reads only these of the entry, and the names of the data files.
    query = [
        {k: entry[k] for k in ("period", "notebook", "parameters") if k in entry},
        sorted(str(f) for f in ((good or entry).get("data_files") or {})),
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
        _QUERY: query,
        "parameters_note": parameters_note,
        "id": str(entry.get("id") or "").replace("/", "-"),
    }


_LEVEL_CI = re.compile(r"(\d+(?:\.\d+)?%) (?:CI|confidence interval)\b")
_INTERNAL_ID = re.compile(r",? ?\b[A-Z]{2,}_[A-Za-z0-9_-]+\b")


def figure_text(label: str, text: str, period: str = "") -> str:
    """Return a key figure's sentence as the index shows it beside its label.

    The label is said once (a sentence that starts with it drops it, and the year after it, as
    the index shows both); intervals are worded one way ("95% interval", never "95% CI");
    internal ids (``EES_RY2026_natchar``) are left out.

    Parameters
    ----------
    label : str
        The key figure's label.
    text : str
        Its sentence.
    period : str
        The year the index section is for.

    Returns
    -------
    str
        The sentence, with a capital first letter.

    Examples
    --------
    >>> figure_text("Serious incident notifications",
    ...             "Serious incident notifications, 2025-26: 357 (95% CI 321 to 396)", "2025-26")
    '357 (95% interval 321 to 396)'
    """
    out = text.strip()
    if label and out.lower().startswith(label.lower()):
        out = out[len(label) :].lstrip(" ,:")
    if period and out.startswith(period + ":"):
        out = out[len(period) + 1 :].lstrip()
    out = _LEVEL_CI.sub(r"\1 interval", out)
    out = _INTERNAL_ID.sub("", out)
    return out[:1].upper() + out[1:] if out else text


def _period_label(period_id: str) -> str:
    try:
        return parse_period(period_id).label
    except Exception:
        return period_id


def _index_context(out_dir: Path, manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Return the template's variables: periods newest first, their reports by notebook."""
    with resolving_folders_once():  # some 800 outputs in about 80 folders
        light = _light_context(out_dir, manifest)
    return _designate(light)


def _light_context(out_dir: Path, manifest: Mapping[str, Any]) -> dict[str, Any]:
    """Return :func:`_index_context` but for the designation facts (what the key covers).

    The designation facts are left as the arguments that look them up (:func:`_designate`
    fills them in): this much reads only the manifest and the reports folder, so
    :func:`index_key` costs no data loaded.
    """
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
        meta = {"period": period_id, "parameters": first_entry[period_id].get("parameters")}
        periods.append(
            {
                "id": period_id,
                "label": _period_label(period_id),
                "workbook": f"{period_id}/tables.xlsx" if period_id in workbooks else None,
                "reports": sorted(by_period[period_id], key=lambda r: r["notebook"]),
                _QUERY: [meta, []],
            }
        )
    build = manifest.get("build", {})
    built = str(build.get("build_date") or build.get("finished") or "")
    changed = build.get("non_default") if isinstance(build, dict) else None
    notebooks: dict[str, list[dict[str, str]]] = {}
    for period in periods:
        for r in period["reports"]:
            notebooks.setdefault(r["notebook"], []).append(
                {"period": period["id"], "href": f"#{r['id']}", "title": r["title"]}
            )
    return {
        "periods": periods,
        "notebooks": [
            {"name": name, "title": runs[0]["title"], "runs": runs}
            for name, runs in sorted(notebooks.items())
        ],
        "non_default": (
            ", ".join(f"{k} = {v}" for k, v in sorted(changed.items()))
            if isinstance(changed, dict) and changed
            else ""
        ),
        "variants": variants_of(out_dir),
        "glossary": GLOSSARY_NAME,
        "n_reports": sum(len(p["reports"]) for p in periods),
        "generator": str(manifest.get("generator", f"sinstats {__version__}")),
        "commit": build.get("git_commit"),
        "dirty": build.get("git_dirty"),
        "build_date": date_in_words(built[:10]) if built else "",
    }


def _designate(context: dict[str, Any]) -> dict[str, Any]:
    """Fill in the designation facts of every period and report of :func:`_light_context`."""
    from sinstats.build.designation import PANEL_NOTE, designation_of_run

    for period in context["periods"]:
        facts = designation_of_run(*period.pop(_QUERY))
        period["designation"] = facts.year.describe() if facts else ""
        for report in period["reports"]:
            facts = designation_of_run(*report.pop(_QUERY))
            report["designation_notes"] = [
                note
                for flag, note in (
                    (facts and facts.model, _MODEL_NOTE),
                    (facts and facts.panel, PANEL_NOTE),
                )
                if flag
            ]
    return context


def _data_dirs(context: Mapping[str, Any]) -> dict[str, dict[str, str | None] | None]:
    """Return every file of each data folder the designation facts are looked up in."""
    metas = [p[_QUERY][0] for p in context["periods"]]
    metas += [r[_QUERY][0] for p in context["periods"] for r in p["reports"]]
    out: dict[str, dict[str, str | None] | None] = {}
    for meta in metas:
        given = (meta.get("parameters") or {}).get("data_dir") if isinstance(meta, dict) else None
        name = str(given)
        if name in out:
            continue
        try:  # as designation_of_run finds the folder (None or "" for the project's data)
            out[name] = tree_sha256(paths.data_dir(given or None))
        except Exception:  # a folder that cannot be named: its facts cannot be had either
            out[name] = None
    return out


def index_key(
    out_dir: Path, manifest: Mapping[str, Any], *, library: str, packages: Mapping[str, str]
) -> str:
    """Return the hash of everything ``index.html`` and ``glossary.html`` are made from.

    The build records it in the manifest with the pages' SHA-256 and rewrites the pages only
    when it differs or a page on disk is not the one recorded (:func:`index_up_to_date`), so a
    rebuild with nothing to do loads no data and imports neither jinja2 nor mistune.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    manifest : mapping
        The manifest the index is made from.
    library : str
        :func:`~sinstats.build.provenance.library_hash` (the designation code, this module,
        the templates).
    packages : mapping
        :func:`~sinstats.build.provenance.package_versions`.

    Returns
    -------
    str
        Hex SHA-256 of: the page's variables as far as they come from the manifest and the
        reports folder (every entry's field the page shows, which linked files exist, the
        variants), the arguments of every designation look-up and every file of the data
        folders they read, the template and the glossary's source by content, the library,
        the packages and the renderers' versions, and :data:`INDEX_FORMAT`.
    """
    with resolving_folders_once():  # some 800 outputs in about 80 folders
        context = _light_context(out_dir, manifest)
    payload = {
        "format": INDEX_FORMAT,
        "context": context,
        "data": _data_dirs(context),
        "template": sha256_or_none(INDEX_TEMPLATE),
        "glossary": sha256_or_none(GLOSSARY_SOURCE),
        "library": library,
        "packages": dict(packages),
        "renderers": {name: installed_version(name) for name in _RENDERERS},
        "version": __version__,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def index_record(out_dir: Path, index_file: Path, key: str) -> dict[str, Any]:
    """Return what the manifest records of the pages just written (its ``index``).

    Parameters
    ----------
    out_dir : Path
        The reports folder (``glossary.html`` is written there in place).
    index_file : Path
        The index page as written (staged, before it moves into place).
    key : str
        :func:`index_key` of what it was made from.

    Returns
    -------
    dict
        ``{"sha256", "key", "glossary_sha256"}`` (the last None when there is no glossary).
    """
    return {
        "sha256": sha256_file(index_file),
        "key": key,
        "glossary_sha256": sha256_or_none(out_dir / GLOSSARY_NAME),
    }


def index_up_to_date(out_dir: Path, record: object, key: str) -> bool:
    """Whether the pages on disk are those the manifest records, made from the same inputs.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    record : object
        The manifest's ``index`` record as read back (checked by its JSON Schema; anything
        else, or a record without a key, means rewrite).
    key : str
        :func:`index_key` now.

    Returns
    -------
    bool
        True only when the key is the recorded one, ``index.html`` has the recorded SHA-256,
        and ``glossary.html`` too (or there was and is no glossary source).
    """
    if not isinstance(record, Mapping) or record.get("key") != key:
        return False
    if sha256_or_none(out_dir / INDEX_NAME) != record.get("sha256"):
        return False
    glossary = record.get("glossary_sha256")
    if glossary is None:
        return not GLOSSARY_SOURCE.is_file()
    return bool(sha256_or_none(out_dir / GLOSSARY_NAME) == glossary)


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
        The index page (``glossary.html``, which it links to, is written beside it).
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
    # The page the index and every report link to (derived from docs/glossary.md, so written
    # in place rather than staged with the manifest).
    write_glossary(out_dir)
    return write_atomic(target if target is not None else out_dir / INDEX_NAME, text)
