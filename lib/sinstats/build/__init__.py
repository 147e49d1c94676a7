"""The build layer: the run matrix, executing notebooks and exporting reports.

``pipeline`` plans and runs ``reports.yml`` (papermill, in parallel, incrementally); ``report``
exports HTML, PDF, the tables workbook and the index. Imports run one way: every lower layer, but
nothing imports the build layer except the command line.
"""
