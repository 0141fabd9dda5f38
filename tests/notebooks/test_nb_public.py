"""Public checks of every sample assignment, run with otter's own test runner in-process
(without a kernel): the solutions pass them all, the stubs fail them all (issue 5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from otter.test_files.ok_test import OKTestFile

from course.documents.notebooks import build_notebook
from course.planning.config import load_course

ROOT = Path(__file__).parent.parent.parent
COURSE = load_course(ROOT / "course.yml")


def _run_public(nb, student_ns: dict) -> dict[str, bool]:
    out = {}
    for qid, spec in nb.metadata["otter"]["tests"].items():
        test = OKTestFile.from_spec(spec)
        test.run(student_ns)
        out[qid] = test.passed_all
    return out


def _namespace(nb) -> dict:
    ns: dict = {"__name__": "__main__"}
    for c in nb.cells:
        role = c.metadata["course"]["role"]
        if role in ("setup", "answer"):
            try:
                exec(c.source, ns)
            except NotImplementedError:
                pass
    return ns


@pytest.mark.parametrize("assignment", sorted(COURSE.data.assignments))
def test_solutions_pass_and_stubs_fail_every_public_check(assignment: str) -> None:
    sid = COURSE.roster[0]
    sol = build_notebook(COURSE, assignment, sid, solutions=True)
    results = _run_public(sol, _namespace(sol))
    assert results and all(results.values()), results
    stub = build_notebook(COURSE, assignment, sid)
    results = _run_public(stub, _namespace(stub))
    assert not any(results.values()), results
    # both notebooks carry the same public tests
    assert sol.metadata["otter"] == stub.metadata["otter"]
