"""User-facing errors: one clear line naming the file (or parameter) and the problem.

The message is a :data:`~course.base.i18n.Text` from ``text(fr, en)`` (every message the
toolkit itself raises) or a plain ``str`` (English only: a rare or third-party message).
``str(exc)`` is always the English line; :meth:`CourseError.line` gives it in a language (the
English one when no French was given). The command line (:mod:`course.cli.main`) prints the
line in the command's language and turns errors into exit codes: 2 for a :class:`UsageError`
(a bad option or parameter, :class:`ParameterError` included), 1 for any other
:class:`CourseError`. Every class pickles with both languages and its path intact, so that an
error raised in a worker process reaches the parent as the same one-line error.
"""

from __future__ import annotations

from typing import Any

from .i18n import Text, colon, pick


def _texts(message: str | Text) -> Text:
    """A message as a text: a plain string is English only."""
    return {"en": message} if isinstance(message, str) else dict(message)


class CourseError(Exception):
    """A mistake in user input (file, parameter, option), or a failure the user can act on.

    ``message``: ``text(fr, en)``, or an English ``str``. ``path`` (optional) is the file the
    problem is in; the line then starts with it.
    """

    def __init__(self, message: str | Text, *, path: str | None = None) -> None:
        self.path = str(path) if path is not None else None
        self.texts = _texts(message)
        self.detail = pick(self.texts, "en")
        super().__init__(self.line("en"))

    def line(self, lang: str) -> str:
        """The one-line message in ``lang`` (English when it was given in English only)."""
        message = self.texts.get(lang) or self.detail
        if self.path is None:
            return message
        return f"{self.path}{colon(lang if lang in self.texts else 'en')} {message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.detail, self.path, dict(self.__dict__)))


def _rebuild(cls: type[CourseError], message: str, path: str | None,
             state: dict[str, Any]) -> CourseError:
    """Unpickle any CourseError subclass whatever its ``__init__`` signature."""
    exc = CourseError.__new__(cls)
    Exception.__init__(exc, f"{path}: {message}" if path else message)
    exc.__dict__.update(state)
    return exc


def line_of(exc: BaseException, lang: str) -> str:
    """``exc``'s line in ``lang``: a :class:`CourseError`'s own, else ``str(exc)`` (for the
    messages that wrap another error)."""
    return exc.line(lang) if isinstance(exc, CourseError) else str(exc)


class UsageError(CourseError):
    """A bad command-line argument, option or parameter."""


class AnswerError(CourseError, ValueError):
    """An answer a check cannot read (``course check --answer``, a notebook's answer cell).

    A ``ValueError`` too: the checks' callers (the grader included) catch it as one.
    """


class ParameterError(UsageError, ValueError):
    """An impossible or malformed exercise parameter; the message names the parameter.

    A ``ValueError`` too, so that the reference (which knows nothing of the command line) can
    raise it for impossible inputs and ordinary Python code can catch it as one.
    """

    def __init__(self, name: str, message: str | Text) -> None:
        self.name = name
        m = _texts(message)
        t = {"en": f"parameter '{name}': {pick(m, 'en')}"}
        if m.get("fr"):
            t["fr"] = f"paramètre '{name}' : {m['fr']}"
        super().__init__(t)
