"""The named mistakes of the max-pooling question, each written into ``solution.py`` as a
student writes it (see :class:`~course.generator.coding.question.Mistake`)."""

from __future__ import annotations

from pathlib import Path

from course.base.i18n import text as t
from course.generator.coding.question import solution_mistake

HERE = Path(__file__).parent

MISTAKES = (
    solution_mistake(HERE, "pool-mean", t(
        "vous avez pris la moyenne de chaque fenêtre (average pooling) : le max pooling en "
        "garde le maximum.",
        "you took the mean of each window (average pooling): max pooling keeps its maximum."),
        (".max(axis=(2, 3))", ".mean(axis=(2, 3))")),
    solution_mistake(HERE, "pool-stride-ignored", t(
        "le pas (stride) donné est ignoré : les fenêtres se déplacent de `stride` (de `size` "
        "seulement quand stride vaut None).",
        "the given stride is ignored: the windows move by `stride` (by `size` only when "
        "stride is None)."),
        ("s = size if stride is None else stride", "s = size")),
    solution_mistake(HERE, "pool-max-from-zero", t(
        "le maximum part de 0 au lieu de la première valeur de la fenêtre : une fenêtre de "
        "valeurs toutes négatives donne alors 0.",
        "the maximum starts from 0 instead of the window's first value: a window of negative "
        "values then gives 0."),
        (".max(axis=(2, 3))", ".max(axis=(2, 3)).clip(min=0)")),
)
