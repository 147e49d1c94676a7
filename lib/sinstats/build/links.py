"""Links in the reports: every web address and DOI in a report's text becomes a link.

The notebooks write sources as text (a table's Source column, a sentence naming a release's
page); :func:`link_addresses` turns each address outside an existing link into one, in the HTML
report and so in the PDF (Typst keeps links). The zero-width spaces that let a long address
wrap in a narrow column stay in the text and are left out of the link's target.
"""

from __future__ import annotations

import html
import re

_TAG = re.compile(r"(<[^>]*>)")
_ADDRESS = re.compile(
    r"(?P<url>https?://[^\s<>\"']+[^\s<>\"'.,;:)\]])|(?P<doi>\bdoi:\s?(?P<id>10\.\d{4,}/[^\s<>\"']+[^\s<>\"'.,;:)\]]))"
)
# Inside these elements text is not linked (already a link, or not shown as text).
_SKIP = ("a", "style", "script", "title", "head", "code", "pre", "textarea")
_ZERO_WIDTH = "\u200b"


def _link(match: re.Match[str]) -> str:
    text = match.group(0)
    if match.group("doi"):
        target = "https://doi.org/" + html.unescape(match.group("id")).replace(_ZERO_WIDTH, "")
    else:
        target = html.unescape(text).replace(_ZERO_WIDTH, "")
    return f'<a href="{html.escape(target, quote=True)}">{text}</a>'


def link_addresses(document: str) -> str:
    """Return ``document`` (HTML) with every web address and DOI in its text as a link.

    Parameters
    ----------
    document : str
        An HTML document or fragment whose text is already escaped.

    Returns
    -------
    str
        The same document; text inside ``a``, ``code``, ``pre``, ``style``, ``script`` and the
        ``head`` is left as it is.

    Examples
    --------
    >>> link_addresses("<p>See https://example.org/a. Or doi:10.1093/biomet/28.3-4.437</p>")
    '<p>See <a href="https://example.org/a">https://example.org/a</a>. Or <a href="https://doi.org/10.1093/biomet/28.3-4.437">doi:10.1093/biomet/28.3-4.437</a></p>'
    >>> link_addresses('<a href="https://x.org">https://x.org</a>')
    '<a href="https://x.org">https://x.org</a>'
    """
    out: list[str] = []
    depth = dict.fromkeys(_SKIP, 0)
    for part in _TAG.split(document):
        if part.startswith("<") and part.endswith(">"):
            name = re.match(r"</?\s*([A-Za-z0-9]+)", part)
            if name and name.group(1).lower() in depth and not part.endswith("/>"):
                key = name.group(1).lower()
                depth[key] = max(0, depth[key] + (-1 if part.startswith("</") else 1))
            out.append(part)
        elif part and not any(depth.values()):
            out.append(_ADDRESS.sub(_link, part))
        else:
            out.append(part)
    return "".join(out)
