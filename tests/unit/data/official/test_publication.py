"""Release slugs: the period a release covers, its tag, its order, its page."""

from __future__ import annotations

import pytest

from sinstats.data import official, releases
from sinstats.errors import ParameterError


@pytest.mark.parametrize(
    ("slug", "period", "tag"),
    [
        ("2026", "2025-26", "RY2026"),
        ("2024", "2023-24", "RY2024"),
        ("2022-23", "2022-23", "FY2022-23"),
        ("2020-21-part-1-apr-to-sep", "2020-21 H1", "FY2020-21P1"),
    ],
)
def test_release_slugs(slug: str, period: str, tag: str) -> None:
    assert official.release_period(slug).id == period
    assert official.release_tag(slug) == tag


def test_releases_sort_by_period_covered() -> None:
    slugs = ["2026", "2020-21", "2024", "2020-21-part-1-apr-to-sep", "2022-23", "2021-22", "2025"]
    assert sorted(slugs, key=official.release_sort_key) == list(releases.KNOWN_RELEASES)


@pytest.mark.parametrize("slug", ["../2026", "2026/x", "latest", "2022-24", "20266", ""])
def test_bad_release_slug(slug: str) -> None:
    with pytest.raises(ParameterError, match="release slug"):
        official.release_period(slug)
    with pytest.raises(ParameterError, match="release slug"):
        official.release_tag(slug)


def test_release_page() -> None:
    assert official.release_page("2026") == f"{official.PUBLICATION_URL}/2026"
    assert official.release_page("2026") == releases.KNOWN_RELEASES["2026"].page
