"""Homework notebooks: ``course build ASSIGNMENT`` (one notebook per student, solutions, manifest).

Layout written by :func:`build_assignment`::

    OUT/student/ASSIGNMENT-<sid>.ipynb        handed out (public checks in its locked cells)
    OUT/student/ASSIGNMENT-<coding id>.npz    data of the PyTorch questions (same for everyone)
    OUT/instructor/manifest.json              students, seeds, params, answers (never handed out)
    OUT/instructor/hidden_tests.json          the hidden cases, for reading (large arrays summarised)
    OUT/instructor/solutions/ASSIGNMENT-<sid>.ipynb

The cells are those of :mod:`course.planning.layout` (set-up, answers, checks), plus the
Markdown (title, statements, worked solutions) and the locked ``checks`` cell
(:mod:`course.documents.runtime`). ``nb.metadata["course"]`` holds the assignment, the
student, the language and the questions; the grader trusts none of it (see docs/grading.md):
it rebuilds the original cells from course.yml.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from course.base.errors import UsageError
from course.base.files import atomic_write, write_json
from course.base.i18n import LANGS, text
from course.base.plain import python_literal
from course.generator.coding.question import CodingQuestion
from course.generator.render import solution as render_solution
from course.generator.render import statement as render_statement
from course.planning.config import Course
from course.planning.layout import (
    Cell,
    code_cells,
    data_filename,
    notebook_filename,
    parts_view,
    render_code,
)
from course.planning.plan import DrawnQuestion, draw_all, plan_assignment
from course.planning.validate import check_planned

from .runtime import checks_source

NOTEBOOK_VERSION = 2


# --------------------------------------------------------------------------- cells
def _cell(c: Cell) -> dict[str, Any]:
    """A cell as nbformat JSON (plain dicts: nbformat's constructors validate every cell, which
    is slow for 200 students; the tests validate whole notebooks)."""
    md: dict[str, Any] = {"course": {"role": c.role}}
    if c.question is not None:
        md["course"]["question"] = c.question
    if c.role != "answer":
        md["editable"] = False
        md["deletable"] = False
    if c.id == "checks":
        md["jupyter"] = {"source_hidden": True}
    cell: dict[str, Any] = {"cell_type": c.kind, "id": c.id, "metadata": md, "source": c.source}
    if c.kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def _answer_literal(q: DrawnQuestion) -> str:
    """``qN = <the answer>`` (a dict for multi-part questions) for the solutions notebook."""
    assert q.variant is not None
    v = q.variant
    if len(v.parts) == 1:
        return f"{q.id} = {python_literal(v.answer)}\n"
    return f"{q.id} = {{\n" + "".join(f"    {k!r}: {python_literal(p.answer)},\n"
                                       for k, p in v.parts.items()) + "}\n"


@cache
def _coding_statement(assignment_id: str, cq: CodingQuestion, qid: str, points: float, lang: str) -> str:
    stmt = cq.statement(lang).replace("{data_file}", data_filename(assignment_id, cq.id))
    return render_code(f"coding.{lang}.md.j2", qid=qid, title=cq.title[lang], points=points,
                       statement=stmt, names=list(cq.names))


def statement_cell(assignment_id: str, q: DrawnQuestion, lang: str, env: Any) -> Cell:
    """The Markdown statement of question ``q`` (``env``: the course's template environment)."""
    if q.coding is not None:
        src = _coding_statement(assignment_id, q.coding, q.id, q.points, lang)
    else:
        assert q.variant is not None
        src = render_code(f"computed.{lang}.md.j2", qid=q.id, title=q.title[lang], points=q.points,
                          statement=render_statement(q.variant, lang, env).strip(), parts=parts_view(q, lang))
    return Cell(f"{q.id}-statement", "markdown", "statement", src, q.id)


def shared_cells(course: Course, assignment_id: str, student: str, lang: str,
                 drawn: list[DrawnQuestion]) -> list[Cell]:
    """A student's cells in order, as handed out (the solutions notebook starts from them)."""
    files = [data_filename(assignment_id, q.coding.id) for q in drawn
             if q.coding is not None and q.coding.make_data is not None]
    title = render_code(f"title.{lang}.md.j2", title=course.assignment_title(assignment_id, lang),
                        course_title=course.title_in(lang),
                        assignment=assignment_id, student=student,
                        questions=[{"id": q.id, "title": q.title[lang], "points": q.points} for q in drawn],
                        total=sum(q.points for q in drawn), data_files=files)
    code = {c.id: c for c in code_cells(lang, drawn)}
    cells = [Cell("title", "markdown", "title", title), code["setup"],
             Cell("checks", "code", "check", checks_source(assignment_id, student, lang, drawn))]
    for q in drawn:
        cells += [statement_cell(assignment_id, q, lang, course.catalogue.env), code[f"{q.id}-answer"],
                  code[f"{q.id}-check"]]
    return cells


def _solutions(cells: list[Cell], drawn: list[DrawnQuestion], lang: str, env: Any) -> list[Cell]:
    """The solutions notebook's cells: answers filled in, a worked solution after each computed
    question."""
    by_id = {q.id: q for q in drawn}
    out: list[Cell] = []
    for c in cells:
        q = by_id.get(c.question or "")
        if c.role == "answer" and q is not None:
            src = q.coding.solution if q.coding is not None else _answer_literal(q)
            out.append(Cell(c.id, c.kind, c.role, src, c.question))
            if q.variant is not None:
                sol = render_code(f"solution.{lang}.md.j2", qid=q.id,
                                  solution=render_solution(q.variant, lang, env).strip())
                out.append(Cell(f"{q.id}-solution", "markdown", "solution", sol, q.id))
        else:
            out.append(c)
    return out


def notebook_dict(course: Course, assignment_id: str, student: str, cells: list[Cell],
                  drawn: list[DrawnQuestion], lang: str, solutions: bool) -> dict[str, Any]:
    """A notebook as nbformat 4.5 JSON."""
    metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "course": {"assignment": assignment_id, "student": student, "version": NOTEBOOK_VERSION,
                   "lang": lang, "solutions": solutions,
                   "questions": [{"id": q.id, "kind": q.kind, "ref": q.planned.ref, "points": q.points}
                                 for q in drawn]},
    }
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": [_cell(c) for c in cells]}


def _lang(course: Course, lang: str | None) -> str:
    lang = lang or course.language
    if lang not in LANGS:
        raise UsageError(text(f"--lang doit être 'fr' ou 'en' (reçu : {lang!r})", f"--lang must be 'fr' or 'en', got {lang!r}"))
    return lang


def build_notebook(course: Course, assignment_id: str, student: str, solutions: bool = False,
                   lang: str | None = None) -> Any:
    """The notebook of ``assignment_id`` for ``student`` (an nbformat NotebookNode).

    ``solutions``: answer cells hold the solution, with a worked-solution cell after each
    computed question. ``lang`` defaults to the course language. Deterministic."""
    lang = _lang(course, lang)
    drawn = draw_all(course, student, plan_assignment(course, assignment_id))
    cells = shared_cells(course, assignment_id, student, lang, drawn)
    if solutions:
        cells = _solutions(cells, drawn, lang, course.catalogue.env)
    return nbformat.from_dict(notebook_dict(course, assignment_id, student, cells, drawn, lang, solutions))


# --------------------------------------------------------------------------- the build
@dataclass
class BuildReport:
    out: Path
    students: int
    notebooks: list[Path]
    solutions: list[Path]
    seconds: float
    executed: int = 0


def write_notebook(path: Path, nb: Any) -> None:
    """Write a notebook as compact JSON, atomically (nbformat.writes validates and splits every
    source into lines: ten times slower; Jupyter re-indents when it saves)."""
    import json

    atomic_write(path, json.dumps(nb, ensure_ascii=False) + "\n")


def _build_student(course: Course, assignment_id: str, sid: str, lang: str, sdir: Path,
                   soldir: Path) -> tuple[str, Path, Path, list[dict[str, Any]], dict[str, Any]]:
    """One student's notebook and solutions notebook; their manifest and hidden-test entries."""
    drawn = draw_all(course, sid, plan_assignment(course, assignment_id))
    cells = shared_cells(course, assignment_id, sid, lang, drawn)
    path = sdir / notebook_filename(assignment_id, sid)
    write_notebook(path, notebook_dict(course, assignment_id, sid, cells, drawn, lang, False))
    spath = soldir / notebook_filename(assignment_id, sid)
    write_notebook(spath, notebook_dict(course, assignment_id, sid,
                                        _solutions(cells, drawn, lang, course.catalogue.env), drawn, lang, True))
    entry: list[dict[str, Any]] = []
    hid: dict[str, Any] = {}
    for q in drawn:
        base: dict[str, Any] = {"id": q.id, "kind": q.kind, "ref": q.planned.ref, "points": q.points}
        if q.variant is not None:
            base.update(seed=q.variant.seed, family=q.variant.family, params=q.variant.params,
                        answer=q.variant.answer)
        else:
            assert q.coding is not None
            base.update(seed={"course_seed": course.seed, "student": sid, "coding": q.coding.id},
                        cases=_case_ids(q.coding))
            hid[q.id] = q.coding.id
        entry.append(base)
    return sid, path, spath, entry, hid


@cache
def _case_ids(cq: CodingQuestion) -> list[str]:
    """The ids of a coding question's hidden cases (the same list for every student; only the
    inputs drawn by ``coding_rng`` differ)."""
    return [c.id for c in cq.student_cases(0, "")]


def hidden_spec(course: Course, assignment_id: str, example_student: str) -> dict[str, Any]:
    """The hidden-test specification of an assignment, for reading (``hidden_tests.json``):
    per coding question, its cases with the inputs drawn for ``example_student`` (arrays of
    more than 64 values summarised)."""
    spec: dict[str, Any] = {}
    for q in plan_assignment(course, assignment_id):
        if q.kind == "coding" and q.ref not in spec:
            cq = course.catalogue.coding_question(q.ref)
            cases = cq.student_cases(course.seed, example_student)
            spec[cq.id] = {"torch": cq.torch, "reference": sorted(cq.reference),
                           "cases": [c.to_json(summarize=True) for c in cases]}
    return spec


def write_data_files(course: Course, assignment_id: str, folder: Path) -> list[Path]:
    """The data files of the assignment's coding questions (the same for every student)."""
    import io

    written = []
    for q in plan_assignment(course, assignment_id):
        if q.kind != "coding":
            continue
        data = course.catalogue.coding_question(q.ref).data(course.seed)
        if data is not None:
            buf = io.BytesIO()
            np.savez_compressed(buf, **data)
            path = folder / data_filename(assignment_id, q.ref)
            atomic_write(path, buf.getvalue())
            written.append(path)
    return written


def build_assignment(course: Course, assignment_id: str, roster: list[str] | None = None,
                     out: Path | None = None, lang: str | None = None,
                     execute: bool = False, kernel: str | None = None,
                     timeout: int = 300, jobs: int | None = None) -> BuildReport:
    """Write the student notebooks, data files and the instructor folder (module docstring).

    ``jobs`` worker processes build the students' notebooks (default: the number of cores; the
    output does not depend on it). ``execute`` runs every solutions notebook in a Jupyter kernel
    (``kernel`` name, default python3) so that they are stored executed, with every check's
    output."""
    t0 = time.perf_counter()
    planned = plan_assignment(course, assignment_id)  # a clear error before anything is written
    check_planned(course, planned)
    lang = _lang(course, lang)
    students = list(course.roster if roster is None else roster)
    if not students:
        raise UsageError(text("la liste de la classe est vide : aucun élève pour qui construire un notebook", "the roster is empty: no student to build a notebook for"))
    out = Path(out) if out is not None else course.root / "out" / assignment_id
    sdir, idir = out / "student", out / "instructor"
    soldir = idir / "solutions"
    for d in (sdir, soldir):
        d.mkdir(parents=True, exist_ok=True)
    write_data_files(course, assignment_id, sdir)
    for q in planned:  # warm the caches before the workers fork
        if q.kind == "coding":
            from .runtime import coding_public_spec

            coding_public_spec(course.catalogue.coding_question(q.ref), lang)
    manifest: dict[str, Any] = {"assignment": assignment_id, "title": course.assignment_title(assignment_id, lang),
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
        from course.base.workers import process_map

        results = process_map(_build_student, args, jobs)
    notebooks, sols = [], []
    for sid, path, spath, entry, hid in results:
        notebooks.append(path)
        sols.append(spath)
        manifest["students"][sid] = {"notebook": path.name, "questions": entry}
        hidden["students"][sid] = hid
    write_json(idir / "manifest.json", manifest)
    write_json(idir / "hidden_tests.json", hidden)
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
    write_notebook(path, nb)
    return nb
