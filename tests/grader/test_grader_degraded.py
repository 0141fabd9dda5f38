"""Degraded isolation, for real: isolation degrades visibly, never silently.

* as root with bubblewrap switched off (``COURSE_GRADER_NO_BWRAP=1``): the protections report
  says what is missing, and the grader refuses to run student code as root;
* as an unprivileged user (``setpriv`` to ``nobody``), with bubblewrap (user namespaces) and
  then without: ``course grade`` still grades (full marks for the solution, zero for the stub)
  and both the terminal and report.html say exactly which protections are off.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import grader_fixture as F
import nbformat
import pytest

from course.base.errors import CourseError
from course.documents.notebooks import build_notebook
from course.grader import protections as prot_mod
from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.grader.slot import Gone, SandboxError, Slot
from course.planning.config import load_course

NOBODY = 65534
CAN_DROP = os.geteuid() == 0 and shutil.which("setpriv") is not None


@pytest.fixture
def no_bwrap(monkeypatch):
    monkeypatch.setenv(prot_mod.NO_BWRAP_ENV, "1")
    return prot_mod.protections()


def test_no_bwrap_is_reported(no_bwrap):
    p = no_bwrap
    assert (p.bwrap, p.netns, p.pidns, p.tmpfs_limit) == (False, False, False, False)
    rows = {name: on for name, on, _ in p.items("en")}
    assert rows["bubblewrap"] is False and rows["network"] is False
    assert rows["rlimits"] and rows["wall-clock timeout"] and rows["time budget"]
    assert any("COURSE_GRADER_NO_BWRAP=1" in n and "no network isolation" in n for n in p.notes)
    assert {n for n, _, _ in p.items("fr")} == set(rows)


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusal concerns a grader running as root")
def test_root_without_bwrap_refuses_to_run_student_code_as_root(no_bwrap, tmp_path, monkeypatch):
    assert not no_bwrap.uid_drop
    assert any("COURSE_GRADER_UNSAFE_ROOT=1" in n for n in no_bwrap.notes)
    with pytest.raises(SandboxError, match="refusing to run student code as root"):
        Slot(0)
    cp = F.make_course(tmp_path, ["s1"])
    F.write(tmp_path / "hw" / "submissions", "hwt-s1.ipynb", F.notebook(load_course(cp), "s1"))
    with pytest.raises(CourseError, match="refusing to run student code as root"):
        grade_folder(tmp_path / "hw", course_path=cp, loader="grader_fixture:load")
    assert not (tmp_path / "hw" / "grades.csv").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can accept running student code as root")
def test_root_without_bwrap_accepted_explicitly_still_grades(no_bwrap, tmp_path, monkeypatch):
    monkeypatch.setenv(prot_mod.UNSAFE_ROOT_ENV, "1")
    with Slot(0, Limits(timeout_s=2)) as slot, slot.session() as s:
        s.request({"op": "exec", "source": "import os\nuid = os.getuid()"})
        assert s.request({"op": "get", "name": "uid"})["value"] == 0  # visibly unsafe
        with pytest.raises(Gone, match="timeout"):
            s.request({"op": "exec", "source": "while True: pass"}, timeout=0.5)


def _grade_as_nobody(tmp: Path, env_extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp), "MPLCONFIGDIR": str(tmp / ".mpl"),
           "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8", "COLUMNS": "200",
           "PYTHONPATH": str(F.REPO), **env_extra}  # this checkout, not the installed copy
    # The interpreter must be one the user can run: where it lives under root's home (pyenv
    # here), an outer mount namespace shows only that folder of /root (as a per-user install
    # would be); the grader then runs exactly as an ordinary user.
    outer: list[str] = []
    base = os.path.realpath(sys.base_prefix)
    if base.startswith("/root/"):
        outer = ["bwrap", "--dev-bind", "/", "/", "--perms", "0755", "--tmpfs", "/root"]
        parts = Path(base).parts
        for i in range(3, len(parts)):
            outer += ["--perms", "0755", "--dir", str(Path(*parts[:i]))]
        outer += ["--ro-bind", base, base, "--"]
    cmd = [*outer, "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--",
           sys.executable, "-c", "import sys; from course.cli.main import main; sys.exit(main(sys.argv[1:]))",
           "grade", str(tmp / "hw"), "--course", str(tmp / "course.yml"), "--jobs", "1",
           "--timeout", "5", "--lang", "en"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240, cwd=str(tmp))


@pytest.mark.slow
@pytest.mark.skipif(not CAN_DROP, reason="needs root and setpriv to become an unprivileged user")
@pytest.mark.parametrize("bwrap", [True, False], ids=["bwrap", "no-bwrap"])
def test_unprivileged_grader_grades_and_says_what_is_missing(bwrap):
    tmp = Path(tempfile.mkdtemp(prefix="course-nobody-", dir="/tmp"))
    try:
        cp = F.make_course(tmp, ["s1", "s2"])
        course = load_course(cp)
        sub = tmp / "hw" / "submissions"
        sub.mkdir(parents=True)
        nbformat.write(build_notebook(course, F.ASSIGNMENT, "s1", solutions=True), str(sub / "hwt-s1.ipynb"))
        nbformat.write(build_notebook(course, F.ASSIGNMENT, "s2"), str(sub / "hwt-s2.ipynb"))
        for d, _, files in os.walk(tmp):
            os.chown(d, NOBODY, NOBODY)
            for f in files:
                os.chown(os.path.join(d, f), NOBODY, NOBODY)
        r = _grade_as_nobody(tmp, {} if bwrap else {prot_mod.NO_BWRAP_ENV: "1"})
        assert r.returncode == 0, r.stdout + r.stderr
        rows = {row["student"]: row for row in csv.DictReader(open(tmp / "hw" / "grades.csv"))}
        assert (rows["s1"]["status"], float(rows["s1"]["total"])) == ("graded", 7.0)
        assert (rows["s2"]["status"], float(rows["s2"]["total"])) == ("graded", 0.0)
        out = r.stdout
        line = {name: next(ln for ln in out.splitlines() if ln.strip().startswith(("│ " + name, "┃ " + name,
                                                                                  name)))
                for name in ("bubblewrap", "unprivileged uid", "rlimits")}
        assert "NO" in line["unprivileged uid"] and "yes" in line["rlimits"]
        assert ("yes" in line["bubblewrap"]) == bwrap and ("NO" in line["bubblewrap"]) != bwrap
        assert "not root: student code runs as your own user" in " ".join(out.split())
        report = (tmp / "hw" / "report.html").read_text(encoding="utf-8")
        assert "<li>not root: student code runs as your own user (no separate uid)</li>" in report
        assert "<tr><td>unprivileged uid</td><td class='ko'>NO</td>" in report
        assert (f"<tr><td>bubblewrap</td><td class='{'ok' if bwrap else 'ko'}'>{'yes' if bwrap else 'NO'}</td>"
                in report)
        if not bwrap:
            assert "COURSE_GRADER_NO_BWRAP=1" in report and "COURSE_GRADER_NO_BWRAP=1" in out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_sandbox_that_cannot_start_gives_a_clear_error_per_notebook(tmp_path, monkeypatch):
    monkeypatch.setattr(Slot, "command", lambda self, fd, seccomp_fd=None: ["/nonexistent/python"])
    cp = F.make_course(tmp_path, ["s1"])
    F.write(tmp_path / "hw" / "submissions", "hwt-s1.ipynb", F.notebook(load_course(cp), "s1"))
    s = grade_folder(tmp_path / "hw", course_path=cp, loader="grader_fixture:load", jobs=1)
    assert s["statuses"] == {"error": 1}
    rec = next((tmp_path / "hw" / ".grader").glob("*.json")).read_text()
    assert "the sandbox did not start: FileNotFoundError" in rec
