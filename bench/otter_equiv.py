"""An otter-grader 7 assignment equivalent to a course assignment, for bench/grade.py.

Otter has one assignment for everyone, so the equivalent is built for ONE student's variant
(``student_id``): the same questions, the same set-up cell, and as hidden otter tests exactly
what ``course grade`` checks for that student:

- a computed question becomes one hidden test per answer part (the question's points split
  equally over parts, as the grader does), comparing the variable with the reference's answer
  within the part's check tolerance (int: ``==``; float: ``|s - e| <= atol + rtol |e|``;
  array: same shape, then the same rule element-wise, i.e. ``np.allclose`` with the check's
  rtol/atol; shape: equal tuples; bool: ``==``);
- a coding question becomes one hidden test per hidden case (points scaled to the question's
  points, as the grader does) that calls the student's functions on the case's inputs, in the
  student's kernel (that is how otter works), and compares with the expected values computed by
  the reference when the master notebook is written (``course.generator.coding.expected_values``).

The master notebook uses otter assign's v1 format (``# ASSIGNMENT CONFIG``, ``# BEGIN QUESTION``,
``# BEGIN SOLUTION``, ``# BEGIN TESTS`` raw cells, test cells starting with a
triple-quoted ``# BEGIN TEST CONFIG`` block with ``hidden: true`` and ``points``). Tests are
assert-based (no expected output), in otter's default OK format.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

ANSWER_MARK = "# answer cell: "  # first line of an answer cell, kept in otter's student notebook


# ------------------------------------------------------------------------------ literals
def literal(x: Any) -> str:
    """Python source for plain data; arrays as ``np.array(<nested list>, dtype=...)``.

    Floats use ``repr`` (round-trips exactly), so expected values are the reference's bits."""
    if isinstance(x, np.ndarray):
        kind = {"f": "float", "i": "int", "u": "int", "b": "bool"}.get(x.dtype.kind)
        if kind is None:
            raise TypeError(f"cannot write an array of dtype {x.dtype} as an otter test literal")
        if not x.size:
            return f"np.zeros({tuple(x.shape)!r}, dtype={kind})"
        return f"np.array({literal(x.tolist())}, dtype={kind})"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {literal(v)}" for k, v in x.items()) + "}"
    if isinstance(x, list):
        return "[" + ", ".join(literal(v) for v in x) + "]"
    if isinstance(x, tuple):
        return "(" + "".join(literal(v) + ", " for v in x) + ")"
    if isinstance(x, np.generic):
        return literal(x.item())
    if isinstance(x, float) and not math.isfinite(x):
        return f"float({str(x)!r})"
    if x is None or isinstance(x, (bool, int, float, str)):
        return repr(x)
    raise TypeError(f"cannot write {type(x).__name__} as an otter test literal")


# ------------------------------------------------------------------------------ tests
def computed_tests(qid: str, variant: Any, points: float) -> list[tuple[float, str]]:
    """(points, assert-based test source) per answer part of a computed question."""
    share = points / len(variant.parts)
    out = []
    for name, part in variant.parts.items():
        x = qid if len(variant.parts) == 1 else f"{qid}[{name!r}]"
        chk, want = part.check, part.answer
        kind = chk.kind
        if kind == "int":
            src = f"assert {x} == {int(want)!r}"
        elif kind == "bool":
            src = f"assert {x} == {bool(want)!r}"
        elif kind == "float":
            w = float(want)
            src = f"assert abs({x} - {w!r}) <= {chk.atol!r} + {chk.rtol!r} * {abs(w)!r}"
        elif kind == "shape":
            src = f"assert tuple({x}) == {tuple(int(v) for v in want)!r}"
        elif kind == "array":
            w = np.asarray(want, dtype=np.float64)
            src = (f"assert np.shape({x}) == {tuple(w.shape)!r}\n"
                   f"assert np.allclose({x}, {literal(w)}, rtol={chk.rtol!r}, atol={chk.atol!r})")
        else:
            raise ValueError(f"{qid}.{name}: check kind '{kind}' has no otter equivalent here "
                             "(supported: int, bool, float, shape, array)")
        out.append((share, src))
    return out


def _arg(v: Any) -> str:
    if isinstance(v, dict) and "$ref" in v and set(v) <= {"$ref", "item"}:
        r = f"_r{v['$ref']}"
        return f"{r}[{v['item']!r}]" if "item" in v else r
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {_arg(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_arg(x) for x in v) + "]"
    return literal(v)


def case_test(case: Any, expected: list[Any]) -> str:
    """Assert-based source of one hidden case: the calls, then one comparison per Expect."""
    lines = []
    for k, c in enumerate(case.calls):
        args = [_arg(a) for a in c.args] + [f"{n}={_arg(a)}" for n, a in c.kwargs.items()]
        target = f"{_arg(c.func)}.{c.method}" if c.method else c.func
        lines.append(f"_r{k} = {target}({', '.join(args)})")
    for e, want in zip(case.expect, expected):
        got = f"_r{e.call}" + (f"[{e.item!r}]" if e.item is not None else "")
        kind, p = e.check.kind, e.check.params()
        if kind == "array":
            w = np.asarray(want, dtype=np.float64)
            lines += [f"assert np.shape({got}) == {tuple(w.shape)!r}",
                      f"assert np.allclose({got}, {literal(w)}, rtol={p['rtol']!r}, atol={p['atol']!r})"]
        elif kind == "array-shape":
            lines.append(f"assert np.shape({got}) == {tuple(np.shape(want))!r}")
        elif kind == "float":
            w = float(want)
            lines.append(f"assert abs(float({got}) - {w!r}) <= {p['atol']!r} + {p['rtol']!r} * {abs(w)!r}")
        elif kind == "int":
            lines.append(f"assert int({got}) == {int(want)!r}")
        elif kind == "state-dict":
            lines.append(f"assert sorted({got}) == {sorted(want)!r}")
            for key, arr in want.items():
                w = np.asarray(arr, dtype=np.float64)
                lines += [f"assert np.shape({got}[{key!r}]) == {tuple(w.shape)!r}",
                          f"assert np.allclose({got}[{key!r}], {literal(w)}, rtol={p['rtol']!r}, "
                          f"atol={p['atol']!r})"]
        elif kind == "accuracy":
            labels = np.asarray(want["labels"])
            lines.append(f"assert np.mean(np.argmax(np.asarray({got}), axis=1) == {literal(labels)}) "
                         f">= {float(want['min'])!r}")
        else:
            raise ValueError(f"case {case.id}: check '{kind}' has no otter equivalent here")
    return "\n".join(lines)


def coding_tests(cq: Any, cases: list[Any], points: float) -> list[tuple[float, str]]:
    """(points, source) per hidden case; case points scaled to ``points`` as the grader does."""
    from course.generator.coding.engine import expected_values

    total = sum(c.points for c in cases)
    f = points / total if total > 0 else 0.0
    return [(c.points * f, case_test(c, expected_values(cq.reference, c))) for c in cases]


# ------------------------------------------------------------------------------ master notebook
def _raw(src: str) -> Any:
    return nbformat.v4.new_raw_cell(src)


def _test_cell(points: float, src: str) -> Any:
    head = f'""" # BEGIN TEST CONFIG\nhidden: true\npoints: {points!r}\n""" # END TEST CONFIG\n'
    return nbformat.v4.new_code_cell(head + src)


def master_notebook(course: Any, assignment_id: str, student_id: str,
                    lang: str = "en") -> tuple[Any, dict[str, Any]]:
    """The otter assign master notebook for ``student_id``'s variant, and a summary
    (``{"questions": [{"id", "kind", "points", "tests"}]}``).

    Statements and the set-up cell come from the project's builder, solutions from
    ``build_notebook(..., solutions=True)``, tests from :func:`computed_tests` and
    :func:`coding_tests`."""
    from course.documents.notebooks import build_notebook
    from course.planning.plan import draw_all, plan_assignment

    qs = draw_all(course, student_id, plan_assignment(course, assignment_id))
    sol = build_notebook(course, assignment_id, student_id, solutions=True, lang=lang)
    by_id = {c.id: c for c in sol.cells}
    config = (f"# ASSIGNMENT CONFIG\nname: {assignment_id}\ninit_cell: false\ncheck_all_cell: false\n"
              "export_cell: false\nrun_tests: true\ngenerate: true\n")
    cells = [_raw(config), nbformat.v4.new_markdown_cell(by_id["title"].source),
             nbformat.v4.new_code_cell(by_id["setup"].source)]
    summary: dict[str, Any] = {"assignment": assignment_id, "student": student_id, "questions": []}
    for q in qs:
        if q.kind == "computed":
            tests = computed_tests(q.id, q.variant, q.points)
        else:
            tests = coding_tests(q.coding, q.hidden_cases(course.seed), q.points)
        answer = by_id[f"{q.id}-answer"].source.rstrip("\n")
        cells += [
            _raw(f"# BEGIN QUESTION\nname: {q.id}\npoints: {[p for p, _ in tests]!r}\n"),
            nbformat.v4.new_markdown_cell(by_id[f"{q.id}-statement"].source),
            _raw("# BEGIN SOLUTION"),
            nbformat.v4.new_code_cell(f"{ANSWER_MARK}{q.id}\n# BEGIN SOLUTION\n{answer}\n# END SOLUTION\n"),
            _raw("# END SOLUTION"),
            _raw("# BEGIN TESTS"),
            *[_test_cell(p, src) for p, src in tests],
            _raw("# END TESTS"),
            _raw("# END QUESTION"),
        ]
        summary["questions"].append({"id": q.id, "kind": q.kind, "points": q.points,
                                     "tests": len(tests)})
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb, summary


def otter_assign(master: Any, folder: Path, otter: str | None = None) -> tuple[Path, Path]:
    """Run ``otter assign`` on ``master`` in ``folder``; return (autograder zip, student notebook).

    ``run_tests: true`` makes otter grade its own solutions notebook with the tests: a test that
    the reference solution fails stops here."""
    folder.mkdir(parents=True, exist_ok=True)
    src = folder / "master.ipynb"
    nbformat.write(master, str(src))
    exe = otter or str(Path(sys.executable).with_name("otter"))
    r = subprocess.run([exe, "assign", str(src), str(folder / "dist")], capture_output=True,
                       text=True, cwd=folder)
    if r.returncode != 0:
        raise RuntimeError(f"otter assign failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    zips = sorted((folder / "dist" / "autograder").glob("*.zip"))
    student = folder / "dist" / "student" / "master.ipynb"
    if not zips or not student.is_file():
        raise RuntimeError(f"otter assign wrote no autograder zip or student notebook in {folder / 'dist'}")
    return zips[-1], student


def answer_cells(nb: Any) -> dict[str, str]:
    """{question id: source} of the answer cells of an otter student notebook."""
    out = {}
    for c in nb["cells"]:
        src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        if c["cell_type"] == "code" and src.startswith(ANSWER_MARK):
            out[src.splitlines()[0][len(ANSWER_MARK):].strip()] = src
    return out


def otter_submission(student_nb: Any, answers: dict[str, str]) -> Any:
    """A copy of otter's student notebook with each answer cell holding ``answers[qid]``
    (a missing answer keeps otter's stub)."""
    nb = nbformat.from_dict(json.loads(json.dumps(student_nb)))
    found = set()
    for c in nb.cells:
        if c.cell_type == "code" and c.source.startswith(ANSWER_MARK):
            qid = c.source.splitlines()[0][len(ANSWER_MARK):].strip()
            found.add(qid)
            if qid in answers:
                c.source = f"{ANSWER_MARK}{qid}\n{answers[qid]}"
    missing = set(answers) - found
    if missing:
        raise ValueError(f"otter student notebook has no answer cell for {sorted(missing)}")
    return nb
