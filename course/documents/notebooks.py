"""Homework notebooks: ``course build ASSIGNMENT`` (one notebook per student, solutions, manifest).

Layout written by :func:`build_assignment` (see /work/notes/grading_contract.md)::

    OUT/student/ASSIGNMENT-<sid>.ipynb        handed out (public checks embedded, otter format)
    OUT/student/ASSIGNMENT-<coding id>.npz    data of the PyTorch questions (same for everyone)
    OUT/instructor/manifest.json              students, seeds, params, answers (never handed out)
    OUT/instructor/hidden_tests.json          the hidden cases, for reading (large arrays summarised)
    OUT/instructor/solutions/ASSIGNMENT-<sid>.ipynb

A notebook's cells (nbformat 4.5, stable ids): ``title`` (Markdown), ``setup`` (imports; run
by the grader's sandbox), ``otter`` (``grader = otter.Notebook(...)``, role "check"), then per
question ``qN-statement``, ``qN-answer`` (the student's only cells) and ``qN-check``
(``grader.check("qN")``). ``nb.metadata["course"]`` holds the assignment, the student, the
questions and the SHA-256 of every locked cell; ``nb.metadata["otter"]`` the public tests
(OK format: doctests that check the form of an answer and one sample case; expected values of
the sample cases come from the reference at build time, never those of hidden cases).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from course.base.errors import CourseError, UsageError

NOTEBOOK_VERSION = 1
TESTS_DIR = ".course-no-tests-dir"  # otter reads a tests folder when one exists; ours are embedded


# --------------------------------------------------------------------------- questions
@dataclass
class Question:
    """One question of an assignment for one student."""

    id: str  # q1, q2, ...
    kind: str  # "computed" | "coding"
    ref: str  # exercise id or coding id
    points: float
    variant: Any = None  # computed: the student's Variant
    coding: Any = None  # coding: the CodingQuestion
    title: dict[str, str] = field(default_factory=dict)
    #: rendered statements by language (a student's notebook and solutions share them)
    rendered: dict[str, str] = field(default_factory=dict)


def question_variant(course: Any, exercise_id: str, student_id: str) -> Any:
    """The student's variant of an exercise, through the one door (DESIGN.md rule 2)."""
    from course.base.rng import make_rng
    from course.generator.registry import get_family

    if exercise_id not in course.exercises:
        raise UsageError(f"unknown exercise '{exercise_id}'")
    ex = course.exercises[exercise_id]
    fam = get_family(ex.family)
    return fam.generate(make_rng(course.seed, student_id, exercise_id), ex.params,
                        seed={"course_seed": course.seed, "student": student_id, "exercise": exercise_id})


def _assignment(course: Any, assignment_id: str) -> Any:
    a = course.data.assignments.get(assignment_id)
    if a is None:
        known = ", ".join(course.data.assignments) or "none"
        raise UsageError(f"unknown assignment '{assignment_id}' (course.yml defines: {known})")
    return a


def check_assignment(course: Any, assignment_id: str) -> None:
    """Raise a clear error for an assignment that cannot become notebooks."""
    from course.generator.coding import get_coding
    from course.generator.registry import get_family

    a = _assignment(course, assignment_id)
    for i, item in enumerate(a.questions, start=1):
        if item.exercise is not None:
            ex = course.exercises[item.exercise]
            fam = get_family(ex.family)
            if not fam.notebook:
                raise CourseError(
                    f"assignments.{assignment_id}.questions[{i - 1}]: exercise '{item.exercise}' "
                    f"(family '{fam.id}') cannot be asked as a notebook question "
                    "(its answer is not a value to type); use it in an exam instead",
                    path=course.path)
        else:
            get_coding(item.coding)


def assignment_questions(course: Any, assignment_id: str, student_id: str) -> list[Question]:
    """The questions of ``assignment_id`` for ``student_id`` (variants drawn, coding looked up)."""
    from course.generator.coding import get_coding

    a = _assignment(course, assignment_id)
    out: list[Question] = []
    for i, item in enumerate(a.questions, start=1):
        qid = f"q{i}"
        if item.exercise is not None:
            v = question_variant(course, item.exercise, student_id)
            ex = course.exercises[item.exercise]
            from course.generator.registry import get_family

            title = ex.title or get_family(ex.family).title
            out.append(Question(qid, "computed", item.exercise, float(item.points), variant=v,
                                title=dict(title)))
        else:
            cq = get_coding(item.coding)
            out.append(Question(qid, "coding", cq.id, float(item.points), coding=cq,
                                title=dict(cq.title)))
    return out


# --------------------------------------------------------------------------- rendering
@cache
def _env() -> Any:
    from course.generator.render import environment

    return environment()


def _render(name: str, **ctx: Any) -> str:
    return _env().get_template(f"notebook/{name}").render(**ctx).strip("\n") + "\n"


def notebook_filename(assignment_id: str, student_id: str) -> str:
    return f"{assignment_id}-{student_id}.ipynb"


def data_filename(assignment_id: str, coding_id: str) -> str:
    return f"{assignment_id}-{coding_id}.npz"


def cell_checksum(source: str) -> str:
    """SHA-256 (hex) of a cell's source, as stored in ``metadata.course.locked``."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _parts(variant: Any, lang: str) -> list[dict[str, str]]:
    return [{"name": k, "label": p.label[lang], "describe": p.check.describe(lang)}
            for k, p in variant.parts.items()]


def _literal(x: Any) -> str:
    """Python source for plain data (JSON-native values, NumPy arrays as ``_np.array``)."""
    if isinstance(x, np.ndarray):
        body = repr(x.tolist())
        return f"_np.array({body})" if x.size else f"_np.zeros({tuple(x.shape)!r})"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in x.items()) + "}"
    if isinstance(x, (list, tuple)):
        inner = ", ".join(_literal(v) for v in x)
        return f"[{inner}]" if isinstance(x, list) else f"({inner}{',' if len(x) == 1 else ''})"
    if isinstance(x, np.generic):
        return repr(x.item())
    if isinstance(x, float) and not np.isfinite(x):
        return f"float({str(x)!r})"
    return repr(x)


def _answer_literal(variant: Any) -> str:
    if len(variant.parts) == 1:
        return _literal(variant.answer)
    return "{\n" + "".join(f"    {k!r}: {_literal(p.answer)},\n" for k, p in variant.parts.items()) + "}"


# ----------------------------------------------------------------- public tests (otter, OK format)
_FORM = {
    "int": "isinstance({x}, numbers.Real) and not isinstance({x}, bool) and float({x}).is_integer()",
    "float": "isinstance({x}, numbers.Real) and not isinstance({x}, bool) and math.isfinite({x})",
    "bool": "isinstance({x}, (bool, numpy.bool_))",
    "shape": "isinstance({x}, (list, tuple)) and len({x}) > 0 and all(isinstance(v, numbers.Integral) for v in {x})",
    "array": "numpy.asarray({x}, dtype=float).size > 0 and bool(numpy.all(numpy.isfinite(numpy.asarray({x}, dtype=float))))",
    "table": "isinstance({x}, (list, tuple)) and len({x}) > 0 and all(isinstance(r, (list, tuple)) for r in {x})",
    "symbolic": "isinstance({x}, str) and {x}.strip() != ''",
    "choice": "isinstance({x}, str) or (isinstance({x}, (list, tuple)) and all(isinstance(v, str) for v in {x}))",
}

_FORM_MSG = {
    "fr": "{what} doit être {describe}.",
    "en": "{what} must be {describe}.",
}


def _ok_case(code_lines: list[str], failure: str) -> dict[str, Any]:
    code = "\n".join(code_lines)
    return {"code": code, "hidden": False, "locked": False, "failure_message": failure}


def _ok_test(qid: str, points: float, cases: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": qid, "points": points, "all_or_nothing": False,
            "suites": [{"cases": cases, "scored": True, "setup": "", "teardown": "",
                        "type": "doctest"}]}


def computed_public_test(q: Question, lang: str) -> dict[str, Any]:
    """Form-only doctests for a computed question (never its answer)."""
    v = q.variant
    head = [">>> import math, numbers, numpy"]
    cases = []
    what = f"`{q.id}`"
    if len(v.parts) == 1:
        p = next(iter(v.parts.values()))
        cases.append(_ok_case([*head, f">>> {q.id} is not Ellipsis", "True",
                               ">>> " + _FORM[p.check.kind].format(x=q.id), "True"],
                              _FORM_MSG[lang].format(what=what, describe=p.check.describe(lang))))
    else:
        keys = sorted(v.parts)
        msg = (f"`{q.id}` doit être un dictionnaire avec les clés {keys}." if lang == "fr"
               else f"`{q.id}` must be a dict with the keys {keys}.")
        cases.append(_ok_case([f">>> isinstance({q.id}, dict) and sorted({q.id}) == {keys!r}", "True"], msg))
        for k, p in v.parts.items():
            x = f"{q.id}[{k!r}]"
            cases.append(_ok_case([*head, f">>> {x} is not Ellipsis", "True",
                                   ">>> " + _FORM[p.check.kind].format(x=x), "True"],
                                  _FORM_MSG[lang].format(what=f"`{x}`", describe=p.check.describe(lang))))
    return _ok_test(q.id, q.points, cases)


def _doctest_case(case: Any, expected: list[Any], lang: str) -> dict[str, Any]:
    lines = [">>> import numpy as _np"]
    for k, c in enumerate(case.calls):
        def arg(v: Any) -> str:
            if isinstance(v, dict) and "$ref" in v and set(v) <= {"$ref", "item"}:
                r = f"_course_r{v['$ref']}"
                return f"{r}[{v['item']!r}]" if "item" in v else r
            return _literal(v)

        args = [arg(a) for a in c.args] + [f"{n}={arg(a)}" for n, a in c.kwargs.items()]
        target = arg(c.func) + f".{c.method}" if c.method else c.func
        lines.append(f">>> _course_r{k} = {target}({', '.join(args)})")
    for e, want in zip(case.expect, expected):
        got = f"_course_r{e.call}" + (f"[{e.item!r}]" if e.item is not None else "")
        if e.check == "array":
            w = np.round(np.asarray(want, dtype=np.float64), 12)  # -0.12, not -0.11999999999999988
            lines += [f">>> tuple(_np.shape({got}))", repr(tuple(w.shape)),
                      f">>> bool(_np.allclose(_np.asarray({got}, dtype=float), {_literal(w)}, "
                      f"rtol={e.rtol!r}, atol={e.atol!r}))", "True"]
        elif e.check == "shape":
            lines += [f">>> tuple(_np.shape({got}))", repr(tuple(np.shape(want)))]
        elif e.check == "scalar":
            w = round(float(want), 12)
            lines += [f">>> bool(abs(float({got}) - {w!r}) <= {e.atol!r} + {e.rtol!r} * {abs(w)!r})",
                      "True"]
        elif e.check == "int":
            lines += [f">>> int({got}) == {int(want)!r}", "True"]
        elif e.check == "state_dict":
            lines += [f">>> sorted({got})", repr(sorted(want))]
            for key, arr in want.items():
                lines += [f">>> bool(_np.allclose(_np.asarray({got}[{key!r}], dtype=float), "
                          f"{_literal(np.round(np.asarray(arr, dtype=np.float64), 12))}, rtol={e.rtol!r}, "
                          f"atol={e.atol!r}))", "True"]
        else:  # pragma: no cover - public cases use the checks above
            raise AssertionError(f"check {e.check!r} in a public case")
    head = "Exemple qui échoue : " if lang == "fr" else "Failing sample case: "
    return _ok_case(lines, head + case.feedback[lang])


@cache
def coding_public_test(coding_id: str, lang: str) -> str:
    """The public doctests of a coding question, as JSON text (the same for every student)."""
    from course.generator.coding import expected_values, get_coding

    cq = get_coding(coding_id)
    cases = []
    names = ", ".join(cq.names)
    msg = (f"définissez {names} (exécutez la cellule de réponse)" if lang == "fr"
           else f"define {names} (run the answer cell)")
    cases.append(_ok_case([f">>> all(callable(globals().get(n)) for n in {list(cq.names)!r})", "True"],
                          msg))
    for case in cq.public_cases:
        cases.append(_doctest_case(case, expected_values(cq, case), lang))
    return json.dumps(cases)


# --------------------------------------------------------------------------- the notebook
def _cell(kind: str, source: str, cid: str, role: str, question: str | None = None) -> Any:
    md: dict[str, Any] = {"course": {"role": role}}
    if question is not None:
        md["course"]["question"] = question
    if role != "answer":
        md["editable"] = False
        md["deletable"] = False
    # built as plain dicts (nbformat's new_*_cell validates every cell: slow for 200 students);
    # tests validate whole notebooks with nbformat.validate
    cell: dict[str, Any] = {"cell_type": kind, "id": cid, "metadata": md, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def build_notebook(course: Any, assignment_id: str, student_id: str, solutions: bool = False,
                   lang: str | None = None, questions: list[Question] | None = None) -> Any:
    """The notebook of ``assignment_id`` for ``student_id`` (an nbformat NotebookNode).

    ``solutions``: answer cells hold the solution, with a worked-solution cell after each
    computed question. ``lang`` defaults to the course language. Deterministic: the same
    inputs give the same notebook (the grader rebuilds it to restore locked cells).
    """
    return nbformat.from_dict(_notebook_dict(course, assignment_id, student_id, solutions, lang,
                                             questions))


def _shared_cells(course: Any, assignment_id: str, student_id: str, lang: str,
                  qs: list[Question]) -> dict[str, Any]:
    """What a student's notebook and solutions notebook share: rendered locked cells and the
    public tests (rendered once per student)."""
    from course.generator.coding import TORCH_SETUP
    from course.generator.render import statement as render_statement

    a = _assignment(course, assignment_id)
    torch = any(q.kind == "coding" and q.coding.torch for q in qs)
    data_files = [data_filename(assignment_id, q.ref) for q in qs
                  if q.kind == "coding" and q.coding.make_data is not None]
    shared: dict[str, Any] = {
        "title": _render(f"title.{lang}.md.j2", title=a.title, course_title=course.title,
                         assignment=assignment_id, student=student_id,
                         questions=[{"id": q.id, "title": q.title[lang], "points": q.points}
                                    for q in qs],
                         total=sum(q.points for q in qs), data_files=data_files),
        "setup": _setup_source(lang, torch, TORCH_SETUP),
        "otter": _render(f"otter.{lang}.py.j2", filename=notebook_filename(assignment_id, student_id),
                         tests_dir=TESTS_DIR),
        "statement": {}, "stub": {}, "tests": {},
    }
    for q in qs:
        if q.kind == "computed":
            parts = _parts(q.variant, lang)
            if lang not in q.rendered:
                q.rendered[lang] = render_statement(q.variant, lang).strip()
            shared["statement"][q.id] = _render(
                f"computed.{lang}.md.j2", qid=q.id, title=q.title[lang], points=q.points,
                statement=q.rendered[lang], parts=parts)
            shared["stub"][q.id] = _render(f"answer.{lang}.py.j2", qid=q.id, parts=parts)
            shared["tests"][q.id] = computed_public_test(q, lang)
        else:
            shared["statement"][q.id] = _coding_statement(assignment_id, q.ref, q.id, q.points, lang)
            shared["stub"][q.id] = q.coding.stub
            shared["tests"][q.id] = _ok_test(q.id, q.points, json.loads(coding_public_test(q.ref, lang)))
    return shared


@cache
def _setup_source(lang: str, torch: bool, torch_setup: str) -> str:
    return _render(f"setup.{lang}.py.j2", torch=torch, torch_setup=torch_setup.strip())


@cache
def _coding_statement(assignment_id: str, coding_id: str, qid: str, points: float, lang: str) -> str:
    from course.generator.coding import get_coding

    cq = get_coding(coding_id)
    stmt = cq.statement[lang].replace("{data_file}", data_filename(assignment_id, cq.id))
    return _render(f"coding.{lang}.md.j2", qid=qid, title=cq.title[lang], points=points,
                   statement=stmt, names=list(cq.names))


def _notebook_dict(course: Any, assignment_id: str, student_id: str, solutions: bool = False,
                   lang: str | None = None, questions: list[Question] | None = None,
                   shared: dict[str, Any] | None = None) -> dict[str, Any]:
    """:func:`build_notebook` as plain dicts (converting 400 notebooks to NotebookNode is slow)."""
    from course.generator.render import solution as render_solution

    lang = lang or course.language
    if lang not in ("fr", "en"):
        raise UsageError(f"--lang must be 'fr' or 'en', got {lang!r}")
    qs = questions if questions is not None else assignment_questions(course, assignment_id, student_id)
    sh = shared if shared is not None else _shared_cells(course, assignment_id, student_id, lang, qs)
    cells = [_cell("markdown", sh["title"], "title", "title"),
             _cell("code", sh["setup"], "setup", "setup"),
             _cell("code", sh["otter"], "otter", "check")]
    for q in qs:
        if solutions:
            answer = (f"{q.id} = {_answer_literal(q.variant)}\n" if q.kind == "computed"
                      else q.coding.solution)
        else:
            answer = sh["stub"][q.id]
        cells.append(_cell("markdown", sh["statement"][q.id], f"{q.id}-statement", "statement", q.id))
        cells.append(_cell("code", answer, f"{q.id}-answer", "answer", q.id))
        if solutions and q.kind == "computed":
            cells.append(_cell("markdown", _render(f"solution.{lang}.md.j2", qid=q.id,
                                                   solution=render_solution(q.variant, lang).strip()),
                               f"{q.id}-solution", "solution", q.id))
        cells.append(_cell("code", f'grader.check("{q.id}")\n', f"{q.id}-check", "check", q.id))
    tests = sh["tests"]

    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "course": {
            "assignment": assignment_id, "student": student_id, "version": NOTEBOOK_VERSION,
            "lang": lang, "solutions": solutions,
            "questions": [{"id": q.id, "kind": q.kind, "ref": q.ref, "points": q.points} for q in qs],
            "locked": {c["id"]: cell_checksum(c["source"]) for c in cells
                       if c["metadata"]["course"]["role"] != "answer"},
        },
        "otter": {"assignment_name": assignment_id, "OK_FORMAT": True, "tests": tests},
    }
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}


# --------------------------------------------------------------------------- the build
@dataclass
class BuildReport:
    out: Path
    students: int
    notebooks: list[Path]
    solutions: list[Path]
    seconds: float
    executed: int = 0


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, path)


def _write_nb(path: Path, nb: Any) -> None:
    tmp = path.with_suffix(".ipynb.tmp")
    # nbformat.writes validates and splits every source into lines; plain JSON is valid nbformat
    # (no indent: the C encoder is ten times faster; Jupyter re-indents when it saves)
    tmp.write_text(json.dumps(nb, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _build_student(course: Any, assignment_id: str, sid: str, lang: str, sdir: Path,
                   soldir: Path) -> tuple[str, Path, Path, list[dict[str, Any]], dict[str, Any]]:
    """One student's notebook and solutions notebook; their manifest and hidden-test entries."""
    qs = assignment_questions(course, assignment_id, sid)
    shared = _shared_cells(course, assignment_id, sid, lang, qs)
    path = sdir / notebook_filename(assignment_id, sid)
    _write_nb(path, _notebook_dict(course, assignment_id, sid, lang=lang, questions=qs, shared=shared))
    spath = soldir / notebook_filename(assignment_id, sid)
    _write_nb(spath, _notebook_dict(course, assignment_id, sid, solutions=True, lang=lang,
                                    questions=qs, shared=shared))
    entry: list[dict[str, Any]] = []
    hid: dict[str, Any] = {}
    for q in qs:
        base: dict[str, Any] = {"id": q.id, "kind": q.kind, "ref": q.ref, "points": q.points}
        if q.kind == "computed":
            base.update(seed=q.variant.seed, family=q.variant.family, params=q.variant.params,
                        answer=q.variant.answer)
        else:
            base.update(seed={"course_seed": course.seed, "student": sid, "coding": q.coding.id},
                        cases=_case_ids(q.coding.id))
            hid[q.id] = q.coding.id
        entry.append(base)
    return sid, path, spath, entry, hid


@cache
def _case_ids(coding_id: str) -> list[str]:
    """The ids of a coding question's hidden cases (the same list for every student; only
    the inputs drawn by ``coding_rng`` differ)."""
    from course.generator.coding import coding_rng, get_coding

    return [c.id for c in get_coding(coding_id).hidden_cases(coding_rng(0, "", coding_id))]


def hidden_spec(course: Any, assignment_id: str, example_student: str) -> dict[str, Any]:
    """The hidden-test specification of an assignment, for reading (``hidden_tests.json``):
    per coding question, its cases with the inputs drawn for ``example_student`` (arrays of
    more than 64 values summarised); every student gets the same cases with inputs from
    ``coding_rng(course seed, student, coding id)``."""
    from course.generator.coding import coding_rng, get_coding

    spec: dict[str, Any] = {}
    for item in _assignment(course, assignment_id).questions:
        if item.coding is not None and item.coding not in spec:
            cq = get_coding(item.coding)
            cases = cq.hidden_cases(coding_rng(course.seed, example_student, cq.id))
            spec[cq.id] = {"torch": cq.torch, "reference": sorted(cq.reference),
                           "cases": [c.to_json(summarize=True) for c in cases]}
    return spec


def build_assignment(course: Any, assignment_id: str, roster: list[str] | None = None,
                     out: Path | None = None, lang: str | None = None,
                     execute: bool = False, kernel: str | None = None,
                     timeout: int = 300, jobs: int | None = None) -> BuildReport:
    """Write the student notebooks, data files and the instructor folder (see module docstring).

    ``jobs`` worker processes build the students' notebooks (default: the number of cores;
    the output does not depend on it). ``execute`` runs every solutions notebook in a Jupyter
    kernel (``kernel`` name, default python3) so that they are stored executed, with every
    public check's output.
    """
    t0 = time.perf_counter()
    check_assignment(course, assignment_id)
    lang = lang or course.language
    if lang not in ("fr", "en"):
        raise UsageError(f"--lang must be 'fr' or 'en', got {lang!r}")
    students = list(course.roster if roster is None else roster)
    if not students:
        raise UsageError("the roster is empty: no student to build a notebook for")
    out = Path(out) if out is not None else course.root / "out" / assignment_id
    sdir, idir = out / "student", out / "instructor"
    soldir = idir / "solutions"
    for d in (sdir, soldir):
        d.mkdir(parents=True, exist_ok=True)
    a = _assignment(course, assignment_id)

    # data shipped with the assignment (the same for every student)
    for item in a.questions:
        if item.coding is not None:
            from course.generator.coding import get_coding

            cq = get_coding(item.coding)
            data = cq.data(course.seed)
            if data is not None:
                tmp = sdir / (data_filename(assignment_id, cq.id) + ".tmp.npz")
                np.savez_compressed(tmp, **data)
                os.replace(tmp, sdir / data_filename(assignment_id, cq.id))

    # warm the caches (public tests of the coding questions) before the workers fork
    for item in a.questions:
        if item.coding is not None:
            coding_public_test(item.coding, lang)
    manifest: dict[str, Any] = {"assignment": assignment_id, "title": a.title,
                                "course_seed": course.seed, "lang": lang,
                                "version": NOTEBOOK_VERSION, "students": {}}
    hidden: dict[str, Any] = {
        "assignment": assignment_id, "course_seed": course.seed,
        "note": "For reading: every student gets the cases below, with inputs drawn from "
                "coding_rng(course_seed, student, coding id) (shown for the example student); the "
                "grader regenerates them from course.yml. Expected values are computed by the "
                "reference at grading time; arrays of more than 64 values are summarised.",
        "example_student": students[0],
        "coding": hidden_spec(course, assignment_id, students[0]),
        "students": {}}
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(students)))
    args = [(course, assignment_id, sid, lang, sdir, soldir) for sid in students]
    if jobs == 1:
        results = [_build_student(*x) for x in args]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods()
                                          else None)
        with ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
            results = list(pool.map(_build_student, *zip(*args), chunksize=max(1, len(args) // (4 * jobs))))
    notebooks, sols = [], []
    for sid, path, spath, entry, hid in results:
        notebooks.append(path)
        sols.append(spath)
        manifest["students"][sid] = {"notebook": path.name, "questions": entry}
        hidden["students"][sid] = hid
    _write_json(idir / "manifest.json", manifest)
    _write_json(idir / "hidden_tests.json", hidden)
    executed = 0
    if execute:
        for spath in sols:
            execute_notebook(spath, data_dir=sdir, kernel=kernel, timeout=timeout)
            executed += 1
    return BuildReport(out, len(students), notebooks, sols, time.perf_counter() - t0, executed)


def execute_notebook(path: Path, data_dir: Path | None = None, kernel: str | None = None,
                     timeout: int = 300, cwd: Path | None = None) -> Any:
    """Execute a notebook in place with nbclient (outputs stored). The working directory is
    ``cwd`` (default: the notebook's folder); ``data_dir``'s .npz files are linked there first
    when missing. Returns the executed notebook."""
    import nbclient

    nb = nbformat.read(path, as_version=4)
    wd = Path(cwd) if cwd is not None else path.parent
    if data_dir is not None:
        for f in Path(data_dir).glob("*.npz"):
            target = wd / f.name
            if not target.exists():
                try:
                    target.symlink_to(f.resolve())
                except OSError:
                    target.write_bytes(f.read_bytes())
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name=kernel or "python3",
                                     resources={"metadata": {"path": str(wd)}})
    client.execute()
    _write_nb(path, nb)
    return nb
