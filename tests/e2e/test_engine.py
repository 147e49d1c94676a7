"""The build's papermill engine writes the executed notebook at the start and the end only.

Issue 19: papermill's own engine writes the whole notebook when every cell starts and
completes. :func:`sinstats.build.execute.engine_name` registers an engine that skips those
writes. Real kernels (cold) run the same notebooks through both engines: the executed notebook
on disk is the same in every case the build reads it: a notebook that runs to the end, one whose
cell raises, and one whose cell times out (the kernel is then stopped mid-cell). Only the
copies in between are not written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest

from sinstats.build import execute

from .conftest import execute_cells

pytestmark = pytest.mark.slow

CASES = {
    "complete": ("print('first')", "6 * 7", "for i in range(3):\n    print(i)"),
    "raises": ("print('before')", "raise ValueError('boom')", "print('never')"),
    "times out": ("print('before')", "import time\ntime.sleep(30)", "print('never')"),
}


def _content(nb: Any) -> list[Any]:
    """The cells as the build reads them, without papermill's times."""
    cells = []
    for cell in nb.cells:
        meta = {k: v for k, v in cell.metadata.get("papermill", {}).items()}
        for key in ("start_time", "end_time", "duration"):
            meta.pop(key, None)
        outputs = [
            {k: v for k, v in out.items() if k not in ("execution_count", "traceback")}
            for out in cell.get("outputs", [])
        ]
        cells.append((cell.cell_type, cell.source, meta, outputs))
    return cells


def _run(tmp_path: Path, case: str, engine: str | None) -> tuple[Any, int, str]:
    from papermill import engines

    out = tmp_path / f"{case}-{engine or 'papermill'}.ipynb"
    writes = []
    real = engines.write_ipynb

    def counting(*args: Any, **kwargs: Any) -> Any:
        writes.append(1)
        return real(*args, **kwargs)

    engines.write_ipynb = counting
    error = ""
    try:
        execute_cells(
            CASES[case],
            out,
            execution_timeout=3,
            kernel_manager_class=execute.kernels.cold_kernel_manager_class(),
            **({"engine_name": engine} if engine else {}),
        )
    except Exception as err:
        error = type(err).__name__
    finally:
        engines.write_ipynb = real
    return nbformat.read(out, as_version=4), len(writes), error


@pytest.mark.parametrize("case", list(CASES))
def test_the_executed_notebook_is_the_same_with_fewer_writes(tmp_path: Path, case: str) -> None:
    ours, our_writes, our_error = _run(tmp_path, case, execute.engine_name())
    theirs, their_writes, their_error = _run(tmp_path, case, None)
    assert our_error == their_error
    assert (our_error == "") == (case == "complete")
    assert _content(ours) == _content(theirs)
    assert ours.metadata["papermill"].get("exception") == theirs.metadata["papermill"].get(
        "exception"
    )
    assert our_writes == 2  # when execution starts and when it ends
    assert their_writes > our_writes
