"""``course validate``: everything ``course exam`` and ``course build`` would find wrong, found
first, each problem in one line naming the file, the key path and the problem.

:func:`check_course` runs after :func:`~course.planning.config.load_course` (which checks the
files' schema, the roster, that families and coding questions exist and that constraints are
well-formed): it plans every exam and assignment and tries every exercise's constraints with
its family (:meth:`~course.generator.base.Family.check_constraints`: each listed choice,
several draws, no ignored constraint). It returns the warnings (a public seed, a title of an
exercise, of the course, of an assignment or of an exam given in one language only).
"""

from __future__ import annotations

from course.base.errors import CourseError, line_of
from course.base.i18n import LANGS, Text, text

from .config import Course, CourseConfigError
from .plan import PlannedQuestion, plan_assignment, plan_exam


def check_planned(course: Course, planned: list[PlannedQuestion]) -> None:
    """Try the constraints of every exercise ``planned`` asks (``course exam`` and ``course
    build`` call it before writing anything)."""
    for q in planned:
        if q.kind == "computed" and q.family is not None:
            try:
                course.catalogue.family(q.family).check_constraints(q.constraints)
            except CourseError as exc:
                raise CourseConfigError(text(f"{course.places.get(q.ref, q.ref)}.params : {line_of(exc, 'fr')}", f"{course.places.get(q.ref, q.ref)}.params: {exc}")) from None


def check_course(course: Course) -> list[Text]:
    """Raise a :class:`CourseConfigError` for the first problem; return the warnings (each in
    both languages)."""
    cat = course.catalogue
    used = {item.exercise for group in [*course.data.assignments.values(), *course.data.exams.values()]
            for item in group.questions if item.exercise}
    for ex in course.exercises.values():
        if ex.id not in used and not ex.params:
            continue
        try:
            cat.family(ex.family).check_constraints(ex.params)
        except CourseError as exc:
            raise CourseConfigError(text(f"{course.places.get(ex.id, ex.id)}.params : {line_of(exc, 'fr')}", f"{course.places.get(ex.id, ex.id)}.params: {exc}")) from None
    for name in course.data.exams:
        plan_exam(course, name)
    for aid in course.data.assignments:
        plan_assignment(course, aid)
    warnings = course.warnings()
    titles = [("title", course.data.title)]
    titles += [(f"assignments.{k}.title", a.title) for k, a in course.data.assignments.items()]
    titles += [(f"exams.{k}.title", e.title) for k, e in course.data.exams.items()]
    for where, title in titles:
        if isinstance(title, dict) and set(title) != set(LANGS):
            given = ", ".join(sorted(title))
            warnings.append(text(f"{course.path.name} : {where} : donné en {given} seulement ; "
                                 "l'autre langue le reprend",
                                 f"{course.path.name}: {where}: given in {given} only; the other "
                                 "language uses it too"))
    for ex in course.exercises.values():
        if ex.title and set(ex.title) != set(LANGS):
            given = ", ".join(sorted(ex.title))
            where = course.places.get(ex.id, ex.id)
            warnings.append(text(f"{where}.title : donné en {given} seulement ; l'autre langue le "
                                 "reprend",
                                 f"{where}.title: given in {given} only; the other language "
                                 "uses it too"))
    return warnings
