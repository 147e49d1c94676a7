"""Coverage gate run by `make test` after all test stages.

Fails (exit 1) when the line coverage of lib/sinstats as a whole is under 90%, or when any single
module is under 80%: a new module without tests must not hide behind the well-tested rest.

Usage: python tests/coverage_gate.py [coverage.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TOTAL_MIN = 90.0
MODULE_MIN = 80.0


def main(path: str = ".coverage.json") -> int:
    report = json.loads(Path(path).read_text(encoding="utf-8"))
    total = float(report["totals"]["percent_covered"])
    low = {
        name: float(info["summary"]["percent_covered"])
        for name, info in sorted(report["files"].items())
        if float(info["summary"]["percent_covered"]) < MODULE_MIN
    }
    ok = True
    if total < TOTAL_MIN:
        print(f"coverage gate: lib/sinstats total {total:.1f}% is under {TOTAL_MIN:.0f}%")
        ok = False
    for name, pct in low.items():
        print(f"coverage gate: {name} is {pct:.1f}% covered, under the {MODULE_MIN:.0f}% floor")
        ok = False
    if ok:
        print(
            f"coverage gate: total {total:.1f}% (>= {TOTAL_MIN:.0f}%), every module >= "
            f"{MODULE_MIN:.0f}%"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
