"""The intake: every file handed in, read safely, and who it belongs to.

A submission belongs to whoever handed it in, never to what its metadata claims (see
docs/grading.md). For a folder of notebooks, "who handed it in" is the file name
``<assignment>-<student>.ipynb`` (the name ``course build`` hands notebooks out under, and
``grader.export()`` puts in its zip), matched against the assignment ids of course.yml (an id
may contain dashes) and the roster; Jupyter's copy names (``hw1-alice-Copy1.ipynb``,
``hw1-alice (1).ipynb``) count as the same owner. Only regular files are read: a symbolic link
is never followed, and a hard link, a pipe or a device is never opened (``O_NOFOLLOW``, then
``fstat``). Every file ends in the gradebook or in the list of what was not graded and why.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from course.base.i18n import LANGS, Text, pick, text

from . import archives, lms

MAX_FILE_BYTES = 100 * 1024 * 1024
#: Jupyter's and file managers' names for a copy of ``name.ipynb``
_COPY = re.compile(r"^(?P<stem>.+?)(?:-Copy\d*| \(\d+\)| - Copie(?: \d+)?| - Copy(?: \d+)?)$")


@dataclass
class Submission:
    """One submitted file as the intake found it.

    ``source``: where it was found, for people; ``key``: unique and safe as a file name (its
    record is ``.grader/<key>.json``); ``data``: its bytes (None when it was not read);
    ``status``: "ok", or why it will not be graded (a key of ``grading.STATUS_TEXT``);
    ``submitted_at``/``time_source``: when it was handed in (POSIX seconds) and how that is
    known; ``notes``: what the instructor should know (the metadata names another student...)."""

    source: str
    name: str
    key: str
    data: bytes | None
    status: str
    detail: Text | str = ""
    assignment: str | None = None
    student: str | None = None
    submitted_at: float | None = None
    time_source: str | None = None
    notes: list[Text | str] = field(default_factory=list)


NOT_IPYNB = text("pas un fichier .ipynb", "not a .ipynb file")
WHICH_ASSIGNMENT = text("quel devoir ? relancez avec --assignment", "which assignment? run with --assignment")


def _copy_name(name: str) -> Text:
    return text(f"le nom d'une copie ({name})", f"a copy's name ({name})")


def _owner_note(status: str, detail: Text | str) -> list[Text | str]:
    """The note of a file whose owner comes from a copy's name."""
    if status != "ok" or not detail:
        return []
    return [text(f"propriétaire selon {pick(detail, 'fr')}", f"owner from {pick(detail, 'en')}")]


def _nobody(n: lms.LmsName, by: str | None) -> Text:
    """Why an LMS person maps to nobody, and what would fix it."""
    who = f"{n.lms} {n.person} ({n.lms_id})"
    if by == "ambiguous":
        return text(f"{who} : plusieurs étudiants de la liste portent ce nom (ajoutez une colonne "
                    "email et la feuille de notes Moodle, ou lms_id pour Canvas)",
                    f"{who}: several roster students have this name (add an email column and "
                    "the Moodle grading worksheet, or lms_id for Canvas)")
    if n.lms == "moodle":
        return text(f"{who} n'est sur aucune ligne de la liste des étudiants (mettez la feuille "
                    "de notes Moodle à côté de l'archive et une colonne email, ou une colonne name)",
                    f"{who} is on no roster line (put the Moodle grading worksheet beside the "
                    "archive and an email column in the roster, or a name column)")
    return text(f"{who} n'est sur aucune ligne de la liste des étudiants (ajoutez une colonne "
                "lms_id, login ou name)",
                f"{who} is on no roster line (add an lms_id, login or name column)")


def read_regular(path: Path) -> tuple[bytes | None, str, Text | str]:
    """``(bytes, "ok", "")`` for a regular file with one link, else ``(None, status, detail)``.
    A symbolic link is never followed, a FIFO never blocks, a device is never read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "not-regular", text("lien symbolique", "symbolic link")
        if exc.errno in (errno.ENXIO, errno.EACCES, errno.EPERM):
            return None, "not-regular", os.strerror(exc.errno)
        return None, "not-notebook", os.strerror(exc.errno or 0)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = (text("dossier", "folder") if stat.S_ISDIR(st.st_mode)
                    else text("tube", "pipe") if stat.S_ISFIFO(st.st_mode)
                    else text("socket", "socket") if stat.S_ISSOCK(st.st_mode)
                    else text("périphérique", "device"))
            return None, "not-regular", kind
        if st.st_nlink > 1:
            return None, "not-regular", text(f"lien physique ({st.st_nlink} noms pour un fichier)",
                                             f"hard link ({st.st_nlink} names for one file)")
        if st.st_size > MAX_FILE_BYTES:
            return None, "too-large", text(f"{st.st_size} octets", f"{st.st_size} bytes")
        chunks, total = [], 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            total += len(b)
            if total > MAX_FILE_BYTES:
                return None, "too-large", text(f"plus de {MAX_FILE_BYTES} octets", f"more than {MAX_FILE_BYTES} bytes")
            chunks.append(b)
        return b"".join(chunks), "ok", ""
    finally:
        os.close(fd)


def owner_from_name(name: str, assignments: list[str], roster: set[str],
                    only: str | None = None) -> tuple[str | None, str | None, str, Text | str]:
    """``(assignment, student, status, detail)`` from a notebook's file name.

    ``ASSIGNMENT-STUDENT.ipynb`` (or a copy's name), the assignment among ``assignments`` (the
    longest that matches), the student in ``roster``; with ``only`` (``--assignment``), a bare
    ``STUDENT.ipynb`` names that assignment's student too."""
    if not name.endswith(".ipynb"):
        return None, None, "not-notebook", NOT_IPYNB
    stem = name[:-len(".ipynb")]
    m = _COPY.match(stem)
    candidates = [stem] + ([m.group("stem")] if m else [])
    for cand in candidates:
        for aid in sorted(assignments, key=len, reverse=True):
            if cand.startswith(aid + "-") and len(cand) > len(aid) + 1:
                sid = cand[len(aid) + 1:]
                if sid in roster:
                    if only is not None and aid != only:
                        return aid, sid, "other-assignment", text(f"{aid} (cette correction est celle de {only})",
                                                                  f"{aid} (this run grades {only})")
                    return aid, sid, "ok", "" if cand == stem else _copy_name(name)
        if only is not None and cand in roster:
            return only, cand, "ok", "" if cand == stem else _copy_name(name)
    for aid in sorted(assignments, key=len, reverse=True):
        if stem.startswith(aid + "-"):
            who = stem[len(aid) + 1:]
            return aid, None, "unknown-student", text(f"{who!r} n'est pas sur la liste des étudiants",
                                                      f"{who!r} is not on the roster")
    return None, None, "no-owner", ""


def safe_key(text: str) -> str:
    """A file-system-safe, readable key for a record (``hw3-alice``, ``moodle.zip!x.ipynb``)."""
    key = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "file"
    return key[:120]


#: what ``course grade`` and ``course build`` write in PATH, never taken as submitted files
OUTPUT_FILES = ("grades.csv", "overrides.csv")
OUTPUT_FOLDERS = ("feedback", "results", "export", "student", "instructor")

#: how the time of a submission is known (a key, recorded with it; :data:`TIME_TEXT` says it)
TIME_MTIME = "mtime"
TIME_ZIP = "zip-entry"
TIME_WORKSHEET = "moodle-worksheet"
TIME_CANVAS_LATE = "canvas-late"
TIME_CANVAS_ON_TIME = "canvas-on-time"
TIME_TEXT: dict[str, Text] = {
    TIME_MTIME: text("date de modification du fichier", "the file's modification time"),
    TIME_ZIP: text("date de l'entrée de l'archive", "the zip entry's time"),
    TIME_WORKSHEET: text("feuille de notes Moodle", "the Moodle grading worksheet"),
    TIME_CANVAS_LATE: text("marque de retard de Canvas", "Canvas's late marker"),
    TIME_CANVAS_ON_TIME: text("Canvas (sans marque de retard)", "Canvas (no late marker)"),
}


def time_text(key: str | None, lang: str) -> str:
    """How a submission's time is known, in ``lang`` ("" when unknown)."""
    return pick(TIME_TEXT[key], lang) if key in TIME_TEXT else (key or "")


@dataclass
class Intake:
    """Everything taken in: the submissions, the worksheets read, and the identities mapped."""

    submissions: list[Submission]
    worksheets: list[str] = field(default_factory=list)
    #: every LMS person the intake met, as :meth:`lms.Identity.to_json` (who it mapped them to)
    identities: list[dict[str, str | None]] = field(default_factory=list)


class _Taker:
    def __init__(self, root: Path, assignments: list[str], roster: list[str],
                 people: dict[str, dict[str, str]], only: str | None, tz: Any) -> None:
        self.root, self.assignments, self.roster_set = root, assignments, set(roster)
        self.only, self.tz = only, tz
        self.people = people
        self.ids = lms.IdentityMap(people)
        self.subs: list[Submission] = []
        self.keys: set[str] = set()

    def key(self, source: str) -> str:
        k = safe_key(source[:-len(".ipynb")] if source.endswith(".ipynb") else source)
        if len(k) >= 120 or k in self.keys:
            k = k[:100] + "-" + hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        self.keys.add(k)
        return k

    def add(self, source: str, name: str, data: bytes | None, status: str, detail: Text | str = "",
            assignment: str | None = None, student: str | None = None, when: float | None = None,
            how: str | None = None, notes: list[Text | str] | None = None) -> None:
        self.subs.append(Submission(source, name, self.key(source), data if status == "ok" else None,
                                    status, detail if status != "ok" else "", assignment, student,
                                    when, how, notes or []))

    # ----------------------------------------------------------------- plain files
    def plain(self, source: str, name: str, data: bytes | None, status: str, detail: Text | str,
              when: float | None, how: str) -> None:
        """A file whose owner comes from its name (a notebook, or a zip grader.export() made)."""
        if status == "ok" and data is not None and name.endswith(".zip"):
            self.export_zip(source, name, data, when, how, owner=None)
            return
        a, s, st, det = owner_from_name(name, self.assignments, self.roster_set, self.only)
        if status != "ok":
            st, det = status, detail
        self.add(source, name, data, st, det, a, s, when, how, _owner_note(st, det))

    def export_zip(self, source: str, name: str, data: bytes, when: float | None, how: str,
                   owner: tuple[str | None, str | None, list[Text | str]] | None) -> None:
        """A zip of one notebook (``grader.export()``, otter's export): the notebook inside."""
        try:
            entries = archives.read_zip(data)
        except archives.ArchiveError as exc:
            self.add(source, name, None, "corrupt-archive", exc.why)
            return
        notebooks = [e for e in entries if e.name.endswith(".ipynb") and "__MACOSX" not in e.name]
        if not notebooks:
            self.add(source, name, None, "not-notebook", text("un zip sans notebook", "a zip without a notebook"))
            return
        for e in notebooks:
            inner = f"{source}!{e.name}"
            base = e.name.replace("\\", "/").rsplit("/", 1)[-1]
            if e.status != "ok":
                self.add(inner, base, None, e.status, e.detail)
            elif owner is not None:
                a, s, notes = owner
                self.add(inner, base, e.data, "ok" if s else "no-owner", "", a, s, when, how, notes)
            else:  # the zip's own name says whose it is (hw3-alice.zip), else the notebook's
                a, s, st, det = owner_from_name(name[:-len(".zip")] + ".ipynb", self.assignments,
                                                self.roster_set, self.only)
                if st != "ok":
                    a, s, st, det = owner_from_name(base, self.assignments, self.roster_set, self.only)
                self.add(inner, base, e.data, st, det, a, s, when, how, _owner_note(st, det))

    # ----------------------------------------------------------------- LMS archives
    def lms_zip(self, source: str, name: str, data: bytes) -> None:
        """A Moodle or Canvas "download all submissions" archive."""
        try:
            entries = archives.read_zip(data)
        except archives.ArchiveError as exc:
            self.add(source, name, None, "corrupt-archive", exc.why)
            return
        named = [(e, lms.parse_lms_name(e.name)) for e in entries]
        for e, n in named:
            src = f"{source}!{e.name}"
            base = e.name.replace("\\", "/").rsplit("/", 1)[-1]
            if n is None:
                self.add(src, base, None, "no-owner", text("une entrée d'une disposition inconnue",
                                                           "an entry of no known layout"))
                continue
            student, how = self.ids.owner(n)
            assignment = self.assignment_of(n.original)
            when, tsrc = self.lms_time(n, e)
            notes: list[Text | str] = []  # how the identity was mapped: Intake.identities
            if e.status != "ok" or e.data is None:
                self.add(src, base, None, e.status, e.detail, assignment, student)
            elif student is None:
                self.add(src, base, None, "no-owner", _nobody(n, how))
            elif assignment is None:
                self.add(src, base, None, "no-owner", WHICH_ASSIGNMENT)
            elif n.original.endswith(".zip") or archives.is_zip(e.data):
                self.export_zip(src, base, e.data, when, tsrc, (assignment, student, notes))
            elif n.original.endswith(".ipynb"):
                self.add(src, base, e.data, "ok", "", assignment, student, when, tsrc, notes)
            else:
                self.add(src, base, None, "not-notebook", NOT_IPYNB, assignment, student)

    def assignment_of(self, original: str) -> str | None:
        if self.only is not None:
            return self.only
        stem = original.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for aid in sorted(self.assignments, key=len, reverse=True):
            if stem == aid or stem.startswith((aid + "-", aid + "_", aid + " ")):
                return aid
        return self.assignments[0] if len(self.assignments) == 1 else None

    def zip_time(self, e: archives.Entry) -> float | None:
        return e.time.replace(tzinfo=self.tz).timestamp() if e.time is not None else None

    def lms_time(self, n: lms.LmsName, e: archives.Entry) -> tuple[float | None, str]:
        if n.lms == "canvas":
            return None, TIME_CANVAS_LATE if n.late else TIME_CANVAS_ON_TIME
        row = self.ids.worksheet.get(n.lms_id)
        if row is not None and row.submitted is not None:
            return row.submitted.timestamp(), TIME_WORKSHEET
        t = self.zip_time(e)
        return t, TIME_ZIP if t is not None else TIME_MTIME


def take_in(path: Path, assignments: list[str], roster: list[str],
            people: dict[str, dict[str, str]] | None = None, only: str | None = None,
            tz: Any = None) -> Intake:
    """Every file handed in at ``path``: a folder (``path/submissions/`` when it exists, else
    the notebooks and zips of ``path`` itself, whose other files are the grader's outputs), or
    one zip. In a folder: notebooks (owner from the name), zips made by ``grader.export()`` or
    otter (the notebook inside), Moodle and Canvas download archives (:mod:`.lms`), folders a
    Moodle archive was extracted into, and Moodle grading worksheets (.csv: read for the
    identities and times, not graded). ``tz``: the time zone of naive times (the due date's)."""

    tz = tz or UTC
    t = _Taker(path, assignments, roster, people or {}, only, tz)
    files: list[Path]
    if path.is_file():
        files, base = [path], path.parent
    else:
        sub = path / "submissions"
        folder = sub if sub.is_dir() else path
        if not folder.is_dir():
            from course.base.errors import UsageError

            raise UsageError(text(f"PATH : {path} n'est ni un dossier ni une archive zip", f"PATH: {path} is not a folder or a zip archive"))
        names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
        if folder is path:  # the files handed in sit beside the grader's outputs
            names = [n for n in names if (n.endswith((".ipynb", ".zip", ".csv"))
                                          and n not in OUTPUT_FILES)
                     or ((path / n).is_dir() and n not in OUTPUT_FOLDERS)]
        files, base = [folder / n for n in names], folder
    worksheets = []
    for p in files:  # the worksheets first: they map identities and times
        if p.suffix.lower() == ".csv" and p.is_file() and not p.is_symlink():
            data, st, _ = read_regular(p)
            rows = lms.read_worksheet(data.decode("utf-8-sig", "replace"), tz) if data else None
            if rows is not None:
                t.ids.worksheet.update(rows)
                worksheets.append(str(p.relative_to(base)))
    for p in files:
        rel = str(p.relative_to(base))
        if rel in worksheets:
            continue
        try:
            mtime = os.lstat(p).st_mtime
        except OSError:
            mtime = None
        if p.is_dir() and not p.is_symlink():
            n = lms.parse_lms_name(p.name + "/x")
            if n is None:
                t.add(rel, p.name, None, "not-regular", text("dossier", "folder"))
                continue
            for q in sorted(p.iterdir()):
                data, st, det = read_regular(q)
                n = lms.parse_lms_name(f"{p.name}/{q.name}")
                assert n is not None
                student, how = t.ids.owner(n)
                src = f"{rel}/{q.name}"
                if st != "ok":
                    t.add(src, q.name, None, st, det)
                elif student is None:
                    t.add(src, q.name, None, "no-owner", _nobody(n, how))
                else:
                    row = t.ids.worksheet.get(n.lms_id)
                    when = row.submitted.timestamp() if row is not None and row.submitted else os.lstat(q).st_mtime
                    how_t = TIME_WORKSHEET if row is not None and row.submitted else TIME_MTIME
                    a = t.assignment_of(n.original)
                    if q.name.endswith(".zip"):
                        t.export_zip(src, q.name, data or b"", when, how_t, (a, student, []))
                    elif q.name.endswith(".ipynb") and a is not None:
                        t.add(src, q.name, data, "ok", "", a, student, when, how_t)
                    else:
                        t.add(src, q.name, None, "not-notebook" if a else "no-owner",
                              NOT_IPYNB if a else WHICH_ASSIGNMENT,
                              a, student)
            continue
        data, st, det = read_regular(p)
        if st == "ok" and data is not None and p.suffix.lower() == ".zip":
            if any(lms.parse_lms_name(e) for e in _names(data)):
                t.lms_zip(rel, p.name, data)
            else:
                t.plain(rel, p.name, data, st, det, mtime, TIME_MTIME)
            continue
        t.plain(rel, p.name, data, st, det, mtime, TIME_MTIME)
    if path.is_file() and t.subs and all(s.student is None for s in t.subs):
        _unusable_archive(path, t.subs)
    return Intake(t.subs, worksheets, [i.to_json() for i in t.ids.used.values()])


def _unusable_archive(path: Path, subs: list[Submission]) -> None:
    """PATH is one archive of which no entry belongs to anyone: one line saying why."""
    from collections import Counter

    from course.base.errors import CourseError

    if len(subs) == 1 and subs[0].source == path.name and subs[0].detail:
        detail = subs[0].detail
        raise CourseError(detail if isinstance(detail, dict) else str(detail), path=str(path))
    (why, n), = Counter(pick(s.detail, "en") or s.status for s in subs).most_common(1)
    first = next(s for s in subs if (pick(s.detail, "en") or s.status) == why)
    why_fr = pick(first.detail, "fr") or first.status
    raise CourseError(text(f"aucune entrée n'appartient à un élève de la liste de la classe ({n} sur {len(subs)} : {why_fr}) ; dispositions connues : un téléchargement Moodle ou Canvas, des notebooks DEVOIR-ÉLÈVE.ipynb, des zips de grader.export()", f"no entry belongs to a student of the roster ({n} of {len(subs)}: {why}); "
                      "known layouts: a Moodle or Canvas download, ASSIGNMENT-STUDENT.ipynb "
                      "notebooks, grader.export() zips"), path=str(path))


def _names(data: bytes) -> list[str]:
    import io
    import zipfile

    try:
        return zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return []


def folder_intake(path: Path, assignments: list[str], roster: list[str],
                  only: str | None = None) -> list[Submission]:
    """:func:`take_in` without LMS identities (the notebooks' own names)."""
    return take_in(path, assignments, roster, None, only).submissions


def keep_latest(subs: list[Submission]) -> None:
    """Of several gradable files of one (assignment, student), keep the latest (by submission
    time, then name); mark the others "superseded", naming the one kept and how time is known."""
    groups: dict[tuple[str | None, str | None], list[Submission]] = {}
    for s in subs:
        if s.status == "ok":
            groups.setdefault((s.assignment, s.student), []).append(s)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: (s.submitted_at or 0.0, s.name))
        kept = group[-1]
        for s in group[:-1]:
            s.status = "superseded"
            s.detail = {lang: (f"{kept.source} est plus récent ({time_text(kept.time_source, lang)}) "
                               "et corrigé à sa place" if lang == "fr" else
                               f"{kept.source} is later ({time_text(kept.time_source, lang)}) "
                               "and is graded instead") for lang in LANGS}
            s.data = None
        earlier = ", ".join(s.source for s in group[:-1])
        kept.notes.append(text(
            f"{len(group) - 1} fichier(s) plus ancien(s) de cet étudiant non corrigé(s) : {earlier} "
            f"(selon : {time_text(kept.time_source, 'fr')})",
            f"{len(group) - 1} earlier file(s) of this student not graded: {earlier} "
            f"(by {time_text(kept.time_source, 'en')})"))
