"""The ``course`` command line (typer + rich): runs the commands of :mod:`.questions`,
:mod:`.authoring`, :mod:`.documents`, :mod:`.grading` and :mod:`.export`.

User mistakes (a bad file, parameter or option) print one line naming the file or the
parameter and the problem, with exit code 2 for usage errors (:class:`UsageError`, a bad
parameter included) and 1 for other failures (:class:`CourseError`); never a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from course.base.errors import CourseError, UsageError

from . import authoring, documents, export, grading, questions  # noqa: F401 - they register the commands
from .app import app, err_console


def _print_notices() -> None:
    from course.planning.secret import NOTICES

    for n in NOTICES:
        err_console.print(f"[yellow]note:[/yellow] {escape(n)}", highlight=False, soft_wrap=True)
    NOTICES.clear()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning user mistakes into one-line errors."""
    try:
        return _run(argv)
    finally:
        _print_notices()


def _run(argv: list[str] | None) -> int:
    try:
        rc = app(args=argv, standalone_mode=False)
    except CourseError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
        return 2 if isinstance(exc, UsageError) else 1
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err_console.print("aborted")
        return 1
    except Exception as exc:
        # click usage errors (typer may vendor its own click, so match the class by name)
        if any(c.__name__ == "ClickException" for c in type(exc).__mro__):
            exc.show()  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        raise
    return rc if isinstance(rc, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
