"""The one planner: which questions an exam or an assignment asks, and each student's draw.

:func:`plan_exam` and :func:`plan_assignment` turn course.yml into :class:`PlannedQuestion` s
(the same type for exams and notebooks): question ``i`` is an exercise (a family with the
course's constraints) or a coding question, with its points and title. The *seed key* of an
exercise question is the exercise id; when the same exercise comes again in one exam or
assignment, its k-th occurrence (k >= 2) uses ``<id>#<k>``, so that the two questions get
different variants. :func:`draw` gives one student's :class:`DrawnQuestion` through the one
door (DESIGN.md rule 2: ``make_rng(course seed, student, seed key)``), so every consumer (exam
sheets, notebooks, the grader) sees the same variant for the same student.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from course.base.errors import CourseError, UsageError, line_of
from course.base.i18n import LANGS, Text, text
from course.base.rng import make_rng
from course.generator.base import Variant
from course.generator.coding.engine import Case, coding_rng
from course.generator.coding.question import CodingQuestion

from .config import Course


@dataclass(frozen=True)
class PlannedQuestion:
    """Question ``number`` (``id`` ``q<number>``) of an exam or an assignment.

    ``kind``: "computed" (an exercise: ``ref`` is the exercise id, ``family`` and
    ``constraints`` its family and the course's constraints) or "coding" (``ref`` is the coding
    question id). ``key``: the seed key of the draw (see the module docstring)."""

    number: int
    kind: str
    ref: str
    key: str
    points: float
    title: Text
    family: str | None = None
    constraints: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"q{self.number}"

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "id": self.id, "kind": self.kind, "ref": self.ref,
                "key": self.key, "points": self.points, "title": dict(self.title),
                "family": self.family, "constraints": self.constraints}


@dataclass
class DrawnQuestion:
    """One student's instance of a planned question: the variant of a computed question, or the
    coding question itself (its hidden cases come from :meth:`hidden_cases`)."""

    planned: PlannedQuestion
    student: str
    variant: Variant | None = None
    coding: CodingQuestion | None = None

    @property
    def id(self) -> str:
        return self.planned.id

    @property
    def kind(self) -> str:
        return self.planned.kind

    @property
    def points(self) -> float:
        return self.planned.points

    @property
    def title(self) -> Text:
        return self.planned.title

    def hidden_cases(self, course_seed: int) -> list[Case]:
        """The hidden cases of this student (coding questions only; trusted side)."""
        assert self.coding is not None
        return self.coding.hidden_cases(coding_rng(course_seed, self.student, self.coding.id))


def exercise_title(course: Course, exercise_id: str) -> Text:
    """An exercise's title per language: the course's (exercises/*.yml), in the language asked
    or else the one given, otherwise its family's one-line title."""
    ex = course.exercises[exercise_id]
    fam = course.catalogue.family(ex.family).title
    given = {k: v for k, v in (ex.title or {}).items() if v}
    return {lang: given.get(lang) or next(iter(given.values()), None) or fam[lang] for lang in LANGS}


def _plan(course: Course, items: list[Any], where: str) -> list[PlannedQuestion]:
    seen: dict[str, int] = {}
    out: list[PlannedQuestion] = []
    for i, item in enumerate(items, start=1):
        if item.exercise is not None:
            if item.exercise not in course.exercises:
                raise CourseError(text(f"{where}.questions[{i - 1}].exercise : exercice {item.exercise!r} inconnu", f"{where}.questions[{i - 1}].exercise: unknown exercise "
                                  f"{item.exercise!r}"), path=str(course.path))
            ex = course.exercises[item.exercise]
            try:
                course.catalogue.family(ex.family)
            except UsageError as exc:
                raise CourseError(text(f"{where}.questions[{i - 1}] : exercice {ex.id!r} : {line_of(exc, 'fr')}", f"{where}.questions[{i - 1}]: exercise {ex.id!r}: {exc}"),
                                  path=str(course.path)) from None
            seen[ex.id] = seen.get(ex.id, 0) + 1
            key = ex.id if seen[ex.id] == 1 else f"{ex.id}#{seen[ex.id]}"
            out.append(PlannedQuestion(i, "computed", ex.id, key, float(item.points),
                                       exercise_title(course, ex.id), ex.family, dict(ex.params)))
        else:
            try:
                cq = course.catalogue.coding_question(item.coding)
            except UsageError as exc:
                raise CourseError(text(f"{where}.questions[{i - 1}].coding : {line_of(exc, 'fr')}", f"{where}.questions[{i - 1}].coding: {exc}"), path=str(course.path)) from None
            out.append(PlannedQuestion(i, "coding", cq.id, cq.id, float(item.points), dict(cq.title)))
    return out


def plan_exam(course: Course, name: str) -> list[PlannedQuestion]:
    """The questions of exam ``name`` (every one an exercise)."""
    exams = course.data.exams
    if name not in exams:
        known = ", ".join(exams) or "none"
        raise UsageError(text(f"examen {name!r} inconnu (examens de {course.path.name} : {known})", f"unknown exam {name!r} (exams in {course.path.name}: {known})"))
    return _plan(course, exams[name].questions, f"exams.{name}")


def plan_assignment(course: Course, assignment_id: str) -> list[PlannedQuestion]:
    """The questions of assignment ``assignment_id``; an error names an exercise whose family
    cannot be a notebook question (its answer is not a value to type)."""
    a = course.data.assignments.get(assignment_id)
    if a is None:
        known = ", ".join(course.data.assignments) or "none"
        raise UsageError(text(f"devoir « {assignment_id} » inconnu (course.yml définit : {known})", f"unknown assignment '{assignment_id}' (course.yml defines: {known})"))
    planned = _plan(course, a.questions, f"assignments.{assignment_id}")
    for q in planned:
        if q.kind == "computed" and q.family is not None and not course.catalogue.family(q.family).notebook:
            raise CourseError(
                text(f"assignments.{assignment_id}.questions[{q.number - 1}] : l'exercice « {q.ref} » (famille « {q.family} ») ne peut pas être une question de notebook (sa réponse n'est pas une valeur à taper) ; utilisez-le plutôt dans un examen", f"assignments.{assignment_id}.questions[{q.number - 1}]: exercise '{q.ref}' "
                f"(family '{q.family}') cannot be asked as a notebook question "
                "(its answer is not a value to type); use it in an exam instead"), path=str(course.path))
    return planned


def draw_variant(course: Course, student: str, q: PlannedQuestion) -> Variant:
    """The variant of computed question ``q`` for ``student`` (the one door)."""
    assert q.family is not None
    seed = course.seed
    try:
        return course.catalogue.family(q.family).generate(
            make_rng(seed, student, q.key), q.constraints,
            seed={"course_seed": seed, "student": student, "exercise": q.key})
    except CourseError as exc:
        raise CourseError(text(f"question {q.number} (exercice {q.ref!r}, famille {q.family!r}) : {line_of(exc, 'fr')}", f"question {q.number} (exercise {q.ref!r}, family {q.family!r}): {exc}")) from None


def draw(course: Course, student: str, q: PlannedQuestion) -> DrawnQuestion:
    """Student ``student``'s instance of ``q``."""
    if q.kind == "computed":
        return DrawnQuestion(q, student, variant=draw_variant(course, student, q))
    return DrawnQuestion(q, student, coding=course.catalogue.coding_question(q.ref))


def draw_all(course: Course, student: str, planned: list[PlannedQuestion]) -> list[DrawnQuestion]:
    """:func:`draw` for every planned question."""
    return [draw(course, student, q) for q in planned]


def exercise_variant(course: Course, exercise_id: str, student: str) -> Variant:
    """The variant of ``exercise_id`` (first occurrence: seed key = the exercise id) that
    ``student`` gets in any exam or assignment of ``course``."""
    if exercise_id not in course.exercises:
        raise UsageError(text(f"exercice « {exercise_id} » inconnu", f"unknown exercise '{exercise_id}'"))
    ex = course.exercises[exercise_id]
    q = PlannedQuestion(1, "computed", ex.id, ex.id, 1.0, exercise_title(course, ex.id), ex.family,
                        dict(ex.params))
    return draw_variant(course, student, q)
