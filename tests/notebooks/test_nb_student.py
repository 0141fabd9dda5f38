"""Handed-out notebooks run in a student's environment (what a student reads).

The students' environment is ``.venv-student`` (scripts/setup): numpy, torch, ipykernel,
nbclient, and not the ``course`` package. Two kernels only (start-up is slow):

- the solutions notebook, executed by ``course build --execute`` in the students' kernel: every
  public check says so (computed: "format OK", coding: each public case passed), and its answers
  pass the hidden cases on the trusted side;
- a student notebook, renamed as Jupyter names a copy, with answers right, wrong, blank and
  untouched, executed by the students' own Python: one line per check or failing case, in the
  course language, the mistake's call and shapes named, and a named mistake (db without
  keepdims) explained; ``grader.export()`` writes the zip to
  hand in; ``course`` cannot be imported there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from course.documents.notebooks import build_assignment
from course.generator.coding.engine import coding_rng, evaluate_case
from course.generator.coding.registry import get_coding
from course.generator.coding.torch_models import TORCH_SETUP
from course.planning.config import load_course
from course.planning.plan import exercise_variant

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
                            resources={"metadata": {"path": path.rsplit("/", 1)[0]}}).execute()
    nbformat.write(nb, path)
'''
MAX_LINES_PER_CASE = 1


def _need_student_env() -> None:
    assert STUDENT_PY.exists() and (KERNELS / "kernels" / "course-student").is_dir(), \
        "the students' environment is missing: run scripts/setup (it creates .venv-student)"


def _outputs(cell) -> str:
    return "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "")
                   + "".join(o.get("traceback", [])) for o in cell.outputs)


def _check_results(nb) -> dict[str, list[str]]:
    """question id -> the lines its check cell printed."""
    out = {}
    for c in nb.cells:
        md = c.metadata.get("course", {})
        if md.get("role") == "check" and md.get("question"):
            out[md["question"]] = _outputs(c).splitlines()
    return out


@pytest.fixture(scope="module")
def demo():
    return load_course(HERE / "data" / "course.yml")


def test_solutions_notebook_executes_with_every_check_saying_so(demo, tmp_path: Path,
                                                               monkeypatch) -> None:
    _need_student_env()
    monkeypatch.setenv("JUPYTER_PATH", str(KERNELS))
    report = build_assignment(demo, "demo", roster=["s1"], out=tmp_path, execute=True,
                              kernel="course-student")
    assert report.executed == 1
    nb = nbformat.read(tmp_path / "instructor" / "solutions" / "demo-s1.ipynb", as_version=4)
    results = _check_results(nb)
    assert set(results) == {"q1", "q2", "q3", "q4"}
    assert len(results["q1"]) == 1 and "format OK" in results["q1"][0]
    for qid in ("q2", "q3", "q4"):
        assert results[qid] and all(line.startswith("\u2713") for line in results[qid]), results[qid]
    # and the executed answers pass the hidden cases on the trusted side (training aside: it is
    # run in tests/generator/test_coding_questions.py)
    cells = {c.id: c.source for c in nb.cells}
    for q in nb.metadata["course"]["questions"]:
        if q["kind"] == "computed":
            ns: dict = {}
            exec(cells[f"{q['id']}-answer"], ns)
            assert all(f.correct for f in exercise_variant(demo, q["ref"], "s1").check(ns[q["id"]]))
        else:
            cq = get_coding(q["ref"])
            ns = {}
            exec(cells["setup"], ns)
            exec(cells[f"{q['id']}-answer"], ns)
            for case in cq.hidden_cases(coding_rng(demo.seed, "s1", cq.id)):
                if case.id != "training":
                    r = evaluate_case(cq.reference, case, ns)
                    assert r.passed, f"{q['id']} {case.id}: {r.text('en')}"
    assert "torch" in cells["setup"] and TORCH_SETUP.strip() in cells["setup"]


def test_student_notebook_renamed_right_wrong_blank_and_stub(demo, tmp_path: Path) -> None:
    _need_student_env()
    build_assignment(demo, "demo", roster=["s2"], out=tmp_path)
    folder = tmp_path / "student"
    sol = nbformat.read(tmp_path / "instructor" / "solutions" / "demo-s2.ipynb", as_version=4)
    right = {c.id: c.source for c in sol.cells}
    nb = nbformat.read(folder / "demo-s2.ipynb", as_version=4)
    answers = {
        "q1-answer": 'q1 = "a lot of parameters"\n',  # wrong form: a string
        "q2-answer": right["q2-answer"],
        # db loses its column shape: a named mistake, which the public sample names
        "q3-answer": get_coding("dense-layer").mistakes[2].student_source(right["q3-answer"]),
        # q4 left as the stub
    }
    for c in nb.cells:
        if c.id in answers:
            c.source = answers[c.id]
    probe = nbformat.v4.new_code_cell(
        "import importlib.util, sys\n"
        "print('course importable:', importlib.util.find_spec('course') is not None)\n"
        "print('python:', sys.executable)\n"
        "print('zip:', grader.export())\n")
    nb.cells.append(probe)
    (folder / "demo-s2.ipynb").unlink()
    copy = folder / "demo-s2-Copy1.ipynb"  # a renamed copy, as Jupyter names one
    nbformat.write(nb, copy)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    proc = subprocess.run([str(STUDENT_PY), "-c", DRIVER, str(copy)], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    done = nbformat.read(copy, as_version=4)
    results = _check_results(done)
    # every line in French, none says "passed" for an unchecked value
    assert results["q1"] == ["q1 doit être un dictionnaire avec les clés total, weights, biases "
                             "(str 'a lot of parameters')"], results["q1"]
    assert all(line.startswith("\u2713") for line in results["q2"]), results["q2"]
    assert len(results["q3"]) == MAX_LINES_PER_CASE and results["q3"][0].startswith("\u2717")
    mistake = get_coding("dense-layer").mistakes[2]
    assert mistake.key == "dense-db-no-keepdims"
    assert "dense_backward" in results["q3"][0] and mistake.explanation["fr"] in results["q3"][0]
    assert "(2,)" in results["q3"][0], results["q3"]  # what came back, summarised
    assert "attendu" not in results["q3"][0]  # the mistake is named instead
    assert all("pas encore implémenté" in line for line in results["q4"]), results["q4"]
    probe_out = _outputs(done.cells[-1])
    assert "course importable: False" in probe_out
    assert str(STUDENT_VENV) in probe_out and sys.executable not in probe_out
    with zipfile.ZipFile(folder / "demo-s2.zip") as z:
        assert "demo-s2.ipynb" in z.namelist()  # the original name, whatever the file is called
        assert json.loads(z.read("demo-s2.ipynb"))["metadata"]["course"]["student"] == "s2"


def test_named_mistakes_in_the_students_kernel(demo, tmp_path: Path) -> None:
    """Each mistake of the demo's coding questions (activations, dense layer, PyTorch CNN),
    written into the solution in a cell of its own and checked there, in the students' kernel:
    one line per public case, the mistake named (in French) on each public case that can tell
    it from the reference, and only there."""
    from course.documents.runtime import coding_public_spec

    _need_student_env()
    build_assignment(demo, "demo", roster=["s3"], out=tmp_path)
    folder = tmp_path / "student"
    sol = nbformat.read(tmp_path / "instructor" / "solutions" / "demo-s3.ipynb", as_version=4)
    right = {c.id: c.source for c in sol.cells}
    nb = nbformat.read(folder / "demo-s3.ipynb", as_version=4)
    probes = []
    for q in nb.metadata["course"]["questions"]:
        if q["kind"] != "coding":
            continue
        cq = get_coding(q["ref"])
        for m in cq.mistakes:
            source = m.student_source(right[f"{q['id']}-answer"])
            nb.cells.append(nbformat.v4.new_code_cell(f'{source}\ngrader.check("{q["id"]}")\n'))
            probes.append((cq, m))
    assert len(probes) >= 9
    path = folder / "demo-s3.ipynb"
    nbformat.write(nb, path)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    proc = subprocess.run([str(STUDENT_PY), "-c", DRIVER, str(path)], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    done = nbformat.read(path, as_version=4)
    named = 0
    for cell, (cq, m) in zip(done.cells[-len(probes):], probes):
        lines = [line for line in _outputs(cell).splitlines() if line[:1] in ("\u2713", "\u2717")]
        spec = coding_public_spec(cq, "fr")
        assert len(lines) == len(spec), (m.key, lines)
        for case, line in zip(spec, lines):
            tells = m.key in {x["key"] for x in case["mistakes"]}
            assert (m.explanation["fr"] in line) == tells, (m.key, line)
            named += tells
    assert named >= 9  # all but the max shift, which no small public input can show
