"""The public API (sinstats.api) exports what a user of the library calls, from its home layer."""

from __future__ import annotations

import subprocess
import sys

from sinstats import api


def test_every_exported_name_exists_and_is_the_layer_object() -> None:
    from sinstats import data, errors
    from sinstats.analyses import claims
    from sinstats.stats import intervals, trends, uncertainty

    assert sorted(api.__all__) == sorted(set(api.__all__))
    for name in api.__all__:
        assert hasattr(api, name), name
    assert api.load is data.load
    assert api.poisson_ci is intervals.poisson_ci
    assert api.fit_trend is trends.fit_trend
    assert api.simulate is uncertainty.simulate
    assert api.verify is claims.verify
    assert api.ParameterError is errors.ParameterError


def test_api_covers_loading_intervals_trends_uncertainty_and_claims() -> None:
    needed = {"load", "figure", "count", "series", "population", "poisson_ci", "rate_ci",
              "proportion_ci", "rate_ratio_ci", "fit_trend", "load_assumptions", "simulate",
              "verify", "load_claims", "ParameterError", "SinstatsError"}  # fmt: skip
    assert needed <= set(api.__all__)


def test_importing_the_package_loads_nothing_heavy() -> None:
    code = "import sys, sinstats; print(sorted(m for m in ('pandas', 'scipy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
