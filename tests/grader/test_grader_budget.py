"""The total time budget per submission: a hostile notebook cannot hold a worker for long."""

from __future__ import annotations

import json

import grader_fixture as F

from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.planning.config import load_course

LOOP = "while True:\n    pass\n"


def test_budget_bounds_a_submission_and_says_why(tmp_path):
    cp = F.make_course(tmp_path, ["s1", "s2"])
    course = load_course(cp)
    sub = tmp_path / "hw" / "submissions"
    # every answer cell loops: without a budget this costs a timeout per cell and per restart
    F.write(sub, "hwt-s1.ipynb", F.notebook(course, "s1", q1=LOOP, q2=LOOP,
                                             extra=[{"id": f"x{i}", "source": LOOP} for i in range(3)]))
    F.write(sub, "hwt-s2.ipynb", F.notebook(course, "s2"))
    grade_folder(tmp_path / "hw", course_path=cp, loader="grader_fixture:load", jobs=2,
                 limits=Limits(timeout_s=2.0, budget_s=3.0))
    bad = json.loads((tmp_path / "hw" / ".grader" / "hwt-s1.json").read_text())
    good = json.loads((tmp_path / "hw" / ".grader" / "hwt-s2.json").read_text())
    assert bad["status"] == "graded", bad.get("detail")
    # the budget plus slack for restarting the child on a loaded CI machine; without a budget
    # the five loops alone would take 5 x 2 s = 10 s
    assert bad["seconds"] < 3.0 + 4.0
    whys = [it["why"]["en"] for q in bad["questions"] for it in q["items"]]
    assert any("total grading time for this submission exceeded" in w for w in whys)
    assert sum(q["points"] for q in bad["questions"]) == 0.0
    assert sum(q["points"] for q in good["questions"]) == 7.0  # same budget, honest notebook
