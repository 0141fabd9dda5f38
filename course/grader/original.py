"""The original notebook of (assignment, student) and its secrets, rebuilt on the trusted side.

Nothing here comes from the submission: the questions come from course.yml through the
planner (:mod:`course.planning.plan`: the student's variants through the one door, the hidden
cases of the coding questions through ``coding_rng``), and the code cells from
:mod:`course.planning.layout` (no statement is rendered). Called only in grading workers, after
their sandbox zygote has started (docs/grading.md).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from course.generator.coding.engine import Case
from course.generator.coding.question import CodingQuestion
from course.planning.config import Course
from course.planning.layout import Cell, code_cells, data_filename
from course.planning.plan import DrawnQuestion, draw_all, plan_assignment


@dataclass
class Original:
    """The original code cells, the drawn questions, the hidden cases of each coding question
    (by question id), whether PyTorch is needed, and the public data files (name -> bytes)."""

    cells: list[Cell]
    questions: list[DrawnQuestion]
    cases: dict[str, list[Case]] = field(default_factory=dict)
    torch: bool = False
    files: dict[str, bytes] = field(default_factory=dict)


def load_original(course: Course, assignment_id: str, student_id: str) -> Original:
    """The original of ``student_id``'s notebook of ``assignment_id`` (course language)."""
    drawn = draw_all(course, student_id, plan_assignment(course, assignment_id))
    cases = {q.id: q.hidden_cases(course.seed) for q in drawn if q.coding is not None}
    torch = any(q.coding.torch for q in drawn if q.coding is not None)
    return Original(code_cells(course.language, drawn), drawn, cases, torch,
                    data_files(course, assignment_id))


def data_files(course: Course, assignment_id: str) -> dict[str, bytes]:
    """The public data files of the assignment (``{file name: .npz bytes}``), regenerated from
    course.yml exactly as ``course build`` hands them out (never read from a folder a student
    could have touched)."""
    out: dict[str, bytes] = {}
    for q in plan_assignment(course, assignment_id):
        if q.kind == "coding":
            out.update(_coding_data(course.seed, assignment_id, course.catalogue.coding_question(q.ref)))
    return out


@cache
def _coding_data(seed: int, assignment_id: str, cq: CodingQuestion) -> dict[str, bytes]:
    data = cq.data(seed)
    if data is None:
        return {}
    buf = io.BytesIO()
    np.savez_compressed(buf, **data)
    return {data_filename(assignment_id, cq.id): buf.getvalue()}


def assignment_uses_torch(course: Course, assignment_id: str) -> bool:
    """Whether any coding question of the assignment needs PyTorch (decides the zygote)."""
    if assignment_id not in course.data.assignments:
        return False
    return any(course.catalogue.coding_question(q.ref).torch
               for q in plan_assignment(course, assignment_id) if q.kind == "coding")
