"""Nothing outlives the grader, and what a killed grader left is cleared by the next one.

* ``course grade`` (a real subprocess, 2 workers) is killed with SIGKILL in the middle of a
  batch of slow submissions that each leave a daemon behind: within 2 seconds no worker, no
  zygote, no process of a sandbox uid and no daemon is left, and the rerun gives the same
  grades.csv, byte for byte, as an uninterrupted run;
* a process holding a slot (bubblewrap or not) is killed with SIGKILL: its zygote, job child
  and the daemon the student started die with it (bubblewrap's ``--die-with-parent``; without
  bubblewrap, the zygote's control socket reads end-of-file and the zygote kills its tree);
* processes of a sandbox uid whose lock is free, and job cgroups of that uid, are what a killed
  grader left: the next slot that claims the uid kills and removes them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import grader_fixture as F
import nbformat
import pytest

from course.documents.notebooks import build_notebook
from course.grader import cgroup
from course.grader import slot as slot_mod
from course.grader.limits import Limits
from course.grader.protections import NO_BWRAP_ENV, UNSAFE_ROOT_ENV, job_cgroups, protections
from course.grader.run import grade_folder
from course.grader.slot import Slot, uid_processes
from course.planning.config import load_course

PROT = protections()
LINUX = sys.platform == "linux"


def _table() -> dict[int, tuple[int, int, str, str]]:
    """pid -> (ppid, uid, state, start time) of every process."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{name}/status") as f:
                uid = next(int(ln.split()[1]) for ln in f if ln.startswith("Uid:"))
        except (OSError, StopIteration, ValueError):
            continue
        rest = stat[stat.rindex(b")") + 2:].split()
        out[int(name)] = (int(rest[1]), uid, rest[0].decode(), rest[19].decode())
    return out


def _descendants(root: int) -> dict[int, tuple[int, int, str, str]]:
    table = _table()
    mine, frontier = set(), {root}
    while frontier:
        frontier = {p for p, (pp, *_rest) in table.items() if pp in frontier} - mine
        mine |= frontier
    return {p: table[p] for p in mine}


def _alive(snapshot: dict[int, tuple[int, int, str, str]]) -> list[int]:
    """The processes of ``snapshot`` still running (same pid and start time, not a zombie)."""
    now = _table()
    return [p for p, (_pp, _uid, _st, start) in snapshot.items()
            if p in now and now[p][3] == start and now[p][2] not in ("Z", "X")]


def _wait_gone(snapshot: dict[int, tuple[int, int, str, str]], limit_s: float) -> tuple[float, list[int]]:
    t0 = time.monotonic()
    while True:
        left = _alive(snapshot)
        dt = time.monotonic() - t0
        if not left or dt > limit_s:
            return dt, left
        time.sleep(0.02)


def _by_cmdline(mark: str) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                if mark.encode() in f.read():
                    out.append(int(name))
        except (OSError, ValueError):
            pass
    return out


# ----------------------------------------------------------------------------- kill -9 of a batch
SLOW = ("import subprocess, time\n"
        "subprocess.Popen(['sleep', '{mark}'], start_new_session=True)  # a daemon left behind\n"
        "time.sleep(0.8)\n")


def _batch(root: Path, cp: Path, mark: str) -> Path:
    course = load_course(cp)
    sub = root / "hw" / "submissions"
    sub.mkdir(parents=True)
    for i, s in enumerate(course.roster):
        nb = build_notebook(course, F.ASSIGNMENT, s, solutions=True)
        cell = next(c for c in nb.cells if c.get("id") == "q1-answer")
        cell.source = SLOW.format(mark=mark) + (cell.source if i % 2 == 0 else "q1 = ...\n")
        nbformat.write(nb, str(sub / f"{F.ASSIGNMENT}-{s}.ipynb"))
    return root / "hw"


def _grade(folder: Path, cp: Path, tmp: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(F.REPO), COLUMNS="200", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.Popen([sys.executable, "-m", "course.cli.main", "grade", str(folder),
                             "--course", str(cp), "--jobs", "2", "--timeout", "10", "--lang", "en"],
                            env=env, cwd=str(tmp), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.skipif(not PROT.uid_drop, reason="needs root, bubblewrap and setpriv (sandbox uids)")
def test_kill_9_mid_batch_leaves_nothing_and_the_rerun_gives_the_same_grades(tmp_path):
    students = [f"s{i}" for i in range(5)]
    cp = F.make_course(tmp_path / "course", students)
    mark = f"{1000 + os.getpid() % 1000}.{time.time_ns() % 10**9:09d}"  # `sleep` of this test
    ref = _batch(tmp_path / "ref", cp, mark)
    t0 = time.monotonic()
    grade_folder(ref, course_path=cp, jobs=2, limits=Limits(timeout_s=10.0))  # uninterrupted
    t1 = time.monotonic()

    hw = _batch(tmp_path / "killed", cp, mark)
    p = _grade(hw, cp, tmp_path)
    deadline = time.monotonic() + 60
    while not (list((hw / ".grader").glob("*.json")) and _by_cmdline(mark)):  # mid-batch
        assert p.poll() is None and time.monotonic() < deadline, "the batch ended before the kill"
        time.sleep(0.02)
    tree = _descendants(p.pid)
    uids = {uid for _pp, uid, _st, _start in tree.values() if uid >= slot_mod.DEFAULT_UID_BASE}
    assert uids and len(tree) >= 6  # two workers, their bwrap, zygotes, job children, daemons
    p.send_signal(signal.SIGKILL)
    p.wait()
    seconds, left = _wait_gone(tree, 2.0)
    print(f"\nkill -9 of course grade: its {len(tree)} processes gone in {seconds:.3f} s")
    assert left == [], {q: tree[q] for q in left}
    assert not _by_cmdline(mark)
    assert all(uid_processes(u) == [] for u in uids)
    assert len(list((hw / ".grader").glob("*.json"))) < len(students)  # it did stop mid-batch

    t2 = time.monotonic()
    out = _grade(hw, cp, tmp_path).communicate(timeout=120)[0]
    assert (hw / "grades.csv").read_bytes() == (ref / "grades.csv").read_bytes(), out[-3000:]
    assert not _by_cmdline(mark)
    print(f"reference {t1 - t0:.1f} s, killed run {t2 - t1:.1f} s, rerun {time.monotonic() - t2:.1f} s")


# ----------------------------------------------------------------------------- a slot's holder dies
HOLDER = r"""
import sys, time
from course.grader.limits import Limits
from course.grader.slot import Slot
slot = Slot(int(sys.argv[1]), Limits(timeout_s=30.0))
slot.start()
s = slot.session()
s.request({"op": "exec", "source": "import subprocess\nsubprocess.Popen(['sleep', %r], start_new_session=True)"})
print("ready", flush=True)
s.request({"op": "exec", "source": "while True: pass"}, timeout=60)
"""


@pytest.mark.skipif(not LINUX, reason="Linux process model")
@pytest.mark.parametrize("bwrap", [True, False], ids=["bwrap", "no-bwrap"])
def test_the_sandbox_dies_with_the_process_that_holds_it(bwrap, tmp_path):
    if bwrap and not PROT.bwrap:
        pytest.skip("bubblewrap unavailable here")
    mark = f"{2000 + os.getpid() % 1000}.{time.time_ns() % 10**9:09d}"
    env = dict(os.environ, PYTHONPATH=str(F.REPO))
    if not bwrap:
        env[NO_BWRAP_ENV] = "1"
        env[UNSAFE_ROOT_ENV] = "1"  # a root test machine: the zygote would run as root
    p = subprocess.Popen([sys.executable, "-c", HOLDER % mark, "11"], env=env, cwd=str(tmp_path),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.stdout is not None and p.stdout.readline() == b"ready\n", p.stderr.read() if p.stderr else ""
        tree = _descendants(p.pid)
        assert _by_cmdline(mark) and len(tree) >= 3  # the zygote, the job child, the daemon
        p.kill()
        p.wait()
        seconds, left = _wait_gone(tree, 2.0)
        assert left == [], {q: tree[q] for q in left}
        assert not _by_cmdline(mark)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    _clear_after(p.pid, {uid for _pp, uid, _st, _s in tree.values() if uid >= slot_mod.DEFAULT_UID_BASE})


def _clear_after(pid: int, uids: set[int]) -> None:
    """Remove the job cgroups the killed holder left (the next grader would; tests tidy up)."""
    h = job_cgroups()
    if h is None:
        return
    cgroup.clear_stale_pid_slots(h)
    for uid in uids:
        got, fd = slot_mod.claim_uid(uid, 0)
        try:
            if got == uid:
                cgroup.SlotCgroups(h, f"uid-{uid}", create=False).remove()
        finally:
            os.close(fd)


# ----------------------------------------------------------------------------- stale slots
@pytest.mark.skipif(not PROT.uid_drop, reason="needs root and setpriv (sandbox uids)")
def test_a_new_slot_clears_what_a_killed_grader_left():
    base = slot_mod.DEFAULT_UID_BASE + 50_000 + os.getpid() % 1000  # a uid no other test uses
    stale = subprocess.Popen(["setpriv", f"--reuid={base}", f"--regid={base}", "--clear-groups",
                              "sleep", "1000"], start_new_session=True)
    in_cgroup = None
    h = job_cgroups()
    if h is not None:  # a job cgroup of that uid, with a process still in it
        in_cgroup = subprocess.Popen(["sleep", "1000"], start_new_session=True)
        job = cgroup.SlotCgroups(h, f"uid-{base}").job(64, 8)
        job.attach(in_cgroup.pid)
    deadline = time.monotonic() + 5
    while uid_processes(base) != [stale.pid]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    slot = Slot(0, Limits(), uid_base=base)
    try:
        assert slot.uid == base  # the uid is taken over, not skipped
        assert stale.wait(timeout=2) == -signal.SIGKILL
        if in_cgroup is not None:
            assert in_cgroup.wait(timeout=2) == -signal.SIGKILL
            assert not any(os.path.exists(d) for d in job.folders)
    finally:
        slot.close()
        for q in (stale, in_cgroup):
            if q is not None and q.poll() is None:
                q.kill()
                q.wait()
