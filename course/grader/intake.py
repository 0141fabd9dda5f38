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
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

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
    detail: str = ""
    assignment: str | None = None
    student: str | None = None
    submitted_at: float | None = None
    time_source: str | None = None
    notes: list[str] = field(default_factory=list)


def read_regular(path: Path) -> tuple[bytes | None, str, str]:
    """``(bytes, "ok", "")`` for a regular file with one link, else ``(None, status, detail)``.
    A symbolic link is never followed, a FIFO never blocks, a device is never read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "not-regular", "symbolic link"
        if exc.errno in (errno.ENXIO, errno.EACCES, errno.EPERM):
            return None, "not-regular", os.strerror(exc.errno)
        return None, "not-notebook", os.strerror(exc.errno or 0)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("folder" if stat.S_ISDIR(st.st_mode) else "pipe" if stat.S_ISFIFO(st.st_mode)
                    else "socket" if stat.S_ISSOCK(st.st_mode) else "device")
            return None, "not-regular", kind
        if st.st_nlink > 1:
            return None, "not-regular", f"hard link ({st.st_nlink} names for one file)"
        if st.st_size > MAX_FILE_BYTES:
            return None, "too-large", f"{st.st_size} bytes"
        chunks, total = [], 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            total += len(b)
            if total > MAX_FILE_BYTES:
                return None, "too-large", f"more than {MAX_FILE_BYTES} bytes"
            chunks.append(b)
        return b"".join(chunks), "ok", ""
    finally:
        os.close(fd)


def owner_from_name(name: str, assignments: list[str], roster: set[str],
                    only: str | None = None) -> tuple[str | None, str | None, str, str]:
    """``(assignment, student, status, detail)`` from a notebook's file name.

    ``ASSIGNMENT-STUDENT.ipynb`` (or a copy's name), the assignment among ``assignments`` (the
    longest that matches), the student in ``roster``; with ``only`` (``--assignment``), a bare
    ``STUDENT.ipynb`` names that assignment's student too."""
    if not name.endswith(".ipynb"):
        return None, None, "not-notebook", "not a .ipynb file"
    stem = name[:-len(".ipynb")]
    m = _COPY.match(stem)
    candidates = [stem] + ([m.group("stem")] if m else [])
    for cand in candidates:
        for aid in sorted(assignments, key=len, reverse=True):
            if cand.startswith(aid + "-") and len(cand) > len(aid) + 1:
                sid = cand[len(aid) + 1:]
                if sid in roster:
                    if only is not None and aid != only:
                        return aid, sid, "other-assignment", f"{aid} (this run grades {only})"
                    return aid, sid, "ok", "" if cand == stem else f"a copy's name ({name})"
        if only is not None and cand in roster:
            return only, cand, "ok", "" if cand == stem else f"a copy's name ({name})"
    for aid in sorted(assignments, key=len, reverse=True):
        if stem.startswith(aid + "-"):
            return aid, None, "unknown-student", f"{stem[len(aid) + 1:]!r} is not on the roster"
    return None, None, "no-owner", ""


def safe_key(text: str) -> str:
    """A file-system-safe, readable key for a record (``hw3-alice``, ``moodle.zip!x.ipynb``)."""
    key = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "file"
    return key[:120]


def folder_intake(path: Path, assignments: list[str], roster: list[str],
                  only: str | None = None) -> list[Submission]:
    """Every file handed in under ``path``: ``path/submissions/`` when it exists (every entry in
    it), else the ``.ipynb`` entries of ``path`` itself (whose other files are the grader's own
    outputs). Sorted by name."""
    sub = path / "submissions"
    folder = sub if sub.is_dir() else path
    if not folder.is_dir():
        from course.base.errors import UsageError

        raise UsageError(f"PATH: {path} is not a folder")
    names = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    if folder is path:
        names = [n for n in names if n.endswith(".ipynb")]
    roster_set = set(roster)
    out: list[Submission] = []
    keys: set[str] = set()
    for n in names:
        p = folder / n
        key = safe_key(n[:-len(".ipynb")] if n.endswith(".ipynb") else n)
        while key in keys:
            key += "_"
        keys.add(key)
        try:
            mtime = os.lstat(p).st_mtime
        except OSError:
            mtime = None
        a, s, status, detail = owner_from_name(n, assignments, roster_set, only)
        data, rstatus, rdetail = read_regular(p)
        if rstatus != "ok":  # an unreadable file is reported as such first
            status, detail = rstatus, rdetail
        notes = [f"owner from {detail}"] if status == "ok" and detail else []
        out.append(Submission(str(p.relative_to(path)), n, key, data if status == "ok" else None,
                              status, detail if status != "ok" else "", a, s, mtime,
                              "file modification time", notes))
    return out


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
            s.detail = f"{kept.source} is later ({kept.time_source}) and is graded instead"
            s.data = None
        kept.notes.append(f"{len(group) - 1} earlier file(s) of this student not graded: "
                          + ", ".join(s.source for s in group[:-1]) + f" (by {kept.time_source})")
