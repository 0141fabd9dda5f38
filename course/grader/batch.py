"""Grading a batch: self-contained jobs, an executor interface, resume, atomic records.

:class:`GradingJob` is plain data (paths, ids, limits): any executor that can call
:func:`grade_job` in a worker process can run a batch (:class:`LocalExecutor`, a local process
pool, is the default; a distributed engine only needs the same ``run(jobs)`` method). Each
worker owns one sandbox :class:`~course.grader.slot.Slot`, started in the worker's
initializer *before* any secret (variants, hidden cases, reference) is computed; the zygote is
exec'ed by bubblewrap, so it inherits no memory of the worker at all.

Every graded notebook leaves one record ``PATH/.grader/<file stem>.json`` written atomically
(temp file + rename) with the notebook's SHA-256: a batch killed and run again skips what is
done (unless ``resume=False``) and writes the same outputs, which are always rebuilt from the
records (:mod:`course.grader.report`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import multiprocessing as mp
import multiprocessing.util
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from course.base.errors import CourseError
from course.base.files import atomic_write
from course.base.i18n import Text

from . import grading
from .limits import Limits
from .original import Original
from .records import Record
from .slot import SandboxError, Slot


@dataclass(frozen=True)
class GradingJob:
    """One notebook to grade: its bytes and their SHA-256 (read once, by the intake: the job
    never opens the submitted file again), its owner, where its record goes, the limits
    (plain, picklable data; no secret)."""

    notebook: str  # the submitted file's name
    data: bytes
    course_path: str
    assignment: str
    student: str
    record: str
    limits: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    #: "module:function" building the Original (tests use their own fixtures)
    loader: str = "course.grader.original:load_original"
    #: where and when it was handed in, and notes for the instructor (copied into the record)
    source: str = ""
    submitted_at: float | None = None
    time_source: str | None = None
    notes: tuple[Text | str, ...] = ()
    #: grade only this question again, into ``base`` (the file's signed record, as JSON)
    only_question: str | None = None
    base: dict[str, Any] | None = None


def record_key(course: Any) -> bytes:
    """The key that signs grading records: the course secret's random record key
    (:mod:`course.planning.secret`), never derived from anything in course.yml."""
    return course.record_key


def mac_of(rec: dict[str, Any], key: bytes) -> str:
    """The HMAC-SHA256 (hex) of a JSON document without its ``mac`` key, canonicalised."""
    body = {k: v for k, v in rec.items() if k != "mac"}
    canon = json.dumps(json.loads(json.dumps(body, default=str)), sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canon.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def sign_record(rec: Record, key: bytes) -> None:
    """Set ``rec.mac``: resume trusts a record only if it carries a valid one, because
    ``PATH/.grader/`` sits beside the submissions and may hold files a student planted (an
    archive extracted there, a shared folder): a forged record with the sha256 of the
    student's own notebook and full marks would otherwise be resumed as is."""
    rec.mac = None
    rec.mac = mac_of(rec.to_json(), key)


def record_is_authentic(rec: Any, key: bytes) -> bool:
    """True if ``rec`` was signed by :func:`sign_record` with ``key``."""
    return (type(rec) is dict and type(rec.get("mac")) is str
            and hmac.compare_digest(rec["mac"].encode("utf-8", "surrogatepass"),
                                    mac_of(rec, key).encode("ascii")))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- worker side
_SLOT: Slot | None = None
_START_ERROR: str | None = None
_COURSES: dict[str, Any] = {}
OriginalLoader = Callable[[Any, str, str], Original]


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int | None) -> None:
    """Have the kernel SIGKILL this process when its parent dies (``PR_SET_PDEATHSIG``: a
    pool worker must not outlive ``course grade``, even one killed by SIGKILL); exit at once
    if the parent ``parent_pid`` is already gone. The worker's sandbox then dies with it
    (bubblewrap's ``--die-with-parent``, the zygote's control socket)."""
    if sys.platform != "linux":
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)  # the parent died before the death signal was armed


def init_worker(slots: Any, limits: dict[str, Any], torch: bool,
                parent_pid: int | None = None) -> None:
    """Process-pool initializer: die with the grader (``parent_pid``), take a slot number and
    start its sandbox zygote now, before this worker computes any secret."""
    die_with_parent(parent_pid)
    start_slot(slots.get() if slots is not None else 0, limits, torch)


def start_slot(index: int, limits: dict[str, Any], torch: bool) -> Slot | None:
    """Claim this worker process's sandbox slot (its uid and lock) and start its zygote; the
    slot, or None when it could not be made (:data:`_START_ERROR` says why; each job tries
    again and says why if it fails). A cluster worker calls it from its worker plugin
    (:mod:`course.grader.cluster`), before it is sent any course data."""
    global _SLOT, _START_ERROR
    _START_ERROR = None
    try:
        _SLOT = Slot(index, Limits(**limits), torch=torch)
        mp.util.Finalize(_SLOT, _SLOT.close, exitpriority=10)  # when the pool shuts down
        _SLOT.start()
    except (SandboxError, OSError, CourseError) as exc:  # CourseError: grading.python unusable here
        _START_ERROR = _start_error(exc)
    return _SLOT


def _start_error(exc: BaseException) -> str:
    """Why a sandbox slot did not start, in one line."""
    what = exc.line("en") if isinstance(exc, CourseError) else str(exc)
    return f"{type(exc).__name__}: {what}"[:2000]


def _course(path: str) -> Any:
    if path not in _COURSES:
        from course.planning.config import load_course

        _COURSES[path] = load_course(path)
    return _COURSES[path]


def _loader(spec: str) -> OriginalLoader:
    import importlib

    mod, _, fn = spec.partition(":")
    return getattr(importlib.import_module(mod), fn)


def about(rec: Record, job: GradingJob) -> Record:
    """``rec`` with where and when ``job``'s file was handed in, and its notes."""
    return rec.handed_in(job.source, job.submitted_at, job.time_source, job.notes)


def write_record(rec: Record, path: Path) -> None:
    """Write ``rec`` as JSON at ``path``, atomically."""
    atomic_write(path, json.dumps(rec.to_json(), indent=1, sort_keys=True, default=str))


def grade_job(job: GradingJob) -> Record:
    """Grade one notebook in this worker's sandbox slot; returns and writes its record (the
    local pool's workers write into PATH/.grader/; a cluster's client does instead, from
    :func:`grade_record`)."""
    rec = grade_record(job)
    write_record(rec, Path(job.record))
    return rec


def grade_record(job: GradingJob) -> Record:
    """Grade one notebook in this worker's sandbox slot; returns its signed record and writes
    nothing."""
    global _SLOT, _START_ERROR
    name = Path(job.notebook).name
    try:
        if _SLOT is None:
            _SLOT = Slot(0, Limits(**job.limits))
        if not _SLOT.alive():
            _SLOT.start()
    except (SandboxError, OSError, CourseError) as exc:
        _START_ERROR = _start_error(exc)
        return about(Record.error(name, job.sha256, job.assignment, job.student,
                                  f"the sandbox did not start: {_START_ERROR}"), job)
    try:
        read = grading.parse_notebook(job.data)
        if read.status != "ok" or read.nb is None:
            rec = Record.rejected(name, job.sha256, read.status, job.assignment, job.student, read.detail)
        else:
            original = _loader(job.loader)(_course(job.course_path), job.assignment, job.student)
            if job.only_question is not None:  # the other questions keep their results
                original = replace(original, questions=[q for q in original.questions
                                                        if q.id == job.only_question])
            cells, restored = grading.merge(original, read.nb)
            timeout = float(job.limits.get("timeout_s", 10.0))
            t0 = time.monotonic()
            _SLOT.reset_usage()
            results, cell_report = grading.run_submission(_SLOT, cells, original, timeout)
            answer_cell = {c.question: c.id for c in original.cells if c.role == "answer" and c.question}
            questions = []
            for q in original.questions:
                res = results[q.id]
                res.cell = cell_report.get(answer_cell.get(q.id, ""))
                questions.append(res)
            rec = Record.graded(name, job.sha256, job.assignment, job.student, questions,
                                restored=restored, cells=cell_report, protections=_SLOT.prot.to_json(),
                                seconds=round(time.monotonic() - t0, 3))
            if job.base is not None and job.only_question is not None:
                base = Record.from_json(job.base)
                base.mac = None
                base.questions = [questions[0] if q.id == job.only_question else q for q in base.questions]
                base.seconds = rec.seconds
                rec = base
            if _SLOT.cgroups is not None:  # the submission's cgroup: peak of all its processes
                peak = _SLOT.peak_bytes
                rec.memory_peak_mb = round(peak / 2**20, 1) if peak is not None else None
                rec.oom_kills = _SLOT.oom_kills
    except Exception as exc:  # noqa: BLE001 - one broken job never stops the batch
        rec = Record.error(name, job.sha256, job.assignment, job.student,
                           f"{type(exc).__name__}: {exc}", traceback.format_exc(limit=5))
    about(rec, job)
    try:
        sign_record(rec, record_key(_course(job.course_path)))
    except Exception:  # noqa: BLE001 - an unsigned record is simply graded again next time
        pass
    return rec


# --------------------------------------------------------------------------- executors
class Executor(Protocol):
    """Runs grading jobs and yields their records as they complete, each already written at
    ``job.record``.

    An executor whose sandboxes run on other machines (:mod:`course.grader.cluster`) may also
    define ``remote = True`` (this machine runs no student code, so its own protections do not
    matter), ``configure(limits, torch)`` (called before :meth:`run` with the batch's limits
    and whether its zygotes import PyTorch) and ``protection_rows(lang)`` (called after it: the
    protections rows and notes of the machines that graded, for the terminal and report.html).
    """

    def run(self, jobs: list[GradingJob]) -> Iterator[Record]: ...


class LocalExecutor:
    """A local process pool: ``jobs`` workers, each with its own sandbox slot and uid."""

    def __init__(self, workers: int, limits: dict[str, Any], torch: bool = False):
        self.workers = max(1, workers)
        self.limits = limits
        self.torch = torch

    def run(self, jobs: list[GradingJob]) -> Iterator[Record]:
        if not jobs:
            return
        n = min(self.workers, len(jobs))
        ctx = mp.get_context("fork")
        slots = ctx.Queue()
        for i in range(n):
            slots.put(i)
        with ProcessPoolExecutor(n, mp_context=ctx, initializer=init_worker,
                                 initargs=(slots, self.limits, self.torch, os.getpid())) as pool:
            pending = {pool.submit(grade_job, j): j for j in jobs}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    job = pending.pop(fut)
                    try:
                        yield fut.result()
                    except Exception as exc:  # noqa: BLE001 - a dead worker
                        yield about(Record.error(Path(job.notebook).name, job.sha256, job.assignment,
                                                  job.student, f"worker failed: {type(exc).__name__}"),
                                     job)
