"""What the LMSs write when an instructor downloads every submission, and who each file is.

- **Moodle** (assignment, "Download all submissions"): entries named
  ``<Full name>_<participant id>_assignsubmission_file_<original name>``, or folders
  ``<Full name>_<participant id>_assignsubmission_file`` holding the original files ("Download
  submissions in folders"). The participant id is the one of the assignment's grading worksheet
  ("Download grading worksheet", column ``Identifier`` = "Participant 12345"), which also gives
  the student's e-mail and the submission's time ("Last modified (submission)").
  Moodle draws that participant id per assignment (``assign_user_mapping``): it is not the
  user's id, so no roster column can hold it.
- **Canvas** (Assignments, "Download Submissions"): entries named
  ``<login>_<user id>_<submission id>_<original name>``, with ``late`` after the login when the
  submission came after the due date; the user id is Canvas's (the roster's ``lms_id``).

:class:`IdentityMap` maps those identities to roster ids. Moodle: the e-mail (roster
``email``, through the worksheet's participant), then the name (roster ``name``, compared
without accents, case or spaces). Canvas: the user id (roster ``lms_id``), the login (roster
``login``, or the roster id itself), then the name. A name two roster students share maps to
nobody. What it used is recorded (:class:`Identity`) and shown.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo

from course.base.i18n import Text, text
from course.planning.config import normal_name

MOODLE_RE = re.compile(r"^(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)_(?P<rest>.*)$")
CANVAS_RE = re.compile(r"^(?P<login>[a-z0-9-]+)_(?:(?P<late>late|LATE)_)?(?P<uid>\d+)_(?P<sub>\d+)_(?P<rest>.+)$")


@dataclass(frozen=True)
class LmsName:
    """What an LMS's file name says: which LMS, the identity, the original file name, late."""

    lms: str  # "moodle" | "canvas"
    person: str  # the name (Moodle) or login (Canvas)
    lms_id: str  # the participant id (Moodle) or user id (Canvas)
    original: str
    late: bool = False


def parse_lms_name(path: str) -> LmsName | None:
    """The LMS identity of an archive entry's path, or None when it follows no known layout."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    for i, part in enumerate(parts):
        m = MOODLE_RE.match(part)
        if m:
            rest = "/".join(([m.group("rest")] if m.group("rest") else []) + parts[i + 1:])
            return LmsName("moodle", m.group("name"), m.group("pid"), rest or part)
        folder = re.match(r"^(?P<name>.+?)_(?P<pid>\d+)_assign(?:submission|feedback)_[a-z]+$", part)
        if folder and i < len(parts) - 1:
            return LmsName("moodle", folder.group("name"), folder.group("pid"), "/".join(parts[i + 1:]))
    m = CANVAS_RE.match(parts[-1]) if parts else None
    if m:
        return LmsName("canvas", m.group("login"), m.group("uid"), m.group("rest"),
                       late=m.group("late") is not None)
    return None


# --------------------------------------------------------------------------- the worksheet
#: the worksheet's columns in English and French Moodle
_ID = ("identifier", "identifiant")
_NAME = ("full name", "nom complet")
_EMAIL = ("email address", "adresse de courriel", "adresse courriel", "email")
_MODIFIED = ("last modified (submission)", "dernière modification (travail remis)",
             "dernière modification (remise)")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"])}
_MONTHS.update({m: i + 1 for i, m in enumerate(
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
     "octobre", "novembre", "décembre"])})


@dataclass(frozen=True)
class WorksheetRow:
    participant: str
    name: str
    email: str
    submitted: datetime | None


def parse_moodle_time(text: str, tz: tzinfo) -> datetime | None:
    """Moodle's "Monday, 5 October 2026, 2:33 PM" or "lundi 5 octobre 2026, 14:33" (in ``tz``)."""
    m = re.search(r"(\d{1,2})\s+([^\W\d_]+)\s+(\d{4}),?\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?", text)
    if not m:
        return None
    day, month, year, hour, minute, ampm = m.groups()
    mon = _MONTHS.get(month.lower())
    if mon is None:
        return None
    h = int(hour) % 12 + (12 if ampm and ampm.lower() == "pm" else 0) if ampm else int(hour)
    return datetime(int(year), mon, int(day), h, int(minute), tzinfo=tz)


def read_worksheet(text: str, tz: tzinfo) -> dict[str, WorksheetRow] | None:
    """``{participant id: row}`` of a Moodle grading worksheet, or None when ``text`` is not one."""
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return None
    header = [c.strip().lower() for c in rows[0]]

    def col(names: tuple[str, ...]) -> int | None:
        return next((header.index(n) for n in names if n in header), None)

    ci, cn, ce, cm = col(_ID), col(_NAME), col(_EMAIL), col(_MODIFIED)
    if ci is None or (cn is None and ce is None):
        return None
    def cell(r: list[str], i: int | None) -> str:
        return r[i].strip() if i is not None and i < len(r) else ""

    out = {}
    for r in rows[1:]:
        pid = re.sub(r"\D", "", cell(r, ci))
        if pid:
            out[pid] = WorksheetRow(pid, cell(r, cn), cell(r, ce).lower(),
                                    parse_moodle_time(cell(r, cm), tz))
    return out


# --------------------------------------------------------------------------- identities
#: how an LMS identity was matched to the roster
BY: dict[str, Text] = {
    "lms_id": text("le lms_id de la liste des étudiants", "the roster's lms_id"),
    "email": text("le courriel de la feuille de notes", "the worksheet's e-mail"),
    "login": text("le login de la liste des étudiants", "the roster's login"),
    "id": text("l'identifiant de la liste des étudiants", "the roster's id"),
    "name": text("le nom de la liste des étudiants", "the roster's name"),
}


@dataclass(frozen=True)
class Identity:
    """An LMS person as a download names them, and the roster student the intake mapped them
    to (``student`` None: nobody), with how (``by``: a key of :data:`BY`)."""

    lms: str
    person: str
    lms_id: str
    student: str | None
    by: str | None

    def who(self) -> str:
        return f"{self.lms} {self.person} ({self.lms_id})"

    def text(self) -> Text:
        """What the instructor reads: "alice (by the worksheet's e-mail)", or nobody."""
        if self.student is None:
            return text("personne de la liste des étudiants" if self.by != "ambiguous" else
                        "ambigu : ce nom est celui de plusieurs étudiants de la liste",
                        "nobody on the roster" if self.by != "ambiguous" else
                        "ambiguous: several roster students have this name")
        how = BY.get(self.by or "", text("?", "?"))
        return text(f"{self.student} (selon {how['fr']})", f"{self.student} (by {how['en']})")

    def to_json(self) -> dict[str, str | None]:
        return {"lms": self.lms, "person": self.person, "lms_id": self.lms_id,
                "student": self.student, "by": self.by}

    @classmethod
    def from_json(cls, d: dict[str, str | None]) -> Identity:
        return cls(str(d["lms"]), str(d["person"]), str(d["lms_id"]), d.get("student"), d.get("by"))


class IdentityMap:
    """Roster ids from LMS identities (see the module docstring); ``used`` records each one."""

    def __init__(self, people: dict[str, dict[str, str]],
                 worksheet: dict[str, WorksheetRow] | None = None) -> None:
        self.worksheet = worksheet or {}
        self.by_lms_id = {p["lms_id"]: sid for sid, p in people.items() if p.get("lms_id")}
        self.by_email = {p["email"].lower(): sid for sid, p in people.items() if p.get("email")}
        self.by_login = {p["login"].lower(): sid for sid, p in people.items() if p.get("login")}
        names: dict[str, set[str]] = {}
        for sid, p in people.items():
            if p.get("name"):
                words = p["name"].split()
                keys = {normal_name(p["name"])}
                if len(words) > 1:  # Canvas logins are the sortable name: last name first
                    keys.add(normal_name(" ".join(words[1:] + words[:1])))
                for k in keys:
                    names.setdefault(k, set()).add(sid)
        self.by_name = {k: next(iter(v)) for k, v in names.items() if len(v) == 1}
        self.shared_names = {k for k, v in names.items() if len(v) > 1}
        self.by_id = {sid.lower(): sid for sid in people}
        self.used: dict[str, Identity] = {}

    def owner(self, name: LmsName) -> tuple[str | None, str | None]:
        """(roster id or None, how it was found: a key of :data:`BY`) of an LMS identity."""
        tries: list[tuple[str | None, str]] = []
        if name.lms == "moodle":
            ws = self.worksheet.get(name.lms_id)
            if ws is not None:
                tries.append((self.by_email.get(ws.email), "email"))
        else:
            tries.append((self.by_lms_id.get(name.lms_id), "lms_id"))
            tries.append((self.by_login.get(name.person.lower()), "login"))
            tries.append((self.by_id.get(name.person.lower()), "id"))
        tries.append((self.by_name.get(normal_name(name.person)), "name"))
        found = next(((sid, how) for sid, how in tries if sid is not None), None)
        if found is None:
            by = "ambiguous" if normal_name(name.person) in self.shared_names else None
            ident = Identity(name.lms, name.person, name.lms_id, None, by)
        else:
            ident = Identity(name.lms, name.person, name.lms_id, *found)
        self.used[ident.who()] = ident
        return ident.student, ident.by
