"""forward-numeric: a forward pass by hand through a one-hidden-layer network (001, 003).

001's fundamental equations for one example: ``z[1] = W[1] x + b[1]``, ``a[1] = g[1](z[1])``,
``z[2] = W[2] a[1] + b[2]``, ``y_hat = a[2] = g[2](z[2])``. Weights are small one-decimal
numbers and the input small integers, so that the pass can be done by hand. Every value comes
from :func:`course.reference.dense.mlp_forward`.

Parameters: ``W1`` (n1 x n0, rows ``1,2;3,4``), ``b1`` (n1 values), ``W2`` (n2 x n1), ``b2``
(n2 values), ``x`` (n0 values), ``activations`` (g[1], g[2]; default relu,sigmoid).
Parts (ArrayCheck, 4 decimals asked, :mod:`..precision`): ``z1``, ``a1``, ``z2``, ``y_hat``.

Draws: a ReLU hidden layer whose neurons are all inactive (a[1] = 0, so y_hat = g[2](b[2]))
is drawn only on purpose, in :data:`P_DEAD` of the ReLU draws (``context["special"]`` says
``"dead-hidden-layer"`` and the worked solution comments on it); otherwise such a draw is
drawn again.
Misconceptions (each by running the reference on the mistaken network): forgot the biases,
forgot the hidden activation (a[1] = z[1]), forgot the output activation (y_hat = z[2]),
W[1] transposed (when square).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.activations import ACTIVATIONS
from course.reference.dense import MLPLayerCache, mlp_forward

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, array_check, misconceptions
from ._params import float_list, float_matrix, one_decimal

DECIMALS_ASKED = 4
CHECK = array_check(DECIMALS_ASKED)
#: share of the ReLU draws whose hidden layer is deliberately dead (every z[1] <= 0)
P_DEAD = 0.03
NAMES = tuple(n for n in ACTIVATIONS if n != "heaviside")


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


NO_BIAS = _t("vous avez oublié le biais : z = W a + b.", "you forgot the bias: z = W a + b.")
NO_HIDDEN = _t("la couche cachée applique sa fonction d'activation : a[1] = g[1](z[1]), et c'est "
               "a[1] (pas z[1]) qui entre dans la couche suivante.",
               "the hidden layer applies its activation: a[1] = g[1](z[1]), and a[1] (not z[1]) "
               "feeds the next layer.")
NO_OUT = _t("la sortie applique aussi sa fonction d'activation : ŷ = g[2](z[2]).",
            "the output also applies its activation: ŷ = g[2](z[2]).")
TRANSPOSED = _t("W[1] a une ligne par neurone caché : z_j = somme_i w_ji x_i (ligne j de W[1]).",
                "W[1] has one row per hidden neuron: z_j = sum_i w_ji x_i (row j of W[1]).")


def _dead(W1: list[list[float]], b1: list[float], x: list[int]) -> bool:
    """Is every hidden ReLU inactive for this draw (z[1] <= 0, computed by the reference)?"""
    _, cache = mlp_forward(np.array(x, dtype=float).reshape(-1, 1),
                            {"W1": np.array(W1), "b1": np.array(b1).reshape(-1, 1),
                             "W2": np.ones((1, len(b1))), "b2": np.zeros((1, 1))}, ["relu", "linear"])
    return not np.any(cache.layers[0].A)


class ForwardNumeric(Family):
    id = "forward-numeric"
    title = {"fr": "Passe en avant à la main dans un petit réseau dense",
             "en": "Forward pass by hand through a small dense network"}
    params = {
        "W1": Param("matrix", "hidden weights, n1 x n0, rows separated by ';'"),
        "b1": Param("floats", "hidden biases (n1 values)"),
        "W2": Param("matrix", "output weights, n2 x n1"),
        "b2": Param("floats", "output biases (n2 values)"),
        "x": Param("floats", "the input example (n0 values)"),
        "activations": Param("strs", "g[1],g[2]", default=["relu", "sigmoid"], choices=NAMES),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        n0 = int(rng.integers(2, 4))
        n1 = int(rng.integers(2, 4))
        acts = c.value("activations", None) or [
            c.choice(rng, "activations", ["relu", "relu", "sigmoid", "tanh"]),
            ["sigmoid", "sigmoid", "linear"][int(rng.integers(3))]]
        want_dead = acts[0] == "relu" and rng.random() < P_DEAD
        for _ in range(100):
            W1 = [[one_decimal(rng, -1.0, 1.0) for _ in range(n0)] for _ in range(n1)]
            b1 = [one_decimal(rng, -0.5, 0.5, nonzero=False) for _ in range(n1)]
            W2 = [[one_decimal(rng, -1.0, 1.0) for _ in range(n1)]]
            b2 = [one_decimal(rng, -0.5, 0.5, nonzero=False)]
            x = [int(v) for v in rng.integers(-2, 4, size=n0)]
            if acts[0] != "relu" or _dead(W1, b1, x) == want_dead:
                break
        return {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "x": x, "activations": acts}

    def solve(self, params: dict[str, Any]) -> Solution:
        W1 = np.array(float_matrix(params, "W1"))
        n1, n0 = W1.shape
        b1 = np.array(float_list(params, "b1", length=n1)).reshape(n1, 1)
        W2 = np.array(float_matrix(params, "W2"))
        if W2.shape[1] != n1:
            raise ParameterError("W2", text(f"demande {n1} colonnes (une par neurone caché), reçu : {W2.shape[1]}", f"needs {n1} columns (one per hidden neuron), got {W2.shape[1]}"))
        n2 = W2.shape[0]
        b2 = np.array(float_list(params, "b2", length=n2)).reshape(n2, 1)
        x = np.array(float_list(params, "x", length=n0)).reshape(n0, 1)
        acts = params["activations"]
        if not isinstance(acts, list) or len(acts) != 2 or any(a not in NAMES for a in acts):
            raise ParameterError("activations", text(f"donnez deux activations parmi {', '.join(NAMES)}", f"give two activations among {', '.join(NAMES)}"))

        def run(w1: np.ndarray, bb1: np.ndarray, bb2: np.ndarray,
                act: list[str]) -> tuple[MLPLayerCache, ...]:
            _, cache = mlp_forward(x, {"W1": w1, "b1": bb1, "W2": W2, "b2": bb2}, act)
            return cache.layers

        layers = run(W1, b1, b2, acts)
        z1, a1 = layers[0].Z[:, 0], layers[0].A[:, 0]
        z2, y_hat = layers[1].Z[:, 0], layers[1].A[:, 0]
        nob = run(W1, np.zeros_like(b1), np.zeros_like(b2), acts)
        lin = run(W1, b1, b2, ["linear", acts[1]])
        z1m = [Misconception("forgot-bias", nob[0].Z[:, 0], NO_BIAS)]
        if n0 == n1:
            z1m.append(Misconception("transposed-W", run(W1.T, b1, b2, acts)[0].Z[:, 0], TRANSPOSED))
        a1m = [Misconception("forgot-activation", z1, NO_HIDDEN)] if acts[0] != "linear" else []
        z2m = [Misconception("forgot-bias", (W2 @ a1.reshape(-1, 1))[:, 0], NO_BIAS)]
        if acts[0] != "linear":
            z2m.append(Misconception("forgot-hidden-activation", lin[1].Z[:, 0], NO_HIDDEN))
        ym = [Misconception("forgot-bias", nob[1].A[:, 0], NO_BIAS)]
        if acts[1] != "linear":
            ym.append(Misconception("forgot-output-activation", z2, NO_OUT))
        if acts[0] != "linear":
            ym.append(Misconception("forgot-hidden-activation", lin[1].A[:, 0], NO_HIDDEN))
        d = DECIMALS_ASKED
        parts = {
            "z1": Part(z1, CHECK, _t("z[1]", "z[1]"), misconceptions(z1, z1m, d)),
            "a1": Part(a1, CHECK, _t("a[1]", "a[1]"), misconceptions(a1, a1m, d)),
            "z2": Part(z2, CHECK, _t("z[2]", "z[2]"), misconceptions(z2, z2m, d)),
            "y_hat": Part(y_hat, CHECK, _t("ŷ", "ŷ"), misconceptions(y_hat, ym, d)),
        }
        dead = acts[0] == "relu" and not np.any(a1)
        return Solution(parts, {"n": [n0, n1, n2], "z1": z1, "a1": a1, "z2": z2, "y_hat": y_hat,
                                "x": x[:, 0], "W1": W1, "W2": W2, "b1": b1[:, 0], "b2": b2[:, 0],
                                DECIMALS: {k: d for k in parts},
                                "special": "dead-hidden-layer" if dead else None})
