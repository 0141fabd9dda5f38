"""Rebuild the original notebook of (assignment, student) and its secrets, on the trusted side.

Nothing here comes from the submission: the cells come from
``course.documents.notebooks.build_notebook(course, assignment_id, student_id, solutions=False)`` and
the questions from course.yml; computed questions regenerate their Variant through the one
door (``make_rng(course seed, student, exercise id)``), coding questions their hidden cases
(``coding_rng``). Called only in grading workers, after their sandbox zygote has started.
"""

from __future__ import annotations

from typing import Any

from .grading import Original, Question


def _cells(nb: Any) -> list[dict[str, Any]]:
    out = []
    for c in nb["cells"]:
        md = (c.get("metadata") or {}).get("course") or {}
        src = c.get("source", "")
        if isinstance(src, list):
            src = "".join(src)
        role = md.get("role", "statement")
        if c.get("cell_type") != "code" and role in ("setup", "answer"):
            role = "statement"
        out.append({"id": c.get("id"), "role": role, "question": md.get("question"),
                    "source": src if c.get("cell_type") == "code" else "",
                    "cell_type": c.get("cell_type")})
    return out


def variant_for(course: Any, exercise_id: str, student_id: str) -> Any:
    """The student's Variant of an exercise (the builder's own helper when it provides one)."""
    try:
        from course.documents import notebooks

        fn = getattr(notebooks, "question_variant", None)
    except ImportError:
        fn = None
    if fn is not None:
        return fn(course, exercise_id, student_id)
    from course.base.rng import make_rng
    from course.generator.registry import get_family

    ex = course.exercises[exercise_id]
    fam = get_family(ex.family)
    return fam.generate(make_rng(course.seed, student_id, exercise_id), ex.params,
                        seed={"course_seed": course.seed, "student": student_id, "exercise": exercise_id})


def exercise_title(course: Any, exercise_id: str) -> dict[str, str]:
    """The exercise's title from exercises/ (else its family's one-line title), fr and en."""
    from course.generator.registry import get_family

    ex = course.exercises[exercise_id]
    fam = get_family(ex.family).title
    given = ex.title or {}
    return {lang: given.get(lang) or fam[lang] for lang in ("fr", "en")}


def load_original(course: Any, assignment_id: str, student_id: str) -> Original:
    """The original notebook (cells to run, locked-cell sources) and its questions with secrets."""
    from course.documents.notebooks import build_notebook

    nb = build_notebook(course, assignment_id, student_id, solutions=False)
    cells = [c for c in _cells(nb) if c["cell_type"] == "code"]
    meta = nb["metadata"]["course"]
    questions: list[Question] = []
    torch = False
    for q in meta["questions"]:
        title = {"fr": q["id"], "en": q["id"]}
        if q["kind"] == "computed":
            title = exercise_title(course, q["ref"])
            questions.append(Question(q["id"], "computed", float(q["points"]), title,
                                      variant=variant_for(course, q["ref"], student_id)))
        else:
            from course.generator.coding import CODING, coding_rng

            cq = CODING[q["ref"]]
            torch = torch or cq.torch
            cases = cq.hidden_cases(coding_rng(course.seed, student_id, cq.id))
            questions.append(Question(q["id"], "coding", float(q["points"]), cq.title,
                                      coding=cq, cases=cases))
    return Original(cells, questions, torch=torch, files=data_files(course, assignment_id))


def data_files(course: Any, assignment_id: str) -> dict[str, bytes]:
    """The public data files of the assignment (``{file name: .npz bytes}``), regenerated from
    course.yml exactly as ``course build`` hands them out next to the notebook (never read from
    a folder a student could have touched)."""
    from course.documents.notebooks import data_filename

    out: dict[str, bytes] = {}
    for item in course.data.assignments[assignment_id].questions:
        if item.coding:
            out.update(_coding_data(course.seed, assignment_id, item.coding, data_filename))
    return out


_DATA_CACHE: dict[tuple[int, str, str], dict[str, bytes]] = {}


def _coding_data(seed: int, assignment_id: str, coding_id: str, name: Any) -> dict[str, bytes]:
    key = (seed, assignment_id, coding_id)
    if key not in _DATA_CACHE:
        import io

        import numpy as np

        from course.generator.coding import CODING

        cq = CODING[coding_id]
        data = cq.data(seed)
        files: dict[str, bytes] = {}
        if data is not None:
            buf = io.BytesIO()
            np.savez_compressed(buf, **data)
            files[name(assignment_id, coding_id)] = buf.getvalue()
        _DATA_CACHE[key] = files
    return _DATA_CACHE[key]


def assignment_uses_torch(course: Any, assignment_id: str) -> bool:
    """Whether any coding question of the assignment needs PyTorch (decides the zygote)."""
    a = course.data.assignments.get(assignment_id)
    if a is None:
        return False
    ids = [item.coding for item in a.questions if item.coding]
    if not ids:
        return False
    from course.generator.coding import CODING

    return any(CODING[i].torch for i in ids if i in CODING)
