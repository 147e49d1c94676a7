"""Numbers in words: the small formatting rules every notebook and table shares.

One place decides how a count, a rate, a percentage or an interval is written, so a figure reads
the same in a sentence, a table and a chart's alt text.
"""

from __future__ import annotations

import math


def count_text(value: float) -> str:
    """Write a count with thousands separators (``1,234``); ``"not published"`` for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not published"
    return f"{value:,.0f}"


def number_text(value: float, decimals: int = 1) -> str:
    """Write a number with fixed decimals and thousands separators; ``"-"`` for NaN."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "infinite"
    return f"{value:,.{decimals}f}"


def interval_text(lower: float, upper: float, decimals: int = 0, sep: str = " to ") -> str:
    """Write an interval, e.g. ``"321 to 396"`` or ``"0.91-1.23"`` with ``sep="-"``."""
    return f"{number_text(lower, decimals)}{sep}{number_text(upper, decimals)}"


def level_text(conf_level: float) -> str:
    """Write a confidence level as a percentage: 0.95 -> ``"95%"``, 0.998 -> ``"99.8%"``."""
    return f"{100 * conf_level:g}%"


def p_text(p_value: float) -> str:
    """Write a p-value: ``"p = 0.27"``, ``"p = 0.003"`` or ``"p < 0.001"``."""
    if math.isnan(p_value):
        return "p not available"
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.01:
        return f"p = {p_value:.3f}"
    return f"p = {p_value:.2f}"


def p_sig_text(p_value: float) -> str:
    """Write a p-value to two significant digits below 0.1: ``"p = 0.046"``, ``"p = 0.36"``.

    For p-values read against a 5% threshold, where :func:`p_text`'s ``p = 0.05`` for 0.046
    would blur which side of it the value lies.
    """
    if math.isnan(p_value):
        return "p not available"
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.1:
        return f"p = {p_value:.2g}"
    return f"p = {min(p_value, 1.0):.2f}"


def trimmed(value: float, places: int = 4) -> str:
    """Write a number with at most ``places`` decimals, trailing zeros dropped.

    ``0.05`` (not ``0.0500``), ``95`` (not ``95.0000``), ``99.8``.
    """
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


def p_number(p_value: float) -> str:
    """Write a p-value as a bare number: ``0.0005``, ``0.86``, ``1``; ``3.2e-06`` below 0.0001.

    For a sentence that shows the exact value; :func:`p_text` writes the rounded ``p = ...``.
    """
    if p_value < 0.0001:
        return f"{p_value:.1e}"
    return trimmed(min(p_value, 1.0), 4)


def ordinal(n: int) -> str:
    """Return ``1st``, ``2nd``, ``3rd``, ``4th`` ... ``11th``, ``12th``, ``13th``, ``21st``."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def join_words(items: list[str]) -> str:
    """Join phrases as English: ``a``, ``a and b``, ``a, b and c``."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"


METHOD_WORDS: dict[str, str] = {
    "exact": "Exact",
    "midp": "Mid-p",
    "byar": "Byar",
    "normal": "Normal approximation",
    "wilson": "Wilson",
    "clopper_pearson": "Clopper-Pearson",
    "jeffreys": "Jeffreys",
    "score": "Score",
    "agresti_coull": "Agresti-Coull",
    "wald": "Wald",
}
"""Interval methods' names in words, for headers and sentences (the ids stay in the CSVs)."""


def method_words(method: str) -> str:
    """Write an interval method's id in words: ``midp`` -> ``"Mid-p"``.

    An id not in :data:`METHOD_WORDS` is written with spaces for underscores and a capital
    first letter (``"some_method"`` -> ``"Some method"``).
    """
    name = str(method)
    if name in METHOD_WORDS:
        return METHOD_WORDS[name]
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]
