"""loss: value of a loss function over m examples (001, 003, 004).

Conventions are those of :mod:`course.reference.losses`: every loss is the **mean over the m
examples** of the per-example loss (001: ``J = (1/m) sum_i L(y_hat^(i), y^(i))``):

- ``mse`` (003): ``(1/m) sum (y - y_hat)^2`` (004's ``1/(2n)`` variant is named as a
  misconception: the statement asks for 003's form);
- ``bce`` (001, 003): ``-(1/m) sum [y ln y_hat + (1 - y) ln(1 - y_hat)]``;
- ``cce`` (001, 003): ``-(1/m) sum_i sum_c y_c ln y_hat_c`` with one-hot ``y``.

Parameters are matrices with **one row per example** (``y_hat=0.9,0.2`` is one row of m = 2
values for mse/bce; for cce each row is one example's probability vector, ``y`` one-hot
rows); the reference takes the course's ``n x m`` layout, so rows are transposed.

Parts: ``loss`` (FloatCheck, 4 decimals asked, :mod:`..precision`). Misconceptions: forgot the minus sign,
sum instead of mean (m > 1), log10 instead of ln, MSE without the square or with 1/(2m).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.losses import bce_loss, cce_loss, mse_loss

from ..base import Constraints, Degenerate, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, float_check, misconceptions
from ._params import float_matrix

KINDS = ("mse", "bce", "cce")
DECIMALS_ASKED = 4
CHECK = float_check(DECIMALS_ASKED)


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


SUM = _t("la fonction de coût est la moyenne des pertes sur les m données : il faut diviser "
         "la somme par m.",
         "the cost is the mean of the losses over the m examples: divide the sum by m.")
LOG10 = _t("l'entropie croisée utilise le logarithme népérien ln, pas log10.",
           "cross-entropy uses the natural logarithm ln, not log10.")
MINUS = _t("il manque le signe moins : les ln de probabilités sont négatifs, la perte est positive.",
           "the minus sign is missing: logs of probabilities are negative, the loss is positive.")


class Loss(Family):
    id = "loss"
    title = {"fr": "Calcul d'une fonction de perte (MSE, entropie croisée binaire ou catégorielle)",
             "en": "Computing a loss function (MSE, binary or categorical cross-entropy)"}
    params = {
        "kind": Param("str", "the loss", choices=KINDS),
        "y": Param("matrix", "targets, one row per example for cce (one-hot), else one row of m values"),
        "y_hat": Param("matrix", "predictions, same layout as y"),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        kind = c.choice(rng, "kind", list(KINDS))
        if kind == "mse":
            m = int(rng.integers(2, 5))
            y = [round(float(rng.integers(-20, 41)) / 10, 1) for _ in range(m)]
            y_hat = [round(v + float(rng.integers(-15, 16)) / 10, 1) for v in y]
            return {"kind": kind, "y": [y], "y_hat": [y_hat]}
        if kind == "bce":
            m = int(rng.integers(2, 5))
            y = [int(rng.integers(0, 2)) for _ in range(m)]
            y_hat = [round(float(rng.integers(1, 20)) / 20, 2) for _ in range(m)]
            return {"kind": kind, "y": [y], "y_hat": [y_hat]}
        m = int(rng.integers(1, 4))
        C = int(rng.integers(3, 5))
        ys, yhs = [], []
        for _ in range(m):
            cls = int(rng.integers(C))
            ys.append([1 if j == cls else 0 for j in range(C)])
            cuts = sorted(int(v) for v in rng.choice(np.arange(1, 20), size=C - 1, replace=False))
            bounds = [0] + cuts + [20]
            yhs.append([round((bounds[j + 1] - bounds[j]) / 20, 2) for j in range(C)])
        return {"kind": kind, "y": ys, "y_hat": yhs}

    def solve(self, params: dict[str, Any]) -> Solution:
        kind = params["kind"]
        if kind not in KINDS:
            raise ParameterError("kind", text(f"doit être l'un de {', '.join(KINDS)}, reçu : {kind!r}", f"must be one of {', '.join(KINDS)}, got {kind!r}"))
        y = np.array(float_matrix(params, "y"))
        y_hat = np.array(float_matrix(params, "y_hat"))
        if y.shape != y_hat.shape:
            raise ParameterError("y_hat", text(f"la forme {y_hat.shape} diffère de celle de y, {y.shape}", f"shape {y_hat.shape} differs from y's {y.shape}"))
        if kind == "cce":
            m, C = y.shape
            if C < 2:
                raise ParameterError("y", text("cce demande au moins deux classes par ligne", "cce needs at least two classes per row"))
            if not (np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1)):
                raise ParameterError("y", text("chaque ligne doit être one-hot (un seul 1)", "each row must be one-hot (a single 1)"))
            if np.any(np.abs(y_hat.sum(axis=1) - 1) > 1e-6) or np.any(y_hat < 0):
                raise ParameterError("y_hat", text("chaque ligne doit être un vecteur de probabilités de somme 1", "each row must be a probability vector summing to 1"))
            loss, _ = cce_loss(y_hat.T, y.T)  # course layout: C x m
            picked = [float(y_hat[i, int(np.argmax(y[i]))]) for i in range(m)]
            if min(picked) <= 0:
                raise ParameterError("y_hat", text("la vraie classe a une probabilité 0 : perte infinie", "the true class has probability 0: infinite loss"))
            terms = [-math.log(p) for p in picked]
        else:
            if y.shape[0] != 1:
                raise ParameterError("y", text(f"{kind} prend une ligne de m valeurs, reçu : {y.shape[0]} lignes", f"{kind} takes one row of m values, got {y.shape[0]} rows"))
            y, y_hat = y[0], y_hat[0]
            m = y.size
            if kind == "mse":
                loss, _ = mse_loss(y_hat, y)
                terms = [float(d * d) for d in (y - y_hat)]
                picked = []
            else:
                if np.any((y < 0) | (y > 1)):
                    raise ParameterError("y", text("les cibles de bce doivent être dans [0, 1]", "bce targets must lie in [0, 1]"))
                if np.any((y_hat <= 0) | (y_hat >= 1)):
                    raise ParameterError("y_hat", text("les prédictions de bce doivent être strictement entre 0 et 1", "bce predictions must lie strictly between 0 and 1"))
                loss, _ = bce_loss(y_hat, y)
                picked = [float(p if t == 1 else 1 - p) for p, t in zip(y_hat, y)]
                terms = [float(-(t * math.log(p) + (1 - t) * math.log(1 - p))) for p, t in zip(y_hat, y)]
        if loss == 0:
            raise Degenerate("a zero loss (perfect predictions)")
        mis: list[Misconception] = []
        if m > 1:
            mis.append(Misconception("sum-instead-of-mean", loss * m, SUM))
        if kind == "mse":
            diff = y - y_hat
            mis += [Misconception("forgot-square", float(np.mean(np.abs(diff))), _t(
                        "l'erreur quadratique moyenne élève chaque écart au carré.",
                        "the mean squared error squares every difference.")),
                    Misconception("half-mse", mse_loss(y_hat, y, half=True)[0], _t(
                        "c'est la forme 1/(2m) (004), pratique pour la dérivée ; l'énoncé demande "
                        "la moyenne (1/m) des carrés (003).",
                        "that is the 1/(2m) form (004), handy for the derivative; the statement "
                        "asks for the mean (1/m) of the squares (003)."))]
        else:
            mis += [Misconception("forgot-minus", -loss, MINUS),
                    Misconception("log10", loss / math.log(10), LOG10)]
        part = Part(loss, CHECK, _t("valeur de la perte", "value of the loss"),
                    misconceptions(loss, mis, DECIMALS_ASKED))
        ctx = {"m": m, "terms": terms, "picked": picked, "sum": float(sum(terms)),
               DECIMALS: {"loss": DECIMALS_ASKED}}
        if kind == "mse":
            ctx["diffs"] = [float(d) for d in (y - y_hat)]
        return Solution({"loss": part}, ctx)
