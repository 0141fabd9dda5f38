"""Instructors' own questions, end to end, on the example course (examples/attention-course,
which ``course init`` scaffolds): validate, preview, stress, exam (PDF), build, grading, and
every bad input reported in one line naming the file, the key and the problem."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import nbformat
import pytest

from course.cli.main import main
from course.documents.notebooks import build_assignment
from course.generator.catalogue import Catalogue
from course.grader.limits import Limits
from course.grader.run import grade_folder
from course.planning.config import load_course
from course.planning.plan import exercise_variant

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "attention-course"


def _run(args: list[str], capsys) -> tuple[int, str, str]:
    rc = main(args)
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.fixture()
def course_dir(tmp_path: Path) -> Path:
    """A fresh copy of the example course (its secret created on first use)."""
    dst = tmp_path / "ac"
    shutil.copytree(EXAMPLE, dst, ignore=shutil.ignore_patterns("__pycache__", ".course-secret"))
    return dst


def test_init_scaffolds_the_example_course(tmp_path: Path, capsys) -> None:
    rc, out, err = _run(["init", str(tmp_path / "new")], capsys)
    assert rc == 0, err
    for rel in ("course.yml", "roster.csv", "exercises/exercises.yml", "questions/receptive_field.py",
                "questions/receptive-field.fr.md.j2", "questions/attention/solution.py",
                "tests/test_questions.py", ".course-secret"):
        assert (tmp_path / "new" / rel).is_file(), rel
    assert "secret_id:" in (tmp_path / "new" / "course.yml").read_text()
    rc, out, err = _run(["init", str(tmp_path / "new")], capsys)
    assert rc == 2 and "exists already" in err


def test_validate_lists_the_own_questions(course_dir: Path, capsys) -> None:
    rc, out, err = _run(["validate", str(course_dir / "course.yml")], capsys)
    assert rc == 0, err
    assert "own questions: attention, receptive-field" in out.replace("\n", " ")
    rc, out, _ = _run(["families", "--course", str(course_dir / "course.yml")], capsys)
    assert "receptive-field" in out and "(course)" in out and "depth: int" in out
    rc, out, _ = _run(["coding", "--course", str(course_dir / "course.yml")], capsys)
    assert "attention" in out and "one-query" in out


@pytest.mark.parametrize("question", ["rf", "receptive-field", "attention", "conv-sizes"])
def test_stress(course_dir: Path, question: str, capsys) -> None:
    rc, out, err = _run(["stress", question, "--seeds", "120", "--course", str(course_dir / "course.yml")], capsys)
    assert rc == 0 and out.startswith("OK"), out + err


def test_preview_shows_what_the_student_gets(course_dir: Path, tmp_path: Path, capsys) -> None:
    cp = course_dir / "course.yml"
    rc, out, err = _run(["preview", "conv-sizes", "--student", "ada", "--course", str(cp), "--format", "json"],
                        capsys)
    assert rc == 0, err
    doc = json.loads(out)
    # the course's constraints hold (h in [8, 32]), and the exam sheet draws the same variant
    assert 8 <= doc["params"]["h"] <= 32
    rc, _, err = _run(["exam", "quiz", "--course", str(cp), "--format", "md", "--out", str(tmp_path / "q")], capsys)
    assert rc == 0, err
    man = json.loads((tmp_path / "q" / "manifest.json").read_text())
    ada = next(s for s in man["students"] if s["id"] == "ada")
    assert ada["variants"][2]["params"] == doc["params"]
    rc, _, err = _run(["preview", "nope", "--student", "ada", "--course", str(cp)], capsys)
    assert rc == 2 and "unknown exercise 'nope'" in err
    rc, _, err = _run(["preview", "rf", "--student", "zed", "--course", str(cp)], capsys)
    assert rc == 2 and "not on the roster" in err


@pytest.mark.latex
def test_exam_pdf(course_dir: Path, tmp_path: Path, capsys) -> None:
    rc, _, err = _run(["exam", "quiz", "--course", str(course_dir / "course.yml"), "--out", str(tmp_path / "q")],
                      capsys)
    assert rc == 0, err
    assert (tmp_path / "q" / "pdf" / "ada-sheet.pdf").stat().st_size > 1000
    assert "Receptive field" in (tmp_path / "q" / "md" / "ada-sheet.md").read_text()


def test_build_and_grade(course_dir: Path, tmp_path: Path) -> None:
    """Solutions get full marks, stubs zero, and the named mistakes of the course's own family
    and coding question are recognised."""
    course = load_course(course_dir / "course.yml")
    out = tmp_path / "hw1"
    build_assignment(course, "hw1", out=out, jobs=2)
    sub = out / "submissions"
    sub.mkdir()
    for sid, kind in (("ada", "solution"), ("alan", "stub"), ("grace", "mistake")):
        src = out / ("instructor/solutions" if kind != "stub" else "student") / f"hw1-{sid}.ipynb"
        nb = nbformat.read(src, as_version=4)
        if kind == "mistake":
            v = exercise_variant(course, "rf", sid)
            mistake = v.parts["rf"].misconceptions[0]  # computed by the family's mistaken formula
            wrong = mistake.value
            attention = course.catalogue.coding_question("attention").mistakes[1]  # axis 0
            for c in nb.cells:
                if c.id == "q1-answer":
                    c.source = f"q1 = {{'rf': {wrong}, 'jump': {v.answer['jump']}}}\n"
                if c.id == "q3-answer":
                    c.source = attention.student_source(c.source)
        nbformat.write(nb, sub / f"hw1-{sid}.ipynb")
    grade_folder(out, course_path=course_dir / "course.yml", jobs=1,
                 limits=Limits(timeout_s=5, cpu_s=30, memory_mb=1024))
    rows = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert float(rows["ada"]["total"]) == 6.0 and rows["ada"]["status"] == "graded"
    assert float(rows["alan"]["total"]) == 0.0
    assert float(rows["grace"]["q1"]) == 1.0  # the jump is right, the receptive field is not
    feedback = (out / "feedback" / "grace.md").read_text()
    assert mistake.explanation["en"].split(":")[0] in feedback
    # and the course's own coding question names its own mistake (softmax over the queries)
    assert float(rows["grace"]["q3"]) == 0.0
    rec = json.loads((out / ".grader" / "hw1-grace.json").read_text())
    items = next(q for q in rec["questions"] if q["id"] == "q3")["items"]
    assert {it["misconception"] for it in items} == {attention.key}
    assert "the softmax is taken over the queries" in feedback  # (Markdown-escaped after)

# ----------------------------------------------------------------------------- bad input
def _break(course_dir: Path, rel: str, old: str, new: str) -> None:
    p = course_dir / rel
    text = p.read_text()
    assert old in text, (rel, old)
    p.write_text(text.replace(old, new))


@pytest.mark.parametrize(("rel", "old", "new", "expected"), [
    # the course's own modules
    ("questions/receptive_field.py", "class ReceptiveField(Family):", "class ReceptiveField(Family)",
     "receptive_field.py: line 37: syntax error: expected ':'"),
    ("questions/receptive_field.py", "import numpy as np\n", "import numpy as np\nimport no_such_module\n",
     "receptive_field.py: line 21: ModuleNotFoundError"),
    ("questions/receptive_field.py", 'id = "receptive-field"', 'id = "softmax"',
     "family id 'softmax' is already a built-in family"),
    ("questions/attention/__init__.py", 'id="attention"', 'id="activations"',
     "coding question id 'activations' is already a built-in coding question"),
    # constraints, each as `course validate`, `exam` and `build` would find them
    ("exercises/exercises.yml", "{depth: {min: 2, max: 3}}", "{depth: {min: 3, max: 2}}",
     "exercises.yml: [0].params: parameter 'depth': empty range min=3 > max=2"),
    ("exercises/exercises.yml", "padding: [valid, same]", "padding: [valid, full]",
     "exercises.yml: [2].params: parameter 'padding': must be one of valid, same, got 'full'"),
    ("exercises/exercises.yml", "padding: [valid, same]", "padding: []",
     "parameter 'padding': an empty list of choices"),
    ("exercises/exercises.yml", "{depth: {min: 2, max: 3}}", "{depth: {min: 2, max: 3, step: 1}}",
     "parameter 'depth': unknown key 'step'"),
    ("exercises/exercises.yml", "padding: [valid, same]", "kernel: {min: 2, max: 5}",
     "parameter 'kernel': this family draws it from a list, not a range"),
    ("exercises/exercises.yml", "padding: [valid, same]", "kernel: 40",
     "parameter 'kernel': a 40x40 kernel does not fit"),
    ("course.yml", "{coding: attention, points: 3}", "{coding: nope, points: 3}",
     "assignments.hw1.questions[2].coding: unknown coding question 'nope'"),
    ("course.yml", "{exercise: rf, points: 2}\n      - {exercise: conv", "{exercise: rf, point: 2}\n      - {exercise: conv",
     "assignments.hw1.questions[0].point: unknown key"),
])
def test_bad_input_is_one_line(course_dir: Path, tmp_path: Path, capsys, rel: str, old: str, new: str,
                               expected: str) -> None:
    _break(course_dir, rel, old, new)
    cp = str(course_dir / "course.yml")
    for args in (["validate", cp], ["build", "hw1", "--course", cp, "--out", str(tmp_path / "b")]):
        rc, out, err = _run(args, capsys)
        line = " ".join(err.split())
        assert rc in (1, 2) and expected in line, (args, err)
        assert "Traceback" not in err and len(err.strip().splitlines()) <= 3, err
    assert not (tmp_path / "b" / "student").exists() or not any((tmp_path / "b" / "student").iterdir())


def test_a_title_in_one_language_is_used_and_warned(course_dir: Path, capsys) -> None:
    _break(course_dir, "exercises/exercises.yml",
           'title: {en: "Receptive field of a deeper stack", fr: "Champ récepteur d\'un empilement profond"}',
           'title: {en: "Receptive field of a deeper stack"}')
    cp = course_dir / "course.yml"
    rc, out, err = _run(["validate", str(cp)], capsys)
    assert rc == 0 and "given in en only" in err
    c = load_course(cp)
    c.data = c.data.model_copy(update={"language": "fr"})
    from course.planning.plan import exercise_title

    assert exercise_title(c, "rf-deep") == {"fr": "Receptive field of a deeper stack",
                                            "en": "Receptive field of a deeper stack"}


def test_worker_errors_come_back_as_one_line(course_dir: Path, tmp_path: Path) -> None:
    """A constraint that fails while a worker draws one student's variant (not caught by the
    static checks) reaches `course build` as the same one-line error, not BrokenProcessPool."""
    course = load_course(course_dir / "course.yml")
    bad = course.exercises["conv-sizes"].model_copy(update={"params": {"h": 5, "kernel": 9}})
    course.exercises["conv-sizes"] = bad
    from course.base.errors import CourseError

    with pytest.raises(CourseError, match="kernel") as info:
        build_assignment(course, "hw1", out=tmp_path / "b", jobs=2)
    assert "BrokenProcessPool" not in str(info.value)


def test_catalogue_reports_missing_files(tmp_path: Path) -> None:
    q = tmp_path / "questions" / "foo"
    q.mkdir(parents=True)
    shutil.copy(EXAMPLE / "questions" / "attention" / "__init__.py", q / "__init__.py")
    from course.base.errors import CourseError

    with pytest.raises(CourseError, match="has no stub.py"):
        Catalogue(tmp_path / "questions")
