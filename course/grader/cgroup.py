"""One cgroup per job child: memory and processes limited per submission, not per process.

RLIMIT_AS bounds each process; a submission that forks N children of ``--memory`` MB each would
take N times that from the host. So the trusted grader (root, or a user with a delegated
cgroup) makes a cgroup for each job child and moves the job child into it *before* any student
code runs (the job child waits for a go-ahead after saying hello, see
:class:`~course.grader.slot.Session`); every process it starts is born inside. The cgroup has:

* ``memory``: ``--memory`` MiB for the whole submission, children and tmpfs pages included
  (v2 ``memory.max``, v1 ``memory.limit_in_bytes``), and no swap (v2 ``memory.swap.max = 0``,
  v1 ``memory.memsw.limit_in_bytes`` equal to the memory limit, or ``memory.swappiness = 0``
  where the kernel does not account swap); past it the kernel's OOM killer kills a process of
  that submission only;
* ``pids``: at most ``Limits.nproc`` processes and threads (``pids.max``);
* after the submission everything in it is killed (v2 ``cgroup.kill``, v1 one SIGKILL per
  process until it is empty), its peak memory and OOM kills are read, and it is removed.

A job child's submission is the only thing running in its slot, and the job children of one
submission (after a crash the grader forks another) never overlap in time, so the limit holds
for the whole submission at every instant.

Layout: ``<grader's own cgroup>/course-grader/<slot>/job-<n>`` for each controller (v1: under
the ``memory`` and the ``pids`` mounts; v2: one folder), so a grader that is itself limited
(a systemd service, a container) keeps its own limits over its jobs. On v2 a cgroup that holds
processes cannot give controllers to children, so where the grader's own cgroup holds any
(always, unless it is the root) the folder is made under the hierarchy's root instead.
``<slot>`` is ``uid-<sandbox uid>`` (the uid is claimed with a lock: a grader that finds
folders of its uid knows they are stale and removes them) or ``pid-<worker pid>-<slot>``.

:func:`detect` says which version is usable here, and why none is (no root, read-only
mounts, controllers missing); the protections report shows it.
"""

from __future__ import annotations

import errno
import os
import signal
import time
from dataclasses import dataclass
from functools import cache

BASE = "course-grader"  # the folder of the grader's cgroups, under its own cgroup
MB = 1024 * 1024


@dataclass(frozen=True)
class Hierarchy:
    """Where job cgroups are made: ``version`` 1 or 2; ``memory`` and ``pids``: the folders
    (``.../course-grader``) of each controller (the same folder on v2); ``swap``: the kernel
    accounts swap, so that "no swap" is enforced (not merely discouraged)."""

    version: int
    memory: str
    pids: str
    swap: bool

    @property
    def label(self) -> str:
        return f"v{self.version}"


def _read(path: str) -> str:
    with open(path) as f:
        return f.read()


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _mounts(mountinfo: str = "/proc/self/mountinfo") -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root in the hierarchy, fs type, super options) of the cgroup mounts."""
    out = []
    try:
        lines = _read(mountinfo).splitlines()
    except OSError:
        return out
    for line in lines:
        left, _, right = line.partition(" - ")
        f, r = left.split(), right.split()
        if len(f) < 5 or len(r) < 3 or r[0] not in ("cgroup", "cgroup2"):
            continue
        point = f[4].replace("\\040", " ")
        out.append((point, f[3], r[0], set(r[2].split(","))))
    return out


def _own(proc_cgroup: str = "/proc/self/cgroup") -> dict[str, str]:
    """This process's cgroup per controller (``""`` for the v2 hierarchy)."""
    own: dict[str, str] = {}
    try:
        lines = _read(proc_cgroup).splitlines()
    except OSError:
        return own
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) == 3:
            for c in parts[1].split(",") if parts[1] else [""]:
                own[c] = parts[2]
    return own


def _under(point: str, root: str, path: str) -> str | None:
    """The folder of cgroup ``path`` in a mount of the hierarchy's ``root`` at ``point``."""
    if root == "/":
        rel = path
    elif path == root or path.startswith(root.rstrip("/") + "/"):
        rel = path[len(root):]
    else:
        return None
    return os.path.join(point, rel.lstrip("/"))


def _enable(folder: str, controllers: tuple[str, ...] = ("memory", "pids")) -> None:
    """Give ``controllers`` to the children of a v2 cgroup (``cgroup.subtree_control``)."""
    have = _read(os.path.join(folder, "cgroup.subtree_control")).split()
    missing = [c for c in controllers if c not in have]
    if missing:
        _write(os.path.join(folder, "cgroup.subtree_control"), " ".join("+" + c for c in missing))


def _detect_v2(point: str, root: str, own: str) -> tuple[Hierarchy | None, str]:
    why = "no cgroup v2 hierarchy with the memory and pids controllers"
    candidates = [own, "/"] if own not in ("", "/") else ["/"]
    for cand in candidates:
        folder = _under(point, root, cand)
        if folder is None:
            continue
        try:
            ctrl = _read(os.path.join(folder, "cgroup.controllers")).split()
        except OSError as exc:
            why = f"{folder}: {exc.strerror}"
            continue
        if not {"memory", "pids"} <= set(ctrl):
            why = f"{folder}: controllers {' '.join(ctrl) or 'none'} (memory and pids needed)"
            continue
        base = os.path.join(folder, BASE)
        try:
            _enable(folder)
            os.makedirs(base, exist_ok=True)
            _enable(base)
        except OSError as exc:
            why = f"{base}: {exc.strerror or exc}"
            continue
        probe = os.path.join(base, f"probe-{os.getpid()}")
        swap = False
        try:
            os.makedirs(probe, exist_ok=True)
            swap = os.path.exists(os.path.join(probe, "memory.swap.max"))
        except OSError:
            pass
        finally:
            _rmdir(probe)
        return Hierarchy(2, base, base, swap), ""
    return None, why


def _detect_v1(mounts: list[tuple[str, str, str, set[str]]], own: dict[str, str]
               ) -> tuple[Hierarchy | None, str]:
    folders = {}
    for ctl in ("memory", "pids"):
        m = next((m for m in mounts if m[2] == "cgroup" and ctl in m[3]), None)
        if m is None:
            return None, f"no cgroup v1 {ctl} controller mounted"
        folder = _under(m[0], m[1], own.get(ctl, "/"))
        if folder is None:
            return None, f"this process's {ctl} cgroup is outside the {m[0]} mount"
        base = os.path.join(folder, BASE)
        try:
            os.makedirs(base, exist_ok=True)
            if not os.access(os.path.join(base, "cgroup.procs"), os.W_OK):
                raise PermissionError(errno.EACCES, "permission denied")
        except OSError as exc:
            return None, f"{base}: {exc.strerror or exc}"
        folders[ctl] = base
    swap = os.path.exists(os.path.join(folders["memory"], "memory.memsw.limit_in_bytes"))
    return Hierarchy(1, folders["memory"], folders["pids"], swap), ""


@cache
def detect() -> tuple[Hierarchy | None, str]:
    """The hierarchy job cgroups are made in (cgroup v2 preferred, else v1), or None and why
    not (cached for the process)."""
    if not os.path.isdir("/sys/fs/cgroup") and not os.path.exists("/proc/self/cgroup"):
        return None, "no cgroups on this system"
    mounts = _mounts()
    own = _own()
    whys = []
    for point, root, fstype, _opts in mounts:
        if fstype == "cgroup2":
            h, why = _detect_v2(point, root, own.get("", "/"))
            if h is not None:
                return h, ""
            whys.append(f"v2: {why}")
    h, why = _detect_v1(mounts, own)
    if h is not None:
        return h, ""
    whys.append(f"v1: {why}")
    return None, "; ".join(whys)


# --------------------------------------------------------------------------- one job
def _procs(folder: str) -> list[int]:
    try:
        return [int(x) for x in _read(os.path.join(folder, "cgroup.procs")).split()]
    except (OSError, ValueError):
        return []


def _rmdir(folder: str) -> bool:
    try:
        os.rmdir(folder)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def _kill_all(folders: list[str], v2: bool, wait_s: float = 5.0) -> None:
    """SIGKILL every process in ``folders`` until none is left (at most ``wait_s`` seconds;
    0: one round of signals, no wait)."""
    deadline = time.monotonic() + wait_s
    for folder in folders:
        if v2 and os.path.exists(os.path.join(folder, "cgroup.kill")):
            try:
                _write(os.path.join(folder, "cgroup.kill"), "1")
            except OSError:
                pass
    while True:
        pids = {p for f in folders for p in _procs(f)}
        if not pids:
            return
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        if time.monotonic() >= deadline:
            return
        time.sleep(0.001)


class JobCgroup:
    """The cgroup of one job child: made with its limits (``memory_mb`` MiB, ``pids``
    processes and threads), :meth:`attach` moves a process in, :meth:`close` kills what is
    left, reads the peak and removes it."""

    def __init__(self, h: Hierarchy, slot_name: str, n: int, memory_mb: int, pids: int):
        self.h = h
        self.v2 = h.version == 2
        self.folders = sorted({os.path.join(d, slot_name, f"job-{n}") for d in (h.memory, h.pids)})
        self.mem = os.path.join(h.memory, slot_name, f"job-{n}")
        self.pidsdir = os.path.join(h.pids, slot_name, f"job-{n}")
        self.peak_bytes: int | None = None
        self.oom_kills = 0
        limit = str(memory_mb * MB)
        try:
            for d in self.folders:
                os.makedirs(d, exist_ok=True)
            if self.v2:
                _write(os.path.join(self.mem, "memory.max"), limit)
                if h.swap:
                    _write(os.path.join(self.mem, "memory.swap.max"), "0")
                _write(os.path.join(self.pidsdir, "pids.max"), str(pids))
            else:
                _write(os.path.join(self.mem, "memory.limit_in_bytes"), limit)
                if h.swap:
                    _write(os.path.join(self.mem, "memory.memsw.limit_in_bytes"), limit)
                else:
                    _write(os.path.join(self.mem, "memory.swappiness"), "0")
                _write(os.path.join(self.pidsdir, "pids.max"), str(pids))
        except OSError:
            self.remove()
            raise

    def attach(self, pid: int) -> None:
        """Move process ``pid`` (all its threads) into this cgroup, for every controller."""
        for d in self.folders:
            _write(os.path.join(d, "cgroup.procs"), str(pid))

    def procs(self) -> list[int]:
        """Pids of the processes in the cgroup now."""
        return sorted({p for d in self.folders for p in _procs(d)})

    def oom_count(self) -> int:
        """How many processes the OOM killer killed in this cgroup so far."""
        name = "memory.events" if self.v2 else "memory.oom_control"
        try:
            for line in _read(os.path.join(self.mem, name)).splitlines():
                k, _, v = line.partition(" ")
                if k == "oom_kill":
                    return int(v)
        except (OSError, ValueError):
            pass
        return 0

    def kill(self, wait: bool = True) -> None:
        """SIGKILL every process of the submission (whatever its uid, session or group), and
        ``wait`` until none is left."""
        _kill_all(self.folders, self.v2, 5.0 if wait else 0.0)

    def _read_peak(self) -> int | None:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        try:
            return int(_read(os.path.join(self.mem, name)))
        except (OSError, ValueError):
            return None

    def remove(self) -> bool:
        """Remove the (empty) cgroup; False if the kernel still holds it (retried later by
        :meth:`SlotCgroups.clear`)."""
        ok = True
        for d in self.folders:
            for _ in range(50):
                if _rmdir(d):
                    break
                time.sleep(0.002)
            else:
                ok = False
        return ok

    def close(self) -> None:
        """Kill what is left, record :attr:`peak_bytes` and :attr:`oom_kills`, remove."""
        self.kill()
        self.peak_bytes = self._read_peak()
        self.oom_kills = self.oom_count()
        self.remove()


class SlotCgroups:
    """The cgroups of one sandbox slot (``<base>/<name>/``): one :class:`JobCgroup` at a time.
    ``create``: make the slot's folders (False: only to :meth:`remove` stale ones)."""

    def __init__(self, h: Hierarchy, name: str, create: bool = True):
        self.h = h
        self.name = name
        self.n = 0
        self.folders = sorted({os.path.join(d, name) for d in (h.memory, h.pids)})
        for d in self.folders if create else []:
            os.makedirs(d, exist_ok=True)
            if h.version == 2:
                _enable(d)

    def job(self, memory_mb: int, pids: int) -> JobCgroup:
        """A fresh cgroup for the next job child (``memory_mb`` MiB, ``pids`` tasks)."""
        self.n += 1
        return JobCgroup(self.h, self.name, self.n, memory_mb, pids)

    def clear(self) -> int:
        """Kill the processes of every job cgroup of this slot (stale ones of a grader that
        died, or one a crash left) and remove them; returns how many were removed."""
        removed = 0
        for d in self.folders:
            try:
                jobs = [os.path.join(d, e) for e in os.listdir(d) if e.startswith("job-")]
            except OSError:
                continue
            _kill_all(jobs, self.h.version == 2)
            removed += sum(_rmdir(j) for j in jobs)
        return removed

    def remove(self) -> None:
        """Clear, then remove the slot's own folders."""
        self.clear()
        for d in self.folders:
            _rmdir(d)


def clear_stale_pid_slots(h: Hierarchy) -> None:
    """Remove the ``pid-<pid>-<slot>`` folders of workers that no longer run (graders without
    a sandbox uid of their own name their slots so)."""
    names: set[str] = set()
    for base in {h.memory, h.pids}:
        try:
            names |= set(os.listdir(base))
        except OSError:
            pass
    for name in names:
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "pid" and parts[1].isdigit() \
                and not os.path.exists(f"/proc/{parts[1]}"):
            SlotCgroups(h, name, create=False).remove()
