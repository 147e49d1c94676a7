"""The statistics layer: intervals, trends, funnel limits and the uncertainty model.

Functions here take numbers and return typed results; they never read files (the assumptions file
reader, :mod:`sinstats.stats.uncertainty.assumptions`, is the one exception, because the model is
defined by it) and never draw. Imports run one way: base and :mod:`sinstats.data` only. The
sub-packages :mod:`~sinstats.stats.intervals` and :mod:`~sinstats.stats.uncertainty` re-export
their public names; private modules hold what the layer shares: :mod:`~sinstats.stats._validation`
(argument checks, including the one confidence-level rule), :mod:`~sinstats._docstrings`
(shared docstring sections) and :mod:`~sinstats.stats._glm` (the trend families).
"""
