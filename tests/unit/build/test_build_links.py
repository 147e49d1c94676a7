"""sinstats.build.links and sinstats.build.glossary: clickable addresses, the glossary page."""

from __future__ import annotations

from pathlib import Path

from sinstats.build import glossary, links


def test_addresses_and_dois_become_links_outside_existing_links() -> None:
    page = (
        "<head><title>https://in.title</title></head>"
        "<p>Source: https://www.gov.uk/a_b?x=1&amp;y=2, then doi:10.1093/biomet/28.3-4.437.</p>"
        '<p><a href="https://kept.org">https://kept.org</a> <code>https://code.org</code></p>'
        "<td>https://\u200bwww.\u200bex.\u200borg/\u200bpath</td>"
    )
    out = links.link_addresses(page)
    assert "<title>https://in.title</title>" in out
    assert (
        '<a href="https://www.gov.uk/a_b?x=1&amp;y=2">https://www.gov.uk/a_b?x=1&amp;y=2</a>,'
        in out
    )
    assert (
        '<a href="https://doi.org/10.1093/biomet/28.3-4.437">doi:10.1093/biomet/28.3-4.437</a>.'
        in out
    )
    assert out.count("https://kept.org") == 2 and "<code>https://code.org</code>" in out
    # The zero-width spaces stay in the text (for wrapping) and leave the link's target.
    assert '<a href="https://www.ex.org/path">https://\u200bwww.' in out


def test_glossary_page_is_escaped_and_defines_the_terms(tmp_path: Path) -> None:
    page = glossary.write_glossary(tmp_path)
    assert page == tmp_path / "glossary.html"
    text = page.read_text(encoding="utf-8")
    for term in (
        "Notification",
        "Nature",
        "reporting year",
        "Interval",
        "Rate ratio",
        "Overdispersion",
        "RAG rating",
        "Designation",
    ):
        assert term.lower() in text.lower(), term
    assert '<a href="index.html">All reports</a>' in text
    hostile = glossary.glossary_html("**Term.** <script>alert(1)</script>")
    assert "<script>" not in hostile and "&lt;script&gt;" in hostile
    assert glossary.write_glossary(tmp_path, tmp_path / "missing.md") is None
    assert 'href="../../glossary.html"' in glossary.glossary_link("../../glossary.html")
