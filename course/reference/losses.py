"""Losses and their gradients, in the course's notation: ``y_hat`` and ``y`` are ``n_out x m``
(one example per column, 001); 1-D inputs are read as one output over ``m`` examples.

Every loss is the **mean over the m examples** of the per-example loss (001:
``J = (1/m) sum_i L(y_hat^(i), y^(i))``); the per-example loss sums over the outputs:

- MSE (003): ``L = sum_k (y_hat_k - y_k)^2`` so ``J = (1/m) sum (y_hat - y)^2`` and
  ``dJ/dy_hat = 2 (y_hat - y) / m``. With ``half=True``, ``J = (1/2m) sum (y_hat - y)^2``
  (002's ``1/2 ||y_hat - y||^2`` and 004's ``1/(2n)``), gradient ``(y_hat - y) / m``.
  For one output this is PyTorch's ``MSELoss()`` (reduction mean); in general it is
  ``MSELoss(reduction="sum") / m``.
- BCE (001, 003): ``L = -[y ln y_hat + (1 - y) ln(1 - y_hat)]``, gradient
  ``(y_hat - y) / (y_hat (1 - y_hat)) / m``. One output: PyTorch's ``BCELoss()``.
- CCE (001, 002): ``L = -sum_c y_c ln y_hat_c`` with classes along axis 0, gradient
  ``-y / y_hat / m``. PyTorch: ``NLLLoss()(log(y_hat).T, labels)``.
- sigmoid + BCE and softmax + CCE, taking the pre-activation ``z``: the delta rule of 002
  gives ``dJ/dz = (y_hat - y) / m``. PyTorch: ``BCEWithLogitsLoss()`` and ``CrossEntropyLoss()``.

Probabilities are never clipped silently: a ``y_hat`` of exactly 0 or 1 where the loss would
be infinite raises ParameterError (use the fused ``sigmoid_bce``/``softmax_cce``, which are
stable for any ``z``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course.base.errors import ParameterError
from course.base.i18n import text

from .activations import sigmoid, softmax, softplus

Array = np.ndarray


def _pair(y_hat: Any, y: Any, name: str = "y_hat") -> tuple[Array, Array, int]:
    y_hat = np.asarray(y_hat, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y_hat.shape != y.shape:
        raise ParameterError(name, text(f"la forme {y_hat.shape} diffère de celle de y, {y.shape}", f"shape {y_hat.shape} differs from y's {y.shape}"))
    if y_hat.ndim == 0 or y_hat.ndim > 2:
        raise ParameterError(name, text(f"attendu n_out x m (ou m,), reçu la forme {y_hat.shape}", f"expected n_out x m (or m,), got shape {y_hat.shape}"))
    m = y_hat.shape[-1]
    if m == 0:
        raise ParameterError(name, text("aucun exemple (m = 0)", "no examples (m = 0)"))
    return y_hat, y, m


def mse_loss(y_hat: Any, y: Any, half: bool = False) -> tuple[float, Array]:
    """Mean squared error ``J = (1/m) sum (y_hat - y)^2`` (003), or ``(1/2m) sum (y_hat - y)^2``
    with ``half`` (002, 004), and its gradient.

    Inputs:
    - y_hat: (n_out, m) predictions (or (m,) for one output), one example per column.
    - y: targets, the shape of y_hat.
    - half: use the 1/2 factor.

    Returns a tuple of:
    - J: the loss, mean over the m examples (float).
    - dy_hat: dJ/dy_hat, the shape of y_hat: ``2 (y_hat - y) / m`` (``(y_hat - y) / m`` with half).
    """
    y_hat, y, m = _pair(y_hat, y)
    diff = y_hat - y
    scale = 0.5 if half else 1.0
    return float(scale * np.sum(diff * diff) / m), (2.0 * scale) * diff / m


def _check_open_unit(name: str, p: Array, where: Array) -> None:
    if np.any((p < 0) | (p > 1)):
        raise ParameterError(name, text("les probabilités doivent être dans [0, 1]", "probabilities must lie in [0, 1]"))
    if np.any(where):
        raise ParameterError(name, text("une probabilité d'exactement 0 ou 1 rend la perte infinie (utilisez sigmoid_bce/softmax_cce fusionnées, sur les logits)", "a probability of exactly 0 or 1 makes the loss infinite "
                                   "(use the fused sigmoid_bce/softmax_cce on logits)"))


def bce_loss(y_hat: Any, y: Any) -> tuple[float, Array]:
    """Binary cross-entropy ``J = -(1/m) sum [y ln y_hat + (1 - y) ln(1 - y_hat)]`` (001, 003) and
    its gradient; a probability of exactly 0 or 1 where the loss is infinite raises.

    Inputs:
    - y_hat: (n_out, m) probabilities (or (m,)), one example per column.
    - y: targets in [0, 1], the shape of y_hat.

    Returns a tuple of:
    - J: the loss, mean over the m examples (float).
    - dy_hat: dJ/dy_hat = ``(y_hat - y) / (y_hat (1 - y_hat)) / m``, the shape of y_hat.
    """
    y_hat, y, m = _pair(y_hat, y)
    _check_open_unit("y_hat", y_hat, ((y_hat == 0) & (y != 0)) | ((y_hat == 1) & (y != 1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(y != 0, y * np.log(np.where(y_hat > 0, y_hat, 1.0)), 0.0)
        neg = np.where(y != 1, (1 - y) * np.log(np.where(y_hat < 1, 1 - y_hat, 1.0)), 0.0)
        grad = np.where(y != 0, -y / np.where(y_hat > 0, y_hat, 1.0), 0.0) + np.where(
            y != 1, (1 - y) / np.where(y_hat < 1, 1 - y_hat, 1.0), 0.0)
    return float(-np.sum(pos + neg) / m), grad / m


def cce_loss(y_hat: Any, y: Any) -> tuple[float, Array]:
    """Categorical cross-entropy ``J = -(1/m) sum y ln y_hat`` (001, 002), classes along axis 0.

    Inputs:
    - y_hat: (C, m) probabilities, one example per column.
    - y: (C, m) one-hot (or soft) targets.

    Returns a tuple of:
    - J: the loss, mean over the m examples (float).
    - dy_hat: dJ/dy_hat = ``-y / y_hat / m``, (C, m).
    """
    y_hat, y, m = _pair(y_hat, y)
    _check_open_unit("y_hat", y_hat, (y_hat == 0) & (y != 0))
    safe = np.where(y_hat > 0, y_hat, 1.0)
    loss = -np.sum(np.where(y != 0, y * np.log(safe), 0.0)) / m
    return float(loss), np.where(y != 0, -y / safe, 0.0) / m


def sigmoid_bce(z: Any, y: Any) -> tuple[float, Array]:
    """BCE of ``sigmoid(z)`` taken on the logits, stable for any z: ``L = softplus(z) - y z``
    (PyTorch's ``BCEWithLogitsLoss``); its gradient is 002's output delta.

    Inputs:
    - z: (n_out, m) logits (or (m,)), one example per column.
    - y: targets in [0, 1], the shape of z.

    Returns a tuple of:
    - J: the loss, mean over the m examples (float).
    - dz: dJ/dz = ``(sigmoid(z) - y) / m``, the shape of z.
    """
    z, y, m = _pair(z, y, "z")
    loss = np.sum(softplus(z) - y * z) / m
    return float(loss), (sigmoid(z) - y) / m


def softmax_cce(z: Any, y: Any) -> tuple[float, Array]:
    """CCE of ``softmax(z)`` over axis 0 taken on the logits, stable: ``L = logsumexp(z) - sum y z``
    per example for y summing to 1 (PyTorch's ``CrossEntropyLoss``); its gradient is 002's
    output delta.

    Inputs:
    - z: (C, m) logits, one example per column.
    - y: (C, m) one-hot (or soft) targets.

    Returns a tuple of:
    - J: the loss, mean over the m examples (float).
    - dz: dJ/dz = ``(softmax(z) - y) / m``, (C, m).
    """
    z, y, m = _pair(z, y, "z")
    if z.ndim != 2:
        raise ParameterError("z", text(f"attendu C x m logits, reçu la forme {z.shape}", f"expected C x m logits, got shape {z.shape}"))
    zmax = np.max(z, axis=0, keepdims=True)
    lse = zmax + np.log(np.sum(np.exp(z - zmax), axis=0, keepdims=True))
    loss = np.sum(y * (lse - z)) / m
    return float(loss), (softmax(z, axis=0) - y) / m


LOSSES = {"mse": mse_loss, "bce": bce_loss, "cce": cce_loss}
