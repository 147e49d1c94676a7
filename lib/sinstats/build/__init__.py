"""The build layer: the run matrix, executing notebooks and exporting reports.

One job per module: :mod:`~sinstats.build.config` reads ``reports.yml``,
:mod:`~sinstats.build.parameters` reads each notebook's ``parameters`` cell,
:mod:`~sinstats.build.matrix` plans the runs, :mod:`~sinstats.build.cache` decides which are up
to date, :mod:`~sinstats.build.provenance` gathers what a build records about itself,
:mod:`~sinstats.build.folder` keeps the reports folder safe (lock, recovery, moves),
:mod:`~sinstats.build.execute` runs notebooks in worker processes, :mod:`~sinstats.build.export`
writes each run's HTML and PDF, :mod:`~sinstats.build.workbook` the period's ``tables.xlsx``,
:mod:`~sinstats.build.index` the index page, and :mod:`~sinstats.build.pipeline` ties them
together in :func:`build`. Every module imports its heavy packages inside functions, so importing
this package is cheap.

The public names are re-exported here. A test that replaces a function (say
``library_hash``) must patch the module that looks it up (:mod:`sinstats.build.provenance`),
not this package. Imports run one way: every lower layer, but nothing imports the build layer
except the command line.
"""

from sinstats.build.cache import SharedInputs, decide, run_key
from sinstats.build.config import BuildConfig, NotebookConfig, load_config
from sinstats.build.execute import Job, RunOutcome, execute_run
from sinstats.build.export import export_run, html_to_pdf, notebook_to_html, provenance_html
from sinstats.build.folder import FAILED_NAME, MANIFEST_NAME, build_lock
from sinstats.build.index import write_index
from sinstats.build.matrix import Run, plan
from sinstats.build.parameters import DeclaredParameter, coerce_parameter, parse_parameter_options
from sinstats.build.pipeline import BuildResult, build
from sinstats.build.provenance import GitState, build_time, git_state, library_hash
from sinstats.build.workbook import write_workbook

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
