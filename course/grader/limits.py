"""The resource limits of one submission (what ``course grade --timeout/--memory/--budget`` set),
and the interpreter its code runs with.

Not to be confused with :class:`course.grader.protocol.DecodeLimits`, the limits of the wire
decoder (bytes, depth, elements of one message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024  # one megabyte, as --memory counts it (MiB)


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission.

    ``timeout_s`` (seconds of wall clock): per request (one cell, one test case; a training case
    has its own limit); ``budget_s`` (seconds of wall clock): the whole submission (every cell,
    case and restart); ``cpu_s`` (CPU seconds): the whole job child (RLIMIT_CPU); ``memory_mb``
    (MiB): the whole submission, all its processes together, where a cgroup is usable
    (:mod:`course.grader.cgroup`), and the address space of each process in any case
    (RLIMIT_AS; RLIMIT_DATA with CUDA: CUDA reserves huge address ranges), at least 1024 when
    PyTorch is imported (PyTorch itself maps about 640 MB); ``fsize_mb`` (MiB): largest file;
    ``tmpfs_mb`` (MiB): size of /tmp; ``nofile``: open files; ``nproc``: processes and threads
    of the submission (the cgroup's ``pids.max``) and of the slot's uid (RLIMIT_NPROC);
    ``host_mb`` (MiB): where no cgroup is usable, the most host memory one submission may map,
    processes times address space (:meth:`processes_without_cgroup`); ``python``: the
    interpreter the sandbox runs student code with (course.yml's ``grading.python``, the
    students' environment: :mod:`course.grader.interpreter`), "" for the grader's own.
    """

    timeout_s: float = 10.0
    budget_s: float = 300.0
    cpu_s: int = 120
    memory_mb: int = 2048
    fsize_mb: int = 16
    tmpfs_mb: int = 64
    nofile: int = 64
    nproc: int = 32
    host_mb: int = 8192
    python: str = ""

    def processes_without_cgroup(self) -> int:
        """Where no cgroup bounds a submission: how many processes it may run, so that
        processes x ``memory_mb`` stays within ``max(host_mb, memory_mb)``."""
        return max(1, min(self.nproc, max(self.host_mb, self.memory_mb) // self.memory_mb))

    def child_limits(self, cuda: bool, cgroup: bool = True) -> dict[str, Any]:
        """The rlimits the job child applies to itself (bytes, seconds, counts). Without a
        ``cgroup``, RLIMIT_NPROC is lowered to :meth:`processes_without_cgroup` plus one (the
        zygote, which shares the uid)."""
        mem = self.memory_mb * MB
        nproc = self.nproc if cgroup else min(self.nproc, self.processes_without_cgroup() + 1)
        return {"cpu_s": int(self.cpu_s), "fsize_bytes": self.fsize_mb * MB,
                "nofile": self.nofile, "nproc": nproc, "data_bytes": mem,
                "as_bytes": None if cuda else mem}
