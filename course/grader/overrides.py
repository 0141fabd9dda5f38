"""The instructor's adjustments: ``PATH/overrides.csv`` beside the submissions, applied on top
of the computed grades at every run and never written by the grader.

    student,question,points,delta,reason
    alice,q2,3,,"the plot was right: regraded by hand"
    bob,total,,+1,"participation"

``question`` is a question id (``q1``...) or ``total``; give ``points`` (the new points) or
``delta`` (points added, negative to take some), not both; ``reason`` is shown to the student in
their feedback. Question overrides apply before the late penalty, ``total`` ones after it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from course.base.errors import CourseError
from course.base.i18n import text

OVERRIDES_NAME = "overrides.csv"
COLUMNS = ("student", "question", "points", "delta", "reason")


@dataclass(frozen=True)
class Override:
    """One adjustment: ``points`` (new value) or ``delta`` (added), of a question or ``total``."""

    student: str
    question: str
    points: float | None
    delta: float | None
    reason: str
    line: int

    def apply(self, value: float) -> float:
        return self.points if self.points is not None else value + (self.delta or 0.0)

    def describe(self) -> str:
        what = f"= {self.points:g}" if self.points is not None else f"{(self.delta or 0):+g}"
        return f"{self.question} {what}"


def _number(cell: str, path: Path, line: int, column: str) -> float | None:
    t = cell.strip().replace(",", ".") if cell else ""
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        raise CourseError(text(f"ligne {line} : {column} : pas un nombre : {cell!r}", f"line {line}: {column}: not a number: {cell!r}"), path=str(path)) from None


def read_overrides(path: Path, roster: list[str], questions: list[str]) -> list[Override]:
    """The overrides in ``path`` (none when the file does not exist); a malformed line is one
    :class:`CourseError` naming the file and the line."""
    if not path.exists():
        return []
    try:
        content = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(text(f"illisible ({type(exc).__name__})", f"cannot read ({type(exc).__name__})"), path=str(path)) from None
    rows = list(csv.reader(content.splitlines()))
    if not rows:
        return []
    header = [c.strip().lower() for c in rows[0]]
    missing = [c for c in ("student", "question", "reason") if c not in header]
    if missing or not ({"points", "delta"} & set(header)):
        raise CourseError(text(f"ligne 1 : l'en-tête doit nommer les colonnes {', '.join(COLUMNS)} (trouvé : {', '.join(header)})", f"line 1: the header must name the columns {', '.join(COLUMNS)} "
                          f"(found: {', '.join(header)})"), path=str(path))
    col = {c: header.index(c) for c in COLUMNS if c in header}
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cell = {c: (row[i].strip() if i < len(row) else "") for c, i in col.items()}
        student, question = cell["student"], cell["question"]
        if student not in roster:
            raise CourseError(text(f"ligne {n} : l'élève {student!r} n'est pas sur la liste de la classe", f"line {n}: student {student!r} is not on the roster"), path=str(path))
        if question != "total" and question not in questions:
            raise CourseError(text(f"ligne {n} : la question {question!r} n'est pas l'une de {', '.join([*questions, 'total'])}", f"line {n}: question {question!r} is not one of "
                              f"{', '.join([*questions, 'total'])}"), path=str(path))
        points = _number(cell.get("points", ""), path, n, "points")
        delta = _number(cell.get("delta", ""), path, n, "delta")
        if (points is None) == (delta is None):
            raise CourseError(text(f"ligne {n} : donnez soit points, soit delta", f"line {n}: give either points or delta"), path=str(path))
        if not cell["reason"]:
            raise CourseError(text(f"ligne {n} : donnez une raison (l'élève la lit)", f"line {n}: give a reason (the student reads it)"), path=str(path))
        out.append(Override(student, question, points, delta, cell["reason"], n))
    return out
