"""The grader on notebooks made by the real builder (course.documents.notebooks.build_notebook)."""

from __future__ import annotations

import csv

import grader_fixture as F
import nbformat

from course.documents.notebooks import build_notebook
from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.planning.config import load_course


def test_solutions_get_full_marks_and_stubs_none(tmp_path):
    cp = F.make_course(tmp_path, ["s1", "s2"])
    course = load_course(cp)
    sub = tmp_path / "hw" / "submissions"
    sub.mkdir(parents=True)
    nbformat.write(build_notebook(course, F.ASSIGNMENT, "s1", solutions=True), str(sub / "hwt-s1.ipynb"))
    nbformat.write(build_notebook(course, F.ASSIGNMENT, "s2", solutions=False), str(sub / "hwt-s2.ipynb"))
    grade_folder(tmp_path / "hw", course_path=cp, jobs=2, limits=Limits(timeout_s=5))
    rows = {r["student"]: r for r in csv.DictReader(open(tmp_path / "hw" / "grades.csv"))}
    assert (rows["s1"]["status"], float(rows["s1"]["total"])) == ("graded", 7.0)
    assert (rows["s2"]["status"], float(rows["s2"]["total"])) == ("graded", 0.0)
