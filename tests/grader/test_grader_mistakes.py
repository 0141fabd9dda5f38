"""Named mistakes through the real sandboxed grader: a student's answer that makes a known
mistake (the solution with the mistake written in) gets the mistake's key and its explanation
on the cases that can tell it from the reference; the correct answer gets none; nothing but the
explanation is said (never an expected value).

Two courses: the grader's tiny fixture course (``activations``, English) and the sample course's
hw2 (five coding questions, French), graded by the default loader from course.yml.
"""

from __future__ import annotations

import json
from pathlib import Path

import grader_fixture as F
import nbformat

from course.documents.notebooks import build_notebook
from course.generator.coding.registry import get_coding
from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.planning.config import load_course

REPO = Path(__file__).resolve().parents[2]


def _record(folder: Path, key: str) -> dict:
    return json.loads((folder / ".grader" / f"{key}.json").read_text(encoding="utf-8"))


def _items(rec: dict, qid: str) -> list[dict]:
    return next(q for q in rec["questions"] if q["id"] == qid)["items"]


def test_fixture_course_names_the_activation_mistakes(tmp_path: Path) -> None:
    cq = get_coding("activations")
    mistakes = {m.key: m for m in cq.mistakes}
    students = {"axis": "softmax-axis", "sign": "sigmoid-sign", "right": None}
    cp = F.make_course(tmp_path, list(students))
    course = load_course(cp)
    sub = tmp_path / "hw" / "submissions"
    for sid, key in students.items():
        q2 = mistakes[key].student_source(F.CORRECT_Q2) if key else F.CORRECT_Q2
        F.write(sub, f"hwt-{sid}.ipynb", F.notebook(course, sid, q2=q2))
    grade_folder(tmp_path / "hw", course_path=cp, loader="grader_fixture:load", jobs=1,
                 limits=Limits(timeout_s=10.0))
    for sid, key in students.items():
        items = _items(_record(tmp_path / "hw", f"hwt-{sid}"), "q2")
        failed = [it for it in items if not it["ok"]]
        if key is None:
            assert failed == [] and all(it["misconception"] is None for it in items)
            continue
        named = [it for it in failed if it["misconception"] == key]
        assert named, (sid, failed)
        assert {it["misconception"] for it in failed} == {key}  # every failing case, here
        prefix = key.split("-")[0]
        assert all(it["name"].startswith(prefix) for it in named)
        for it in named:
            assert it["why"] == mistakes[key].explanation  # the explanation only, both languages
        fb = (tmp_path / "hw" / "feedback" / f"{sid}.md").read_text(encoding="utf-8")
        assert " ".join(mistakes[key].explanation["en"].split()[:4]) in fb  # (Markdown-escaped)
        assert "known mistake recognised" in fb


def test_sample_course_hw2_names_each_questions_mistake(tmp_path: Path) -> None:
    """hw2 of the sample course (losses, gd-step, adam, perceptron, metrics), two students:
    the first makes each question's first mistake, the second each question's second."""
    course = load_course(REPO / "course.yml")
    a = "hw2"
    sub = tmp_path / a / "submissions"
    sub.mkdir(parents=True)
    students = course.roster[:2]
    made: dict[str, dict] = {}
    for k, sid in enumerate(students):
        nb = build_notebook(course, a, sid, solutions=True)
        made[sid] = {}
        for q in nb.metadata["course"]["questions"]:
            if q["kind"] != "coding":
                continue
            m = get_coding(q["ref"]).mistakes[k]
            cell = next(c for c in nb.cells if c.id == f"{q['id']}-answer")
            cell.source = m.student_source(cell.source)
            made[sid][q["id"]] = m
        nbformat.write(nb, str(sub / f"{a}-{sid}.ipynb"))
    due = course.data.assignments[a].due
    assert due is None  # no lateness to account for
    grade_folder(tmp_path / a, course_path=REPO / "course.yml", jobs=2, limits=Limits(timeout_s=20.0))
    for sid in students:
        rec = _record(tmp_path / a, f"{a}-{sid}")
        assert rec["status"] == "graded", rec
        assert len(made[sid]) == 5
        for qid, m in made[sid].items():
            items = _items(rec, qid)
            named = [it for it in items if it["misconception"] == m.key]
            assert named, (sid, qid, m.key, [(it["name"], it["why"]) for it in items])
            assert {it["misconception"] for it in items if not it["ok"]} <= {m.key, None}
            assert all(it["why"] == m.explanation and not it["ok"] and it["points"] == 0 for it in named)
        computed = [it for q in rec["questions"] if q["kind"] == "computed" for it in q["items"]]
        assert computed and all(it["ok"] for it in computed)  # the solutions' own answers

