"""bench/grade.py's otter side: the generated otter tests check what ``course grade`` checks.

Fast (no ``otter assign``, no kernel): the hidden tests of the master notebook are run
in-process on trusted answers, and their pass/fail pattern is compared with the grader's own
trusted-side comparisons (``Check.accepts`` for parts, ``evaluate_case`` for coding cases).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import otter_equiv as O  # noqa: E402

from course.generator.coding.engine import coding_rng, evaluate_case  # noqa: E402
from course.generator.coding.registry import get_coding  # noqa: E402
from course.planning.plan import exercise_variant  # noqa: E402


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_grade", BENCH / "grade.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    G = _load_bench()
    students = ["b000", "b001", "b002"]
    cp, course = G.make_course(tmp_path_factory.mktemp("bench") / "course", students)
    master, summary = O.master_notebook(course, G.ASSIGNMENT, "b000", lang="en")
    return G, course, master, summary


def _tests(master) -> dict[str, list[tuple[float, str]]]:
    """{question: [(points, source without the config block)]} read back from the master."""
    out: dict[str, list[tuple[float, str]]] = {}
    q = None
    for c in master.cells:
        m = re.match(r"# BEGIN QUESTION\nname: (\w+)", c.source)
        if c.cell_type == "raw" and m:
            q = m.group(1)
        if c.cell_type == "code" and "# BEGIN TEST CONFIG" in c.source:
            head, body = c.source.split('""" # END TEST CONFIG\n')
            assert "hidden: true" in head
            pts = float(re.search(r"points: ([0-9.]+)", head).group(1))
            out.setdefault(q, []).append((pts, body))
    return out


def _passes(setup_src: str, answer: str, test: str) -> bool:
    env: dict = {}
    exec(setup_src, env)
    exec(answer, env)
    try:
        exec(test, env)
    except AssertionError:
        return False
    return True


def test_master_notebook_format_and_points(setup):
    G, course, master, summary = setup
    assert master.cells[0].cell_type == "raw"
    assert master.cells[0].source.startswith(f"# ASSIGNMENT CONFIG\nname: {G.ASSIGNMENT}\n")
    tests = _tests(master)
    assert [len(tests["q1"]), len(tests["q2"])] == [3, 17]  # activations: 4 cases each, softmax 5
    assert sum(p for p, _ in tests["q1"]) == pytest.approx(3.0)
    assert sum(p for p, _ in tests["q2"]) == pytest.approx(4.0)
    assert [q["tests"] for q in summary["questions"]] == [3, 17]
    # every answer cell of the master starts with the marker otter keeps in the student notebook
    assert set(O.answer_cells(master)) == {"q1", "q2"}


def test_otter_tests_agree_with_the_grader(setup):
    G, course, master, _ = setup
    tests = _tests(master)
    setup_src = next(c.source for c in master.cells if c.cell_type == "code")
    variant, cq = exercise_variant(course, "mlp-params", "b000"), get_coding("activations")
    cases = cq.hidden_cases(coding_rng(course.seed, "b000", cq.id))
    for kind in range(len(G.KINDS)):
        name, adversarial, _ = G.KINDS[kind]
        if adversarial:  # would patch numpy/otter in this process
            continue
        ans = G.answers_for(course, "b000", kind)
        env: dict = {}
        exec(setup_src, env)
        exec(ans["q1"], env)
        want = [p.check.accepts(env["q1"][k], p.answer) for k, p in variant.parts.items()]
        got = [_passes(setup_src, ans["q1"], t) for _, t in tests["q1"]]
        assert got == want, name
        ns: dict = {}
        exec(ans["q2"], ns)
        with np.errstate(all="ignore"):
            want = [evaluate_case(cq.reference, c, ns).passed for c in cases]
            got = [_passes(setup_src, ans["q2"], t) for _, t in tests["q2"]]
        assert got == want, name
    # the kinds differ as intended: correct passes everything, forgot-biases only the total fails
    assert all(_passes(setup_src, G.answers_for(course, "b000", 0)["q1"], t) for _, t in tests["q1"])
    assert [_passes(setup_src, G.answers_for(course, "b000", 1)["q1"], t) for _, t in tests["q1"]] \
        == [False, True, True]


def test_submissions_keep_the_answer_cells(setup):
    G, course, master, _ = setup
    ans = G.answers_for(course, "b001", 2)
    sub = O.otter_submission(master, ans)
    cells = O.answer_cells(sub)
    assert cells["q2"].endswith(ans["q2"]) and cells["q1"].endswith(ans["q1"])
    ours = G.our_notebook(course, "b001", ans)
    assert {c.metadata["course"]["question"]: c.source for c in ours.cells
            if c.metadata["course"]["role"] == "answer"} == ans
    with pytest.raises(ValueError, match="no answer cell"):
        O.otter_submission(master, {"q9": "x = 1\n"})
