"""User-facing errors: one clear line naming the file (or parameter) and the problem."""

from __future__ import annotations


class CourseError(Exception):
    """A mistake in user input (file, parameter, option). The CLI prints it in one line.

    ``exit_code`` is 2 for usage errors (bad option, bad parameter) and 1 for failures.
    """

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(f"{self.path}: {message}" if self.path else message)


class UsageError(CourseError):
    """A bad command-line argument or parameter (exit code 2)."""

    exit_code = 2


class ParameterError(UsageError, ValueError):
    """An impossible or malformed exercise parameter; the message names the parameter."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"parameter '{name}': {message}")
