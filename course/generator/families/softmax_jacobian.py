"""softmax-jacobian: the Jacobian of the softmax, and the cross-entropy gradient through it (003).

003 ("Dérivé de la fonction softmax"): ``f'(Z_i) = f(Z_i)(1 - f(Z_i))`` if i = j and
``-f(Z_i) f(Z_j)`` if i != j, that is ``J_ij = df(Z_i)/dZ_j = f_i (delta_ij - f_j)``
(:func:`course.reference.activations.softmax_jacobian`). With the cross-entropy
``E = -sum_i d_i ln f(Z_i)`` of a one-hot class d (003, "Cas de classification multi-classes"),
``dE/dZ_j = sum_i (-d_i / f(Z_i)) J_ij = f(Z_j) - d_j`` (002: "delta = y_hat - y").

Parameters: ``z`` (C logits) and ``target`` (the true class, 1..C).
Parts (4 decimals asked, :mod:`..precision`): ``probs`` f(Z), ``jacobian`` (C x C),
``delta`` (dE/dZ, C values).
Misconceptions: the off-diagonal terms forgotten (a diagonal Jacobian: the sigmoid's
derivative on each output) or with the wrong sign (+ f_i f_j); for ``delta``, the same
diagonal Jacobian (only the true class gets a gradient, f_c - 1) and the wrong sign (d - f).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.activations import softmax, softmax_jacobian
from course.reference.losses import cce_loss

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, array_check, misconceptions
from ._params import float_list, one_decimal

DECIMALS_ASKED = 4


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


DIAGONAL = _t("la sortie f(Z_i) dépend de tous les Z_j (par la somme du dénominateur) : hors de la diagonale, "
              "∂f(Z_i)/∂Z_j = −f(Z_i) f(Z_j), pas 0.",
              "the output f(Z_i) depends on every Z_j (through the denominator's sum): off the diagonal, "
              "∂f(Z_i)/∂Z_j = −f(Z_i) f(Z_j), not 0.")
SIGN = _t("hors de la diagonale, ∂f(Z_i)/∂Z_j = −f(Z_i) f(Z_j) : augmenter Z_j fait baisser les autres probabilités.",
          "off the diagonal, ∂f(Z_i)/∂Z_j = −f(Z_i) f(Z_j): raising Z_j lowers the other probabilities.")
DELTA_DIAGONAL = _t("la règle de chaînage somme sur toutes les sorties i (003) : avec les termes hors diagonale, "
                    "∂E/∂Z_j = f(Z_j) − d_j pour chaque classe, pas seulement pour la vraie.",
                    "the chain rule sums over every output i (003): with the off-diagonal terms, "
                    "∂E/∂Z_j = f(Z_j) − d_j for every class, not only the true one.")
DELTA_SIGN = _t("∂E/∂Z = f(Z) − d (la prédiction moins la cible), pas d − f(Z).",
                "∂E/∂Z = f(Z) − d (the prediction minus the target), not d − f(Z).")


class SoftmaxJacobian(Family):
    id = "softmax-jacobian"
    title = {"fr": "Dérivée de la softmax (matrice jacobienne) et gradient de l'entropie croisée",
             "en": "Derivative of the softmax (Jacobian matrix) and gradient of the cross-entropy"}
    params = {"z": Param("floats", "the C logits Z_1..Z_C"),
              "target": Param("int", "the true class d (1..C)", default=1)}

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        z = c.value("z", None)
        if z is None:
            C = int(rng.choice([3, 3, 4]))
            while True:
                z = [one_decimal(rng, -2.0, 2.0, nonzero=False) for _ in range(C)]
                if len(set(z)) == C:
                    break
        return {"z": z, "target": c.int(rng, "target", 1, len(z))}

    def solve(self, params: dict[str, Any]) -> Solution:
        z = float_list(params, "z", min_len=2)
        C = len(z)
        target = params["target"]
        if not isinstance(target, int) or isinstance(target, bool) or not 1 <= target <= C:
            raise ParameterError("target", text(f"doit être un numéro de classe entre 1 et {C}, reçu : {target!r}", f"must be a class number between 1 and {C}, got {target!r}"))
        zc = np.array(z, dtype=np.float64).reshape(C, 1)
        s = softmax(zc, axis=0)[:, 0]
        J = softmax_jacobian(s)
        d = np.zeros(C)
        d[target - 1] = 1.0
        _, dE_ds = cce_loss(s.reshape(C, 1), d.reshape(C, 1))  # -d_i / f(Z_i)
        delta = (J.T @ dE_ds[:, 0])  # chain rule through the Jacobian: f(Z) - d
        diag = np.diag(np.diag(J))
        dec = DECIMALS_ASKED
        ac = array_check(dec)
        parts = {
            "probs": Part(s.tolist(), ac, _t("probabilités f(Z)", "probabilities f(Z)")),
            "jacobian": Part(J.tolist(), ac, _t("matrice jacobienne ∂f(Z_i)/∂Z_j", "Jacobian matrix ∂f(Z_i)/∂Z_j"),
                             misconceptions(J.tolist(), [
                                 Misconception("diagonal-only", diag.tolist(), DIAGONAL),
                                 Misconception("off-diagonal-sign", (2 * diag - J).tolist(), SIGN)], dec)),
            "delta": Part(delta.tolist(), ac, _t("gradient ∂E/∂Z", "gradient ∂E/∂Z"),
                          misconceptions(delta.tolist(), [
                              Misconception("diagonal-only", (diag.T @ dE_ds[:, 0]).tolist(), DELTA_DIAGONAL),
                              Misconception("wrong-sign", (-delta).tolist(), DELTA_SIGN)], dec)),
        }
        return Solution(parts, {"C": C, "target": target, "onehot": d.tolist(), "dE_ds": dE_ds[:, 0].tolist(),
                                DECIMALS: {k: dec for k in parts}})
