"""The students' environment: course.yml ``grading.python`` names the interpreter student code
runs with in the sandbox (built from requirements-student.txt: ``.venv-student``).

For real: a batch graded with it gives the grades of the grader's own interpreter, the
grader's own packages are not importable there, the sandbox runs that very interpreter, and
the protections table says which one ran. A missing or unusable interpreter is one line that
names ``grading.python`` and the path, before anything is graded.
"""

from __future__ import annotations

import ast
import csv
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import grader_fixture as F
import pytest

from course.base.errors import CourseError
from course.cli.main import main
from course.grader import interpreter
from course.grader.limits import Limits
from course.grader.protections import protections
from course.grader.run import grade_folder
from course.planning.config import load_course

STUDENT_PY = F.REPO / ".venv-student" / "bin" / "python"
LIMITS = Limits(timeout_s=5.0, cpu_s=20, memory_mb=1024, nproc=24, tmpfs_mb=16)
needs_env = pytest.mark.skipif(not STUDENT_PY.exists(),
                               reason="the students' environment is missing: run scripts/setup")
needs_bwrap = pytest.mark.skipif(not protections().bwrap, reason="needs bubblewrap (scripts/setup)")

#: q1 correct, and a look at what the sandbox runs: its interpreter, whether the grader's
#: own packages import there
PROBE_Q1 = (F.CORRECT_Q1 + "import sys, importlib.util\n"
            "seen = [sys.prefix, importlib.util.find_spec('typer') is None,"
            " importlib.util.find_spec('numpy') is None]\n"
            "raise RuntimeError('seen ' + repr(seen))\n")


def _course(root: Path, python: str | None) -> Path:
    cp = F.make_course(root, ["alice", "bob", "carol"])
    if python is not None:
        with open(cp, "a", encoding="utf-8") as f:
            f.write(f"grading:\n  python: {python}\n")
    return cp


def _batch(root: Path, python: str | None) -> tuple[dict, Path]:
    cp = _course(root, python)
    course = load_course(cp)
    sub = root / "hw" / "submissions"
    F.write(sub, "hwt-alice.ipynb", F.notebook(course, "alice"))
    F.write(sub, "hwt-bob.ipynb", F.notebook(course, "bob", q1=F.FORGOT_BIASES_Q1))
    F.write(sub, "hwt-carol.ipynb", F.notebook(course, "carol", q1="import typer\n" + F.CORRECT_Q1))
    s = grade_folder(root / "hw", course_path=cp, jobs=2, loader="grader_fixture:load", limits=LIMITS)
    return s, root / "hw"


def _grades(hw: Path) -> list[dict]:
    with open(hw / "grades.csv", encoding="utf-8") as f:
        return [{k: v for k, v in row.items() if k not in ("submitted_at",)} for row in csv.DictReader(f)]


@needs_env
@needs_bwrap
def test_the_students_environment_grades_like_the_graders_and_hides_its_packages(tmp_path):
    own, own_hw = _batch(tmp_path / "own", None)
    theirs, their_hw = _batch(tmp_path / "students", str(STUDENT_PY))
    rows = {r["student"]: r for r in _grades(their_hw)}
    # alice and bob grade alike under both interpreters
    for a, b in zip(_grades(own_hw), _grades(their_hw)):
        if a["student"] != "carol":
            assert a == b
    assert rows["alice"]["total"] == "7.0" and rows["bob"]["q1"] == "2.0"
    # carol imported a package the grader has and the students do not: it fails there only
    own_rows = {r["student"]: r for r in _grades(own_hw)}
    assert own_rows["carol"]["q1"] == "3.0" and rows["carol"]["q1"] == "0.0"
    fb = (their_hw / "feedback" / "carol.md").read_text(encoding="utf-8")
    assert "ModuleNotFoundError" in fb and "typer" in fb
    env = {name: (on, what) for name, on, what in theirs["protections"]}["environment"]
    assert env[0] is True and str(STUDENT_PY.parent.parent) in env[1] and "numpy" in env[1]
    assert {name: on for name, on, _ in own["protections"]}["environment"] is False
    assert "environment" in (their_hw / "report.html").read_text(encoding="utf-8")


@needs_env
@needs_bwrap
def test_the_sandbox_runs_that_very_interpreter(tmp_path):
    cp = _course(tmp_path, str(STUDENT_PY))  # an absolute path works as well
    course = load_course(cp)
    F.write(tmp_path / "hw" / "submissions", "hwt-alice.ipynb", F.notebook(course, "alice", q1=PROBE_Q1))
    grade_folder(tmp_path / "hw", course_path=cp, jobs=1, loader="grader_fixture:load", limits=LIMITS)
    rec = (tmp_path / "hw" / ".grader" / "hwt-alice.json").read_text(encoding="utf-8")
    seen = ast.literal_eval(re.search(r"seen (\[[^\]]*\])", rec).group(1))  # the cell's error
    assert seen == [str(STUDENT_PY.parent.parent), True, False]  # its prefix; no typer; numpy


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_an_unusable_interpreter_is_one_line_naming_it(tmp_path):
    interpreter.describe.cache_clear()
    old = _script(tmp_path / "py39", "echo '{\"prefix\": \"/x\", \"base_prefix\": \"/x\", "
                  "\"executable\": \"/x/python\", \"version\": [3, 9, 0], \"numpy\": \"1.0\"}'")
    broken = _script(tmp_path / "broken", "exit 3")
    no_numpy = _script(tmp_path / "nonumpy", f"exec {sys.executable} -c \"print('{{\\\"prefix\\\": "
                       "\\\"/x\\\", \\\"base_prefix\\\": \\\"/x\\\", \\\"executable\\\": \\\"/x\\\", "
                       "\\\"version\\\": [3, 12, 1], \\\"numpy\\\": null}')\"")
    plain = tmp_path / "plain"
    plain.write_text("not a program\n")
    cases = [(str(tmp_path / "nowhere" / "python"), "not found or not executable"),
             (str(plain), "not found or not executable"), (old, "Python 3.9.0: 3.11 or later"),
             (broken, "does not run"), (no_numpy, "numpy is not installed there")]
    for path, needle in cases:
        with pytest.raises(CourseError) as e:
            interpreter.describe(path)
        line = e.value.line("en")
        assert f"grading.python ({path})" in line and needle in line and "\n" not in line, line
        assert f"grading.python ({path}) :" in e.value.line("fr")


def test_course_grade_stops_at_once_on_a_missing_interpreter(tmp_path, capsys):
    interpreter.describe.cache_clear()
    cp = _course(tmp_path, ".venv-nobody/bin/python")
    assert load_course(cp).students_python == os.path.join(str(tmp_path), ".venv-nobody/bin/python")
    F.write(tmp_path / "hw" / "submissions", "hwt-alice.ipynb", F.notebook(load_course(cp), "alice"))
    rc = main(["grade", str(tmp_path / "hw"), "--course", str(cp)])
    err = capsys.readouterr().err
    lines = [x for x in err.strip().splitlines() if not x.startswith("note:")]
    assert rc == 1 and len(lines) == 1 and "grading.python" in lines[0] and ".venv-nobody" in lines[0]
    assert not (tmp_path / "hw" / "grades.csv").exists()  # nothing graded, nothing half-written


def test_grading_python_is_checked_by_course_yml_s_schema(tmp_path):
    cp = F.make_course(tmp_path, ["alice"])
    with open(cp, "a", encoding="utf-8") as f:
        f.write("grading:\n  pyhton: .venv-student/bin/python\n")
    with pytest.raises(CourseError) as e:
        load_course(cp)
    assert "pyhton" in e.value.line("en") and "course.yml" in e.value.line("en")


@needs_env
def test_the_students_environment_of_the_sample_course_is_the_setups():
    """The bundled sample course grades with .venv-student, which scripts/setup builds."""
    course = load_course(F.REPO / "course.yml")
    assert course.students_python == str(STUDENT_PY)
    i = interpreter.describe(course.students_python)
    r = subprocess.run([str(STUDENT_PY), "-I", "-c", "import sys; print(sys.prefix)"],
                       capture_output=True, text=True, check=True)
    assert i.prefix == r.stdout.strip() and i.version[:2] >= (3, 11) and i.numpy


def test_a_worker_without_the_interpreter_starts_no_sandbox_and_says_why(tmp_path):
    """What a cluster worker (or a pool worker) does when grading.python does not exist on its
    machine: no slot, and the reason the client shows beside that worker."""
    from dataclasses import asdict

    from course.grader import batch

    interpreter.describe.cache_clear()
    missing = str(tmp_path / "elsewhere" / "python")
    try:
        slot = batch.start_slot(5, asdict(Limits(python=missing)), False)
        assert slot is None or not slot.alive()
        assert batch._START_ERROR is not None and "grading.python" in batch._START_ERROR
        assert missing in batch._START_ERROR and "\n" not in batch._START_ERROR
    finally:
        if batch._SLOT is not None:
            batch._SLOT.close()
            batch._SLOT = None
        batch._START_ERROR = None


def test_validate_warns_of_a_students_environment_missing_here(tmp_path, capsys):
    cp = _course(tmp_path, ".venv-nobody/bin/python")
    rc = main(["validate", str(cp)])
    err = capsys.readouterr().err
    assert rc == 0 and "grading.python" in err and ".venv-nobody" in err and "course grade would stop" in err
    rc = main(["validate", str(cp), "--lang", "fr"])
    err = capsys.readouterr().err
    assert rc == 0 and "course grade s'y arrêterait" in err
    if STUDENT_PY.exists():
        ok = _course(tmp_path / "ok", str(STUDENT_PY))
        assert main(["validate", str(ok)]) == 0 and "grading.python" not in capsys.readouterr().err


@needs_bwrap
def test_a_course_the_sandbox_would_show_is_refused(tmp_path, monkeypatch):
    """A students' environment made in the course folder itself (its prefix holds course.yml,
    .course-secret and the submissions) would put them in the sandbox: refused, one line."""
    from course.grader import bwrap

    interpreter.describe.cache_clear()
    cp = _course(tmp_path, None)
    F.write(tmp_path / "hw" / "submissions", "hwt-alice.ipynb", F.notebook(load_course(cp), "alice"))
    real = bwrap._bound_dirs
    monkeypatch.setattr(bwrap, "_bound_dirs", lambda python="": [*real(python), str(tmp_path)])
    with pytest.raises(CourseError) as e:
        grade_folder(tmp_path / "hw", course_path=cp, jobs=1, loader="grader_fixture:load", limits=LIMITS)
    line = e.value.line("en")
    assert "the sandbox would show" in line and str(tmp_path) in line and "\n" not in line
    assert not (tmp_path / "hw" / "grades.csv").exists()
    assert bwrap.exposed(["/usr/share/course"]) == ("/usr", "/usr/share/course")
    monkeypatch.undo()
    assert bwrap.exposed([str(tmp_path), str(tmp_path / "hw")]) is None  # as it is normally
