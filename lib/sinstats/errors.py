"""Error types raised for expected, user-fixable problems.

Every error here carries a sentence a user can act on: what was wrong, where, and what is allowed.
The command-line interface prints the message without a traceback and exits with status 2.
"""

from __future__ import annotations


class SinstatsError(Exception):
    """Base class for every expected error in sinstats."""


class DataError(SinstatsError, ValueError):
    """A data file is missing, malformed or fails validation.

    Parameters
    ----------
    message : str
        What is wrong, in one sentence.
    path : str, optional
        The file concerned.
    line : int, optional
        The 1-based line number in the file (the header is line 1).
    column : str, optional
        The column name concerned.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.reason = message
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class NoDataError(SinstatsError, LookupError):
    """A valid request for a figure that has not been published (e.g. 2017-18)."""


class PeriodError(SinstatsError, ValueError):
    """A period string that cannot be parsed."""


class ConfigError(SinstatsError, ValueError):
    """A configuration file (assumptions, reports matrix, claims) is invalid.

    Parameters
    ----------
    message : str
        What is wrong.
    path : str, optional
        The file concerned.
    key : str, optional
        The key (or claim id and field) concerned.
    """

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        where = []
        if path is not None:
            where.append(str(path))
        if key is not None:
            where.append(f"key '{key}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ParameterError(SinstatsError, ValueError):
    """A notebook or command parameter has an invalid value."""
