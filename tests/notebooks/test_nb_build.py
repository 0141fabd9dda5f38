"""course build: notebook structure, metadata, golden files, no leaks, bad input (issue 5)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course.base.errors import CourseError, UsageError
from course.cli.main import main
from course.documents.notebooks import build_assignment, build_notebook
from course.generator.coding.engine import coding_rng, expected_values
from course.generator.coding.registry import coding_registry
from course.planning.config import load_course
from course.planning.layout import notebook_filename
from course.planning.plan import exercise_variant as question_variant

CODING = coding_registry()

HERE = Path(__file__).parent
DATA = HERE / "data"
GOLDEN = HERE / "golden"
ROOT = HERE.parent.parent


@pytest.fixture(scope="module")
def demo() -> object:
    return load_course(DATA / "course.yml")


@pytest.fixture(scope="module")
def demo_build(demo, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    build_assignment(demo, "demo", out=out)
    return out


def _dump(nb: object) -> str:
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------- structure
def test_build_writes_every_file(demo_build: Path) -> None:
    student = sorted(p.name for p in (demo_build / "student").iterdir())
    assert student == ["demo-s1.ipynb", "demo-s2.ipynb", "demo-torch-cnn.npz"]
    sols = sorted(p.name for p in (demo_build / "instructor" / "solutions").iterdir())
    assert sols == ["demo-s1.ipynb", "demo-s2.ipynb"]
    manifest = json.loads((demo_build / "instructor" / "manifest.json").read_text())
    assert set(manifest["students"]) == {"s1", "s2"}
    q1 = manifest["students"]["s1"]["questions"][0]
    assert q1["kind"] == "computed" and q1["seed"]["student"] == "s1" and "answer" in q1
    hidden = json.loads((demo_build / "instructor" / "hidden_tests.json").read_text())
    assert hidden["students"]["s2"] == {"q2": "activations", "q3": "dense-layer", "q4": "torch-cnn"}
    assert [c["id"] for c in hidden["coding"]["dense-layer"]["cases"]] == \
        manifest["students"]["s2"]["questions"][2]["cases"]
    training = hidden["coding"]["torch-cnn"]["cases"][-1]
    assert training["time_limit_s"] and training["calls"][1]["args"][1]["$array"] is None  # summarised
    data = np.load(demo_build / "student" / "demo-torch-cnn.npz")
    assert data["X_train"].shape[1:] == (1, 8, 8) and data["y_train"].shape == (400,)


def test_notebooks_validate_and_carry_metadata(demo_build: Path) -> None:
    for path in sorted((demo_build / "student").glob("*.ipynb")) + \
            sorted((demo_build / "instructor" / "solutions").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        meta = nb.metadata["course"]
        assert meta["assignment"] == "demo" and path.name == notebook_filename("demo", meta["student"])
        assert [q["id"] for q in meta["questions"]] == ["q1", "q2", "q3", "q4"]
        assert [q["kind"] for q in meta["questions"]] == ["computed", "coding", "coding", "coding"]
        ids = [c.id for c in nb.cells]
        assert len(set(ids)) == len(ids)
        assert ids[:3] == ["title", "setup", "checks"]
        for c in nb.cells:
            locked = c.metadata["course"]["role"] != "answer"
            assert c.metadata.get("editable", True) is not locked
        checks = nb.cells[2]
        assert checks.metadata["jupyter"]["source_hidden"] and "grader = Checks(" in checks.source
        # the grader trusts no checksum and no test from the notebook: none is written
        assert "locked" not in meta and "otter" not in nb.metadata


def test_answer_cells_hold_stubs_or_solutions(demo, demo_build: Path) -> None:
    nb = nbformat.read(demo_build / "student" / "demo-s1.ipynb", as_version=4)
    sol = nbformat.read(demo_build / "instructor" / "solutions" / "demo-s1.ipynb", as_version=4)
    cells = {c.id: c.source for c in nb.cells}
    scells = {c.id: c.source for c in sol.cells}
    assert "q1 = {" in cells["q1-answer"] and '"total": ...' in cells["q1-answer"]
    assert "raise NotImplementedError" in cells["q2-answer"]
    assert "raise NotImplementedError" not in scells["q2-answer"]
    assert cells["q4-check"] == 'grader.check("q4")\n'
    assert "load_numpy_weights" in cells["setup"]  # a PyTorch question needs the helpers
    # the solutions' computed answers are right (checked by the regenerated variant)
    ns: dict = {}
    exec(scells["q1-answer"], ns)
    v = question_variant(demo, "mlp-params", "s1")
    assert all(f.correct for f in v.check(ns["q1"]))
    assert "q1-solution" in scells and "q1-solution" not in cells
    # locked cells are the same in both notebooks (the grader rebuilds the student one)
    for c in nb.cells:
        if c.metadata["course"]["role"] not in ("answer", "solution"):
            assert scells[c.id] == c.source


def test_build_is_deterministic_and_per_student(demo) -> None:
    a = _dump(build_notebook(demo, "demo", "s1"))
    assert a == _dump(build_notebook(demo, "demo", "s1"))
    b = build_notebook(demo, "demo", "s2")
    assert b.cells[3].source != build_notebook(demo, "demo", "s1").cells[3].source or \
        question_variant(demo, "mlp-params", "s1").params == question_variant(demo, "mlp-params", "s2").params


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_golden_student_notebook(demo, lang: str) -> None:
    text = _dump(build_notebook(demo, "demo", "s1", lang=lang))
    path = GOLDEN / f"demo-s1.{lang}.ipynb.json"  # .json: ruff would lint an .ipynb
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path} (run with UPDATE_GOLDEN=1)"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs (UPDATE_GOLDEN=1 to accept)"
    nbformat.validate(nbformat.reads(text, as_version=4))


# ----------------------------------------------------------------------------- no leaks
_NUM = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.])")
_INT = re.compile(r"(?<![\w.])\d+(?![\w.])")  # whole numbers only (not inside hashes or floats)


def _floats(x: object) -> list[float]:
    if isinstance(x, dict):
        return [f for v in x.values() for f in _floats(v)]
    if isinstance(x, (list, tuple)):
        return [f for v in x for f in _floats(v)]
    if isinstance(x, np.ndarray):
        return [float(v) for v in x.ravel()]
    if isinstance(x, (float, np.floating)):
        return [float(x)]
    return []


def _ints(x: object) -> list[int]:
    if isinstance(x, bool):
        return []
    if isinstance(x, (int, np.integer)):
        return [int(x)]
    if isinstance(x, dict):
        return [i for v in x.values() for i in _ints(v)]
    if isinstance(x, (list, tuple)):
        return [i for v in x for i in _ints(v)]
    return []


def _forms(x: float) -> set[str]:
    out = {repr(x)}
    for d in (4, 5, 6, 8):
        s = f"{x:.{d}f}".rstrip("0").rstrip(".")
        digits = s.lstrip("-").replace(".", "").lstrip("0")
        # a telling form keeps 3 significant digits: 0.99995 -> "1" or 0.000101 -> "0.0001" at
        # 4 decimals could be any number of the notebook (a tolerance, a round input)
        if _significant(float(s)) and len(digits) >= 3:
            out.add(s)
    return out


def _significant(x: float) -> bool:
    """A value worth searching: finite, not a round number (0.5, 1, 0.25 appear everywhere)."""
    return np.isfinite(x) and round(x, 3) != x


def _assert_no_leak(course, assignment: str, out: Path, students: list[str]) -> int:
    """Every handed-out byte of text against the answers and the hidden expected values."""
    from course.documents.runtime import library_source

    checked = 0
    library = library_source()  # the checkers' code, the same in every notebook: not data
    for sid in students:
        nb = json.loads((out / "student" / notebook_filename(assignment, sid)).read_text())
        for c in nb["cells"]:
            if c["id"] == "checks":
                assert library in c["source"]
                c["source"] = c["source"].replace(library, "")
        everything = json.dumps(nb, ensure_ascii=False)
        tokens = set(_NUM.findall(everything))
        not_statements = json.dumps([c for c in nb["cells"]
                                     if c["metadata"]["course"]["role"] not in ("statement", "title")]
                                    + [nb["metadata"]], ensure_ascii=False)
        int_tokens = set(_INT.findall(not_statements))
        for q in nb["metadata"]["course"]["questions"]:
            if q["kind"] == "computed":
                v = question_variant(course, q["ref"], sid)
                for part in v.parts.values():
                    for x in _floats(part.answer):
                        if _significant(x):
                            checked += 1
                            assert not (_forms(x) & tokens), f"{sid} {q['id']}: answer {x} leaked"
                    # a whole-number answer (a count) must not appear outside the statements
                    for i in _ints(part.answer) if isinstance(part.answer, int) else []:
                        if i >= 10:
                            checked += 1
                            assert str(i) not in int_tokens, f"{sid} {q['id']}: answer {i} in checks/metadata"
                    if isinstance(part.answer, list) and len(part.answer) > 1:
                        assert json.dumps(part.answer) not in not_statements
            else:
                cq = CODING[q["ref"]]
                # a hidden value equal to a public sample's output (5/6 from two small count
                # matrices) is a coincidence of simple numbers, not a leak
                public = {round(x, 12) for case in cq.public_cases
                          for want in expected_values(cq.reference, case) for x in _floats(want)}
                for case in cq.hidden_cases(coding_rng(course.seed, sid, cq.id)):
                    for e, want in zip(case.expect, expected_values(cq.reference, case)):
                        if e.target == "value":
                            continue
                        for x in _floats(want):
                            if _significant(x) and round(x, 12) not in public:
                                checked += 1
                                assert not (_forms(x) & tokens), \
                                    f"{sid} {q['id']} case {case.id}: expected value {x} leaked"
                        for i in _ints(want):
                            if i >= 10:
                                checked += 1
                                assert str(i) not in set(_INT.findall(everything)), \
                                    f"{sid} {q['id']} case {case.id}: expected {i} leaked"
    return checked


def test_no_hidden_value_leaks_demo(demo, demo_build: Path) -> None:
    assert _assert_no_leak(demo, "demo", demo_build, ["s1", "s2"]) > 100


def test_no_hidden_value_leaks_sample_course(tmp_path: Path) -> None:
    course = load_course(ROOT / "course.yml")
    total = 0
    for aid in course.data.assignments:
        students = course.roster[:2]
        build_assignment(course, aid, roster=students, out=tmp_path / aid)
        total += _assert_no_leak(course, aid, tmp_path / aid, students)
    assert total > 200


def test_leak_check_can_fail(demo, tmp_path: Path) -> None:
    """The leak check itself finds an answer written into a handed-out notebook."""
    build_assignment(demo, "demo", roster=["s1"], out=tmp_path)
    path = tmp_path / "student" / "demo-s1.ipynb"
    nb = json.loads(path.read_text())
    total = question_variant(demo, "mlp-params", "s1").parts["total"].answer
    nb["metadata"]["course"]["note"] = f"total = {total}"
    path.write_text(json.dumps(nb))
    with pytest.raises(AssertionError, match="leaked|in checks"):
        _assert_no_leak(demo, "demo", tmp_path, ["s1"])


# ----------------------------------------------------------------------------- bad input
def test_unknown_assignment(demo, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown assignment 'nope'.*demo"):
        build_assignment(demo, "nope", out=tmp_path)


def test_empty_roster(demo, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="roster is empty"):
        build_assignment(demo, "demo", roster=[], out=tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("id\n")
    rc = main(["build", "demo", "--course", str(DATA / "course.yml"), "--roster", str(empty),
               "--out", str(tmp_path / "o")])
    assert rc == 1 and not (tmp_path / "o").exists()


def test_unknown_coding_question(demo, tmp_path: Path) -> None:
    with pytest.raises(CourseError, match="questions.0..coding: unknown coding question 'no-such-question'"):
        build_assignment(demo, "bad-coding", out=tmp_path)


def test_family_that_cannot_be_a_notebook_question(demo, tmp_path: Path, monkeypatch) -> None:
    from course.generator.registry import registry

    monkeypatch.setattr(registry()["mlp-params"], "notebook", False)
    with pytest.raises(CourseError, match="cannot be asked as a notebook question"):
        build_assignment(demo, "demo", out=tmp_path)
    assert not (tmp_path / "student").exists()


def test_bad_language(demo, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="'fr' or 'en'"):
        build_assignment(demo, "demo", lang="de", out=tmp_path)


def test_cli_build(tmp_path: Path, capsys) -> None:
    rc = main(["build", "demo", "--course", str(DATA / "course.yml"), "--out", str(tmp_path),
               "--lang", "en"])
    assert rc == 0
    assert "2 notebooks" in capsys.readouterr().out
    nb = nbformat.read(tmp_path / "student" / "demo-s2.ipynb", as_version=4)
    assert nb.metadata["course"]["lang"] == "en" and "How to work" in nb.cells[0].source
    assert main(["build", "nope", "--course", str(DATA / "course.yml"), "--out", str(tmp_path)]) == 2
