"""The named mistakes of the LSTM-cell question, each written into ``solution.py`` as a
student writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "lstm-gate-order", t(
        "les portes ne sont pas dans l'ordre i, f, g, o (celui de PyTorch et de Keras) : vous "
        "avez découpé a dans l'ordre i, f, o, g.",
        "the gates are not in the order i, f, g, o (PyTorch's and Keras's): you split a in "
        "the order i, f, o, g."),
        ("g, o = np.tanh(a[:, 2 * H:3 * H]), _sigmoid(a[:, 3 * H:])",
         "o, g = _sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])")),
    solution_mistake(HERE, "lstm-h-no-tanh", t(
        "la tanh de la cellule manque : h_t = o ⊙ tanh(c_t), pas o ⊙ c_t.",
        "the tanh of the cell is missing: h_t = o ⊙ tanh(c_t), not o ⊙ c_t."),
        ("h = o * np.tanh(c)", "h = o * c")),
    solution_mistake(HERE, "lstm-g-sigmoid", t(
        "la cellule candidate g passe par une sigmoïde : g = tanh(a_g) (valeurs entre -1 et 1) ; "
        "seules i, f et o sont des sigmoïdes.",
        "the candidate cell g goes through a sigmoid: g = tanh(a_g) (values between -1 and 1); "
        "only i, f and o are sigmoids."),
        ("np.tanh(a[:, 2 * H:3 * H])", "_sigmoid(a[:, 2 * H:3 * H])")),
)
