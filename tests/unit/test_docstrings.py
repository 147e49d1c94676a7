"""Shared docstring sections (sinstats._docstrings): filled in, indented, none left over."""

from __future__ import annotations

import inspect
import pkgutil
from importlib import import_module

import pytest

import sinstats
from sinstats import _docstrings
from sinstats._docstrings import SECTIONS, fill_doc

# The layers whose docstrings use the shared sections.


def _modules() -> list[str]:
    """Every module of the package (any layer may share a section)."""
    return [info.name for info in pkgutil.walk_packages(sinstats.__path__, "sinstats.")]


def test_fill_doc_indents_like_the_placeholder() -> None:
    def method() -> None:
        """Title.

        %(poisson_method)s
            Limits.
        """

    filled = fill_doc(method).__doc__ or ""
    assert "\n        Parameters\n        ----------\n        count : ndarray\n" in filled
    assert "\n\n        Returns\n        -------\n        lower, upper : ndarray\n" in filled
    assert "%(" not in filled
    # Blank lines inside a section carry no trailing indentation.
    assert not any(line.isspace() for line in filled.splitlines()[:-1])


def test_fill_doc_keeps_a_function_without_docstring() -> None:
    def bare() -> None:
        pass

    assert fill_doc(bare) is bare and bare.__doc__ is None


@pytest.mark.parametrize("module", _modules())
def test_no_placeholder_is_left_unfilled(module: str) -> None:
    mod = import_module(module)
    for name, obj in vars(mod).items():
        if getattr(obj, "__module__", None) != module:
            continue
        if inspect.isfunction(obj) or inspect.isclass(obj):
            doc = obj.__doc__ or ""
            assert not [s for s in SECTIONS if f"%({s})s" in doc], f"{module}.{name}"


def test_every_section_is_used() -> None:
    used = set()
    for module in _modules():
        source = inspect.getsource(import_module(module))
        used |= {name for name in SECTIONS if f"%({name})s" in source}
    assert used == set(SECTIONS), set(SECTIONS) - used


def test_sections_are_numpydoc_without_indentation() -> None:
    for name, text in _docstrings.SECTIONS.items():
        assert not text.startswith((" ", "\n")), name
        assert not text.endswith("\n"), name


def _public_functions(package: str) -> list[tuple[str, object]]:
    found = []
    for module in _modules():
        if not module.startswith(package) or "._" in module:
            continue
        mod = import_module(module)
        for name, obj in vars(mod).items():
            if name.startswith("_") or not inspect.isfunction(obj):
                continue
            if obj.__module__ == module:
                found.append((f"{module}.{name}", obj))
    return found


@pytest.mark.parametrize("package", ["sinstats.analyses", "sinstats.stats", "sinstats.data"])
def test_public_functions_document_parameters_returns_and_raises(package: str) -> None:
    """Rendered docstrings (shared sections filled in) have the numpydoc sections they need."""
    missing = []
    for name, func in _public_functions(package):
        doc = inspect.getdoc(func) or ""
        signature = inspect.signature(func)  # type: ignore[arg-type]
        if [p for p in signature.parameters if p not in ("self", "cls")] and (
            "Parameters\n" not in doc
        ):
            missing.append(f"{name}: Parameters")
        if signature.return_annotation not in ("None", None, inspect.Signature.empty) and not (
            "Returns\n" in doc or "Yields\n" in doc
        ):
            missing.append(f"{name}: Returns")
        source = inspect.getsource(func)  # type: ignore[arg-type]
        if "\n    raise " in source.split('"""', 2)[-1] and "Raises\n" not in doc:
            missing.append(f"{name}: Raises")
    assert missing == [], "\n".join(missing)
