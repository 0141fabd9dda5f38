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

from . import grading, intake, report
from .batch import (
    Executor,
    GradingJob,
    LocalExecutor,
    about,
    record_is_authentic,
    record_key,
    write_record,
)
from .limits import Limits
from .protections import protections, root_refusal, unsafe_root_refused
from .records import RECORD_VERSION, Record

LOADER = "course.grader.original:load_original"


def find_course(path: Path) -> Path:
    for d in [path.resolve(), *path.resolve().parents]:
        if (d / "course.yml").is_file():
            return d / "course.yml"
    if Path("course.yml").is_file():
        return Path("course.yml").resolve()
    raise UsageError("--course: no course.yml found in PATH, its parents or the current folder")


def plan(path: Path, course: Any, assignment: str | None, course_path: Path,
         limits: Limits, loader: str = LOADER) -> tuple[list[GradingJob], list[tuple[Record, Path]]]:
    """Jobs to grade, and the records (with their paths) of the files that will not be graded,
    each with its reason."""
    store = path / ".grader"
    subs = intake.folder_intake(path, list(course.data.assignments), course.roster, assignment)
    parsed: dict[str, grading.NotebookRead] = {}
    for sub in subs:
        if sub.status != "ok" or sub.data is None:
            continue
        read = grading.parse_notebook(sub.data)
        if read.status != "ok":
            sub.status, sub.detail = read.status, read.detail
            continue
        parsed[sub.key] = read
        ca, cs = grading.claimed_identity(read)
        if (ca, cs) != (None, None) and (ca, cs) != (sub.assignment, sub.student):
            sub.notes.append(f"this notebook says it belongs to {cs or '?'} ({ca or '?'}); "
                             f"graded for {sub.student}, who handed it in")
    intake.keep_latest(subs)
    jobs, rejected = [], []
    for sub in subs:
        data = sub.data or b""
        sha = hashlib.sha256(data).hexdigest() if sub.data is not None else ""
        if sub.status != "ok" or sub.data is None:
            rejected.append((Record.rejected(sub.name, sha, sub.status, sub.assignment, sub.student,
                                             sub.detail).handed_in(sub.source, sub.submitted_at, sub.time_source, sub.notes),
                             store / f"{sub.key}.json"))
            continue
        assert sub.assignment is not None and sub.student is not None
        jobs.append(GradingJob(sub.name, data, str(course_path), sub.assignment, sub.student,
                               str(store / f"{sub.key}.json"), asdict(limits), sha, loader,
                               sub.source, sub.submitted_at, sub.time_source, tuple(sub.notes)))
    return jobs, rejected


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
                 on_start: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Grade every submission under ``path``; returns the summary (and writes all outputs).
    ``on_start(n)`` is told how many files were handed in, ``on_record`` each record."""
    from course.planning.config import load_course

    path = Path(path)
    course_path = Path(course_path) if course_path else find_course(path)
    course = load_course(course_path)
    lang = lang or course.language
    limits = limits or Limits()
    prot = protections()
    if unsafe_root_refused():
        raise CourseError(root_refusal())
    todo, rejected = plan(path, course, assignment, course_path, limits, loader)
    if on_start:
        on_start(len(todo) + len(rejected))
    records: list[Record] = []
    for rec, rp in rejected:
        write_record(rec, rp)
        records.append(rec)
        if on_record:
            on_record(rec)
    run: list[GradingJob] = []
    key = record_key(course)
    for job in todo:
        rp = Path(job.record)
        if resume and rp.is_file():
            try:
                old = json.loads(rp.read_text(encoding="utf-8"))
                # a record is resumed only if this grader signed it (a planted one is not) and
                # it is about this very file, student and assignment
                if record_is_authentic(old, key) and old.get("sha256") == job.sha256 \
                        and old.get("version") == RECORD_VERSION and old.get("status") != "error" \
                        and (old.get("file"), old.get("student"), old.get("assignment")) \
                        == (Path(job.notebook).name, job.student, job.assignment):
                    rec = about(Record.from_json(old), job)
                    records.append(rec)
                    if on_record:
                        on_record(rec)
                    continue
            except Exception:  # noqa: BLE001 - a planted record (a list, nested 10**5 deep...) is regraded
                pass
        run.append(job)
    torch = False
    if run and loader == LOADER:
        from .original import assignment_uses_torch

        torch = any(assignment_uses_torch(course, a) for a in {j.assignment for j in run})
    if torch:
        limits = torch_limits(limits)
        run = [replace(j, limits=asdict(limits)) for j in run]
    ex = executor or LocalExecutor(jobs or os.cpu_count() or 1, asdict(limits), torch=torch)
    for rec in ex.run(run):
        records.append(rec)
        if on_record:
            on_record(rec)
    s = report.write_outputs(path, records, lang, prot.items(lang), prot.notes)
    s["report"] = str(path / "report.html")
    s["lang"] = lang
    s["protections"] = prot.items(lang)
    s["notes"] = prot.notes
    return s
