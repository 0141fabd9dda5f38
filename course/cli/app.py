"""The ``course`` command's application object, consoles and shared options; the commands are
in :mod:`.questions`, :mod:`.authoring`, :mod:`.documents` and :mod:`.grading`, and
:mod:`.main` runs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from course import __version__
from course.base.errors import CourseError, UsageError
from course.base.i18n import text

app = typer.Typer(
    name="course",
    help="Randomized deep-learning exercises, exam sheets with keys, and a secure notebook grader.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

LangOpt = typer.Option(None, "--lang", help="fr or en (default: the course language, else fr).")
CourseOpt = typer.Option(Path("course.yml"), "--course", "-c", help="Path of course.yml.")


def _version(value: bool) -> None:
    if value:
        console.print(f"course {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Randomized deep-learning exercises, exam sheets with keys, and a secure notebook grader."""


def lang_of(lang: str | None, course_path: Path | None = None) -> str:
    """``--lang``, else the course's language (when course.yml exists), else fr."""
    if lang is None and course_path is not None and course_path.exists():
        from course.planning.config import load_course
        try:
            return load_course(course_path, check_families=False).language
        except CourseError:
            return "fr"
    lang = lang or "fr"
    if lang not in ("fr", "en"):
        raise UsageError(text(f"--lang doit être 'fr' ou 'en' (reçu : {lang!r})", f"--lang must be 'fr' or 'en', got {lang!r}"))
    return lang


def catalogue_of(course_path: Path) -> Any:
    """The questions a command can use: the course's catalogue when course.yml exists (its own
    questions included), else the built-in one."""
    from course.generator.catalogue import catalogue

    if course_path.exists():
        from course.planning.config import load_course

        return load_course(course_path, check_families=False).catalogue
    return catalogue(None)


def warn(text: str) -> None:
    err_console.print(f"[yellow]warning:[/yellow] {escape(text)}", highlight=False, soft_wrap=True)
