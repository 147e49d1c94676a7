"""Write independent reference values for ``sinstats.stats.intervals`` using mpmath only.

Regenerate (from the repository root) with::

    .venv/bin/python tests/reference/make_interval_references.py

and commit the CSVs it writes beside this file: ``poisson_ci.csv``, ``rate_ci.csv``,
``proportion_ci.csv``, ``rate_ratio.csv`` and ``rate_ratio_test.csv``.

Independence: this script imports neither sinstats nor scipy nor numpy. Every value comes from
its definition, evaluated in 50-digit arithmetic:

* exact (Garwood) Poisson limits and Clopper-Pearson limits are found by root-finding on tail
  sums of the Poisson or binomial probability mass function (not from chi-square or beta
  quantile functions, which is what the library uses);
* mid-p limits are found by root-finding on the mid-p tail sums;
* Jeffreys limits by root-finding on the regularised incomplete beta function;
* Byar, normal, Wilson, Newcombe's continuity-corrected Wilson and Agresti-Coull limits from
  their closed forms, with z = sqrt(2) * erfinv(conf_level);
* the exact conditional two-sided p-value by R's ``binom.test`` algorithm written out here.

The ``source`` column gives the formula and the equivalent R call for each row. Values are
written with 25 significant digits.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import mpmath as mp

mp.mp.dps = 50

HERE = Path(__file__).resolve().parent
COUNTS = [0, 1, 2, 3, 5, 9, 10, 30, 146, 379, 482]
CONF_LEVELS = ["0.95", "0.998"]
PHE_BYAR_FROM = 10
R_REL_ERR = 1 + mp.mpf("1e-7")

Mpf = mp.mpf


def fmt(value: Mpf | int | float) -> str:
    value = mp.mpf(value)
    if mp.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    return mp.nstr(value, 25, min_fixed=-5, max_fixed=25)


def z_of(conf: Mpf) -> Mpf:
    """Two-sided normal quantile: Phi^{-1}(1 - alpha/2) = sqrt(2) erfinv(conf)."""
    return mp.sqrt(2) * mp.erfinv(conf)


def root(f: Callable[[Mpf], Mpf], lo: Mpf, hi: Mpf) -> Mpf:
    """Root of a monotone function with a sign change on [lo, hi].

    Bisection to a narrow bracket, then Anderson-Bjorck (bracketing) to full precision; the
    residual is checked so that a failed solve cannot slip into the CSV.
    """
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0:
        return lo
    if f_hi == 0:
        return hi
    if mp.sign(f_lo) == mp.sign(f_hi):
        raise ValueError(f"no sign change on [{lo}, {hi}]")
    for _ in range(60):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if mp.sign(f_mid) == mp.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi, f_hi = mid, f_mid
    x = mp.findroot(f, (lo, hi), solver="anderson", tol=mp.mpf(10) ** (-2 * mp.mp.dps + 10))
    if not lo <= x <= hi or abs(f(x)) > mp.mpf(10) ** (-35):
        raise ValueError(f"root finding failed near {x}")
    return x


# --- Poisson ------------------------------------------------------------------------------


def pois_pmfs(n_max: int, mu: Mpf) -> list[Mpf]:
    """P(X = k) for k = 0..n_max, by the recurrence p_k = p_{k-1} mu / k."""
    p = [mp.exp(-mu)]
    for k in range(1, n_max + 1):
        p.append(p[-1] * mu / k)
    return p


def pois_cdf(x: int, mu: Mpf) -> Mpf:
    """P(X <= x); 0 for x < 0."""
    if x < 0:
        return mp.mpf(0)
    return mp.fsum(pois_pmfs(x, mu))


def pois_pmf(x: int, mu: Mpf) -> Mpf:
    return mp.exp(-mu) * mu**x / mp.factorial(x)


def poisson_bracket(x: int) -> tuple[Mpf, Mpf]:
    return mp.mpf(0), mp.mpf(x) + 12 * mp.sqrt(x + 1) + 30


def poisson_exact(x: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    half = (1 - conf) / 2
    lo, hi = poisson_bracket(x)
    lower = mp.mpf(0) if x == 0 else root(lambda m: (1 - pois_cdf(x - 1, m)) - half, lo, x)
    upper = root(lambda m: pois_cdf(x, m) - half, mp.mpf(x), hi)
    return lower, upper


def poisson_midp(x: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    half = (1 - conf) / 2
    lo, hi = poisson_bracket(x)

    def upper_tail(m: Mpf) -> Mpf:  # P(X > x) + P(X = x)/2
        return 1 - pois_cdf(x, m) + pois_pmf(x, m) / 2 - half

    def lower_tail(m: Mpf) -> Mpf:  # P(X < x) + P(X = x)/2
        return pois_cdf(x - 1, m) + pois_pmf(x, m) / 2 - half

    lower = mp.mpf(0) if x == 0 else root(upper_tail, lo, mp.mpf(x))
    upper = root(lower_tail, lo if x == 0 else mp.mpf(x) / 2, hi)
    return lower, upper


def poisson_byar(x: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    z = z_of(conf)
    if x == 0:
        lower = mp.mpf(0)
    else:
        lower = max(mp.mpf(0), x * (1 - mp.mpf(1) / (9 * x) - z / (3 * mp.sqrt(x))) ** 3)
    x1 = x + 1
    upper = x1 * (1 - mp.mpf(1) / (9 * x1) + z / (3 * mp.sqrt(x1))) ** 3
    return lower, upper


def poisson_normal(x: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    z = z_of(conf)
    return max(mp.mpf(0), x - z * mp.sqrt(x)), x + z * mp.sqrt(x)


def poisson_phe(x: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    return poisson_exact(x, conf) if x < PHE_BYAR_FROM else poisson_byar(x, conf)


POISSON = {
    "exact": (
        poisson_exact,
        "poisson.test({x}, conf.level={c})$conf.int; Garwood: P(X>=x;L)=a/2, P(X<=x;U)=a/2",
    ),
    "midp": (
        poisson_midp,
        'exactci::poisson.exact({x}, midp=TRUE, tsmethod="central", conf.level={c}); '
        "P(X>x;L)+P(X=x;L)/2=a/2, P(X<x;U)+P(X=x;U)/2=a/2",
    ),
    "byar": (
        poisson_byar,
        "PHEindicatormethods byars_lower/upper: x(1-1/(9x)-z/(3sqrt(x)))^3 [0 at x=0 or if <0], "
        "(x+1)(1-1/(9(x+1))+z/(3sqrt(x+1)))^3",
    ),
    "normal": (poisson_normal, "max(0, x - z sqrt(x)), x + z sqrt(x)"),
    "phe": (poisson_phe, "PHE rule: exact (Garwood) if x < 10, else Byar"),
}


def phe_used(x: int, method: str) -> str:
    if method != "phe":
        return method
    return "exact" if x < PHE_BYAR_FROM else "byar"


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (HERE / name).open("w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {name}")


def make_poisson() -> dict[tuple[str, int, str], tuple[Mpf, Mpf]]:
    cache: dict[tuple[str, int, str], tuple[Mpf, Mpf]] = {}
    rows = []
    for method, (func, source) in POISSON.items():
        for conf in CONF_LEVELS:
            for x in COUNTS:
                lower, upper = func(x, mp.mpf(conf))
                cache[(method, x, conf)] = (lower, upper)
                rows.append(
                    [
                        method,
                        str(x),
                        conf,
                        fmt(x),
                        fmt(lower),
                        fmt(upper),
                        phe_used(x, method),
                        source.format(x=x, c=conf),
                    ]
                )
    write(
        "poisson_ci.csv",
        ["method", "count", "conf_level", "estimate", "lower", "upper", "method_used", "source"],
        rows,
    )
    return cache


def make_rate(cache: dict[tuple[str, int, str], tuple[Mpf, Mpf]]) -> None:
    # England's population aged 0-17 is about 12 million; a local authority's about 50,000.
    settings = [("12000000", "100000"), ("48250", "10000")]
    rows = []
    for method in POISSON:
        for conf in CONF_LEVELS:
            for x in COUNTS:
                lower, upper = cache[(method, x, conf)]
                for population, per in settings:
                    scale = mp.mpf(per) / mp.mpf(population)
                    rows.append(
                        [
                            method,
                            str(x),
                            population,
                            per,
                            conf,
                            fmt(x * scale),
                            fmt(lower * scale),
                            fmt(upper * scale),
                            phe_used(x, method),
                            f"{method} limits for count {x} (poisson_ci.csv) * per / population"
                            + (
                                f"; poisson.test({x}, T={population}/{per}, conf.level={conf})"
                                "$conf.int"
                                if method == "exact"
                                else ""
                            ),
                        ]
                    )
    write(
        "rate_ci.csv",
        [
            "method",
            "count",
            "population",
            "per",
            "conf_level",
            "estimate",
            "lower",
            "upper",
            "method_used",
            "source",
        ],
        rows,
    )


# --- Binomial -----------------------------------------------------------------------------


def binom_pmfs(n: int, p: Mpf) -> list[Mpf]:
    """P(X = k) for k = 0..n."""
    return [mp.binomial(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]


def binom_cdf(x: int, n: int, p: Mpf) -> Mpf:
    if x < 0:
        return mp.mpf(0)
    if x >= n:
        return mp.mpf(1)
    return mp.fsum(mp.binomial(n, k) * p**k * (1 - p) ** (n - k) for k in range(x + 1))


def binom_pmf(x: int, n: int, p: Mpf) -> Mpf:
    return mp.binomial(n, x) * p**x * (1 - p) ** (n - x)


def clopper_pearson(x: int, n: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    half = (1 - conf) / 2
    lower = (
        mp.mpf(0)
        if x == 0
        else root(lambda p: 1 - binom_cdf(x - 1, n, p) - half, mp.mpf(0), mp.mpf(x) / n)
    )
    upper = (
        mp.mpf(1) if x == n else root(lambda p: binom_cdf(x, n, p) - half, mp.mpf(x) / n, mp.mpf(1))
    )
    return lower, upper


def binom_midp(x: int, n: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    half = (1 - conf) / 2

    def upper_tail(p: Mpf) -> Mpf:
        return 1 - binom_cdf(x, n, p) + binom_pmf(x, n, p) / 2 - half

    def lower_tail(p: Mpf) -> Mpf:
        return binom_cdf(x - 1, n, p) + binom_pmf(x, n, p) / 2 - half

    lower = mp.mpf(0) if x == 0 else root(upper_tail, mp.mpf(0), mp.mpf(1))
    upper = mp.mpf(1) if x == n else root(lower_tail, mp.mpf(0), mp.mpf(1))
    return lower, upper


def wilson(x: int, n: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    z = z_of(conf)
    centre = (x + z**2 / 2) / (n + z**2)
    half = z * mp.sqrt(mp.mpf(x) * (n - x) / n + z**2 / 4) / (n + z**2)
    lower = mp.mpf(0) if x == 0 else centre - half
    upper = mp.mpf(1) if x == n else centre + half
    return lower, upper


def wilson_cc(x: int, n: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    """Newcombe (1998) method 4, with R's prop.test special cases."""
    if 2 * x == n:  # R: correction min(0.5, |x - n/2|) = 0
        return wilson(x, n, conf)
    z = z_of(conf)
    p = mp.mpf(x) / n
    denom = 2 * (n + z**2)
    if x == 0:
        lower = mp.mpf(0)
    else:
        lower = (
            2 * n * p + z**2 - 1 - z * mp.sqrt(z**2 - 2 - mp.mpf(1) / n + 4 * p * (n * (1 - p) + 1))
        ) / denom
    if x == n:
        upper = mp.mpf(1)
    else:
        upper = (
            2 * n * p + z**2 + 1 + z * mp.sqrt(z**2 + 2 - mp.mpf(1) / n + 4 * p * (n * (1 - p) - 1))
        ) / denom
    return max(lower, mp.mpf(0)), min(upper, mp.mpf(1))


def jeffreys(x: int, n: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    half = (1 - conf) / 2
    a, b = x + mp.mpf("0.5"), n - x + mp.mpf("0.5")

    def cdf(p: Mpf) -> Mpf:
        return mp.betainc(a, b, 0, p, regularized=True)

    lower = mp.mpf(0) if x == 0 else root(lambda p: cdf(p) - half, mp.mpf(0), mp.mpf(1))
    upper = mp.mpf(1) if x == n else root(lambda p: cdf(p) - (1 - half), mp.mpf(0), mp.mpf(1))
    return lower, upper


def agresti_coull(x: int, n: int, conf: Mpf) -> tuple[Mpf, Mpf]:
    z = z_of(conf)
    n_t = n + z**2
    p_t = (x + z**2 / 2) / n_t
    half = z * mp.sqrt(p_t * (1 - p_t) / n_t)
    return max(mp.mpf(0), p_t - half), min(mp.mpf(1), p_t + half)


PROPORTION = {
    "wilson": (
        wilson,
        "prop.test({x}, {n}, conf.level={c}, correct=FALSE)$conf.int; "
        "(x+z^2/2 -+ z sqrt(x(n-x)/n+z^2/4))/(n+z^2)",
    ),
    "wilson_cc": (
        wilson_cc,
        "prop.test({x}, {n}, conf.level={c}, correct=TRUE)$conf.int; Newcombe 1998 method 4 "
        "(0 at x=0, 1 at x=n, no correction at x=n/2 as in R)",
    ),
    "clopper_pearson": (
        clopper_pearson,
        "binom.test({x}, {n}, conf.level={c})$conf.int; P(X>=x;L)=a/2, P(X<=x;U)=a/2",
    ),
    "jeffreys": (
        jeffreys,
        "qbeta(c(a/2, 1-a/2), {x}+0.5, {n}-{x}+0.5), 0 at x=0, 1 at x=n (Brown et al 2001)",
    ),
    "agresti_coull": (
        agresti_coull,
        "p~ -+ z sqrt(p~(1-p~)/n~), n~=n+z^2, p~=(x+z^2/2)/n~, truncated to [0, 1]",
    ),
}


def make_proportion() -> None:
    pairs = sorted(
        {(x, n) for x in COUNTS for n in (10, 50, 482, x) if 1 <= n and x <= n}
        | {(241, 482), (25, 50)}
    )
    rows = []
    for method, (func, source) in PROPORTION.items():
        for conf in CONF_LEVELS:
            for x, n in pairs:
                lower, upper = func(x, n, mp.mpf(conf))
                rows.append(
                    [
                        method,
                        str(x),
                        str(n),
                        conf,
                        fmt(mp.mpf(x) / n),
                        fmt(lower),
                        fmt(upper),
                        source.format(x=x, n=n, c=conf),
                    ]
                )
    write(
        "proportion_ci.csv",
        ["method", "count", "n", "conf_level", "estimate", "lower", "upper", "source"],
        rows,
    )


# --- Rate ratios --------------------------------------------------------------------------


def exact_p_value(x: int, n: int, p: Mpf, alternative: str) -> Mpf:
    """R's binom.test p-value (two-sided: 'minlike' with relative tolerance 1 + 1e-7)."""
    if alternative == "less":
        return binom_cdf(x, n, p)
    if alternative == "greater":
        return 1 - binom_cdf(x - 1, n, p)
    pmfs = binom_pmfs(n, p)
    d = pmfs[x]
    m = n * p
    if x == m:
        return mp.mpf(1)
    if x < m:
        y = sum(1 for i in range(int(mp.ceil(m)), n + 1) if pmfs[i] <= d * R_REL_ERR)
        pval = mp.fsum(pmfs[: x + 1]) + mp.fsum(pmfs[n - y + 1 :])
    else:
        y = sum(1 for i in range(0, int(mp.floor(m)) + 1) if pmfs[i] <= d * R_REL_ERR)
        pval = mp.fsum(pmfs[:y]) + mp.fsum(pmfs[x:])
    return min(mp.mpf(1), pval)


def midp_p_value(x: int, n: int, p: Mpf, alternative: str) -> Mpf:
    """Mid-p; two-sided = twice the smaller one-sided mid-p value, capped at 1 (central)."""
    less = binom_cdf(x - 1, n, p) + binom_pmf(x, n, p) / 2
    greater = 1 - binom_cdf(x, n, p) + binom_pmf(x, n, p) / 2
    if alternative == "less":
        return less
    if alternative == "greater":
        return greater
    return min(mp.mpf(1), 2 * min(less, greater))


def score_p_value(x: int, n: int, p: Mpf, alternative: str) -> Mpf:
    z = (x - n * p) / mp.sqrt(n * p * (1 - p))
    if alternative == "less":
        return mp.ncdf(z)
    if alternative == "greater":
        return mp.ncdf(-z)
    return mp.erfc(abs(z) / mp.sqrt(2))


RATE_RATIO = {
    "exact": (
        clopper_pearson,
        exact_p_value,
        "poisson.test(c({x1}, {x2}), c({t1}, {t2}), conf.level={c}): Clopper-Pearson on "
        "p=x1/(x1+x2), ratio=p/(1-p)*t2/t1; binom.test two-sided p-value",
    ),
    "midp": (
        binom_midp,
        midp_p_value,
        'exactci::poisson.exact(c({x1}, {x2}), c({t1}, {t2}), midp=TRUE, tsmethod="central", '
        "conf.level={c}): mid-p binomial limits; p = 2 min(one-sided mid-p)",
    ),
    "score": (
        wilson,
        score_p_value,
        "Wilson limits on p=x1/(x1+x2), ratio=p/(1-p)*t2/t1; "
        "p = erfc(|x1 - n p0|/sqrt(2 n p0 (1-p0)))",
    ),
}

RATIO_CASES = [
    (379, 482, "1", "1"),
    (357, 338, "1", "1"),
    (160, 162, "1", "1"),
    (0, 5, "1", "1"),
    (5, 0, "1", "1"),
    (3, 9, "1", "1"),
    (146, 30, "1", "1"),
    (379, 482, "12100000", "11950000"),
    (357, 338, "12300000", "12100000"),
    (3, 9, "0.5", "1.5"),
    (0, 5, "2", "3"),
    (5, 0, "2", "3"),
    (11, 21, "800", "3011"),
]


def to_ratio(p: Mpf, t1: Mpf, t2: Mpf) -> Mpf:
    return mp.inf if p == 1 else p / (1 - p) * t2 / t1


def make_rate_ratio() -> None:
    rows = []
    for method, (ci, test, source) in RATE_RATIO.items():
        for conf in CONF_LEVELS:
            for x1, x2, t1s, t2s in RATIO_CASES:
                t1, t2 = mp.mpf(t1s), mp.mpf(t2s)
                n = x1 + x2
                p_lo, p_hi = ci(x1, n, mp.mpf(conf))
                estimate = mp.inf if x2 == 0 else (x1 / t1) / (x2 / t2)
                p_value = test(x1, n, t1 / (t1 + t2), "two-sided")
                rows.append(
                    [
                        method,
                        str(x1),
                        str(x2),
                        t1s,
                        t2s,
                        conf,
                        fmt(estimate),
                        fmt(to_ratio(p_lo, t1, t2)),
                        fmt(to_ratio(p_hi, t1, t2)),
                        fmt(p_value),
                        source.format(x1=x1, x2=x2, t1=t1s, t2=t2s, c=conf),
                    ]
                )
    write(
        "rate_ratio.csv",
        [
            "method",
            "count1",
            "count2",
            "exposure1",
            "exposure2",
            "conf_level",
            "estimate",
            "lower",
            "upper",
            "p_value",
            "source",
        ],
        rows,
    )


def make_rate_ratio_test() -> None:
    cases = [
        (379, 482, "1", "1", "0.8"),
        (379, 482, "12100000", "11950000", "1.2"),
        (3, 9, "1", "1", "0.5"),
        (160, 162, "1", "1", "1"),
        (0, 5, "1", "1", "0.25"),
        (11, 21, "800", "3011", "2"),
    ]
    rows = []
    for method, (_, test, _) in RATE_RATIO.items():
        for x1, x2, t1s, t2s, rs in cases:
            t1, t2, r = mp.mpf(t1s), mp.mpf(t2s), mp.mpf(rs)
            p0 = r * t1 / (r * t1 + t2)
            for alternative in ("two-sided", "less", "greater"):
                r_alt = {"two-sided": "two.sided"}.get(alternative, alternative)
                rows.append(
                    [
                        method,
                        str(x1),
                        str(x2),
                        t1s,
                        t2s,
                        rs,
                        alternative,
                        fmt(test(x1, x1 + x2, p0, alternative)),
                        f"x1 ~ Bin(x1+x2, r t1/(r t1 + t2)); {method} p-value; R (exact): "
                        f"poisson.test(c({x1}, {x2}), c({t1s}, {t2s}), r={rs}, "
                        f'alternative="{r_alt}")$p.value',
                    ]
                )
    write(
        "rate_ratio_test.csv",
        [
            "method",
            "count1",
            "count2",
            "exposure1",
            "exposure2",
            "ratio",
            "alternative",
            "p_value",
            "source",
        ],
        rows,
    )


def main() -> None:
    cache = make_poisson()
    make_rate(cache)
    make_proportion()
    make_rate_ratio()
    make_rate_ratio_test()


if __name__ == "__main__":
    main()
