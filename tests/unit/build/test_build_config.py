"""sinstats.build.config: a valid reports.yml and the values each key accepts.

The refusals, each naming the file and the key, are checked end to end in
``tests/e2e/test_build.py`` (``test_malformed_reports_yml_names_file_and_key``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sinstats.build.config import BuildConfig, load_config
from sinstats.errors import ConfigError

ConfigFactory = Callable[..., BuildConfig]


def test_a_valid_file(config_factory: ConfigFactory) -> None:
    config = config_factory(
        "version: 1\ntimeout: 30\nyears: ['2025-26', 2025, '2024-25']\n"
        "defaults: {conf_level: 0.9, label: text, flag: true}\nnotebooks:\n"
        "  01-a: {year_specific: true, years: ['2024-25'], timeout: 5, parameters: {n: 2}}\n"
        "  02-b:\n    year_specific: false\n"
    )
    assert config.timeout == 30 and config.first_year.id == "2014-15"
    assert config.years == ("2025-26", "2024-25"), "canonical ids, duplicates dropped"
    assert config.defaults == {"conf_level": 0.9, "label": "text", "flag": True}
    a, b = config.notebooks
    assert (a.name, a.years, a.timeout, a.parameters) == ("01-a", ("2024-25",), 5, {"n": 2})
    assert (b.year_specific, b.years, b.timeout, b.parameters) == (False, None, 30, {})
    assert config.notebook("02-b") is b
    with pytest.raises(KeyError):
        config.notebook("03-c")


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("version: 1\nfirst_year: '2020-21 H1'\nnotebooks: {01-a: {year_specific: true}}\n",
         "first_year", "must be an April-March year such as '2014-15'"),
        ("version: 1\nyears: ['2020-21 H1']\nnotebooks: {01-a: {year_specific: true}}\n",
         "years[0]", "must be an April-March year"),
        ("version: 1\nyears: [true]\nnotebooks: {01-a: {year_specific: true}}\n",
         "years[0]", "each year must be text"),
        ("version: true\nnotebooks: {01-a: {year_specific: true}}\n", "version", "only 1 exists"),
        ("version: 1\nnotebooks: {01-a: [1]}\n", "notebooks.01-a", "must be a mapping with keys"),
        ("version: 1\ndefaults: [1]\nnotebooks: {01-a: {year_specific: true}}\n",
         "defaults", "must be a mapping of parameter: value"),
        ("version: 1\ndefaults: {1x: 2}\nnotebooks: {01-a: {year_specific: true}}\n",
         "defaults.1x", "Python identifiers"),
        ("version: 1\nnotebooks: {01-a: {year_specific: true, timeout: true}}\n",
         "notebooks.01-a.timeout", "above 0"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_kind(
    config_factory: ConfigFactory, text: str, key: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")) as err:
        config_factory(text)
    assert err.value.key == key


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "reports.yml", tmp_path)
    (tmp_path / "reports.yml").write_bytes(b"version: 1\n\xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_config(tmp_path / "reports.yml", tmp_path)
    (tmp_path / "reports.yml").write_text("version: 1\nnotebooks: {x: {}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"notebooks there: \(none in"):
        load_config(tmp_path / "reports.yml", tmp_path)
