"""matrix-dims: shapes of X, W[l], b[l], Z[l], A[l] of an MLP for m examples (001).

001 ("Forme matricielle", exercise "donnez les dimensions de chaque matrice pour 10 données
d'entraînement"): ``X`` is ``n[0] x m``, ``W[l]`` is ``n[l] x n[l-1]``, ``b[l]`` is ``n[l] x 1``
(broadcast over the m columns), ``Z[l]`` and ``A[l]`` are ``n[l] x m``. Shapes come from
:func:`course.reference.dense.mlp_shapes`.

Parts (ShapeCheck, ``[rows, cols]``): ``X``, then ``W1, b1, Z1, A1, ..., WL, bL, ZL, AL``.
Misconceptions: W transposed (``n[l-1] x n[l]``, only when the two sizes differ), forgot m
(``n[l] x 1`` for Z/A, only when m > 1), b of size ``n[l] x m`` (only when m > 1),
X written examples-first (``m x n[0]``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.reference.dense import mlp_shapes

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..checks import ShapeCheck
from ._params import layers_param, positive_int

TRANSPOSED = {"fr": "W[l] a une ligne par neurone de la couche l et une colonne par neurone de la "
                    "couche l-1 : n[l] x n[l-1], pas n[l-1] x n[l].",
              "en": "W[l] has one row per neuron of layer l and one column per neuron of layer l-1: "
                    "n[l] x n[l-1], not n[l-1] x n[l]."}
FORGOT_M = {"fr": "avec m exemples, chaque exemple a sa colonne : Z[l] et A[l] sont n[l] x m.",
            "en": "with m examples, each example has its own column: Z[l] and A[l] are n[l] x m."}
BIAS_M = {"fr": "le biais ne dépend pas de l'exemple : b[l] est n[l] x 1, ajouté à chaque colonne "
                "(broadcasting).",
          "en": "the bias does not depend on the example: b[l] is n[l] x 1, added to every column "
                "(broadcasting)."}
X_T = {"fr": "dans la notation du cours, une colonne de X est un exemple : X est n[0] x m.",
       "en": "in the course's notation, a column of X is one example: X is n[0] x m."}


class MatrixDims(Family):
    id = "matrix-dims"
    title = {"fr": "Dimensions des matrices d'un réseau dense pour m exemples",
             "en": "Matrix shapes of a fully connected network for m examples"}
    params = {"layers": Param("ints", "layer sizes, input first, e.g. 4,5,6,6,5,4,1"),
              "m": Param("int", "number of examples m (columns of X)")}

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        layers = c.value("layers", None)
        if layers is None:
            depth = int(rng.integers(3, 6))  # 2 to 4 layers with parameters
            layers = [int(rng.integers(2, 9)) for _ in range(depth - 1)] + [int(rng.integers(1, 4))]
        m = c.int(rng, "m", 2, 64)
        return {"layers": layers, "m": m}

    def solve(self, params: dict[str, Any]) -> Solution:
        layers = layers_param(params)
        m = positive_int(params, "m")
        shapes = mlp_shapes(layers, m)
        check = ShapeCheck()
        parts: dict[str, Part] = {}
        x_mis = (Misconception("x-transposed", [m, layers[0]], X_T),) if m != layers[0] else ()
        parts["X"] = Part([layers[0], m], check, {"fr": "dimensions de X", "en": "shape of X"}, x_mis)
        for l, s in enumerate(shapes, start=1):
            n, p = s["W"]
            w_mis = (Misconception("transposed-W", [p, n], TRANSPOSED),) if n != p else ()
            b_mis = (Misconception("bias-n-by-m", [n, m], BIAS_M),) if m > 1 else ()
            za_mis = (Misconception("forgot-m", [n, 1], FORGOT_M),) if m > 1 else ()
            for key, mis in (("W", w_mis), ("b", b_mis), ("Z", za_mis), ("A", za_mis)):
                parts[f"{key}{l}"] = Part(list(s[key]), check,
                                          {"fr": f"dimensions de {key}[{l}]",
                                           "en": f"shape of {key}[{l}]"}, mis)
        return Solution(parts, {"L": len(shapes), "n": layers,
                                "shapes": [{k: list(v) for k, v in s.items()} for s in shapes]})
