"""The data layer: validated tidy frames of the published figures, with their provenance.

The public queries (:func:`load`, :func:`figure`, :func:`count`, :func:`series`,
:func:`population`) live in :mod:`sinstats.data.queries`; the declared series breaks
(:func:`load_breaks`) in :mod:`sinstats.data.breaks`; the schema in
:mod:`sinstats.data.schema`; checksums and the files-read record in
:mod:`sinstats.data.provenance`; transcribed files in :mod:`sinstats.data.published`; official EES
files (one file, installed releases, the overlay) in the :mod:`sinstats.data.official` package;
the releases' designations (experimental, official, not known) in
:mod:`sinstats.data.statistics_designation`;
fetching releases in the :mod:`sinstats.data.releases` package (not imported here: only
``sinstats fetch`` needs it). Inside the layer imports run one way: ``schema``/``provenance``/
``_reading`` -> ``published``/``official`` -> ``queries`` -> ``breaks`` -> this facade, and
``releases`` -> ``official``; no module of the layer imports this facade.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names, for type checkers; at run time each is imported on first use
    from sinstats.data.breaks import Break, Breaks, Crossing, breaks_path, load_breaks, parse_breaks
    from sinstats.data.official import load_ees
    from sinstats.data.provenance import (
        CHECKSUMS_FILE,
        checksum_targets,
        files_absent,
        files_read,
        own_or_fallback,
        read_checksums,
        record_absent,
        record_read,
        reset_files_read,
        sha256_file,
        verify_checksums,
        write_checksums,
    )
    from sinstats.data.published import decode_text, read_published, schema_for_path, validate_file
    from sinstats.data.queries import (
        Figure,
        Population,
        count,
        figure,
        latest_period,
        load,
        periods,
        population,
        published_series,
        resolve_period,
        series,
        summary,
    )
    from sinstats.data.schema import (
        CANONICAL_HOSTS,
        CHANGE_PREFIX,
        COLUMNS,
        GEOGRAPHIC_LEVELS,
        NATURE_ALIASES,
        NATURES,
        PER,
        QUALIFIERS,
        REGIONS,
        REQUIRED_NON_EMPTY,
        SCHEMAS,
        SERIES_START,
        SYMBOLS,
        TIDY_COLUMNS,
        UNITS,
        DatasetSchema,
        list_datasets,
        period_columns,
        source_problem,
    )
    from sinstats.data.statistics_designation import (
        DESIGNATIONS,
        MODEL_ESTIMATE,
        NOT_KNOWN,
        Designation,
        designation,
        designations,
        release,
        summarise,
    )

_MODULE_OF: dict[str, tuple[str, ...]] = {
    "breaks": (
        "Break",
        "Breaks",
        "Crossing",
        "breaks_path",
        "load_breaks",
        "parse_breaks",
    ),
    "official": ("load_ees",),
    "provenance": (
        "CHECKSUMS_FILE",
        "checksum_targets",
        "files_absent",
        "files_read",
        "own_or_fallback",
        "read_checksums",
        "record_absent",
        "record_read",
        "reset_files_read",
        "sha256_file",
        "verify_checksums",
        "write_checksums",
    ),
    "published": (
        "decode_text",
        "read_published",
        "schema_for_path",
        "validate_file",
    ),
    "queries": (
        "Figure",
        "Population",
        "count",
        "figure",
        "latest_period",
        "load",
        "periods",
        "population",
        "published_series",
        "resolve_period",
        "series",
        "summary",
    ),
    "schema": (
        "CANONICAL_HOSTS",
        "CHANGE_PREFIX",
        "COLUMNS",
        "GEOGRAPHIC_LEVELS",
        "NATURE_ALIASES",
        "NATURES",
        "PER",
        "QUALIFIERS",
        "REGIONS",
        "REQUIRED_NON_EMPTY",
        "SCHEMAS",
        "SERIES_START",
        "SYMBOLS",
        "TIDY_COLUMNS",
        "UNITS",
        "DatasetSchema",
        "list_datasets",
        "period_columns",
        "source_problem",
    ),
    "statistics_designation": (
        "DESIGNATIONS",
        "MODEL_ESTIMATE",
        "NOT_KNOWN",
        "Designation",
        "designation",
        "designations",
        "release",
        "summarise",
    ),
}


def _module(name: str) -> Any:
    """Import the data module ``name`` (plain imports, so the architecture test sees them)."""
    if name == "breaks":
        from sinstats.data import breaks

        return breaks
    elif name == "official":
        from sinstats.data import official

        return official
    elif name == "provenance":
        from sinstats.data import provenance

        return provenance
    elif name == "published":
        from sinstats.data import published

        return published
    elif name == "queries":
        from sinstats.data import queries

        return queries
    elif name == "schema":
        from sinstats.data import schema

        return schema
    else:
        from sinstats.data import statistics_designation

        return statistics_designation


def __getattr__(name: str) -> Any:
    """Import a public name of the layer on first use.

    So ``from sinstats.data import schema`` (or :mod:`~sinstats.data.provenance`) does not import
    pandas: a command that needs no data frame (``sinstats --version``, a no-change ``sinstats
    build``, refusing bad input) starts without it.
    """
    for module, names in _MODULE_OF.items():
        if name in names:
            value = getattr(_module(module), name)
            globals()[name] = value
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CANONICAL_HOSTS",
    "CHANGE_PREFIX",
    "CHECKSUMS_FILE",
    "COLUMNS",
    "DESIGNATIONS",
    "GEOGRAPHIC_LEVELS",
    "MODEL_ESTIMATE",
    "NATURES",
    "NATURE_ALIASES",
    "NOT_KNOWN",
    "PER",
    "QUALIFIERS",
    "REGIONS",
    "REQUIRED_NON_EMPTY",
    "SCHEMAS",
    "SERIES_START",
    "SYMBOLS",
    "TIDY_COLUMNS",
    "UNITS",
    "Break",
    "Breaks",
    "Crossing",
    "DatasetSchema",
    "Designation",
    "Figure",
    "Population",
    "checksum_targets",
    "breaks_path",
    "count",
    "decode_text",
    "designation",
    "designations",
    "figure",
    "files_absent",
    "files_read",
    "latest_period",
    "list_datasets",
    "load",
    "load_breaks",
    "load_ees",
    "own_or_fallback",
    "period_columns",
    "parse_breaks",
    "periods",
    "population",
    "published_series",
    "read_checksums",
    "read_published",
    "record_absent",
    "record_read",
    "release",
    "reset_files_read",
    "resolve_period",
    "schema_for_path",
    "series",
    "sha256_file",
    "source_problem",
    "summarise",
    "summary",
    "validate_file",
    "verify_checksums",
    "write_checksums",
]
