"""Typeset a report's HTML as a tagged PDF with Typst (the PDF engine of the build).

:func:`html_to_typst` translates the report HTML that :func:`sinstats.build.export.
notebook_to_html` writes (a small, known set of elements: the title page, headings,
paragraphs, lists, pandas' styled tables, figures, the provenance page) into Typst markup,
and :func:`html_to_pdf` compiles it with the ``typst`` package (the Typst compiler, no system
libraries) as a PDF/UA-1 file: A4, a title page, running header, "Page n of N", tables that
repeat their header row when they break across pages, figures with their alt text.

Every piece of text reaches the Typst source as a string literal (``#"...";``), so no
character of the data, a claims file or a notebook can act as Typst markup or code; the page
structure is the only markup. Typst reads files only under the run's folder (its ``root``).
An element outside the known set keeps its content (as a block or inline, as HTML would
show it) and is recorded in :attr:`TypstSource.unknown`, which the tests require to be empty
for every real report.

The same inputs give the same PDF, byte for byte: the creation date is the report's own
(``dcterms.created``, from ``SOURCE_DATE_EPOCH`` or the build date), and Typst writes no time
or random identifier of its own.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from sinstats.build._helpers import replacing
from sinstats.errors import OutputError

# --------------------------------------------------------------------------------------------
# The HTML, as a tree
# --------------------------------------------------------------------------------------------

_VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"})
# Elements whose end tag HTML lets be implied by the next sibling of the same kind.
_IMPLIED_END = {"p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}}


@dataclass
class Node:
    """One HTML element: its tag, attributes and children (nodes and text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        """The element's classes."""
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        """All text inside the element, whitespace as in the HTML."""
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def find_all(self, tag: str) -> Iterator[Node]:
        """Every descendant element with ``tag``, in document order."""
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag:
                    yield child
                yield from child.find_all(tag)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        closes = _IMPLIED_END.get(self.stack[-1].tag)
        if closes and tag in closes:
            self.stack.pop()
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(document: str) -> Node:
    """Parse an HTML document into a :class:`Node` tree (the standard library's parser)."""
    builder = _TreeBuilder()
    builder.feed(document)
    builder.close()
    return builder.root


# --------------------------------------------------------------------------------------------
# Typst text
# --------------------------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r\f]+")


def string_literal(text: str) -> str:
    """Return ``text`` as a Typst string literal (every character literal, none markup)."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


# Invisible characters that Typst would shape into the glyph before them: the PDF's text map
# (ToUnicode) then gives that glyph, everywhere in the document, the invisible character too
# (every "a" of a report read "a\u200b" once one "a" was followed by a zero-width space). A
# zero-width space is where the notebooks allow a line break (:mod:`sinstats.build.links`
# puts them in long addresses): it becomes an empty box, which a line may break at and which
# adds no character; the others carry nothing a PDF needs and are left out.
_BREAK_HERE = "\u200b"
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u2060\ufeff"))
_BREAK_BOX = "#box();"


def _visible(text: str) -> str:
    """Return ``text`` without the invisible characters (for code, which does not wrap)."""
    return text.translate(_INVISIBLE).replace(_BREAK_HERE, "")


def _text(text: str) -> str:
    """Markup that shows ``text`` as it is (a string literal; ``;`` ends the expression)."""
    text = text.translate(_INVISIBLE)
    if _BREAK_HERE in text:
        return _BREAK_BOX.join(_text(part) for part in text.split(_BREAK_HERE))
    return f"#{string_literal(text)};" if text else ""


# A run of this many characters without a space may break anywhere (an address, an id, a hash).
_CHUNK = 8
# Where a line may break inside a word: after a hyphen or slash not followed by a digit (the
# Unicode line-breaking rules Typst follows keep "2014-15" and "-103.7" whole).
_BREAK_AFTER = re.compile(r"(?<=[-/])(?=[^\d])")


# Where a long run without spaces may break: after a hyphen, slash, dot, underscore or the
# punctuation of a query string, unless a digit stands on both sides ("2015-16", "1.5").
_RUN_BREAK = re.compile(r"(?<=[-/._?&=])(?=\D)|(?<=\D[-/._?&=])(?=\d)")


def _breakable_pieces(token: str) -> list[str]:
    """Return the pieces a long run without spaces is set in (a line may break between any two).

    A run breaks after each hyphen, slash, dot, underscore, ``?``, ``&`` or ``=``
    (:data:`_RUN_BREAK`; an id: ``ofsted-|2015-16-|child-|deaths``, an address:
    ``statistics.|service.|gov.|uk/``, a query: ``a?|id=|3&|y=|2``), but not between two digits
    (``2015-16`` and ``3.5`` stay whole), and a piece
    longer than two :data:`_CHUNK` still (a hash) every :data:`_CHUNK` characters.
    """
    pieces = []
    for piece in _RUN_BREAK.split(token):
        if len(piece) > 2 * _CHUNK:
            pieces += [piece[i : i + _CHUNK] for i in range(0, len(piece), _CHUNK)]
        elif piece:
            pieces.append(piece)
    return pieces


def _breakable(text: str) -> str:
    """Markup of ``text`` in which each run without spaces may break between its pieces.

    The pieces (:func:`_breakable_pieces`) are set as boxes, which a line may break between;
    no character is added to the text (a copied hash stays the hash).
    """
    parts = []
    for token in re.split(r"(\s+)", text):
        if not token:
            continue
        if token.isspace():
            parts.append(" ")
        else:
            pieces = _breakable_pieces(token)
            parts.append(
                _text(token)
                if len(pieces) == 1
                else "".join(f"#box[{_text(piece)}]" for piece in pieces)
            )
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Tables: pandas' Styler writes each column's alignment as CSS rules
# --------------------------------------------------------------------------------------------

_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_ALIGN = re.compile(r"text-align\s*:\s*(left|right|center)", re.I)
_CELL_ID = re.compile(r"^#(?P<table>[\w-]+)_row(?P<row>\d+)_col(?P<col>\d+)$")
_COLUMN = re.compile(r"^#(?P<table>[\w-]+)\s+(?P<tag>th|td)?\.col(?P<col>\d+)$")


@dataclass
class _Alignments:
    by_id: dict[str, str] = field(default_factory=dict)
    by_column: dict[tuple[str, str, int], str] = field(default_factory=dict)

    def read(self, css: str) -> None:
        for selectors, body in _RULE.findall(css):
            align = _ALIGN.search(body)
            if not align:
                continue
            for selector in selectors.split(","):
                sel = selector.strip()
                if _CELL_ID.match(sel):
                    self.by_id[sel[1:]] = align.group(1).lower()
                elif m := _COLUMN.match(sel):
                    for tag in (m["tag"],) if m["tag"] else ("th", "td"):
                        self.by_column[(m["table"], tag, int(m["col"]))] = align.group(1).lower()

    def of(self, table_id: str, cell: Node, col: int) -> str:
        if cell.attrs.get("id") in self.by_id:
            return self.by_id[cell.attrs["id"]]
        found = self.by_column.get((table_id, cell.tag, col))
        if found:
            return found
        return "left" if col == 0 else "right"


# --------------------------------------------------------------------------------------------
# The translation
# --------------------------------------------------------------------------------------------

_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl",
        "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody",
        "td", "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# Inline elements shown as their content (their styling is the screen's).
_PLAIN_INLINE = frozenset({"span", "abbr", "time", "small", "mark", "u", "ins", "label"})
# Containers shown as their content.
_PLAIN_BLOCK = frozenset({"div", "main", "article", "section", "tbody", "thead", "details"})
_SKIPPED = frozenset({"style", "script", "head", "title", "meta", "link", "nav", "template"})


@dataclass
class TypstSource:
    """A report as Typst source.

    Attributes
    ----------
    source : str
        The Typst document.
    unknown : tuple of str
        Elements outside the translated set (shown as their content); empty for the reports
        the build writes.
    """

    source: str
    unknown: tuple[str, ...] = ()


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def _heading_levels(root: Node) -> dict[int, int]:
    """Each heading's level in the PDF: its depth among the headings above it.

    PDF/UA-1 does not let the outline skip a level (a notebook's ``###`` straight after the
    title is level 2 here, as it is the second level the reader meets); the order of the
    levels is kept.
    """
    levels: dict[int, int] = {}
    open_levels: list[int] = []

    def walk(node: Node) -> None:
        for child in node.children:
            if not isinstance(child, Node):
                continue
            if child.tag in _HEADINGS:
                level = int(child.tag[1])
                while open_levels and open_levels[-1] >= level:
                    open_levels.pop()
                open_levels.append(level)
                levels[id(child)] = len(open_levels)
            else:
                walk(child)

    walk(root)
    return levels


class _Translator:
    def __init__(self, root: Node) -> None:
        self.root = root
        self.unknown: dict[str, None] = {}
        self.alignments = _Alignments()
        for style in root.find_all("style"):
            self.alignments.read(style.text())
        self.levels = _heading_levels(root)

    # -- inline -------------------------------------------------------------------------------

    def inline(self, nodes: Iterable[Node | str], *, breakable: bool = False) -> str:
        out = []
        for child in nodes:
            if isinstance(child, str):
                text = _SPACE.sub(" ", child)
                out.append(_breakable(text) if breakable else _text(text))
            else:
                out.append(self.inline_element(child, breakable=breakable))
        return "".join(out)

    def inline_element(self, node: Node, *, breakable: bool = False) -> str:
        tag = node.tag
        if tag in _SKIPPED or "anchor-link" in node.classes:
            return ""
        if tag in ("strong", "b"):
            return f"#strong[{self.inline(node.children, breakable=breakable)}]"
        if tag in ("em", "i", "cite", "var", "dfn"):
            return f"#emph[{self.inline(node.children, breakable=breakable)}]"
        if tag in ("code", "kbd", "samp", "tt"):
            return f"#raw({string_literal(_visible(_SPACE.sub(' ', node.text())))})"
        if tag == "sup":
            return f"#super[{self.inline(node.children)}]"
        if tag == "sub":
            return f"#sub[{self.inline(node.children)}]"
        if tag == "br":
            return "#linebreak()"
        if tag == "wbr":
            return _BREAK_BOX
        if tag == "a":
            return self.link(node, breakable=breakable)
        if tag == "img":
            return self.image(node, width=None)
        if tag == "span" and "hash" in node.classes:
            return f"#text(font: mono, size: 0.85em)[{_breakable(node.text().strip())}]"
        if tag == "span" and node.classes & {"url", "sinstats-break"}:
            return self.inline(node.children, breakable=True)
        if tag in _PLAIN_INLINE:
            return self.inline(node.children, breakable=breakable)
        if tag in _BLOCKS:
            # A block inside inline content (rare in HTML): its content, on its own line.
            return f"#linebreak(){self.inline(node.children)}"
        self.unknown.setdefault(tag)
        return self.inline(node.children, breakable=breakable)

    def link(self, node: Node, *, breakable: bool) -> str:
        href = "".join(node.attrs.get("href", "").split()).replace("\u200b", "")
        content = self.inline(node.children, breakable=True)
        if re.match(r"^(https?:|mailto:)", href, re.I):
            return f"#link({string_literal(href)})[{content}]"
        # A fragment or a relative link would not resolve inside the PDF: its text alone.
        return content

    def image(self, node: Node, width: str | None = "100%") -> str:
        src = node.attrs.get("src", "")
        alt = node.attrs.get("alt", "").strip() or "Figure"
        if not src or re.match(r"^[a-z][a-z0-9+.\-]*:", src, re.I) or src.startswith("/"):
            # Only the run's own files are read (an inline data: image is not in the report
            # the build writes): the alt text stands in for it.
            self.unknown.setdefault(f"img src={src[:20]}")
            return f"#emph[{_text('[' + alt + ']')}]"
        size = f", width: {width}" if width else ""
        return f"#image({string_literal(src)}, alt: {string_literal(alt)}{size})"

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self, nodes: Iterable[Node | str]) -> str:
        """Markup of a sequence of children: runs of inline content become paragraphs."""
        out: list[str] = []
        run: list[Node | str] = []

        def flush() -> None:
            text = self.inline(run).strip()
            if text and text.replace('#" ";', "").strip():
                out.append(text)
            run.clear()

        for child in nodes:
            if isinstance(child, Node) and (child.tag in _BLOCKS or child.tag in _SKIPPED):
                flush()
                block = self.block(child)
                if block:
                    out.append(block)
            else:
                run.append(child)
        flush()
        return "\n\n".join(out)

    def block(self, node: Node) -> str:
        tag = node.tag
        classes = node.classes
        if tag in _SKIPPED or "screen-only" in classes:
            return ""
        if tag in _HEADINGS:
            level = self.levels.get(id(node), int(tag[1]))
            return f"#heading(level: {level})[{self.inline(node.children)}]"
        if tag == "p":
            return f"#par[{self.inline(node.children).strip()}]"
        if tag in ("ul", "ol"):
            items = [c for c in node.children if isinstance(c, Node) and c.tag == "li"]
            kind = "list" if tag == "ul" else "enum"
            inner = ", ".join(f"[{self.blocks(li.children)}]" for li in items)
            return f"#{kind}({inner})" if items else ""
        if tag == "dl":
            return self.definitions(node)
        if tag == "table":
            return self.table(node)
        if tag == "figure":
            return self.figure(node)
        if tag == "pre":
            return f"#raw(block: true, {string_literal(_visible(node.text().strip(chr(10))))})"
        if tag == "blockquote":
            return f"#quote(block: true)[{self.blocks(node.children)}]"
        if tag == "hr":
            return "#line(length: 100%, stroke: 0.5pt + rule)"
        if "table-notes" in classes:
            return f"#block(above: 0.4em)[#set text(size: 0.85em)\n{self.blocks(node.children)}]"
        if tag in _PLAIN_BLOCK or tag in ("li", "dd", "dt", "figcaption", "caption"):
            return self.blocks(node.children)
        self.unknown.setdefault(tag)
        return self.blocks(node.children)

    def definitions(self, node: Node) -> str:
        cells = []
        for child in node.children:
            if isinstance(child, Node) and child.tag == "dt":
                cells.append(f"[#strong[{self.inline(child.children).strip()}]]")
            elif isinstance(child, Node) and child.tag == "dd":
                size = "#set text(size: 0.9em)\n" if "designation" in child.classes else ""
                cells.append(f"[{size}{self.blocks(child.children)}]")
        if len(cells) % 2:
            cells.append("[]")
        grid = "columns: (9.5em, 1fr), column-gutter: 1em, row-gutter: 0.6em"
        return f"#grid({grid}, {', '.join(cells)})"

    def figure(self, node: Node) -> str:
        images = list(node.find_all("img"))
        captions = [c for c in node.children if isinstance(c, Node) and c.tag == "figcaption"]
        if not images:
            return self.blocks(node.children)
        body = " ".join(self.image(img) for img in images)
        caption = f", caption: [{self.inline(captions[0].children).strip()}]" if captions else ""
        return f"#figure({body.removeprefix('#')}{caption})" if len(images) == 1 else body

    def table(self, node: Node) -> str:
        table_id = node.attrs.get("id", "")
        caption = next(
            (c for c in node.children if isinstance(c, Node) and c.tag == "caption"), None
        )
        head_rows: list[Node] = []
        body_rows: list[Node] = []
        for child in node.children:
            if not isinstance(child, Node):
                continue
            if child.tag == "thead":
                head_rows += [r for r in child.children if isinstance(r, Node) and r.tag == "tr"]
            elif child.tag in ("tbody", "tfoot"):
                body_rows += [r for r in child.children if isinstance(r, Node) and r.tag == "tr"]
            elif child.tag == "tr":
                body_rows.append(child)
        if (
            not head_rows
            and body_rows
            and all(isinstance(c, str) or c.tag == "th" for c in body_rows[0].children)
        ):
            head_rows, body_rows = body_rows[:1], body_rows[1:]
        grid = _grid(head_rows + body_rows)
        n_cols = max((col + _span(c, "colspan") for row in grid for c, col in row), default=0)
        if n_cols == 0:
            return ""

        def row_cells(placed: list[tuple[Node, int]], header: bool = False) -> list[str]:
            cells = []
            for cell, col in placed:
                align = self.alignments.of(table_id, cell, col)
                content = self.blocks(cell.children)
                if header or cell.tag == "th":
                    content = f'#text(weight: "bold")[{content}]'
                span, rows = _span(cell, "colspan"), _span(cell, "rowspan")
                extra = (f", colspan: {span}" if span > 1 else "") + (
                    f", rowspan: {rows}" if rows > 1 else ""
                )
                cells.append(f"table.cell(align: {align}{extra})[{content}]")
            return cells

        parts = [f"columns: {_column_widths(head_rows + body_rows, n_cols, grid)}"]
        if head_rows:
            header = [c for r in grid[: len(head_rows)] for c in row_cells(r, header=True)]
            parts.append(f"table.header({', '.join(header)})")
        parts += [c for r in grid[len(head_rows) :] for c in row_cells(r)]
        # A short table is kept whole on one page; a longer one breaks between rows, its
        # header row repeated (as the print stylesheet asks).
        whole = "true" if len(body_rows) <= _WHOLE_TABLE_ROWS else "false"
        body = (
            f"#report-table(header-rows: {len(head_rows)}, whole: {whole})[#table(\n  "
            + ",\n  ".join(parts)
            + ")]"
        )
        if caption is not None and caption.text().strip():
            return f"#table-caption[{self.inline(caption.children).strip()}]\n{body}"
        return body


# A table of at most this many body rows is kept on one page (report.css: break-inside: avoid).
_WHOLE_TABLE_ROWS = 12
# The table's line: A4 less the side margins (17 mm each), in points; the tables' text size
# and a cell's side padding (0.35 em each side).
_LINE_PT = (210 - 2 * 17) / 25.4 * 72
_TABLE_PT = 8.5
_PAD_PT = 0.7 * _TABLE_PT
# A long cell counts for at most this many characters when the spare width is shared out.
_LONGEST_CAP = 80


@functools.cache
def _advances(bold: bool) -> Callable[[str], float]:
    """Width in em of a character of DejaVu Sans (bold or regular): the font's own advance.

    The metrics are matplotlib's copy of the font the PDF sets its text in (the same
    widths); a character the font lacks counts as 1 em.
    """
    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(
        font_manager.FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal")
    )
    font = ft2font.FT2Font(path)
    font.set_size(1000, 72)

    @functools.cache
    def advance(ch: str) -> float:
        if not font.get_char_index(ord(ch)):
            return 1.0
        return float(font.load_char(ord(ch)).horiAdvance) / 64 / 1000

    return advance


def _width_pt(text: str, bold: bool) -> float:
    """Width of ``text`` in points in the tables' font (no kerning: never less than set)."""
    advance = _advances(bold)
    return sum(advance(ch) for ch in text) * _TABLE_PT


def _pieces(node: Node | str, breakable: bool = False) -> list[str]:
    """Return the pieces of a cell's text that a line cannot break inside (as the PDF sets them).

    Plain text breaks at spaces and after a hyphen or slash before a letter; the text of a
    link, an address or a long run marked ``sinstats-break`` also between the pieces of
    :func:`_breakable_pieces`.
    """
    if isinstance(node, str):
        words = node.split()
        if breakable:
            return [p for w in words for p in _breakable_pieces(w)]
        return [p for w in words for p in _BREAK_AFTER.split(w) if p]
    inside = breakable or node.tag == "a" or bool(node.classes & {"url", "sinstats-break", "hash"})
    return [p for child in node.children for p in _pieces(child, inside)]


def _span(cell: Node, attr: str) -> int:
    """Read a cell's ``colspan`` or ``rowspan`` as HTML reads it.

    A missing, unreadable or zero value is 1 (HTML's ``rowspan="0"``, to the end of the row
    group, is read as 1 here: the reports never write it), and a value is capped at HTML's
    limits, 1,000 columns and 65,534 rows.
    """
    value = (cell.attrs.get(attr) or "").strip()
    if not value.isdigit():
        return 1
    return min(max(int(value), 1), 1_000 if attr == "colspan" else 65_534)


def _grid(rows: list[Node]) -> list[list[tuple[Node, int]]]:
    """Each row's cells with the column each starts in, as HTML's table model places them.

    A cell starts in the first column of its row not yet taken by a cell above it whose
    ``rowspan`` reaches this row (HTML Living Standard, "forming a table"), so a cell below a
    tall one is counted in its own column, not in the tall cell's.
    """
    taken: dict[int, int] = {}  # column -> rows it is still taken for, below the current row
    grid: list[list[tuple[Node, int]]] = []
    for row in rows:
        placed: list[tuple[Node, int]] = []
        col = 0
        for cell in row.children:
            if not isinstance(cell, Node) or cell.tag not in ("th", "td"):
                continue
            while taken.get(col, 0) > 0:
                col += 1
            span, down = _span(cell, "colspan"), _span(cell, "rowspan")
            placed.append((cell, col))
            for c in range(col, col + span):
                taken[c] = max(taken.get(c, 0), down)
            col += span
        grid.append(placed)
        taken = {c: left - 1 for c, left in taken.items() if left > 1}
    return grid


def _column_widths(
    rows: list[Node], n_cols: int, grid: list[list[tuple[Node, int]]] | None = None
) -> str:
    """Typst ``columns`` for a table: its columns' shares of the line, as a browser sets them.

    Each column's narrowest width is its longest unbreakable piece of text (a word; the part of
    an id between hyphens; a chunk of a hash) and its widest the longest cell on one line
    (counted up to :data:`_LONGEST_CAP` characters). A table whose widest widths fit takes
    them; otherwise every column gets its narrowest width and the rest of the line is shared
    in proportion to how much wider each would like to be (the automatic table layout of CSS
    2.1, section 17.5.2.2, with the font's character widths). The widths are written as
    fractions of the line, so the table spans the page and no header or word is cut.
    """
    widest = [0.0] * n_cols
    narrowest = [0.0] * n_cols
    for row, placed in zip(rows, grid if grid is not None else _grid(rows), strict=True):
        for cell, col in placed:
            if _span(cell, "colspan") == 1 and col < n_cols:
                bold = cell.tag == "th" or row.attrs.get("data-header") == "1"
                text = _SPACE.sub(" ", cell.text()).strip()
                piece = max((_width_pt(p, bold) for p in _pieces(cell)), default=0.0)
                whole = _width_pt(text[:_LONGEST_CAP], bold)
                widest[col] = max(widest[col], whole + _PAD_PT)
                narrowest[col] = max(narrowest[col], piece + _PAD_PT)
    widest = [max(w, n) for w, n in zip(widest, narrowest, strict=True)]
    if sum(widest) <= _LINE_PT:
        return f"{n_cols}"  # natural widths: the table is as wide as its content
    if sum(narrowest) >= _LINE_PT:
        # Even the narrowest widths overflow the line: keep them (the table is wider than the
        # page, as in a browser) rather than cut a word.
        return "(" + ", ".join(f"{n:.1f}pt" for n in narrowest) + ",)"
    spare = _LINE_PT - sum(narrowest)
    wish = sum(w - n for w, n in zip(widest, narrowest, strict=True))
    widths = [n + (w - n) * spare / wish for w, n in zip(widest, narrowest, strict=True)]
    return "(" + ", ".join(f"{max(round(w * 100), 1)}fr" for w in widths) + ",)"


# --------------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------------

_PREAMBLE = """\
// sinstats report, typeset by Typst (sinstats.build.typeset). Generated: do not edit.
#let ink = rgb("#0b0c0c")
#let muted = rgb("#505a5f")
#let rule = rgb("#b1b4b6")
#let accent = rgb("#12436d")
#let mono = ("DejaVu Sans Mono",)
#let doc-title = {title}
#let doc-period = {period}
#set document({document})
#set text(font: ("DejaVu Sans", "Liberation Sans", "Libertinus Serif"), size: 10pt, fill: ink,
  lang: {lang}{region})
#set par(leading: 0.55em, spacing: 0.9em, justify: false)
#set page(paper: "a4", margin: (top: 22mm, bottom: 20mm, left: 17mm, right: 17mm),
  header: context {{ if here().page() > 1 {{ set text(size: 8pt, fill: muted); doc-title;
    h(1fr); doc-period }} }},
  footer: context {{ if here().page() > 1 {{ set text(size: 8pt, fill: muted); align(center)[
    Page #counter(page).display() of #counter(page).final().first()] }} }})
#show heading: set text(fill: ink)
#show heading: set block(above: 1.3em, below: 0.7em, sticky: true)
#show heading.where(level: 1): set text(size: 17pt)
#show heading.where(level: 2): set text(size: 14pt)
#show heading.where(level: 3): set text(size: 12pt)
#show heading.where(level: 4): set text(size: 10.5pt)
#show link: set text(fill: accent)
#show raw: set text(font: mono, size: 1.05em)
#show figure: set block(breakable: true)
#set figure(gap: 0.5em)
#let table-caption(body) = block(sticky: true, above: 1em, below: 0.4em, text(weight: "bold", body))
#let report-table(header-rows: 1, whole: false, body) = {{
  set text(size: 8.5pt, number-type: "lining", number-width: "tabular")
  set par(leading: 0.45em)
  show table: set table(
    inset: (x: 0.35em, y: 0.3em),
    align: top,
    stroke: (x, y) => if y + 1 == header-rows {{ (bottom: 1pt + ink) }}
      else {{ (bottom: 0.5pt + rule) }},
    fill: (x, y) => if y < header-rows {{ rgb("#f3f2f1") }},
  )
  block(above: 0.4em, below: 1em, breakable: not whole, body)
}}
"""


def _meta(head: Node | None) -> dict[str, str]:
    found: dict[str, str] = {}
    if head is None:
        return found
    for meta in head.find_all("meta"):
        name = meta.attrs.get("name")
        if name:
            found[name] = meta.attrs.get("content", "")
    titles = list(head.find_all("title"))
    if titles:
        found["title"] = _SPACE.sub(" ", titles[0].text()).strip()
    return found


_CREATED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?")


def _document_settings(meta: Mapping[str, str]) -> str:
    fields = [f"title: {string_literal(meta.get('title', 'sinstats report'))}"]
    if meta.get("author"):
        fields.append(f"author: {string_literal(meta['author'])}")
    if meta.get("description"):
        fields.append(f"description: {string_literal(meta['description'])}")
    if meta.get("keywords"):
        words = [w.strip() for w in meta["keywords"].split(",") if w.strip()]
        fields.append("keywords: (" + "".join(f"{string_literal(w)}, " for w in words) + ")")
    created = _CREATED.match(meta.get("dcterms.created", ""))
    if created:
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in created.groups())
        fields.append(
            f"date: datetime(year: {y}, month: {mo}, day: {d}, hour: {h}, minute: {mi}, "
            f"second: {s})"
        )
    else:
        fields.append("date: none")
    return ", ".join(fields)


def _title_page(translator: _Translator, header: Node) -> str:
    parts = []
    for child in header.children:
        if not isinstance(child, Node):
            continue
        classes = child.classes
        content = translator.inline(child.children).strip()
        if "series" in classes:
            parts.append(f"#text(size: 8.5pt, fill: muted, tracking: 0.05em, upper[{content}])")
        elif "doc-title" in classes:
            level = translator.levels.get(id(child), 1)
            parts.append(f"#v(60mm)\n#heading(level: {level})[#text(size: 24pt)[{content}]]")
        elif "doc-period" in classes:
            parts.append(f"#text(size: 12pt, fill: muted)[{content}]")
        elif "title-note" in classes:
            parts.append(f"#text(size: 9pt, fill: muted)[{content}]")
        else:
            parts.append(translator.block(child))
    return "\n\n".join(p for p in parts if p) + "\n\n#pagebreak()"


def html_to_typst(document: str) -> TypstSource:
    """Translate a report's HTML into a Typst document.

    Parameters
    ----------
    document : str
        HTML from :func:`sinstats.build.export.notebook_to_html` (its figures pointing at
        files under the run's folder, as :func:`sinstats.build.export.print_figures` leaves
        them).

    Returns
    -------
    TypstSource
        The Typst source and the elements it did not know.

    Notes
    -----
    The page follows the print stylesheet the HTML carries (``report.css``): A4 with margins
    of 22, 17, 20 and 17 mm; the title page (series, title, period, the facts, the note) with
    no header or page number; from page 2 the title and period at the top and "Page n of N"
    at the foot; tables in 8.5 pt with the header row repeated on each page and the columns
    aligned as pandas' Styler asked; the provenance on a page of its own.
    """
    root = parse_html(document)
    html_node = next(root.find_all("html"), None)
    heads = list(root.find_all("head"))
    meta = _meta(heads[0] if heads else None)
    lang = (html_node.attrs.get("lang", "") if html_node else "") or "en"
    language, _, region = lang.partition("-")
    translator = _Translator(root)
    titles = [n for n in root.find_all("h1") if "doc-title" in n.classes]
    periods = [n for n in root.find_all("p") if "doc-period" in n.classes]
    body = next(root.find_all("body"), root)
    out = []
    for child in body.children:
        if isinstance(child, Node) and child.tag == "header" and "title-page" in child.classes:
            out.append(_title_page(translator, child))
        elif isinstance(child, Node) and child.tag == "section" and "provenance" in child.classes:
            out.append(
                "#pagebreak(weak: true)\n#block[#set text(size: 9pt)\n"
                + translator.blocks(child.children)
                + "]"
            )
        elif isinstance(child, Node) or child.strip():
            out.append(translator.blocks([child]))
    preamble = _PREAMBLE.format(
        title=string_literal(_SPACE.sub(" ", titles[0].text()).strip() if titles else ""),
        period=string_literal(_SPACE.sub(" ", periods[0].text()).strip() if periods else ""),
        document=_document_settings(meta),
        lang=string_literal(language.lower()),
        region=f", region: {string_literal(region.upper())}" if region else "",
    )
    source = preamble + "\n" + "\n\n".join(p for p in out if p) + "\n"
    return TypstSource(source=source, unknown=tuple(translator.unknown))


def html_to_pdf(
    document: str, base_dir: Path, target: Path, stages: dict[str, float] | None = None
) -> None:
    """Typeset report HTML as a tagged PDF/UA-1 file with Typst.

    Parameters
    ----------
    document : str
        HTML from :func:`sinstats.build.export.notebook_to_html`; its ``<head>`` gives the
        title, subject (``description``), keywords, language (``lang``) and creation date
        (``dcterms.created``).
    base_dir : Path
        The run's folder: relative image paths are read from under it, and nothing else.
    target : Path
        The PDF to write (written whole, then renamed into place).
    stages : dict, optional
        When given, receives the seconds spent translating (``translate_s``), compiling
        (``render_s``) and writing the file (``write_s``), for ``benchmarks/bench_pdf.py``.

    Raises
    ------
    OutputError
        If Typst cannot typeset the document (its message, naming the report).
    """
    import typst

    t0 = time.perf_counter()
    source = html_to_typst(document).source
    t1 = time.perf_counter()
    try:
        # The stubs tie ``root`` to the type of ``input`` (bytes here); a path is what it takes.
        pdf = typst.compile(  # type: ignore[call-overload]
            source.encode("utf-8"), root=str(base_dir), format="pdf", pdf_standards=["ua-1"]
        )
    except typst.TypstError as exc:
        raise OutputError(f"Typst could not typeset the report: {exc}", path=str(target)) from None
    t2 = time.perf_counter()
    assert isinstance(pdf, bytes)
    with replacing(target) as tmp:
        tmp.write_bytes(pdf)
    if stages is not None:
        stages["translate_s"] = round(t1 - t0, 3)
        stages["render_s"] = round(t2 - t1, 3)
        stages["write_s"] = round(time.perf_counter() - t2, 3)
