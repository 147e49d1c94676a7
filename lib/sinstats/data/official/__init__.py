"""Official explore-education-statistics (EES) files in the project's tidy schema.

DfE has published "Serious incident notifications" on EES in several *format eras* (see the table
below and ``data/raw/README.md``). :func:`read_ees_file` reads one official CSV of any era,
checks it (required columns of its era, known symbols, parseable periods, non-negative whole
counts) and returns it in :data:`sinstats.data.TIDY_COLUMNS`, with canonical periods (``202223``
+ ``Financial year`` and ``2023`` + ``Reporting year`` are both ``2022-23``), canonical natures
(``Child Death`` -> ``Child death``) and EES symbols turned into a missing value with a
``status``.

Eras recognised (:data:`ERAS`):

========================  =====================================================================
``transparency``          Part 1 2020-21 transparency file: ``sin_breakdown``/``category``,
                          ``number``/``percentage``, ``Part 1 (April to September)`` periods.
``fy_category``           financial-year files 2020-21 and 2021-22: ``characteristic``/
                          ``category``, ``number``/``percentage``; ``Child Death`` spelling,
                          ``:`` symbol; optional ``time_breakdown`` (full year and halves).
``fy_characteristic``     2022-23: ``characteristic`` (the topic) / ``characteristic_type`` (the
                          value), ``nature_of_notification``, ``number_notifications``.
``ry_breakdown``          reporting-year files from 2024: ``breakdown_topic``/``breakdown``,
                          ``nature_of_notification``, ``number_notifications``, ``x`` symbol.
``care_leaver``           care leaver death notifications (from 2025): ``breakdown_topic``/
                          ``breakdown`` and ``number_notifications``, no nature.
``cross_characteristics`` 2021-22 cross-characteristics: ``age_group``/``ethnicity``/``gender``
                          filter columns (layout inferred: only the filter labels were seen).
``subnational``           national, regional and local-authority totals with contextual data
                          (``cin_31march``, ``idaci_avgscore`` or ``idaci_avgscore_2019``,
                          ``ons_midyear_population``): one tidy row per measure.
``totals``                national totals only ("All year totals", "Total Notifications").
========================  =====================================================================

Releases fetched with ``sinstats fetch`` live in ``<data>/raw/<release>/`` with a ``SOURCE.json``
(see :mod:`sinstats.data.releases`). :func:`overlay` is called by :func:`sinstats.data.load`:
figures from installed releases are preferred over the transcribed ones for the same (period, area,
breakdown, nature, measure), the newest release winning for a period it covers; ``origin`` says
where each figure came from and ``note`` records replaced or revised values. :func:`load_areas`
returns the full sub-national table; :func:`release_checksums` gives the build manifest the
checksum of every installed official file.

One job per module:

- :mod:`~sinstats.data.official.publication`: the publication's URL and release slugs;
- :mod:`~sinstats.data.official.eras`: format eras and the layout told from a header;
- :mod:`~sinstats.data.official.records`: one row -> tidy records, cell by cell;
- :mod:`~sinstats.data.official.reader`: one file -> :class:`EesFile`;
- :mod:`~sinstats.data.official.installed`: installed releases, their checksums, :func:`load_ees`;
- :mod:`~sinstats.data.official.merge`: releases -> one frame, :func:`overlay`, :func:`load_areas`.
"""

from __future__ import annotations

from sinstats.data.official.eras import (
    BASE_COLUMNS,
    CONTEXT_COLUMNS,
    COUNT_COLUMNS,
    CROSS_COLUMNS,
    ERA_PRIORITY,
    ERAS,
    GEOGRAPHY_COLUMNS,
    NATURE_COLUMN,
    PERCENT_COLUMN,
    TIME_COLUMNS,
    Layout,
    detect_layout,
)
from sinstats.data.official.installed import (
    SOURCE_FILE,
    Release,
    installed_releases,
    load_ees,
    release_checksums,
    repair_interrupted_fetches,
)
from sinstats.data.official.merge import (
    OVERLAY_DATASETS,
    OfficialFrames,
    load_areas,
    official_figures,
    official_frames,
    overlay,
)
from sinstats.data.official.publication import (
    PUBLICATION_URL,
    PUBLISHER,
    release_page,
    release_period,
    release_sort_key,
    release_tag,
)
from sinstats.data.official.reader import EesFile, read_ees_file
from sinstats.data.official.records import NATURE_ALIASES, NATURE_TOPICS, TOPIC_ALIASES

__all__ = [
    "BASE_COLUMNS",
    "CONTEXT_COLUMNS",
    "COUNT_COLUMNS",
    "CROSS_COLUMNS",
    "ERAS",
    "ERA_PRIORITY",
    "GEOGRAPHY_COLUMNS",
    "NATURE_ALIASES",
    "NATURE_COLUMN",
    "NATURE_TOPICS",
    "OVERLAY_DATASETS",
    "PERCENT_COLUMN",
    "PUBLICATION_URL",
    "PUBLISHER",
    "SOURCE_FILE",
    "TIME_COLUMNS",
    "TOPIC_ALIASES",
    "EesFile",
    "Layout",
    "OfficialFrames",
    "Release",
    "detect_layout",
    "installed_releases",
    "load_areas",
    "load_ees",
    "official_figures",
    "official_frames",
    "overlay",
    "read_ees_file",
    "release_checksums",
    "release_page",
    "release_period",
    "release_sort_key",
    "release_tag",
    "repair_interrupted_fetches",
]
