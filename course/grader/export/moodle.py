"""Moodle: an offline grading worksheet (CSV) for the assignment's "Upload grading worksheet",
and a zip of feedback files for "Upload multiple feedback files in a zip".

What Moodle's importers read (mod/assign/feedback/offline/importgradeslib.php and locallib.php,
mod/assign/feedback/file/importziplib.php):

- the worksheet's columns are found by their names *in the importing user's language*: the
  identifier (``get_string('recordid', 'assign')``: "Identifier", "Identifiant"), the grade
  (``get_string('grade')``: "Grade", "Note") and the grade's last modification
  (``get_string('lastmodifiedgrade', 'assign')``), all three required; the feedback comments
  column (the comments plugin's name: "Feedback comments", "Feedback par commentaires") is
  read when that plugin is on;
- the participant id is what follows ``get_string('hiddenuser', 'assign')`` in the identifier
  ("Participant " in English, "Participant" in French): "Participant 123" reads as 123 in
  both; the id is the assignment's own (Moodle draws one per student and assignment), the
  number in the "Download all submissions" names and the worksheet;
- the grade goes through ``unformat_float``: the decimal point is read in every language; a
  blank grade or one above the assignment's maximum is skipped; a row whose grade Moodle
  changed more than a minute after its "Last modified (grade)" is skipped (unless the
  instructor ticks "Allow updating records that have been modified more recently in Moodle
  than in the spreadsheet"): ours is the time of the export, ISO 8601, which ``strtotime``
  reads;
- a feedback file is attached to the participant whose id is the second ``_``-separated field
  of its name: ``<full name>_<participant id>_assignfeedback_file_<file name>`` (the name
  without ``_``, the id numeric, the plugin ``assignfeedback`` / ``file``).

The participant ids come from the Moodle archive the intake read (signed in the batch file)
and from the grading worksheets it read (beside the submissions; recommended: it holds
everyone, those who handed nothing in too). Never from the roster: Moodle draws a participant
id per assignment (``assign_user_mapping``), not the user's id. When a
worksheet was read, its own column names and identifiers are reused (the importer reads them
in the language the worksheet was downloaded in) and its maximum grade is checked.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from course.base.errors import UsageError
from course.base.files import atomic_write

from ..feedback import feedback_md, md_to_html
from ..gradebook import Gradebook
from ..grading import STATUS_TEXT
from ..late import iso
from ..lms import IdentityMap, LmsName, WorksheetRow
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
    says,
    target_points,
)

#: Moodle's strings for the worksheet's columns (lang/en and lang/fr of mod_assign, core,
#: assignfeedback_comments), by our key
COLUMNS = {
    "en": {"id": "Identifier", "name": "Full name", "email": "Email address", "status": "Status",
           "grade": "Grade", "max": "Maximum Grade", "change": "Grade can be changed",
           "submitted": "Last modified (submission)", "modified": "Last modified (grade)",
           "comments": "Feedback comments"},
    "fr": {"id": "Identifiant", "name": "Nom complet", "email": "Adresse de courriel",
           "status": "Statut", "grade": "Note", "max": "Note maximale",
           "change": "La note peut être modifiée",
           "submitted": "Dernière modification (travail remis)",
           "modified": "Dernière modification (note)", "comments": "Feedback par commentaires"},
}
ORDER = ["id", "name", "email", "status", "grade", "max", "change", "submitted", "modified",
         "comments"]
#: names of the same columns in other Moodle versions (older language packs)
ALIASES = {"maximum grade": "max", "email": "email", "adresse courriel": "email",
           "dernière modification (remise)": "submitted", "commentaires de feedback": "comments"}
HIDDEN_USER = "Participant "  # written with the space: read as the id in English and French
YES = {"en": "Yes", "fr": "Oui"}
FEEDBACK_PLUGIN = "assignfeedback_file"

T = {
    "no_pid": {"fr": "{sid} : pas d'identifiant de participant Moodle (ni dans l'archive, ni dans "
                     "la feuille de notes : mettez-la à côté des remises) : laissé hors du fichier",
               "en": "{sid}: no Moodle participant id (not in the archive nor in a grading "
                     "worksheet: put it beside the submissions): left out of the file"},
    "gone": {"fr": "feuille de notes Moodle {path} introuvable (lue par course grade) : ses "
                   "identifiants manquent", "en": "Moodle grading worksheet {path} is gone (course "
                   "grade read it): its participant ids are missing"},
    "max": {"fr": "{path} : la note maximale du devoir dans Moodle est {moodle}, celle du carnet "
                  "de notes {ours} : donnez --points {moodle} pour exporter des notes sur "
                  "{moodle}, ou mettez la note maximale du devoir Moodle à {ours}",
            "en": "{path}: the assignment's maximum grade in Moodle is {moodle}, the gradebook's "
                  "{ours}: give --points {moodle} to export grades out of {moodle}, or set the "
                  "Moodle assignment's maximum grade to {ours}"},
}


def _norm(cell: str) -> str:
    return " ".join(cell.strip().lower().split())


class Worksheet:
    """A Moodle grading worksheet as downloaded: its column names (by our key), its rows
    (participant id -> identifier text, full name, e-mail) and its maximum grade."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        rows = [r for r in csv.reader(io.StringIO(text)) if r]
        header = rows[0] if rows else []
        known = {_norm(v): k for cols in COLUMNS.values() for k, v in cols.items()}
        known.update(ALIASES)
        self.names: dict[str, str] = {}  # our key -> the worksheet's column name
        col: dict[str, int] = {}
        for i, name in enumerate(header):
            key = known.get(_norm(name))
            if key is not None and key not in col:
                self.names[key], col[key] = name.strip(), i
        self.lang = "fr" if self.names.get("id", "").lower() == "identifiant" else "en"
        self.ident: dict[str, str] = {}
        self.people: dict[str, tuple[str, str]] = {}
        self.maximum: float | None = None

        def cell(r: list[str], key: str) -> str:
            i = col.get(key)
            return r[i].strip() if i is not None and i < len(r) else ""

        for r in rows[1:]:
            pid = re.sub(r"\D", "", cell(r, "id"))
            if not pid:
                continue
            self.ident[pid] = cell(r, "id")
            self.people[pid] = (cell(r, "name"), cell(r, "email").lower())
            mx = cell(r, "max").replace(",", ".").replace(" ", "")
            try:
                self.maximum = float(mx) if mx else self.maximum
            except ValueError:
                pass


def read_worksheets(intake: dict[str, Any], source: Path | None, lang: str,
                    warnings: list[str]) -> list[Worksheet]:
    """The grading worksheets the last ``course grade`` read (their paths are in the signed
    batch file, relative to the submissions folder), read again for their identities."""
    if source is None:
        return []
    base = source / "submissions" if (source / "submissions").is_dir() else source
    out = []
    for rel in intake.get("worksheets") or []:
        p = base / rel
        try:
            text = p.read_bytes().decode("utf-8-sig", "replace")
        except OSError:
            warnings.append(say(T["gone"], lang, path=p))
            continue
        out.append(Worksheet(p, text))
    return out


def participant_ids(course: Any, gb: Gradebook, intake: dict[str, Any],
                    sheets: list[Worksheet], lang: str,
                    warnings: list[str]) -> Ids:
    """Each student's participant id (module docstring: the archive, then the worksheets)."""
    cand: dict[str, list[str]] = {r.student: [] for r in gb.rows}
    for ident in recorded_identities(intake, "moodle"):
        if ident.student in cand:
            cand[ident.student].append(ident.lms_id)
    for ws in sheets:
        rows = {pid: WorksheetRow(pid, n, e, None) for pid, (n, e) in ws.people.items()}
        ids = IdentityMap(course.people, rows)
        for pid, (name, _) in ws.people.items():
            sid, _how = ids.owner(LmsName("moodle", name, pid, ""))
            if sid in cand:
                cand[sid].append(pid)
    return resolve_ids(cand, "Moodle", lang, warnings)


def file_name_part(text: str) -> str:
    """A full name as the first field of a feedback file's name: no ``_`` (the importer
    splits on it), no ``/``, no control character, not hidden (no leading ``.`` or ``~``)."""
    t = " ".join(re.sub(r"[_/\\\x00-\x1f\x7f]", " ", text).split()).lstrip(".~ ")
    return t or "student"


def feedback_body(html: str) -> str:
    """The inside of the ``<body>`` of a feedback page (for the comments column)."""
    m = re.search(r"<body[^>]*>(.*)</body>", html, re.S)
    return m.group(1).strip() if m else html


def export(course: Any, gb: Gradebook, intake: dict[str, Any], out: Path, lang: str,
           options: Options | None = None) -> Exported:
    """grading worksheet CSV and feedback files zip

    ``<assignment>-moodle-worksheet.csv`` (Upload grading worksheet) and
    ``<assignment>-moodle-feedback.zip`` (Upload multiple feedback files in a zip)."""
    options = options or Options()
    res = Exported()
    sheets = read_worksheets(intake, options.source, lang, res.warnings)
    pids = participant_ids(course, gb, intake, sheets, lang, res.warnings)
    points = target_points(gb, options)
    for ws in sheets:
        if ws.maximum is not None and abs(ws.maximum - points) > 1e-6:
            raise UsageError(says(T["max"], path=ws.path, moodle=number(ws.maximum),
                                 ours=number(points)))
    names = dict(COLUMNS[sheets[0].lang if sheets else lang])
    for ws in sheets[:1]:
        names.update(ws.names)
    ident = {pid: text for ws in reversed(sheets) for pid, text in ws.ident.items()}
    full = {pid: n for ws in reversed(sheets) for pid, (n, _) in ws.people.items() if n}
    mail = {pid: e for ws in reversed(sheets) for pid, (_, e) in ws.people.items() if e}
    now = datetime.now(UTC).replace(microsecond=0)
    stamp = now.astimezone().timetuple()[:6]
    wlang = sheets[0].lang if sheets else lang

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([names[k] for k in ORDER])
    zbuf = io.BytesIO()
    attached = 0
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as z:
        for row in gb.rows:
            grade = grade_to_export(row, gb, options)
            if grade is None:
                res.warnings.append(left_out_warning(row, lang))
                continue
            if row.student in pids.conflicted:
                continue  # said by participant_ids
            pid = pids.of.get(row.student)
            if pid is None:
                res.warnings.append(say(T["no_pid"], lang, sid=row.student))
                continue
            person = course.people.get(row.student) or {}
            name = full.get(pid) or person.get("name") or row.student
            md = feedback_md(row, gb.assignment, lang, due=gb.due)
            html = md_to_html(md, row.student, lang)
            rec = row.record
            w.writerow([csv_cell(c) for c in (
                ident.get(pid) or f"{HIDDEN_USER}{pid}", name,
                mail.get(pid) or person.get("email", ""),
                STATUS_TEXT.get(row.status, {}).get(wlang, row.status), number(grade),
                number(points), YES[wlang],
                iso(rec.submitted_at) if rec is not None and rec.submitted_at else "-",
                now.isoformat(), feedback_body(html))])
            entry = f"{file_name_part(name)}_{pid}_assignfeedback_file_{gb.assignment}-feedback.html"
            info = zipfile.ZipInfo(entry, date_time=stamp)
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            z.writestr(info, html)
            attached += 1
    sheet = out / f"{gb.assignment}-moodle-worksheet.csv"
    atomic_write(sheet, buf.getvalue())
    res.files.append(sheet)
    if attached:
        zpath = out / f"{gb.assignment}-moodle-feedback.zip"
        atomic_write(zpath, zbuf.getvalue())
        res.files.append(zpath)
    return res
