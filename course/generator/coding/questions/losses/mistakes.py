"""The named mistakes of the losses question, each written into ``solution.py`` as a student
writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "ce-no-mean", t(
        "la moyenne manque : l'entropie croisée est la moyenne sur les m exemples (divisée par "
        "m), et son gradient aussi est divisé par m.",
        "the mean is missing: the cross-entropy is the mean over the m examples (divided by "
        "m), and its gradient is divided by m too."),
        ("np.log(1 - y_hat)) / m", "np.log(1 - y_hat))"),
        ("(1 - y) / (1 - y_hat)) / m", "(1 - y) / (1 - y_hat))"),
        ("np.log(y_hat)) / m), -y / y_hat / m", "np.log(y_hat))), -y / y_hat")),
    solution_mistake(HERE, "bce-one-term", t(
        "le terme de la classe 0 manque : la BCE somme y ln ŷ + (1 - y) ln(1 - ŷ), et son "
        "gradient est (-y / ŷ + (1 - y) / (1 - ŷ)) / m.",
        "the term of class 0 is missing: the BCE sums y ln ŷ + (1 - y) ln(1 - ŷ), and its "
        "gradient is (-y / ŷ + (1 - y) / (1 - ŷ)) / m."),
        ("loss = -np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)) / m",
         "loss = -np.sum(y * np.log(y_hat)) / m"),
        ("(-y / y_hat + (1 - y) / (1 - y_hat)) / m", "(-y / y_hat) / m")),
    solution_mistake(HERE, "cce-mean-all", t(
        "vous avez pris la moyenne sur toutes les cases de la matrice C x m (np.mean) : la "
        "CCE somme sur les classes et fait la moyenne sur les m exemples seulement.",
        "you took the mean over every entry of the C x m matrix (np.mean): the CCE sums over "
        "the classes and averages over the m examples only."),
        ("return float(-np.sum(y * np.log(y_hat)) / m), -y / y_hat / m",
         "return float(-np.mean(y * np.log(y_hat))), -y / y_hat / y.size")),
)
