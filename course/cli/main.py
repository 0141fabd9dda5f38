"""The ``course`` command line (typer + rich): runs the commands of :mod:`.questions`,
:mod:`.authoring`, :mod:`.documents`, :mod:`.grading` and :mod:`.export`.

User mistakes (a bad file, parameter or option) print one line naming the file or the
parameter and the problem, with exit code 2 for usage errors (:class:`UsageError`, a bad
parameter included) and 1 for other failures (:class:`CourseError`); never a traceback. The
line is in the command's language (:func:`error_language`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
import typer.main
from rich.markup import escape

from course.base.errors import CourseError, UsageError

from . import authoring, documents, export, grading, questions  # noqa: F401 - they register the commands
from .app import app, err_console


def _print_notices(argv: list[str] | None) -> None:
    """The notes of this command (:data:`course.planning.secret.NOTICES`), in its language."""
    from course.base.i18n import pick
    from course.planning.secret import NOTICES

    if not NOTICES:
        return
    lang = error_language(argv)
    for n in NOTICES:
        err_console.print(f"[yellow]note:[/yellow] {escape(pick(n, lang))}", highlight=False, soft_wrap=True)
    NOTICES.clear()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning user mistakes into one-line errors."""
    try:
        return _run(argv)
    finally:
        _print_notices(argv)


def _course_language(course_path: Path) -> str | None:
    """The ``language:`` of ``course_path`` when it reads as YAML, whatever else is wrong in it
    (an error about a broken course.yml is said in its language): else None."""
    import yaml

    try:
        data = yaml.safe_load(course_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return None
    lang = data.get("language", "fr")  # course.yml's default language
    return lang if lang in ("fr", "en") else None


def error_language(argv: list[str] | None) -> str:
    """The language of a command's error line: its ``--lang`` when valid, else the language of
    its course (``--course``, else the course.yml the command finds from its PATH argument
    (``course grade``, ``course export``), else ./course.yml; ``course validate``'s argument),
    read from that file's ``language:`` key alone, else English (no course, or course.yml
    unreadable as YAML). The arguments are parsed again, leniently, without running anything."""
    params: dict[str, Any] = {}
    try:
        group = typer.main.get_command(app)
        args = list(sys.argv[1:] if argv is None else argv)
        with group.make_context("course", args, resilient_parsing=True) as ctx:
            head = getattr(ctx, "_protected_args", None) or getattr(ctx, "protected_args", [])
            rest = [*head, *ctx.args]
            _, cmd, rest = group.resolve_command(ctx, rest)  # type: ignore[attr-defined]
            if cmd is not None:
                with cmd.make_context(cmd.name, rest, parent=ctx, resilient_parsing=True) as sub:
                    params = dict(sub.params)
    except Exception:  # an unparsable command line: only the course folder's course.yml
        params = {}
    lang = params.get("lang")
    if lang in ("fr", "en"):
        return str(lang)
    course = params.get("course_path")
    if course is None and isinstance(params.get("path"), Path):
        from course.grader.run import find_course

        try:
            course = find_course(params["path"])
        except CourseError:
            course = None
    course = Path(course) if course is not None else Path("course.yml")
    return _course_language(course) or "en"


def _run(argv: list[str] | None) -> int:
    try:
        rc = app(args=argv, standalone_mode=False)
    except CourseError as exc:
        line = exc.line(error_language(argv))
        err_console.print(f"[bold red]error:[/bold red] {escape(line)}", highlight=False, soft_wrap=True)
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
