"""forward-equations: the forward-pass equations of an MLP as symbolic expressions (001).

001 ("Equations fondamentales sous forme matricielle", "Equations fondamentales de
l'apprentissage profond"): ``A[0] = X``, ``Z[l] = W[l] A[l-1] + b[l]``, ``A[l] = g[l](Z[l])``,
``Y_hat = A[L]``, in the vectorised form over the m examples (the columns of X).

Answers are typed as text and compared with sympy (SymbolicCheck): ``W1, b1, Z1, A1, ..., X``
are non-commutative symbols (so ``W1*X`` is not ``X*W1``, and ``W1*X + b1 == b1 + W1*X``);
each activation is an undefined function named as in :data:`course.reference.activations.ACTIVATIONS`
(``relu(Z1)``, ``sigmoid(Z2)``, ...), and the identity ("linear") is written ``A[l] = Z[l]``.
The expressions are the reference's definitions (:func:`course.reference.dense.mlp_forward`),
checked in the tests by evaluating them numerically against it.

Parts: ``Z1, A1, ..., ZL, AL`` and ``Yhat`` (the whole network as one expression of X).
Misconceptions: ``X*W1`` order, forgot the bias, applied g before the product
(``W[l] g(A[l-1]) + b[l]``), forgot the activation (``A[l] = Z[l]``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.activations import ACTIVATIONS

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..checks import SymbolicCheck
from ._params import layers_param

#: activations a student can name in an equation (softmax: the output of a C-class network)
NAMES = tuple(n for n in ACTIVATIONS if n != "heaviside") + ("softmax",)

ORDER = {"fr": "l'ordre du produit matriciel compte : W[l] (n[l] x n[l-1]) multiplie A[l-1] "
               "(n[l-1] x m) à gauche, Z[l] = W[l] A[l-1] + b[l].",
         "en": "the order of a matrix product matters: W[l] (n[l] x n[l-1]) multiplies A[l-1] "
               "(n[l-1] x m) on the left, Z[l] = W[l] A[l-1] + b[l]."}
NO_BIAS = {"fr": "vous avez oublié le biais b[l] dans la combinaison linéaire.",
           "en": "you forgot the bias b[l] in the linear combination."}
G_FIRST = {"fr": "la fonction d'activation s'applique après la combinaison linéaire : "
                 "A[l] = g[l](Z[l]), pas à l'entrée du produit.",
           "en": "the activation is applied after the linear combination: A[l] = g[l](Z[l]), "
                 "not to the input of the product."}
NO_ACT = {"fr": "vous avez oublié la fonction d'activation : A[l] = g[l](Z[l]).",
          "en": "you forgot the activation function: A[l] = g[l](Z[l])."}


def _apply(act: str, expr: str) -> str:
    return expr if act == "linear" else f"{act}({expr})"


class ForwardEquations(Family):
    id = "forward-equations"
    title = {"fr": "Équations de la passe en avant d'un réseau dense (forme matricielle)",
             "en": "Forward-pass equations of a fully connected network (matrix form)"}
    params = {"layers": Param("ints", "layer sizes, input first, e.g. 2,3,1"),
              "activations": Param("strs", "activation of each layer 1..L, e.g. relu,sigmoid",
                                   choices=NAMES)}

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        layers = c.value("layers", None)
        if layers is None:
            depth = int(rng.integers(3, 5))  # 2 or 3 layers with parameters
            layers = [int(rng.integers(2, 7)) for _ in range(depth - 1)] + [int(rng.integers(1, 4))]
        acts = c.value("activations", None)
        if acts is None:
            hidden = ["relu", "tanh", "sigmoid", "leaky_relu", "elu"]
            acts = [hidden[int(rng.integers(len(hidden)))] for _ in layers[1:-1]]
            out = ["sigmoid", "linear"] if layers[-1] == 1 else ["softmax", "sigmoid"]
            acts.append(out[int(rng.integers(len(out)))])
        return {"layers": layers, "activations": acts}

    def solve(self, params: dict[str, Any]) -> Solution:
        layers = layers_param(params)
        acts = params["activations"]
        L = len(layers) - 1
        if not isinstance(acts, list) or len(acts) != L:
            raise ParameterError("activations", text(f"donnez une activation par couche 1..{L}, reçu : {acts!r}", f"give one activation per layer 1..{L}, got {acts!r}"))
        for a in acts:
            if a not in NAMES:
                raise ParameterError("activations", text(f"activation {a!r} inconnue (connues : {', '.join(NAMES)})", f"unknown activation {a!r} (known: {', '.join(NAMES)})"))
        matrices = tuple(["X"] + [f"{k}{l}" for l in range(1, L + 1) for k in ("W", "b", "Z", "A")])
        check = SymbolicCheck(matrices=matrices, functions=tuple(sorted(set(acts) - {"linear"})))
        parts: dict[str, Part] = {}
        prev = "X"
        # the composed network (and its mistaken versions), built layer by layer
        full, full_order, full_nobias = "X", "X", "X"
        for l, act in enumerate(acts, start=1):
            z = f"W{l}*{prev} + b{l}"
            z_mis = [Misconception("product-order", f"{prev}*W{l} + b{l}", ORDER),
                     Misconception("forgot-bias", f"W{l}*{prev}", NO_BIAS)]
            if prev != "X":
                z_mis.append(Misconception("activation-before-product",
                                           f"W{l}*{_apply(acts[l - 2], prev)} + b{l}", G_FIRST))
            parts[f"Z{l}"] = Part(z, check, {"fr": f"expression de Z[{l}]", "en": f"expression of Z[{l}]"},
                                  tuple(z_mis))
            a_mis = (Misconception("forgot-activation", f"Z{l}", NO_ACT),) if act != "linear" else ()
            parts[f"A{l}"] = Part(_apply(act, f"Z{l}"), check,
                                  {"fr": f"expression de A[{l}]", "en": f"expression of A[{l}]"}, a_mis)
            full = _apply(act, f"W{l}*{full} + b{l}")
            full_order = _apply(act, f"{full_order}*W{l} + b{l}")
            full_nobias = _apply(act, f"W{l}*{full_nobias}")
            prev = f"A{l}"
        parts["Yhat"] = Part(full, check, {"fr": "Ŷ en fonction de X (une seule expression)",
                                           "en": "Ŷ as one expression of X"},
                             (Misconception("product-order", full_order, ORDER),
                              Misconception("forgot-bias", full_nobias, NO_BIAS)))
        return Solution(parts, {"L": L, "functions": sorted(set(acts) - {"linear"}),
                                "equations": [[parts[f"Z{l}"].answer, parts[f"A{l}"].answer]
                                              for l in range(1, L + 1)]})
