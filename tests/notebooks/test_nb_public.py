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
from course.generator.coding.registry import get_coding
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


# ------------------------------------------------------------------ named mistakes
def _coding_questions(nb) -> dict[str, str]:
    """{question id: coding question id} of a notebook."""
    return {q["id"]: q["ref"] for q in nb.metadata["course"]["questions"] if q["kind"] == "coding"}


@pytest.mark.parametrize("assignment", sorted(COURSE.data.assignments))
def test_public_checks_name_the_mistakes_they_can_tell(assignment: str) -> None:
    """Every mistake of every coding question of the sample course (hw1 to hw4 hold all 15),
    written into the solution and checked: one line per public case; the mistake is named
    (its explanation, in the course language) on each public case that can tell it from the
    reference, and only there; never an "expected" value next to it."""
    from course.documents.runtime import coding_public_spec

    sid, lang = COURSE.roster[0], COURSE.language
    sol = build_notebook(COURSE, assignment, sid, solutions=True)
    answers = {c.metadata["course"]["question"]: c.source for c in sol.cells
               if c.metadata["course"]["role"] == "answer"}
    named = 0
    for qid, ref in _coding_questions(sol).items():
        cq = get_coding(ref)
        spec = coding_public_spec(cq, lang)
        for m in cq.mistakes:
            lines = run_checks(sol, {qid: m.student_source(answers[qid])})[qid]
            assert len(lines) == len(spec), (qid, m.key, lines)  # one line per public case
            for case, line in zip(spec, lines):
                tells = m.key in {x["key"] for x in case["mistakes"]}
                assert (m.explanation[lang] in line) == tells, (qid, m.key, line)
                if tells:
                    named += 1
                    assert line.startswith("\u2717") and case["call"] in line
                    assert "attendu" not in line and "expected" not in line
    assert named >= 1


def test_a_wrong_value_that_is_no_named_mistake_says_what_was_expected() -> None:
    nb = build_notebook(COURSE, "hw1", COURSE.roster[0], solutions=True)
    qid = next(q for q, ref in _coding_questions(nb).items() if ref == "dense-layer")
    answer = next(c.source for c in nb.cells if c.id == f"{qid}-answer")
    lines = run_checks(nb, {qid: answer.replace("return W.T @ dZ,", "return 2 * W.T @ dZ,")})[qid]
    assert len(lines) == 1 and lines[0].startswith("\u2717") and "attendu" in lines[0], lines
    assert not any(m.explanation["fr"] in lines[0] for m in get_coding("dense-layer").mistakes)
