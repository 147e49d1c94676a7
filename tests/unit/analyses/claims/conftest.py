"""Fixtures shared by the tests of the claims register and verifier (sinstats.analyses.claims)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sinstats import cli
from sinstats.analyses import claims

# A valid claim to build user files and hostile variants from.
BASE: dict[str, Any] = {
    "id": "user-claim",
    "statement": "379 serious incident notifications in 2021",
    "source": "a user's notes",
    "url": "https://example.org/source",
    "published": 379,
    "decimals": 0,
    "kind": "count",
    "numerator": {"dataset": "panel_notifications", "period": "2021", "category": "Total"},
}

ClaimFactory = Callable[..., dict[str, Any]]
Writer = Callable[..., Path]
Runner = Callable[[list[str]], tuple[int, str, str]]


def _claim(**changes: Any) -> dict[str, Any]:
    """Return a copy of BASE with fields changed (a value of None drops the field)."""
    out = json.loads(json.dumps(BASE))
    changes = json.loads(json.dumps(changes))  # no shared objects (YAML would anchor them)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    assert isinstance(out, dict)
    return out


@pytest.fixture(scope="session")
def make_claim() -> ClaimFactory:
    """Build a claim entry from the valid BASE: ``make_claim(id="x", kind="share")``."""
    return _claim


@pytest.fixture
def write_claims(tmp_path: Path) -> Writer:
    """Write YAML text, or a structure dumped as YAML, to a claims file in ``tmp_path``."""

    def write(content: object, name: str = "claims.yml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Runner:
    """Run ``sinstats ARGS``; return the exit status, stdout and stderr."""

    def run(args: list[str]) -> tuple[int, str, str]:
        code = cli.main(args)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="session")
def results() -> list[claims.ClaimResult]:
    """The project's register, verified once for the whole session."""
    return claims.verify_files()


@pytest.fixture(scope="session")
def by_id(results: list[claims.ClaimResult]) -> dict[str, claims.ClaimResult]:
    """The register's results by claim id."""
    return {r.claim.id: r for r in results}


USER_FILE = """\
# A reviewer's own claims, written outside the project.
- id: my-count
  statement: "379 notifications in 2021"
  source: "my review"
  url: https://example.org/review
  published: 379
  decimals: 0
  kind: count
  numerator: {dataset: panel_notifications, period: 2021, category: Total}

- id: my-ratio
  statement: "514 children in 482 notifications, 1.07 children per notification"
  source: "my review"
  url: https://example.org/review
  published: 1.07
  decimals: 2
  kind: ratio
  numerator: {dataset: panel_notifications, period: "2020", measure: number_children}
  denominator: {dataset: panel_notifications, period: "2020", category: Total}

- id: my-rate
  statement: "2.9 notifications per 100,000 children in 2025-26"
  source: "my review"
  url: https://example.org/review
  published: 2.9
  decimals: 1
  kind: rate
  numerator: {dataset: sin_national, period: "2026", category: Total}
  denominator: {population: England}

- id: my-rate-explicit
  statement: "3.2 notifications per 100,000 children in calendar 2021"
  source: "my review"
  url: https://example.org/review
  published: 3.2
  decimals: 1
  kind: rate
  numerator: {dataset: panel_notifications, period: "2021", category: Total}
  denominator: {dataset: population_0_17, period: "2021", category: Children aged 0 to 17 years}
"""


@pytest.fixture
def user_claims_file(tmp_path: Path) -> Path:
    """A reviewer's own claims file (a count, a ratio and two rates), outside the project."""
    folder = tmp_path / "elsewhere" / "review"
    folder.mkdir(parents=True)
    path = folder / "mine.yaml"
    path.write_text(USER_FILE, encoding="utf-8")
    return path
