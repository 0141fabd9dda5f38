"""backprop-softmax: one back-propagation step through a ReLU layer and a softmax output (003).

003 ("Cas de classification multi-classes"): the hidden outputs f(Y_j) feed a ReLU layer
``Z_l = sum_j psi_jl f(Y_j) + b_l``, ``f(Z_l) = max(0, Z_l)``, which feeds a softmax output over
C classes ``T_i = sum_l alpha_li f(Z_l) + c_i``, ``f(T_i) = e^{T_i} / sum e^{T}``; the error is
the cross-entropy ``E = sum_i -d_i ln f(T_i)``. 003's chain rule for psi_11::

    dE/dpsi_11 = sum_i dE/df(T_i) ( sum_j df(T_i)/dT_j dT_j/df(Z_1) ) df(Z_1)/dZ_1 dZ_1/dpsi_11

with ``dE/df(T_i) = -d_i / f(T_i)``, the softmax Jacobian ``df(T_i)/dT_j`` (which collapses the
first two factors into ``dE/dT_j = f(T_j) - d_j``), ``dT_j/df(Z_1) = alpha_1j``, the ReLU
derivative ``df(Z_1)/dZ_1 = 0 if Z_1 < 0, 1 if Z_1 >= 0`` and ``dZ_1/dpsi_11 = f(Y_1)``.
Every value comes from :func:`course.reference.dense.mlp_forward` / ``mlp_backward``
(activations relu, softmax; loss cce) and :func:`course.reference.dense.gd_update`.

Layouts as in 003: ``psi`` is k x m (row j = f(Y_j), column l = Z_l), ``alpha`` m x C
(row l = f(Z_l), column i = T_i).
Parts (4 decimals asked, :mod:`..precision`): ``probs`` f(T), ``loss`` E, ``delta_T`` dE/dT,
``grad_Z`` dE/dZ (every Z_l), ``grad_psi`` dE/dpsi_jl and ``psi_new`` (``context["before"]``:
psi_jl before the update). Draws ask for a psi_jl whose Z_l > 0 (so that the update is seen);
in :data:`P_NEGATIVE_Z` of them another Z_l is negative, so that the ReLU's zero branch is used.
Misconceptions: the softmax Jacobian without its off-diagonal terms (only the true class gets a
gradient), dE/dT with the wrong sign, the ReLU derivative forgotten, f(Y_j) forgotten in
dE/dpsi, the update with the wrong sign.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.activations import relu_grad, softmax
from course.reference.dense import MLPCache, gd_update, mlp_backward, mlp_forward, mlp_loss
from course.reference.losses import softmax_cce

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import (
    BEFORE,
    DECIMALS,
    array_check,
    float_check,
    misconceptions,
    require_separated,
)
from ._params import finite_float, float_list, float_matrix, one_decimal

DECIMALS_ASKED = 4
#: share of the draws where some Z_l < 0 (the ReLU's zero branch)
P_NEGATIVE_Z = 0.4
C_CLASSES = 3  # 003's example has 3 classes


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


DIAG = _t("la softmax couple les sorties : ∂f(T_i)/∂T_j = −f(T_i) f(T_j) pour i ≠ j ; avec ces termes, "
          "∂E/∂T_j = f(T_j) − d_j pour chaque classe, pas seulement pour la classe désirée.",
          "the softmax couples its outputs: ∂f(T_i)/∂T_j = −f(T_i) f(T_j) for i ≠ j; with these terms, "
          "∂E/∂T_j = f(T_j) − d_j for every class, not only for the desired one.")
DELTA_SIGN = _t("∂E/∂T = f(T) − d (la prédiction moins la cible), pas d − f(T).",
                "∂E/∂T = f(T) − d (the prediction minus the target), not d − f(T).")
NO_RELU = _t("la dérivée de ReLU vaut 0 pour Z_l < 0 : aucun gradient ne traverse un neurone ReLU inactif.",
             "ReLU's derivative is 0 for Z_l < 0: no gradient goes through an inactive ReLU neuron.")
NO_FY = _t("∂Z_l/∂ψ_jl = f(Y_j) : il faut encore multiplier ∂E/∂Z_l par f(Y_j).",
           "∂Z_l/∂ψ_jl = f(Y_j): ∂E/∂Z_l must still be multiplied by f(Y_j).")
SIGN = _t("la descente de gradient va dans le sens opposé au gradient : ψ = ψ − η ∂E/∂ψ.",
          "gradient descent moves against the gradient: ψ = ψ − η ∂E/∂ψ.")


def _forward(fy: list[float], psi: list[list[float]], b_z: list[float],
             alpha: list[list[float]], b_t: list[float]) -> tuple[np.ndarray, MLPCache]:
    """The logits T (C, 1) of the ReLU + linear network (the softmax is taken with the loss)."""
    net = {"W1": np.array(psi).T, "b1": np.array(b_z).reshape(-1, 1),
           "W2": np.array(alpha).T, "b2": np.array(b_t).reshape(-1, 1)}
    return mlp_forward(np.array(fy).reshape(-1, 1), net, ["relu", "linear"])


class BackpropSoftmax(Family):
    id = "backprop-softmax"
    title = {"fr": "Rétropropagation multi-classe : couche ReLU et sortie softmax (entropie croisée)",
             "en": "Multi-class back-propagation: a ReLU layer and a softmax output (cross-entropy)"}
    params = {
        "fy": Param("floats", "hidden outputs f(Y_1)..f(Y_k)"),
        "psi": Param("matrix", "weights psi (k x m): row j = f(Y_j), column l = Z_l"),
        "b_z": Param("floats", "biases of the ReLU layer (m values; empty: 0)", default=[]),
        "alpha": Param("matrix", "weights alpha (m x C): row l = f(Z_l), column i = T_i"),
        "b_t": Param("floats", "biases of the softmax layer (C values; empty: 0)", default=[]),
        "target": Param("int", "the desired class (1..C)"),
        "eta": Param("float", "learning rate", default=1.0),
        "psi_index": Param("ints", "which psi_jl to update: j,l (1-based; 003: 1,1)", default=[1, 1]),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        k, m = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        want_negative = rng.random() < P_NEGATIVE_Z
        for _ in range(200):
            fy = [round(float(rng.uniform(0.05, 0.95)), 2) for _ in range(k)]
            psi = [[one_decimal(rng, -1.0, 1.0) for _ in range(m)] for _ in range(k)]
            b_z = [one_decimal(rng, -0.3, 0.3, nonzero=False) for _ in range(m)]
            z = _forward(fy, psi, b_z, np.eye(m, C_CLASSES).tolist(), [0.0] * C_CLASSES)[1].layers[0].Z[:, 0]
            if np.any(np.abs(z) < 0.05):  # no Z_l at the ReLU's kink
                continue
            if bool(np.any(z < 0)) == want_negative and np.any(z > 0):
                break
        positive = [int(i) for i in np.flatnonzero(z > 0)]
        l = positive[int(rng.integers(len(positive)))] + 1
        alpha = [[one_decimal(rng, -1.0, 1.0) for _ in range(C_CLASSES)] for _ in range(m)]
        return {"fy": fy, "psi": psi, "b_z": b_z, "alpha": alpha, "b_t": [0.0] * C_CLASSES,
                "target": int(rng.integers(1, C_CLASSES + 1)),
                "eta": float(c.choice(rng, "eta", [0.5, 1.0])),
                "psi_index": [int(rng.integers(1, k + 1)), l]}

    def solve(self, params: dict[str, Any]) -> Solution:
        fy = float_list(params, "fy", min_len=1)
        k = len(fy)
        psi = float_matrix(params, "psi")
        if len(psi) != k:
            raise ParameterError("psi", text(f"demande {k} lignes (une par f(Y_j)), reçu : {len(psi)}", f"needs {k} rows (one per f(Y_j)), got {len(psi)}"))
        m = len(psi[0])
        alpha = float_matrix(params, "alpha")
        if len(alpha) != m:
            raise ParameterError("alpha", text(f"demande {m} lignes (une par Z_l), reçu : {len(alpha)}", f"needs {m} rows (one per Z_l), got {len(alpha)}"))
        C = len(alpha[0])
        if C < 2:
            raise ParameterError("alpha", text("demande au moins 2 colonnes (classes)", "needs at least 2 columns (classes)"))
        b_z = float_list(params, "b_z", length=m) if params["b_z"] else [0.0] * m
        b_t = float_list(params, "b_t", length=C) if params["b_t"] else [0.0] * C
        target = params["target"]
        if not isinstance(target, int) or isinstance(target, bool) or not 1 <= target <= C:
            raise ParameterError("target", text(f"doit être un numéro de classe entre 1 et {C}, reçu : {target!r}", f"must be a class number between 1 and {C}, got {target!r}"))
        eta = finite_float(params, "eta")
        if eta <= 0:
            raise ParameterError("eta", text(f"le taux d'apprentissage doit être positif, reçu : {eta}", f"the learning rate must be positive, got {eta}"))
        pj = params["psi_index"]
        if not isinstance(pj, list) or len(pj) != 2 or not (1 <= pj[0] <= k and 1 <= pj[1] <= m):
            raise ParameterError("psi_index", text(f"donnez j,l avec 1 <= j <= {k} et 1 <= l <= {m}, reçu : {pj!r}", f"give j,l with 1 <= j <= {k} and 1 <= l <= {m}, got {pj!r}"))
        j, l = pj

        TL, cache = _forward(fy, psi, b_z, alpha, b_t)
        d = np.zeros((C, 1))
        d[target - 1, 0] = 1.0
        net = {"W1": np.array(psi).T, "b1": np.array(b_z).reshape(-1, 1),
               "W2": np.array(alpha).T, "b2": np.array(b_t).reshape(-1, 1)}
        AL = softmax(TL)
        grads = mlp_backward(softmax_cce(TL, d)[1], cache)  # from dE/dT = f(T) - d
        new = gd_update(net, grads, eta)
        loss = mlp_loss(AL, d, "cce")
        probs = AL[:, 0]
        Z, fZ = cache.layers[0].Z[:, 0], cache.layers[0].A[:, 0]
        T = cache.layers[1].Z[:, 0]
        delta_T = grads["db2"][:, 0]  # f(T) - d
        grad_Z = grads["db1"][:, 0]  # (alpha delta_T) * relu'(Z)
        A = np.array(alpha)
        grad_fZ = A @ delta_T  # dE/df(Z_l) = sum_j alpha_lj dE/dT_j
        relu_d = relu_grad(Z)
        g_psi = float(grads["dW1"][l - 1, j - 1])
        old = float(psi[j - 1][l - 1])
        upd = float(new["W1"][l - 1, j - 1])
        # MISCONCEPTIONS, each the mistaken formula run on the same numbers
        delta_diag = -(d[:, 0] * (1 - probs))  # only the true class: f(T_c) - 1
        gz_diag = (A @ delta_diag) * relu_d
        dec = DECIMALS_ASKED
        fc, ac = float_check(dec), array_check(dec)
        grad_z_mis = [Misconception("jacobian-diagonal-only", gz_diag.tolist(), DIAG)]
        if np.any(Z < 0):
            grad_z_mis.insert(0, Misconception("forgot-relu-derivative", grad_fZ.tolist(), NO_RELU))
        require_separated(old, upd, dec, f"psi_{j}{l} before the update")
        parts = {
            "probs": Part(probs.tolist(), ac, _t("probabilités f(T)", "probabilities f(T)")),
            "loss": Part(loss, fc, _t("erreur E", "error E")),
            "delta_T": Part(delta_T.tolist(), ac, _t("∂E/∂T", "∂E/∂T"), misconceptions(delta_T.tolist(), [
                Misconception("jacobian-diagonal-only", delta_diag.tolist(), DIAG),
                Misconception("wrong-sign", (-delta_T).tolist(), DELTA_SIGN)], dec)),
            "grad_Z": Part(grad_Z.tolist(), ac, _t("∂E/∂Z", "∂E/∂Z"), misconceptions(grad_Z.tolist(), grad_z_mis, dec)),
            "grad_psi": Part(g_psi, fc, _t(f"∂E/∂ψ{j}{l}", f"∂E/∂ψ{j}{l}"), misconceptions(g_psi, [
                Misconception("jacobian-diagonal-only", float(gz_diag[l - 1] * fy[j - 1]), DIAG),
                Misconception("forgot-f-of-Y", float(grad_Z[l - 1]), NO_FY)], dec)),
            "psi_new": Part(upd, fc, _t(f"nouveau ψ{j}{l}", f"new ψ{j}{l}"), misconceptions(upd, [
                Misconception("wrong-sign", old + eta * g_psi, SIGN),
                Misconception("jacobian-diagonal-only", old - eta * float(gz_diag[l - 1] * fy[j - 1]), DIAG)],
                dec)),
        }
        ctx = {"k": k, "m": m, "C": C, "j": j, "l": l, "Z": Z.tolist(), "fZ": fZ.tolist(), "T": T.tolist(),
               "d": d[:, 0].tolist(), "grad_fZ": grad_fZ.tolist(), "relu_d": relu_d.tolist(),
               "b_z": b_z, "b_t": b_t, "old": old, "zero_b": not any(b_z) and not any(b_t),
               DECIMALS: {key: dec for key in parts}, BEFORE: {"psi_new": old}}
        return Solution(parts, ctx)
