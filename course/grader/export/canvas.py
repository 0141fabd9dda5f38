"""Canvas: a gradebook CSV for Grades > Import.

What Canvas's importer reads (app/models/gradebook_importer.rb): a header whose first cell
holds "Student" and second "ID", then "SIS User ID", "SIS Login ID" and "Section" (the last
student column must be "Section"); each further column is an assignment, found by its id when
the name ends in ``(id)`` ("Devoir 3 (12345)"), else by its exact title, else created as a new
assignment (the confirmation page shows it); a row whose first cell holds "Points Possible"
gives the points of each column; each student row is found by its ID (Canvas's user id), else
its SIS User ID, else its SIS Login ID, else its name. A grade is a number (a comma is read as
the decimal point), a blank cell means "no grade": students without a grade to export are left
out (see :mod:`.common`), and so are students with no Canvas identity at all (no user id from
the roster's ``lms_id`` or the Canvas archive, no ``sis_id``, no ``login``), never matched by
their name alone.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from course.base.files import atomic_write
from course.planning.config import title_in

from ..gradebook import Gradebook
from ..outputs import csv_cell
from .common import (
    Exported,
    Ids,
    Options,
    grade_to_export,
    left_out_warning,
    number,
    recorded_identities,
    resolve_ids,
    say,
    target_points,
)

HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_ROW = "Points Possible"

T = {
    "nobody": {"fr": "{sid} : aucune identité Canvas (ni lms_id, ni sis_id, ni login, absent de "
                     "l'archive Canvas) : laissé hors du fichier",
               "en": "{sid}: no Canvas identity (no lms_id, sis_id or login, not in the Canvas "
                     "archive): left out of the file"},
    "column": {"fr": "colonne « {column} » : Canvas l'associe au devoir de ce titre exact, sinon "
                     "en crée un nouveau ; --column \"Titre (id)\" la lie au devoir d'identifiant id",
               "en": "column '{column}': Canvas matches it to the assignment of this exact title, "
                     "else creates a new one; --column \"Title (id)\" ties it to assignment id"},
}


def canvas_ids(course: Any, gb: Gradebook, intake: dict[str, Any], lang: str,
               warnings: list[str]) -> Ids:
    """Each student's Canvas user id: the Canvas archive's names the intake mapped (signed in
    the batch file) and the roster's ``lms_id``."""
    cand: dict[str, list[str]] = {r.student: [] for r in gb.rows}
    for ident in recorded_identities(intake, "canvas"):
        if ident.student in cand:
            cand[ident.student].append(ident.lms_id)
    for sid in cand:
        lms_id = (course.people.get(sid) or {}).get("lms_id", "")
        if lms_id.isdigit():
            cand[sid].append(lms_id)
    return resolve_ids(cand, "Canvas", lang, warnings)


def export(course: Any, gb: Gradebook, intake: dict[str, Any], out: Path, lang: str,
           options: Options | None = None) -> Exported:
    """gradebook CSV

    ``<assignment>-canvas-grades.csv`` (Grades > Import)."""
    options = options or Options()
    res = Exported()
    ids = canvas_ids(course, gb, intake, lang, res.warnings)
    column = options.column or title_in(course.data.assignments[gb.assignment].title, lang,
                                        course.language, f"assignments.{gb.assignment}.title")
    if not re.search(r"\(\d+\)\s*$", column):
        res.warnings.append(say(T["column"], lang, column=column))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*HEADER, column])
    w.writerow([POINTS_ROW, "", "", "", "", number(target_points(gb, options))])
    for row in gb.rows:
        grade = grade_to_export(row, gb, options)
        if grade is None:
            res.warnings.append(left_out_warning(row, lang))
            continue
        if row.student in ids.conflicted:
            continue  # said by canvas_ids
        person = course.people.get(row.student) or {}
        uid, sis, login = ids.of.get(row.student, ""), person.get("sis_id", ""), person.get("login", "")
        if not (uid or sis or login):
            res.warnings.append(say(T["nobody"], lang, sid=row.student))
            continue
        w.writerow([csv_cell(c) for c in (person.get("name") or row.student, uid, sis, login,
                                          person.get("section", ""), number(grade))])
    path = out / f"{gb.assignment}-canvas-grades.csv"
    atomic_write(path, buf.getvalue())
    res.files.append(path)
    return res
