"""A term's loop on one assignment: due date, late penalties and extensions, a missing student,
a file that cannot be graded, the instructor's overrides (kept, applied at every run), regrading
one student or one question, and the signed batch file ``course export`` reads."""

from __future__ import annotations

import csv
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import grader_fixture as F
import pytest

from course.base.errors import CourseError
from course.cli.main import main
from course.grader.limits import Limits
from course.grader.run import BATCH_NAME, grade_folder, load_gradebook
from course.planning.config import load_course

DUE = datetime(2026, 10, 5, 23, 59, tzinfo=timezone(timedelta(hours=-4)))
STUDENTS = ["s1", "s2", "s3", "s4", "s5", "s6"]
#: hours after the due date each file is handed in (s4 hands in nothing, s5 a broken file)
HANDED = {"s1": -1.0, "s2": 30.0, "s3": 30.0, "s5": -2.0, "s6": 5 * 24.0}
OVERRIDES = ("student,question,points,delta,reason\n"
             "s1,q2,,-1,\"style: the loop was copied from the statement\"\n"
             "s2,total,,+1,participation\n")


def make_term(root: Path) -> Path:
    cp = F.make_course(root, STUDENTS)
    text = cp.read_text().replace(
        "    title: t\n",
        f"    title: t\n    due: {DUE.isoformat()}\n    late: {{per_day: 10, max_days: 3}}\n"
        "    extensions: {s3: {days: 2}}\n")
    cp.write_text(text)
    course = load_course(cp)
    sub = root / "hw" / "submissions"
    for s, hours in HANDED.items():
        p = F.write(sub, f"hwt-{s}.ipynb", b"{ not json" if s == "s5" else F.notebook(course, s))
        t = (DUE + timedelta(hours=hours)).timestamp()
        os.utime(p, (t, t))
    (root / "hw" / "overrides.csv").write_text(OVERRIDES)
    return cp


def grade(root: Path, cp: Path, **kw) -> dict:
    return grade_folder(root / "hw", course_path=cp, loader="grader_fixture:load", jobs=2,
                        limits=Limits(timeout_s=10.0), **kw)


def rows(root: Path) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv.DictReader(open(root / "hw" / "grades.csv", encoding="utf-8"))}


def mtimes(root: Path) -> dict[str, int]:
    """When each graded file's record was written."""
    return {p.stem: p.stat().st_mtime_ns for p in (root / "hw" / ".grader").glob("*.json")
            if json.loads(p.read_text())["status"] == "graded"}


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    root = tmp_path_factory.mktemp("term")
    cp = make_term(root)
    summary = grade(root, cp)
    return root, cp, summary


def test_every_roster_student_has_a_row(term) -> None:
    root, _, summary = term
    r = rows(root)
    assert list(r) == STUDENTS  # roster order, nobody left out
    assert {s: r[s]["status"] for s in STUDENTS} == {
        "s1": "graded", "s2": "late", "s3": "graded", "s4": "missing", "s5": "not-json", "s6": "late"}
    assert summary["missing"] == ["s4"] and summary["late"] == 2 and summary["students"] == 6
    assert float(r["s4"]["total"]) == 0.0 and r["s4"]["file"] == ""
    report = (root / "hw" / "report.html").read_text(encoding="utf-8")
    assert "s4" in report
    assert (root / "hw" / "feedback" / "s4.md").is_file()  # the missing student is told too


def test_late_penalties_per_started_day_and_extensions(term) -> None:
    root, _, _ = term
    r = rows(root)
    s2, s3, s6 = r["s2"], r["s3"], r["s6"]
    assert s2["late_days"] == "2"  # 30 hours: two started days
    assert float(s2["late_penalty"]) == pytest.approx(0.2 * float(s2["raw_total"]))
    assert s3["late_days"] == "0" and float(s3["late_penalty"]) == 0.0  # two days' extension
    assert s6["late_days"] == "5" and float(s6["total"]) == 0.0 and float(s6["raw_total"]) == 7.0
    assert s2["time_source"] == "mtime"
    assert s2["submitted_at"].startswith("2026-10-07T05:59")  # in the due date's time zone
    fb = (root / "hw" / "feedback" / "s2.md").read_text(encoding="utf-8")
    assert "2 started days" in fb and "-20%" in fb


def test_overrides_are_applied_shown_and_never_overwritten(term) -> None:
    root, _, _ = term
    r = rows(root)
    assert float(r["s1"]["q2"]) == 3.0 and float(r["s1"]["total"]) == 6.0
    assert "q2 -1" in r["s1"]["overrides"] and "style" in r["s1"]["overrides"]
    assert float(r["s2"]["total"]) == pytest.approx(7.0 * 0.8 + 1)
    fb = (root / "hw" / "feedback" / "s1.md").read_text(encoding="utf-8")
    assert "the loop was copied from the statement" in fb
    assert (root / "hw" / "overrides.csv").read_text() == OVERRIDES


def test_a_new_override_applies_at_the_next_run_without_regrading(tmp_path: Path) -> None:
    cp = make_term(tmp_path)
    grade(tmp_path, cp)
    before = mtimes(tmp_path)
    (tmp_path / "hw" / "overrides.csv").write_text(OVERRIDES + "s3,q1,0,,copied answer\n")
    grade(tmp_path, cp)
    assert mtimes(tmp_path) == before  # nothing graded again
    r = rows(tmp_path)
    assert float(r["s3"]["q1"]) == 0.0 and float(r["s3"]["total"]) == 4.0
    # export reads the same gradebook from the signed batch file, without grading
    _, gb, _ = load_gradebook(tmp_path / "hw", course_path=cp)
    assert {x.student: x.total for x in gb.rows} == {s: float(v["total"]) for s, v in r.items()}


@pytest.mark.parametrize("line,expected", [
    ("nobody,q1,1,,x", "line 4: student 'nobody' is not on the roster"),
    ("s1,q9,1,,x", "line 4: question 'q9' is not one of q1, q2, total"),
    ("s1,q1,one,,x", "line 4: points: not a number"),
    ("s1,q1,1,1,x", "line 4: give either points or delta"),
    ("s1,q1,1,,", "line 4: give a reason"),
])
def test_a_malformed_override_is_one_line_naming_file_and_line(tmp_path: Path, capsys, line: str,
                                                               expected: str) -> None:
    cp = make_term(tmp_path)
    (tmp_path / "hw" / "overrides.csv").write_text(OVERRIDES + line + "\n")
    rc = main(["grade", str(tmp_path / "hw"), "--course", str(cp)])
    err = capsys.readouterr().err
    assert rc == 1
    assert f"overrides.csv: {expected}" in " ".join(err.split())
    assert sum(line.startswith("error:") for line in err.splitlines()) == 1 and "Traceback" not in err


def test_regrade_one_student(tmp_path: Path) -> None:
    cp = make_term(tmp_path)
    grade(tmp_path, cp)
    before = mtimes(tmp_path)
    grade(tmp_path, cp, student="s2")
    after = mtimes(tmp_path)
    assert [k for k in before if before[k] != after[k]] == ["hwt-s2"]
    with pytest.raises(CourseError, match="--student: 'zoe' is not on the roster"):
        grade(tmp_path, cp, student="zoe")


def test_regrade_one_question_keeps_the_others(tmp_path: Path) -> None:
    cp = make_term(tmp_path)
    grade(tmp_path, cp)
    store = tmp_path / "hw" / ".grader"
    old = {p.stem: json.loads(p.read_text()) for p in store.glob("*.json")}
    grade(tmp_path, cp, question="q2")
    new = {p.stem: json.loads(p.read_text()) for p in store.glob("*.json")}
    graded = [k for k, v in old.items() if v["status"] == "graded"]
    assert graded and all(new[k]["mac"] != old[k]["mac"] for k in graded)  # graded again...
    for k in graded:  # ...q2 only: q1's result is the one of the first run
        q1 = [q for q in new[k]["questions"] if q["id"] == "q1"]
        assert q1 == [q for q in old[k]["questions"] if q["id"] == "q1"]
    assert new["hwt-s5"] == old["hwt-s5"]  # a file that cannot be graded stays as it was
    with pytest.raises(CourseError, match="--question: 'q7' is not a question of hwt"):
        grade(tmp_path, cp, question="q7")


def test_an_empty_intake_says_so_and_fails(tmp_path: Path, capsys) -> None:
    cp = F.make_course(tmp_path, ["s1"])
    (tmp_path / "hw" / "submissions").mkdir(parents=True)
    rc = main(["grade", str(tmp_path / "hw"), "--course", str(cp)])
    err = " ".join(capsys.readouterr().err.split())
    assert rc == 1 and "nothing handed in" in err


def test_the_batch_file_is_signed(tmp_path: Path) -> None:
    cp = make_term(tmp_path)
    with pytest.raises(CourseError, match="run `course grade"):
        load_gradebook(tmp_path / "hw", course_path=cp)  # never graded
    grade(tmp_path, cp)
    bp = tmp_path / "hw" / ".grader" / BATCH_NAME
    doc = json.loads(bp.read_text())
    for r in doc["records"]:
        for q in r["questions"]:
            q["points"] = 99.0
    bp.write_text(json.dumps(doc))
    with pytest.raises(CourseError, match="not signed by this course's grader"):
        load_gradebook(tmp_path / "hw", course_path=cp)


def test_a_section_roster(tmp_path: Path) -> None:
    cp = make_term(tmp_path)
    (tmp_path / "section.csv").write_text("id,name\ns1,Un\ns2,Deux\n")
    s = grade(tmp_path, cp, roster=tmp_path / "section.csv")
    r = list(csv.DictReader(open(tmp_path / "hw" / "grades.csv", encoding="utf-8")))
    assert [x["student"] for x in r[:2]] == ["s1", "s2"] and s["students"] == 2
    # the other sections' files are listed, not dropped
    others = {x["file"]: x["status"] for x in r[2:]}
    assert others["hwt-s3.ipynb"] == "unknown-student"
