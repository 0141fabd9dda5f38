"""The forward pass of max pooling (NCHW, no padding)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.checks import ArrayCheck
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """Random shapes, overlapping windows, all-negative values, stride 1, an odd size."""
    def case(tag: str, x: np.ndarray, size: int, stride: int | None, text: Text, pts: float) -> Case:
        kwargs = {} if stride is None else {"stride": stride}
        return Case(tag, [Call("maxpool_forward", [x, size], kwargs)],
                    [Expect(0, 0, ArrayCheck(1e-9, 1e-12))], pts, text)

    if public:
        x = np.arange(16, dtype=float).reshape(1, 1, 4, 4) % 7
        return [case("public", x, 2, None, t("une image 4 x 4, fenêtre 2", "one 4 x 4 image, window 2"),
                     0.0)]
    return [
        case("random", normal(rng, int(rng.integers(2, 4)), int(rng.integers(1, 4)), 6, 8), 2, None,
             t("formes aléatoires, fenêtre 2, pas 2", "random shapes, window 2, stride 2"), 1.0),
        case("stride", normal(rng, 2, 2, 7, 7), 3, 2,
             t("fenêtre 3, pas 2 (fenêtres qui se chevauchent)",
               "window 3, stride 2 (overlapping windows)"), 1.0),
        case("negative", -np.abs(normal(rng, 1, 2, 4, 4)) - 1.0, 2, None,
             t("valeurs toutes négatives", "all values negative"), 0.5),
        case("batch-one", normal(rng, 1, 1, 5, 5), 2, 1, t("une seule image, pas 1", "a single image, stride 1"),
             0.5),
        case("odd", normal(rng, 1, 3, 5, 7), 2, None,
             t("taille impaire (la dernière ligne et colonne ne tombent dans aucune fenêtre)",
               "odd size (the last row and column fall in no window)"), 0.5),
    ]


def reference() -> dict[str, Any]:
    from course.reference import pooling

    return {"maxpool_forward": pooling.maxpool_forward}


QUESTION = CodingQuestion(
    id="maxpool",
    title=t("Max pooling (propagation avant)", "Max pooling (forward pass)"),
    names=("maxpool_forward",),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
