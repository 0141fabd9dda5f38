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
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import grading
from .limits import Limits
from .slot import SandboxError, Slot

RECORD_VERSION = 1


@dataclass(frozen=True)
class GradingJob:
    """One notebook to grade (plain, picklable data; no secret)."""

    notebook: str
    course_path: str
    assignment: str
    student: str
    record: str
    limits: dict[str, Any] = field(default_factory=dict)
    sha256: str = ""
    #: "module:function" building the Original (tests use their own fixtures)
    loader: str = "course.grader.assignment:load_original"


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a reader sees the old or the new file, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def record_key(course: Any) -> bytes:
    """The key that signs grading records: derived from the course seed, the secret every
    variant and hidden case comes from (students never see it)."""
    return hashlib.sha256(f"course-grader-record-v1:{course.seed}".encode()).digest()


def _record_mac(rec: dict[str, Any], key: bytes) -> str:
    body = {k: v for k, v in rec.items() if k != "mac"}
    canon = json.dumps(json.loads(json.dumps(body, default=str)), sort_keys=True, separators=(",", ":"))
    return hmac.new(key, canon.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def sign_record(rec: dict[str, Any], key: bytes) -> None:
    """Add ``rec["mac"]``: resume trusts a record only if it carries a valid one, because
    ``PATH/.grader/`` sits beside the submissions and may hold files a student planted (an
    archive extracted there, a shared folder): a forged record with the sha256 of the
    student's own notebook and full marks would otherwise be resumed as is."""
    rec["mac"] = _record_mac(rec, key)


def record_is_authentic(rec: Any, key: bytes) -> bool:
    """True if ``rec`` was signed by :func:`sign_record` with ``key``."""
    return (type(rec) is dict and type(rec.get("mac")) is str
            and hmac.compare_digest(rec["mac"].encode("utf-8", "surrogatepass"),
                                    _record_mac(rec, key).encode("ascii")))


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
OriginalLoader = Callable[[Any, str, str], grading.Original]


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
    global _SLOT, _START_ERROR
    die_with_parent(parent_pid)
    index = slots.get() if slots is not None else 0
    try:
        _SLOT = Slot(index, Limits(**limits), torch=torch)
        mp.util.Finalize(_SLOT, _SLOT.close, exitpriority=10)  # when the pool shuts down
        _SLOT.start()
    except (SandboxError, OSError) as exc:  # retried by each job, which says why if it fails
        _START_ERROR = f"{type(exc).__name__}: {exc}"[:2000]


def _course(path: str) -> Any:
    if path not in _COURSES:
        from course.planning.config import load_course

        _COURSES[path] = load_course(path)
    return _COURSES[path]


def _loader(spec: str) -> OriginalLoader:
    import importlib

    mod, _, fn = spec.partition(":")
    return getattr(importlib.import_module(mod), fn)


def grade_job(job: GradingJob) -> dict[str, Any]:
    """Grade one notebook in this worker's sandbox slot; returns (and writes) its record."""
    global _SLOT, _START_ERROR
    try:
        if _SLOT is None:
            _SLOT = Slot(0, Limits(**job.limits))
        if not _SLOT.alive():
            _SLOT.start()
    except (SandboxError, OSError) as exc:
        _START_ERROR = f"{type(exc).__name__}: {exc}"[:2000]
        rec0 = {"version": RECORD_VERSION, "file": Path(job.notebook).name, "sha256": job.sha256,
                "assignment": job.assignment, "student": job.student, "status": "error",
                "detail": f"the sandbox did not start: {_START_ERROR}", "questions": []}
        atomic_write(Path(job.record), json.dumps(rec0, indent=1, sort_keys=True))
        return rec0
    rec: dict[str, Any] = {"version": RECORD_VERSION, "file": Path(job.notebook).name,
                           "sha256": job.sha256, "assignment": job.assignment,
                           "student": job.student, "status": "graded", "questions": [],
                           "restored": [], "cells": {}, "protections": _SLOT.prot.to_json()}
    try:
        read = grading.read_notebook(Path(job.notebook))
        if read.status != "ok" or read.nb is None:
            rec["status"] = read.status
        else:
            original = _loader(job.loader)(_course(job.course_path), job.assignment, job.student)
            cells, restored = grading.merge(original, read.nb)
            rec["restored"] = restored
            timeout = float(job.limits.get("timeout_s", 10.0))
            t0 = time.monotonic()
            _SLOT.reset_usage()
            results, cell_report = grading.run_submission(_SLOT, cells, original.questions, timeout,
                                                          files=original.files)
            rec["seconds"] = round(time.monotonic() - t0, 3)
            if _SLOT.cgroups is not None:  # the submission's cgroup: peak of all its processes
                peak = _SLOT.peak_bytes
                rec["memory_peak_mb"] = round(peak / 2**20, 1) if peak is not None else None
                rec["oom_kills"] = _SLOT.oom_kills
            rec["cells"] = cell_report
            rec["questions"] = [results[q.id].to_json() | {"kind": q.kind, "title": q.title}
                                for q in original.questions]
            answer_cell = {c["question"]: c["id"] for c in original.cells
                           if c["role"] == "answer" and c.get("question")}
            for q in rec["questions"]:
                rep = cell_report.get(answer_cell.get(q["id"], ""), None)
                q["cell"] = rep
    except Exception as exc:  # noqa: BLE001 - one broken job never stops the batch
        rec["status"] = "error"
        rec["detail"] = f"{type(exc).__name__}: {exc}"
        rec["traceback"] = traceback.format_exc(limit=5)
    try:
        sign_record(rec, record_key(_course(job.course_path)))
    except Exception:  # noqa: BLE001 - an unsigned record is simply graded again next time
        pass
    atomic_write(Path(job.record), json.dumps(rec, indent=1, sort_keys=True, default=str))
    return rec


# --------------------------------------------------------------------------- executors
class Executor(Protocol):
    """Runs grading jobs and yields their records as they complete."""

    def run(self, jobs: list[GradingJob]) -> Iterator[dict[str, Any]]: ...


class LocalExecutor:
    """A local process pool: ``jobs`` workers, each with its own sandbox slot and uid."""

    def __init__(self, workers: int, limits: dict[str, Any], torch: bool = False):
        self.workers = max(1, workers)
        self.limits = limits
        self.torch = torch

    def run(self, jobs: list[GradingJob]) -> Iterator[dict[str, Any]]:
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
                        rec = {"version": RECORD_VERSION, "file": Path(job.notebook).name,
                               "sha256": job.sha256, "assignment": job.assignment,
                               "student": job.student, "status": "error",
                               "detail": f"worker failed: {type(exc).__name__}", "questions": []}
                        yield rec


def limits_dict(limits: Limits) -> dict[str, Any]:
    return asdict(limits)
