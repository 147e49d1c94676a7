"""The interval methods' names, kept apart from the methods: checking a name needs no SciPy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sinstats.present import params
from sinstats.stats import _method_names as names
from sinstats.stats import intervals


@pytest.mark.parametrize(
    ("declared", "registry"),
    [
        (names.POISSON, intervals.POISSON_METHODS),
        (names.PROPORTION, intervals.PROPORTION_METHODS),
        (names.RATE_RATIO, intervals.RATE_RATIO_METHODS),
        (names.RATE_RATIO, intervals.RATE_RATIO_TESTS),
    ],
)
def test_each_registry_has_exactly_its_declared_names_in_order(
    declared: tuple[str, ...], registry: object
) -> None:
    assert tuple(registry) == declared  # type: ignore[call-overload]


def test_the_notebook_parameters_offer_the_registries_names() -> None:
    assert params.METHODS == tuple(intervals.POISSON_METHODS)
    assert params.SHARE_METHODS == tuple(intervals.PROPORTION_METHODS)
    assert params.RATIO_METHODS == tuple(intervals.RATE_RATIO_METHODS)


@pytest.mark.parametrize(
    "methods",
    [
        {"exact": len, "midp": len},  # one missing
        {"exact": len, "midp": len, "score": len, "extra": len},  # one too many
        {"midp": len, "exact": len, "score": len},  # another order
    ],
)
def test_a_registry_that_differs_from_its_names_stops_the_import(
    methods: dict[str, object],
) -> None:
    with pytest.raises(RuntimeError, match="does not match its names"):
        names.registry(names.RATE_RATIO, methods)


def test_a_registry_is_read_only_and_keeps_its_functions() -> None:
    made = names.registry(("a", "b"), {"a": len, "b": abs})
    assert made["a"] is len and made["b"] is abs
    with pytest.raises(TypeError):
        made["a"] = abs  # type: ignore[index]


def test_the_names_and_the_checks_on_them_import_no_scipy() -> None:
    code = (
        "import sys\n"
        "from sinstats.present import params\n"
        "assert params.check_method('exact') == 'exact'\n"
        "assert params.check_share_method('wilson') == 'wilson'\n"
        "assert params.check_ratio_method('score') == 'score'\n"
        "assert params.check_conf_level('0.9') == 0.9\n"
        "print(sorted(m for m in ('scipy', 'statsmodels', 'matplotlib') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
