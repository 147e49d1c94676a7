"""Shared fixtures of the build layer's unit tests (no kernel, no build).

Fixtures
--------
declared
    ``declared(type_name, default)``: a :class:`~sinstats.build.parameters.DeclaredParameter`.
svg
    A tiny SVG document.
image_output
    ``image_output(alt=None, png=False)``: a notebook figure output (SVG, or PNG).
notebook_factory
    ``notebook_factory(*cells, title=None, name="x")``: writes a notebook in tmp_path.
config_factory
    ``config_factory(notebooks={...})``: a checked ``BuildConfig`` over notebooks in tmp_path.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest

from sinstats.build.config import BuildConfig, load_config
from sinstats.build.parameters import DeclaredParameter

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>'

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
CONTRACT_CELL = (
    "year: str = '2025-26'  # the year\n"
    "data_dir: str = ''  # the data\n"
    "output_dir: str = '.'  # the outputs\n"
    "conf_level: float = 0.95  # the level\n"
)


@pytest.fixture
def declared() -> Callable[[str, str], DeclaredParameter]:
    def make(type_name: str, default: str) -> DeclaredParameter:
        return DeclaredParameter(name="x", type_name=type_name, default=default, help="")

    return make


@pytest.fixture
def svg() -> str:
    return SVG


@pytest.fixture
def image_output() -> Callable[..., Any]:
    def make(alt: str | None = None, png: bool = False) -> Any:
        data = {"text/plain": "<Figure size 640x480 with 1 Axes>"}
        if png:
            data["image/png"] = base64.b64encode(b"\x89PNG fake").decode()
        else:
            data["image/svg+xml"] = SVG
        metadata = {"image/svg+xml": {"alt": alt}} if alt else {}
        return nbformat.v4.new_output("display_data", data=data, metadata=metadata)

    return make


@pytest.fixture
def notebook_factory(tmp_path: Path) -> Callable[..., Path]:
    def make(*cells: Any, title: str | None = None, name: str = "x") -> Path:
        nb = nbformat.v4.new_notebook()
        nb.cells = list(cells)
        if title is not None:
            nb.metadata["title"] = title
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nb, path)
        return path

    return make


@pytest.fixture
def config_factory(tmp_path: Path) -> Callable[..., BuildConfig]:
    """A reports.yml over contract notebooks in ``tmp_path/notebooks`` (loaded and checked)."""

    def make(text: str, names: tuple[str, ...] = ("01-a", "02-b")) -> BuildConfig:
        nb_dir = tmp_path / "notebooks"
        nb_dir.mkdir(exist_ok=True)
        for name in names:
            nb = nbformat.v4.new_notebook()
            nb.metadata["kernelspec"] = KERNELSPEC
            cell = nbformat.v4.new_code_cell(CONTRACT_CELL)
            cell.metadata["tags"] = ["parameters"]
            nb.cells = [nbformat.v4.new_markdown_cell(f"# Notebook {name}"), cell]
            nbformat.write(nb, nb_dir / f"{name}.ipynb")
        path = tmp_path / "reports.yml"
        path.write_text(text, encoding="utf-8")
        return load_config(path, nb_dir)

    return make
