"""metrics: accuracy, precision, recall, F1 and specificity from a confusion matrix (003, 004).

Confusion matrix: rows = desired (true) class, columns = predicted class (003); the values
come from ``course.reference.metrics.metrics_from_confusion`` (per class, one against the
rest; macro = plain mean over classes, 004). Parts: ``accuracy``, ``precision``, ``recall``,
``f1``, ``specificity`` (one value per class), ``macro_precision``, ``macro_recall``,
``macro_f1``.
Misconceptions: precision and recall swapped (row and column sums exchanged, which is also
what reading the matrix transposed gives); specificity of the transposed matrix
(TN / (TN + FN)); the micro average (= accuracy) instead of the macro average.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text
from course.reference.metrics import metrics_from_confusion

from ..base import Constraints, Family, Misconception, Param, Part, Solution
from ..precision import DECIMALS, array_check, float_check, misconceptions

DECIMALS_ASKED = 3


class Metrics(Family):
    id = "metrics"
    title = {"fr": "Métriques de classification à partir d'une matrice de confusion",
             "en": "Classification metrics from a confusion matrix"}
    params = {"cm": Param("matrix", "confusion matrix, rows = true class, columns = predicted, "
                                    "e.g. 50,10;5,35")}

    def draw(self, rng: np.random.Generator, c: Constraints) -> dict[str, Any]:
        cm = c.value("cm", None)
        if cm is None:
            k = int(rng.choice([2, 2, 3]))
            cm = [[int(rng.integers(20, 60)) if i == j else int(rng.integers(0, 15))
                   for j in range(k)] for i in range(k)]
        return {"cm": cm}

    def solve(self, params: dict[str, Any]) -> Solution:
        cm = params["cm"]
        try:
            arr = np.asarray(cm, dtype=np.float64)
        except (TypeError, ValueError):
            raise ParameterError("cm", text("les lignes doivent toutes avoir la même longueur", "rows must all have the same length")) from None
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 2:
            raise ParameterError("cm", text(f"attendu une matrice carrée C x C avec C >= 2, reçu la forme {arr.shape}", f"expected a square C x C matrix with C >= 2, got {arr.shape}"))
        if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.round(arr)):
            raise ParameterError("cm", text("les effectifs doivent être des entiers positifs ou nuls", "counts must be non-negative integers"))
        if np.any(arr.sum(axis=0) == 0) or np.any(arr.sum(axis=1) == 0):
            raise ParameterError("cm", text("chaque classe doit apparaître et être prédite au moins une fois (sinon une précision ou un rappel vaut 0/0)", "every class must occur and be predicted at least once "
                                       "(otherwise a precision or recall is 0/0)"))
        m = metrics_from_confusion(arr.astype(int))
        mt = metrics_from_confusion(arr.T.astype(int))  # MISCONCEPTION: the matrix read transposed
        dec = DECIMALS_ASKED
        fc = float_check(dec)
        ac = array_check(dec)
        swap = {"fr": "précision = diagonale / somme de la colonne (classe prédite), rappel = "
                      "diagonale / somme de la ligne (classe désirée) : vous les avez inversés "
                      "(ou lu la matrice transposée).",
                "en": "precision = diagonal / column sum (predicted class), recall = diagonal / "
                      "row sum (desired class): you swapped them (or read the matrix transposed)."}
        transp = {"fr": "les lignes sont les classes désirées et les colonnes les classes prédites : "
                        "spécificité = TN / (TN + FP), pas TN / (TN + FN).",
                  "en": "rows are the desired classes and columns the predicted ones: specificity "
                        "= TN / (TN + FP), not TN / (TN + FN)."}
        micro = {"fr": "la moyenne macro est la moyenne simple des valeurs par classe (004), pas "
                       "le calcul global (qui redonne l'accuracy).",
                 "en": "the macro average is the plain mean of the per-class values (004), not the "
                       "global computation (which gives the accuracy back)."}
        def arr_part(key: str, label: dict[str, str], mis: list[Misconception]) -> Part:
            v = [float(x) for x in m[key]]
            return Part(v, ac, label, misconceptions(v, mis, dec))
        parts = {
            "accuracy": Part(m["accuracy"], fc, {"fr": "accuracy", "en": "accuracy"}),
            "precision": arr_part("precision", {"fr": "précision par classe", "en": "precision per class"},
                                  [Misconception("swapped-precision-recall", m["recall"].tolist(), swap)]),
            "recall": arr_part("recall", {"fr": "rappel par classe", "en": "recall per class"},
                               [Misconception("swapped-precision-recall", m["precision"].tolist(), swap)]),
            "f1": arr_part("f1", {"fr": "F1-score par classe", "en": "F1-score per class"}, []),
            "specificity": arr_part("specificity", {"fr": "spécificité par classe",
                                                    "en": "specificity per class"},
                                    [Misconception("transposed-matrix", mt["specificity"].tolist(), transp)]),
            "macro_precision": Part(m["macro_precision"], fc, {"fr": "précision macro", "en": "macro precision"},
                                    misconceptions(m["macro_precision"], [
                                        Misconception("swapped-precision-recall", m["macro_recall"], swap),
                                        Misconception("micro-average", m["accuracy"], micro)], dec)),
            "macro_recall": Part(m["macro_recall"], fc, {"fr": "rappel macro", "en": "macro recall"},
                                 misconceptions(m["macro_recall"], [
                                     Misconception("swapped-precision-recall", m["macro_precision"], swap),
                                     Misconception("micro-average", m["accuracy"], micro)], dec)),
            "macro_f1": Part(m["macro_f1"], fc, {"fr": "F1 macro", "en": "macro F1"},
                             misconceptions(m["macro_f1"], [Misconception("micro-average", m["accuracy"], micro)],
                                            dec)),
        }
        k = arr.shape[0]
        per_class = [{"c": i, "tp": float(m["tp"][i]), "fp": float(m["fp"][i]), "fn": float(m["fn"][i]),
                      "tn": float(m["tn"][i]), "row": float(arr[i].sum()), "col": float(arr[:, i].sum()),
                      "precision": float(m["precision"][i]), "recall": float(m["recall"][i]),
                      "f1": float(m["f1"][i]), "specificity": float(m["specificity"][i])}
                     for i in range(k)]
        labels = ["non (0)", "oui (1)"] if k == 2 else [f"C{i + 1}" for i in range(k)]
        labels_en = ["no (0)", "yes (1)"] if k == 2 else labels
        return Solution(parts, {"k": k, "n": float(arr.sum()), "diag": float(np.trace(arr)),
                                "classes": per_class, "labels": {"fr": labels, "en": labels_en},
                                DECIMALS: {k: dec for k in parts}})
