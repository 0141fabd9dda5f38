"""Gradient descent on the simple regression ``y = a x + b``, step by step (004).

Loss convention (004, "Exemple de descente de gradient sur un cas simple : la regression"):
``L = 1/(2n) sum_i (y*_i - (a x_i + b))^2``, so
``dL/da = (1/n) sum_i (a x_i + b - y*_i) x_i`` and ``dL/db = (1/n) sum_i (a x_i + b - y*_i)``;
update ``a <- a - gamma dL/da``, ``b <- b - gamma dL/db`` (004's example: gamma = 0.01,
a = 0.58, b = 0.25 at the start, target a = 3.0, b = 0.5). The 1/2 cancels the 2 of the
square, which is why 004's gradients have no factor 2.

004 does not print its data set, only the sequence of (a, b); the family draws data and
students redo the steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

Array = np.ndarray


@dataclass(frozen=True)
class LinregStep:
    """State at step k (k = 0 is the initialisation): parameters, their loss and gradients,
    and the parameters after the update."""

    step: int
    a: float
    b: float
    loss: float
    grad_a: float
    grad_b: float
    a_new: float
    b_new: float


def linreg_loss_grad(a: float, b: float, x: Any, y: Any) -> tuple[float, float, float]:
    """004's loss ``L = 1/(2n) sum (a x + b - y*)^2`` and its gradients at ``(a, b)``.

    Inputs:
    - a: the slope.
    - b: the intercept.
    - x: (n,) inputs.
    - y: (n,) targets y*.

    Returns a tuple of:
    - L: the loss (float).
    - dL_da: ``(1/n) sum (a x + b - y*) x`` (float).
    - dL_db: ``(1/n) sum (a x + b - y*)`` (float).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape or x.size == 0:
        raise ParameterError("y", text(f"attendu autant de cibles que d'entrées (>= 1), reçu {y.size} et {x.size}", f"expected as many targets as inputs (>= 1), got {y.size} and {x.size}"))
    r = a * x + b - y
    return float(np.sum(r * r) / (2 * x.size)), float(np.mean(r * x)), float(np.mean(r))


def linreg_gd(x: Any, y: Any, a0: float, b0: float, lr: float = 0.01,
              steps: int = 10) -> list[LinregStep]:
    """``steps`` full-batch gradient-descent steps from ``(a0, b0)``: ``a <- a - lr dL/da``,
    ``b <- b - lr dL/db`` (004).

    Inputs:
    - x: (n,) inputs.
    - y: (n,) targets.
    - a0: initial slope.
    - b0: initial intercept.
    - lr: the learning rate (004's gamma).
    - steps: number of updates.

    Returns:
    - rows: a list of ``steps`` LinregStep (k, a, b, loss, grad_a, grad_b, a_new, b_new).
    """
    if not lr > 0:
        raise ParameterError("lr", text(f"le taux d'apprentissage doit être > 0, reçu : {lr}", f"the learning rate must be > 0, got {lr}"))
    if not isinstance(steps, int) or steps <= 0:
        raise ParameterError("steps", text(f"doit être un entier positif, reçu : {steps!r}", f"must be a positive integer, got {steps!r}"))
    a, b = float(a0), float(b0)
    out: list[LinregStep] = []
    for k in range(steps):
        loss, ga, gb = linreg_loss_grad(a, b, x, y)
        a_new, b_new = a - lr * ga, b - lr * gb
        out.append(LinregStep(k, a, b, loss, ga, gb, a_new, b_new))
        a, b = a_new, b_new
    return out
