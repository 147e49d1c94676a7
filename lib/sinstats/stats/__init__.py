"""The statistics layer: intervals, trends, funnel limits and the uncertainty model.

Functions here take numbers and return typed results; they never read files (the assumptions file
reader is the one exception, :mod:`sinstats.stats.uncertainty`, because the model is defined by
it) and never draw. Imports run one way: base and :mod:`sinstats.data` only.
"""
