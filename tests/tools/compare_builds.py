"""Compare two report folders: byte-identical CSV, JSON, HTML and SVG, identical PDF text.

Used to show that a refactoring changed no report (issue 12): build the default matrix before and
after (``sinstats build --force --out DIR``), then::

    python tests/tools/compare_builds.py BEFORE AFTER

Prints one line per file that exists in only one folder or differs, with the first differing
line of text formats (PDF: of the text pypdf extracts), and a summary. Exit status
0 when nothing differs, 1 otherwise. ``manifest.json`` is compared like every JSON file: it holds
times and the library's hash, so it always differs between two builds of different code.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

BYTES = (".csv", ".json", ".html", ".svg")
TEXT_OF_PDF = ".pdf"


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader  # a test dependency, as in the e2e tests

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _first_difference(a: str, b: str) -> str:
    for line in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0):
        if line.startswith(("-", "+")) and not line.startswith(("---", "+++")):
            return line[:160]
    return "(whitespace only)"


def compare(before: Path, after: Path) -> list[str]:
    """Return one message per file that differs or exists on one side only."""
    wanted = (*BYTES, TEXT_OF_PDF)
    files_a = {p.relative_to(before) for p in before.rglob("*") if p.suffix in wanted}
    files_b = {p.relative_to(after) for p in after.rglob("*") if p.suffix in wanted}
    problems = [f"only in {before}: {p}" for p in sorted(files_a - files_b)]
    problems += [f"only in {after}: {p}" for p in sorted(files_b - files_a)]
    for rel in sorted(files_a & files_b):
        a, b = before / rel, after / rel
        if rel.suffix == TEXT_OF_PDF:
            ta, tb = _pdf_text(a), _pdf_text(b)
            if ta != tb:
                problems.append(f"PDF text differs: {rel}: {_first_difference(ta, tb)}")
        elif a.read_bytes() != b.read_bytes():
            ta = a.read_text(encoding="utf-8", errors="replace")
            tb = b.read_text(encoding="utf-8", errors="replace")
            problems.append(f"bytes differ: {rel}: {_first_difference(ta, tb)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Compare the two folders named on the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    problems = compare(args.before, args.after)
    for line in problems:
        print(line)
    n = sum(1 for p in args.before.rglob("*") if p.suffix in (*BYTES, TEXT_OF_PDF))
    print(f"{len(problems)} difference(s) among {n} compared files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
