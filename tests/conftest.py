"""Shared pytest configuration."""

from __future__ import annotations

import os

from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

# Property and fuzz tests are derandomised so that `make test` gives the same result on every run
# and machine; each test sets its own example count (at least 200 for the fuzz targets).
settings.register_profile("sinstats", derandomize=True, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "sinstats"))
