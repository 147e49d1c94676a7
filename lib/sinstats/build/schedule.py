"""The order in which a parallel build hands its runs to the workers: longest expected first.

A build's runs take from under a second (notebook 04) to over three (notebook 03, the
uncertainty model). Handed out in the matrix's order, the last run to start can be a long one
while the other workers have nothing left to do: ``make bench`` saw one of two cores idle for
the last 2.9 s of a 28 s build. Handing out the longest first (LPT, Graham 1969) leaves only
short runs for the end, so the workers finish close together.

How long a run will take is not known before it runs; :class:`RunQueue` estimates it, in this
order of preference:

1. the run's own duration in the previous build (the manifest on disk);
2. the typical duration of its notebook's runs that finished in this build;
3. the typical duration of its notebook's runs in the previous build;
4. unknown: such runs go first (in matrix order), so that every notebook's duration is learned
   early, while there are still runs to place by it.

The order only changes when each run starts, never what it computes: every run is executed
alone in a fresh kernel, and the build commits, indexes and writes the manifest in the report
order whatever the order of execution (the determinism test builds the same matrix twice and
compares every file). A serial build runs in matrix order.

References
----------
.. [1] Graham RL. Bounds on multiprocessing timing anomalies. SIAM Journal on Applied
   Mathematics 1969;17:416-429.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Generic, Protocol, TypeVar

from sinstats.build.folder import OK

__all__ = ["RunQueue", "notebook_of", "previous_durations"]


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


J = TypeVar("J", bound=_HasId)


def notebook_of(run_id: str) -> str:
    """Return the notebook part of a run id (``"2025-26/03-x"`` -> ``"03-x"``).

    Parameters
    ----------
    run_id : str
        ``<period>/<notebook>``.

    Returns
    -------
    str
    """
    return run_id.rpartition("/")[2]


def previous_durations(entries: Mapping[str, Mapping[str, object]]) -> dict[str, float]:
    """Return ``{run id: seconds}`` of the runs a previous build executed.

    Parameters
    ----------
    entries : mapping
        The manifest's run entries (:class:`sinstats.build.manifest.Previous` ``.runs``).

    Returns
    -------
    dict
        Each ok entry's ``duration_s`` when it is a finite, non-negative number. Entries
        without one (runs that were skipped) and failed runs are left out: a run that failed
        in its first cell says nothing about how long it takes.
    """
    out: dict[str, float] = {}
    for run_id, entry in entries.items():
        if entry.get("status") != OK:
            continue
        value = entry.get("duration_s")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = float(value)
            if math.isfinite(seconds) and seconds >= 0:
                out[run_id] = seconds
    return out


class RunQueue(Generic[J]):
    """Runs waiting to start, handed out longest expected first.

    Parameters
    ----------
    jobs : sequence
        The runs (anything with an ``id``, ``<period>/<notebook>``), in matrix order.
    previous : mapping, optional
        ``{run id: seconds}`` from the previous build (:func:`previous_durations`).

    Notes
    -----
    Ties, and runs whose duration is unknown, keep matrix order. See the module docstring for
    the estimate.
    """

    def __init__(self, jobs: Sequence[J], previous: Mapping[str, float] | None = None) -> None:
        self._pending: list[tuple[int, J]] = list(enumerate(jobs))
        self._previous = dict(previous or {})
        by_notebook: dict[str, list[float]] = {}
        for run_id, seconds in self._previous.items():
            by_notebook.setdefault(notebook_of(run_id), []).append(seconds)
        self._previous_typical = {nb: statistics.median(s) for nb, s in by_notebook.items()}
        self._learned: dict[str, list[float]] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def expected(self, run_id: str) -> float:
        """Return the expected seconds of a run (``inf`` when nothing is known of it)."""
        if run_id in self._previous:
            return self._previous[run_id]
        notebook = notebook_of(run_id)
        if notebook in self._learned:
            return statistics.median(self._learned[notebook])
        return self._previous_typical.get(notebook, math.inf)

    def record(self, run_id: str, seconds: float) -> None:
        """Learn how long a run of this build took (its notebook's other runs are placed by it).

        Parameters
        ----------
        run_id : str
            The run that finished.
        seconds : float
            Its duration, without any wait that was not its own (a first kernel's wait for
            its worker's template); a value that is not a finite non-negative number is
            ignored.
        """
        if math.isfinite(seconds) and seconds >= 0:
            self._learned.setdefault(notebook_of(run_id), []).append(float(seconds))

    def next(self) -> J | None:
        """Remove and return the run with the longest expected duration (None when empty)."""
        if not self._pending:
            return None
        best = min(
            range(len(self._pending)),
            key=lambda i: (-self.expected(self._pending[i][1].id), self._pending[i][0]),
        )
        return self._pending.pop(best)[1]
