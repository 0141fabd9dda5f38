"""The simple perceptron with the Heaviside step and the Widrow-Hoff (delta) rule (003).

``Y = sum_i w_i x_i + b``, ``f(Y) = 1 if Y >= 0 else 0`` (003; f(0) = 1),
``w_i <- w_i + eta (d - f(Y)) x_i``, ``b <- b + eta (d - f(Y))``.
Observations are presented one by one in order; an *iteration* is one observation, an
*epoch* one pass over all of them. Training stops when a whole epoch makes no update
(converged, 003's "Les poids sont stables") or after ``max_epochs`` epochs (not converged;
XOR never converges: it is not linearly separable).

003's OR table (w1 = 1, w2 = -1, b = 0, eta = 1) is reproduced row by row, except its
iteration 9, which prints f(Y) = 0 for Y = 0 although the same page's rule gives f(0) = 1
(and the printed update, b -> -1, is the one for f(Y) = 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

from .activations import heaviside

Array = np.ndarray


@dataclass(frozen=True)
class PerceptronRow:
    """One iteration: weights before, the observation, Y, f(Y), weights after."""

    iteration: int  # 1-based, counted across epochs (003's first column)
    epoch: int  # 1-based
    w: Array
    b: float
    x: Array
    d: float
    y: float  # Y = w . x + b
    fy: float  # f(Y), the predicted class
    w_new: Array
    b_new: float

    @property
    def updated(self) -> bool:
        return self.fy != self.d


@dataclass(frozen=True)
class PerceptronResult:
    rows: list[PerceptronRow] = field(default_factory=list)
    w: Array = field(default_factory=lambda: np.zeros(0))
    b: float = 0.0
    epochs: int = 0
    converged: bool = False


def perceptron_train(X: Any, d: Any, w0: Any, b0: float, eta: float = 1.0,
                     max_epochs: int = 100) -> PerceptronResult:
    """Train with Widrow-Hoff, one observation at a time in order, and keep every iteration (003):
    ``w_i <- w_i + eta (d - f(Y)) x_i``, ``b <- b + eta (d - f(Y))``, Heaviside f(0) = 1
    (conventions.py).

    Inputs:
    - X: (n, p) observations, one per row.
    - d: (n,) desired classes in {0, 1}.
    - w0: (p,) initial weights.
    - b0: initial bias.
    - eta: the learning rate.
    - max_epochs: the most passes over the observations.

    Returns:
    - result: PerceptronResult(rows (one PerceptronRow per iteration), w (p,), b, epochs,
      converged).
    """
    X = np.asarray(X, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    w = np.asarray(w0, dtype=np.float64).copy()
    if X.ndim != 2:
        raise ParameterError("X", text(f"attendu (n, p) avec les observations en lignes, reçu {X.shape}", f"expected (n, p) with observations as rows, got {X.shape}"))
    if d.shape != (X.shape[0],):
        raise ParameterError("d", text(f"attendu la forme ({X.shape[0]},), reçu : {d.shape}", f"expected shape ({X.shape[0]},), got {d.shape}"))
    if not np.all((d == 0) | (d == 1)):
        raise ParameterError("d", text("les classes désirées doivent valoir 0 ou 1", "desired classes must be 0 or 1"))
    if w.shape != (X.shape[1],):
        raise ParameterError("w0", text(f"attendu la forme ({X.shape[1]},), reçu : {w.shape}", f"expected shape ({X.shape[1]},), got {w.shape}"))
    if not eta > 0:
        raise ParameterError("eta", text(f"le taux d'apprentissage doit être > 0, reçu : {eta}", f"the learning rate must be > 0, got {eta}"))
    if not isinstance(max_epochs, int) or max_epochs <= 0:
        raise ParameterError("max_epochs", text(f"doit être un entier positif, reçu : {max_epochs!r}", f"must be a positive integer, got {max_epochs!r}"))
    b = float(b0)
    rows: list[PerceptronRow] = []
    it = 0
    for epoch in range(1, max_epochs + 1):
        changed = False
        for x, target in zip(X, d):
            it += 1
            y = float(w @ x + b)
            fy = float(heaviside(y))
            err = float(target) - fy
            w_new = w + eta * err * x
            b_new = b + eta * err
            rows.append(PerceptronRow(it, epoch, w.copy(), b, x.copy(), float(target), y, fy,
                                      w_new.copy(), b_new))
            changed = changed or err != 0
            w, b = w_new, b_new
        if not changed:
            return PerceptronResult(rows, w, b, epoch, True)
    return PerceptronResult(rows, w, b, max_epochs, False)


def perceptron_predict(X: Any, w: Any, b: float) -> Array:
    """The predicted classes ``f(X w + b)``, Heaviside with f(0) = 1 (003).

    Inputs:
    - X: (n, p) observations, one per row.
    - w: (p,) weights.
    - b: the bias.

    Returns:
    - y: (n,) classes, 0.0 or 1.0.
    """
    return heaviside(np.asarray(X, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b)


def perceptron_accuracy(X: Any, d: Any, w: Any, b: float) -> float:
    """The share of observations that the perceptron ``f(X w + b)`` classifies as d (003).

    Inputs:
    - X: (n, p), one observation per row.
    - d: (n,) desired classes in {0, 1}.
    - w: (p,) weights.
    - b: the bias.

    Returns:
    - accuracy: a float in [0, 1].
    """
    pred = perceptron_predict(X, w, b)
    return float(np.mean(pred == np.asarray(d, dtype=np.float64)))


_INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)

#: Truth tables in 003's order (x1, x2) = (0,0), (0,1), (1,0), (1,1): name -> (X, d).
LOGIC_GATES: dict[str, tuple[Array, Array]] = {
    name: (_INPUTS.copy(), np.array(d, dtype=np.float64))
    for name, d in {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "nand": [1, 1, 1, 0],
                    "nor": [1, 0, 0, 0], "xor": [0, 1, 1, 0]}.items()
}
