"""The forward pass of a Conv2D layer (NCHW, cross-correlation, integer padding)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from course.base.i18n import Text
from course.base.i18n import text as t
from course.generator.coding.engine import Call, Case, Expect, normal
from course.generator.coding.question import CodingQuestion

from .mistakes import MISTAKES


def cases(rng: np.random.Generator, public: bool) -> list[Case]:
    """Random shapes, padding, stride 2, one image, a kernel as large as the image, large values."""
    def case(tag: str, n: int, c: int, h: int, w: int, f: int, k: int, stride: int, pad: int,
             text: Text, pts: float, scale: float = 1.0) -> Case:
        x = normal(rng, n, c, h, w, scale=scale)
        wt = normal(rng, f, c, k, k, scale=scale)
        b = normal(rng, f)
        if public:
            x, wt, b = np.round(x, 1), np.round(wt, 1), np.round(b, 1)
        return Case(tag, [Call("conv2d_forward", [x, wt, b], {"stride": stride, "padding": pad})],
                    [Expect(0, 0)], pts, text)

    if public:
        return [case("public", 1, 1, 4, 4, 1, 3, 1, 0,
                     t("une image 4 x 4, un filtre 3 x 3, pas 1, sans remplissage",
                       "one 4 x 4 image, one 3 x 3 filter, stride 1, no padding"), 0.0)]
    return [
        case("random", int(rng.integers(2, 4)), int(rng.integers(1, 4)), int(rng.integers(5, 9)),
             int(rng.integers(5, 9)), int(rng.integers(1, 4)), 3, 1, 0,
             t("formes aléatoires, pas 1, sans remplissage", "random shapes, stride 1, no padding"), 1.5),
        case("padding", 2, 2, 5, 6, 2, 3, 1, 1, t("remplissage de 1 (zéros)", "padding of 1 (zeros)"), 1.0),
        case("stride", 1, int(rng.integers(1, 3)), 7, 7, 2, 3, 2, int(rng.integers(0, 2)),
             t("pas de 2 (plus grand que 1)", "stride 2 (larger than one)"), 1.0),
        case("batch-one", 1, 3, 5, 5, 1, int(rng.integers(2, 4)), 1, 0,
             t("une seule image, trois canaux", "a single image, three channels"), 0.5),
        case("kernel-full", 2, 1, 4, 4, 3, 4, 1, 0,
             t("noyau de la taille de l'image (sortie 1 x 1)",
               "kernel as large as the image (1 x 1 output)"), 0.5),
        case("large", 1, 2, 5, 5, 2, 3, 1, 1,
             t("grandes valeurs (de l'ordre de 1000)", "large magnitudes (about 1000)"), 0.5, 1e3),
    ]


def reference() -> dict[str, Any]:
    from course.reference import conv

    return {"conv2d_forward": conv.conv2d_forward}


QUESTION = CodingQuestion(
    id="conv2d",
    title=t("Convolution 2D (propagation avant)", "2-D convolution (forward pass)"),
    names=("conv2d_forward",),
    folder=Path(__file__).parent,
    make_cases=cases,
    make_reference=reference,
    mistakes=MISTAKES,
)
