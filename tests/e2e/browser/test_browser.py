"""Real-browser check (issue 9, point 4): the index and a report open cleanly in Chromium.

Headless Chromium (the ``chromium`` fixture of this folder's ``conftest.py``, driven over its
DevTools pipe) opens ``index.html`` and one HTML report of a fixture build; every link must resolve
to an existing file, every image must load (``naturalWidth > 0``), the console must show no error,
and a screenshot of each page is saved under ``_checks/`` of the reports folder. Skipped, with the
reason printed, when no Chromium binary is installed (``.ci/run`` installs Debian's ``chromium``
when it can).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

import pytest

from sinstats import paths

if TYPE_CHECKING:
    from ..conftest import Project
    from .conftest import Chromium, PageCheck

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _check_links_and_images(check: PageCheck, page: Path) -> None:
    assert check.errors == [], f"console errors on {page}: {check.errors}"
    for href in check.links:
        parts = urlsplit(href)
        if parts.scheme == "https" and parts.netloc:
            continue  # a source's own address, a link (the page loads nothing from elsewhere)
        assert parts.scheme == "file", f"{page}: link leaves the reports folder: {href}"
        target = Path(unquote(parts.path))
        assert target.is_file(), f"{page}: broken link {href}"
    for image in check.images:
        assert image["complete"] and image["naturalWidth"] > 0, f"{page}: image not loaded {image}"
        assert image["alt"], f"{page}: image without alt text {image['src']}"


def test_index_and_a_report_open_cleanly(built_copy: Project, chromium: Chromium) -> None:
    project = built_copy
    checks = project.out / "_checks"
    index = project.out / "index.html"
    result = chromium.check_page(index, checks / "index.png")
    _check_links_and_images(result, index)
    report_links = [h for h in result.links if h.endswith(".html")]
    assert len(report_links) >= 3, result.links
    # The index is a small site: navigation by year (latest first) and by notebook, a glossary.
    years = [h.rsplit("#", 1)[1] for h in result.links if "#p-" in h]
    assert years[:2] == ["p-2025-26", "p-2024-25"], result.links
    assert any(h.endswith("#2024-25-01-fixture-annual") for h in result.links), result.links
    assert (project.out / "glossary.html").as_uri() in result.links
    # A copy of the screenshot where the project keeps its checks (git-ignored; look at it).
    kept = paths.reports_dir() / "_checks" / "index.png"
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(checks / "index.png", kept)

    report = project.out / "2025-26" / "01-fixture-annual" / "01-fixture-annual-2025-26.html"
    assert report.as_uri() in result.links
    page = chromium.check_page(report, checks / "01-fixture-annual-2025-26.png")
    _check_links_and_images(page, report)
    assert len(page.images) == 1, "the report shows its figure"
    assert index.as_uri() in page.links, "the report links back to the index"
    for shot in (checks / "index.png", checks / "01-fixture-annual-2025-26.png"):
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_image_is_caught(built_copy: Project, chromium: Chromium) -> None:
    """The check itself works: a deleted figure shows as an image that did not load."""
    project = built_copy
    run_dir = project.out / "2025-26" / "01-fixture-annual"
    (run_dir / "figures" / "natures.svg").unlink()
    page = chromium.check_page(run_dir / "01-fixture-annual-2025-26.html")
    assert page.images and page.images[0]["naturalWidth"] == 0
    assert page.errors, "a failed load is reported on the console"
