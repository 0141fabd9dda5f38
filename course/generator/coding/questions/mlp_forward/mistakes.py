"""The named mistakes of the MLP forward-pass question, each written into ``solution.py`` as
a student writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "mlp-no-bias", t(
        "les biais manquent : Z[l] = W[l] A[l-1] + b[l].",
        "the biases are missing: Z[l] = W[l] A[l-1] + b[l]."),
        (' @ A + np.asarray(params[f"b{l}"])', " @ A")),
    solution_mistake(HERE, "mlp-softmax-axis", t(
        "softmax est calculée le long de l'axe 1 (les lignes) ; les classes sont sur l'axe 0 : "
        "chaque colonne (un exemple) doit sommer à 1.",
        "softmax is computed along axis 1 (the rows); the classes are along axis 0: each "
        "column (one example) must sum to 1."),
        ("z.max(axis=0, keepdims=True)", "z.max(axis=1, keepdims=True)"),
        ("e.sum(axis=0, keepdims=True)", "e.sum(axis=1, keepdims=True)")),
    solution_mistake(HERE, "mlp-no-output-activation", t(
        "l'activation de la dernière couche n'est pas appliquée : A[L] = g[L](Z[L]) (sigmoïde, "
        "softmax...), pas Z[L].",
        "the activation of the last layer is not applied: A[L] = g[L](Z[L]) (sigmoid, "
        "softmax...), not Z[L]."),
        ("A_new = _activation(Z, name)", "A_new = _activation(Z, name) if l < len(activations) else Z")),
)
