"""The print stylesheet's tables in WeasyPrint: they fit the page, and words and numbers stay whole.

Issue 19: ``overflow-wrap: anywhere`` on every cell made WeasyPrint's table layout quadratic in
each cell's text and broke numbers and headers mid-word ("439.|9", "Publi|shed"). Now cells wrap
between words and only long runs without spaces (ids, addresses, hashes: marked by
:func:`sinstats.present.outputs.table_html`) and links may break anywhere. A wide table like
notebook 06's register is laid out here with the report's own CSS and checked against the A4
page's content width, computed from the page size and margins (210 mm less 2 x 17 mm).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from sinstats.build import export
from sinstats.present import outputs

weasyprint = pytest.importorskip("weasyprint")

CONTENT_WIDTH_PX = (210 - 2 * 17) / 25.4 * 96  # A4 less the side margins of report.css
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


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def _text(box: Any) -> str:
    from weasyprint.formatting_structure import boxes

    return "".join(b.text for b in _boxes(box) if isinstance(b, boxes.TextBox))


@pytest.fixture(scope="module")
def laid_out() -> list[Any]:
    """The pages of a report-like document holding one wide table."""
    css = export.REPORT_CSS.read_text(encoding="utf-8")
    table = outputs.table_html(_frame(), "Published claims", "claims")
    document = (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>t</title>'
        f"<style>{css}</style></head><body><main>{table}</main></body></html>"
    )
    return list(weasyprint.HTML(string=document).render().pages)


def _tables_and_cells(pages: list[Any]) -> tuple[list[Any], list[Any]]:
    from weasyprint.formatting_structure import boxes

    found = [b for page in pages for b in _boxes(page._page_box)]
    tables = [b for b in found if isinstance(b, boxes.TableBox)]
    cells = [b for b in found if isinstance(b, boxes.TableCellBox)]
    return tables, cells


def _lines(cell: Any) -> list[str]:
    from weasyprint.formatting_structure import boxes

    return [_text(b) for b in _boxes(cell) if isinstance(b, boxes.LineBox)]


def test_a_wide_table_fits_the_page(laid_out: list[Any]) -> None:
    tables, _ = _tables_and_cells(laid_out)
    assert tables
    for page in laid_out:
        assert page._page_box.width == pytest.approx(CONTENT_WIDTH_PX, abs=0.5)
    for table in tables:
        assert table.margin_width() <= CONTENT_WIDTH_PX + 0.5


def test_numbers_and_words_stay_whole_and_long_runs_wrap(laid_out: list[Any]) -> None:
    _, cells = _tables_and_cells(laid_out)
    # A row split over two pages gives a cell one box on each: join their lines (the header,
    # repeated on every page, is read once).
    lines_of: dict[int, list[str]] = {}
    elements = {}
    for cell in cells:
        key = id(cell.element)
        if cell.element.tag != "th" or key not in lines_of:
            lines_of.setdefault(key, []).extend(_lines(cell))
        elements[key] = cell.element
    frame = _frame()
    assert len(elements) == (1 + len(frame)) * len(frame.columns)
    wrapped_ids = 0
    for key, element in elements.items():
        original = "".join(element.itertext())
        words = _segments(original)
        lines = [_segments(line) for line in lines_of[key]]
        pieces = [w for line in lines for w in line]
        long_runs = {w for w in original.split() if len(w) >= outputs.LONG_TOKEN}
        if not long_runs:
            # Every line holds whole words of the cell, numbers such as "1,037.5" and "-103.7"
            # among them: nothing is split.
            assert pieces == words, (original, lines)
        else:
            wrapped_ids += len(lines) > 1
            # The run may break, but every other word and number of the cell stays whole.
            rest = [w for w in original.split() if w not in long_runs]
            rest = [seg for w in rest for seg in _segments(w)]
            assert all(w in pieces for w in rest), (original, lines)
    # The ids and the address are longer than their columns: they wrapped rather than widen them.
    assert wrapped_ids >= len(frame)
