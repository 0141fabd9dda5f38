"""Handed-out notebooks run in a student's environment with the real otter-grader (issue 5).

The students' environment is ``.venv-student`` (scripts/setup): numpy, torch, otter-grader,
ipykernel, and not the ``course`` package. Two kernels only (start-up is slow):

- the solutions notebook, executed by ``course build --execute`` in the students' kernel:
  every public check passes, and its answers pass the hidden cases on the trusted side;
- a student notebook with some answers filled in right and some wrong, executed by the students'
  own Python (nbclient inside .venv-student): the right ones pass, the wrong ones fail, and
  ``course`` cannot be imported there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course.documents.notebooks import build_assignment, question_variant
from course.generator.coding import CODING, TORCH_SETUP, coding_rng, evaluate_case
from course.planning.config import load_course

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
STUDENT_VENV = ROOT / ".venv-student"
STUDENT_PY = STUDENT_VENV / "bin" / "python"
KERNELS = STUDENT_VENV / "share" / "jupyter"

pytestmark = pytest.mark.slow

DRIVER = r'''
import sys, nbformat, nbclient
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": sys.argv[1].rsplit("/", 1)[0]}}).execute()
    nbformat.write(nb, path)
'''


def _need_student_env() -> None:
    assert STUDENT_PY.exists() and (KERNELS / "kernels" / "course-student").is_dir(), \
        "the students' environment is missing: run scripts/setup (it creates .venv-student)"


def _check_results(nb) -> dict[str, str]:
    """question id -> the text otter displayed for its check cell."""
    out = {}
    for c in nb.cells:
        md = c.metadata.get("course", {})
        if md.get("role") == "check" and md.get("question"):
            text = "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "")
                           + "".join(o.get("traceback", [])) for o in c.outputs)
            out[md["question"]] = text
    return out


def _passed(text: str, qid: str) -> bool:
    return f"{qid} results: All test cases passed!" in text


@pytest.fixture(scope="module")
def demo():
    return load_course(HERE / "data" / "course.yml")


def test_solutions_notebook_executes_with_every_check_passing(demo, tmp_path: Path,
                                                             monkeypatch) -> None:
    _need_student_env()
    monkeypatch.setenv("JUPYTER_PATH", str(KERNELS))
    report = build_assignment(demo, "demo", roster=["s1"], out=tmp_path, execute=True,
                              kernel="course-student")
    assert report.executed == 1
    nb = nbformat.read(tmp_path / "instructor" / "solutions" / "demo-s1.ipynb", as_version=4)
    results = _check_results(nb)
    assert set(results) == {"q1", "q2", "q3", "q4"}
    for qid, text in results.items():
        assert _passed(text, qid), f"{qid}: {text}"
    # and the executed answers pass the hidden cases on the trusted side (training aside: it
    # is run in test_nb_coding.py)
    cells = {c.id: c.source for c in nb.cells}
    for q in nb.metadata["course"]["questions"]:
        if q["kind"] == "computed":
            ns: dict = {}
            exec(cells[f"{q['id']}-answer"], ns)
            v = question_variant(demo, q["ref"], "s1")
            assert all(f.correct for f in v.check(ns[q["id"]]))
        else:
            cq = CODING[q["ref"]]
            ns = {}
            exec(cells["setup"], ns)
            exec(cells[f"{q['id']}-answer"], ns)
            for case in cq.hidden_cases(coding_rng(demo.seed, "s1", cq.id)):
                if case.id != "training":
                    r = evaluate_case(cq, case, ns)
                    assert r.passed, f"{q['id']} {case.id}: {r.detail}"
    assert "torch" in cells["setup"] and TORCH_SETUP.strip() in cells["setup"]


def test_student_notebook_right_and_wrong_answers(demo, tmp_path: Path) -> None:
    _need_student_env()
    build_assignment(demo, "demo", roster=["s2"], out=tmp_path)
    student = tmp_path / "student" / "demo-s2.ipynb"
    sol = nbformat.read(tmp_path / "instructor" / "solutions" / "demo-s2.ipynb", as_version=4)
    right = {c.id: c.source for c in sol.cells}
    nb = nbformat.read(student, as_version=4)
    wrong = {
        # wrong form: a string instead of a dict of numbers
        "q1-answer": 'q1 = "a lot of parameters"\n',
        # wrong: db loses its column shape (the public sample checks the shape)
        "q3-answer": right["q3-answer"].replace("dZ.sum(axis=1, keepdims=True)", "dZ.sum(axis=1)"),
    }
    for c in nb.cells:
        if c.id in ("q2-answer", "q4-answer"):
            c.source = right[c.id]
        elif c.id in wrong:
            c.source = wrong[c.id]
    probe = nbformat.v4.new_code_cell(
        "import importlib.util, sys, otter\n"
        "print('course importable:', importlib.util.find_spec('course') is not None)\n"
        "print('python:', sys.executable)\n"
        "print('otter', otter.__version__)\n")
    nb.cells.append(probe)
    nbformat.write(nb, student)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    proc = subprocess.run([str(STUDENT_PY), "-c", DRIVER, str(student)], cwd=tmp_path / "student",
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    done = nbformat.read(student, as_version=4)
    results = _check_results(done)
    assert _passed(results["q2"], "q2") and _passed(results["q4"], "q4"), results
    assert not _passed(results["q1"], "q1"), results["q1"]
    assert "doit être un dictionnaire" in results["q1"], results["q1"]  # the course is in French
    assert not _passed(results["q3"], "q3"), results["q3"]
    probe_out = "".join(o.get("text", "") for o in done.cells[-1].outputs)
    assert "course importable: False" in probe_out
    assert str(STUDENT_VENV) in probe_out and "otter 7." in probe_out
    assert sys.executable not in probe_out
    json.dumps(done)  # still a plain notebook
