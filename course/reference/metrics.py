"""Classification metrics and the bias-variance computation of 003 (and 004's precision/recall).

Confusion matrix ``CM``: rows = desired (true) class, columns = predicted class (003).

- accuracy ``= sum_i CM(i,i) / n``;
- ``recall_i = CM(i,i) / sum_j CM(i,j)`` (row), ``precision_i = CM(i,i) / sum_j CM(j,i)``
  (column), ``F1_i = 2 P R / (P + R)``, ``specificity_i = TN_i / (TN_i + FP_i)`` (one class
  against the rest);
- macro averages: the plain mean over classes (004: ``Précision = sum_i précision_i / n``).
  For two classes the *positive* class is class 1 (labels 0/1; "yes" = 1), and
  ``precision``, ``recall``, ``f1``, ``specificity`` also hold the class-1 values under the
  keys ``binary_*``.
- A ratio whose denominator is 0 (a class never predicted, or absent) is 0, as scikit-learn's
  ``zero_division=0``; such classes are listed under ``"undefined"``.

Bias-variance (003, "Compromis Biais-variance 2/2"), over N predictions of one model:
``Y_bar = mean(predicted)``, ``bias^2 = (1/N) sum (Y_bar - desired_i)^2``,
``variance = (1/(N-1)) sum (predicted_i - Y_bar)^2`` (unbiased, N - 1 as printed), and if the
noise ``eps_i`` is given, ``irreducible = (1/N) sum (eps_i - eps_bar)^2``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

Array = np.ndarray


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> Array:
    """The confusion matrix (003): rows = desired (true) class, columns = predicted class.

    Inputs:
    - y_true: (n,) integer labels in 0..n_classes-1.
    - y_pred: (n,) integer labels in 0..n_classes-1.
    - n_classes: C >= 2.

    Returns:
    - cm: (C, C) int64; ``cm[i, j]`` = examples of class i predicted j.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ParameterError("y_pred", text(f"attendu deux tableaux d'étiquettes 1-D de même longueur, reçu {y_true.shape} et {y_pred.shape}", f"expected two 1-D label arrays of the same length, "
                                       f"got {y_true.shape} and {y_pred.shape}"))
    if not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ParameterError("n_classes", text(f"doit être un entier >= 2, reçu : {n_classes!r}", f"must be an integer >= 2, got {n_classes!r}"))
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and (not np.all(np.equal(np.mod(labels, 1), 0))
                            or labels.min() < 0 or labels.max() >= n_classes):
            raise ParameterError(name, text(f"les étiquettes doivent être des entiers dans 0..{n_classes - 1}", f"labels must be integers in 0..{n_classes - 1}"))
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (y_true.astype(np.int64), y_pred.astype(np.int64)), 1)
    return cm


def _ratio(num: Array, den: Array) -> Array:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=den != 0)


def metrics_from_confusion(cm: Any) -> dict[str, Any]:
    """All the metrics of the module docstring from a confusion matrix (rows true, columns predicted).

    Inputs:
    - cm: (C, C) non-negative integer counts, C >= 2.

    Returns:
    - metrics: a dict: "accuracy", "macro_precision", "macro_recall", "macro_f1" (floats);
      "precision", "recall", "f1", "specificity", "tp", "fp", "fn", "tn" ((C,) arrays);
      "undefined" (classes with a zero denominator); for C = 2 also "binary_precision",
      "binary_recall", "binary_f1", "binary_specificity" (class 1).
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] < 2:
        raise ParameterError("cm", text(f"attendu une matrice carrée C x C avec C >= 2, reçu {cm.shape}", f"expected a square C x C matrix with C >= 2, got {cm.shape}"))
    if np.any(cm < 0) or not np.all(np.equal(np.mod(cm, 1), 0)):
        raise ParameterError("cm", text("les effectifs doivent être des entiers positifs ou nuls", "counts must be non-negative integers"))
    cm = cm.astype(np.float64)
    n = cm.sum()
    if n == 0:
        raise ParameterError("cm", text("la matrice de confusion est vide", "the confusion matrix is empty"))
    tp = np.diag(cm)
    row = cm.sum(axis=1)  # TP + FN
    col = cm.sum(axis=0)  # TP + FP
    fp = col - tp
    fn = row - tp
    tn = n - tp - fp - fn
    precision = _ratio(tp, col)
    recall = _ratio(tp, row)
    f1 = _ratio(2 * precision * recall, precision + recall)
    specificity = _ratio(tn, tn + fp)
    out: dict[str, Any] = {
        "accuracy": float(tp.sum() / n),
        "precision": precision, "recall": recall, "f1": f1, "specificity": specificity,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "macro_precision": float(precision.mean()), "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "undefined": sorted({int(i) for i in np.flatnonzero((col == 0) | (row == 0))}),
    }
    if cm.shape[0] == 2:
        out.update(binary_precision=float(precision[1]), binary_recall=float(recall[1]),
                   binary_f1=float(f1[1]), binary_specificity=float(specificity[1]))
    return out


def bias_variance(predictions: Any, targets: Any, noise: Any = None) -> dict[str, float]:
    """003's bias-variance decomposition over N predictions of one model.

    Inputs:
    - predictions: (N,) predicted values.
    - targets: (N,) desired values.
    - noise: (N,) noise values eps_i, or None (no irreducible error).

    Returns:
    - terms: a dict of floats: "mean_prediction", "bias2", "variance" (N - 1), "irreducible",
      "error" = bias2 + variance + irreducible.
    """
    p = np.asarray(predictions, dtype=np.float64).ravel()
    t = np.asarray(targets, dtype=np.float64).ravel()
    if p.shape != t.shape:
        raise ParameterError("targets", text(f"{t.size} cibles pour {p.size} prédictions", f"{t.size} targets for {p.size} predictions"))
    if p.size < 2:
        raise ParameterError("predictions", text("il faut au moins 2 prédictions (la variance utilise N - 1)", "need at least 2 predictions (variance uses N - 1)"))
    y_bar = float(p.mean())
    bias2 = float(np.mean((y_bar - t) ** 2))
    variance = float(np.sum((p - y_bar) ** 2) / (p.size - 1))
    irreducible = 0.0
    if noise is not None:
        e = np.asarray(noise, dtype=np.float64).ravel()
        if e.shape != p.shape:
            raise ParameterError("noise", text(f"{e.size} valeurs de bruit pour {p.size} prédictions", f"{e.size} noise values for {p.size} predictions"))
        irreducible = float(np.mean((e - e.mean()) ** 2))
    return {"mean_prediction": y_bar, "bias2": bias2, "variance": variance,
            "irreducible": irreducible, "error": bias2 + variance + irreducible}
