"""The PDF engine (issue 19): report HTML to Typst, then a tagged PDF/UA-1 file.

Every piece of text reaches Typst as a string literal, so text from data or a claims file is
shown as written and never acts as markup or code (a hostile claims file is the case that
matters: ``#read("/etc/passwd")``, ``]``, ``\\``); headings keep their order without skipping a
level (PDF/UA-1 requires it); pandas' column alignments are read from its CSS; the metadata
comes from the HTML's head; the same document gives the same bytes; a document Typst cannot
typeset is an ``OutputError`` naming the PDF, and the previous PDF is kept.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinstats.build import typeset
from sinstats.errors import OutputError
from sinstats.present import outputs

HEAD = (
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>T: 2025-26</title>'
    '<meta name="description" content="Subject line"><meta name="author" content="sinstats">'
    '<meta name="keywords" content="serious incident notifications, England">'
    '<meta name="dcterms.created" content="2026-03-31T12:00:00Z"></head><body>'
)
TITLE_PAGE = (
    '<header class="title-page"><p class="series">Series</p><h1 class="doc-title">Title</h1>'
    '<p class="doc-period">2025-26</p><dl class="facts"><dt>Release</dt><dd>DfE</dd></dl>'
    '<p class="title-note">Note</p></header>'
)


def _document(body: str) -> str:
    return f"{HEAD}{TITLE_PAGE}<main>{body}</main></body></html>"


def _pdf(tmp_path: Path, body: str, name: str = "r.pdf") -> pypdf.PdfReader:
    target = tmp_path / name
    typeset.html_to_pdf(_document(body), tmp_path, target)
    return pypdf.PdfReader(target)


def _words(reader: pypdf.PdfReader) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


HOSTILE = (
    '#read("/etc/passwd") #import "x.typ": * ] [ \\ " *bold* _em_ $x^2$ <label> @ref '
    "// comment /* open = heading - item + item / term: ~ ` ' -- ... #{1 + 1}"
)


def test_hostile_text_is_shown_as_written_and_never_run(tmp_path: Path) -> None:
    reader = _pdf(tmp_path, f"<p>{html.escape(HOSTILE)}</p><p>after</p>")
    text = _words(reader)
    assert " ".join(HOSTILE.split()) in text
    assert "after" in text and "root:" not in text


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_any_printable_text_comes_back_from_the_pdf(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("any")
    reader = _pdf(folder, f"<p>start {html.escape(text)} end</p>")
    got = re.sub(r"\s+", "", _words(reader))
    assert f"start{text}end" in got


def test_string_literals_escape_quotes_backslashes_and_controls() -> None:
    assert typeset.string_literal('a"b\\c\nd') == '"a\\"b\\\\c\\u{a}d"'


def test_headings_never_skip_a_level_and_keep_their_order() -> None:
    root = typeset.parse_html("<h1>a</h1><h3>b</h3><h4>c</h4><h2>d</h2><h3>e</h3><h5>f</h5>")
    levels = typeset._heading_levels(root)
    order = [levels[id(n)] for tag in ("h1",) for n in root.find_all(tag)]
    got = [levels[id(c)] for c in root.children if isinstance(c, typeset.Node)]
    assert order == [1]
    assert got == [1, 2, 3, 2, 3, 4]


def test_the_pdf_is_tagged_with_the_heads_metadata_and_page_numbers(tmp_path: Path) -> None:
    reader = _pdf(tmp_path, "<h2>Section</h2><p>Body</p>")
    meta = reader.metadata
    assert meta is not None and meta.title == "T: 2025-26" and meta.subject == "Subject line"
    assert str(meta["/CreationDate"]).startswith("D:20260331120000")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and root["/MarkInfo"]["/Marked"]
    assert len(reader.pages) == 2  # the title page, then the body
    first, second = (p.extract_text() for p in reader.pages)
    assert "Title" in first and "Page" not in first  # no header or number on the title page
    assert "Page 2 of 2" in second and "Title" in second and "2025-26" in second


def test_the_same_document_gives_the_same_bytes(tmp_path: Path) -> None:
    body = outputs.table_html(pd.DataFrame({"a": ["x", "y"], "b": [1.5, 2.25]}), "Cap", "t")
    _pdf(tmp_path, body, "one.pdf")
    _pdf(tmp_path, body, "two.pdf")
    assert (tmp_path / "one.pdf").read_bytes() == (tmp_path / "two.pdf").read_bytes()


def test_styler_alignments_are_read_and_the_header_repeats() -> None:
    frame = pd.DataFrame({"Name": ["a", "b"], "Count": [1, 2]})
    source = typeset.html_to_typst(_document(outputs.table_html(frame, "Cap", "t"))).source
    assert "table.header(" in source
    cells = re.findall(r"table\.cell\(align: (\w+)\)", source)
    assert cells == ["left", "right", "left", "right", "left", "right"]


def test_unknown_elements_keep_their_text_and_are_reported() -> None:
    result = typeset.html_to_typst(_document("<p>x <blink>shown</blink></p><marquee>m</marquee>"))
    assert result.unknown == ("blink", "marquee")
    assert '"shown"' in result.source and '"m"' in result.source
    known = typeset.html_to_typst(_document("<p><strong>a</strong> <em>b</em> <code>c</code></p>"))
    assert known.unknown == ()


def test_only_web_links_are_links_and_only_the_runs_files_are_read(tmp_path: Path) -> None:
    body = (
        '<p><a href="javascript:alert(1)">js</a> <a href="../x.html">rel</a> '
        '<a href="https://example.org/a">web</a></p>'
        '<figure><img src="/etc/passwd" alt="outside"></figure>'
        '<figure><img src="data:image/png;base64,AAAA" alt="inline"></figure>'
    )
    result = typeset.html_to_typst(_document(body))
    assert result.source.count("#link(") == 1 and '#link("https://example.org/a")' in result.source
    assert "javascript" not in result.source and "/etc/passwd" not in result.source
    assert len(result.unknown) == 2  # the two images, shown as their alt text
    text = _words(_pdf(tmp_path, body))
    assert "[outside]" in text and "[inline]" in text


def test_a_document_typst_cannot_set_fails_and_keeps_the_previous_pdf(tmp_path: Path) -> None:
    target = tmp_path / "r.pdf"
    target.write_bytes(b"previous")
    bad = _document('<figure><img src="figures/missing.svg" alt="a chart"></figure>')
    with pytest.raises(OutputError) as err:
        typeset.html_to_pdf(bad, tmp_path, target)
    assert err.value.path == str(target) and "missing.svg" in str(err.value)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.pdf"]  # nothing half-written


def test_a_figure_is_an_image_with_its_alt_text(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "c.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" '
        'height="5"/></svg>',
        encoding="utf-8",
    )
    alt = "A &quot;chart&quot; \\"  # the alt text: A "chart" \\
    body = f'<figure class="sinstats-figure"><img src="figures/c.svg" alt="{alt}"></figure>'
    source = typeset.html_to_typst(_document(body)).source
    assert '#figure(image("figures/c.svg", alt: "A \\"chart\\" \\\\", width: 100%))' in source
    typeset.html_to_pdf(_document(body), tmp_path, tmp_path / "f.pdf")
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")


def test_every_element_it_knows_is_typeset_with_its_text(tmp_path: Path) -> None:
    body = (
        "<p>a<wbr>b(c) one<br>two x<sup>2</sup> y<sub>i</sub> <code>x#y</code> <b>bold</b> "
        "<i>it</i> <span>plain</span> <span class='url'>https://example.org/a/b</span></p>"
        "<ol><li>first</li><li><p>second</p><ul><li>nested</li></ul></li></ol>"
        "<pre>line 1\n  line 2</pre><blockquote><p>quoted</p></blockquote><hr>"
        "<dl><dt>Term</dt><dd>Definition</dd><dt>Odd</dt></dl>"
        "<table><tr><th>H</th><th>K</th></tr><tr><td colspan='2'>both</td></tr></table>"
        "<div class='table-notes'><p>Note: small</p></div><h4>Deep</h4>"
    )
    result = typeset.html_to_typst(_document(body))
    assert result.unknown == ()
    text = _words(_pdf(tmp_path, body))
    for expected in (
        "ab(c) one",
        "two x",
        "x#y",
        "bold",
        "it plain",
        "https://example.org/a/b",
        "first",
        "second",
        "nested",
        "line 1",
        "line 2",
        "quoted",
        "Term",
        "Definition",
        "Odd",
        "both",
        "Note: small",
        "Deep",
    ):
        assert expected in text, (expected, text)


def test_a_zero_width_space_is_a_break_that_adds_no_character(tmp_path: Path) -> None:
    # Typst shapes a zero-width space into the glyph before it, and the PDF's text map then
    # gives that glyph the space everywhere ("a" read "a\u200b" in every word). sinstats.build.
    # links puts such spaces into long addresses, so the engine turns each into an empty box:
    # the line still breaks there, and the text read back has no invisible character.
    run = "x" * 60 + "\u200b" + "y" * 60  # too long for one line, breakable only in the middle
    body = f"<p>{run} plain small</p><p>soft\u00adhyphen <code>c\u200bode</code></p>"
    reader = _pdf(tmp_path, body)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "\u200b" not in text and "\u00ad" not in text
    lines = text.splitlines()
    assert "x" * 60 in lines and any(line.startswith("y" * 60) for line in lines)
    assert "plain small" in text and "softhyphen" in text and "code" in text


def test_a_cell_below_a_tall_cell_is_placed_and_sized_in_its_own_column() -> None:
    # Row 1's first cell spans two rows, so row 2's only cell is in the second column (HTML's
    # table model): it is aligned as a second column is (right, not left as a first column)
    # and its long text widens the second column, not the first.
    word = " ".join(["W" * 10] * 10)
    html_table = (
        "<table><tr><th>Key</th><th>Value</th></tr>"
        "<tr><td rowspan='2'>k</td><td>1</td></tr>"
        f"<tr><td>{word}</td></tr></table>"
    )
    source = typeset.html_to_typst(_document(html_table)).source
    cells = re.findall(r"table\.cell\(align: (\w+)(?:, rowspan: (\d))?\)", source)
    assert cells == [("left", ""), ("right", ""), ("left", "2"), ("right", ""), ("right", "")]
    rows = list(typeset.parse_html(html_table).find_all("tr"))
    grid = typeset._grid(rows)
    assert [[col for _, col in row] for row in grid] == [[0, 1], [0, 1], [1]]
    widths = typeset._column_widths(rows, 2)
    assert widths.endswith("fr,)")  # the long text overflows natural widths: shares of the line
    first, second = (float(w.removesuffix("fr")) for w in widths.strip("(,)").split(", "))
    assert second > first
    # The same table with the tall cell's rowspan ignored would put the word in column 1.
    flat = typeset._column_widths(
        list(typeset.parse_html(html_table.replace(" rowspan='2'", "")).find_all("tr")), 2
    )
    assert flat != widths


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 1), ("", 1), ("x", 1), ("0", 1), ("3", 3), ("99999", 1_000)]
)
def test_a_colspan_is_read_as_html_reads_it(value: str | None, expected: int) -> None:
    attrs = "" if value is None else f" colspan='{value}'"
    cell = next(typeset.parse_html(f"<table><tr><td{attrs}>x</td></tr></table>").find_all("td"))
    assert typeset._span(cell, "colspan") == expected
