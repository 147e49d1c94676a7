"""The presentation layer: words, charts, tables and notebook parameters.

How results are shown to a reader: plain-words sentences (:mod:`~sinstats.present.words`), every
chart (:mod:`~sinstats.present.plots`), the tables and key figures a notebook writes
(:mod:`~sinstats.present.outputs`) and the checks of a notebook's parameters
(:mod:`~sinstats.present.params`). Imports run one way: base, data and stats only.
"""
