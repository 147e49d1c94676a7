"""Installed releases -> one official frame, and the overlay of official on transcribed figures.

:func:`official_figures` merges every installed release into one row per figure: the newest
release wins for a period it covers, and within a release the more specific file
(:data:`~sinstats.data.official.eras.ERA_PRIORITY`); the kept row's ``note`` records other
values. :func:`overlay` is called by :func:`sinstats.data.load`: figures from installed releases
are preferred over the transcribed ones for the same (period, area, breakdown, nature, measure);
``origin`` says where each figure came from and ``note`` records replaced or revised values.
:func:`load_areas` returns the full sub-national table.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

import pandas as pd

from sinstats import paths
from sinstats._typing import DataDir
from sinstats.data import provenance, schema
from sinstats.data.official.installed import (
    PRIVATE_COLUMNS,
    installed_releases,
    release_dirs,
    release_frames,
    verified_sha,
)
from sinstats.errors import NoDataError

OVERLAY_DATASETS: Final = ("sin_national", "characteristics")
"""Datasets of :func:`sinstats.data.load` that official files can add to or replace."""


def _fmt(value: float, status: str) -> str:
    if status:
        return status
    if math.isnan(value):
        return "missing"
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def _same(a: tuple[float, str], b: tuple[float, str]) -> bool:
    if a[1] or b[1]:
        return a[1] == b[1]
    return a[0] == b[0] or (math.isnan(a[0]) and math.isnan(b[0]))


def newest_wins(frame: pd.DataFrame) -> pd.DataFrame:
    """Keep one row per figure: the newest release, and in it the most specific file.

    Parameters
    ----------
    frame : pandas.DataFrame
        Tidy rows with the :data:`~sinstats.data.official.installed.PRIVATE_COLUMNS` added by
        :func:`~sinstats.data.official.installed.release_frames`.

    Returns
    -------
    pandas.DataFrame
        One row per figure (see :func:`sinstats.data.schema.frame_keys`), ordered by key. The
        kept row's ``note`` says when another file of the same release gives a different value,
        and which older releases gave the same or a different (revised) value.
    """
    if frame.empty:
        return frame
    work = frame.assign(_key=schema.frame_keys(frame))
    work = work.sort_values(
        ["_key", "_release_rank", "_file_rank", "_file", "line"], kind="stable"
    ).reset_index(drop=True)
    keep = ~work["_key"].duplicated(keep="last")
    notes = work["note"].astype(object).tolist()
    values = work["value"].astype(float).tolist()
    statuses = work["status"].astype(str).tolist()
    releases = work["_release"].astype(str).tolist()
    files = work["_file"].astype(str).tolist()
    for idx in work.groupby("_key", sort=False).indices.values():
        if len(idx) < 2:
            continue
        win = int(idx[-1])
        won = (values[win], statuses[win])
        extra: list[str] = []
        # The row each older release would have used (its last, most specific, row).
        best: dict[str, int] = {}
        for i in idx[:-1]:
            if releases[i] == releases[win]:
                got = (values[i], statuses[i])
                if not _same(got, won):
                    extra.append(f"{files[i]} of the same release gives {_fmt(*got)}")
            else:
                best[releases[i]] = int(i)
        if best:
            extra.insert(0, f"release {releases[win]} (newest installed) used")
            for rel, i in best.items():
                got = (values[i], statuses[i])
                if _same(got, won):
                    extra.append(f"release {rel} gave the same value")
                else:
                    extra.append(f"revised: release {rel} gave {_fmt(*got)}")
        if extra:
            notes[win] = "; ".join(part for part in [notes[win], *extra] if part)
    work["note"] = notes
    return work[keep.to_numpy()].drop(columns=["_key"]).reset_index(drop=True)


# The merged frames of the installed releases, by the identity and checksum of every file read:
# ``data.load`` calls :func:`overlay` on every load, and releases change only when fetched.
_MERGED: dict[tuple[object, ...], OfficialFrames] = {}


class OfficialFrames(NamedTuple):
    """The installed releases as frames (see :func:`official_frames`).

    Parameters
    ----------
    every : pandas.DataFrame
        Every row of every data file, with the private merge columns.
    merged : pandas.DataFrame
        The same with one row per figure (:func:`newest_wins`).
    """

    every: pd.DataFrame
    merged: pd.DataFrame


def official_frames(data_dir: DataDir = None) -> OfficialFrames:
    """Read and merge every installed release.

    Every file is hashed and checked against its ``SOURCE.json`` on each call (and recorded in
    :func:`sinstats.data.files_read`); parsing and merging are reused while nothing changed.

    Parameters
    ----------
    data_dir : path-like, optional
        Its ``raw/`` releases are merged (default: ``$SINSTATS_DATA_DIR`` or the project's
        ``data/``).

    Returns
    -------
    OfficialFrames
        Every row, and one row per figure; both empty (with the columns) when nothing is
        installed.

    Raises
    ------
    DataError
        If an installed release is damaged (see
        :func:`~sinstats.data.official.installed.release_frames`).
    """
    releases = installed_releases(data_dir)
    identity: list[object] = []
    for rank, release in enumerate(releases):
        for rel in release.data_files():
            path = release.path / rel
            sha = verified_sha(release, rel)
            provenance.record_read(path, sha)
            identity.append((rank, release.slug, release.source_url, str(path.resolve()), sha))
    key = tuple(identity)
    cached = _MERGED.get(key)
    if cached is not None:
        return cached
    frames: list[pd.DataFrame] = []
    for rank, release in enumerate(releases):
        frames.extend(release_frames(release, rank))
    if frames:
        every = pd.concat(frames, ignore_index=True)
    else:
        every = pd.DataFrame(columns=[*schema.TIDY_COLUMNS, *PRIVATE_COLUMNS])
    merged = newest_wins(every)
    if len(_MERGED) > 16:
        _MERGED.clear()
    result = OfficialFrames(every, merged)
    _MERGED[key] = result
    return result


def official_figures(data_dir: DataDir = None) -> pd.DataFrame:
    """Return every figure of the installed releases, one row per figure (newest release wins).

    Parameters
    ----------
    data_dir : path-like, optional
        Data folder, by default ``$SINSTATS_DATA_DIR`` or the project's ``data/``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`sinstats.data.TIDY_COLUMNS`; ``dataset`` says which dataset of
        :func:`sinstats.data.load` each row belongs to. Empty when nothing is installed.
    """
    merged = official_frames(data_dir).merged
    return merged[list(schema.TIDY_COLUMNS)].reset_index(drop=True)


def overlay(name: str, frame: pd.DataFrame, data_dir: DataDir = None) -> pd.DataFrame:
    """Prefer figures from installed official releases over the transcribed ones.

    Called by :func:`sinstats.data.load` for every dataset. For ``sin_national`` and
    ``characteristics``, every figure of the installed releases (see :func:`official_figures`)
    replaces the transcribed figure with the same period, area, breakdown topic, breakdown,
    nature and measure, and figures only in the official files are added (national breakdowns,
    quarters, half years, regional and local-authority counts with ``cin_31march``,
    ``ons_midyear_population`` and ``idaci_avgscore``). ``origin`` is ``published`` for a
    transcribed figure and ``ees:<release>/<file>`` for an official one; the ``note`` of an
    official figure that replaced a transcribed one says whether the two agree.

    Parameters
    ----------
    name : str
        Dataset name.
    frame : pandas.DataFrame
        The validated transcribed frame.
    data_dir : path-like, optional
        Data folder holding the installed releases (default ``$SINSTATS_DATA_DIR`` or the project's
        ``data/``).

    Returns
    -------
    pandas.DataFrame
        ``frame`` itself when no release is installed or the dataset is not affected.

    Raises
    ------
    DataError
        If an installed release is damaged (a file differs from its ``SOURCE.json`` checksum or
        fails validation): fetch it again or remove its folder.
    """
    if name not in OVERLAY_DATASETS or not release_dirs(paths.raw_dir(data_dir)):
        return frame
    official = official_figures(data_dir)
    official = official[official["dataset"] == name].copy()
    if official.empty:
        return frame
    pub_keys = schema.frame_keys(frame)
    off_keys = schema.frame_keys(official)
    replaced = pub_keys.isin(set(off_keys))
    transcribed = {
        k: (float(v), str(s), str(src))
        for k, v, s, src in zip(
            pub_keys[replaced],
            frame.loc[replaced, "value"],
            frame.loc[replaced, "status"],
            frame.loc[replaced, "source_id"],
            strict=True,
        )
    }
    notes = official["note"].astype(object).tolist()
    for i, (k, v, s) in enumerate(
        zip(off_keys, official["value"], official["status"], strict=True)
    ):
        if k not in transcribed:
            continue
        tv, ts, src = transcribed[k]
        if _same((float(v), str(s)), (tv, ts)):
            extra = f"agrees with the transcribed figure ({src})"
        else:
            extra = f"replaces the transcribed figure {_fmt(tv, ts)} ({src})"
        notes[i] = "; ".join(part for part in (extra, notes[i]) if part)
    official["note"] = notes
    official["dataset"] = name
    kept = frame[~replaced.to_numpy()]
    combined = pd.concat([kept, official[list(schema.TIDY_COLUMNS)]], ignore_index=True)
    for col, dtype in (("value", float), ("period_start", float), ("rounded_to", int)):
        combined[col] = combined[col].astype(dtype)
    combined["line"] = combined["line"].astype(int)
    return combined


def load_areas(data_dir: DataDir = None) -> pd.DataFrame:
    """Return the sub-national table of the installed releases in the tidy schema.

    One row per (period, area, measure) for every national, regional and local-authority row of
    the sub-national files: ``number_notifications`` (regional counts ``rounded_to`` 10),
    ``cin_31march``, ``ons_midyear_population`` and ``idaci_avgscore`` (``idaci_avgscore_2019``
    in releases to 2025). Local-authority rows have ``area_code`` = ``new_la_code`` and
    ``area_name`` = ``la_name``. The newest installed release wins for a period it covers.

    Parameters
    ----------
    data_dir : path-like, optional
        Where to find the sub-national files: default ``$SINSTATS_DATA_DIR`` or the project's
        ``data/``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`sinstats.data.TIDY_COLUMNS`, ``dataset`` = ``"sin_areas"``, sorted by
        period, level and area code.

    Raises
    ------
    NoDataError
        If no installed release holds a sub-national file (fetch one with ``sinstats fetch``).
    """
    every = official_frames(data_dir).every
    areas = every[every["_era"] == "subnational"]
    if areas.empty:
        raise NoDataError(
            "no official sub-national file is installed under data/raw; run "
            "'sinstats fetch --release 2026' (offline: add --source FILE.zip)"
        )
    frame = newest_wins(areas)[list(schema.TIDY_COLUMNS)].copy()
    frame["dataset"] = "sin_areas"
    level_order = {g: i for i, g in enumerate(schema.GEOGRAPHIC_LEVELS)}
    frame = frame.assign(_level=frame["geographic_level"].map(level_order))
    frame = frame.sort_values(["period_start", "_level", "area_code", "measure"], kind="stable")
    return frame.drop(columns=["_level"]).reset_index(drop=True)
