"""Every project path, derived once from the project root.

The root is the folder holding ``pyproject.toml`` above this package (an editable install), or the
folder named by the environment variable ``SINSTATS_ROOT``. Data and report folders can be moved
with ``SINSTATS_DATA_DIR`` and ``SINSTATS_REPORTS_DIR``; functions also take explicit arguments.
"""

from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("SINSTATS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "lib" / "sinstats").is_dir():
            return parent
    return Path.cwd().resolve()


PROJ_ROOT: Path = _find_root()
LIB_DIR: Path = PROJ_ROOT / "lib" / "sinstats"
PACKAGE_DIR: Path = Path(__file__).resolve().parent
"""The installed package (``lib/sinstats`` in an editable install): code, templates, resources."""
TEMPLATES_DIR: Path = PACKAGE_DIR / "build" / "templates"
"""HTML and CSS templates of the reports and the index (``sinstats.build.export``, ``.index``)."""
MATPLOTLIBRC: Path = PACKAGE_DIR / "present" / "matplotlibrc"
"""The charts' matplotlib settings, given to every kernel (``sinstats.present.plots``)."""
NOTEBOOKS_DIR: Path = PROJ_ROOT / "notebooks"
DOCS_DIR: Path = PROJ_ROOT / "docs"
REPORTS_YML: Path = PROJ_ROOT / "reports.yml"


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the data folder: ``override``, ``$SINSTATS_DATA_DIR`` or ``<root>/data``."""
    if override is not None and str(override) != "":
        return Path(override).resolve()
    env = os.environ.get("SINSTATS_DATA_DIR")
    return Path(env).resolve() if env else PROJ_ROOT / "data"


def reports_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the reports folder: ``override``, ``$SINSTATS_REPORTS_DIR`` or ``<root>/reports``."""
    if override is not None and str(override) != "":
        return Path(override).resolve()
    env = os.environ.get("SINSTATS_REPORTS_DIR")
    return Path(env).resolve() if env else PROJ_ROOT / "reports"


def published_dir(data: str | os.PathLike[str] | None = None) -> Path:
    """Return ``<data>/published``, the transcribed published figures (read-only)."""
    return data_dir(data) / "published"


def raw_dir(data: str | os.PathLike[str] | None = None) -> Path:
    """Return ``<data>/raw``, official release files fetched with ``sinstats fetch``."""
    return data_dir(data) / "raw"


def assumptions_file(data: str | os.PathLike[str] | None = None) -> Path:
    """Return ``<data>/assumptions.yml``, the uncertainty model's documented assumptions."""
    return data_dir(data) / "assumptions.yml"


def claims_file(data: str | os.PathLike[str] | None = None) -> Path:
    """Return ``<data>/claims/published.yml``, the project's claims register."""
    return data_dir(data) / "claims" / "published.yml"


def breaks_file(data: str | os.PathLike[str] | None = None) -> Path:
    """Return ``<data>/breaks.yml``, the declared breaks and events of the national series."""
    return data_dir(data) / "breaks.yml"
