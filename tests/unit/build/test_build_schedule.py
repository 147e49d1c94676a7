"""The order a parallel build starts its runs in: longest expected first (build.schedule)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from sinstats.build.schedule import RunQueue, notebook_of, previous_durations


@dataclass(frozen=True)
class _Job:
    id: str


def _drain(queue: RunQueue[_Job]) -> list[str]:
    out = []
    while (job := queue.next()) is not None:
        out.append(job.id)
    return out


def test_with_nothing_known_the_runs_start_in_matrix_order() -> None:
    ids = ["2025-26/01-a", "2025-26/03-c", "2024-25/01-a", "2024-25/03-c"]
    assert _drain(RunQueue([_Job(i) for i in ids])) == ids


def test_the_previous_build_puts_the_longest_runs_first_ties_in_matrix_order() -> None:
    ids = ["2025-26/01-a", "2025-26/03-c", "2025-26/04-d", "2024-25/01-a", "2024-25/03-c"]
    previous = {
        "2025-26/01-a": 1.4,
        "2025-26/03-c": 3.3,
        "2025-26/04-d": 0.7,
        "2024-25/01-a": 1.4,
        "2024-25/03-c": 3.4,
    }
    assert _drain(RunQueue([_Job(i) for i in ids], previous)) == [
        "2024-25/03-c",
        "2025-26/03-c",
        "2025-26/01-a",
        "2024-25/01-a",
        "2025-26/04-d",
    ]


def test_a_run_new_to_the_manifest_is_placed_by_its_notebooks_typical_duration() -> None:
    previous = {"2025-26/03-c": 3.0, "2024-25/03-c": 4.0, "2025-26/01-a": 2.0}
    queue = RunQueue([_Job("2020-21/01-a"), _Job("2019-20/03-c")], previous)
    assert queue.expected("2019-20/03-c") == 3.5  # the median of its notebook's runs
    assert _drain(queue) == ["2019-20/03-c", "2020-21/01-a"]


def test_unknown_notebooks_go_first_and_learned_durations_place_the_rest() -> None:
    ids = ["y1/01-a", "y1/03-c", "y2/01-a", "y2/03-c", "y3/01-a", "y3/03-c"]
    queue = RunQueue([_Job(i) for i in ids])
    assert queue.next() == _Job("y1/01-a")
    queue.record("y1/01-a", 1.0)  # 01 is now known; 03 is not, so it comes next
    assert queue.next() == _Job("y1/03-c")
    queue.record("y1/03-c", 3.0)
    assert _drain(queue) == ["y2/03-c", "y3/03-c", "y2/01-a", "y3/01-a"]


def test_the_run_s_own_previous_duration_beats_what_this_build_learned() -> None:
    queue = RunQueue([_Job("y2/03-c")], {"y2/03-c": 0.5})
    queue.record("y1/03-c", 9.0)
    assert queue.expected("y2/03-c") == 0.5


def test_durations_that_are_not_seconds_are_ignored() -> None:
    queue = RunQueue([_Job("y1/01-a")])
    for bad in (math.nan, math.inf, -1.0):
        queue.record("y0/01-a", bad)
    assert queue.expected("y1/01-a") == math.inf
    entries = {
        "a/01": {"status": "ok", "duration_s": 2.5},
        "b/01": {"status": "ok", "duration_s": True},
        "c/01": {"status": "ok", "duration_s": "3"},
        "d/01": {"status": "ok", "duration_s": -1},
        "e/01": {"status": "ok", "duration_s": math.nan},
        "f/01": {"status": "ok"},
        "g/01": {"status": "skipped", "duration_s": 1.0},
    }
    assert previous_durations(entries) == {"a/01": 2.5}


def test_a_failed_run_s_duration_does_not_place_it() -> None:
    # A run that failed in its first cell took 0.1 s; its full run takes far longer.
    entries = {
        "y1/03-c": {"status": "failed", "duration_s": 0.1},
        "y1/01-a": {"status": "ok", "duration_s": 1.0},
    }
    assert previous_durations(entries) == {"y1/01-a": 1.0}


def test_notebook_of_a_run_id() -> None:
    assert notebook_of("2025-26/03-what-the-numbers-measure") == "03-what-the-numbers-measure"


@given(
    st.dictionaries(
        st.sampled_from([f"{y}/{n}" for y in ("y1", "y2", "y3") for n in ("01", "02", "03")]),
        st.floats(min_value=0, max_value=100),
    )
)
def test_every_run_is_handed_out_once_longest_known_first(previous: dict[str, float]) -> None:
    ids = [f"{y}/{n}" for y in ("y1", "y2", "y3") for n in ("01", "02", "03")]
    queue = RunQueue([_Job(i) for i in ids], previous)
    expected = {i: queue.expected(i) for i in ids}
    order = _drain(queue)
    assert sorted(order) == sorted(ids) and len(queue) == 0
    seconds = [expected[i] for i in order]
    assert seconds == sorted(seconds, reverse=True)
