"""``course export PATH --to moodle|canvas|gradescope``: the files an LMS imports, from the last
``course grade PATH`` (:mod:`course.grader.export`); what was written and the warnings, in the
course language."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from course.base.i18n import colon
from course.cli.app import LangOpt, app, console, lang_of
from course.grader.export import EXPORTERS, describe, export_folder

TEXT = {
    "written": {"fr": "écrit", "en": "written"},
    "warning": {"fr": "attention", "en": "warning"},
    "none": {"fr": "aucun avertissement", "en": "no warning"},
    "next": {"fr": "marche à suivre dans le LMS : docs/lms.md", "en": "what to do in the LMS: docs/lms.md"},
}

_FORMATS = "; ".join(f"{n}: {describe(n)}" for n in EXPORTERS)


@app.command("export")
def export(
    path: Path = typer.Argument(..., help="What `course grade` graded (its folder or zip)."),
    to: str = typer.Option(..., "--to", help=f"The LMS ({_FORMATS})."),
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: PATH/export/FORMAT/)."),
    missing: str = typer.Option("blank", "--missing", help="Students who handed nothing in: blank (left out, the LMS keeps its grade) or zero."),
    points: float | None = typer.Option(None, "--points", help="Export grades out of this many points (the LMS's maximum), rescaled from the gradebook's."),
    column: str | None = typer.Option(None, "--column", help="Canvas: the assignment's column, 'Title (id)' (default: its title in course.yml)."),
    lang: str | None = LangOpt,
    roster: Path | None = typer.Option(None, "--roster", help="The roster file `course grade --roster` used."),
    course_path: Path | None = typer.Option(None, "--course", "-c", help="course.yml (default: found from PATH)."),
) -> None:
    """Write what Moodle (grading worksheet, feedback zip), Canvas (gradebook CSV) or Gradescope
    (autograder zip) imports, from the last `course grade PATH`: grades are read, never
    recomputed; PATH/overrides.csv applies."""
    _, res, lang = export_folder(path, to, out=out, lang=lang_of(lang) if lang else None,
                                 course_path=course_path, roster=roster, missing=missing,
                                 points=points, column=column)
    for f in res.files:
        console.print(f"{TEXT['written'][lang]}{colon(lang)} {escape(str(f))}", highlight=False,
                      soft_wrap=True)
    for w in res.warnings:
        console.print(f"[yellow]{TEXT['warning'][lang]}{colon(lang)}[/yellow] {escape(w)}", highlight=False,
                      soft_wrap=True)
    if not res.warnings:
        console.print(TEXT["none"][lang], highlight=False)
    console.print(TEXT["next"][lang], highlight=False)
