"""Notebook 06 for reviewers (issue 16): a reviewer's own claims file, and the register's report.

Acceptance 3: the "almost 400 children" claim gets the misdescription verdict, and notebook 06's
HTML and PDF show the explanation. Acceptance 4: a build on a reviewer's file records that file's
SHA-256 (computed here with hashlib) in its provenance page and its manifest entry. Also: the
sections and tables none of the reviewer's claims touch are left out, and the values are written
as ``sinstats verify`` writes them (the text table of the same file gives the expected strings).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdf
import pytest
import yaml

from sinstats import paths
from sinstats.analyses import claims
from sinstats.build import pipeline, typeset

pytestmark = pytest.mark.slow

NOTEBOOK = "06-verify-published-figures"
MISDESCRIBES = "misdescribes: counts notifications of suspected abuse, not children abused"
URL = "https://www.gov.uk/government/news/expert-panel-calls-for-stronger-child-protection-measures"

REVIEWER_CLAIMS = [
    {
        "id": "review-almost-400",
        "statement": "almost 400 children were seriously abused or neglected in England in 2021",
        "source": "A reviewer's notes",
        "url": URL,
        "published": 400,
        "qualifier": "under",
        "decimals": 0,
        "kind": "count",
        "numerator": {"dataset": "panel_notifications", "period": "2021", "category": "Total"},
        "says": {"counts": "children", "abuse": "proven"},
        "explanation": "The reviewer's note: 379 notifications, not <b>children</b>.",
    },
    {
        "id": "review-fall",
        "statement": "a 21% reduction in notifications compared to 2020",
        "source": "A reviewer's notes",
        "url": URL,
        "published": -21,
        "decimals": 0,
        "kind": "percent_change",
        "numerator": {"dataset": "panel_notifications", "period": "2021", "category": "Total"},
        "denominator": {"dataset": "panel_notifications", "period": "2020", "category": "Total"},
    },
]


def _text(pdf: Path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(pdf).pages)


def _build(
    out: Path, pin: Callable[[], contextlib.AbstractContextManager[None]], **params: str
) -> tuple[dict[str, Any], Path, Path]:
    with pin():
        result = pipeline.build(
            out_dir=out, notebooks=[NOTEBOOK], parameters=params, jobs=1, progress=False
        )
    assert result.exit_code == 0, [r.get("error") for r in result.runs]
    (run,) = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["runs"]
    folder = out / run["period"] / NOTEBOOK
    stem = f"{NOTEBOOK}-{run['period']}"
    return run, folder / f"{stem}.html", folder / f"{stem}.pdf"


@pytest.fixture(scope="module")
def reviewer(
    tmp_path_factory: pytest.TempPathFactory,
    pin_build_inputs: Callable[[], contextlib.AbstractContextManager[None]],
) -> tuple[dict, Path, Path, Path]:
    root = tmp_path_factory.mktemp("reviewer")
    claims_file = root / "my-claims.yml"
    claims_file.write_text(yaml.safe_dump(REVIEWER_CLAIMS, sort_keys=False), encoding="utf-8")
    run, page, pdf = _build(root / "reports", pin_build_inputs, claims_file=str(claims_file))
    return run, page, pdf, claims_file


@pytest.fixture(scope="module")
def register_report(
    tmp_path_factory: pytest.TempPathFactory,
    pin_build_inputs: Callable[[], contextlib.AbstractContextManager[None]],
) -> tuple[dict, Path, Path]:
    return _build(tmp_path_factory.mktemp("register") / "reports", pin_build_inputs)


def test_reviewer_file_sha256_in_provenance_page_and_manifest(
    reviewer: tuple[dict, Path, Path, Path],
) -> None:
    run, page, pdf, claims_file = reviewer
    sha = hashlib.sha256(claims_file.read_bytes()).hexdigest()
    register_sha = hashlib.sha256(paths.claims_file().read_bytes()).hexdigest()
    assert run["data_files"][claims_file.resolve().as_posix()] == sha
    assert register_sha not in run["data_files"].values()
    provenance = page.read_text(encoding="utf-8").split("How this report was produced")[-1]
    assert (
        f"Claims verified: the file given as claims_file, {claims_file.resolve().as_posix()}: "
        f'SHA-256 <span class="hash">{sha}</span>'
    ) in provenance
    assert sha in _text(pdf).replace(" ", "") or sha[:32] in _text(pdf)


def test_reviewer_report_leaves_out_what_no_claim_touches(
    reviewer: tuple[dict, Path, Path, Path],
) -> None:
    _, page, pdf, _ = reviewer
    text = _text(pdf)
    assert "150 children died of abuse" not in text.split("Reviewers and journalists")[1][400:]
    assert "Claims that differ or cannot be checked" not in text
    assert "Claims that do not reproduce" not in text
    assert "Of 2 published claims, 2 reproduce" in text
    # Claim text is escaped, never markup (HTML stays text, Markdown links stay text).
    shown = page.read_text(encoding="utf-8")
    assert "&lt;b&gt;children&lt;/b&gt;" in shown and "<b>children</b>" not in shown
    # ... and the PDF engine knows every element of the report (none shown as bare content).
    assert typeset.html_to_typst(shown).unknown == ()


def test_reviewer_report_rounds_as_the_cli(reviewer: tuple[dict, Path, Path, Path]) -> None:
    _, page, pdf, claims_file = reviewer
    table = claims.to_table(claims.verify(claims.load_claims(claims_file)))
    fall = next(line for line in table.splitlines() if line.startswith("review-fall "))
    _, published, recomputed, verdict, lower, _, upper = fall.split()[:7]
    assert (published, recomputed, verdict) == ("-21%", "-21.37%", "reproduces")
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", html.unescape(page.read_text(encoding="utf-8")))
    assert recomputed in cells and f"{lower} to {upper}" in cells
    assert "-21" not in cells  # not rounded to the published places (the old -17 vs -16.54%)
    assert recomputed in _text(pdf)


def test_reviewer_report_shows_the_meaning_verdict_and_explanation(
    reviewer: tuple[dict, Path, Path, Path],
) -> None:
    _, page, pdf, _ = reviewer
    text = _text(pdf)
    assert f"review-almost-400, reproduces, {MISDESCRIBES}" in text
    assert "The reviewer's note: 379 notifications, not <b>children</b>." in text
    assert MISDESCRIBES in html.unescape(page.read_text(encoding="utf-8"))


def test_register_report_shows_the_almost_400_misdescription(
    register_report: tuple[dict, Path, Path],
) -> None:
    _, page, pdf = register_report
    explanation = 'The 379 behind "almost 400" counts notifications (incidents), not children'
    for text in (_text(pdf), " ".join(html.unescape(page.read_text(encoding="utf-8")).split())):
        assert (
            f"panel-2021-almost-400-abused, reproduces, {MISDESCRIBES}" in text.replace("*", "")
            or f"panel-2021-almost-400-abused</strong>, <em>reproduces, {MISDESCRIBES}" in text
        )
        assert explanation in text
        assert "consistent, not a test" in text
        assert "150 children died of abuse" in text
        assert "Claims that differ or cannot be checked" in text


def test_make_verify_says_why_it_exits_1() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "verify"],
        cwd=paths.PROJ_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode != 0
    assert "Exit status 1 (a published figure does not reproduce: swt-2019-20-448;" in done.stdout
    assert "make verify: exit 1 because at least one claim differs from the data" in done.stdout
    done = subprocess.run(
        ["make", "--no-print-directory", "verify-report"],
        cwd=paths.PROJ_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0 and "1 differs" in done.stdout
