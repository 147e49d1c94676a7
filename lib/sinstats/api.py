"""The public API: what a user of the library calls, in one import.

>>> from sinstats import api
>>> api.count("2025-26", "Child death").value
160.0
>>> round(api.poisson_ci(160, 0.95, "exact").lower, 1)
136.2

Everything here is also reachable at its home in the layers (``sinstats.data``,
``sinstats.stats.intervals``, ...); this module only gathers the names a notebook, a script or a
reviewer needs, so that they do not have to know the layout. Importing it loads pandas, SciPy and
statsmodels (about two seconds); ``import sinstats`` alone loads nothing.
"""

from __future__ import annotations

from sinstats.analyses.claims import (
    Claim,
    ClaimResult,
    load_claims,
    loads_claims,
    render,
    verify,
    verify_files,
    verify_table,
)
from sinstats.data import (
    Figure,
    Population,
    count,
    figure,
    latest_period,
    list_datasets,
    load,
    periods,
    population,
    series,
)
from sinstats.errors import (
    ArchiveError,
    BuildLockedError,
    ClaimsError,
    ComponentError,
    ConfigError,
    DataError,
    FetchError,
    NoDataError,
    OutputError,
    ParameterError,
    PeriodError,
    SinstatsError,
)
from sinstats.periods import Period, parse_period
from sinstats.stats.funnel import funnel_limits, funnel_overdispersion, funnel_table
from sinstats.stats.intervals import (
    Interval,
    RateRatio,
    check_conf_level,
    poisson_ci,
    poisson_ci_table,
    proportion_ci,
    proportion_ci_table,
    rate_ci,
    rate_ci_table,
    rate_ratio_ci,
    rate_ratio_ci_table,
    rate_ratio_test,
)
from sinstats.stats.trends import TrendResult, fit_trend, trend_table
from sinstats.stats.uncertainty import (
    Assumptions,
    Observed,
    UncertaintyResult,
    closed_form,
    load_assumptions,
    simulate,
    tornado,
)

__all__ = [
    "ArchiveError",
    "Assumptions",
    "BuildLockedError",
    "Claim",
    "ClaimResult",
    "ClaimsError",
    "ComponentError",
    "ConfigError",
    "DataError",
    "FetchError",
    "Figure",
    "Interval",
    "NoDataError",
    "Observed",
    "OutputError",
    "ParameterError",
    "Period",
    "PeriodError",
    "Population",
    "RateRatio",
    "SinstatsError",
    "TrendResult",
    "UncertaintyResult",
    "check_conf_level",
    "closed_form",
    "count",
    "figure",
    "fit_trend",
    "funnel_limits",
    "funnel_overdispersion",
    "funnel_table",
    "latest_period",
    "list_datasets",
    "load",
    "load_assumptions",
    "load_claims",
    "loads_claims",
    "parse_period",
    "periods",
    "poisson_ci",
    "poisson_ci_table",
    "population",
    "proportion_ci",
    "proportion_ci_table",
    "rate_ci",
    "rate_ci_table",
    "rate_ratio_ci",
    "rate_ratio_ci_table",
    "rate_ratio_test",
    "render",
    "series",
    "simulate",
    "tornado",
    "trend_table",
    "verify",
    "verify_files",
    "verify_table",
]
