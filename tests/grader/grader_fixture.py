"""A small course and notebook builder following the grading contract, for the grader's tests.

The loader :func:`load` is what ``course.grader.original.load_original`` gives the grader: the
original cells (setup, answer, check) and the questions with their secrets (the regenerated
Variant of ``mlp-params``, the hidden cases of the ``activations`` coding question).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from course.generator.coding.registry import get_coding
from course.grader.original import Original
from course.planning.layout import Cell
from course.planning.plan import DrawnQuestion, PlannedQuestion, exercise_variant

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "hwt"
CORRECT_Q1 = ("w = [a * b for a, b in zip(layers, layers[1:])]\n"
              "q1 = {'total': sum(w) + sum(layers[1:]), 'weights': w, 'biases': list(layers[1:])}\n")
FORGOT_BIASES_Q1 = ("w = [a * b for a, b in zip(layers, layers[1:])]\n"
                    "q1 = {'total': sum(w), 'weights': w, 'biases': list(layers[1:])}\n")
CORRECT_Q2 = get_coding("activations").solution


def make_course(root: Path, students: list[str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "exercises").mkdir(exist_ok=True)
    shutil.copy(REPO / "exercises" / "mlp.yml", root / "exercises" / "mlp.yml")
    (root / "roster.csv").write_text("id\n" + "\n".join(students) + "\n")
    (root / "course.yml").write_text(
        "title: test\nlanguage: en\nseed: 7\nroster: roster.csv\nexercises: exercises\n"
        f"assignments:\n  {ASSIGNMENT}:\n    title: t\n    questions:\n"
        "      - {exercise: mlp-params, points: 3}\n      - {coding: activations, points: 4}\n")
    return root / "course.yml"


def original_cells(course, student: str) -> list[Cell]:
    v = exercise_variant(course, "mlp-params", student)
    return [
        Cell("setup", "code", "setup", f"import numpy as np\nlayers = {v.params['layers']!r}\n"),
        Cell("q1-statement", "code", "statement",
             "# Count the parameters of the MLP `layers`; q1 = {'total', 'weights', 'biases'}\n", "q1"),
        Cell("q1-answer", "code", "answer", "q1 = ...\n", "q1"),
        Cell("q1-check", "code", "check", "grader.check('q1')\n", "q1"),
        Cell("q2-answer", "code", "answer", get_coding("activations").stub, "q2"),
        Cell("q2-check", "code", "check", "grader.check('q2')\n", "q2"),
    ]


def questions(course, student: str) -> list[DrawnQuestion]:
    """q1: mlp-params (3 points), q2: the activations coding question (4 points)."""
    cq = get_coding("activations")
    q1 = PlannedQuestion(1, "computed", "mlp-params", "mlp-params", 3.0, {"fr": "MLP", "en": "MLP"},
                         "mlp-params")
    q2 = PlannedQuestion(2, "coding", cq.id, cq.id, 4.0, dict(cq.title))
    return [DrawnQuestion(q1, student, variant=exercise_variant(course, "mlp-params", student)),
            DrawnQuestion(q2, student, coding=cq)]


def load(course, assignment: str, student: str) -> Original:
    qs = questions(course, student)
    return Original(original_cells(course, student), qs, {"q2": qs[1].hidden_cases(course.seed)})


def notebook(course, student: str, q1: str | None = CORRECT_Q1, q2: str | None = CORRECT_Q2,
             assignment: str = ASSIGNMENT, extra: list[dict] | None = None,
             tamper: dict[str, str | None] | None = None) -> dict:
    """A submitted notebook: answers replaced, locked cells optionally tampered (None deletes)."""
    cells = []
    for c in original_cells(course, student):
        src = c.source
        if c.id == "q1-answer" and q1 is not None:
            src = q1
        if c.id == "q2-answer" and q2 is not None:
            src = q2
        if tamper and c.id in tamper:
            if tamper[c.id] is None:
                continue
            src = tamper[c.id]
        cells.append({"id": c.id, "cell_type": "code", "source": src, "execution_count": 1,
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": "q1 ok 3/3\n"}],
                      "metadata": {"course": {"role": c.role, "question": c.question}}})
    for e in extra or []:
        cells.append({"id": e["id"], "cell_type": "code", "source": e["source"], "outputs": [],
                      "execution_count": None, "metadata": {}})
    meta = {"course": {"assignment": assignment, "student": student, "version": 2,
                       "questions": [{"id": "q1", "kind": "computed", "ref": "mlp-params", "points": 3},
                                     {"id": "q2", "kind": "coding", "ref": "activations", "points": 4}]},
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": meta, "cells": cells}


def write(folder: Path, name: str, nb: dict | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(nb if isinstance(nb, bytes) else json.dumps(nb).encode())
    return p


def assert_free_uids_are_empty(uids: int = 32) -> None:
    """No process is left under any sandbox uid that no live grader holds (another test may be
    grading right now, under a uid it claimed); nothing to check without the uid drop."""
    import fcntl
    import os

    from course.grader import slot as slot_mod
    from course.grader.protections import protections

    if not protections().uid_drop:
        return
    for k in range(uids):
        uid = slot_mod.DEFAULT_UID_BASE + k
        path = os.path.join(slot_mod.lock_dir(), f"uid-{uid}.lock")
        if not os.path.exists(path):
            assert slot_mod.uid_processes(uid) == [], uid
            continue
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # held by a grader that is running now
        else:
            assert slot_mod.uid_processes(uid) == [], uid
        finally:
            os.close(fd)
