"""``course demo`` on 3 students of the sample course (PyTorch grading: marked slow, ~30 s).

The three students get, in order, a correct submission, a partly wrong one and one whose
coding cell raises (course.cli.demo.KINDS); the test checks every file the demo writes and the
summary it prints.
"""

from __future__ import annotations

import csv
import shutil
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
    if shutil.which("latexmk"):
        assert list((exam / "pdf").rglob("*.pdf"))
    else:
        assert "latexmk is not installed" in text
    hw = out / "hw3"
    assert sorted(p.name for p in (hw / "student").glob("*.ipynb")) == [f"hw3-{s}.ipynb" for s in ids]
    assert (hw / "student" / "hw3-torch-cnn.npz").is_file()
    assert len(list((hw / "submissions").glob("*.ipynb"))) == 3
    rows = {r["student"]: r for r in csv.DictReader(open(hw / "grades.csv"))}
    assert [rows[s]["status"] for s in ids] == ["graded"] * 3
    pct = [float(rows[s]["percent"]) for s in ids]
    assert pct[0] == 100.0  # correct
    assert 0.0 < pct[1] < 100.0 and 0.0 < pct[2] < 100.0  # partly wrong; a cell raises
    assert (hw / "report.html").is_file() and len(list((hw / "feedback").glob("*.md"))) == 3
    flat = " ".join(text.split())
    assert f"report: {hw / 'report.html'}" in flat
    assert ("Summary" in text or "Résumé" in text) and "OK demo in" in text and "bubblewrap" in text


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
