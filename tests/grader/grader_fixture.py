"""A small course and notebook builder following the grading contract, for the grader's tests.

The loader :func:`load` is what ``course.documents.notebooks.build_notebook`` + questions give the grader:
the original cells (setup, statement, answer) and the questions with their secrets (the
regenerated Variant of ``mlp-params``, the hidden cases of the ``activations`` coding question).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from course.documents.notebooks import cell_checksum
from course.generator.coding import CODING, coding_rng
from course.grader.assignment import variant_for
from course.grader.grading import Original, Question

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENT = "hwt"
CORRECT_Q1 = ("w = [a * b for a, b in zip(layers, layers[1:])]\n"
              "q1 = {'total': sum(w) + sum(layers[1:]), 'weights': w, 'biases': list(layers[1:])}\n")
FORGOT_BIASES_Q1 = ("w = [a * b for a, b in zip(layers, layers[1:])]\n"
                    "q1 = {'total': sum(w), 'weights': w, 'biases': list(layers[1:])}\n")
CORRECT_Q2 = CODING["activations"].solution


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


def original_cells(course, student: str) -> list[dict]:
    v = variant_for(course, "mlp-params", student)
    return [
        {"id": "setup", "role": "setup", "question": None, "cell_type": "code",
         "source": f"import numpy as np\nlayers = {v.params['layers']!r}\n"},
        {"id": "q1-statement", "role": "statement", "question": "q1", "cell_type": "code",
         "source": "# Count the parameters of the MLP `layers`; q1 = {'total', 'weights', 'biases'}\n"},
        {"id": "q1-answer", "role": "answer", "question": "q1", "cell_type": "code", "source": "q1 = ...\n"},
        {"id": "q1-check", "role": "check", "question": "q1", "cell_type": "code",
         "source": "grader.check('q1')\n"},
        {"id": "q2-answer", "role": "answer", "question": "q2", "cell_type": "code",
         "source": CODING["activations"].stub},
        {"id": "q2-check", "role": "check", "question": "q2", "cell_type": "code",
         "source": "grader.check('q2')\n"},
    ]


def load(course, assignment: str, student: str) -> Original:
    cq = CODING["activations"]
    qs = [Question("q1", "computed", 3.0, {"fr": "MLP", "en": "MLP"},
                   variant=variant_for(course, "mlp-params", student)),
          Question("q2", "coding", 4.0, cq.title, coding=cq,
                   cases=cq.hidden_cases(coding_rng(course.seed, student, cq.id)))]
    return Original(original_cells(course, student), qs)


def notebook(course, student: str, q1: str | None = CORRECT_Q1, q2: str | None = CORRECT_Q2,
             assignment: str = ASSIGNMENT, extra: list[dict] | None = None,
             tamper: dict[str, str | None] | None = None) -> dict:
    """A submitted notebook: answers replaced, locked cells optionally tampered (None deletes)."""
    cells = []
    for c in original_cells(course, student):
        src = c["source"]
        if c["id"] == "q1-answer" and q1 is not None:
            src = q1
        if c["id"] == "q2-answer" and q2 is not None:
            src = q2
        if tamper and c["id"] in tamper:
            if tamper[c["id"]] is None:
                continue
            src = tamper[c["id"]]
        cells.append({"id": c["id"], "cell_type": "code", "source": src, "execution_count": 1,
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": "q1 ok 3/3\n"}],
                      "metadata": {"course": {"role": c["role"], "question": c["question"]}}})
    for e in extra or []:
        cells.append({"id": e["id"], "cell_type": "code", "source": e["source"], "outputs": [],
                      "execution_count": None, "metadata": {}})
    locked = {c["id"]: cell_checksum(c["source"]) for c in original_cells(course, student)
              if c["role"] != "answer"}
    meta = {"course": {"assignment": assignment, "student": student, "version": 1,
                       "questions": [{"id": "q1", "kind": "computed", "ref": "mlp-params", "points": 3},
                                     {"id": "q2", "kind": "coding", "ref": "activations", "points": 4}],
                       "locked": locked},
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": meta, "cells": cells}


def write(folder: Path, name: str, nb: dict | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(nb if isinstance(nb, bytes) else json.dumps(nb).encode())
    return p
