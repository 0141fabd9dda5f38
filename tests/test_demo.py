"""``course demo`` on 3 students of the sample course (PyTorch grading: marked slow, ~30 s).

The three students get, in order, a correct submission, a partly wrong one and one whose
coding cell raises (course.cli.demo.KINDS); the test checks every file the demo writes and the
summary it prints.
"""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pytest

from course.cli.demo import KINDS, simulate, submission_kind
from course.cli.main import main
from course.planning.config import load_course

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_on_three_students(tmp_path, capsys):
    out = tmp_path / "demo"
    rc = main(["demo", "--course", str(REPO / "course.yml"), "--out", str(out), "--students", "3"])
    text = capsys.readouterr().out
    assert rc == 0, text
    ids = load_course(REPO / "course.yml").roster[:3]
    assert (out / "examples.md").read_text(encoding="utf-8").count("\n## ") >= 5
    exam = out / "exams" / "intra"
    for sid in ids:
        assert any(sid in p.name for p in (exam / "md").rglob("*.md"))
        assert any(sid in p.name for p in (exam / "tex").rglob("*.tex"))
    assert (exam / "moodle" / "intra.xml").is_file() and (exam / "qti" / "intra.zip").is_file()
    if shutil.which("latexmk"):
        assert list((exam / "pdf").rglob("*.pdf"))
    else:
        assert "latexmk n'est pas installé" in text  # the sample course is French
    hw = out / "hw3"
    assert sorted(p.name for p in (hw / "student").glob("*.ipynb")) == [f"hw3-{s}.ipynb" for s in ids]
    assert (hw / "student" / "hw3-torch-cnn.npz").is_file()
    # handed in through a simulated Moodle download: the first student's notebook in a
    # grader.export() zip, the second late, the third not at all
    sub = hw / "submissions"
    assert sorted(p.name for p in sub.iterdir()) == ["Grades-hw3.csv", "moodle-hw3.zip"]
    with zipfile.ZipFile(sub / "moodle-hw3.zip") as z:
        names = z.namelist()
    assert len(names) == 2 and names[0].endswith(f"_assignsubmission_file_hw3-{ids[0]}.zip")
    rows = {r["student"]: r for r in csv.DictReader(open(hw / "grades.csv"))}
    assert [rows[s]["status"] for s in ids] == ["graded", "late", "missing"]
    assert rows[ids[0]]["time_source"] == rows[ids[1]]["time_source"] == "moodle-worksheet"
    assert float(rows[ids[0]]["percent"]) == 100.0  # correct
    late = rows[ids[1]]
    assert late["late_days"] == "2" and float(late["late_penalty"]) > 0 and late["overrides"]
    assert 0.0 < float(late["percent"]) < 100.0  # partly wrong
    assert (hw / "report.html").is_file() and len(list((hw / "feedback").glob("*.md"))) == 3
    assert "sans remise : " + ids[2] in text or "missing: " + ids[2] in text
    # exported to Moodle: the worksheet of the two graded students, their feedback files
    sheet = list(csv.DictReader(open(hw / "export" / "moodle" / "hw3-moodle-worksheet.csv", encoding="utf-8")))
    assert [r["Grade"] for r in sheet] == [rows[ids[0]]["total"].removesuffix(".0"), rows[ids[1]]["total"]]
    with zipfile.ZipFile(hw / "export" / "moodle" / "hw3-moodle-feedback.zip") as z:
        assert len(z.namelist()) == 2 and all("_assignfeedback_file_" in n for n in z.namelist())
    flat = " ".join(text.split())
    assert f"rapport : {hw / 'report.html'}" in flat  # the sample course is in French
    assert ("Summary" in text or "Résumé" in text) and ("OK demo in" in text or "OK démo en" in text) and "bubblewrap" in text


def test_simulated_kinds_cover_the_attacks():
    assert [submission_kind(i) for i in range(8)] == [*KINDS, "correct", "partly-wrong"]
    course = load_course(REPO / "course.yml")
    from course.documents.notebooks import build_notebook

    sol = build_notebook(course, "hw3", course.roster[0], solutions=True)
    stub = build_notebook(course, "hw3", course.roster[0])
    assert simulate("correct", sol, stub) == sol
    for kind in KINDS[1:]:
        nb = simulate(kind, sol, stub)
        changed = [c["id"] for c, o in zip(nb["cells"], sol["cells"]) if c["source"] != o["source"]]
        assert changed and all(c.endswith("-answer") for c in changed), kind
