"""Known releases, their labels, pages and download URLs; ``sinstats fetch --list``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sinstats import cli
from sinstats.data import official, releases
from sinstats.errors import ParameterError


def test_known_releases_and_url_template(release_files: Callable[[str], dict[str, str]]) -> None:
    # Oldest first, and every known release has a fixture in its era's layout.
    slugs = list(releases.KNOWN_RELEASES)
    assert slugs == sorted(slugs, key=official.release_sort_key)
    assert all(any(e.startswith("data/") for e in release_files(slug)) for slug in slugs)
    url = releases.release_url("2026")
    assert url == (
        "https://content.explore-education-statistics.service.gov.uk/api/releases/"
        "dcae45e2-138e-4cbf-3e31-08de9f91561e/files?fromPage=ReleaseDownloads"
    )
    assert releases.KNOWN_RELEASES["2025"].url and "a1cb5e60" in releases.KNOWN_RELEASES["2025"].url
    with pytest.raises(releases.FetchError, match=r"--source URL.*--source FILE.zip"):
        releases.release_url("2024")
    with pytest.raises(releases.FetchError, match="not known"):
        releases.release_url("2027")
    with pytest.raises(ParameterError):
        releases.release_url("../../etc")


def test_release_labels_and_pages() -> None:
    assert releases.release_label("2026") == "Reporting year 2026"
    assert releases.release_label("2027") == "release 2027"
    known = releases.KNOWN_RELEASES["2024"]
    assert known.url is None and known.page == official.release_page("2024")
    assert releases.check_release(" 2026 ") == "2026"
    with pytest.raises(ParameterError, match="release slug"):
        releases.check_release("latest")


def test_fetch_list(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["fetch", "--list", "--data-dir", str(work)]) == 0
    out = capsys.readouterr().out
    for slug in releases.KNOWN_RELEASES:
        assert slug in out
    assert "installed" in out and "URL not known: use --source" in out
