"""The PDF's tables (Typst): they span the page, no word is cut, and words and numbers stay whole.

Issue 19: a wide table like notebook 06's register is typeset with the report's own engine
(:func:`sinstats.build.typeset.html_to_pdf`). Its columns are the shares of the A4 line that
:func:`sinstats.build.typeset._column_widths` gives; each column must hold its longest
unbreakable piece of text, measured here with the real glyph widths of the font (matplotlib's
metrics of DejaVu Sans, bold for the header, at the tables' 8.5 pt), not the estimate the
widths were computed with. The PDF's text is then read back: every word and number of a cell
is whole, and the long ids (longer than their column) wrapped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from matplotlib import font_manager
from matplotlib.textpath import TextToPath

from sinstats.build import typeset
from sinstats.present import outputs

LINE_PT = (210 - 2 * 17) / 25.4 * 72  # A4 less the side margins, in points
# A line may end after a hyphen followed by a letter ("P-|value"), never inside a number
# ("-103.7", "2014-15" have no break opportunity) or a word.
AFTER_HYPHEN = re.compile(r"(?<=-)(?=[^\d\s])")
LONG_ID = "ofsted-2015-16-child-deaths-fall-10pc-and-more"
URL = "https://explore-education-statistics.service.gov.uk/find-statistics/serious-incident-notifications"


def _segments(text: str) -> list[str]:
    return [seg for word in text.split() for seg in AFTER_HYPHEN.split(word) if seg]


def _frame(rows: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Claim": [f"{LONG_ID}-{i}" for i in range(rows)],
            "Statement": [
                "New figures show the panel received 482 serious incident notifications which "
                f"occurred in 2020, with 206 of these incidents involving children ({URL})."
            ]
            * rows,
            "Published": ["experimental statistics"] * rows,
            "Recomputed": [f"{1000 + 37.5 * i:,.1f}" for i in range(rows)],
            "Verdict": ["reproduces, misdescribes"] * rows,
            "Interval": ["-103.7 to 1,527.0"] * rows,
            "P-value, series' scatter": ["p = 0.0123"] * rows,
            "P-value, adjusted": ["p = 0.4567"] * rows,
            "Chance alone?": ["within usual movement"] * rows,
        }
    )


def _document(frame: pd.DataFrame) -> str:
    table = outputs.table_html(frame, "Published claims", "claims")
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>t</title></head>'
        f"<body><main>{table}</main></body></html>"
    )


def _width_pt(text: str, bold: bool) -> float:
    font = font_manager.FontProperties(
        family="DejaVu Sans", size=8.5, weight="bold" if bold else "normal"
    )
    width, _, _ = TextToPath().get_text_width_height_descent(text, font, ismath=False)
    return float(width)


def test_every_column_holds_its_longest_unbreakable_piece() -> None:
    frame = _frame()
    root = typeset.parse_html(_document(frame))
    rows = list(root.find_all("tr"))
    spec = typeset._column_widths(rows, len(frame.columns))
    shares = [float(w.removesuffix("fr")) for w in spec.strip("(,)").split(", ")]
    assert len(shares) == len(frame.columns)
    widths = [LINE_PT * s / sum(shares) for s in shares]  # fr columns fill the line
    padding = 0.7 * 8.5
    for row in rows:
        cells = [c for c in row.children if isinstance(c, typeset.Node)]
        for col, cell in enumerate(cells):
            bold = cell.tag == "th"
            for piece in typeset._pieces(cell):
                assert _width_pt(piece, bold) + padding <= widths[col] + 0.05, (piece, col)


def test_a_narrow_table_keeps_its_natural_widths() -> None:
    frame = pd.DataFrame({"Year": ["2024-25", "2025-26"], "Count": [357, 360]})
    rows = list(typeset.parse_html(_document(frame)).find_all("tr"))
    assert typeset._column_widths(rows, 2) == "2"


@pytest.fixture(scope="module")
def pdf_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    out: Path = tmp_path_factory.mktemp("layout") / "table.pdf"
    typeset.html_to_pdf(_document(_frame()), out.parent, out)
    reader = pypdf.PdfReader(out)
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    return "\n".join(page.extract_text() for page in reader.pages)


def test_numbers_and_words_stay_whole_and_long_runs_wrap(pdf_text: str) -> None:
    tokens = {seg for line in pdf_text.splitlines() for seg in _segments(line)}
    frame = _frame()
    for column in frame.columns:
        for value in [column, *frame[column].astype(str)]:
            long_runs = {w for w in value.split() if len(w) >= outputs.LONG_TOKEN}
            for word in _segments(" ".join(w for w in value.split() if w not in long_runs)):
                assert word in tokens, (word, value)
    # The ids are longer than their column: each wrapped rather than widen it.
    lines = pdf_text.splitlines()
    assert not any(f"{LONG_ID}-0" in line for line in lines)
    for piece in ("ofsted-", "2015-16-", "child-", "deaths-", "fall-", "10pc-"):
        assert piece in pdf_text  # the id breaks after its hyphens, its numbers whole
