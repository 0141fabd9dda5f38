"""User-facing errors: one clear line naming the file (or parameter) and the problem.

The command line (:mod:`course.cli.main`) turns them into exit codes: 2 for a
:class:`UsageError` (a bad option or parameter, :class:`ParameterError` included), 1 for any
other :class:`CourseError`. Every class pickles with its message and path intact, so that an
error raised in a worker process reaches the parent as the same one-line error.
"""

from __future__ import annotations

from typing import Any


class CourseError(Exception):
    """A mistake in user input (file, parameter, option), or a failure the user can act on.

    ``path`` (optional) is the file the problem is in; the message then starts with it.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.detail = message
        super().__init__(f"{self.path}: {message}" if self.path else message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.detail, self.path, dict(self.__dict__)))


def _rebuild(cls: type[CourseError], message: str, path: str | None,
             state: dict[str, Any]) -> CourseError:
    """Unpickle any CourseError subclass whatever its ``__init__`` signature."""
    exc = CourseError.__new__(cls)
    Exception.__init__(exc, f"{path}: {message}" if path else message)
    exc.__dict__.update(state)
    return exc


class UsageError(CourseError):
    """A bad command-line argument, option or parameter."""


class ParameterError(UsageError, ValueError):
    """An impossible or malformed exercise parameter; the message names the parameter.

    A ``ValueError`` too, so that the reference (which knows nothing of the command line) can
    raise it for impossible inputs and ordinary Python code can catch it as one.
    """

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(f"parameter '{name}': {message}")
