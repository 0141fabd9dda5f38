"""backprop-step: one back-propagation step in a small sigmoid network with BCE (003).

003's activity ("Activité (cas de classification binaire)"): a 3-4-1 network, sigmoid hidden
and output neurons, all biases 0, input weights ``w`` (row i = input x_i, column j = hidden
neuron Y_j, so ``w`` is the transpose of the course's ``W[1]``), output weights ``psi``, binary
cross-entropy ``E = -[y ln f(Z) + (1 - y) ln(1 - f(Z))]``, the 3rd observation (7, 8, 10) with
y = 1; adjust w34, b4, psi1 and b5 with ``w = w - eta dE/dw``. The activity gives no eta;
the default here is 1, as in course.cli.worked_examples (the perceptron examples of the
same handout use eta = 1). With no parameters (``variant({})``) the family reproduces the
activity; drawn variants use small random weights and inputs.

Every value comes from :mod:`course.reference`: ``dense.mlp_forward`` with a linear head (its
output is the logit Z), ``losses.sigmoid_bce`` (``dE/dZ = f(Z) - y``, 002's output delta),
``dense.mlp_backward``, ``dense.gd_update``, ``losses.bce_loss`` (``E`` and ``dE/df(Z)``).
By the chain rule (003): ``dE/dpsi_k = dE/df(Z) f'(Z) f(Y_k)`` with ``dE/df(Z) f'(Z) = f(Z) - y``;
``dE/dw_ij = (f(Z) - y) psi_j f'(Y_j) x_i``; ``dE/db_j = (f(Z) - y) psi_j f'(Y_j)``;
``dE/db_out = f(Z) - y``.

Parts (FloatCheck, 5 decimals asked, :mod:`..precision`): ``y_hat`` f(Z), ``loss`` E, then
gradient and updated value of psi_k, w_ij, b_j and b_out; ``context["before"]`` holds the
values before the update, and a draw whose update is too small to be seen at 5 decimals is
drawn again. Draws never give two hidden neurons the same output (they would be
indistinguishable, their gradients equal). Misconceptions: forgot the sigmoid derivative
(output f'(Z) or hidden f'(Y_j)), wrong sign of the update (w + eta dE/dw).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.activations import sigmoid, sigmoid_grad
from course.reference.dense import gd_update, mlp_backward, mlp_forward, mlp_loss
from course.reference.losses import bce_loss, sigmoid_bce

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import BEFORE, DECIMALS, float_check, misconceptions, require_separated
from ._params import finite_float, float_list, float_matrix, one_decimal

DECIMALS_ASKED = 5
CHECK = float_check(DECIMALS_ASKED)

#: 003's activity (input data, not answers): weights w (3 x 4), psi (4), 3rd observation, y
SEED_W = [[0.179, -0.186, -0.008, -0.448], [0.044, -0.028, -0.063, -0.131], [0.01, -0.035, -0.004, 0.088]]
SEED_PSI = [0.09, -0.171, 0.005, -0.04]
SEED_X = [7.0, 8.0, 10.0]


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


SIGN = _t("la descente de gradient va dans le sens opposé au gradient : w = w - η ∂E/∂w.",
          "gradient descent moves against the gradient: w = w - η ∂E/∂w.")
NO_OUT_DERIV = _t("la règle de chaînage passe par la dérivée de la sigmoïde de sortie "
                  "f'(Z) = f(Z)(1 - f(Z)).",
                  "the chain rule goes through the output sigmoid's derivative f'(Z) = f(Z)(1 - f(Z)).")
NO_HID_DERIV = _t("la règle de chaînage passe par la dérivée de la sigmoïde du neurone caché "
                  "f'(Y_j) = f(Y_j)(1 - f(Y_j)).",
                  "the chain rule goes through the hidden neuron's sigmoid derivative "
                  "f'(Y_j) = f(Y_j)(1 - f(Y_j)).")


def _distinct_hidden(w: list[list[float]], x: list[float], b: list[float]) -> bool:
    """Do the hidden neurons all have different pre-activations Y_j (hence outputs f(Y_j))?"""
    y = np.array(x) @ np.array(w) + np.array(b)
    return len({round(float(v), 9) for v in y}) == len(b)


class BackpropStep(Family):
    id = "backprop-step"
    title = {"fr": "Une étape de rétropropagation du gradient (réseau sigmoïde, entropie croisée binaire)",
             "en": "One back-propagation step (sigmoid network, binary cross-entropy)"}
    params = {
        "w": Param("matrix", "input weights, one row per input x_i, one column per hidden neuron",
                   default=SEED_W),
        "psi": Param("floats", "output weights psi_1..psi_k", default=SEED_PSI),
        "x": Param("floats", "the observation x_1..x_p", default=SEED_X),
        "y": Param("int", "its class (0 or 1)", default=1),
        "eta": Param("float", "learning rate", default=1.0),
        "b_hidden": Param("floats", "hidden biases b_1..b_k (empty: all 0)", default=[]),
        "b_out": Param("float", "output bias", default=0.0),
        "w_index": Param("ints", "which weight w_ij to update: i,j (1-based)", default=[3, 4]),
        "psi_index": Param("int", "which psi_k to update (1-based)", default=1),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        p = int(rng.integers(2, 4))
        k = int(rng.integers(2, 5))
        for _ in range(100):
            w = [[one_decimal(rng, -1.0, 1.0) for _ in range(k)] for _ in range(p)]
            psi = [one_decimal(rng, -1.0, 1.0) for _ in range(k)]
            x = [float(v) for v in rng.integers(0, 4, size=p)]
            if not any(x):
                x[int(rng.integers(p))] = 1.0
            b_hidden = [one_decimal(rng, -0.5, 0.5, nonzero=False) for _ in range(k)]
            if _distinct_hidden(w, x, b_hidden):
                break
        b_out = one_decimal(rng, -0.5, 0.5, nonzero=False)
        i = int(rng.integers(1, p + 1))
        while x[i - 1] == 0:  # a weight whose gradient is not trivially 0
            i = int(rng.integers(1, p + 1))
        return {"w": w, "psi": psi, "x": x, "y": int(rng.integers(0, 2)),
                "eta": c.choice(rng, "eta", [0.1, 0.5, 1.0]), "b_hidden": b_hidden, "b_out": b_out,
                "w_index": [i, int(rng.integers(1, k + 1))], "psi_index": int(rng.integers(1, k + 1))}

    def solve(self, params: dict[str, Any]) -> Solution:
        w = np.array(float_matrix(params, "w"))
        p, k = w.shape
        psi = np.array(float_list(params, "psi", length=k))
        x = np.array(float_list(params, "x", length=p))
        y = params["y"]
        if y not in (0, 1) or isinstance(y, bool):
            raise ParameterError("y", text(f"doit valoir 0 ou 1, reçu : {y!r}", f"must be 0 or 1, got {y!r}"))
        eta = finite_float(params, "eta")
        if eta <= 0:
            raise ParameterError("eta", text(f"le taux d'apprentissage doit être positif, reçu : {eta}", f"the learning rate must be positive, got {eta}"))
        bh = np.array(float_list(params, "b_hidden", length=k)) if params["b_hidden"] else np.zeros(k)
        b_out = finite_float(params, "b_out")
        wi = params["w_index"]
        if not isinstance(wi, list) or len(wi) != 2 or not (1 <= wi[0] <= p and 1 <= wi[1] <= k):
            raise ParameterError("w_index", text(f"donnez i,j avec 1 <= i <= {p} et 1 <= j <= {k}, reçu : {wi!r}", f"give i,j with 1 <= i <= {p} and 1 <= j <= {k}, got {wi!r}"))
        pk = params["psi_index"]
        if not isinstance(pk, int) or not 1 <= pk <= k:
            raise ParameterError("psi_index", text(f"doit être entre 1 et {k}, reçu : {pk!r}", f"must be between 1 and {k}, got {pk!r}"))
        i, j = wi

        net = {"W1": w.T, "b1": bh.reshape(k, 1), "W2": psi.reshape(1, k), "b2": np.array([[b_out]])}
        X, Y = x.reshape(p, 1), np.array([[float(y)]])
        ZL, cache = mlp_forward(X, net, ["sigmoid", "linear"])  # the output sigmoid is in the loss
        AL = sigmoid(ZL)
        loss = mlp_loss(AL, Y, "bce")
        grads = mlp_backward(sigmoid_bce(ZL, Y)[1], cache)  # from dE/dZ = f(Z) - y
        new = gd_update(net, grads, eta)
        _, dE_df = bce_loss(AL, Y)  # dE/df(Z)
        fz = float(AL[0, 0])
        Yh = cache.layers[0].Z[:, 0]
        fY = cache.layers[0].A[:, 0]
        delta = float(grads["db2"][0, 0])  # dE/dZ = f(Z) - y
        fpY = sigmoid_grad(Yh)

        g_psi = float(grads["dW2"][0, pk - 1])
        g_w = float(grads["dW1"][j - 1, i - 1])
        g_b = float(grads["db1"][j - 1, 0])
        values = {
            "psi": (float(psi[pk - 1]), g_psi, float(new["W2"][0, pk - 1])),
            "w": (float(w[i - 1, j - 1]), g_w, float(new["W1"][j - 1, i - 1])),
            "b_hidden": (float(bh[j - 1]), g_b, float(new["b1"][j - 1, 0])),
            "b_out": (b_out, delta, float(new["b2"][0, 0])),
        }
        wrong_grad = {
            "psi": (float(dE_df[0, 0]) * float(fY[pk - 1]), NO_OUT_DERIV),
            "w": (delta * float(psi[j - 1]) * float(x[i - 1]), NO_HID_DERIV),
            "b_hidden": (delta * float(psi[j - 1]), NO_HID_DERIV),
            "b_out": (float(dE_df[0, 0]), NO_OUT_DERIV),
        }
        names = {"psi": f"ψ{pk}", "w": f"w{i}{j}", "b_hidden": f"b{j}", "b_out": "b_out"}
        d = DECIMALS_ASKED
        parts: dict[str, Part] = {
            "y_hat": Part(fz, CHECK, _t("sortie f(Z)", "output f(Z)")),
            "loss": Part(loss, CHECK, _t("erreur E", "error E")),
        }
        before: dict[str, float] = {}
        for key, (old, g, upd) in values.items():
            bad, why = wrong_grad[key]
            parts[f"grad_{key}"] = Part(g, CHECK, _t(f"∂E/∂{names[key]}", f"∂E/∂{names[key]}"),
                                        misconceptions(g, [Misconception("forgot-sigmoid-derivative", bad, why)], d))
            require_separated(old, upd, d, f"{names[key]} before the update")
            before[f"{key}_new"] = old
            parts[f"{key}_new"] = Part(upd, CHECK, _t(f"nouveau {names[key]}", f"new {names[key]}"),
                                       misconceptions(upd, [
                                           Misconception("wrong-sign", old + eta * g, SIGN),
                                           Misconception("forgot-sigmoid-derivative", old - eta * bad, why)], d))
        ctx = {"p": p, "k": k, "i": i, "j": j, "pk": pk, "Y": Yh, "fY": fY, "fpY": fpY, "Z": float(ZL[0, 0]),
               "fz": fz, "fpz": fz * (1 - fz), "dE_df": float(dE_df[0, 0]), "delta": delta,
               "b_hidden": bh, "old": {kk: v[0] for kk, v in values.items()},
               "grad": {kk: v[1] for kk, v in values.items()}, "new": {kk: v[2] for kk, v in values.items()},
               DECIMALS: {kk: d for kk in parts}, BEFORE: before}
        return Solution(parts, ctx)
