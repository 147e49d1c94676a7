"""The analyses layer: what each notebook asks of the library, one module per notebook.

``overview`` (01), ``timeseries`` (02), ``measure`` (03), ``panel`` (04), ``areas`` (05) and
``verification`` (06), plus the claims register and its verifier (:mod:`~sinstats.analyses.claims`).
Imports run one way: base, data, stats and present only.
"""
