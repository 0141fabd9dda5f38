"""The named mistakes of the activations question, each written into ``solution.py`` as a
student writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "softmax-no-shift", t(
        "softmax sans soustraire le maximum de chaque colonne : pour de grandes valeurs, les "
        "exponentielles ou leur somme débordent. softmax(z) = softmax(z - max z) : soustrayez "
        "le maximum de la colonne avant np.exp.",
        "softmax without subtracting each column's maximum: for large values the exponentials "
        "or their sum overflow. softmax(z) = softmax(z - max z): subtract the column's maximum "
        "before np.exp."),
        ("e = np.exp(z - z.max(axis=0, keepdims=True))", "e = np.exp(z)")),
    solution_mistake(HERE, "softmax-axis", t(
        "softmax est calculée le long de l'axe 1 (les lignes) ; dans la notation C x m du cours, "
        "les classes sont sur l'axe 0 : chaque colonne (un exemple) doit sommer à 1.",
        "softmax is computed along axis 1 (the rows); in the course's C x m notation the "
        "classes are along axis 0: each column (one example) must sum to 1."),
        ("z.max(axis=0, keepdims=True)", "z.max(axis=1, keepdims=True)"),
        ("e.sum(axis=0, keepdims=True)", "e.sum(axis=1, keepdims=True)")),
    solution_mistake(HERE, "relu-max-axis", t(
        "np.max(z, 0) renvoie le maximum de chaque colonne (0 y est l'axe) ; ReLU est le maximum "
        "élément par élément de z et de 0 : np.maximum(z, 0).",
        "np.max(z, 0) returns the maximum of each column (0 is the axis there); ReLU is the "
        "element-wise maximum of z and 0: np.maximum(z, 0)."),
        ("np.maximum(np.asarray(z, dtype=np.float64), 0.0)", "np.max(np.asarray(z, dtype=np.float64), 0)")),
    solution_mistake(HERE, "sigmoid-sign", t(
        "le signe de l'exposant est inversé : σ(z) = 1 / (1 + exp(-z)) ; vous avez calculé "
        "1 / (1 + exp(z)) = σ(-z) = 1 - σ(z).",
        "the sign of the exponent is flipped: σ(z) = 1 / (1 + exp(-z)); you computed "
        "1 / (1 + exp(z)) = σ(-z) = 1 - σ(z)."),
        ("return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))", "return 1.0 / (1.0 + np.exp(z))")),
)
