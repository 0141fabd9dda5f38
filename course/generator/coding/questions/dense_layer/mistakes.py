"""The named mistakes of the dense-layer question, each written into ``solution.py`` as a
student writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "dense-no-bias", t(
        "le biais manque dans la propagation avant : Z = W A + b.",
        "the bias is missing in the forward pass: Z = W A + b."),
        ("return W @ a_prev + b, (a_prev, W, b)", "return W @ a_prev, (a_prev, W, b)")),
    solution_mistake(HERE, "dense-dW-transposed", t(
        "dW est transposé : dW = dZ A^T a la forme de W, (n, n_prev) ; A dZ^T donne sa "
        "transposée.",
        "dW is transposed: dW = dZ A^T has the shape of W, (n, n_prev); A dZ^T gives its "
        "transpose."),
        ("dZ @ a_prev.T,", "a_prev @ dZ.T,")),
    solution_mistake(HERE, "dense-db-no-keepdims", t(
        "db a perdu sa forme de colonne : dZ.sum(axis=1) donne (n,) ; db doit avoir la forme "
        "de b, (n, 1) (keepdims=True).",
        "db lost its column shape: dZ.sum(axis=1) gives (n,); db must have the shape of b, "
        "(n, 1) (keepdims=True)."),
        ("dZ.sum(axis=1, keepdims=True)", "dZ.sum(axis=1)")),
)
