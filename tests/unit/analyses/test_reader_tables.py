"""Every table a reader sees, on the real data, reads well (sinstats.present.tables rules).

Each :class:`~sinstats.present.tables.Display` declared in an analysis module, and each table a
notebook shows without one, is built here from the project's data the way the notebooks build
it, and :func:`~sinstats.present.tables.reader_problems` must find nothing: no ``snake_case``
header, no count written with decimals, no year written ``2,014``, no internal id, no note
repeated on every row. A test below also checks that no declared display is left out.
"""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from sinstats.analyses import (
    _triangulation,
    areas,
    measure,
    overview,
    panel,
    timeseries,
    verification,
)
from sinstats.present.tables import Display, reader_problems

YEAR = "2025-26"
DRAWS = 5_000  # enough for the tables' layout; the numbers are tested elsewhere


@pytest.fixture(scope="module")
def shown() -> dict[str, pd.DataFrame]:
    """Every displayed table, by the name of the display (or function) that makes it."""
    frames: dict[str, pd.DataFrame] = {}
    headline = overview.headline_table(YEAR)
    frames["headline_display"] = overview.headline_display(headline)
    frames["shares_display"] = overview.shares_display(overview.shares_table(YEAR))
    frames["change_display"] = overview.change_display(overview.change_table(YEAR))
    long = overview.method_sensitivity(YEAR)
    for kind in overview.SENSITIVITY_CAPTIONS:
        frames[f"sensitivity_summary[{kind}]"] = overview.sensitivity_summary(long, kind)
    frames["key_figures_display"] = overview.key_figures_display(overview.key_figures(headline))
    series = timeseries.series_intervals()
    frames["series_display"] = timeseries.series_display(series)
    fits = timeseries.trend_fits(series)
    frames["trend_display"] = timeseries.trend_display(timeseries.trend_table(fits))
    model = measure.load_model(YEAR, "deaths_maltreatment_or_assault")
    result = measure.simulate(model, n_draws=DRAWS, seed=2)
    frames["assumptions_display"] = measure.assumptions_display(measure.assumptions_table(model))
    frames["_DECOMPOSITION"] = measure.decomposition_display(result)
    frames["comparison_display"] = measure.comparison_display(
        measure.comparison_table(model, result)
    )
    frames["breakdowns_display"] = measure.breakdowns_display(measure.breakdowns_table(model))
    frames["leave_one_out_display"] = measure.leave_one_out_display(
        measure.leave_one_out(model, n_draws=DRAWS, seed=2)
    )
    frames["triangulation_display"] = measure.triangulation_display(
        measure.triangulation_table(model, measure.evidence_table(), n_draws=DRAWS, seed=2)
    )
    frames["implied_ascertainment_display"] = measure.implied_ascertainment_display(
        measure.implied_ascertainment()
    )
    frames["conclusion[03]"] = pd.DataFrame({"Sentence": [measure.conclusion(model, result, 0.95)]})
    frames["reconciliation_display"] = panel.reconciliation_display(panel.reconciliation())
    frames["reasons_display"] = panel.reasons_display()
    area_result = areas.area_table("2025")
    frames["area_display"] = areas.area_display(area_result.table)
    frames["breakdown_display"] = areas.breakdown_display(areas.breakdown_table())
    overdispersed = areas.overdispersion_table(area_result, "2025")
    frames["overdispersion_display"] = areas.overdispersion_display(overdispersed)
    frames["care_leaver_display"] = areas.care_leaver_display(areas.care_leaver_table())
    verified = verification.verify()
    frames["differs_display"] = verification.differs_display(verified)
    frames["register_display"] = verification.register_display(verified)
    frames["changes_display"] = verification.changes_display(verified)
    return frames


def test_every_displayed_table_reads_well(shown: dict[str, pd.DataFrame]) -> None:
    problems = [p for name, frame in shown.items() for p in reader_problems(frame, name)]
    assert problems == []
    assert all(len(frame) > 0 for frame in shown.values())


def test_no_declared_display_is_left_out(shown: dict[str, pd.DataFrame]) -> None:
    declared = {
        name
        for module in (_triangulation, areas, measure, overview, panel, timeseries, verification)
        for name, value in inspect.getmembers(module)
        if isinstance(value, Display)
    }
    assert declared, "no Display found in the analysis modules"
    assert declared <= set(shown), sorted(declared - set(shown))
