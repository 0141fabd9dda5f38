"""Public checks of every sample assignment, run in-process on the notebooks' own cells (no
kernel): what a student reads for the solutions and for the untouched stubs.

The kernel tests (test_nb_student.py) run the same cells in the students' environment, where
``course`` cannot be imported.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from course.documents.notebooks import build_notebook
from course.planning.config import load_course

ROOT = Path(__file__).parent.parent.parent
COURSE = load_course(ROOT / "course.yml")


def run_checks(nb, answers: dict[str, str] | None = None) -> dict[str, list[str]]:
    """Execute the set-up, checks and answer cells of ``nb`` (answer sources replaced by
    ``answers[qid]``), then every check cell; ``{qid: printed lines}``."""
    ns: dict = {"__name__": "__main__"}
    out: dict[str, list[str]] = {}
    for c in nb.cells:
        md = c.metadata["course"]
        if c.cell_type != "code":
            continue
        src = c.source
        if md["role"] == "answer" and answers and md["question"] in answers:
            src = answers[md["question"]]
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            try:
                exec(compile(src, f"<cell {c.id}>", "exec"), ns)
            except NotImplementedError:
                pass
        if md["role"] == "check" and md.get("question"):
            out[md["question"]] = buf.getvalue().splitlines()
    return out


@pytest.mark.parametrize("assignment", sorted(COURSE.data.assignments))
def test_solutions_and_stubs_read_right(assignment: str) -> None:
    sid = COURSE.roster[0]
    lang = COURSE.language
    sol = build_notebook(COURSE, assignment, sid, solutions=True)
    kinds = {q["id"]: q["kind"] for q in sol.metadata["course"]["questions"]}
    for qid, lines in run_checks(sol).items():
        assert lines, qid
        if kinds[qid] == "computed":
            # a check that only saw the form says so, and never "passed"
            assert len(lines) == 1 and "format OK" in lines[0], lines
            assert "réussi" not in lines[0] and "passed" not in lines[0]
        else:
            assert all(line.startswith("\u2713") for line in lines), lines
    stub = build_notebook(COURSE, assignment, sid)
    for qid, lines in run_checks(stub).items():
        if kinds[qid] == "computed":
            want = (f"{qid} : pas encore de réponse (remplacez ... par votre réponse)" if lang == "fr"
                    else f"{qid}: not answered yet (replace ... with your answer)")
            assert lines == [want]
        else:
            assert lines and all(line.startswith("\u2717") and "pas encore implémenté" in line
                                 for line in lines), lines


def test_wrong_forms_are_named_in_one_line_each() -> None:
    """hw1's q1 (a computed question) and q3's public case, answered wrongly."""
    nb = build_notebook(COURSE, "hw1", COURSE.roster[0])
    qs = {q["id"]: q for q in nb.metadata["course"]["questions"]}
    computed = next(q for q in qs.values() if q["kind"] == "computed")["id"]
    lines = run_checks(nb, {computed: f"{computed} = 'beaucoup'\n"})[computed]
    assert len(lines) == 1 and "beaucoup" in lines[0] and "format OK" not in lines[0], lines
    obj = run_checks(nb, {computed: f"import numpy as np\n{computed} = np.array([1, 2], dtype=object)\n"})
    assert "format OK" not in " ".join(obj[computed])  # an object array fails as at grading
