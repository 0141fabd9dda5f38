"""``course grade PATH``: take in the submissions, grade the new ones, write every output.

Who a submission belongs to comes from where it was handed in (:mod:`course.grader.intake`:
the file name, the LMS folder), never from the notebook's metadata: metadata that disagrees is
reported to the instructor and the notebook graded for its owner. A file whose owner cannot be
established, that is not a regular file, or that a later file of the same student supersedes
gets a record with its reason and no grade; every submitted file ends in one or the other.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from course.base.errors import CourseError, UsageError
from course.base.files import atomic_write
from course.base.i18n import pick, text

from . import grading, intake
from .batch import (
    Executor,
    GradingJob,
    LocalExecutor,
    about,
    mac_of,
    record_is_authentic,
    record_key,
    write_record,
)
from .gradebook import Gradebook, build_gradebook
from .interpreter import describe as describe_interpreter
from .interpreter import row as interpreter_row
from .limits import Limits
from .outputs import write_outputs
from .overrides import OVERRIDES_NAME, read_overrides
from .protections import protections, root_refusal, unsafe_root_refused
from .records import RECORD_VERSION, Record

LOADER = "course.grader.original:load_original"
#: the last batch of ``PATH``: its assignment, every record and what the intake found, signed
BATCH_NAME = "batch.signed"  # JSON; not *.json, so never a record's name
BATCH_VERSION = 1


def find_course(path: Path) -> Path:
    for d in [path.resolve(), *path.resolve().parents]:
        if (d / "course.yml").is_file():
            return d / "course.yml"
    if Path("course.yml").is_file():
        return Path("course.yml").resolve()
    raise UsageError(text("--course : aucun course.yml dans PATH, ses dossiers parents ou le dossier courant", "--course: no course.yml found in PATH, its parents or the current folder"))


def plan(path: Path, out: Path, course: Any, assignment: str | None, course_path: Path,
         limits: Limits, loader: str = LOADER
         ) -> tuple[list[GradingJob], list[tuple[Record, Path]], intake.Intake]:
    """Jobs to grade, the records (with their paths) of the files that will not be graded,
    each with its reason, and what the intake found (worksheets, identities)."""
    store = out / ".grader"
    taken = intake.take_in(path, list(course.data.assignments), course.roster, course.people,
                           assignment, _time_zone(course, assignment))
    subs = taken.submissions
    for sub in subs:
        if sub.status != "ok" or sub.data is None:
            continue
        read = grading.parse_notebook(sub.data)
        if read.status != "ok":
            sub.status, sub.detail, sub.data = read.status, read.detail, None
            continue
        ca, cs = grading.claimed_identity(read)
        if (ca, cs) != (None, None) and (ca, cs) != (sub.assignment, sub.student):
            sub.notes.append(text(
                f"ce notebook dit appartenir à {cs or '?'} ({ca or '?'}) ; corrigé pour "
                f"{sub.student}, qui l'a remis",
                f"this notebook says it belongs to {cs or '?'} ({ca or '?'}); graded for "
                f"{sub.student}, who handed it in"))
    intake.keep_latest(subs)
    jobs, rejected = [], []
    for sub in subs:
        sha = hashlib.sha256(sub.data).hexdigest() if sub.data is not None else ""
        if sub.status != "ok" or sub.data is None:
            rec = Record.rejected(sub.name, sha, sub.status, sub.assignment, sub.student, sub.detail)
            rejected.append((rec.handed_in(sub.source, sub.submitted_at, sub.time_source, sub.notes),
                             store / f"{sub.key}.json"))
            continue
        assert sub.assignment is not None and sub.student is not None
        jobs.append(GradingJob(sub.name, sub.data, str(course_path), sub.assignment, sub.student,
                               str(store / f"{sub.key}.json"), asdict(limits), sha, loader,
                               sub.source, sub.submitted_at, sub.time_source, tuple(sub.notes)))
    return jobs, rejected, taken


def _time_zone(course: Any, assignment: str | None) -> Any:
    """The time zone of naive times (zip entries): the due date's of the assignment graded."""
    dues = [a.due for aid, a in course.data.assignments.items()
            if a.due is not None and assignment in (None, aid)]
    return dues[0].tzinfo if dues else None


def _the_assignment(course: Any, assignment: str | None, records: list[Record], path: Path) -> str:
    if assignment is not None:
        if assignment not in course.data.assignments:
            known = ", ".join(course.data.assignments) or "none"
            raise UsageError(text(f"--assignment : devoir « {assignment} » inconnu (course.yml définit : {known})", f"--assignment: unknown assignment '{assignment}' (course.yml defines: {known})"))
        return assignment
    found = sorted({r.assignment for r in records if r.assignment and r.student})
    if len(found) == 1:
        return found[0]
    if not found and len(course.data.assignments) == 1:
        return next(iter(course.data.assignments))
    if not found:
        raise CourseError(text(f"aucun fichier sous {path} n'appartient à un élève d'un devoir : donnez --assignment pour voir qui manque", f"no file under {path} belongs to a student of an assignment: "
                          "give --assignment to see who is missing"))
    raise UsageError(text(f"{path} contient des remises de plusieurs devoirs ({', '.join(found)}) : corrigez-les un à la fois avec --assignment", f"{path} holds submissions of several assignments ({', '.join(found)}): "
                     "grade one at a time with --assignment"))


TORCH_MIN_MEMORY_MB = 1024  # PyTorch maps about 640 MB of address space by itself


def torch_limits(limits: Limits) -> Limits:
    """Limits for PyTorch assignments: enough address space for PyTorch, and RLIMIT_CPU no
    lower than the time budget (a correct model trains within its case's own time limit; the
    budget still bounds the whole submission)."""
    return replace(limits, memory_mb=max(limits.memory_mb, TORCH_MIN_MEMORY_MB),
                   cpu_s=max(limits.cpu_s, int(limits.budget_s)))


def grade_folder(path: Path, *, course_path: Path | None = None, assignment: str | None = None,
                 jobs: int | None = None, limits: Limits | None = None, lang: str | None = None,
                 resume: bool = True, executor: Executor | None = None, loader: str = LOADER,
                 on_record: Callable[[Record], None] | None = None,
                 on_start: Callable[[int], None] | None = None,
                 student: str | None = None, question: str | None = None,
                 roster: Path | None = None, students_env: bool = True) -> dict[str, Any]:
    """Grade every submission under ``path`` (a folder or a zip); returns the summary and writes
    every output (into ``path``, or beside a zip in a folder named after it).

    ``student``: grade only that student's files again (the others are resumed); ``question``:
    grade that question again for everyone (after a fix of a hidden case), the other questions'
    results kept. ``on_start(n)`` is told how many files were handed in, ``on_record`` each
    record. ``students_env``: student code runs with course.yml's ``grading.python`` (False:
    Gradescope's autograder, where that path is the instructor's machine's: its own
    ``limits.python`` names the environment its setup.sh built)."""
    from course.planning.plan import plan_assignment

    path, out, course_path, course = _open(path, course_path, roster)
    lang = lang or course.language
    limits = limits or Limits()
    if students_env and course.students_python and not limits.python:
        limits = replace(limits, python=course.students_python)
    prot = protections()
    if unsafe_root_refused() and not getattr(executor, "remote", False):
        raise CourseError(root_refusal())
    if student is not None and student not in course.roster:
        raise UsageError(text(f"--student : « {student} » n'est pas sur la liste de la classe", f"--student: '{student}' is not on the roster"))
    todo, rejected, taken = plan(path, out, course, assignment, course_path, limits, loader)
    if not todo and not rejected:
        raise CourseError(text(f"rien de remis sous {path} : ni notebook, ni archive, ni dossier de remises (attendu : PATH/submissions/ ou les fichiers dans PATH)", f"nothing handed in under {path}: no notebook, archive or folder of "
                          "submissions (expected PATH/submissions/ or the files in PATH)"))
    if limits.python:
        describe_interpreter(limits.python)  # a missing or broken students' Python: one line, now
    if prot.bwrap and not getattr(executor, "remote", False):
        _refuse_exposure([str(course.root), str(out), str(path)], limits.python)
    if on_start:
        on_start(len(todo) + len(rejected))
    key = record_key(course)  # the course secret, read (or made) before any worker starts
    aid = _the_assignment(course, assignment, [r for r, _ in rejected] + [
        Record.rejected(j.notebook, j.sha256, "graded", j.assignment, j.student) for j in todo], path)
    planned = plan_assignment(course, aid)
    if question is not None and question not in {q.id for q in planned}:
        raise UsageError(text(f"--question : « {question} » n'est pas une question de {aid} ({', '.join(q.id for q in planned)})", f"--question: '{question}' is not a question of {aid} "
                         f"({', '.join(q.id for q in planned)})"))
    # read before anything is graded: a malformed line stops the run at once
    overrides = read_overrides(out / OVERRIDES_NAME, course.roster, [q.id for q in planned])
    records: list[Record] = []
    for rec, rp in rejected:
        write_record(rec, rp)
        records.append(rec)
        if on_record:
            on_record(rec)
    run: list[GradingJob] = []
    for job in todo:
        old = _resumable(Path(job.record), job, key) if resume else None
        if old is not None and question is not None:  # grade one question again, keep the rest
            run.append(replace(job, only_question=question, base=old.to_json()))
            continue
        if old is not None and (student is None or job.student != student):
            rec = about(old, job)
            records.append(rec)
            if on_record:
                on_record(rec)
            continue
        run.append(job)
    torch = False
    if run and loader == LOADER:
        from .original import assignment_uses_torch

        torch = any(assignment_uses_torch(course, a) for a in {j.assignment for j in run})
    if torch:
        limits = torch_limits(limits)
        run = [replace(j, limits=asdict(limits)) for j in run]
    ex = executor or LocalExecutor(jobs or os.cpu_count() or 1, asdict(limits), torch=torch)
    if hasattr(ex, "configure"):
        ex.configure(asdict(limits), torch)
    for rec in ex.run(run):
        records.append(rec)
        if on_record:
            on_record(rec)
    rows, notes = ex.protection_rows(lang) if hasattr(ex, "protection_rows") \
        else (prot.items(lang), prot.notes)
    name, on, what = interpreter_row(limits.python)
    rows = [*rows, (pick(name, lang), on, pick(what, lang))]
    info = {"worksheets": taken.worksheets, "identities": taken.identities}
    write_batch(out, aid, records, info, key)
    gb = _gradebook(course, aid, {q.id: q.points for q in planned},
                    records, overrides)
    write_outputs(out, gb, lang, rows, notes, info)
    s = summarize(gb, records)
    s.update(report=str(out / "report.html"), grades=str(out / "grades.csv"), lang=lang,
             protections=rows, notes=notes, assignment=aid, **info)
    return s


def _open(path: Path, course_path: Path | None, roster: Path | None) -> tuple[Path, Path, Path, Any]:
    """``(path, out, course_path, course)`` of a folder or zip graded: where its outputs go (the
    folder, or beside a zip in a folder named after it), its course.yml (given, or found from
    ``path``), the course loaded, with ``roster`` instead of its own when given."""
    from course.planning.config import load_course

    path = Path(path)
    out = path if path.is_dir() else path.parent / path.stem
    course_path = Path(course_path) if course_path else find_course(path)
    course = load_course(course_path)
    if roster is not None:
        use_roster(course, Path(roster))
    return path, out, course_path, course


def _refuse_exposure(paths: list[str], python: str) -> None:
    """A :class:`CourseError` when the sandbox would show the course folder (its secret, its
    solutions) or the folder graded (the other students' notebooks): a folder it binds, the
    Python environment or /usr, holds it."""
    from .bwrap import exposed

    hit = exposed(paths, python)
    if hit is not None:
        bound, p = hit
        raise CourseError(text(
            f"le bac à sable montrerait {p} : il monte {bound} en lecture (l'environnement Python "
            "ou le système) ; placez le cours et les remises hors de ce dossier, ou "
            "l'environnement hors du cours",
            f"the sandbox would show {p}: it mounts {bound} read-only (the Python environment or "
            "the system); keep the course and the submissions out of that folder, or the "
            "environment out of the course"))


def use_roster(course: Any, path: Path) -> None:
    """Grade against the roster file at ``path`` (its students, their LMS identities)."""
    from course.planning.config import read_roster

    r = read_roster(path)
    course.roster, course.people = r.ids, r.people


def _gradebook(course: Any, aid: str, points: dict[str, float],
               records: list[Record], overrides: list[Any]) -> Gradebook:
    points = dict(points)
    for rec in records:  # a loader may grade more than the plan (tests' extra questions)
        if rec.assignment == aid:
            for q in rec.questions:
                points.setdefault(q.id, q.max_points)
    return build_gradebook(aid, course.data.assignments[aid], course.roster, points, records,
                           overrides)


def write_batch(out: Path, aid: str, records: list[Record], info: dict[str, Any],
                key: bytes) -> None:
    """``out/.grader/batch.signed`` (JSON): what the last ``course grade`` of ``out`` decided, signed
    with the course's record key, so that ``course export`` reads grades and never computes
    one (nor trusts a file planted beside the submissions)."""
    doc: dict[str, Any] = {"version": BATCH_VERSION, "assignment": aid,
                           "records": [r.to_json() for r in records], "intake": info}
    doc["mac"] = mac_of(doc, key)
    atomic_write(out / ".grader" / BATCH_NAME, json.dumps(doc, indent=1, default=str))


def load_gradebook(path: Path, *, course_path: Path | None = None,
                   roster: Path | None = None) -> tuple[Any, Gradebook, dict[str, Any]]:
    """The course, the gradebook and the intake information of the last ``course grade PATH``
    (``path``: the folder or zip that was graded), with the overrides of today's
    ``overrides.csv``. Raises a one-line CourseError when PATH was never graded or its batch
    file is not this course's."""
    from course.planning.plan import plan_assignment

    path, out, course_path, course = _open(path, course_path, roster)
    bp = out / ".grader" / BATCH_NAME
    if not bp.is_file():
        raise CourseError(text(f"{bp} : introuvable : lancez d'abord `course grade {path}`", f"{bp}: not found: run `course grade {path}` first"))
    try:
        doc = json.loads(bp.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CourseError(text(f"{bp} : illisible ({exc}) : relancez `course grade {path}`", f"{bp}: unreadable ({exc}): run `course grade {path}` again")) from None
    if not record_is_authentic(doc, record_key(course)):
        raise CourseError(text(f"{bp} : non signé par le correcteur de ce cours (un autre cours, un .course-secret perdu ou un fichier modifié) : relancez `course grade {path}`", f"{bp}: not signed by this course's grader (another course, a lost "
                          f".course-secret, or an edited file): run `course grade {path}` again"))
    if doc.get("version") != BATCH_VERSION:
        raise CourseError(text(f"{bp} : écrit par une autre version : relancez `course grade {path}`", f"{bp}: written by another version: run `course grade {path}` again"))
    aid = doc["assignment"]
    if aid not in course.data.assignments:
        raise CourseError(text(f"{bp} : le devoir « {aid} » n'est plus dans {course_path}", f"{bp}: assignment '{aid}' is no longer in {course_path}"))
    records = [Record.from_json(r) for r in doc["records"]]
    planned = plan_assignment(course, aid)
    overrides = read_overrides(out / OVERRIDES_NAME, course.roster, [q.id for q in planned])
    gb = _gradebook(course, aid, {q.id: q.points for q in planned},
                    records, overrides)
    return course, gb, doc.get("intake") or {}


def _resumable(rp: Path, job: GradingJob, key: bytes) -> Record | None:
    """The record at ``rp`` when this grader signed it, about this very file, owner and
    assignment, of the current version and not an error; else None (a planted record, a list
    nested 10**5 deep... is graded again)."""
    if not rp.is_file():
        return None
    try:
        old = json.loads(rp.read_text(encoding="utf-8"))
        if record_is_authentic(old, key) and old.get("sha256") == job.sha256 \
                and old.get("version") == RECORD_VERSION and old.get("status") != "error" \
                and (old.get("file"), old.get("student"), old.get("assignment")) \
                == (Path(job.notebook).name, job.student, job.assignment):
            return Record.from_json(old)
    except Exception:  # noqa: BLE001 - anything malformed is graded again
        return None
    return None


def summarize(gb: Gradebook, records: list[Record]) -> dict[str, Any]:
    """The figures of the summary table."""
    from collections import Counter

    from .report import raised, timeouts_in

    statuses = Counter(r.status for r in records)
    graded = [r for r in gb.rows if r.status in ("graded", "late")]
    totals = sorted(r.total for r in graded)
    errors = sum(raised(it) for r in records for q in r.questions for it in q.items)
    median = (totals[len(totals) // 2] if len(totals) % 2 else
              (totals[len(totals) // 2 - 1] + totals[len(totals) // 2]) / 2) if totals else 0.0
    return {"notebooks": len(records), "graded": sum(r.status == "graded" for r in records),
            "failed": sum(v for k, v in statuses.items() if k != "graded"), "statuses": dict(statuses),
            "timeouts": sum(timeouts_in(r.to_json()) for r in records), "errors": errors,
            "mean": round(sum(totals) / len(totals), 3) if totals else 0.0, "median": round(median, 3),
            "max_points": gb.max_points, "late": sum(r.status == "late" for r in gb.rows),
            "missing": gb.missing, "students": len(gb.rows)}
