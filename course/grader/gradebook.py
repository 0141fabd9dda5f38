"""The gradebook of one assignment: one row per roster student, built from the records, the
late policy and the instructor's overrides, never written by hand and never trusted from a file.

A row's ``status``: ``graded`` (on time), ``late`` (graded, handed in late), ``missing`` (no
file of this student was handed in), or the status of the student's only files when none could
be graded (``not-json``, ``superseded``...). Files nobody owns are kept apart
(:attr:`Gradebook.unowned`). Every output (grades.csv, feedback, report.html, the LMS exports)
reads this one structure.

Points: each question's computed points, then its overrides (before the late penalty); the
raw total; the late penalty (``fraction`` of the raw total); then the ``total`` overrides; the
final total is clamped to [0, maximum].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .intake import TIME_CANVAS_LATE
from .late import Lateness, lateness
from .overrides import Override
from .records import Record


@dataclass
class Row:
    """One student's line of the gradebook."""

    student: str
    status: str
    record: Record | None = None
    questions: dict[str, float] = field(default_factory=dict)
    raw_total: float = 0.0
    penalty: float = 0.0
    total: float = 0.0
    max_points: float = 0.0
    lateness: Lateness | None = None
    overrides: list[Override] = field(default_factory=list)
    #: every file of this student, graded or not (the graded one first)
    files: list[Record] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return round(100.0 * self.total / self.max_points, 2) if self.max_points else 0.0


@dataclass
class Gradebook:
    """The rows in roster order, the question ids and points, and the files nobody owns."""

    assignment: str
    questions: list[str]
    max_points: float
    rows: list[Row]
    unowned: list[Record]
    #: the assignment's due date (its time zone is the one times are shown in)
    due: datetime | None = None

    def row(self, student: str) -> Row:
        return next(r for r in self.rows if r.student == student)

    @property
    def missing(self) -> list[str]:
        return [r.student for r in self.rows if r.status == "missing"]


def _r(x: float) -> float:
    return round(float(x) + 0.0, 4)


def build_gradebook(assignment_id: str, assignment: Any, roster: list[str],
                    question_points: dict[str, float], records: list[Record],
                    overrides: list[Override]) -> Gradebook:
    """The gradebook of ``assignment_id`` (``assignment``: course.yml's entry, for the due
    date and late policy; ``question_points``: ``{qid: points}`` in order)."""
    qids = list(question_points)
    maximum = _r(sum(question_points.values()))
    by_student: dict[str, list[Record]] = {}
    unowned = []
    for rec in records:
        if rec.student in roster and rec.assignment in (assignment_id, None):
            by_student.setdefault(rec.student, []).append(rec)
        else:
            unowned.append(rec)
    rows = []
    for sid in roster:
        files = by_student.get(sid, [])
        graded = [r for r in files if r.status == "graded"]
        mine = [o for o in overrides if o.student == sid]
        if graded:
            rec = graded[0]
            points = {q.id: q.points for q in rec.questions}
            late = lateness(assignment, sid, rec.submitted_at, rec.time_source,
                            marked_late=rec.time_source == TIME_CANVAS_LATE)
            status = "late" if late.late else "graded"
        else:
            rec, points, late = None, {}, None
            status = "missing" if not files else files[0].status
        for o in mine:
            if o.question != "total":
                points[o.question] = o.apply(points.get(o.question, 0.0))
        raw = _r(sum(points.get(q, 0.0) for q in qids))
        penalty = _r(raw * late.fraction) if late is not None else 0.0
        total = raw - penalty
        for o in mine:
            if o.question == "total":
                total = o.apply(total)
        total = _r(min(max(total, 0.0), maximum))
        ordered = ([rec] if rec is not None else []) + [r for r in files if r is not rec]
        rows.append(Row(sid, status, rec, {q: _r(points.get(q, 0.0)) for q in qids}, raw, penalty,
                        total, maximum, late, mine, ordered))
    return Gradebook(assignment_id, qids, maximum, rows, unowned, assignment.due)
