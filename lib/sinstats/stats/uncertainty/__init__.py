r"""What a published count does and does not measure: an uncertainty model for SIN figures.

A confidence interval for a Poisson count answers one question: how far would this count move by
chance? The larger doubts about serious incident notifications lie elsewhere. This module puts
an interval on the quantity people actually talk about (for example "deaths caused by
maltreatment or assault") and shows each source of uncertainty separately. Every assumption is
read from ``data/assumptions.yml``, where it carries a source (a URL or the word
``assumption``), a red/amber/green rating and a one-line rationale, so that it can be changed.

The model
---------
For one published figure ``x`` the target quantity is

.. math::

    T = \lambda(X) \times \tau \times \rho \times s \,/\, p

where

* ``X`` is the true count behind the published figure (**rounding**: a figure rounded to the
  nearest 10 lies in ``x-5 .. x+4``; ``"over 150"`` in ``151 .. 150 + over_span``; a suppressed
  cell in its stated range; each value equally likely);
* ``lambda(X)`` is the underlying yearly rate of which ``X`` is one Poisson outcome (**chance**;
  drawn so that its equal-tailed interval is Garwood's exact interval, see
  :func:`garwood_draws`);
* ``tau`` converts notifications *received* in the period into incidents that *happened* in it
  (**timing**) and ``rho`` the first-published figure into the final one (**revision**); both are
  log-normal factors with a stated centre and spread;
* ``s`` is the share of notified incidents that meet the target definition (**definition**; a
  Beta posterior from a published breakdown, allowing for the rounding of its percentages);
* ``p`` is the share of qualifying incidents that are notified at all (**ascertainment**; a Beta
  distribution).

Components are independent, each can be switched off (it then sits at its central value), and
each has its own random stream, so switching one off does not change the others' draws.

Outputs
-------
:func:`simulate` returns the draws, the median and mean, equal-tailed intervals for the total and
for each component alone (others at their central values), and a variance decomposition (on the
count scale with an explicit interaction term, and on the log scale where independent factors
add). :func:`closed_form` gives Garwood's exact interval where chance is the only source of
variation and a log-normal approximation otherwise. :func:`tornado` (drawn by
:func:`sinstats.present.plots.tornado_plot`) shows how the answer moves as each assumption
crosses its plausible range.

Statistical functions here never read data files; :func:`load_assumptions` reads the
configuration file, validating every key before any simulation is done.

The package is split by job; import from here, not from the modules:

* :mod:`~sinstats.stats.uncertainty.observed`: the published figure (:class:`Observed`);
* :mod:`~sinstats.stats.uncertainty.components`: the components and their registry;
* :mod:`~sinstats.stats.uncertainty.assumptions`: ``data/assumptions.yml``, targets, settings;
* :mod:`~sinstats.stats.uncertainty.simulation`: sampling, :func:`simulate` and its result;
* :mod:`~sinstats.stats.uncertainty.closed_form`: :func:`closed_form`;
* :mod:`~sinstats.stats.uncertainty.sensitivity`: :func:`tornado`.

References
----------
.. [1] HM Treasury. The Aqua Book: guidance on producing quality analysis for government. 2015.
.. [2] Spiegelhalter D. The Art of Statistics: Learning from Data. Pelican, 2019 (ch. 7 and 12).
.. [3] Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-442.
.. [4] Child Safeguarding Practice Review Panel. Annual Report 2020: patterns in practice, key
   messages and 2021 work programme. 2021.
.. [5] Sidebotham P, Brandon M, Bailey S, et al. Pathways to harm, pathways to protection: a
   triennial analysis of serious case reviews 2011 to 2014. Department for Education, 2016.
.. [6] Manski CF. Partial Identification of Probability Distributions. Springer, 2003.
"""

from __future__ import annotations

from sinstats.stats.uncertainty import shares
from sinstats.stats.uncertainty.assumptions import (
    DEFAULT_CONF_LEVELS,
    DEFAULT_SEED,
    MAX_DRAWS,
    MIN_DRAWS,
    Assumptions,
    SimulationSettings,
    Target,
    load_assumptions,
    switch,
)
from sinstats.stats.uncertainty.closed_form import closed_form
from sinstats.stats.uncertainty.components import (
    ASSUMPTION,
    COMPONENT_KINDS,
    RAG_RATINGS,
    Ascertainment,
    Chance,
    Component,
    Definition,
    Revision,
    Rounding,
    Timing,
)
from sinstats.stats.uncertainty.observed import (
    BASES,
    DATINGS,
    Observed,
    figure_base,
    observed_from_row,
)
from sinstats.stats.uncertainty.registry import KIND_CLASSES
from sinstats.stats.uncertainty.sensitivity import tornado
from sinstats.stats.uncertainty.shares import Base, Breakdown, HierarchicalShare, NarrowMapping
from sinstats.stats.uncertainty.simulation import (
    UncertaintyResult,
    garwood_draws,
    realised_counts,
    simulate,
)

__all__ = [
    "ASSUMPTION",
    "BASES",
    "DATINGS",
    "KIND_CLASSES",
    "COMPONENT_KINDS",
    "DEFAULT_CONF_LEVELS",
    "DEFAULT_SEED",
    "MAX_DRAWS",
    "MIN_DRAWS",
    "RAG_RATINGS",
    "Ascertainment",
    "Assumptions",
    "Base",
    "Breakdown",
    "Chance",
    "Component",
    "Definition",
    "HierarchicalShare",
    "NarrowMapping",
    "Observed",
    "Revision",
    "Rounding",
    "SimulationSettings",
    "Target",
    "Timing",
    "UncertaintyResult",
    "closed_form",
    "figure_base",
    "garwood_draws",
    "load_assumptions",
    "observed_from_row",
    "realised_counts",
    "shares",
    "simulate",
    "switch",
    "tornado",
]
