"""Real kernels, cold and warm, started and stopped by sinstats' kernel managers (issue 19).

The managers of :mod:`sinstats.build.kernels` use a client that is ready at the idle status of
its ``kernel_info`` request (no 0.2 s IOPub flush) and a 5 ms poll for a killed kernel. Here a
notebook whose cells print, raise nothing and display a value is executed through papermill
with each manager; both give the same outputs as papermill's default manager, in order, and
leave no kernel behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import psutil
import pytest

from sinstats.build import execute, kernels

from .conftest import execute_cells

pytestmark = pytest.mark.slow

CELLS = (
    "print('first output')",
    "import sys\nprint('to stderr', file=sys.stderr)\n6 * 7",
    "for i in range(3):\n    print(i)",
)


def _outputs(nb: Any) -> list[list[dict[str, Any]]]:
    return [
        [{k: v for k, v in out.items() if k != "execution_count"} for out in cell.outputs]
        for cell in nb.cells
    ]


def _run(tmp_path: Path, manager: type[Any] | None, name: str) -> Any:
    out = tmp_path / f"{name}.ipynb"
    execute_cells(CELLS, out, **({} if manager is None else {"kernel_manager_class": manager}))
    return nbformat.read(out, as_version=4)


def _alive_children(process: psutil.Process, match: str = "") -> list[int]:
    """Pids of the live (not zombie) processes below ``process`` with ``match`` in their command."""
    alive = []
    for child in process.children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and match in " ".join(child.cmdline()):
                alive.append(child.pid)
        except psutil.NoSuchProcess:  # gone while being looked at
            pass
    return alive


def _cold_kernels() -> list[int]:
    return _alive_children(psutil.Process(), "ipykernel")


def test_cold_and_warm_managers_give_upstreams_outputs_and_leave_no_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in execute.kernel_environment().items():
        monkeypatch.setenv(key, value)
    upstream = _outputs(_run(tmp_path, None, "upstream"))
    assert upstream[0] == [{"output_type": "stream", "name": "stdout", "text": "first output\n"}]
    assert upstream[2] == [{"output_type": "stream", "name": "stdout", "text": "0\n1\n2\n"}]
    cold = _run(tmp_path, kernels.cold_kernel_manager_class(), "cold")
    assert _outputs(cold) == upstream
    assert cold.metadata["language_info"]["name"] == "python"
    assert _cold_kernels() == []
    if kernels.fork_available():
        before = len(kernels.fallbacks())
        try:
            template = kernels.template(execute.kernel_environment())
            template.ready()
            # a forked kernel keeps the template's command line: it is found as its child
            forks = psutil.Process(template.process.pid)
            for i in range(3):  # one fresh kernel per run, each ready and gone
                assert _outputs(_run(tmp_path, kernels.warm_kernel_manager_class(), f"w{i}")) == (
                    upstream
                )
                assert _alive_children(forks) == []
            assert kernels.fallbacks()[before:] == []  # each kernel was forked warm
        finally:
            kernels.close_template()
    assert _cold_kernels() == []
