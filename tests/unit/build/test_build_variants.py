"""sinstats.build.variants: builds with other parameters get their own folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sinstats.build import variants
from sinstats.build.matrix import plan


def test_variant_name_from_the_changed_parameters() -> None:
    assert variants.variant_name({"method": "midp", "conf_level": 0.9}) == (
        "conf_level-0.9_method-midp"
    )
    assert variants.variant_name({"claims_file": "/tmp/my claims.yml"}) == (
        "claims_file-tmp-my-claims.yml"
    )
    assert variants.variant_name({"x": ""}) == "x-empty"


def test_changed_parameters_compare_with_the_same_run_without_p(
    config_factory: Callable[..., Any],
) -> None:
    config = config_factory(
        "version: 1\ndefaults: {conf_level: 0.9}\nnotebooks:\n  01-a: {year_specific: false}\n"
    )
    same = plan(config, parameters={"conf_level": "0.9"})
    other = plan(config, parameters={"conf_level": "0.8"})
    defaults = plan(config)
    assert variants.changed_parameters(same, defaults) == ({same[0].id: {}}, {})
    per_run, union = variants.changed_parameters(other, defaults)
    assert per_run == {other[0].id: {"conf_level": 0.8}} and union == {"conf_level": 0.8}
    assert variants.non_default(other[0], None) == {"conf_level": 0.8}


def test_variants_of_reads_each_variant_manifest_as_input(tmp_path: Path) -> None:
    assert variants.variants_of(tmp_path) == []
    good = tmp_path / "variants" / "conf_level-0.9"
    good.mkdir(parents=True)
    (good / "index.html").write_text("x", encoding="utf-8")
    manifest = {"build": {"non_default": {"conf_level": 0.9}}, "runs": [{}, {}]}
    (good / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    broken = tmp_path / "variants" / "broken"
    broken.mkdir()
    (broken / "index.html").write_text("x", encoding="utf-8")
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "variants" / "no-index").mkdir()
    assert variants.variants_of(tmp_path) == [
        {
            "name": "conf_level-0.9",
            "href": "variants/conf_level-0.9/index.html",
            "parameters": {"conf_level": 0.9},
            "n_reports": 2,
        }
    ]
