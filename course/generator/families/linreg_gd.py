"""linreg-gd: gradient descent on y = a x + b, step by step (004).

004: ``L = 1/(2n) sum (y*_i - (a x_i + b))^2``, ``dL/da = (1/n) sum (a x_i + b - y*_i) x_i``,
``dL/db = (1/n) sum (a x_i + b - y*_i)``, ``a <- a - gamma dL/da``, ``b <- b - gamma dL/db``
(``course.reference.linreg``). With ``loss=mse`` (``L = 1/n sum (...)^2``, no 1/2) every
gradient is twice 004's, so a step with learning rate gamma is 004's step with 2 gamma.

Parts (4 decimals asked, :mod:`..precision`): ``grad_a``, ``grad_b`` (gradients at the
initial point) and ``a``, ``b`` (after ``steps`` steps); ``context["before"]`` holds the
initial ``a`` and ``b``, and a draw whose steps move ``a`` or ``b`` by less than the asked
precision can tell is drawn again (a student who did nothing must not be graded correct). Misconceptions: the factor 2 (forgot it with ``mse``; added it with 004's
1/(2n) loss), the wrong sign (``a + gamma dL/da``: gradient ascent) and, for the gradients,
the sign of the residual (``y* - (a x + b)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.linreg import linreg_gd, linreg_loss_grad

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import BEFORE, DECIMALS, float_check, misconceptions, require_separated

LOSSES = ("half_mse", "mse")
DECIMALS_ASKED = 4



def _ascent(x: list[float], y: list[float], a: float, b: float, lr: float, steps: int,
            factor: float) -> tuple[float, float]:
    """The MISCONCEPTION 'wrong sign' (a + lr dL/da), with the reference's gradients;
    used only to recognise that mistake."""
    for _ in range(steps):
        _, ga, gb = linreg_loss_grad(a, b, x, y)
        a, b = a + lr * factor * ga, b + lr * factor * gb
    return a, b


class LinregGd(Family):
    id = "linreg-gd"
    title = {"fr": "Descente de gradient sur y = aX + b, pas à pas",
             "en": "Gradient descent on y = aX + b, step by step"}
    params = {
        "x": Param("floats", "inputs x_i"),
        "y": Param("floats", "targets y*_i"),
        "a": Param("float", "initial slope a"),
        "b": Param("float", "initial intercept b"),
        "lr": Param("float", "learning rate gamma in ]0, 1["),
        "steps": Param("int", "number of gradient-descent steps", default=1),
        "loss": Param("str", "half_mse (004: 1/(2n) sum) or mse (1/n sum)", default="half_mse",
                      choices=LOSSES),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        n = int(rng.integers(3, 6))
        x = c.value("x", None) or sorted({round(float(v), 1) for v in rng.uniform(0, 3, n)})
        a_true = round(float(rng.uniform(1, 4)), 1)
        b_true = round(float(rng.uniform(-1, 1)), 1)
        y = c.value("y", None) or [round(a_true * v + b_true + float(rng.normal(0, 0.2)), 1)
                                   for v in x]
        return {"x": x, "y": y, "a": c.float(rng, "a", 0, 1, 2), "b": c.float(rng, "b", 0, 1, 2),
                "lr": float(c.choice(rng, "lr", [0.01, 0.05, 0.1])),
                "steps": c.int(rng, "steps", 1, 2),
                "loss": c.choice(rng, "loss", ["half_mse", "half_mse", "mse"])}

    def solve(self, params: dict[str, Any]) -> Solution:
        x, y, a0, b0 = params["x"], params["y"], params["a"], params["b"]
        lr, steps, loss = params["lr"], params["steps"], params["loss"]
        for name, v in (("x", x), ("y", y)):
            if not isinstance(v, list) or not v or not all(
                    type(t) in (int, float) and np.isfinite(t) for t in v):
                raise ParameterError(name, text(f"doit être une liste non vide de nombres, reçu : {v!r}", f"must be a non-empty list of numbers, got {v!r}"))
        if len(x) != len(y):
            raise ParameterError("y", text(f"{len(y)} cibles pour {len(x)} entrées", f"{len(y)} targets for {len(x)} inputs"))
        for name, v in (("a", a0), ("b", b0)):
            if type(v) not in (int, float) or not np.isfinite(v):
                raise ParameterError(name, text(f"doit être un nombre, reçu : {v!r}", f"must be a number, got {v!r}"))
        if type(lr) not in (int, float) or not 0 < lr < 1:
            raise ParameterError("lr", text(f"le taux d'apprentissage doit être dans ]0, 1[, reçu : {lr!r}", f"the learning rate must lie in ]0, 1[, got {lr!r}"))
        if type(steps) is not int or not 1 <= steps <= 20:
            raise ParameterError("steps", text(f"doit être un entier dans [1, 20], reçu : {steps!r}", f"must be an integer in [1, 20], got {steps!r}"))
        if loss not in LOSSES:
            raise ParameterError("loss", text(f"doit être l'une de {', '.join(LOSSES)}, reçu : {loss!r}", f"must be one of {', '.join(LOSSES)}, got {loss!r}"))
        factor = 2.0 if loss == "mse" else 1.0  # d/dtheta of 1/n sum r^2 = 2 x 004's gradient
        path = linreg_gd(x, y, a0, b0, lr=factor * lr, steps=steps)
        other = linreg_gd(x, y, a0, b0, lr=(1.0 if loss == "mse" else 2.0) * lr, steps=steps)
        asc_a, asc_b = _ascent(x, y, float(a0), float(b0), float(lr), steps, factor)
        ga, gb = factor * path[0].grad_a, factor * path[0].grad_b
        dec = DECIMALS_ASKED
        fc = float_check(dec)
        two = ({"fr": "avec L = (1/n) Σ (…)², la dérivée du carré fait apparaître un facteur 2 : "
                      "vous l'avez oublié.",
                "en": "with L = (1/n) Σ (…)², differentiating the square brings a factor 2: "
                      "you forgot it."}
               if loss == "mse" else
               {"fr": "avec L = 1/(2n) Σ (…)², le 1/2 compense le 2 de la dérivée du carré : "
                      "pas de facteur 2 dans le gradient.",
                "en": "with L = 1/(2n) Σ (…)², the 1/2 cancels the 2 from differentiating the "
                      "square: no factor 2 in the gradient."})
        sign = {"fr": "on descend le gradient : a = a − γ ∂L/∂a (vous avez ajouté le gradient).",
                "en": "descend the gradient: a = a − γ ∂L/∂a (you added the gradient)."}
        resid = {"fr": "le résidu est a·x + b − y* : avec y* − (a·x + b), le gradient change de "
                       "signe.",
                 "en": "the residual is a·x + b − y*: with y* − (a·x + b) the gradient changes "
                       "sign."}
        k2 = "forgot-factor-2" if loss == "mse" else "extra-factor-2"
        other_factor = 1.0 if loss == "mse" else 2.0
        last = path[-1]
        require_separated(float(a0), last.a_new, dec, "a before the update")
        require_separated(float(b0), last.b_new, dec, "b before the update")
        parts = {
            "grad_a": Part(ga, fc, {"fr": "∂L/∂a au point initial", "en": "∂L/∂a at the start"},
                           misconceptions(ga, [Misconception(k2, ga / factor * other_factor, two),
                                               Misconception("residual-sign", -ga, resid)], dec)),
            "grad_b": Part(gb, fc, {"fr": "∂L/∂b au point initial", "en": "∂L/∂b at the start"},
                           misconceptions(gb, [Misconception(k2, gb / factor * other_factor, two),
                                               Misconception("residual-sign", -gb, resid)], dec)),
            "a": Part(last.a_new, fc, {"fr": f"a après {steps} pas", "en": f"a after {steps} step(s)"},
                      misconceptions(last.a_new, [Misconception(k2, other[-1].a_new, two),
                                                  Misconception("wrong-sign", asc_a, sign)], dec)),
            "b": Part(last.b_new, fc, {"fr": f"b après {steps} pas", "en": f"b after {steps} step(s)"},
                      misconceptions(last.b_new, [Misconception(k2, other[-1].b_new, two),
                                                  Misconception("wrong-sign", asc_b, sign)], dec)),
        }
        xs = np.asarray(x, dtype=np.float64)
        ys = np.asarray(y, dtype=np.float64)
        table = [{"k": s.step + 1, "a": s.a, "b": s.b, "loss": s.loss * factor,
                  "residuals": (s.a * xs + s.b - ys).tolist(),
                  "grad_a": factor * s.grad_a, "grad_b": factor * s.grad_b,
                  "a_new": s.a_new, "b_new": s.b_new} for s in path]
        return Solution(parts, {"n": len(x), "steps": table, "factor": factor,
                                DECIMALS: {k: dec for k in parts},
                                BEFORE: {"a": float(a0), "b": float(b0)}})
