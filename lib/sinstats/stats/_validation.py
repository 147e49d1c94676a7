"""Argument checks shared by every module of the statistics layer.

One place for the rules, so that a count, a confidence level or a method name is checked the same
way, with the same message, by intervals, trends, funnel limits and the uncertainty model. Every
check raises :class:`~sinstats.errors.ParameterError` (a ``ValueError``) naming the argument.

Two families of array checks are kept because their callers differ in what they accept:

* *broadcasting* checks (:func:`as_finite_array`, :func:`as_counts`, :func:`as_positive`,
  :func:`broadcast`) for the interval functions, which take scalars or arrays of any shape and
  report the first bad value with its position;
* *element* checks (:func:`real_numbers`, :func:`whole_counts`, :func:`positive_numbers`,
  :func:`one_dim`) for trends and funnel plots, which take one value per period or unit and
  report the bad element as ``name[i] = value``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from sinstats._docstrings import fill_doc
from sinstats._typing import FloatArray
from sinstats.errors import ParameterError, PeriodError
from sinstats.periods import Period, parse_period

__all__ = [
    "as_counts",
    "as_finite_array",
    "as_list",
    "as_positive",
    "broadcast",
    "check_conf_level",
    "check_conf_levels",
    "check_name",
    "describe_first",
    "first_flagged",
    "fmt_number",
    "is_number",
    "one_dim",
    "positive_numbers",
    "real_numbers",
    "series_counts",
    "series_exposure",
    "time_axis",
    "whole_counts",
    "whole_pair",
]

_Name = TypeVar("_Name", str, str | None)


def fmt_number(value: float) -> str:
    """Format a number for an error message: ``"3"`` for 3.0, ``"2.5"``, ``"nan"``, ``"inf"``."""
    if math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def is_number(value: object) -> bool:
    """Return True for a real number that is not a boolean (Python or NumPy)."""
    return not isinstance(value, bool | np.bool_) and isinstance(value, numbers.Real)


def first_flagged(mask: npt.NDArray[np.bool_]) -> tuple[tuple[int, ...], str]:
    """Index of the first True element of ``mask`` and ``" at position i"`` (empty for 0-d).

    Parameters
    ----------
    mask : ndarray of bool
        At least one element is True.

    Returns
    -------
    index : tuple of int
        The NumPy index of the element.
    where : str
        ``" at position 2"``, ``" at position (1, 0)"``, or ``""`` for a 0-d mask.
    """
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    if not index:
        return index, ""
    return index, f" at position {index[0] if len(index) == 1 else index}"


def describe_first(arr: FloatArray, mask: npt.NDArray[np.bool_]) -> str:
    """Describe the first element of ``arr`` flagged by ``mask``: ``"-1 at position 2"``."""
    index, where = first_flagged(mask)
    return f"{fmt_number(float(arr[index]))}{where}"


# ---------------------------------------------------------------------------------------------
# Broadcasting checks (intervals): scalars or arrays of any shape
# ---------------------------------------------------------------------------------------------


def _contains_bool(value: object) -> bool:
    if isinstance(value, bool | np.bool_):
        return True
    if isinstance(value, list | tuple):
        return any(_contains_bool(v) for v in value)
    return False


@fill_doc
def as_finite_array(value: npt.ArrayLike, name: str) -> FloatArray:
    """Convert ``value`` to a non-empty array of finite floats (booleans, text, None refused).

    %(check_value)s

    %(check_result)s
        Naming ``name`` and the first offending value.
    """
    not_numbers = f"{name} must be a number or an array of numbers; got {value!r}"
    if value is None or isinstance(value, str | bytes):
        raise ParameterError(not_numbers)
    if _contains_bool(value):
        raise ParameterError(f"{name} must be a number, not a boolean; got {value!r}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(not_numbers) from exc
    if raw.dtype.kind == "b" or (
        raw.dtype.kind == "O" and any(isinstance(v, bool | np.bool_) for v in raw.flat)
    ):
        raise ParameterError(f"{name} must be a number, not a boolean; got {value!r}")
    if raw.dtype.kind not in "iufO":
        raise ParameterError(not_numbers)
    try:
        arr = raw.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ParameterError(not_numbers) from exc
    if arr.size == 0:
        raise ParameterError(f"{name} is empty; give at least one value")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ParameterError(
            f"{name} must be finite (no NaN or infinity); got {describe_first(arr, bad)}"
        )
    return arr


@fill_doc
def as_counts(value: npt.ArrayLike, name: str, unit: str = "events") -> FloatArray:
    """Validate counts: finite, whole and non-negative (3.0 is accepted, 3.5 is not).

    %(check_value)s
    unit : str, default "events"
        What is counted, for the message ("a whole number of events").

    %(check_result)s
        Naming ``name`` and the first value that is not a count.
    """
    arr = as_finite_array(value, name)
    negative = arr < 0
    if negative.any():
        raise ParameterError(f"{name} must be a count >= 0; got {describe_first(arr, negative)}")
    fractional = arr != np.floor(arr)
    if fractional.any():
        raise ParameterError(
            f"{name} must be a whole number of {unit}; got {describe_first(arr, fractional)}"
        )
    return arr


@fill_doc
def as_positive(value: npt.ArrayLike, name: str) -> FloatArray:
    """Validate a strictly positive, finite quantity such as a population or an exposure.

    %(check_value)s

    %(check_result)s
        Naming ``name`` and the first value that is not > 0.
    """
    arr = as_finite_array(value, name)
    bad = arr <= 0
    if bad.any():
        raise ParameterError(f"{name} must be > 0; got {describe_first(arr, bad)}")
    return arr


def broadcast(**arrays: FloatArray) -> tuple[tuple[int, ...], list[FloatArray]]:
    """Broadcast named arrays together.

    Parameters
    ----------
    **arrays : ndarray
        The validated arrays, by argument name.

    Returns
    -------
    shape : tuple of int
        The broadcast shape.
    arrays : list of ndarray
        Float copies of the arrays at that shape, in the order given.

    Raises
    ------
    ParameterError
        Naming the arguments whose shapes do not match.
    """
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    except ValueError:
        described = ", ".join(f"{k} has shape {a.shape}" for k, a in arrays.items() if a.ndim > 0)
        raise ParameterError(
            f"mismatched array lengths: {described}; give arrays of the same length, "
            "or a single number for any of them"
        ) from None
    return shape, [np.broadcast_to(a, shape).astype(np.float64) for a in arrays.values()]


# ---------------------------------------------------------------------------------------------
# Element checks (trends, funnel plots): one value per period or unit
# ---------------------------------------------------------------------------------------------


def _element(name: str, ndim: int, i: int) -> str:
    return name if ndim == 0 else f"{name}[{i}]"


@fill_doc
def real_numbers(value: object, name: str) -> FloatArray:
    """Return a float array from a number, a sequence, an array or a pandas Series of numbers.

    %(check_value)s

    %(check_result)s
        For text, or for the first element that is not a real number (``name[i] = value``).
    """
    if isinstance(value, str | bytes):
        raise ParameterError(f"{name} must be a number or an array of numbers; got {value!r}")
    if isinstance(value, pd.Series | pd.Index):
        value = value.to_numpy()
    raw = np.asarray(value, dtype=object)
    out = np.empty(raw.shape, dtype=np.float64)
    for i, item in enumerate(raw.reshape(-1)):
        if not is_number(item):
            raise ParameterError(f"{_element(name, raw.ndim, i)} = {item!r} is not a number")
        try:
            out.flat[i] = float(item)
        except OverflowError:
            raise ParameterError(
                f"{_element(name, raw.ndim, i)} = {item!r} is too large for a float"
            ) from None
    return out


@fill_doc
def whole_counts(value: object, name: str, missing: str = "counts are required") -> FloatArray:
    """Validate counts element by element: finite, 0 or more, whole.

    %(check_value)s
    missing : str, default "counts are required"
        What to say after a missing (NaN) or infinite count, e.g. "leave the period out".

    %(check_result)s
        For the first element that is not a number, missing, negative or fractional.
    """
    arr = real_numbers(value, name)
    for i, v in enumerate(arr.reshape(-1)):
        where = f"{_element(name, arr.ndim, i)} = {fmt_number(v)}"
        if not math.isfinite(v):
            raise ParameterError(f"{where} is missing or infinite; {missing}")
        if v < 0:
            raise ParameterError(f"{where} is negative; counts must be 0 or more")
        if v != math.floor(v):
            raise ParameterError(f"{where} is not a whole number; counts are whole")
    return arr


@fill_doc
def positive_numbers(value: object, name: str, example: str = "") -> FloatArray:
    """Validate positive finite numbers element by element.

    %(check_value)s
    example : str, default ""
        Appended to the message, e.g. ``" (e.g. a population)"``.

    %(check_result)s
        For the first element that is not a number, or not positive and finite.
    """
    arr = real_numbers(value, name)
    bad = ~np.isfinite(arr) | (arr <= 0)
    if np.any(bad):
        i = int(np.flatnonzero(bad.reshape(-1))[0])
        raise ParameterError(
            f"{_element(name, arr.ndim, i)} = {fmt_number(arr.reshape(-1)[i])} must be a "
            f"positive finite number{example}"
        )
    return arr


@fill_doc
def one_dim(arr: FloatArray, name: str) -> FloatArray:
    """Return ``arr`` as a 1-d array (a scalar becomes one element).

    Parameters
    ----------
    arr : ndarray
        An array from one of the element checks.
    %(arg_name)s

    Returns
    -------
    ndarray
        1-d.

    Raises
    ------
    ParameterError
        For an array of two or more dimensions.
    """
    if arr.ndim == 0:
        return arr.reshape(1)
    if arr.ndim != 1:
        raise ParameterError(f"{name} must be one-dimensional; got shape {arr.shape}")
    return arr


@fill_doc
def whole_pair(value: object, name: str) -> tuple[int, int]:
    """Validate a ``(low, high)`` pair of non-negative whole numbers, low <= high.

    %(check_value)s

    Returns
    -------
    tuple of int

    Raises
    ------
    ParameterError
        For anything else, naming ``name``.
    """
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ParameterError(f"{name} {value!r} must be a pair [low, high]")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
            raise ParameterError(f"{name} {value!r} must hold two non-negative whole numbers")
        out.append(int(v))
    if out[0] > out[1]:
        raise ParameterError(f"{name} {value!r}: low must not exceed high")
    return out[0], out[1]


# ---------------------------------------------------------------------------------------------
# Names from a registry, and confidence levels
# ---------------------------------------------------------------------------------------------


def check_name(value: object, names: Iterable[_Name], argument: str, context: str = "") -> _Name:
    """Check a method (or other) name against a registry; exact names only.

    Parameters
    ----------
    value : object
        The name given.
    names : iterable of str (or None)
        The valid names, e.g. the keys of a module-level registry; ``None`` may be one of them
        (meaning "none").
    argument : str
        The argument's name, for the message (``"method"``).
    context : str, default ""
        Appended after the value, e.g. ``" for poisson_ci"``.

    Returns
    -------
    str or None
        The valid name equal to ``value``.

    Raises
    ------
    ParameterError
        ``unknown method 'exa' for poisson_ci; choose one of 'exact', 'midp'``: no prefixes, no
        case folding.
    """
    options = list(names)
    for option in options:
        if value is option or (
            isinstance(value, str) and isinstance(option, str) and value == option
        ):
            return option
    valid = ", ".join(repr(o) for o in options)
    raise ParameterError(f"unknown {argument} {value!r}{context}; choose one of {valid}")


def check_conf_level(conf_level: object, name: str = "conf_level", *, text: bool = False) -> float:
    """Validate a confidence level: one number strictly between 0 and 1.

    The one rule for every function, notebook parameter and command that takes a confidence
    level. A value between 1 and 100 (95 meaning 95%) is refused with a hint ("0.95, not 95").

    Parameters
    ----------
    conf_level : object
        The value to check: a number (Python or NumPy, or a 0-d array).
    name : str, default "conf_level"
        The argument's name, used in the message.
    text : bool, default False
        Also accept numeric text such as ``"0.95"`` (notebook parameters and command-line
        options arrive as text).

    Returns
    -------
    float

    Raises
    ------
    ParameterError
        (a ``ValueError``) naming the argument and the value.
    """
    value = conf_level
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if text and isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            pass
    if not is_number(value):
        raise ParameterError(f"{name} must be a single number in (0, 1), e.g. 0.95; got {value!r}")
    try:
        level = float(value)  # type: ignore[arg-type]
    except OverflowError:  # an integer too large for a float
        level = math.inf
    if not math.isfinite(level):
        raise ParameterError(f"{name} must be a proportion in (0, 1), e.g. 0.95; got {level}")
    if 1 < level < 100:
        raise ParameterError(
            f"{name} must be a proportion in (0, 1), "
            f"e.g. {fmt_number(level / 100)}, not {fmt_number(level)}; got {fmt_number(level)}"
        )
    if not 0 < level < 1:
        raise ParameterError(
            f"{name} must be a proportion in (0, 1), e.g. 0.95; got {fmt_number(level)}"
        )
    return level


def check_conf_levels(conf_levels: object, name: str = "conf_levels") -> tuple[float, ...]:
    """Validate several confidence levels: at least one, each by :func:`check_conf_level`.

    Parameters
    ----------
    conf_levels : object
        A level or an iterable of levels.
    name : str, default "conf_levels"
        The argument's name; an element is named ``name[i]``.

    Returns
    -------
    tuple of float
        The levels, ascending.

    Raises
    ------
    ParameterError
        For anything but numbers, no level at all, a bad level, or a repeated level.
    """
    if is_number(conf_levels) or (isinstance(conf_levels, np.ndarray) and conf_levels.ndim == 0):
        items: list[object] = [conf_levels]
    elif isinstance(conf_levels, Iterable) and not isinstance(conf_levels, str | bytes):
        items = list(conf_levels)
    else:
        raise ParameterError(
            f"{name} must be a list of levels such as (0.8, 0.95); got {conf_levels!r}"
        )
    if not items:
        raise ParameterError(f"{name} is empty; give at least one level such as 0.95")
    levels = [check_conf_level(c, f"{name}[{i}]") for i, c in enumerate(items)]
    if len(set(levels)) != len(levels):
        raise ParameterError(f"{name} repeats a level: {levels!r}")
    return tuple(sorted(levels))


# ---------------------------------------------------------------------------------------------
# Series: one value per period (trends and segmented models)
# ---------------------------------------------------------------------------------------------


def as_list(value: object, name: str) -> list[object]:
    """Return a sequence argument (one value per period) as a list."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ParameterError(f"{name} must be a sequence of values, one per period; got {value!r}")
    arr = value.to_numpy() if isinstance(value, (pd.Series, pd.Index)) else value
    if isinstance(arr, np.ndarray) and arr.ndim != 1:
        raise ParameterError(f"{name} must be one-dimensional; got an array of shape {arr.shape}")
    return list(arr)


def time_axis(periods: object) -> FloatArray:
    """Turn period ids or plain numbers into decimal years."""
    items = as_list(periods, "periods")
    times: list[float] = []
    kinds: set[str] = set()
    for i, item in enumerate(items):
        if isinstance(item, Period):
            kinds.add("period")
            times.append(item.midpoint)
        elif isinstance(item, str):
            kinds.add("period")
            try:
                times.append(parse_period(item).midpoint)
            except PeriodError as exc:
                raise ParameterError(f"periods[{i}] = {item!r} is not a period: {exc}") from exc
        elif is_number(item):
            value = float(item)  # type: ignore[arg-type]
            if not math.isfinite(value):
                raise ParameterError(f"periods[{i}] = {item!r} is not a finite number")
            kinds.add("number")
            times.append(value)
        else:
            raise ParameterError(
                f"periods[{i}] = {item!r} is neither a period id (such as '2025-26') nor a number"
            )
    if len(kinds) > 1:
        raise ParameterError(
            "periods mixes period ids (such as '2025-26') with plain numbers; "
            "use one or the other so that the time axis is unambiguous"
        )
    t = np.asarray(times, dtype=np.float64)
    uniq, counts = np.unique(t, return_counts=True)
    if np.any(counts > 1):
        dup = [items[i] for i in range(len(items)) if t[i] in set(uniq[counts > 1].tolist())]
        raise ParameterError(
            f"periods must not repeat a period; repeated: {dup!r} (a series has one count per "
            "period; missing periods are simply left out)"
        )
    return t


def series_counts(counts: object) -> FloatArray:
    """Validate the counts: one whole number >= 0 per period."""
    items = as_list(counts, "counts")
    return one_dim(whole_counts(items, "counts", missing="leave the period out"), "counts")


def series_exposure(exposure: object, n: int) -> FloatArray | None:
    """Validate the exposure: one positive number per period, or one for every period."""
    if exposure is None:
        return None
    if is_number(exposure):
        items: list[object] = [exposure] * n
    else:
        items = as_list(exposure, "exposure")
        if len(items) != n:
            raise ParameterError(
                f"exposure has {len(items)} values but counts has {n}; give one per period"
            )
    return one_dim(positive_numbers(items, "exposure", " (e.g. a population)"), "exposure")
