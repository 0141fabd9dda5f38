"""``course export PATH --to FORMAT``: what an LMS imports, written from the last
``course grade PATH`` (its signed batch file, today's overrides.csv): a grade is read from the
gradebook, never computed here. See docs/lms.md for each LMS's menus.

:data:`EXPORTERS` maps a format's name to its exporter, a function
``(course, gradebook, intake, out_dir, lang, options) -> Exported`` (:mod:`.common`) whose
docstring's first line is the format's description: adding a format is one module here and
its line in the dict.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from course.base.errors import UsageError
from course.base.i18n import text

from . import canvas, gradescope, moodle
from .common import MISSING_POLICIES, Exported, Options

Exporter = Callable[..., Exported]

#: format name -> exporter
EXPORTERS: dict[str, Exporter] = {
    "moodle": moodle.export,
    "canvas": canvas.export,
    "gradescope": gradescope.export,
}


def describe(name: str) -> str:
    """The first line of an exporter's docstring."""
    return (EXPORTERS[name].__doc__ or name).strip().splitlines()[0]


def export_folder(path: Path, fmt: str, *, out: Path | None = None, lang: str | None = None,
                  course_path: Path | None = None, roster: Path | None = None,
                  missing: str = "blank", points: float | None = None,
                  column: str | None = None) -> tuple[Any, Exported, str]:
    """Export the last grading of ``path`` (a folder or zip ``course grade`` graded) to
    ``fmt``, into ``out`` (default ``PATH/export/<fmt>/``); returns the course, what was
    written and the language used."""
    from ..run import load_gradebook

    if fmt not in EXPORTERS:
        raise UsageError(text(f"--to : format « {fmt} » inconnu (connus : {', '.join(sorted(EXPORTERS))})", f"--to: unknown format '{fmt}' (known: {', '.join(sorted(EXPORTERS))})"))
    if missing not in MISSING_POLICIES:
        raise UsageError(text(f"--missing : attendu {' ou '.join(MISSING_POLICIES)}, reçu « {missing} »", f"--missing: expected {' or '.join(MISSING_POLICIES)}, got '{missing}'"))
    if points is not None and not points > 0:
        raise UsageError(text(f"--points doit être > 0 (reçu : {points})", f"--points must be > 0, got {points}"))
    if fmt == "gradescope" and (points is not None or column is not None or roster is not None):
        raise UsageError(text("--points, --column et --roster ne s'appliquent pas à --to gradescope (l'autograder corrige avec la liste de la classe de course.yml ; réglez les points dans Gradescope)", "--points, --column and --roster do not apply to --to gradescope (the "
                         "autograder grades with course.yml's roster; set the points in Gradescope)"))
    path = Path(path)
    source = path if path.is_dir() else path.parent / path.stem
    course, gb, intake = load_gradebook(path, course_path=course_path, roster=roster)
    lang = lang or course.language
    out = Path(out) if out is not None else source / "export" / fmt
    options = Options(missing=missing, points=points, column=column, source=source)
    return course, EXPORTERS[fmt](course, gb, intake, out, lang, options), lang
