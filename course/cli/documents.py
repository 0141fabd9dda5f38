"""Commands that check a course and make its documents: validate, exam, build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from course.base.i18n import pick, text

from .app import CourseOpt, LangOpt, app, console, err_console, lang_of, warn


@app.command()
def validate(course_path: Path = typer.Argument(Path("course.yml"), help="Path of course.yml."),
             lang: str | None = typer.Option(None, "--lang", help="fr or en: the language of the error line (default: the course language).")) -> None:
    """Validate course.yml, its exercises, its own questions and its roster: everything `course
    exam` and `course build` would find wrong, each in one line."""
    from course.planning.config import load_course
    from course.planning.validate import check_course

    c = load_course(course_path)
    lang = lang_of(lang) if lang else c.language
    for w in check_course(c):
        warn(pick(w, lang))
    own = sorted(c.catalogue.own)
    n = (len(c.roster), len(c.exercises), len(c.data.assignments), len(c.data.exams))
    console.print(f"[green]OK[/green] {course_path}: '{c.title_in(lang)}' ({c.language}), " + pick(text(
        f"{n[0]} élèves, {n[1]} exercices, {n[2]} devoirs, {n[3]} examens"
        + (f", questions du cours : {', '.join(own)}" if own else ""),
        f"{n[0]} students, {n[1]} exercises, {n[2]} assignments, {n[3]} exams"
        + (f", own questions: {', '.join(own)}" if own else "")), lang), highlight=False, soft_wrap=True)


@app.command()
def exam(
    name: str = typer.Argument(..., help="Exam id in course.yml (exams: NAME)."),
    roster: Path | None = typer.Option(None, "--roster", help="CSV with an id column (default: course.yml's roster)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: build/exams/NAME next to course.yml)."),
    formats: str = typer.Option("pdf,tex,md,moodle,qti", "--format", help="Comma-separated: pdf, tex, md, moodle, qti."),
    lang: str | None = LangOpt,
    jobs: int | None = typer.Option(None, "--jobs", help="Parallel jobs (default: the number of cores)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    course_path: Path = CourseOpt,
) -> None:
    """Per-student exam sheets and answer keys (PDF, LaTeX, Markdown), a manifest, a Moodle XML bank and a Canvas QTI package."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from course.documents.exam import build_exam

    if lang is not None:
        lang = lang_of(lang)
    with Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True,
                  disable=quiet or not err_console.is_terminal) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = build_exam(course_path, name, roster=roster, out=out, formats=formats, lang=lang,
                            jobs=jobs, progress=progress)
    times = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items())
    console.print("[green]OK[/green] " + pick(text(
        f"examen « {name} » : {result.students} élèves, {len(result.files)} fichiers dans "
        f"{result.out} ({times})",
        f"exam '{name}': {result.students} students, {len(result.files)} files in {result.out} "
        f"({times})"), lang or lang_of(None, course_path)))


@app.command()
def build(
    assignment: str = typer.Argument(..., help="Assignment id in course.yml (assignments: ID)."),
    roster: Path | None = typer.Option(None, "--roster", help="CSV with an id column (default: course.yml's roster)."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: out/ASSIGNMENT next to course.yml)."),
    lang: str | None = LangOpt,
    execute: bool = typer.Option(False, "--execute/--no-execute", help="Execute the solutions notebooks in a Jupyter kernel."),
    kernel: str | None = typer.Option(None, "--kernel", help="Kernel for --execute (default: python3)."),
    course_path: Path = CourseOpt,
) -> None:
    """Per-student homework notebooks with public checks; solutions, manifest and hidden tests for the instructor."""
    from course.documents.notebooks import build_assignment
    from course.planning.config import load_course, load_roster

    c = load_course(course_path)
    ids = load_roster(roster) if roster is not None else None
    r = build_assignment(c, assignment, roster=ids, out=out, lang=lang_of(lang) if lang else None,
                         execute=execute, kernel=kernel)
    console.print("[green]OK[/green] " + pick(text(
        f"devoir « {assignment} » : {r.students} notebooks dans {r.out / 'student'}, solutions, "
        f"manifeste et tests cachés dans {r.out / 'instructor'} ({r.seconds:.1f} s"
        + (f", {r.executed} solutions exécutées)" if execute else ")"),
        f"assignment '{assignment}': {r.students} notebooks in {r.out / 'student'}, solutions, "
        f"manifest and hidden tests in {r.out / 'instructor'} ({r.seconds:.1f} s"
        + (f", {r.executed} solutions executed)" if execute else ")")),
        lang_of(lang) if lang else c.language), highlight=False, soft_wrap=True)
