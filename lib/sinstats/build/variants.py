"""Builds with non-default parameters: their own folder, never over the default reports.

A build whose ``-p`` values change what ``reports.yml`` gives a run (``-p conf_level=0.9``) is a
*variant*. Without ``--out`` its reports go to ``reports/variants/<name>/``, the name made from
the changed parameters (:func:`variant_name`: ``conf_level-0.9``); the default reports stay
byte-identical. Each run's manifest entry records the parameters that differ
(``non_default``), the variant's index marks every such report, and the default index lists
the variants it finds (:func:`variants_of`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sinstats.build._helpers import read_json
from sinstats.build.folder import INDEX_NAME, MANIFEST_NAME
from sinstats.build.matrix import Run

VARIANTS_NAME = "variants"
"""The folder under the default reports that holds the variants."""


def non_default(run: Run, default: Run | None) -> dict[str, Any]:
    """Return the parameters of ``run`` that differ from the same run without ``-p``.

    Parameters
    ----------
    run : Run
        The run as planned with the command line's ``-p`` values.
    default : Run or None
        The same run planned from ``reports.yml`` alone (None: every parameter differs).

    Returns
    -------
    dict
        ``{name: value}``, sorted by name; empty for a default run.
    """
    base = default.parameters if default is not None else {}
    return {
        k: v
        for k, v in sorted(run.parameters.items())
        if k not in ("data_dir", "year") and base.get(k) != v
    }


def variant_name(changed: Mapping[str, Any]) -> str:
    """Return the folder name of a variant: ``conf_level-0.9_method-midp``.

    Parameters
    ----------
    changed : mapping
        The parameters that differ from the defaults (:func:`non_default`).

    Returns
    -------
    str
        ``name-value`` pairs in name order joined by ``_``; characters other than letters,
        digits, ``.`` and ``-`` in a value become ``-``.

    Examples
    --------
    >>> variant_name({"method": "midp", "conf_level": 0.9})
    'conf_level-0.9_method-midp'
    """
    parts = []
    for name in sorted(changed):
        value = re.sub(r"[^A-Za-z0-9.-]+", "-", str(changed[name])).strip("-") or "empty"
        parts.append(f"{name}-{value}")
    return "_".join(parts)[:120]


def changed_parameters(
    runs: Sequence[Run], defaults: Sequence[Run]
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Return each run's non-default parameters and all of them together.

    Parameters
    ----------
    runs : sequence of Run
        The runs as planned with ``-p``.
    defaults : sequence of Run
        The same selection planned without ``-p``.

    Returns
    -------
    tuple of (dict, dict)
        ``{run id: {name: value}}`` and the union ``{name: value}`` over the runs.
    """
    by_id = {r.id: r for r in defaults}
    per_run = {run.id: non_default(run, by_id.get(run.id)) for run in runs}
    union: dict[str, Any] = {}
    for changed in per_run.values():
        union.update(changed)
    return per_run, dict(sorted(union.items()))


def variants_of(out_dir: Path) -> list[dict[str, Any]]:
    """Return the variants under ``<out>/variants/`` that have an index and a manifest.

    Each manifest is read as input: one that is not a mapping with a ``build`` record naming its
    parameters is left out.

    Parameters
    ----------
    out_dir : Path
        The default reports folder.

    Returns
    -------
    list of dict
        ``{"name", "href", "parameters", "n_reports"}`` sorted by name; ``href`` is relative to
        ``out_dir``.
    """
    folder = out_dir / VARIANTS_NAME
    if not folder.is_dir():
        return []
    found = []
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        manifest = read_json(sub / MANIFEST_NAME)
        if not isinstance(manifest, dict) or not (sub / INDEX_NAME).is_file():
            continue
        build = manifest.get("build")
        params = build.get("non_default") if isinstance(build, dict) else None
        runs = manifest.get("runs")
        if not isinstance(params, dict) or not isinstance(runs, list):
            continue
        found.append(
            {
                "name": sub.name,
                "href": f"{VARIANTS_NAME}/{sub.name}/{INDEX_NAME}",
                "parameters": {str(k): params[k] for k in sorted(params)},
                "n_reports": len(runs),
            }
        )
    return found
