"""``course grade PATH``: find the submissions, identify them, grade the new ones, write outputs.

Identification (never guessed): the assignment and the student come from each notebook's
metadata and are cross-checked with the file name ``<assignment>-<student>.ipynb`` (when the
name has that form), the ``--assignment`` option and the roster; a mismatch, a missing
metadata block or two notebooks for one student get a status of their own and no grade.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from course.base.errors import CourseError, UsageError

from . import grading, report
from .batch import (
    RECORD_VERSION,
    Executor,
    GradingJob,
    LocalExecutor,
    atomic_write,
    file_sha256,
    record_is_authentic,
    record_key,
)
from .limits import Limits
from .protections import protections, root_refusal, unsafe_root_refused

LOADER = "course.grader.assignment:load_original"


def find_notebooks(path: Path) -> list[Path]:
    sub = path / "submissions"
    folder = sub if sub.is_dir() else path
    if not folder.is_dir():
        raise UsageError(f"PATH: {path} is not a folder")
    return sorted(p for p in folder.iterdir() if p.suffix == ".ipynb" and p.is_file())


def find_course(path: Path) -> Path:
    for d in [path.resolve(), *path.resolve().parents]:
        if (d / "course.yml").is_file():
            return d / "course.yml"
    if Path("course.yml").is_file():
        return Path("course.yml").resolve()
    raise UsageError("--course: no course.yml found in PATH, its parents or the current folder")


def _record(nb: Path, sha: str, status: str, assignment: str | None, student: str | None,
            detail: str = "") -> dict[str, Any]:
    return {"version": RECORD_VERSION, "file": nb.name, "sha256": sha, "assignment": assignment,
            "student": student, "status": status, "detail": detail, "questions": []}


def plan(path: Path, roster: list[str], assignment: str | None, course_path: Path,
         limits: Limits, loader: str = LOADER) -> tuple[list[GradingJob], list[dict[str, Any]]]:
    """Jobs to grade and records of notebooks rejected before grading."""
    store = path / ".grader"
    rejected: list[dict[str, Any]] = []
    found: list[tuple[Path, str, str, str]] = []
    for nb in find_notebooks(path):
        sha = file_sha256(nb)
        read = grading.read_notebook(nb)
        if read.status != "ok":
            rejected.append(_record(nb, sha, read.status, None, None, read.detail))
            continue
        a, s = grading.identity(read, nb)
        fa, fs = grading.file_identity(nb)
        if a is None or s is None:
            rejected.append(_record(nb, sha, "no-metadata", fa, fs))
            continue
        why = []
        if assignment is not None and a != assignment:
            why.append(f"assignment {a} != --assignment {assignment}")
        if fa is not None and (fa, fs) != (a, s):
            why.append(f"file name says {fa}/{fs}, metadata says {a}/{s}")
        if s not in roster:
            why.append(f"student {s} is not in the roster")
        if why:
            rejected.append(_record(nb, sha, "mismatch", a, s, "; ".join(why)))
            continue
        found.append((nb, sha, a, s))
    count: dict[str, int] = {}
    for _, _, _, s in found:
        count[s] = count.get(s, 0) + 1
    jobs = []
    for nb, sha, a, s in found:
        if count[s] > 1:
            rejected.append(_record(nb, sha, "duplicate", a, s, f"{count[s]} notebooks for {s}"))
            continue
        jobs.append(GradingJob(str(nb), str(course_path), a, s, str(store / f"{nb.stem}.json"),
                               asdict(limits), sha, loader))
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
                 on_record: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Grade every submission under ``path``; returns the summary (and writes all outputs)."""
    from course.planning.config import load_course

    path = Path(path)
    course_path = Path(course_path) if course_path else find_course(path)
    course = load_course(course_path)
    lang = lang or course.language
    limits = limits or Limits()
    prot = protections()
    if unsafe_root_refused():
        raise CourseError(root_refusal())
    todo, rejected = plan(path, course.roster, assignment, course_path, limits, loader)
    store = path / ".grader"
    records: list[dict[str, Any]] = []
    for rec in rejected:
        atomic_write(store / f"{Path(rec['file']).stem}.json", json.dumps(rec, indent=1))
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
                    records.append(old)
                    if on_record:
                        on_record(old | {"resumed": True})
                    continue
            except Exception:  # noqa: BLE001 - a planted record (a list, nested 10**5 deep...) is regraded
                pass
        run.append(job)
    torch = False
    if run and loader == LOADER:
        from .assignment import assignment_uses_torch

        torch = any(assignment_uses_torch(course, a) for a in {j.assignment for j in run})
    if torch:
        limits = torch_limits(limits)
        run = [replace(j, limits=asdict(limits)) for j in run]
    ex = executor or LocalExecutor(jobs or os.cpu_count() or 1, asdict(limits), torch=torch)
    for rec in ex.run(run):
        records.append(rec)
        if on_record:
            on_record(rec)
    keep = {Path(j.record).stem for j in todo} | {Path(r["file"]).stem for r in rejected}
    records = [r for r in records if Path(r["file"]).stem in keep]
    s = report.write_outputs(path, records, lang, prot.items(lang), prot.notes)
    s["report"] = str(path / "report.html")
    s["lang"] = lang
    s["protections"] = prot.items(lang)
    s["notes"] = prot.notes
    return s
