"""The glossary page of a reports folder: ``docs/glossary.md`` as ``<reports>/glossary.html``.

Every report and the index link to it (HTML: a relative link that survives publishing the
reports folder; PDF: the page's address on this machine), so a reader meets the words the
reports use (notification, nature, reporting year, interval, rate ratio, overdispersion, RAG
rating, designation) explained once. The page is rendered with mistune (installed with
nbconvert), its text escaped, with no external resources.
"""

from __future__ import annotations

import html
from pathlib import Path

from sinstats import paths
from sinstats.build._helpers import write_atomic

GLOSSARY_NAME = "glossary.html"
"""The glossary page's name in the reports folder."""

GLOSSARY_SOURCE = paths.PROJ_ROOT / "docs" / "glossary.md"
"""The glossary's source."""

_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Glossary: serious incident notifications in England</title>
<style>
html {{ font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
  color: #0b0c0c; line-height: 1.5; }}
body {{ max-width: 48rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }}
a {{ color: #12436d; }}
h1 {{ border-bottom: 3px solid #12436d; padding-bottom: .4rem; }}
code {{ font-size: .95em; }}
</style>
</head>
<body>
<nav aria-label="Reports"><a href="index.html">All reports</a></nav>
{body}
</body>
</html>
"""


def glossary_html(markdown_text: str) -> str:
    """Return the glossary page for ``markdown_text`` (raw HTML in it is escaped).

    Parameters
    ----------
    markdown_text : str
        The glossary in Markdown.

    Returns
    -------
    str
        A complete HTML document.
    """
    import mistune

    render = mistune.create_markdown(escape=True)
    return _PAGE.format(body=str(render(markdown_text)))


def write_glossary(out_dir: Path, source: Path = GLOSSARY_SOURCE) -> Path | None:
    """Write ``<out>/glossary.html`` from ``docs/glossary.md``.

    Parameters
    ----------
    out_dir : Path
        The reports folder.
    source : Path
        The glossary's Markdown.

    Returns
    -------
    Path or None
        The page, or None when there is no glossary to render.
    """
    if not source.is_file():
        return None
    return write_atomic(out_dir / GLOSSARY_NAME, glossary_html(source.read_text(encoding="utf-8")))


def glossary_link(href: str) -> str:
    """Return the sentence every report and the index carry, linking ``href``."""
    return (
        "The words these reports use (notification, nature, reporting year, interval, rate "
        f'ratio, overdispersion, RAG rating, designation) are explained in the <a href="'
        f'{html.escape(href)}">glossary</a>.'
    )
