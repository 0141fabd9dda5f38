"""The named mistakes of the metrics question, each written into ``solution.py`` as a student
writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "metrics-precision-recall-swapped", t(
        "précision et rappel sont échangés : les lignes sont les vraies classes, donc "
        "précision = TP / somme de la colonne (les prédits), rappel = TP / somme de la ligne.",
        "precision and recall are swapped: the rows are the true classes, so precision = "
        "TP / column sum (the predicted), recall = TP / row sum."),
        ("precision = _ratio(tp, cm.sum(axis=0))", "precision = _ratio(tp, cm.sum(axis=1))"),
        ("recall = _ratio(tp, cm.sum(axis=1))", "recall = _ratio(tp, cm.sum(axis=0))")),
    solution_mistake(HERE, "metrics-f1-of-means", t(
        "le F1 macro est la moyenne des F1 de chaque classe, pas le F1 de la précision moyenne "
        "et du rappel moyen.",
        "the macro F1 is the mean of the per-class F1 scores, not the F1 of the mean precision "
        "and the mean recall."),
        ('"macro_f1": float(f1.mean())',
         '"macro_f1": float(2 * precision.mean() * recall.mean() / (precision.mean() + recall.mean()))')),
)
