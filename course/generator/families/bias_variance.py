"""bias-variance: bias², variance and error of a model's predictions (003).

003 ("Compromis Biais-variance 2/2"): ``Y_bar = (1/N) sum predicted_i``,
``Bias² = (1/N) sum (Y_bar - desired_i)^2``, ``Variance = 1/(N - 1) sum (predicted_i - Y_bar)^2``,
``Error = Bias² + Variance (+ irreducible error)``
(``course.reference.metrics.bias_variance``). Parts: ``mean_prediction``, ``bias2``,
``variance``, ``error``.
Misconceptions: variance divided by N instead of N - 1; the bias not squared
(``(1/N) sum (Y_bar - desired_i)``); the mean squared error of the predictions
(``(1/N) sum (predicted_i - desired_i)^2``) taken for Bias².
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.metrics import bias_variance

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, float_check, misconceptions

DECIMALS_ASKED = 4


class BiasVariance(Family):
    id = "bias-variance"
    title = {"fr": "Compromis biais-variance : biais², variance et erreur",
             "en": "Bias-variance trade-off: bias², variance and error"}
    params = {
        "predictions": Param("floats", "predicted values predicted_i"),
        "targets": Param("floats", "desired values desired_i"),
    }

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        n = int(rng.integers(4, 7))
        targets = c.value("targets", None) or [round(float(v), 1) for v in rng.uniform(0, 5, n)]
        offset = float(rng.uniform(-1, 1))
        preds = c.value("predictions", None) or [
            round(t + offset + float(rng.normal(0, 0.6)), 1) for t in targets]
        return {"predictions": preds, "targets": targets}

    def solve(self, params: dict[str, Any]) -> Solution:
        p, t = params["predictions"], params["targets"]
        for name, v in (("predictions", p), ("targets", t)):
            if not isinstance(v, list) or not all(type(x) in (int, float) and np.isfinite(x) for x in v):
                raise ParameterError(name, text(f"doit être une liste de nombres, reçu : {v!r}", f"must be a list of numbers, got {v!r}"))
        if len(p) < 2:
            raise ParameterError("predictions", text("il faut au moins 2 prédictions (la variance divise par N - 1)", "need at least 2 predictions (the variance divides by N - 1)"))
        if len(t) != len(p):
            raise ParameterError("targets", text(f"{len(t)} cibles pour {len(p)} prédictions", f"{len(t)} targets for {len(p)} predictions"))
        r = bias_variance(p, t)
        n = len(p)
        pa, ta = np.asarray(p, dtype=np.float64), np.asarray(t, dtype=np.float64)
        var_n = r["variance"] * (n - 1) / n  # MISCONCEPTION: divided by N
        bias_not_sq = float(np.mean(r["mean_prediction"] - ta))  # MISCONCEPTION: not squared
        mse = float(np.mean((pa - ta) ** 2))  # MISCONCEPTION: the MSE taken for Bias²
        dec = DECIMALS_ASKED
        fc = float_check(dec)
        t_n = {"fr": "le cours divise la variance par N − 1 (variance non biaisée), pas par N.",
               "en": "the course divides the variance by N − 1 (unbiased variance), not by N."}
        t_sq = {"fr": "Biais² est la moyenne des carrés (Ȳ − desired_i)², pas la moyenne des écarts.",
                "en": "Bias² is the mean of the squares (Ȳ − desired_i)², not the mean of the differences."}
        t_mse = {"fr": "Biais² compare la prédiction moyenne Ȳ aux valeurs désirées, pas chaque "
                       "prédiction (ce serait l'erreur quadratique moyenne).",
                 "en": "Bias² compares the mean prediction Ȳ with the desired values, not each "
                       "prediction (that would be the mean squared error)."}
        parts = {
            "mean_prediction": Part(r["mean_prediction"], fc, {"fr": "prédiction moyenne Ȳ",
                                                                "en": "mean prediction Ȳ"}),
            "bias2": Part(r["bias2"], fc, {"fr": "biais²", "en": "bias²"},
                          misconceptions(r["bias2"], [Misconception("bias-not-squared", bias_not_sq, t_sq),
                                                      Misconception("mse-for-bias", mse, t_mse)], dec)),
            "variance": Part(r["variance"], fc, {"fr": "variance", "en": "variance"},
                             misconceptions(r["variance"], [Misconception("divided-by-n", var_n, t_n)], dec)),
            "error": Part(r["error"], fc, {"fr": "erreur = biais² + variance", "en": "error = bias² + variance"},
                          misconceptions(r["error"], [Misconception("divided-by-n", r["bias2"] + var_n, t_n)],
                                         dec)),
        }
        dev_t = (r["mean_prediction"] - ta).tolist()
        dev_p = (pa - r["mean_prediction"]).tolist()
        return Solution(parts, {"n": n, "dev_targets": dev_t, "dev_preds": dev_p,
                                "sum_p": float(pa.sum()),
                                "sq_t": [d * d for d in dev_t], "sq_p": [d * d for d in dev_p],
                                DECIMALS: {k: dec for k in parts}})
