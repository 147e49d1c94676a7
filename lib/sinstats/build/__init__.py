"""The build layer: the run matrix, executing notebooks and exporting reports.

One job per module: :mod:`~sinstats.build.config` reads ``reports.yml``,
:mod:`~sinstats.build.parameters` reads each notebook's ``parameters`` cell,
:mod:`~sinstats.build.matrix` plans the runs, :mod:`~sinstats.build.cache` decides which are up
to date, :mod:`~sinstats.build.provenance` gathers what a build records about itself,
:mod:`~sinstats.build.folder` keeps the reports folder safe (lock, recovery, moves),
:mod:`~sinstats.build.execute` runs notebooks in worker processes, :mod:`~sinstats.build.export`
writes each run's HTML and PDF, :mod:`~sinstats.build.workbook` the period's ``tables.xlsx``,
:mod:`~sinstats.build.index` the index page, and :mod:`~sinstats.build.pipeline` ties them
together in :func:`build`. Every module imports its heavy packages inside functions, and the
names re-exported here are imported on first use, so importing this package (or one of its
modules) is cheap.

The public names are re-exported here. A test that replaces a function (say
``library_hash``) must patch the module that looks it up (:mod:`sinstats.build.provenance`),
not this package. Imports run one way: every lower layer, but nothing imports the build layer
except the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time they are imported on first use
    from sinstats.build.cache import SharedInputs, decide, run_key
    from sinstats.build.config import BuildConfig, NotebookConfig, load_config
    from sinstats.build.execute import Job, RunOutcome, execute_run
    from sinstats.build.export import export_run, html_to_pdf, notebook_to_html, provenance_html
    from sinstats.build.folder import FAILED_NAME, MANIFEST_NAME, build_lock
    from sinstats.build.index import write_index
    from sinstats.build.matrix import Run, plan
    from sinstats.build.parameters import (
        DeclaredParameter,
        coerce_parameter,
        parse_parameter_options,
    )
    from sinstats.build.pipeline import BuildResult, build
    from sinstats.build.provenance import GitState, build_time, git_state, library_hash
    from sinstats.build.workbook import write_workbook

_MODULE_OF = {
    "cache": ("SharedInputs", "decide", "run_key"),
    "config": ("BuildConfig", "NotebookConfig", "load_config"),
    "execute": ("Job", "RunOutcome", "execute_run"),
    "export": ("export_run", "html_to_pdf", "notebook_to_html", "provenance_html"),
    "folder": ("FAILED_NAME", "MANIFEST_NAME", "build_lock"),
    "index": ("write_index",),
    "matrix": ("Run", "plan"),
    "parameters": ("DeclaredParameter", "coerce_parameter", "parse_parameter_options"),
    "pipeline": ("BuildResult", "build"),
    "provenance": ("GitState", "build_time", "git_state", "library_hash"),
    "workbook": ("write_workbook",),
}


def _module(name: str) -> Any:
    """Import the build module ``name`` (plain imports, so the architecture test sees them)."""
    if name == "cache":
        from sinstats.build import cache

        return cache
    elif name == "config":
        from sinstats.build import config

        return config
    elif name == "execute":
        from sinstats.build import execute

        return execute
    elif name == "export":
        from sinstats.build import export

        return export
    elif name == "folder":
        from sinstats.build import folder

        return folder
    elif name == "index":
        from sinstats.build import index

        return index
    elif name == "matrix":
        from sinstats.build import matrix

        return matrix
    elif name == "parameters":
        from sinstats.build import parameters

        return parameters
    elif name == "pipeline":
        from sinstats.build import pipeline

        return pipeline
    elif name == "provenance":
        from sinstats.build import provenance

        return provenance
    else:
        from sinstats.build import workbook

        return workbook


def __getattr__(name: str) -> Any:
    """Import a re-exported name on first use, so that importing one build module is cheap.

    ``sinstats build`` with nothing to do, and every worker process, import only the modules
    they use: ``sinstats.build.export`` (and through it the data and statistics layers) is not
    imported for a rebuild that exports nothing.
    """
    for module, names in _MODULE_OF.items():
        if name in names:
            value = getattr(_module(module), name)
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FAILED_NAME",
    "MANIFEST_NAME",
    "BuildConfig",
    "BuildResult",
    "DeclaredParameter",
    "GitState",
    "Job",
    "NotebookConfig",
    "Run",
    "RunOutcome",
    "SharedInputs",
    "build",
    "build_lock",
    "build_time",
    "coerce_parameter",
    "decide",
    "execute_run",
    "export_run",
    "git_state",
    "html_to_pdf",
    "library_hash",
    "load_config",
    "notebook_to_html",
    "parse_parameter_options",
    "plan",
    "provenance_html",
    "run_key",
    "write_index",
    "write_workbook",
]
