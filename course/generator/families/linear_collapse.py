"""linear-collapse: a network with linear hidden activations collapses into one linear layer (001).

001 ("On souhaite avoir une activation non-linéaire. Pourquoi est-ce important ?"): with the
identity ``g(z) = z`` in the hidden layer of a 2-3-1 network,
``Z[2] = W[2](W[1] X + b[1]) + b[2] = (W[2] W[1]) X + (W[2] b[1] + b[2]) = W' X + b'``, where
``W[2] W[1]`` is ``(1 x 3)(3 x 2) = 1 x 2`` and ``W[2] b[1] + b[2]`` is ``(1 x 3)(3 x 1) + (1 x 1)
= 1 x 1``: the network is a linear combination of the inputs (with a sigmoid output, a logistic
regression). ``W'`` and ``b'`` come from :func:`course.reference.dense.collapse_linear`.

Parameters: ``layers`` (n[0], n[1], n[2]; default 001's 2-3-1) and, optionally, the weights
``W1`` (n[1] x n[0]), ``b1``, ``W2`` (n[2] x n[1]), ``b2`` (small integers when drawn).
Parts: ``W_shape`` and ``b_shape`` (ShapeCheck); with weights, ``W`` = W[2] W[1] and
``b`` = W[2] b[1] + b[2] (exact: integer data, :mod:`..precision`).
Misconceptions: W' given the shape of W[1] or transposed; b' given the shape of b[1]; the
product in the wrong order (W[1]^T W[2]^T, the transpose); b' without the term W[2] b[1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.dense import collapse_linear

from ..base import Constraints, Family, Misconception, Param, Part, Solution, wrong_only
from ..checks import ShapeCheck
from ..precision import DECIMALS, array_check, misconceptions
from ._params import float_list, float_matrix, layers_param

SEED_LAYERS = [2, 3, 1]  # 001


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


HIDDEN_SHAPE = _t("W' = W[2] W[1] a autant de lignes que W[2] (n[2]) et autant de colonnes que W[1] (n[0]) : "
                  "c'est la taille de W[1] que vous avez donnée.",
                  "W' = W[2] W[1] has as many rows as W[2] (n[2]) and as many columns as W[1] (n[0]): "
                  "you gave the shape of W[1].")
TRANSPOSED = _t("W' multiplie X (n[0] x m) à gauche : il est n[2] x n[0], pas n[0] x n[2].",
                "W' multiplies X (n[0] x m) on the left: it is n[2] x n[0], not n[0] x n[2].")
B1_SHAPE = _t("b' = W[2] b[1] + b[2] est de la taille de b[2] (n[2] x 1) : W[2] ramène b[1] à la taille de la sortie.",
              "b' = W[2] b[1] + b[2] has the shape of b[2] (n[2] x 1): W[2] brings b[1] to the output's size.")
ORDER = _t("l'ordre du produit compte : Z[2] = W[2] (W[1] X + b[1]), donc W' = W[2] W[1] ; "
           "W[1]^T W[2]^T en est la transposée.",
           "the order of the product matters: Z[2] = W[2] (W[1] X + b[1]), so W' = W[2] W[1]; "
           "W[1]^T W[2]^T is its transpose.")
NO_W2B1 = _t("le biais b[1] de la couche cachée passe lui aussi par W[2] : b' = W[2] b[1] + b[2].",
             "the hidden bias b[1] also goes through W[2]: b' = W[2] b[1] + b[2].")


class LinearCollapse(Family):
    id = "linear-collapse"
    title = {"fr": "Activations linéaires : le réseau s'effondre en un modèle linéaire",
             "en": "Linear activations: the network collapses into a linear model"}
    params = {
        "layers": Param("ints", "n[0], n[1], n[2] (001: 2,3,1)", default=SEED_LAYERS),
        "W1": Param("matrix", "hidden weights n[1] x n[0] (optional)", default=[]),
        "b1": Param("floats", "hidden biases (n[1] values)", default=[]),
        "W2": Param("matrix", "output weights n[2] x n[1]", default=[]),
        "b2": Param("floats", "output biases (n[2] values)", default=[]),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        layers = c.value("layers", None) or [int(rng.integers(2, 4)), int(rng.integers(2, 5)),
                                             int(rng.integers(1, 3))]
        n0, n1, n2 = layers

        def ints(*shape: int) -> list:
            return rng.integers(-2, 3, size=shape).astype(float).tolist()

        return {"layers": layers, "W1": ints(n1, n0), "b1": ints(n1), "W2": ints(n2, n1), "b2": ints(n2)}

    def solve(self, params: dict[str, Any]) -> Solution:
        layers = layers_param(params, min_len=3)
        if len(layers) != 3:
            raise ParameterError("layers", text("donnez trois tailles n[0], n[1], n[2] (une couche cachée)", "give three sizes n[0], n[1], n[2] (one hidden layer)"))
        n0, n1, n2 = layers
        sc = ShapeCheck()
        w_shape, b_shape = [n2, n0], [n2, 1]
        parts = {
            "W_shape": Part(w_shape, sc, _t("dimensions de W' = W[2] W[1]", "shape of W' = W[2] W[1]"),
                            wrong_only(sc, w_shape, [Misconception("shape-of-W1", [n1, n0], HIDDEN_SHAPE),
                                                     Misconception("transposed", [n0, n2], TRANSPOSED)])),
            "b_shape": Part(b_shape, sc, _t("dimensions de b' = W[2] b[1] + b[2]", "shape of b' = W[2] b[1] + b[2]"),
                            wrong_only(sc, b_shape, [Misconception("shape-of-b1", [n1, 1], B1_SHAPE)])),
        }
        ctx: dict[str, Any] = {"n": layers, "numeric": False, DECIMALS: {}}
        given = [bool(params[k]) for k in ("W1", "b1", "W2", "b2")]
        if any(given) and not all(given):
            raise ParameterError("W1", text("donnez les quatre, W1, b1, W2 et b2, ou aucun", "give all four of W1, b1, W2, b2, or none"))
        if all(given):
            W1 = np.array(float_matrix(params, "W1", (n1, n0)))
            W2 = np.array(float_matrix(params, "W2", (n2, n1)))
            b1 = np.array(float_list(params, "b1", length=n1)).reshape(n1, 1)
            b2 = np.array(float_list(params, "b2", length=n2)).reshape(n2, 1)
            W, b = collapse_linear({"W1": W1, "b1": b1, "W2": W2, "b2": b2})
            ac = array_check(None)  # integer data: exact
            parts["W"] = Part(W.tolist(), ac, _t("matrice W'", "matrix W'"), misconceptions(
                W.tolist(), [Misconception("product-order", (W1.T @ W2.T).tolist(), ORDER)], None))
            parts["b"] = Part(b.tolist(), ac, _t("vecteur b'", "vector b'"), misconceptions(
                b.tolist(), [Misconception("forgot-W2-b1", b2.tolist(), NO_W2B1)], None))
            ctx.update(numeric=True, W1=W1.tolist(), b1=b1[:, 0].tolist(), W2=W2.tolist(),
                       b2=b2[:, 0].tolist(), W2b1=(W2 @ b1)[:, 0].tolist())
            ctx[DECIMALS] = {"W": None, "b": None}
        return Solution(parts, ctx)
