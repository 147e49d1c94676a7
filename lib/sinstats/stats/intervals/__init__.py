"""Confidence intervals for counts, rates, proportions and rate ratios.

Every public function accepts scalars or array-likes (broadcast against each other), validates
its inputs (a :class:`~sinstats.errors.ParameterError`, which is a ``ValueError``, naming the
argument and the offending value) and returns floats for scalar input and numpy arrays for array
input. Methods are chosen by name from a module-level registry (:data:`POISSON_METHODS`,
:data:`PROPORTION_METHODS`, :data:`RATE_RATIO_METHODS`); an unknown name raises
``ParameterError`` listing the valid ones. Names are matched exactly: no prefixes, no case
folding.

The ``*_table`` functions return a :class:`pandas.DataFrame` with one row per input and the
columns ``method`` (the method actually used on that row), ``method_requested``, ``conf_level``
and ``note``, so that a reader can see, for example, where PHE's rule switched from the exact
method to Byar's approximation. Each takes exactly its interval function's arguments: it is made
from that function and a description of its rows by ``_common.table_of``.

Defaults follow the project's verification rules: exact (Garwood) intervals for counts and rates,
Wilson intervals for shares, and the exact conditional (binomial) method for rate ratios, which
is what R's ``poisson.test`` does. ``docs/methods.md`` gives the formulas and the coverage study
(``benchmarks/coverage_study.md``) behind these choices.

The package is split by what is estimated; import from here, not from the modules:

* :mod:`~sinstats.stats.intervals.poisson`: counts and rates;
* :mod:`~sinstats.stats.intervals.proportion`: shares;
* :mod:`~sinstats.stats.intervals.rate_ratio`: conditional binomial intervals and tests for the
  ratio of two counts.
"""

from __future__ import annotations

from sinstats.stats._validation import check_conf_level
from sinstats.stats.intervals._common import Interval, RateRatio
from sinstats.stats.intervals.poisson import (
    PHE_BYAR_FROM,
    POISSON_METHODS,
    PoissonMethod,
    poisson_ci,
    poisson_ci_table,
    rate_ci,
    rate_ci_table,
)
from sinstats.stats.intervals.proportion import (
    MAX_CASES,
    PROPORTION_METHODS,
    ProportionMethod,
    proportion_ci,
    proportion_ci_table,
)
from sinstats.stats.intervals.rate_ratio import (
    ALTERNATIVES,
    RATE_RATIO_METHODS,
    RATE_RATIO_TESTS,
    BinomialCIMethod,
    BinomialTest,
    rate_ratio_ci,
    rate_ratio_ci_table,
    rate_ratio_test,
)

# Grouped by module (results and the shared check first), not alphabetically.
__all__ = [
    "Interval",
    "RateRatio",
    "check_conf_level",
    "PHE_BYAR_FROM",
    "POISSON_METHODS",
    "PoissonMethod",
    "poisson_ci",
    "poisson_ci_table",
    "rate_ci",
    "rate_ci_table",
    "MAX_CASES",
    "PROPORTION_METHODS",
    "ProportionMethod",
    "proportion_ci",
    "proportion_ci_table",
    "ALTERNATIVES",
    "RATE_RATIO_METHODS",
    "RATE_RATIO_TESTS",
    "BinomialCIMethod",
    "BinomialTest",
    "rate_ratio_ci",
    "rate_ratio_ci_table",
    "rate_ratio_test",
]
