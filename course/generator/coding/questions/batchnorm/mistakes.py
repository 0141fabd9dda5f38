"""The named mistakes of the batch-normalisation question, each written into ``solution.py``
as a student writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "bn-unbiased-variance", t(
        "vous avez pris la variance non biaisée (divisée par N - 1, ddof=1) ; la normalisation "
        "par lots utilise la variance du lot divisée par N (np.var par défaut).",
        "you took the unbiased variance (divided by N - 1, ddof=1); batch normalisation uses "
        "the batch variance divided by N (np.var's default)."),
        ("var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)")),
    solution_mistake(HERE, "bn-eps-outside-sqrt", t(
        "ε est hors de la racine : x̂ = (x - μ) / √(σ² + ε), pas (x - μ) / (σ + ε).",
        "ε is outside the square root: x̂ = (x - μ) / √(σ² + ε), not (x - μ) / (σ + ε)."),
        ("np.sqrt(var + eps)", "(np.sqrt(var) + eps)")),
    solution_mistake(HERE, "bn-no-affine", t(
        "vous avez renvoyé x̂ : la couche applique ensuite γ x̂ + β.",
        "you returned x̂: the layer then applies γ x̂ + β."),
        ("return np.asarray(gamma) * x_hat + np.asarray(beta), ", "return x_hat, ")),
)
