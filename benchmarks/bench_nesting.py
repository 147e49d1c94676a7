"""Benchmark the refusal of deeply nested YAML: claims files and ``reports.yml``.

Target (issue 18, acceptance 5): a claims file of 999,999 ``[`` (under the 1 MB cap) is refused
in well under 1 s. Before the cheap depth check (``sinstats._nesting.too_deep``), PyYAML's scanner
took 347 s of CPU on it (33 s for 100,000). Measured here: CPU and wall time of
:func:`sinstats.analyses.claims.loads_claims` refusing each hostile document (best of 3), the
same for :func:`sinstats.build.load_config` on a hostile ``reports.yml``, the whole
``sinstats verify --claims deep.yml`` command (start-up included, and the same command refusing a
one-line broken file, which is the command's start-up: importing jsonschema, pandas and SciPy),
and, for scale, reading the project's real claims register.

Run with ``python benchmarks/bench_nesting.py`` (writes ``benchmarks/nesting_results.json``);
:func:`run` returns the numbers as a dict. Timings are reported, never asserted in tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sinstats import paths
from sinstats.analyses.claims import loads_claims
from sinstats.build import load_config
from sinstats.errors import ClaimsError, ConfigError

HERE = Path(__file__).resolve().parent
TARGET_SECONDS = 1.0
REPEATS = 3

HOSTILE: dict[str, str] = {
    "999,999 '['": "[" * 999_999,
    "100,000 '['": "[" * 100_000,
    "999,999 '{'": "{" * 999_999,
    "499,999 '- ' (block)": "- " * 499_999,
    "1,400 levels of indentation": "".join(f"{' ' * i}k{i}:\n" for i in range(1_400)),
}


def _best(fn: Callable[[], object]) -> dict[str, float]:
    cpu, wall = [], []
    for _ in range(REPEATS):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {"cpu_s": round(min(cpu), 4), "wall_s": round(min(wall), 4)}


def _refused(text: str, error: type[Exception], read: Callable[[str], object]) -> Callable[[], str]:
    def attempt() -> str:
        try:
            read(text)
        except error as err:
            return str(err).splitlines()[0][:120]
        raise AssertionError("a hostile document was accepted")

    return attempt


def _config_reader(folder: Path) -> Callable[[str], object]:
    def read(text: str) -> object:
        path = folder / "reports.yml"
        path.write_text("version: 1\nnotebooks: " + text + "\n", encoding="utf-8")
        return load_config(path, paths.NOTEBOOKS_DIR)

    return read


def run() -> dict[str, object]:
    """Time every refusal; return the numbers (and the messages, to show what was refused)."""
    results: dict[str, object] = {"target_seconds": TARGET_SECONDS, "claims": {}, "config": {}}
    claims: dict[str, object] = {}
    for name, text in HOSTILE.items():
        attempt = _refused(text, ClaimsError, loads_claims)
        claims[name] = {**_best(attempt), "bytes": len(text), "message": attempt()}
    results["claims"] = claims
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config: dict[str, object] = {}
        for name, text in (("999,000 '['", "[" * 999_000), ("100,000 '['", "[" * 100_000)):
            attempt = _refused(text, ConfigError, _config_reader(folder))
            config[name] = {**_best(attempt), "message": attempt()}
        results["config"] = config
        deep = folder / "deep.yml"
        deep.write_text(HOSTILE["999,999 '['"], encoding="utf-8")
        trivial = folder / "trivial.yml"
        trivial.write_text("[unclosed\n", encoding="utf-8")
        for key, path in (("command", deep), ("command_startup", trivial)):
            w0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "sinstats.cli", "verify", "--claims", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            results[key] = {
                "wall_s": round(time.perf_counter() - w0, 3),
                "exit_status": done.returncode,
                "stderr": done.stderr.strip()[:200],
            }
    register = paths.claims_file().read_text(encoding="utf-8")
    results["real_register"] = {**_best(lambda: loads_claims(register)), "bytes": len(register)}
    return results


def main() -> int:
    results = run()
    (HERE / "nesting_results.json").write_text(
        json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    print(json.dumps(results, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
