"""Stand-ins for ``execute_run`` that a spawned worker process can import by name.

A worker of :func:`sinstats.build.execute._execute_pool` unpickles the function it is handed
by its module and name, so a stand-in cannot be a test's local function: it lives here (the
test's folder is on the workers' ``sys.path``, which the spawn start method passes on).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sinstats.build import execute
from sinstats.build._helpers import iso, utc_now
from sinstats.build.folder import OK


def die_on_the_first_run(job: execute.Job) -> execute.RunOutcome:
    """Kill this worker process for the run ending ``/dies``; any other run waits, then is ok.

    The run that dies first leaves a mark in its folder; the others wait for it and a second
    more, so that they are still in the pool when it breaks.
    """
    mark = Path(job.tmp_dir) / "died"
    if job.id.endswith("/dies"):
        mark.write_text("", encoding="utf-8")
        os._exit(70)
    deadline = time.monotonic() + 30
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(1.0)
    now = iso(utc_now())
    return execute.RunOutcome.of(job, OK, None, None, (now, now))
