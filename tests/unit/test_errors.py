"""Error messages say where the problem is: file, line, column or key, then what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from sinstats.errors import ClaimsError, ConfigError, DataError, Problem


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "bad value"),
        ({"path": "a.csv"}, "a.csv: bad value"),
        ({"path": Path("a.csv"), "line": 3}, "a.csv, line 3: bad value"),
        ({"line": 3, "column": "value"}, "line 3, column 'value': bad value"),
        (
            {"path": "a.csv", "line": 3, "column": "value"},
            "a.csv, line 3, column 'value': bad value",
        ),
    ],
)
def test_data_error_places(kwargs: dict[str, object], message: str) -> None:
    err = DataError("bad value", **kwargs)  # type: ignore[arg-type]
    assert str(err) == message and err.reason == "bad value"


def test_config_error_places() -> None:
    assert str(ConfigError("no", path="r.yml", key="jobs")) == "r.yml, key 'jobs': no"
    assert str(ConfigError("no", key="jobs")) == "key 'jobs': no"
    assert str(ConfigError("no")) == "no"


@pytest.mark.parametrize(
    ("problem", "described"),
    [
        (Problem("m"), "m"),
        (Problem("m", line=4), "line 4: m"),
        (Problem("m", index=0, claim="c1"), "claim 'c1' (entry 1): m"),
        (
            Problem("m", index=2, line=9, field="kind"),
            "claim with no valid id (entry 3, line 9), field 'kind': m",
        ),
        (Problem("m", line=4, field=""), "line 4: m"),
    ],
)
def test_problem_describe(problem: Problem, described: str) -> None:
    assert problem.describe() == described


def test_claims_error_lists_every_problem() -> None:
    err = ClaimsError([Problem("a", line=1), Problem("b", line=2)], "c.yml")
    assert str(err) == "c.yml: line 1: a\n(2 problems in all)\nc.yml: line 2: b"
    assert err.path == "c.yml" and err.key is None
