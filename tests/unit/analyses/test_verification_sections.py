"""Notebook 06's sections (sinstats.analyses.verification) on the register and a reviewer's file.

A section that none of the claims touches is ``""`` (the notebook then leaves it out); claim text
is escaped; values are written as ``sinstats verify`` writes them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from sinstats import data
from sinstats.analyses import claims, verification
from sinstats.present import outputs

MISDESCRIBES = "misdescribes: counts notifications of suspected abuse, not children abused"

AMBIGUOUS_CLAIM = {
    "id": "dfe-2021",
    "statement": "536 notifications in 2021 *really*",
    "source": "a reviewer",
    "url": "https://example.org/a",
    "published": 536,
    "decimals": 0,
    "kind": "count",
    "numerator": {"dataset": "sin_national", "period": "2021"},
}


@pytest.fixture
def reviewer_file(tmp_path: Path) -> Path:
    path = tmp_path / "mine.yml"
    path.write_text(yaml.safe_dump([AMBIGUOUS_CLAIM], sort_keys=False), encoding="utf-8")
    return path


def test_register_sections() -> None:
    table = verification.verify()
    meanings = verification.meanings_section(table)
    assert meanings.startswith("## What the figures count")
    assert f"**panel-2021-almost-400-abused**, *reproduces, {MISDESCRIBES}*." in meanings
    assert "consistent, not a test" in meanings
    assert "Figures used: numerator: panel\\_notifications, 2021, January to December 2021" in (
        meanings
    )
    headline = verification.headline_section(table)
    assert headline.startswith('## "150 children died of abuse"') and "lower bound" in headline
    assert verification.differs_section(table).startswith("## Claims that do not reproduce")
    assert verification.warnings_section(table) == ""  # the register states its periods


def test_reviewer_file_leaves_out_untouched_sections(reviewer_file: Path) -> None:
    table = verification.verify(str(reviewer_file))
    assert table.attrs["claims_file"] == str(reviewer_file.resolve())
    assert verification.headline_section(table) == ""
    assert verification.differs_section(table) == ""  # it reproduces
    assert verification.meanings_section(table) == ""  # no explanation, no says
    warnings = verification.warnings_section(table)
    assert warnings.startswith("**Periods that can be read two ways**")
    assert "**dfe-2021**: Ambiguous period: '2021' in sin\\_national" in warnings
    # The file read is recorded with the SHA-256 of its bytes (the build's provenance uses it).
    assert data.files_read()[str(reviewer_file.resolve())] == data.sha256_file(reviewer_file)


def test_register_display_writes_values_as_the_cli() -> None:
    results = claims.verify_files()
    table = verification.verify()
    shown = verification.register_display(table).set_index("Claim")
    for r in results:
        line = next(x for x in claims.to_table([r]).splitlines() if x.startswith(f"{r.claim.id} "))
        # The text table's columns: id, published, recomputed, verdict, interval, chance alone.
        cells = re.split(r"\s{2,}", line)
        assert shown.loc[r.claim.id, "Recomputed"] == cells[2], r.claim.id
        assert shown.loc[r.claim.id, "Interval"] == cells[4], r.claim.id
    assert shown.loc["panel-2021-almost-400-abused", "Verdict"] == "reproduces, misdescribes"
    assert shown.loc["panel-2021-150-children-died", "Verdict"] == (
        "reproduces (not a test), describes"
    )


def test_markdown_from_a_claims_file_stays_text() -> None:
    # Emphasis and table characters escaped here; HTML and links by outputs.inert_markdown,
    # which every section goes through (outputs.say).
    escaped = verification._md("a *b* <i>c</i> [x](y) | `z`")
    assert escaped == "a \\*b\\* <i>c</i> [x](y) \\| \\`z\\`"
    assert outputs.inert_markdown(escaped) == (
        "a \\*b\\* &lt;i&gt;c&lt;/i&gt; \\[x\\](y) \\| \\`z\\`"
    )
