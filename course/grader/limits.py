"""The resource limits of one submission (what ``course grade --timeout/--memory/--budget`` set).

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
    (MiB): RLIMIT_AS of each process (RLIMIT_DATA with CUDA: CUDA reserves huge address
    ranges), at least 1024 when PyTorch is imported (PyTorch itself maps about 640 MB);
    ``fsize_mb`` (MiB): largest file; ``tmpfs_mb`` (MiB): size of /tmp; ``nofile``: open files;
    ``nproc``: processes and threads of the slot's uid (RLIMIT_NPROC).
    """

    timeout_s: float = 10.0
    budget_s: float = 300.0
    cpu_s: int = 120
    memory_mb: int = 2048
    fsize_mb: int = 16
    tmpfs_mb: int = 64
    nofile: int = 64
    nproc: int = 32

    def child_limits(self, cuda: bool) -> dict[str, Any]:
        """The rlimits the job child applies to itself (bytes, seconds, counts)."""
        mem = self.memory_mb * MB
        return {"cpu_s": int(self.cpu_s), "fsize_bytes": self.fsize_mb * MB,
                "nofile": self.nofile, "nproc": self.nproc, "data_bytes": mem,
                "as_bytes": None if cuda else mem}
