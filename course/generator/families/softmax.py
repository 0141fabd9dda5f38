"""softmax: probabilities, predicted class and cross-entropy of a logit vector (001, 003).

001 ("Fonction d'activation softmax"): ``y_hat_j = e^{z_j} / sum_c e^{z_c}``; its example
``z = (5, 4, 2) -> (0.70, 0.26, 0.04)``; the predicted class is the most probable one; the
categorical cross-entropy of one example is ``L = -sum_c y_c ln(y_hat_c) = -ln(y_hat_target)``
(natural logarithm). Values come from :func:`course.reference.activations.softmax` and
:func:`course.reference.losses.softmax_cce`.

Classes are numbered from 1 (the statement's convention). Parts: ``probs`` (ArrayCheck, 2
decimals asked, so one unit of the 2nd decimal by :mod:`..precision`'s rule: 001's printed
(0.70, 0.26, 0.04) is accepted; note that e^5 / (e^5 + e^4 + e^2) = 0.7054 and 001 truncates it
to 0.70), ``predicted`` (IntCheck), ``loss`` (FloatCheck, 3 decimals asked, computed from the
exact probabilities: 2.30 is rejected for 2.341).

Draws: distinct integer logits within a span of 6 (so that no probability is below 0.001),
except in :data:`P_TIE` of the draws, where two classes other than the
most probable one deliberately share a logit (``context["special"] = "repeated-z"``: equal
logits give equal probabilities).
Misconceptions: z normalised by its sum, exponentials not normalised; loss with log10, without
the minus sign, or summed over every class.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.activations import softmax
from course.reference.losses import softmax_cce

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..checks import IntCheck
from ..precision import DECIMALS, array_check, float_check, misconceptions
from ._params import float_list

DECIMALS_ASKED = {"probs": 2, "loss": 3}
PROBS_CHECK = array_check(DECIMALS_ASKED["probs"])
LOSS_CHECK = float_check(DECIMALS_ASKED["loss"])
#: share of the draws with a deliberately repeated logit
P_TIE = 0.04


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


class Softmax(Family):
    id = "softmax"
    title = {"fr": "Softmax : probabilités, classe prédite et entropie croisée",
             "en": "Softmax: probabilities, predicted class and cross-entropy"}
    params = {"z": Param("floats", "the C logits z_1..z_C, e.g. 5,4,2"),
              "target": Param("int", "the true class (1..C) for the cross-entropy", default=1)}

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        z = c.value("z", None)
        if z is None:
            C = int(rng.integers(3, 6))
            lo = int(rng.integers(-2, 1))  # distinct integers within a span of 6 (in [-2, 6]): no
            z = [int(v) + lo for v in rng.choice(7, size=C, replace=False)]  # probability below 0.001
            if rng.random() < P_TIE:  # two classes below the top one share a logit, on purpose
                order = sorted(range(C), key=lambda j: z[j])
                z[order[0]] = z[order[1]]
        target = c.int(rng, "target", 1, len(z))
        return {"z": z, "target": target}

    def solve(self, params: dict[str, Any]) -> Solution:
        z = float_list(params, "z", min_len=2)
        C = len(z)
        target = params["target"]
        if not isinstance(target, int) or isinstance(target, bool) or not 1 <= target <= C:
            raise ParameterError("target", text(f"doit être un numéro de classe entre 1 et {C}, reçu : {target!r}", f"must be a class number between 1 and {C}, got {target!r}"))
        zc = np.array(z, dtype=np.float64).reshape(C, 1)
        probs = softmax(zc, axis=0)[:, 0]
        onehot = np.zeros((C, 1))
        onehot[target - 1, 0] = 1.0
        loss, _ = softmax_cce(zc, onehot)
        predicted = int(np.argmax(probs)) + 1  # ties: the first class
        exps = [math.exp(v) for v in z]
        total = sum(exps)

        pm: list[Misconception] = []
        if sum(z) != 0:
            pm.append(Misconception("normalised-z-by-sum", [v / sum(z) for v in z], _t(
                "softmax normalise les exponentielles e^{z_j}, pas les z_j eux-mêmes.",
                "softmax normalises the exponentials e^{z_j}, not the z_j themselves.")))
        pm.append(Misconception("not-normalised", exps, _t(
            "il faut diviser chaque e^{z_j} par la somme des e^{z_c} pour que les probabilités "
            "somment à 1.",
            "each e^{z_j} must be divided by the sum of the e^{z_c} so that the probabilities sum to 1.")))
        p_t = float(probs[target - 1])
        lm = [Misconception("log10", -math.log10(p_t), _t(
                  "l'entropie croisée utilise le logarithme népérien ln, pas log10.",
                  "cross-entropy uses the natural logarithm ln, not log10.")),
              Misconception("forgot-minus", -loss, _t(
                  "L = -ln(ŷ_c) : sans le signe moins, la perte serait négative.",
                  "L = -ln(ŷ_c): without the minus sign the loss would be negative.")),
              Misconception("sum-over-classes", float(-np.sum(np.log(probs))), _t(
                  "seule la bonne classe compte (y_c = 0 pour les autres) : L = -ln(ŷ_c).",
                  "only the true class counts (y_c = 0 for the others): L = -ln(ŷ_c)."))]
        parts = {
            "probs": Part(probs, PROBS_CHECK, _t("probabilités ŷ (2 décimales)", "probabilities ŷ (2 decimals)"),
                          misconceptions(probs, pm, DECIMALS_ASKED["probs"])),
            "predicted": Part(predicted, IntCheck(), _t("classe prédite", "predicted class")),
            "loss": Part(loss, LOSS_CHECK, _t("entropie croisée", "cross-entropy"),
                         misconceptions(loss, lm, DECIMALS_ASKED["loss"])),
        }
        return Solution(parts, {"C": C, "exps": exps, "total": total, "p_target": p_t,
                                "rows": [[j + 1, z[j], exps[j], float(probs[j])] for j in range(C)],
                                DECIMALS: dict(DECIMALS_ASKED),
                                "special": "repeated-z" if len(set(z)) < C else None})
