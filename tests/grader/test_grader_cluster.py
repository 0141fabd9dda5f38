"""``course grade --cluster``: the same sandbox, the same grades and no lost work on Dask.

Fast: the ``--cluster`` address, the course bundle (what travels, from where, deterministic),
what a client accepts of a worker's record, the resources a job asks for (``--gpu``), the
one-line errors, and that Dask is never imported without ``--cluster``.

SLOW (real clusters on 127.0.0.1, 2 cores):

* a ``LocalCluster`` of process workers grades the sample course's hw1 (6 notebooks: correct,
  partly wrong, raising, looping, always-equal, reading the hidden tests) and hw3 (3 notebooks
  with the PyTorch training question, ``--gpu`` on workers with the GPU resource) and writes
  the very grades.csv of the local pool; ``local:1`` whose only worker is SIGKILLed mid-batch
  (its nanny starts another; the jobs Dask left without a worker are submitted again) too;
* a cluster started from the command line (``dask scheduler``, two ``dask worker``, and, as
  root, a third whose sandbox cannot start: bubblewrap disabled), then ``course grade
  --cluster tcp://127.0.0.1:PORT``: the same grades; one worker SIGKILLed mid-batch: the batch
  completes with the same grades and names the jobs retried; the scheduler SIGKILLed
  mid-batch: one line, the records written are kept and the next run (a new cluster) resumes;
  every process stopped afterwards;
* the red-team attacks that concern the host, through the cluster path (see ``HOST_ATTACKS``).
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import grader_fixture as F
import pytest

from course.base.errors import CourseError, UsageError
from course.grader import cluster as C
from course.grader.batch import GradingJob, sign_record
from course.grader.limits import Limits
from course.grader.protections import protections
from course.grader.records import Record
from course.grader.run import grade_folder
from course.planning.config import load_course

REPO = Path(__file__).resolve().parents[2]
COURSE = REPO / "course.yml"
HW1_KINDS = ["correct", "partly-wrong", "raises", "loops", "always-equal", "reads-hidden"]
HW3_KINDS = ["correct", "partly-wrong", "always-equal"]
LIMITS = Limits(timeout_s=2.0)
#: hw3 (PyTorch): a request of 2 s can time out on a loaded 2-core machine; a child restarted
#: then starts its models from another random state, and the grades of two runs would differ
#: for a reason that is not the cluster's
LIMITS_HW3 = Limits(timeout_s=10.0)


# ----------------------------------------------------------------------------- helpers
def submissions(folder: Path, aid: str, kinds: list[str]) -> Path:
    """``folder/aid/submissions``: one notebook per kind (course.cli.demo.simulate), made from
    the builder's solutions and stub notebooks of the sample course's first students, handed
    in an hour before the due date."""
    from course.cli.demo import simulate
    from course.documents.notebooks import build_notebook

    course = load_course(COURSE)
    sub = folder / aid / "submissions"
    sub.mkdir(parents=True)
    for sid, kind in zip(course.roster, kinds, strict=False):
        sol = json.loads(json.dumps(build_notebook(course, aid, sid, solutions=True)))
        stub = json.loads(json.dumps(build_notebook(course, aid, sid)))
        (sub / f"{aid}-{sid}.ipynb").write_text(json.dumps(simulate(kind, sol, stub)), encoding="utf-8")
    due = course.data.assignments[aid].due
    when = (due.timestamp() if due else time.time()) - 3600
    for p in sub.iterdir():
        os.utime(p, (when, when))
    return folder / aid


def copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, copy_function=shutil.copy2)  # the same times handed in
    return dst


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def records_since(folder: Path, t0: float) -> list[Path]:
    return [p for p in (folder / ".grader").glob("*.json") if p.stat().st_mtime >= t0]


# ----------------------------------------------------------------------------- fast
def test_the_cluster_address():
    assert C.parse_address("local:3") == ("local", 3)
    assert C.parse_address("tcp://10.0.0.5:8786") == ("tcp://10.0.0.5:8786", 0)
    for bad in ("local:0", "10.0.0.5:8786", "local", "http://x:1"):
        with pytest.raises(UsageError, match="--cluster"):
            C.parse_address(bad)


def test_the_bundle_holds_what_a_worker_needs_and_nothing_else(tmp_path):
    root = tmp_path / "course"
    cp = F.make_course(root, ["a1", "a2"])
    people = tmp_path / "people"
    people.mkdir()
    (root / "roster.csv").rename(people / "roster.csv")  # a roster outside the course folder
    cp.write_text(cp.read_text().replace("roster: roster.csv", "roster: ../people/roster.csv"))
    q = root / "questions" / "mine"
    (q / "__pycache__").mkdir(parents=True)
    (root / "questions" / "_helpers.py").write_text("# a helper of the course's own questions\n")
    (q / "data.npz").write_bytes(b"\x00" * 10)
    (q / "__pycache__" / "x.pyc").write_bytes(b"")
    (root / "submissions").mkdir()
    (root / "submissions" / "hwt-a1.ipynb").write_text("{}")  # never sent
    key = load_course(cp).record_key  # creates the course secret
    b = C.bundle_course(cp)
    assert set(b.files) == {"course/course.yml", "course/.course-secret", "people/roster.csv",
                            "course/exercises/mlp.yml", "course/questions/_helpers.py",
                            "course/questions/mine/data.npz"}
    assert b.course_yml == "course/course.yml" and C.bundle_course(cp) == b  # deterministic
    yml = C._unpack(b, str(tmp_path / "worker"))
    try:
        there = load_course(yml, check_families=False)
        assert there.record_key == key and there.seed == load_course(cp).seed
        assert there.roster == ["a1", "a2"]
        assert oct(os.stat(Path(yml).parent.parent).st_mode & 0o777) == "0o700"
    finally:
        C._stop_slot()
    assert not Path(yml).exists()  # removed with the slot (the batch's end)


def test_the_client_keeps_only_signed_records_about_the_job():
    course = load_course(COURSE)
    key = course.record_key
    job = GradingJob("hw1-etu001.ipynb", b"{}", str(COURSE), "hw1", "etu001", "/nonexistent",
                     sha256="ab" * 32)
    good = Record.graded(job.notebook, job.sha256, "hw1", "etu001", [], restored=[], cells={},
                         protections={}, seconds=1.0)
    sign_record(good, key)
    assert C.ClusterExecutor._checked(good, job, key, "w") is good
    forged = Record.graded(job.notebook, job.sha256, "hw1", "etu001", [], restored=[], cells={},
                           protections={}, seconds=1.0)
    sign_record(forged, b"another key")
    other = Record.graded("hw1-etu002.ipynb", job.sha256, "hw1", "etu002", [], restored=[],
                          cells={}, protections={}, seconds=1.0)
    sign_record(other, key)
    for bad, why in ((forged, "not signed"), (other, "another file")):
        rec = C.ClusterExecutor._checked(bad, job, key, "tcp://w:1")
        assert rec.status == "error" and why in rec.detail and rec.mac is None
    unsigned_error = Record.error(job.notebook, job.sha256, "hw1", "etu001", "the sandbox did not start")
    assert C.ClusterExecutor._checked(unsigned_error, job, key, "w") is unsigned_error


def test_a_result_lost_with_its_worker_is_submitted_again(tmp_path):
    """A job that finished on a worker lost before its record was fetched: the client does not
    wait for Dask to compute it again (it never would on a worker that gained the sandbox
    resource since: a hang seen in CI); it submits the job again, and writes nothing."""
    job = GradingJob("hw1-etu001.ipynb", b"{}", str(COURSE), "hw1", "etu001", str(tmp_path / "r.json"),
                     sha256="ab" * 32)
    waited: list[float | None] = []

    class LostResult:  # what Future.result does then: wait, then raise TimeoutError
        status = "finished"

        def result(self, timeout: float | None = None) -> None:
            waited.append(timeout)
            raise TimeoutError(f"timed out after {timeout} s.")

    ex = C.ClusterExecutor(client=None, address="local:1")
    assert ex._outcome(LostResult(), job, b"key") == (None, True)
    assert waited == [C.STUCK_S] and ex.resubmitted == 1 and not (tmp_path / "r.json").exists()


def test_jobs_of_a_pytorch_assignment_ask_for_a_gpu_with_gpu_only():
    ex = C.ClusterExecutor(None, "tcp://x:1", gpu=True)
    ex.configure({}, torch=True)
    assert ex.resources() == {C.SANDBOX: 1, C.GPU: 1}
    ex.configure({}, torch=False)
    assert ex.resources() == {C.SANDBOX: 1}
    ex = C.ClusterExecutor(None, "tcp://x:1", gpu=False)
    ex.configure({}, torch=True)
    assert ex.resources() == {C.SANDBOX: 1}


def test_dask_is_never_imported_without_cluster():
    code = ("import sys, course.cli.main, course.cli.grading, course.grader.run, course.grader.batch\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')"
            " or m == 'course.grader.cluster')\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_cluster_usage_errors_are_one_line(tmp_path, capsys):
    import dask

    from course.cli.main import main

    for args, code, needle in (
            (["--gpu"], 2, "--gpu"),
            (["--cluster", "local:2", "--jobs", "2"], 2, "--jobs"),
            (["--cluster", "tcp:/nowhere"], 2, "--cluster")):
        assert main(["grade", str(tmp_path), *args]) == code
        err = capsys.readouterr().err
        assert needle in err and "Traceback" not in err
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        t0 = time.monotonic()
        rc = main(["grade", str(tmp_path), "--cluster", f"tcp://127.0.0.1:{free_port()}"])
    err = capsys.readouterr().err
    # the course is the (French) sample course
    assert rc == 1 and "aucun ordonnanceur Dask ne répond" in err and len(err.strip().splitlines()) == 1
    assert time.monotonic() - t0 < 20


# ----------------------------------------------------------------------------- slow: LocalCluster
@pytest.mark.slow
def test_a_local_cluster_writes_the_grades_of_the_local_pool(tmp_path):
    pool = {a: submissions(tmp_path / "pool", a, k) for a, k in (("hw1", HW1_KINDS), ("hw3", HW3_KINDS))}
    there = {a: copy(p, tmp_path / "cluster" / a) for a, p in pool.items()}
    lone = copy(pool["hw1"], tmp_path / "lone" / "hw1")
    for a, folder in pool.items():
        grade_folder(folder, course_path=COURSE, jobs=2, limits=LIMITS_HW3 if a == "hw3" else LIMITS)
    with C.open_cluster("local:2") as ex:
        s = grade_folder(there["hw1"], course_path=COURSE, limits=LIMITS, executor=ex)
        assert s["graded"] == len(HW1_KINDS) and ex.retried == {}
        assert sum(ex.graded_by.values()) == len(HW1_KINDS) and len(ex.workers) == 2
    # local:1, its only worker SIGKILLed mid-batch: its nanny starts another, whose sandbox
    # takes the jobs the lost one held (Dask leaves them without a worker: submitted again)
    import psutil

    def kill_the_worker() -> None:
        deadline = time.monotonic() + 120
        while len(records_since(lone, 0)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        for p in psutil.Process().children():
            if "multiprocessing" in " ".join(p.cmdline()) and "resource_tracker" not in " ".join(p.cmdline()):
                p.kill()

    with C.open_cluster("local:1") as ex:
        killer = threading.Thread(target=kill_the_worker)
        killer.start()
        s = grade_folder(lone, course_path=COURSE, limits=LIMITS, executor=ex)
        killer.join()
        assert s["graded"] == len(HW1_KINDS) and ex.resubmitted >= 1 and len(ex.workers) == 2
        assert sum(st.get("lost", False) for st in ex.workers.values()) == 1
    # hw3 on workers with the GPU resource (a label: this machine has no GPU), with --gpu
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0, resources={"GPU": 1}) as lc, \
            C.open_cluster(lc.scheduler_address, gpu=True) as ex:
        grade_folder(there["hw3"], course_path=COURSE, limits=LIMITS_HW3, executor=ex)
        assert ex.torch and len(ex.placement) == len(HW3_KINDS)
        assert all(res == {C.SANDBOX: 1, C.GPU: 1} for _w, res in ex.placement.values()), ex.placement
    for a in pool:
        assert (there[a] / "grades.csv").read_text() == (pool[a] / "grades.csv").read_text(), a
    assert (lone / "grades.csv").read_bytes() == (pool["hw1"] / "grades.csv").read_bytes()
    rows = {r["student"]: r for r in csv.DictReader(open(there["hw3"] / "grades.csv"))}
    assert float(rows["etu001"]["percent"]) == 100.0  # the trained CNN got its points
    report = (there["hw1"] / "report.html").read_text()
    assert report.count("worker tcp://127.0.0.1:") == 2 and "cluster local:2" in report
    F.assert_free_uids_are_empty()


# ----------------------------------------------------------------------------- slow: command line
class Processes:
    """The dask processes a test starts (each in a session of its own), stopped afterwards;
    :meth:`stop_all` checks that none of them, nor anything they started, is left."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []
        self.tree: set[int] = set()

    def dask(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"dask-{len(self.procs)}.log", "wb")
        p = subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=log, stderr=subprocess.STDOUT,
                             env={**os.environ, **(env or {})}, cwd=REPO, start_new_session=True)
        self.procs.append(p)
        return p

    def note_tree(self) -> None:
        import psutil

        for p in self.procs:
            with contextlib.suppress(psutil.Error):
                self.tree |= {c.pid for c in psutil.Process(p.pid).children(recursive=True)}

    @staticmethod
    def stop(p: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:  # (a worker may hang closing: Dask's own)
                p.kill()
                p.wait(10)

    def stop_all(self) -> None:
        import psutil

        self.note_tree()
        schedulers = [p for p in self.procs if "scheduler" in p.args]
        for p in [p for p in self.procs if p not in schedulers] + schedulers:
            self.stop(p)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(psutil.pid_exists(pid) and
                                                  psutil.Process(pid).status() != "zombie"
                                                  for pid in self.tree):
            time.sleep(0.1)
        left = [pid for pid in self.tree if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
        assert all(p.poll() is not None for p in self.procs) and not left, left


def start_cluster(procs: Processes, workers: int, bad: bool = False) -> str:
    """``dask scheduler`` and ``workers`` ``dask worker`` processes (one thread, no nanny) on
    free ports of 127.0.0.1, and with ``bad`` one more whose sandbox cannot start (bubblewrap
    disabled on a root grader: the slot refuses); its address once they are all connected."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs.dask("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
    for i in range(workers):
        procs.dask("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                   "--host", "127.0.0.1", "--name", f"w{i}")
    if bad:
        procs.dask("worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                   "--host", "127.0.0.1", "--name", "nobwrap", env={"COURSE_GRADER_NO_BWRAP": "1"})
    with Client(address, timeout=60, set_as_default=False) as c:
        c.wait_for_workers(workers + bad, timeout=120)
    return address


def grade_cli(folder: Path, address: str, *more: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "course.cli.main", "grade", str(folder), "--course",
                             str(COURSE), "--cluster", address, "--timeout", str(LIMITS.timeout_s), *more],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)


def kill_mid_batch(p: subprocess.Popen[str], folder: Path, t0: float, pid: int, after: int = 3) -> None:
    deadline = time.monotonic() + 120
    while len(records_since(folder, t0)) < after:
        assert p.poll() is None and time.monotonic() < deadline, "the batch ended before the kill"
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


def kill_while_grading(p: subprocess.Popen[str], address: str, name: str, pid: int) -> None:
    """SIGKILL worker ``name`` (process ``pid``) once it has been grading one notebook for
    half a second (a notebook that loops: it has started, and it will not finish first)."""
    from distributed import Client

    def grading_since(dask_worker) -> float:  # noqa: ANN001 - sent to the worker by value
        """How long this worker has been running its grading job (0.0: none)."""
        import time

        keys = [k for k in dask_worker.state.executing
                if str(getattr(k, "key", k)).startswith("course-grade-")]
        now = time.monotonic()
        seen = getattr(dask_worker, "_grading_seen", {})
        dask_worker._grading_seen = {k: seen.get(k, now) for k in keys}
        return max((now - t for t in dask_worker._grading_seen.values()), default=0.0)

    deadline = time.monotonic() + 120
    with Client(address, timeout=60, set_as_default=False) as c:
        addr = next(a for a, w in c.scheduler_info(n_workers=-1)["workers"].items() if w["name"] == name)
        while True:
            assert p.poll() is None and time.monotonic() < deadline, f"{name} never graded a long notebook"
            with contextlib.suppress(Exception):
                if c.run(grading_since, workers=[addr])[addr] > 0.5:
                    break
            time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_a_cluster_from_the_command_line_loses_a_worker_then_its_scheduler(tmp_path):
    # notebooks that loop (a few seconds each): the worker killed mid-batch is killed while it
    # grades one, which another worker then grades again
    kinds = HW1_KINDS + ["loops", "partly-wrong", "loops", "loops"]
    ref = submissions(tmp_path / "ref", "hw1", kinds)
    hw = copy(ref, tmp_path / "cli" / "hw1")
    grade_folder(ref, course_path=COURSE, jobs=2, limits=LIMITS)
    want = (ref / "grades.csv").read_bytes()
    bad = protections().root  # as root, a worker without bubblewrap refuses to start a sandbox
    procs = Processes(tmp_path)
    try:
        address = start_cluster(procs, 2, bad=bad)
        # 1. the batch on the cluster: the local pool's grades; the worker without a sandbox
        #    is shown and sent nothing
        p = grade_cli(hw, address)
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert (hw / "grades.csv").read_bytes() == want
        report = (hw / "report.html").read_text()
        assert report.count("worker tcp://127.0.0.1:") == 2 + bad
        if bad:
            assert "pas démarré" in report and "refusing to run student code as root" in report
            assert "NON" in out  # its row in the terminal too
        # 2. one worker SIGKILLed mid-batch: the batch completes, with the same grades, and
        #    says which jobs ran again
        procs.note_tree()
        t0 = time.time()
        p = grade_cli(hw, address, "--no-resume")
        kill_while_grading(p, address, "w0", procs.procs[1].pid)  # no nanny: the worker itself
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert (hw / "grades.csv").read_bytes() == want
        assert len(records_since(hw, t0)) == len(kinds)
        report = (hw / "report.html").read_text()
        assert "relancé : hw1-etu" in report and "perdu pendant le lot" in report, report
        # 3. the scheduler SIGKILLed mid-batch: one line; what was written stays, and the next
        #    run (on a new cluster) resumes
        t0 = time.time()
        p = grade_cli(hw, address, "--no-resume")
        kill_mid_batch(p, hw, t0, procs.procs[0].pid)
        out, err = p.communicate(timeout=120)
        assert p.returncode == 1 and "ordonnanceur Dask perdu en cours de lot" in err, err  # French course
        assert len(err.strip().splitlines()) == 1, err
        kept = {r: r.stat().st_mtime_ns for r in records_since(hw, t0)}
        assert len(kept) >= 3
        procs.stop_all()
        address = start_cluster(procs, 2)
        p = grade_cli(hw, address)
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert (hw / "grades.csv").read_bytes() == want
        assert all(r.stat().st_mtime_ns == t for r, t in kept.items())  # resumed, not regraded
    finally:
        procs.stop_all()
    F.assert_free_uids_are_empty()


@pytest.mark.slow
def test_gpu_needs_workers_with_the_gpu_resource(tmp_path):
    hw3 = submissions(tmp_path, "hw3", ["correct"])
    procs = Processes(tmp_path)
    try:
        address = start_cluster(procs, 1)
        p = grade_cli(hw3, address, "--gpu")
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 1 and "--resources GPU=1" in err and len(err.strip().splitlines()) == 1
    finally:
        procs.stop_all()


# ----------------------------------------------------------------------------- slow: red team
#: the red-team attacks that concern the host (test_grader_redteam*.py), through the cluster:
#: processes (fork bomb, daemons, killing the parent or everything), memory and disk, time,
#: the network and the instructor's files (the course unpacked on the worker included), files
#: and IPC objects planted for the next student on the same worker
HOST_ATTACKS = ["fork-bomb", "memory-bomb", "memory-bomb-gradual", "daemon-left-behind", "disk-bomb",
                "kill-parent", "kill-everything", "infinite-loop", "network-exfiltration",
                "read-instructor-files", "read-root-files"]
PLANTED = ["a-plant", "b-spy", "c-spy", "d-spy"]


@pytest.mark.slow
def test_host_attacks_through_the_cluster(tmp_path):
    import test_grader_redteam as R1
    import test_grader_redteam2 as R2

    names = HOST_ATTACKS[:3] + PLANTED[:2] + HOST_ATTACKS[3:] + PLANTED[2:] + ["honest-a", "honest-b"]
    students = [f"s{i:02d}" for i in range(len(names))]
    cp = F.make_course(tmp_path, students)
    course = load_course(cp)
    sub = tmp_path / "hw" / "submissions"
    for s, name in zip(students, names, strict=True):
        if name.startswith("honest"):
            nb = F.notebook(course, s)
        else:
            q1 = R1.ATTACKS[name]["q1"] if name in R1.ATTACKS else (
                R2.PLANT if name == "a-plant" else R2.SPY)
            q1 = q1.replace("{COURSE}", str(cp)).replace("{SUB}", str(sub))
            nb = F.notebook(course, s, q1=q1, q2=None)
        F.write(sub, f"hwt-{s}.ipynb", nb)
    limits = Limits(timeout_s=1.5, cpu_s=20, memory_mb=1024, nproc=24, tmpfs_mb=16)
    with C.open_cluster("local:2") as ex:
        summary = grade_folder(tmp_path / "hw", course_path=cp, loader="grader_fixture:load",
                               limits=limits, executor=ex)
        assert len(ex.workers) == 2 and all(st["ok"] for st in ex.workers.values())
    rows = {r["file"]: r for r in csv.DictReader(open(tmp_path / "hw" / "grades.csv"))}
    for s, name in zip(students, names, strict=True):
        row = rows[f"hwt-{s}.ipynb"]
        assert row["status"] == "graded", (name, row)
        want = (3.0, 4.0) if name.startswith("honest") else (0.0, 0.0)
        assert (float(row["q1"]), float(row["q2"])) == want, (name, row)
    assert summary["notebooks"] == len(names)
    assert not os.path.exists("/tmp/pwned") and not any(p.name in ("planted", "pwned")
                                                        for p in tmp_path.rglob("*"))
    F.assert_free_uids_are_empty()


def test_the_one_line_errors_of_the_cluster_are_course_errors():
    assert issubclass(C.ClusterLost, CourseError)
