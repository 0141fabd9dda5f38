"""The named mistakes of the perceptron question, each written into ``solution.py`` as a
student writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "perceptron-heaviside-zero", t(
        "f(0) doit valoir 1 : la convention du cours est f(Y) = 1 si Y ≥ 0 (et non Y > 0).",
        "f(0) must be 1: the course's convention is f(Y) = 1 if Y ≥ 0 (not Y > 0)."),
        ("fy = 1.0 if y >= 0 else 0.0", "fy = 1.0 if y > 0 else 0.0")),
    solution_mistake(HERE, "perceptron-table-after-update", t(
        "les lignes du tableau contiennent w et b après la mise à jour : chaque ligne note w et "
        "b avant la mise à jour de cette itération.",
        "the table's rows hold w and b after the update: each row records w and b before this "
        "iteration's update."),
        ("            table.append([*w, b, *x, target, y, fy])\n", ""),
        ("                w, b, changed = w + eta * err * x, b + eta * err, True\n",
         "                w, b, changed = w + eta * err * x, b + eta * err, True\n"
         "            table.append([*w, b, *x, target, y, fy])\n")),
    solution_mistake(HERE, "perceptron-bias-not-updated", t(
        "le biais n'est pas mis à jour : b ← b + η (d - f(Y)), comme les poids.",
        "the bias is not updated: b ← b + η (d - f(Y)), like the weights."),
        ("b + eta * err, True", "b, True")),
)
