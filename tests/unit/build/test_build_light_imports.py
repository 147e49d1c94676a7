"""The no-change path imports no heavy package (so a later import cannot bring its cost back)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from sinstats.build.cache import SharedInputs
from sinstats.build.config import load_config
from sinstats.build.matrix import plan

HEAVY = (
    "pandas",
    "numpy",
    "scipy",
    "matplotlib",
    "statsmodels",
    "nbconvert",
    "nbformat",
    "papermill",
    "weasyprint",
    "jsonschema",
)


def _loaded_after(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; return the heavy modules it left imported."""
    script = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import json, sys
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    loaded: list[str] = json.loads(proc.stdout.strip().splitlines()[-1])
    return loaded


def test_a_remembered_plan_and_the_manifest_check_import_nothing_heavy(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    config = load_config()
    shared = SharedInputs.current(Path(config.path).parent / "data")
    memo = {"library": shared.library_sha, "packages": shared.packages}
    runs = plan(config, cache_dir=out / ".cache", memo=memo)  # reads the data (pandas): once
    assert (out / ".cache" / "plan.json").is_file()
    entry = {
        "id": runs[0].id,
        "notebook": runs[0].notebook.name,
        "period": runs[0].period.id,
        "status": "ok",
        "key": "0" * 64,
        "outputs": [],
        "output_files": {},
        "key_figures": [],
        "failed_notebook": None,
    }
    (out / "manifest.json").write_text(json.dumps({"schema": 2, "runs": [entry]}))
    loaded = _loaded_after(
        f"""
        from pathlib import Path
        from sinstats.build import cache, matrix, pipeline
        from sinstats.build.config import load_config
        from sinstats.build.manifest import read_manifest

        out = Path({str(out)!r})
        config = load_config()
        shared = cache.SharedInputs.current(Path(config.path).parent / "data")
        memo = pipeline._memo_inputs(shared)
        notes = []
        runs = matrix.plan(config, cache_dir=out / ".cache", memo=memo, warn=notes.append)
        assert [r.id for r in runs] == {[r.id for r in runs]!r}, runs
        assert not notes, notes
        prev = read_manifest(out)
        assert list(prev.runs) == [{entry["id"]!r}] and not prev.notes, prev
        decisions = cache.decide(runs, prev.runs, out, shared, False)
        assert len(decisions) == len(runs)
        pipeline._repair_releases(Path(config.path).parent / "data", notes.append)
        """
    )
    assert loaded == []


def test_light_commands_import_nothing_heavy() -> None:
    loaded = _loaded_after(
        """
        import contextlib, io
        from sinstats.cli import main
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            with contextlib.suppress(SystemExit):
                main(["--version"])
            assert main(["build", "--jobs", "0"]) == 2
        """
    )
    assert loaded == []
