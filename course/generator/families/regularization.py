"""regularization: L1 / L2 penalty and the weights after one regularised step (003).

003: ``E = E + alpha1 sum |w_i|`` (L1) or ``E = E + alpha2 sum w_i^2`` (L2); gradients
``alpha1 sign(w)`` and ``2 alpha2 w`` (``course.reference.optimizers.l1_* / l2_*``). One step
of gradient descent on the regularised loss: ``w = w - eta (dE/dw + penalty gradient)``.
(003's last line writes ``w - eta dE/dw + alpha sign(w) + ...`` - the penalty gradient must
also be subtracted and multiplied by eta; the reference follows the derivation.)
Parts (4 decimals asked, :mod:`..precision`): ``penalty`` (the term added to the loss) and
``w`` (after one step; ``context["before"]`` holds the weights before it). A draw where the
step, or the penalty's share of it, is too small to be seen at 4 decimals is drawn again:
the "forgot the penalty gradient" answer is then always rejected.
Misconceptions: forgot the penalty gradient; the handout's last line (penalty gradient added,
not multiplied by eta); L2 gradient without the factor 2; the other
norm's penalty (L1 and L2 confused).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.optimizers import l1_grad, l1_penalty, l2_grad, l2_penalty, sgd_step

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import (
    BEFORE,
    DECIMALS,
    array_check,
    float_check,
    misconceptions,
    require_separated,
)

DECIMALS_ASKED = 4


class Regularization(Family):
    id = "regularization"
    title = {"fr": "Régularisation L1 / L2 : pénalité et mise à jour des poids",
             "en": "L1 / L2 regularisation: penalty and weight update"}
    params = {
        "norm": Param("str", "l1 or l2", choices=("l1", "l2")),
        "w": Param("floats", "weights w_i"),
        "grad": Param("floats", "gradient of the data loss dE/dw_i"),
        "alpha": Param("float", "regularisation coefficient (alpha1 or alpha2)"),
        "lr": Param("float", "learning rate eta"),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        norm = c.choice(rng, "norm", ["l1", "l2"])
        k = int(rng.integers(3, 5))
        w = c.value("w", None) or [round(float(v), 1) or 0.5 for v in rng.uniform(-2, 2, k)]
        grad = c.value("grad", None) or [round(float(v), 2) for v in rng.uniform(-1, 1, len(w))]
        alpha = float(c.choice(rng, "alpha", [0.01, 0.05, 0.1] if norm == "l1" else [0.01, 0.05]))
        return {"norm": norm, "w": w, "grad": grad, "alpha": alpha,
                "lr": float(c.choice(rng, "lr", [0.1, 0.5, 1.0]))}

    def solve(self, params: dict[str, Any]) -> Solution:
        norm, w, grad, alpha, lr = (params[k] for k in ("norm", "w", "grad", "alpha", "lr"))
        if norm not in ("l1", "l2"):
            raise ParameterError("norm", text(f"doit valoir l1 ou l2, reçu : {norm!r}", f"must be l1 or l2, got {norm!r}"))
        for name, v in (("w", w), ("grad", grad)):
            if not isinstance(v, list) or not v or not all(
                    type(t) in (int, float) and np.isfinite(t) for t in v):
                raise ParameterError(name, text(f"doit être une liste non vide de nombres, reçu : {v!r}", f"must be a non-empty list of numbers, got {v!r}"))
        if len(grad) != len(w):
            raise ParameterError("grad", text(f"{len(grad)} gradients pour {len(w)} poids", f"{len(grad)} gradients for {len(w)} weights"))
        if type(alpha) not in (int, float) or not 0 <= alpha <= 1:
            raise ParameterError("alpha", text(f"doit être dans [0, 1], reçu : {alpha!r}", f"must lie in [0, 1], got {alpha!r}"))
        if type(lr) not in (int, float) or not 0 < lr <= 10:
            raise ParameterError("lr", text(f"le taux d'apprentissage doit être dans ]0, 10], reçu : {lr!r}", f"the learning rate must lie in ]0, 10], got {lr!r}"))
        penalty_fn, grad_fn = (l1_penalty, l1_grad) if norm == "l1" else (l2_penalty, l2_grad)
        other_penalty = l2_penalty if norm == "l1" else l1_penalty
        pen = penalty_fn(w, alpha)
        pg = grad_fn(w, alpha)
        total = np.asarray(grad, dtype=np.float64) + pg
        w_new = sgd_step(w, total, lr)
        no_pen = sgd_step(w, grad, lr)  # MISCONCEPTION: forgot the penalty's gradient
        dec = DECIMALS_ASKED
        fc, ac = float_check(dec), array_check(dec)
        forgot = {"fr": "la pénalité fait partie de la perte : son gradient s'ajoute à ∂E/∂w "
                        "dans la mise à jour.",
                  "en": "the penalty is part of the loss: its gradient adds to ∂E/∂w in the "
                        "update."}
        mis_w = [Misconception("forgot-penalty-gradient", no_pen.tolist(), forgot)]
        if norm == "l2":  # MISCONCEPTION: d(w^2)/dw = w instead of 2w
            half = sgd_step(w, np.asarray(grad, dtype=np.float64) + 0.5 * pg, lr)
            mis_w.append(Misconception("l2-without-factor-2", half.tolist(),
                                       {"fr": "la dérivée de w² est 2w : le gradient de la pénalité L2 "
                                              "est 2 α2 w.",
                                        "en": "the derivative of w² is 2w: the gradient of the L2 "
                                              "penalty is 2 α2 w."}))
        # MISCONCEPTION: the handout's last line, w - lr dE/dw + penalty gradient (003 slip)
        handout = no_pen + pg
        mis_w.append(Misconception("handout-formula", handout.tolist(), {
            "fr": "le gradient de la pénalité se multiplie lui aussi par η et se soustrait : "
                  "w = w − η (∂E/∂w + gradient de la pénalité) (la dernière ligne du support, "
                  "w − η ∂E/∂w + α sign(w) + ..., est une coquille).",
            "en": "the penalty's gradient is also multiplied by η and subtracted: "
                  "w = w − η (∂E/∂w + penalty gradient) (the handout's last line, "
                  "w − η ∂E/∂w + α sign(w) + ..., is a slip)."}))
        confused = {"fr": "L1 = α Σ |w_i| (valeurs absolues), L2 = α Σ w_i² (carrés) : vous avez "
                          "calculé l'autre norme.",
                    "en": "L1 = α Σ |w_i| (absolute values), L2 = α Σ w_i² (squares): you "
                          "computed the other norm."}
        require_separated(w, w_new.tolist(), dec, "the weights before the update")
        parts = {
            "penalty": Part(pen, fc, {"fr": "terme de pénalité", "en": "penalty term"},
                            misconceptions(pen, [Misconception("l1-l2-confused",
                                                               other_penalty(w, alpha), confused)], dec)),
            "w": Part(w_new.tolist(), ac, {"fr": "poids après un pas", "en": "weights after one step"},
                      misconceptions(w_new.tolist(), mis_w, dec)),
        }
        return Solution(parts, {"penalty_grad": pg.tolist(), "total_grad": total.tolist(),
                                "k": len(w), DECIMALS: {"penalty": dec, "w": dec},
                                BEFORE: {"w": [float(v) for v in w]}})
