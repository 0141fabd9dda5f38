"""pool-output: output size of a Keras ``MaxPool2D`` / ``AveragePooling2D`` layer (003).

The course (003, "Pooling Formule générale"): ``Ho = floor((H - Hp) / stride) + 1`` with
``padding='valid'`` and ``Ho = floor((H - 1) / stride) + 1`` with ``padding='same'``; the
stride defaults to the pool size (Keras ``strides=None``). Sizes come from
:func:`course.reference.conventions.pool_output_size`. Pooling keeps the depth and has no
parameter.

Parts: ``shape`` (``[Ho, Wo]``, ShapeCheck).
Misconceptions: ceil instead of floor, stride 1 instead of the given stride, 'same' read as
"same size whatever the stride".
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.conventions import pool_output_size

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import ShapeCheck
from ._params import padding_param, positive_int


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


class PoolOutput(Family):
    id = "pool-output"
    title = {"fr": "Taille de sortie d'une couche de pooling",
             "en": "Output size of a pooling layer"}
    params = {
        "h": Param("int", "input height H"),
        "w": Param("int", "input width W"),
        "size": Param("int", "pool size P (square P x P window)", default=2),
        "stride": Param("int", "stride; 0 means the pool size (Keras strides=None)", default=0),
        "padding": Param("str", "Keras padding", default="valid", choices=("valid", "same")),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        h = c.int(rng, "h", 4, 64)
        w = h if rng.random() < 0.6 and "w" not in c.raw else c.int(rng, "w", 4, 64)
        size = c.choice(rng, "size", [p for p in (2, 2, 2, 3, 3, 4) if p <= min(h, w)] or [1])
        # The Keras default (stride = pool size) most of the time, overlapping pooling sometimes.
        stride = c.choice(rng, "stride", [0, size, size, 1, 2, 3])  # 0: strides=None
        padding = c.choice(rng, "padding", ["valid", "valid", "same"])
        return {"h": h, "w": w, "size": size, "stride": stride, "padding": padding}

    def solve(self, params: dict[str, Any]) -> Solution:
        h = positive_int(params, "h")
        w = positive_int(params, "w")
        p = positive_int(params, "size")
        s = positive_int(params, "stride", lo=0) or p
        pad = padding_param(params)
        if pad == "valid" and p > min(h, w):
            raise ParameterError("size", text(f"une fenêtre {p}x{p} ne tient pas dans une entrée {h}x{w} avec padding='valid'", f"a {p}x{p} window does not fit in a {h}x{w} input "
                                 "with padding='valid'"))
        shape = [pool_output_size(h, p, s, pad), pool_output_size(w, p, s, pad)]
        num_h, num_w = (h - p, w - p) if pad == "valid" else (h - 1, w - 1)
        check = ShapeCheck()
        mistakes = [
            Misconception("ceil-instead-of-floor", [_ceil_div(num_h, s) + 1, _ceil_div(num_w, s) + 1], {
                "fr": "la formule du pooling arrondit en dessous (floor) : une fenêtre qui "
                      "déborde de l'entrée n'est pas comptée.",
                "en": "the pooling formula rounds down (floor): a window that would go past "
                      "the input is not counted."}),
            Misconception("stride-one", [pool_output_size(h, p, 1, pad), pool_output_size(w, p, 1, pad)], {
                "fr": f"le pas (stride) vaut {s} ici, pas 1 : la fenêtre saute de {s} pixels "
                      "(par défaut, Keras prend stride = pool_size).",
                "en": f"the stride is {s} here, not 1: the window jumps {s} pixels at a time "
                      "(by default Keras uses stride = pool_size)."}),
        ]
        if pad == "same":  # here "stride 1" and "same size as the input" are one mistake
            mistakes[1:] = []
            mistakes.append(Misconception("same-ignores-stride", [h, w], {
                "fr": "padding='same' ne garde la taille de l'entrée que si stride = 1 : "
                      "en général Ho = floor((H - 1) / stride) + 1.",
                "en": "padding='same' keeps the input size only when stride = 1: in general "
                      "Ho = floor((H - 1) / stride) + 1."}))
        parts = {"shape": Part(shape, check, {"fr": "taille de la sortie (hauteur, largeur)",
                                              "en": "output shape (height, width)"},
                               wrong_only(check, shape, mistakes))}
        ctx = {"stride": s, "stride_given": params["stride"] != 0, "num_h": num_h, "num_w": num_w,
               "ratio_h": num_h / s, "ratio_w": num_w / s,
               "floor_h": shape[0] - 1, "floor_w": shape[1] - 1}
        return Solution(parts, ctx)
