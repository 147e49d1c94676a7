"""Every error type of sinstats: the expected, user-fixable problems.

Every error here carries a sentence a user can act on: what was wrong, where, and what is allowed.
The command-line interface prints the message without a traceback and exits with status 2. The
hierarchy::

    SinstatsError
    ├── DataError (ValueError)          a data file is missing, malformed or fails validation
    ├── NoDataError (LookupError)       a valid request for a figure that was never published
    ├── PeriodError (ValueError)        a period that cannot be parsed
    ├── ConfigError (ValueError)        reports.yml, data/assumptions.yml or a claims file
    │   └── ClaimsError                 a claims file (every Problem with claim, field, line)
    ├── ParameterError (ValueError)     a function, notebook or command argument
    │   └── ComponentError              one parameter of an uncertainty-model component
    ├── FetchError                      a download refused
    │   └── ArchiveError                an unsafe, corrupt or wrong archive
    ├── BuildLockedError                another build holds the reports folder
    └── OutputError                     a file or folder cannot be written (full disk, read-only,
                                        permission) or is the wrong kind of path
"""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from dataclasses import dataclass


class SinstatsError(Exception):
    """Base class for every expected error in sinstats."""


def _located(message: str, *places: tuple[str, object]) -> str:
    """Return ``message`` after the places that are known: ``"a.csv, line 3: message"``.

    Each place is a format with one ``{}`` and its value, left out when the value is None.
    """
    prefix = ", ".join(form.format(value) for form, value in places if value is not None)
    return f"{prefix}: {message}" if prefix else message


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
        super().__init__(
            _located(message, ("{}", path), ("line {}", line), ("column '{}'", column))
        )


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
        super().__init__(_located(message, ("{}", path), ("key '{}'", key)))


class ParameterError(SinstatsError, ValueError):
    """A notebook or command parameter has an invalid value."""


class ComponentError(ParameterError):
    """A parameter of an uncertainty-model component is invalid; ``key`` names the parameter.

    Parameters
    ----------
    component : str
        The component's name.
    key : str
        The parameter concerned.
    reason : str
        What is wrong and what is allowed.
    """

    def __init__(self, component: str, key: str, reason: str) -> None:
        self.component = component
        self.key = key
        self.reason = reason
        super().__init__(f"component '{component}', {key}: {reason}")


@dataclass(frozen=True)
class Problem:
    """One problem in a claims file.

    Attributes
    ----------
    message : str
        What is wrong and what is allowed.
    index : int or None
        0-based position of the claim in the file (None for a file-level problem).
    claim : str or None
        The claim's id, when it has a readable one.
    field : str or None
        The field concerned, dotted for nested fields (``numerator.period``).
    line : int or None
        1-based line in the file, when known.
    """

    message: str
    index: int | None = None
    claim: str | None = None
    field: str | None = None
    line: int | None = None

    def describe(self) -> str:
        """Return ``claim 'id' (entry 3, line 12), field 'kind': message``."""
        if self.index is not None:
            who = f"claim '{self.claim}'" if self.claim else "claim with no valid id"
            line = "" if self.line is None else f", line {self.line}"
            place: str | None = f"{who} (entry {self.index + 1}{line})"
        elif self.line is not None:
            place = f"line {self.line}"
        else:
            place = None
        return _located(self.message, ("{}", place), ("field '{}'", self.field or None))


class ClaimsError(ConfigError):
    """A claims file is invalid: every problem names the file, the claim, the field and the line.

    Parameters
    ----------
    problems : sequence of Problem
        At least one problem.
    path : str
        The claims file (``"<claims>"`` for text not read from a file).

    Attributes
    ----------
    problems : tuple of Problem
        Every problem found, in file order.
    claim_id, field : str or None
        Of the first problem (convenient in tests and notebooks).
    """

    def __init__(self, problems: Sequence[Problem], path: str) -> None:
        if not problems:
            problems = [Problem("invalid claims file")]
        self.problems = tuple(problems)
        first = self.problems[0]
        self.claim_id = first.claim
        self.field = first.field
        lines = [f"{path}: {p.describe()}" for p in self.problems]
        if len(lines) > 1:
            lines.insert(1, f"({len(lines)} problems in all)")
        ConfigError.__init__(self, "\n".join(lines))
        self.path = path
        key = ".".join(k for k in (first.claim, first.field) if k)
        self.key = key or None


class FetchError(SinstatsError):
    """A download or an archive was refused; the message says why and what to do."""


class ArchiveError(FetchError):
    """An archive is unsafe, corrupt or not a release (checked before anything is installed)."""


class BuildLockedError(SinstatsError):
    """Another build holds the lock on the reports folder."""


# What to do about the operating-system errors a user can meet when writing (by errno).
_OS_ADVICE: dict[int, str] = {
    errno.ENOSPC: "no space left on the device (the disk is full); free some space and run again",
    errno.EDQUOT: "the disk quota is exhausted; free some space and run again",
    errno.EROFS: "the file system is read-only; choose a writable folder",
    errno.EACCES: "permission denied; choose a folder you may write to, or fix its permissions",
    errno.EPERM: "operation not permitted (an immutable or protected file?); choose another folder",
    errno.EISDIR: "is a folder where a file is needed; give a file name",
    errno.ENOTDIR: "a file stands where a folder is needed; give a folder",
    errno.EEXIST: "already exists and is not what was expected; remove it or choose another path",
    errno.ENAMETOOLONG: "the path is too long; choose a shorter one",
}

#: The errno values of :class:`OSError` that are the user's to fix (full disk, read-only folder,
#: permissions, wrong kind of path): reported as an :class:`OutputError`, never as a traceback.
EXPECTED_OS_ERRORS: frozenset[int] = frozenset(_OS_ADVICE)


class OutputError(SinstatsError):
    """A file or folder cannot be written or is the wrong kind of path; nothing was half-written.

    Parameters
    ----------
    message : str
        What is wrong and what to do.
    path : str, optional
        The file or folder concerned.
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None) -> None:
        self.path = None if path is None else os.fspath(path)
        super().__init__(_located(message, ("{}", self.path)))

    @classmethod
    def from_os_error(
        cls, err: OSError, doing: str, path: str | os.PathLike[str] | None = None
    ) -> OutputError:
        """Return the error for an :class:`OSError` met while ``doing`` something.

        Parameters
        ----------
        err : OSError
            The operating system's error.
        doing : str
            What was being done, e.g. ``"writing the manifest"``.
        path : path-like, optional
            The path concerned (default: the error's own file name).

        Returns
        -------
        OutputError
            With one sentence: what was being done, what went wrong, what to do.
        """
        where = path if path is not None else err.filename
        advice = _OS_ADVICE.get(err.errno or 0) or (err.strerror or str(err))
        return cls(f"cannot finish {doing}: {advice}", path=where)
