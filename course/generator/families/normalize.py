"""normalize: z-score normalisation of a new point with the training statistics (004).

004: ``X_norm = (X - mean(X_train)) / std(X_train)``: the statistics come from the training
data only, and the same transformation is applied to any new point. The standard deviation is
the **population** one (divide by n; NumPy's, scikit-learn's StandardScaler's and Keras'
Normalization layer's convention), as :mod:`course.reference.data` documents; the statement
says so. Values come from :func:`course.reference.data.zscore_fit` / ``zscore_apply``.

Parts (FloatCheck, 3 decimals asked, :mod:`..precision`): ``mean``, ``std``, ``z`` (the
normalised new point).
Misconceptions: sample standard deviation (divide by n - 1), statistics computed with the new
point included (leakage), forgot to divide by the std, divided by the variance.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.data import zscore_apply, zscore_fit

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, float_check, misconceptions
from ._params import finite_float, float_list

DECIMALS_ASKED = 3
CHECK = float_check(DECIMALS_ASKED)


def _t(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


SAMPLE = _t("l'énoncé demande l'écart type de population (division par n, comme NumPy et "
            "scikit-learn), pas l'écart type corrigé (division par n - 1).",
            "the statement asks for the population standard deviation (divide by n, as NumPy and "
            "scikit-learn do), not the sample one (divide by n - 1).")


class Normalize(Family):
    id = "normalize"
    title = {"fr": "Normalisation des entrées (z-score) avec les statistiques d'entraînement",
             "en": "Input normalisation (z-score) with the training statistics"}
    params = {"train": Param("floats", "training values of the feature, e.g. 2,4,6,8"),
              "x": Param("float", "the new value to normalise")}

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        train = c.value("train", None)
        if train is None:
            n = int(rng.integers(4, 7))
            lo = int(rng.integers(0, 50))
            while True:
                train = [int(v) for v in rng.integers(lo, lo + 21, size=n)]
                if len(set(train)) > 1:
                    break
        x = c.float(rng, "x", min(train) - 5, max(train) + 5, 0) if "x" in c.raw else \
            int(rng.integers(int(min(train)) - 5, int(max(train)) + 6))
        return {"train": train, "x": x}

    def solve(self, params: dict[str, Any]) -> Solution:
        train = float_list(params, "train", min_len=2)
        x = finite_float(params, "x")
        arr = np.array(train, dtype=np.float64)
        mean, std = zscore_fit(arr.reshape(-1, 1), axis=0)
        mu, sigma = float(mean[0, 0]), float(std[0, 0])
        if sigma == 0:
            raise ParameterError("train", text("les valeurs d'entraînement sont toutes égales (écart type 0)", "the training values are all equal (standard deviation 0)"))
        z = float(zscore_apply(np.array([[x]]), mean, std)[0, 0])
        n = len(train)
        s_sample = float(np.std(arr, ddof=1))
        m_all, s_all = zscore_fit(np.append(arr, x).reshape(-1, 1), axis=0)
        leak = float(zscore_apply(np.array([[x]]), m_all, s_all)[0, 0])
        zm = [Misconception("sample-std", (x - mu) / s_sample, SAMPLE),
              Misconception("new-point-in-statistics", leak, _t(
                  "les statistiques se calculent sur les données d'entraînement seulement ; la "
                  "nouvelle donnée est normalisée avec la moyenne et l'écart type d'entraînement.",
                  "the statistics are computed on the training data only; the new point is "
                  "normalised with the training mean and standard deviation.")),
              Misconception("forgot-std", x - mu, _t(
                  "après avoir centré, il faut diviser par l'écart type.",
                  "after centring, divide by the standard deviation.")),
              Misconception("divided-by-variance", (x - mu) / sigma ** 2, _t(
                  "on divise par l'écart type, pas par la variance.",
                  "divide by the standard deviation, not by the variance."))]
        parts = {
            "mean": Part(mu, CHECK, _t("moyenne d'entraînement", "training mean")),
            "std": Part(sigma, CHECK, _t("écart type d'entraînement", "training standard deviation"),
                        misconceptions(sigma, [Misconception("sample-std", s_sample, SAMPLE)], DECIMALS_ASKED)),
            "z": Part(z, CHECK, _t("valeur normalisée de la nouvelle donnée",
                                   "normalised value of the new point"), misconceptions(z, zm, DECIMALS_ASKED)),
        }
        return Solution(parts, {"n": n, "sum": float(arr.sum()), "sq_devs": [float(v) for v in (arr - mu) ** 2],
                                "var": sigma ** 2, "sum_sq": float(((arr - mu) ** 2).sum()),
                                DECIMALS: {k: DECIMALS_ASKED for k in parts}})
