"""The named mistakes of the Adam question, each written into ``solution.py`` as a student
writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "adam-no-bias-correction", t(
        "la correction du biais manque : m et v partent de 0, il faut les diviser par "
        "1 - β₁ᵗ et 1 - β₂ᵗ (m̂ et v̂) avant la mise à jour.",
        "the bias correction is missing: m and v start at 0, they must be divided by "
        "1 - β₁ᵗ and 1 - β₂ᵗ (m̂ and v̂) before the update."),
        ("m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)", "m_hat, v_hat = m, v")),
    solution_mistake(HERE, "adam-eps-inside-sqrt", t(
        "ε est sous la racine : la mise à jour divise par √v̂ + ε, pas par √(v̂ + ε) (la "
        "différence se voit pour de petits gradients).",
        "ε is inside the square root: the update divides by √v̂ + ε, not by √(v̂ + ε) (the "
        "difference shows for small gradients)."),
        ("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)")),
    solution_mistake(HERE, "adam-no-sqrt", t(
        "la racine carrée manque : la mise à jour divise m̂ par √v̂ + ε (v̂ est une moyenne de "
        "carrés).",
        "the square root is missing: the update divides m̂ by √v̂ + ε (v̂ is a mean of "
        "squares)."),
        ("(np.sqrt(v_hat) + eps)", "(v_hat + eps)")),
)
