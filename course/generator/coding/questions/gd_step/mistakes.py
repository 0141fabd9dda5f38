"""The named mistakes of the gradient-descent question, each written into ``solution.py`` as
a student writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "gd-ascent", t(
        "vous avez ajouté le gradient : la descente de gradient va dans le sens opposé, "
        "W ← W - α dW.",
        "you added the gradient: gradient descent goes the opposite way, W ← W - α dW."),
        ("- lr * np.asarray", "+ lr * np.asarray")),
    solution_mistake(HERE, "gd-no-lr", t(
        "le taux d'apprentissage manque : W ← W - α dW, le gradient est multiplié par α.",
        "the learning rate is missing: W ← W - α dW, the gradient is multiplied by α."),
        ("- lr * np.asarray(grads", "- np.asarray(grads")),
    solution_mistake(HERE, "gd-weights-only", t(
        "seuls les poids W sont mis à jour : les biais b le sont aussi, b ← b - α db.",
        "only the weights W are updated: the biases b are too, b ← b - α db."),
        ('- lr * np.asarray(grads["d" + k], dtype=np.float64)',
         '- (lr * np.asarray(grads["d" + k], dtype=np.float64) if k.startswith("W") else 0.0)')),
)
