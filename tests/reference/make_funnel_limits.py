"""Write tests/reference/funnel_limits.csv: Poisson funnel limits computed with mpmath.

Independent of sinstats and scipy: the Poisson distribution function is the regularised upper
incomplete gamma function, P(X <= k) = Q(k + 1, E), i.e.
mpmath.gammainc(k + 1, E, inf, regularized=True), evaluated with 50 significant digits.
Run from the repository root:

    .venv/bin/python tests/reference/make_funnel_limits.py
"""

from __future__ import annotations

import csv
from pathlib import Path

import mpmath

mpmath.mp.dps = 50

EXPECTED = [
    "0.5",
    "1",
    "2",
    "2.5",
    "3",
    "5",
    "9",
    "10",
    "30",
    "37.3",
    "100",
    "146",
    "379",
    "482",
    "1000.5",
]
CONF_LEVELS = ["0.95", "0.998"]
OUT = Path(__file__).with_name("funnel_limits.csv")

CDF = "Q(k+1,E) = gammainc(k+1, E, inf, regularized=True) with mp.dps=50"


def cdf(k: int, e: mpmath.mpf) -> mpmath.mpf:
    """P(X <= k) for X ~ Poisson(e)."""
    if k < 0:
        return mpmath.mpf(0)
    return mpmath.gammainc(k + 1, e, mpmath.inf, regularized=True)


def quantile(q: mpmath.mpf, e: mpmath.mpf) -> int:
    """Smallest whole k with P(X <= k) >= q."""
    k = 0
    while cdf(k, e) < q:
        k += 1
    return k


def main() -> None:
    rows = []
    for e_text in EXPECTED:
        e = mpmath.mpf(e_text)
        for level_text in CONF_LEVELS:
            p = (1 - mpmath.mpf(level_text)) / 2
            for tail, q in (("lower", p), ("upper", 1 - p)):
                r = quantile(q, e)
                rows.append(
                    {
                        "expected": e_text,
                        "conf_level": level_text,
                        "tail": tail,
                        "method": "exact",
                        "value": str(r),
                        "source": f"smallest whole k with P(X<=k) >= {mpmath.nstr(q, 6)}, "
                        f"X~Poisson(E); P(X<=k) = {CDF}",
                    }
                )
                alpha = (cdf(r, e) - q) / (cdf(r, e) - cdf(r - 1, e))
                value = max(r - alpha, mpmath.mpf(0))
                rows.append(
                    {
                        "expected": e_text,
                        "conf_level": level_text,
                        "tail": tail,
                        "method": "interpolated",
                        "value": mpmath.nstr(value, 17),
                        "source": f"max(0, r - alpha), r = exact limit ({r}), alpha = "
                        f"(P(X<=r) - {mpmath.nstr(q, 6)}) / (P(X<=r) - P(X<=r-1)) "
                        f"(Spiegelhalter 2005 Stat Med appendix A.1.1); P(X<=k) = {CDF}",
                    }
                )
    with OUT.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
