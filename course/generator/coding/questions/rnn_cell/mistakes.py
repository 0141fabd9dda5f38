"""The named mistakes of the RNN-cell question, each written into ``solution.py`` as a
student writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "rnn-no-recurrence", t(
        "l'état précédent est oublié : h_t = tanh(x_t W_x + h_{t-1} W_h + b).",
        "the previous state is forgotten: h_t = tanh(x_t W_x + h_{t-1} W_h + b)."),
        (" + h_prev @ Wh", "")),
    solution_mistake(HERE, "rnn-sigmoid", t(
        "vous avez utilisé une sigmoïde : la cellule RNN simple utilise tanh (valeurs entre -1 "
        "et 1).",
        "you used a sigmoid: the simple RNN cell uses tanh (values between -1 and 1)."),
        ("h = np.tanh(x_t @ Wx + h_prev @ Wh + b)",
         "h = 1.0 / (1.0 + np.exp(-(x_t @ Wx + h_prev @ Wh + b)))")),
    solution_mistake(HERE, "rnn-Wh-transposed", t(
        "W_h est transposée : en lignes (lots en premier), le terme récurrent est h_{t-1} W_h, "
        "avec W_h de forme (H, H) telle quelle.",
        "W_h is transposed: with rows (batch first), the recurrent term is h_{t-1} W_h, with "
        "W_h of shape (H, H) as it is."),
        ("h_prev @ Wh", "h_prev @ Wh.T")),
)
