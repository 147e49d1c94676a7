"""The layers import one way: base -> data -> stats -> present -> analyses -> build -> cli.

Every module's imports are read with :mod:`ast` (every ``import`` statement, also those inside
functions and ``TYPE_CHECKING`` blocks) and checked against the layer order in
``docs/architecture.md``. The checker itself is tested on planted violations first, so that a
passing run means something.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from sinstats import paths

PACKAGE = "sinstats"
ROOT = paths.PACKAGE_DIR

# Layer of every top-level name under sinstats; a lower number may never import a higher one.
LAYERS: Mapping[str, int] = {
    "sinstats": 0,  # the package __init__: the version only
    "sinstats._typing": 0,
    "sinstats._docstrings": 0,
    "sinstats._nesting": 0,
    "sinstats.errors": 0,
    "sinstats.periods": 0,
    "sinstats.paths": 0,
    "sinstats.data": 1,
    "sinstats.stats": 2,
    "sinstats.present": 3,
    "sinstats.analyses": 4,
    "sinstats.build": 5,
    "sinstats.api": 6,
    "sinstats.cli": 6,
}
LAYER_NAMES = ("base", "data", "stats", "present", "analyses", "build", "cli/api")

# The per-notebook analysis modules share what they need through the lower layers, never through
# each other (the claims package is notebook 06's engine and may be used by verification).
NOTEBOOK_MODULES = frozenset(
    f"sinstats.analyses.{name}"
    for name in ("overview", "timeseries", "measure", "panel", "areas", "verification")
)

# The statistics and data layers never draw.
NO_DRAWING_LAYERS = (1, 2)
DRAWING_PACKAGES = ("matplotlib", "afcharts")

# importlib may be used for package metadata and resources, never to import code.
ALLOWED_IMPORTLIB = frozenset({"importlib.metadata", "importlib.resources"})


@dataclass(frozen=True)
class Edge:
    """One import: ``source`` imports ``target`` at ``line``."""

    source: str
    target: str
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = [PACKAGE, *rel.parts]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for prefix, layer in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > best[0]:
                best = (len(prefix), layer)
    return None if best is None else best[1]


def _resolve(node: ast.ImportFrom, source: str, is_package: bool) -> str:
    if node.level == 0:
        return node.module or ""
    base = source.split(".") if is_package else source.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(
    tree: ast.AST, source: str, known: Iterable[str], *, is_package: bool = False
) -> list[Edge]:
    """Every sinstats module imported by ``tree``, resolved to modules where possible."""
    modules = set(known)
    edges: list[Edge] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    edges.append(Edge(source, alias.name, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, source, is_package)
            if target.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                edges.append(Edge(source, sub if sub in modules else target, node.lineno))
    return edges


def dynamic_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Uses of ``importlib`` (other than metadata/resources) or ``__import__``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "importlib" or (
                    alias.name.startswith("importlib.") and alias.name not in ALLOWED_IMPORTLIB
                ):
                    found.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("importlib"):
            for alias in node.names:
                if f"{node.module}.{alias.name}" not in ALLOWED_IMPORTLIB and not any(
                    (node.module or "").startswith(a) for a in ALLOWED_IMPORTLIB
                ):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "importlib" and f"importlib.{node.attr}" not in ALLOWED_IMPORTLIB:
                found.append((node.lineno, f"importlib.{node.attr}"))
        elif isinstance(node, ast.Name) and node.id == "__import__":
            found.append((node.lineno, "__import__"))
    return found


def cycles(edges: Iterable[Edge]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), and self-imports."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def violations(sources: Mapping[str, tuple[str, bool]]) -> list[str]:
    """Every rule broken by ``{module: (source text, is_package)}``, as sentences."""
    problems: list[str] = []
    edges: list[Edge] = []
    trees = {name: ast.parse(text) for name, (text, _) in sources.items()}
    for name, tree in trees.items():
        is_package = sources[name][1]
        edges += imports_of(tree, name, sources, is_package=is_package)
        for line, what in dynamic_imports(tree):
            problems.append(f"{name}:{line}: dynamic import ({what}); import statically")
        layer = layer_of(name)
        if layer in NO_DRAWING_LAYERS:
            for node in ast.walk(tree):
                mods: list[str] = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    mods = [node.module or ""]
                for mod in mods:
                    if mod.split(".")[0] in DRAWING_PACKAGES:
                        problems.append(
                            f"{name}:{node.lineno}: imports {mod}; the {LAYER_NAMES[layer]} "
                            "layer never draws (charts belong in sinstats.present.plots)"
                        )
    for e in edges:
        src, dst = layer_of(e.source), layer_of(e.target)
        if src is None:
            problems.append(f"{e.source}: not in any layer; add it to LAYERS")
        elif dst is None:
            problems.append(f"{e.source}:{e.line}: imports {e.target}, which is in no layer")
        elif dst > src:
            problems.append(
                f"{e.source}:{e.line}: imports {e.target} against the direction "
                f"({LAYER_NAMES[src]} may not import {LAYER_NAMES[dst]})"
            )
        if e.source in NOTEBOOK_MODULES and e.target in NOTEBOOK_MODULES and e.source != e.target:
            problems.append(
                f"{e.source}:{e.line}: imports {e.target}; notebook modules share through the "
                "data, stats and present layers, not through each other"
            )
    for comp in cycles(edges):
        problems.append(f"import cycle: {' -> '.join(comp)}")
    return problems


def package_sources(root: Path = ROOT) -> dict[str, tuple[str, bool]]:
    return {
        module_name(p, root): (p.read_text(encoding="utf-8"), p.name == "__init__.py")
        for p in sorted(root.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


# ---------------------------------------------------------------------------------------------
# The checker finds what it should (so that the real check below can fail)
# ---------------------------------------------------------------------------------------------


def _planted(extra: dict[str, tuple[str, bool]]) -> list[str]:
    base = {
        "sinstats": ("", True),
        "sinstats.errors": ("", False),
        "sinstats.data": ("from sinstats.data import queries\n", True),
        "sinstats.data.queries": ("from sinstats import errors\n", False),
        "sinstats.stats": ("", True),
        "sinstats.stats.intervals": ("from sinstats.data import queries\n", False),
        "sinstats.analyses": ("", True),
        "sinstats.analyses.overview": ("", False),
        "sinstats.analyses.timeseries": ("", False),
    }
    return violations({**base, **extra})


def test_checker_accepts_a_clean_layout() -> None:
    assert _planted({}) == []


@pytest.mark.parametrize(
    ("module", "text", "expected"),
    [
        (
            "sinstats.data.queries",
            "from sinstats.stats import intervals\n",
            "against the direction (data may not import stats)",
        ),
        (
            "sinstats.data.queries",
            "def f():\n    from sinstats.stats.intervals import poisson_ci\n",
            "against the direction (data may not import stats)",
        ),
        ("sinstats.stats.intervals", "import importlib\n", "dynamic import (import importlib)"),
        (
            "sinstats.stats.intervals",
            "import importlib.util\n",
            "dynamic import (import importlib.util)",
        ),
        (
            "sinstats.stats.intervals",
            "from importlib import import_module\n",
            "dynamic import (from importlib import import_module)",
        ),
        ("sinstats.stats.intervals", "m = __import__('os')\n", "dynamic import (__import__)"),
        ("sinstats.stats.intervals", "import matplotlib.pyplot\n", "never draws"),
        (
            "sinstats.analyses.timeseries",
            "from sinstats.analyses.overview import PER\n",
            "not through each other",
        ),
        ("sinstats.data.queries", "from sinstats import data\n", "import cycle"),
        ("sinstats.data.queries", "from . import queries\n", "import cycle"),
    ],
)
def test_checker_finds_planted_violations(module: str, text: str, expected: str) -> None:
    found = _planted({module: (text, False)})
    assert any(expected in p for p in found), found


def test_checker_allows_metadata_and_resources() -> None:
    text = (
        "import importlib.metadata\nfrom importlib import resources\nimportlib.metadata.version\n"
    )
    assert _planted({"sinstats.stats.intervals": (text, False)}) == []


# ---------------------------------------------------------------------------------------------
# The package itself
# ---------------------------------------------------------------------------------------------


def test_every_module_is_in_a_layer() -> None:
    missing = [m for m in package_sources() if layer_of(m) is None]
    assert missing == [], f"add these to LAYERS (and docs/architecture.md): {missing}"


def test_imports_run_one_way_without_cycles_or_dynamic_imports() -> None:
    problems = violations(package_sources())
    assert problems == [], "\n".join(problems)


def test_layer_table_matches_the_packages_on_disk() -> None:
    top = {
        module_name(p) for p in ROOT.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    assert top == set(LAYERS), sorted(top ^ set(LAYERS))


def test_unit_tests_mirror_the_layers_with_unique_file_names() -> None:
    tests = paths.PROJ_ROOT / "tests"
    layer_dirs = {p.name for p in (tests / "unit").iterdir() if p.is_dir() and p.name[0] != "_"}
    packages = {
        m.split(".")[1] for m in LAYERS if m.count(".") == 1 and LAYERS[m] in (1, 2, 3, 4, 5)
    }
    assert layer_dirs - {"__pycache__"} == packages
    names = [p.name for p in tests.rglob("test_*.py")]
    # Test folders are not packages, so two files with one name would shadow each other.
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
