"""The cgroup per submission (course.grader.cgroup), unit by unit; the red-team suites test it
end to end (test_grader_redteam2.py: forked children share one memory limit).

cgroup v2 cannot be exercised on a machine whose memory controller is bound to v1 (this
project's machines): its logic runs here on a fake hierarchy (plain folders and files), so
these tests check which files are written with what, and the fallback to the hierarchy root,
not the kernel's behaviour.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from course.grader import cgroup

HIERARCHY = cgroup.detect()[0]


# ----------------------------------------------------------------------------- detection
def test_mountinfo_and_own_cgroup_are_parsed(tmp_path):
    mi = tmp_path / "mountinfo"
    mi.write_text(
        "30 25 0:26 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw\n"
        "35 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
        "36 30 0:32 /docker/abc /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
        "37 30 0:33 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n")
    pc = tmp_path / "cgroup"
    pc.write_text("8:pids:/docker/abc\n4:memory:/a/b\n1:cpu,cpuacct:/\n0::/user.slice\n")
    mounts = cgroup._mounts(str(mi))
    assert [(m[0], m[1], m[2]) for m in mounts] == [
        ("/sys/fs/cgroup/memory", "/", "cgroup"), ("/sys/fs/cgroup/pids", "/docker/abc", "cgroup"),
        ("/sys/fs/cgroup/unified", "/", "cgroup2")]
    own = cgroup._own(str(pc))
    assert own == {"pids": "/docker/abc", "memory": "/a/b", "cpu": "/", "cpuacct": "/", "": "/user.slice"}
    assert cgroup._under("/sys/fs/cgroup/pids", "/docker/abc", "/docker/abc") == "/sys/fs/cgroup/pids/"
    assert cgroup._under("/m", "/", "/a/b") == "/m/a/b"
    assert cgroup._under("/p", "/docker/abc", "/elsewhere") is None


def _fake_v2(root, own_busy: bool):
    """A fake v2 hierarchy at ``root``: the root cgroup and the grader's own cgroup /app."""
    for d in (root, root / "app"):
        d.mkdir(parents=True, exist_ok=True)
        (d / "cgroup.controllers").write_text("cpu io memory pids\n")
        (d / "cgroup.procs").write_text("")
    (root / "cgroup.subtree_control").write_text("cpu\n")
    for d in (root, root / "app"):  # the kernel makes these files in every new cgroup
        for sub in ("course-grader", "course-grader/uid-123"):
            (d / sub).mkdir(parents=True)
            (d / sub / "cgroup.subtree_control").write_text("")
    if own_busy:  # writing it fails, as the kernel's EBUSY when the cgroup holds processes
        (root / "app" / "cgroup.subtree_control").mkdir()
    else:
        (root / "app" / "cgroup.subtree_control").write_text("")


@pytest.mark.parametrize("own_busy", [False, True], ids=["own-cgroup", "root-fallback"])
def test_v2_job_cgroups_on_a_fake_hierarchy(tmp_path, own_busy):
    _fake_v2(tmp_path, own_busy)
    h, why = cgroup._detect_v2(str(tmp_path), "/", "/app")
    assert h is not None, why
    parent = tmp_path if own_busy else tmp_path / "app"
    assert h.memory == h.pids == str(parent / "course-grader") and h.version == 2
    assert "+memory" in (parent / "cgroup.subtree_control").read_text()
    slot = cgroup.SlotCgroups(h, "uid-123")
    job = slot.job(memory_mb=512, pids=16)
    d = parent / "course-grader" / "uid-123" / "job-1"
    assert (d / "memory.max").read_text() == str(512 * 2**20)
    assert (d / "pids.max").read_text() == "16"
    assert not (d / "memory.swap.max").exists()  # no swap accounting on the fake tree
    job.attach(4242)
    assert (d / "cgroup.procs").read_text() == "4242"
    (d / "cgroup.procs").write_text("")  # (nothing to kill: the pid is fictitious)
    (d / "memory.peak").write_text("123456\n")
    (d / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 2\n")
    assert job._read_peak() == 123456 and job.oom_count() == 2


def test_v2_without_controllers_says_why(tmp_path):
    (tmp_path / "cgroup.controllers").write_text("hugetlb\n")
    h, why = cgroup._detect_v2(str(tmp_path), "/", "/")
    assert h is None and "controllers hugetlb" in why


# ----------------------------------------------------------------------------- the real one
@pytest.mark.skipif(HIERARCHY is None, reason="no usable cgroup here (reported by protections())")
def test_a_job_cgroup_limits_its_processes_together_and_goes_away():
    h = HIERARCHY
    slot = cgroup.SlotCgroups(h, f"pid-{os.getpid()}-99")
    job = slot.job(memory_mb=64, pids=8)
    # a process that waits for a byte, then allocates 160 MB (every page written)
    p = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read(1); b = b'x' * 160_000_000"],
                         stdin=subprocess.PIPE)
    try:
        job.attach(p.pid)
        assert job.procs() == [p.pid]
        assert p.stdin is not None
        p.stdin.write(b"g")
        p.stdin.close()
        assert p.wait(timeout=20) == -signal.SIGKILL  # the OOM killer, inside the cgroup
    finally:
        if p.poll() is None:
            p.kill()
    job.close()
    assert job.oom_kills >= 1 and job.peak_bytes is not None and job.peak_bytes <= 64 * 2**20
    assert not any(os.path.exists(d) for d in job.folders)
    slot.remove()
    assert not any(os.path.exists(d) for d in slot.folders)
