"""No dead relative link and no reference to a missing file in any doc or notebook.

Every Markdown file the project keeps (README, CHANGELOG, ``docs/``, ``data/``, ``reports/``,
``benchmarks/``) and every cell of every notebook is read. Two kinds of reference are checked:

* a Markdown link ``[text](target)`` whose target is not a web address or an anchor: the file
  must exist, relative to the document's folder (anchors ``#...`` are dropped first);
* a project path written in the text (``docs/methods.md``, ``data/assumptions.yml``,
  ``notebooks/01-annual-overview.ipynb``): the file must exist relative to the project root,
  the document's folder or the package folder (``lib/sinstats``, where ``docs/architecture.md``'s
  module table points).

Files a build writes (``reports/manifest.json``, ``reports/index.html``) are not in the
repository and are left out, as are patterns (``NN-verb-noun.ipynb``, ``<period>``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sinstats import paths

ROOT = paths.PROJ_ROOT
PACKAGE = ROOT / "lib" / "sinstats"

_LINK = re.compile(r"\]\(<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\)")
_PATH = re.compile(
    r"(?<![\w/.-])((?:docs|data|notebooks|lib|tests|benchmarks|reports|requirements)/"
    r"[\w./-]+\.(?:md|csv|yml|yaml|json|py|ipynb|txt|R|cff|toml|j2|css))\b"
)
# Written by a build, not kept in the repository.
_BUILD_OUTPUTS = frozenset({"reports/manifest.json", "reports/index.html"})
_PATTERN = re.compile(r"NN|<|\*|\{")
_CODE_SPAN = re.compile(r"`[^`\n]+`")


def _documents() -> list[Path]:
    found = [
        *ROOT.glob("*.md"),
        *(ROOT / "docs").glob("*.md"),
        *(ROOT / "reports").glob("*.md"),
        *(ROOT / "benchmarks").glob("*.md"),
        *(ROOT / "data").rglob("*.md"),
        *(ROOT / "notebooks").glob("*.ipynb"),
    ]
    return sorted(p for p in found if "raw" not in p.relative_to(ROOT).parts[:2])


def _text_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return "\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells
        )
    return path.read_text(encoding="utf-8")


def dead_references(text: str, folder: Path) -> list[str]:
    """Return every dead link or missing-file reference in ``text`` (a document in ``folder``)."""
    problems = []
    # A link written inside a code span (`[text](url)`) is an example, not a link.
    for match in _LINK.finditer(_CODE_SPAN.sub("``", text)):
        target = match.group(1)
        if target.startswith(("http://", "https://", "mailto:", "#", "doi:")):
            continue
        file = target.split("#", 1)[0]
        if file and not (folder / file).exists():
            problems.append(f"dead link ({target})")
    for match in _PATH.finditer(text):
        ref = match.group(1).rstrip(".")
        if ref in _BUILD_OUTPUTS or _PATTERN.search(ref):
            continue
        if not any((base / ref).exists() for base in (ROOT, folder, PACKAGE)):
            problems.append(f"missing file {ref}")
    return problems


DOCUMENTS = _documents()


def test_the_documents_are_found() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in DOCUMENTS}
    assert {"README.md", "docs/glossary.md", "docs/pipeline.md"} <= names
    assert sum(p.suffix == ".ipynb" for p in DOCUMENTS) >= 6


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_dead_link_or_missing_file(document: Path) -> None:
    assert dead_references(_text_of(document), document.parent) == []


def test_a_planted_dead_link_and_missing_file_are_found(tmp_path: Path) -> None:
    (tmp_path / "there.md").write_text("# There\n", encoding="utf-8")
    text = (
        "See [the glossary](there.md#top), [gone](missing.md), [web](https://example.org/x), "
        "`[text](url)` (an example in code) "
        "and `docs/no-such-doc.md`; `docs/methods.md` exists, `reports/manifest.json` is "
        "written by a build and `notebooks/NN-verb-noun.ipynb` is a pattern."
    )
    assert dead_references(text, tmp_path) == [
        "dead link (missing.md)",
        "missing file docs/no-such-doc.md",
    ]
